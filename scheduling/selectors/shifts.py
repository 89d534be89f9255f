"""Reads of schedules: what was published (for agents, feeds, adherence), requirements per slot, and coverage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from supportops import access
from supportops.models import Agent, Queue, Team

from ..grid import PlanningGrid
from ..models import (
    BREAK_KINDS,
    FIXED_KINDS,
    Forecast,
    ForecastInterval,
    Schedule,
    ScheduleVersion,
    Shift,
    ShiftActivity,
    StaffingSettings,
)


@dataclass(frozen=True)
class PublishedActivity:
    """A part of a published shift (break, lunch, training, …), UTC times."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    title: str
    queue_name: str
    is_paid: bool = True


@dataclass(frozen=True)
class PublishedShift:
    """A shift as last published: what agents, calendar feeds and adherence go by."""

    shift_id: int
    agent_id: int
    agent_name: str
    team_id: int
    schedule_id: int
    starts_at: datetime
    ends_at: datetime
    queue_name: str
    activities: tuple[PublishedActivity, ...]
    version: int
    published_at: datetime

    @property
    def paid_hours(self) -> float:
        unpaid = sum((a.ends_at - a.starts_at).total_seconds() for a in self.activities if not a.is_paid)
        return ((self.ends_at - self.starts_at).total_seconds() - unpaid) / 3600


def _published(entry: dict[str, Any], version: ScheduleVersion) -> PublishedShift:
    return PublishedShift(
        shift_id=entry["id"],
        agent_id=entry["agent_id"],
        agent_name=entry["agent"],
        team_id=version.schedule.team_id,
        schedule_id=version.schedule_id,
        starts_at=datetime.fromisoformat(entry["starts_at"]),
        ends_at=datetime.fromisoformat(entry["ends_at"]),
        queue_name=entry["queue"],
        activities=tuple(
            PublishedActivity(
                kind=activity["kind"],
                starts_at=datetime.fromisoformat(activity["starts_at"]),
                ends_at=datetime.fromisoformat(activity["ends_at"]),
                title=activity["title"],
                queue_name=activity["queue"],
                is_paid=activity.get("is_paid", True),
            )
            for activity in entry["activities"]
        ),
        version=version.number,
        published_at=version.published_at,
    )


def published_shifts(
    *,
    agent: Agent | None = None,
    team: Team | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[PublishedShift]:
    """Shifts as last published, overlapping [start, end), for one agent and/or one team, in start order.

    Read from the latest :class:`ScheduleVersion` of each schedule (one query), so edits not yet published never
    show. An agent's shifts come from every team's schedules they appear in.
    """
    versions = ScheduleVersion.objects.filter(number=F("schedule__version")).select_related("schedule")
    if team is not None:
        versions = versions.filter(schedule__team=team)
    if start is not None:
        versions = versions.filter(schedule__week_start__gt=(start - timedelta(days=8)).date())
    if end is not None:
        versions = versions.filter(schedule__week_start__lt=(end + timedelta(days=1)).date())
    shifts: list[PublishedShift] = []
    for version in versions:
        for entry in version.shifts:
            if agent is not None and entry["agent_id"] != agent.pk:
                continue
            shift = _published(entry, version)
            if (start is None or shift.ends_at > start) and (end is None or shift.starts_at < end):
                shifts.append(shift)
    shifts.sort(key=lambda shift: (shift.starts_at, shift.agent_name))
    return shifts


def published_versions_of(shifts: Iterable[Any]) -> dict[int, PublishedShift]:
    """Each given shift (anything with ``pk`` and ``schedule_id``) as its schedule last published it, by shift id
    (one query); a shift its schedule's latest publication does not show is left out. What agents see of a shift
    that a manager edited after publishing."""
    wanted = {shift.pk: shift.schedule_id for shift in shifts if shift is not None}
    if not wanted:
        return {}
    versions = ScheduleVersion.objects.filter(
        schedule_id__in=set(wanted.values()), number=F("schedule__version")
    ).select_related("schedule")
    return {
        entry["id"]: _published(entry, version)
        for version in versions
        for entry in version.shifts
        if wanted.get(entry["id"]) == version.schedule_id
    }


# --- the week as slots -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekSlots:
    """A team's week on its planning grid: UTC slot starts from local Monday 00:00 to the next Monday, plus
    ``spill`` slots after it for shifts that run past the week's end."""

    team_id: int
    week_start: date
    slot_minutes: int
    starts: tuple[datetime, ...]
    week_slot_count: int
    day_first_slots: tuple[int, ...]

    def index(self, instant: datetime) -> int:
        """The slot holding ``instant`` (may be negative or beyond the horizon)."""
        offset = (instant - self.starts[0]).total_seconds() / 60
        return int(offset // self.slot_minutes)

    @property
    def slot_count(self) -> int:
        return len(self.starts)


def week_slots(team: Team, week_start: date, *, spill_hours: int = 0) -> WeekSlots:
    """Slots of the team's week. DST weeks simply hold fewer or more slots (the grid is walked in UTC)."""
    grid = PlanningGrid(zone_name=team.zone.key, interval_minutes=team.planning_interval_minutes)
    first, _ = grid.day_bounds(week_start)
    _, last = grid.day_bounds(week_start + timedelta(days=6))
    step = timedelta(minutes=grid.interval_minutes)
    week_count = int((last - first) / step)
    extra = spill_hours * 60 // grid.interval_minutes
    starts = tuple(first + step * index for index in range(week_count + extra))
    day_first = []
    for day in range(8):
        bound, _ = grid.day_bounds(week_start + timedelta(days=day))
        day_first.append(int((bound - first) / step))
    return WeekSlots(
        team_id=team.pk,
        week_start=week_start,
        slot_minutes=grid.interval_minutes,
        starts=starts,
        week_slot_count=week_count,
        day_first_slots=tuple(day_first),
    )


def team_queues(team: Team) -> list[Queue]:
    """Active queues the team staffs, by name, with their required skills."""
    return list(
        Queue.objects.filter(teams=team, is_active=True).prefetch_related("required_skills", "teams").order_by("name")
    )


@dataclass(frozen=True)
class Requirement:
    """On-queue agents required per slot, per queue, and where each queue's figures came from."""

    by_queue: dict[int, tuple[int, ...]]
    forecast_ids: dict[int, int | None]
    notes: tuple[str, ...]

    def total(self, slot_count: int) -> list[int]:
        totals = [0] * slot_count
        for values in self.by_queue.values():
            for index, value in enumerate(values[:slot_count]):
                totals[index] += value
        return totals


def requirement_for(queues: Iterable[Queue], slots: WeekSlots, *, team: Team | None = None) -> Requirement:
    """Agents needed on each queue per slot, from each queue's newest forecast that covers the week.

    Uses the on-queue figure (before shrinkage; breaks are placed by the schedule itself), falling back to the
    after-shrinkage figure for forecasts computed before it was stored. A forecast on a coarser grid fills each
    of its intervals' slots. When ``team`` is given and a queue is also staffed by other teams, the agents those
    teams already have on it (their current shifts) are deducted. A fixed number of queries.
    """
    queues = list(queues)
    horizon_start, horizon_end = slots.starts[0], slots.starts[-1] + timedelta(minutes=slots.slot_minutes)
    rows = (
        ForecastInterval.objects.filter(
            forecast__queue__in=queues, interval_start__gte=horizon_start, interval_start__lt=horizon_end
        )
        .values_list("forecast__queue_id", "forecast_id", "interval_start", "required_on_queue", "required_agents")
        .order_by("forecast__queue_id", "-forecast_id", "interval_start")
    )
    newest: dict[int, int] = {}
    values: dict[int, list[int]] = {queue.pk: [0] * slots.slot_count for queue in queues}
    picked_rows: list[tuple[int, datetime, int]] = []
    for queue_id, forecast_id, interval_start, on_queue, after_shrinkage in rows:
        if newest.setdefault(queue_id, forecast_id) != forecast_id:
            continue
        picked_rows.append((queue_id, interval_start, on_queue if on_queue is not None else (after_shrinkage or 0)))
    minutes_by_forecast: dict[int, int] = (
        dict(Forecast.objects.filter(pk__in=newest.values()).values_list("pk", "interval_minutes")) if newest else {}
    )
    for queue_id, interval_start, required in picked_rows:
        length = minutes_by_forecast[newest[queue_id]]
        first = slots.index(interval_start)
        for index in range(first, first + max(1, length // slots.slot_minutes)):
            if 0 <= index < slots.slot_count:
                values[queue_id][index] = int(required)
    notes = [
        f"No forecast covers the week for {queue.name}: its requirement is taken as zero."
        for queue in queues
        if queue.pk not in newest
    ]
    if team is not None:
        shared = [queue for queue in queues if any(other.pk != team.pk for other in queue.teams.all())]
        if shared:
            elsewhere = _covered_by_other_teams(shared, slots, team)
            for queue in shared:
                deducted = 0
                for index, count in enumerate(elsewhere.get(queue.pk, ())):
                    taken = min(count, values[queue.pk][index])
                    values[queue.pk][index] -= taken
                    deducted += taken
                if deducted:
                    notes.append(
                        f"{queue.name} is also staffed by other teams: their {deducted * slots.slot_minutes / 60:g}"
                        " agent-hours on it are deducted."
                    )
    return Requirement(
        by_queue={queue_id: tuple(row) for queue_id, row in values.items()},
        forecast_ids={queue.pk: newest.get(queue.pk) for queue in queues},
        notes=tuple(notes),
    )


def _covered_by_other_teams(queues: list[Queue], slots: WeekSlots, team: Team) -> dict[int, list[int]]:
    """Agents of other teams on each of ``queues`` per slot, from their current shifts."""
    horizon_start, horizon_end = slots.starts[0], slots.starts[-1] + timedelta(minutes=slots.slot_minutes)
    counts: dict[int, list[int]] = {queue.pk: [0] * slots.slot_count for queue in queues}
    shifts = (
        Shift.objects.filter(starts_at__lt=horizon_end, ends_at__gt=horizon_start)
        .exclude(schedule__team=team)
        .filter(Q(queue__in=queues) | Q(activities__queue__in=queues))
        .distinct()
        .prefetch_related("activities")
    )
    for shift in shifts:
        for index, queue_id in on_queue_slots(shift, slots):
            if queue_id in counts:
                counts[queue_id][index] += 1
    return counts


# --- coverage --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageInterval:
    """One slot of a week: agents required and scheduled on queue (breaks and off-queue activities excluded)."""

    start: datetime
    required: int
    scheduled: float


@dataclass(frozen=True)
class Coverage:
    """A team week's coverage, in total and per queue, and its totals in agent-hours."""

    team: Team
    week_start: date
    slot_minutes: int
    intervals: tuple[CoverageInterval, ...]
    by_queue: dict[str, tuple[CoverageInterval, ...]]
    notes: tuple[str, ...]

    def _hours(self, values: Iterable[float]) -> float:
        return round(sum(values) * self.slot_minutes / 60, 2)

    @property
    def required_hours(self) -> float:
        return self._hours(interval.required for interval in self.intervals)

    @property
    def scheduled_hours(self) -> float:
        return self._hours(interval.scheduled for interval in self.intervals)

    @property
    def under_hours(self) -> float:
        return self._hours(max(0, i.required - i.scheduled) for i in self.intervals)

    @property
    def over_hours(self) -> float:
        return self._hours(max(0, i.scheduled - i.required) for i in self.intervals)


def schedule_shifts(schedule: Schedule) -> QuerySet[Shift]:
    """A schedule's current shifts (drafts and unpublished edits included) with agents, queues and activities."""
    return (
        Shift.objects.filter(schedule=schedule)
        .select_related("agent__user", "queue", "template", "schedule")
        .prefetch_related(Prefetch("activities", queryset=ShiftActivity.objects.select_related("queue")))
        .order_by("starts_at", "agent_id")
    )


def on_queue_slots(shift: Shift, slots: WeekSlots) -> list[tuple[int, int | None]]:
    """(slot, queue id) pairs the shift spends on queue: not on a break, lunch or off-queue activity."""
    covered: list[tuple[int, int | None]] = []
    activities = list(shift.activities.all())
    for index in range(
        max(0, slots.index(shift.starts_at)),
        min(slots.slot_count, slots.index(shift.ends_at - timedelta(seconds=1)) + 1),
    ):
        slot_start = slots.starts[index]
        slot_end = slot_start + timedelta(minutes=slots.slot_minutes)
        queue_id = shift.queue_id
        off = False
        for activity in activities:
            if activity.starts_at < slot_end and activity.ends_at > slot_start:
                if activity.kind in BREAK_KINDS or activity.kind in FIXED_KINDS:
                    off = True
                elif activity.queue_id:
                    queue_id = activity.queue_id
        if not off and shift.starts_at <= slot_start and shift.ends_at >= slot_end:
            covered.append((index, queue_id))
    return covered


def productivity_for(team: Team) -> StaffingSettings:
    """The team's staffing settings (saved or defaults): how much agents in onboarding and nesting count for."""
    found = StaffingSettings.objects.filter(team=team).first()
    return found if found is not None else StaffingSettings(team=team)


def coverage_for(*, team: Team, week_start: date) -> Coverage:
    """Required against scheduled on-queue agents per slot for the team's current schedule of the week.

    An agent in onboarding or nesting counts for the team's productivity fraction of a fully productive agent,
    so ``scheduled`` is a decimal (two places). A fixed number of queries: the staffing settings, the queues, the
    forecast rows, the schedule and its shifts with activities.
    """
    slots = week_slots(team, week_start)
    settings = productivity_for(team)
    queues = team_queues(team)
    requirement = requirement_for(queues, slots, team=team)
    scheduled: dict[int | None, list[float]] = defaultdict(lambda: [0.0] * slots.slot_count)
    schedule = Schedule.objects.filter(team=team, week_start=week_start).first()
    partial: dict[str, float] = {}
    if schedule is not None:
        for shift in schedule_shifts(schedule):
            share = settings.productivity_of(shift.agent.status)
            if share < 1:
                partial[str(shift.agent)] = share
            for index, queue_id in on_queue_slots(shift, slots):
                scheduled[queue_id][index] += share
    for row in scheduled.values():
        row[:] = [round(value, 2) for value in row]
    notes = list(requirement.notes)
    if partial:
        named = ", ".join(f"{name} ({share * 100:g} %)" for name, share in sorted(partial.items()))
        notes.append(f"Agents in onboarding or nesting count for part of an agent: {named}.")
    totals_required = requirement.total(slots.slot_count)
    totals_scheduled = [round(sum(row[index] for row in scheduled.values()), 2) for index in range(slots.slot_count)]
    by_queue = {
        queue.name: tuple(
            CoverageInterval(start, requirement.by_queue[queue.pk][index], scheduled[queue.pk][index])
            for index, start in enumerate(slots.starts)
        )
        for queue in queues
    }
    return Coverage(
        team=team,
        week_start=week_start,
        slot_minutes=slots.slot_minutes,
        intervals=tuple(
            CoverageInterval(start, totals_required[index], totals_scheduled[index])
            for index, start in enumerate(slots.starts)
        ),
        by_queue=by_queue,
        notes=tuple(notes),
    )


def schedule_list(*, user: Any) -> QuerySet[Schedule]:
    """Schedules the user may see, newest week first, with their team."""
    return (
        Schedule.objects.visible_to(user).select_related("team", "published_by").order_by("-week_start", "team__name")
    )


def shift_view(shift: Shift) -> PublishedShift:
    """A shift row in the same shape as a published one (for managers, who see shifts as they stand)."""
    return PublishedShift(
        shift_id=shift.pk,
        agent_id=shift.agent_id,
        agent_name=str(shift.agent),
        team_id=shift.schedule.team_id,
        schedule_id=shift.schedule_id,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        queue_name=shift.queue.name if shift.queue else "",
        activities=tuple(
            PublishedActivity(
                kind=activity.kind,
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
                title=activity.title,
                queue_name=activity.queue.name if activity.queue else "",
                is_paid=activity.is_paid,
            )
            for activity in shift.activities.all()
        ),
        version=shift.schedule.version,
        published_at=shift.schedule.published_at or shift.updated_at,
    )


def shifts_for_viewer(
    *,
    user: Any,
    team: Team | None = None,
    agent_id: int | None = None,
    week: date | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[PublishedShift]:
    """Shifts the user may see, in start order: live rows of the teams they manage (drafts and unpublished
    edits included), and what was last published for the other teams they see. A fixed number of queries."""

    editable_teams = set(Team.objects.editable_by(user).values_list("pk", flat=True))
    live = (
        Shift.objects.filter(schedule__team_id__in=editable_teams)
        .select_related("agent__user", "queue", "schedule")
        .prefetch_related(Prefetch("activities", queryset=ShiftActivity.objects.select_related("queue")))
    )
    if team is not None:
        live = live.filter(schedule__team=team)
    if agent_id is not None:
        live = live.filter(agent_id=agent_id)
    if week is not None:
        live = live.filter(schedule__week_start=week)
    if start is not None:
        live = live.filter(ends_at__gt=start)
    if end is not None:
        live = live.filter(starts_at__lt=end)
    rows = [shift_view(shift) for shift in live] if editable_teams else []
    if access.is_admin(user):
        return sorted(rows, key=lambda row: (row.starts_at, row.agent_name))
    visible_teams = (
        set(Schedule.objects.visible_to(user).filter(version__gt=0).values_list("team_id", flat=True).distinct())
        - editable_teams
    )
    if team is not None:
        visible_teams &= {team.pk}
    if visible_teams:
        versions = ScheduleVersion.objects.filter(
            number=F("schedule__version"), schedule__team_id__in=visible_teams
        ).select_related("schedule")
        if week is not None:
            versions = versions.filter(schedule__week_start=week)
        for version in versions:
            for entry in version.shifts:
                if agent_id is not None and entry["agent_id"] != agent_id:
                    continue
                published = _published(entry, version)
                if (start is None or published.ends_at > start) and (end is None or published.starts_at < end):
                    rows.append(published)
    return sorted(rows, key=lambda row: (row.starts_at, row.agent_name))


def shift_for_viewer(*, user: Any, shift_id: int) -> PublishedShift | None:
    """One shift as the user may see it (live for its managers, as published for others), or None."""
    shift = (
        Shift.objects.editable_by(user)
        .select_related("agent__user", "queue", "schedule")
        .prefetch_related("activities__queue")
        .filter(pk=shift_id)
        .first()
    )
    if shift is not None:
        return shift_view(shift)
    schedule_ids = Schedule.objects.visible_to(user).filter(version__gt=0).values("pk")
    live = Shift.objects.filter(pk=shift_id).values_list("schedule_id", flat=True).first()
    candidates = ScheduleVersion.objects.filter(number=F("schedule__version"), schedule__in=schedule_ids)
    if live is not None:
        candidates = candidates.filter(schedule_id=live)
    for version in candidates.select_related("schedule"):
        for entry in version.shifts:
            if entry["id"] == shift_id:
                return _published(entry, version)
    return None
