"""Helpers for shift-planning tests: local times of the Singapore teams, a queue per team, requirements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from scheduling.models import Forecast, ForecastInterval, ShiftTemplate
from supportops.models import Queue, Team
from tests.factories import QueueFactory

SINGAPORE = ZoneInfo("Asia/Singapore")
WEEK = "2026-W50"
MONDAY = date(2026, 12, 7)


def sg(day: date, hour: int, minute: int = 0) -> datetime:
    """A Singapore wall time as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SINGAPORE).astimezone(UTC)


def team_queue(team: Team, name: str) -> Queue:
    """A chat queue staffed by ``team`` alone."""
    queue = cast(Queue, QueueFactory(name=name, market=team.market))
    queue.teams.set([team])
    return queue


def requirement(queue: Queue, values: dict[datetime, int], *, first: datetime, days: int = 7) -> Forecast:
    """A stored forecast of ``queue`` on a 30-minute grid from ``first`` for ``days`` days: zero agents required
    everywhere except the UTC interval starts given in ``values``."""
    forecast = Forecast.objects.create(
        queue=queue, interval_minutes=30, zone_name="Asia/Singapore", horizon_start=first, horizon_days=days
    )
    ForecastInterval.objects.bulk_create(
        ForecastInterval(
            forecast=forecast,
            interval_start=first + timedelta(minutes=30 * index),
            volume=0.0,
            required_agents=values.get(first + timedelta(minutes=30 * index), 0),
            required_on_queue=values.get(first + timedelta(minutes=30 * index), 0),
        )
        for index in range(days * 48)
    )
    return forecast


def day_template(team: Team, *, name: str = "Day", start_hour: int = 9, paid_minutes: int = 480) -> ShiftTemplate:
    """A template with a paid 30-minute break between 2 h and 3 h and an unpaid 60-minute lunch in 3.5-5 h."""
    template = ShiftTemplate.objects.create(
        team=team, name=name, start_time=f"{start_hour:02d}:00", paid_minutes=paid_minutes
    )
    template.break_rules.create(kind="break", duration_minutes=30, earliest_start_minutes=120, latest_start_minutes=180)
    template.break_rules.create(
        kind="lunch", duration_minutes=60, earliest_start_minutes=210, latest_start_minutes=300, is_paid=False
    )
    return template
