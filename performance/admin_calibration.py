"""Django admin of QA calibration."""

from __future__ import annotations
