"""Scheduling data: capacity (volume, forecasts, scenarios) and shift planning (templates to published shifts)."""

from .capacity import *  # noqa: F403
from .capacity import IntervalVolume, queues_planned_by  # noqa: F401  (explicit for type checkers)
from .shifts import *  # noqa: F403
