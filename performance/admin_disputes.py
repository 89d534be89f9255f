"""Django admin of QA disputes."""

from __future__ import annotations
