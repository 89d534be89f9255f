"""Onboarding writes, one module per topic; everything public is importable from ``onboarding.services``."""

from .reminders import *  # noqa: F403
