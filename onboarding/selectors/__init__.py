"""Onboarding reads shared by the API, pages and reports, one module per topic."""

from .curricula import *  # noqa: F403
from .progress import *  # noqa: F403
