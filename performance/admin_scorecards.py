"""Django admin of QA scorecards."""

from __future__ import annotations
