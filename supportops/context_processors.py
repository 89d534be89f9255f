"""Template context shared by every page: the navigation for the viewer's roles."""

from typing import Any

from django.http import HttpRequest

from .navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu entries and role labels of the signed-in user."""
    return navigation_for(request)
