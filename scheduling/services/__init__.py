"""Scheduling writes, one module per topic; everything public is importable from ``scheduling.services``."""

from .capacity import *  # noqa: F403
