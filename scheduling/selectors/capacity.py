"""Reads of capacity data shared by the API, pages and admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from supportops import access
from supportops.models import Queue, Team

from ..grid import PlanningGrid
from ..models import (
    Forecast,
    ForecastAdjustment,
    ForecastInterval,
    IntervalVolume,
    StaffingSettings,
    queues_planned_by,
)

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


def teams_staffed_by(*, user: Any) -> QuerySet[Team]:
    """Teams whose staffing settings the user manages: all for admins, their own for managers."""
    if access.is_admin(user):
        return Team.objects.all()
    if access.is_manager(user):
        return Team.objects.filter(managers=user)
    return Team.objects.none()


def staffing_settings_list(*, user: Any) -> QuerySet[StaffingSettings]:
    """Staffing settings of the teams the user manages (all teams for admins), by team name."""
    return (
        StaffingSettings.objects.filter(team__in=teams_staffed_by(user=user))
        .select_related("team")
        .order_by("team__name")
    )


def forecast_versions(*, user: Any, queue: Queue, limit: int = 20) -> list[Forecast]:
    """The newest ``limit`` forecast versions of a queue the user may see, with their jobs (no intervals)."""
    return list(
        Forecast.objects.visible_to(user)
        .filter(queue=queue)
        .select_related("job", "created_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def forecast_adjustment_list(*, forecast: Forecast) -> QuerySet[ForecastAdjustment]:
    """A forecast's manual adjustments in time order, with who made them."""
    return ForecastAdjustment.objects.filter(forecast=forecast).select_related("created_by").order_by("start", "pk")


def forecast_interval_list(
    *, forecast: Forecast, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[ForecastInterval]:
    """A forecast's intervals in time order, optionally within [start, end)."""
    intervals = ForecastInterval.objects.filter(forecast=forecast)
    if start is not None:
        intervals = intervals.filter(interval_start__gte=start)
    if end is not None:
        intervals = intervals.filter(interval_start__lt=end)
    return intervals.order_by("interval_start")


def queue_has_volume_history(*, user: Any, queue: Queue) -> bool:
    """True when the queue has any volume history the user may see."""
    return IntervalVolume.objects.visible_to(user).filter(queue=queue).exists()
