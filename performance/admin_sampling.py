"""Django admin of QA sampling."""

from __future__ import annotations
