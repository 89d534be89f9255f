"""Performance writes, one module per topic; everything public is importable from ``performance.services``."""

from .reviews import *  # noqa: F403
from .scorecards import *  # noqa: F403
