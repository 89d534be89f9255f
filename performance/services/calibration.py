"""The calibration services of conversation QA."""

from __future__ import annotations

__all__: list[str] = []
