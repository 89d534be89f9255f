"""Scheduling writes, one module per topic; everything public is importable from ``scheduling.services``."""

from .adherence import *  # noqa: F403
from .calendars import *  # noqa: F403
from .capacity import *  # noqa: F403
from .generation import *  # noqa: F403
from .requests import *  # noqa: F403
from .shifts import *  # noqa: F403
