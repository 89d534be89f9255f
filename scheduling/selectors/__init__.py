"""Scheduling reads shared by the API, pages, admin and reports, one module per topic."""

from .adherence import *  # noqa: F403
from .calendars import *  # noqa: F403
from .capacity import *  # noqa: F403
from .requests import *  # noqa: F403
from .shifts import *  # noqa: F403
