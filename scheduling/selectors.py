"""Reads of capacity data shared by the API, pages and admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from supportops.models import Queue

from .grid import PlanningGrid
from .models import Forecast, IntervalVolume, queues_planned_by

DEFAULT_INTERVAL_MINUTES = 30


def queue_planning_grid(queue: Queue) -> PlanningGrid:
    """The grid a queue is planned on: its market's zone (else its first team's, else UTC) and the
    finest planning interval of the teams that staff it (30 minutes when no team does)."""
    teams = sorted(queue.teams.all(), key=lambda team: team.pk)
    if queue.market is not None:
        zone = queue.market.timezone
    elif teams:
        zone = teams[0].timezone or teams[0].market.timezone
    else:
        zone = "UTC"
    interval = min((team.planning_interval_minutes for team in teams), default=DEFAULT_INTERVAL_MINUTES)
    return PlanningGrid(zone_name=zone, interval_minutes=interval)


def planned_queues(*, user: Any) -> QuerySet[Queue]:
    """Queues whose capacity the user plans (admins: all; managers: their teams' queues)."""
    return queues_planned_by(user).select_related("market").prefetch_related("teams__market").order_by("name")


def volume_list(*, user: Any, start: datetime | None = None, end: datetime | None = None) -> QuerySet[IntervalVolume]:
    """Volume history the user may see, oldest first, optionally within [start, end)."""
    volumes = IntervalVolume.objects.visible_to(user).select_related("queue")
    if start is not None:
        volumes = volumes.filter(interval_start__gte=start)
    if end is not None:
        volumes = volumes.filter(interval_start__lt=end)
    return volumes.order_by("queue_id", "interval_start")


def forecast_list(*, user: Any) -> QuerySet[Forecast]:
    """Forecasts the user may see, newest first, with queue, job and adjustments."""
    return (
        Forecast.objects.visible_to(user)
        .select_related("queue", "job")
        .prefetch_related("adjustments__created_by")
        .order_by("-created_at", "-pk")
    )
