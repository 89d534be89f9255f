"""The people part of the performance API."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    """Add this topic's viewsets to the performance router."""
