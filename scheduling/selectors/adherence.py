"""Adherence per agent per local day against the published schedule, and the exceptions of those days.

The figures and exceptions come from the pure :mod:`scheduling.adherence`; this module gathers its inputs (the
published shifts, the agents' zones, their state events) in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery

from supportops import access
from supportops.models import Agent, Team

from ..adherence import (
    DEFAULT_GRACE_MINUTES,
    AdherenceException,
    AdherenceRules,
    ScheduledActivity,
    ScheduledShift,
    StateChange,
    evaluate_day,
)
from ..models import AgentStateEvent
from .shifts import PublishedShift, published_shifts

__all__ = [
    "MAX_ADHERENCE_DAYS",
    "AgentDayAdherence",
    "AdherenceExceptionRow",
    "adherence_by_agent_day",
    "adherence_exception_list",
    "adherence_rules",
    "adherence_scope",
]

MAX_ADHERENCE_DAYS = 62

# Every IANA zone's offset lies within these bounds: the UTC window that holds any zone's local days.
_EARLIEST_OFFSET = timedelta(hours=14)
_LATEST_OFFSET = timedelta(hours=12)


def adherence_rules() -> AdherenceRules:
    """The grace before a deviation is an exception: ``ADHERENCE_GRACE_MINUTES`` in settings, else 5 minutes."""
    return AdherenceRules.with_grace(float(getattr(settings, "ADHERENCE_GRACE_MINUTES", DEFAULT_GRACE_MINUTES)))


@dataclass(frozen=True)
class AgentDayAdherence:
    """One agent's local day (in the agent's zone) against the published shifts starting that day."""

    agent_id: int
    agent_name: str
    date: date
    zone_name: str
    scheduled_minutes: float
    adherent_minutes: float
    present_minutes: float
    adherence_percent: float | None
    conformance_percent: float | None
    exceptions: tuple[AdherenceException, ...]


@dataclass(frozen=True)
class AdherenceExceptionRow:
    """One exception with the agent and local day it belongs to."""

    agent_id: int
    agent_name: str
    date: date
    kind: str
    starts_at: datetime
    minutes: float


def adherence_scope(*, user: Any, team: Team) -> set[int] | None:
    """Which of the team's agents' adherence the user may see: None for all (admins, the team's managers), the
    user's own agent id for an agent of the team, and nothing otherwise."""
    if access.is_admin(user) or (access.is_manager(user) and team.managers.filter(pk=user.pk).exists()):
        return None
    own = Agent.objects.filter(user=user, team=team).values_list("pk", flat=True).first()
    return {own} if own is not None else set()


def _scheduled(shift: PublishedShift) -> ScheduledShift:
    return ScheduledShift(
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        activities=tuple(
            ScheduledActivity(activity.kind, activity.starts_at, activity.ends_at) for activity in shift.activities
        ),
    )


def adherence_by_agent_day(
    *,
    team: Team,
    first_day: date,
    last_day: date,
    agent_ids: Collection[int] | None = None,
    rules: AdherenceRules | None = None,
) -> list[AgentDayAdherence]:
    """Adherence of the team's agents for each local day first..last with a published shift, by agent and day.

    A shift belongs to the local day (agent's zone) on which it starts. ``agent_ids`` limits the agents (None:
    all). Three queries whatever the number of agents and days: the published versions, the agents with their
    state before the window, and the state events in it.
    """
    if last_day < first_day:
        return []
    rules = rules or adherence_rules()
    window_start = datetime.combine(first_day, time(0), tzinfo=UTC) - _EARLIEST_OFFSET
    window_end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC) + _LATEST_OFFSET
    shifts = [
        shift
        for shift in published_shifts(team=team, start=window_start, end=window_end)
        if agent_ids is None or shift.agent_id in agent_ids
    ]
    if not shifts:
        return []
    state_before = (
        AgentStateEvent.objects.filter(agent=OuterRef("pk"), occurred_at__lt=window_start)
        .order_by("-occurred_at")
        .values("state")[:1]
    )
    agents = {
        agent.pk: agent
        for agent in Agent.objects.filter(pk__in={shift.agent_id for shift in shifts})
        .select_related("user", "team__market")
        .annotate(state_before=Subquery(state_before))
    }
    by_day: dict[tuple[int, date], list[PublishedShift]] = defaultdict(list)
    for shift in shifts:
        agent = agents.get(shift.agent_id)
        if agent is None:
            continue  # the agent was deleted since publication
        day = shift.starts_at.astimezone(agent.zone).date()
        if first_day <= day <= last_day:
            by_day[(agent.pk, day)].append(shift)
    if not by_day:
        return []
    events_end = max(shift.ends_at for day_shifts in by_day.values() for shift in day_shifts)
    changes: dict[int, list[StateChange]] = defaultdict(list)
    for agent_id, state, occurred_at in (
        AgentStateEvent.objects.filter(
            agent_id__in={agent_id for agent_id, _ in by_day}, occurred_at__gte=window_start, occurred_at__lt=events_end
        )
        .order_by("agent_id", "occurred_at")
        .values_list("agent_id", "state", "occurred_at")
    ):
        changes[agent_id].append(StateChange(occurred_at, state))

    rows: list[AgentDayAdherence] = []
    for (agent_id, day), day_shifts in by_day.items():
        agent = agents[agent_id]
        result = evaluate_day(
            [_scheduled(shift) for shift in day_shifts],
            changes[agent_id],
            initial_state=getattr(agent, "state_before", None),
            rules=rules,
        )
        rows.append(
            AgentDayAdherence(
                agent_id=agent_id,
                agent_name=agent.display_name,
                date=day,
                zone_name=agent.zone.key,
                scheduled_minutes=result.scheduled_minutes,
                adherent_minutes=result.adherent_minutes,
                present_minutes=result.present_minutes,
                adherence_percent=result.adherence_percent,
                conformance_percent=result.conformance_percent,
                exceptions=result.exceptions,
            )
        )
    rows.sort(key=lambda row: (row.agent_name.casefold(), row.agent_id, row.date))
    return rows


def adherence_exception_list(
    *,
    team: Team,
    first_day: date,
    last_day: date,
    agent_ids: Collection[int] | None = None,
    rules: AdherenceRules | None = None,
) -> list[AdherenceExceptionRow]:
    """Every exception of those days (late starts, early leaves, long breaks, …), in time order."""
    days = adherence_by_agent_day(team=team, first_day=first_day, last_day=last_day, agent_ids=agent_ids, rules=rules)
    rows = [
        AdherenceExceptionRow(day.agent_id, day.agent_name, day.date, item.kind, item.starts_at, item.minutes)
        for day in days
        for item in day.exceptions
    ]
    rows.sort(key=lambda row: (row.starts_at, row.agent_name.casefold(), row.kind))
    return rows
