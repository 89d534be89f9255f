"""Onboarding writes, one module per topic; everything public is importable from ``onboarding.services``."""

from .curricula import *  # noqa: F403
from .enrollments import *  # noqa: F403
from .progress import *  # noqa: F403
from .reminders import *  # noqa: F403
