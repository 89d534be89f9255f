"""Scheduling reads shared by the API, pages, admin and reports, one module per topic."""

from .capacity import *  # noqa: F403
from .shifts import *  # noqa: F403
