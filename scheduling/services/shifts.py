"""Shifts and schedules: create, change and reassign shifts under the hard rules; publish versions with a diff."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from supportops.models import Agent, Queue, Team

from ..grid import AmbiguousLocalTime, NonexistentLocalTime, local_to_utc
from ..models import (
    FIXED_KINDS,
    ActivityKind,
    Availability,
    AvailabilityKind,
    BookedActivity,
    RequestStatus,
    Schedule,
    ScheduleRules,
    ScheduleStatus,
    ScheduleVersion,
    Shift,
    ShiftActivity,
    ShiftTemplate,
    TimeOffRequest,
)

MAX_SHIFT_HOURS = 16
_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- weeks and rules -------------------------------------------------------------------------------------------


def parse_iso_week(value: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www`` (e.g. ``2026-W48``)."""
    match = _ISO_WEEK.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValidationError({"week": f"Write the week as YYYY-Www, e.g. 2026-W48 (got {value!r})."})
    year, week = int(match[1]), int(match[2])
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValidationError({"week": f"{value} is not a week: {year} has no week {week}."}) from None


def week_start_of(team: Team, instant_or_day: datetime | date) -> date:
    """The Monday (in the team's zone) of the week holding an instant or a local date."""
    day = instant_or_day.astimezone(team.zone).date() if isinstance(instant_or_day, datetime) else instant_or_day
    return day - timedelta(days=day.weekday())


def schedule_rules_for(team: Team) -> ScheduleRules:
    """The team's scheduling rules, created with the defaults the first time they are needed."""
    rules, _ = ScheduleRules.objects.get_or_create(team=team)
    return rules


def schedule_for(*, team: Team, week_start: date) -> Schedule:
    """The team's schedule of that week, created as an empty draft when there is none."""
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": "A schedule week starts on a Monday."})
    schedule, _ = Schedule.objects.get_or_create(team=team, week_start=week_start)
    return schedule


def local_instant(day: date, at: time, zone: Any, *, field: str) -> datetime:
    """A local wall time as a UTC instant; a time skipped or repeated by DST is refused, naming ``field``."""
    try:
        return local_to_utc(datetime.combine(day, at), zone)
    except (NonexistentLocalTime, AmbiguousLocalTime) as error:
        raise ValidationError({field: str(error)}) from None


# --- hard rules ------------------------------------------------------------------------------------------------


def _local(instant: datetime, agent: Agent) -> datetime:
    return instant.astimezone(agent.team.zone)


def _fmt(instant: datetime, agent: Agent) -> str:
    return f"{_local(instant, agent):%a %d %b %H:%M}"


def _paid_minutes(shift: Shift) -> float:
    unpaid = sum(
        (activity.ends_at - activity.starts_at).total_seconds() / 60
        for activity in shift.activities.all()
        if not activity.is_paid
    )
    return (shift.ends_at - shift.starts_at).total_seconds() / 60 - unpaid


@dataclass(frozen=True)
class DayAvailability:
    """An agent's availability on one local day, in minutes from midnight.

    ``working`` lists the windows (start, end, kind) shifts must lie within, or is ``None`` when the agent may work
    any time; ``unavailable`` lists windows never worked.
    """

    working: tuple[tuple[int, int, str], ...] | None
    unavailable: tuple[tuple[int, int], ...]


def day_availability(entries: Sequence[Availability], day: date) -> DayAvailability:
    """Combine weekly windows and dated exceptions for ``day``.

    Dated working windows replace the weekday's working windows; unavailable windows of both kinds apply. An
    agent who keeps a weekly pattern is unavailable on a day it leaves empty; one with no weekly pattern is
    available except where marked unavailable.
    """
    dated = [entry for entry in entries if entry.on_date == day]
    weekly = [entry for entry in entries if entry.weekday == day.weekday()]
    dated_working = [entry for entry in dated if entry.kind != AvailabilityKind.UNAVAILABLE]
    working_entries = dated_working or [entry for entry in weekly if entry.kind != AvailabilityKind.UNAVAILABLE]
    unavailable = tuple(
        (entry.start_minutes, entry.end_minutes)
        for entry in [*dated, *weekly]
        if entry.kind == AvailabilityKind.UNAVAILABLE
    )
    has_pattern = any(entry.weekday is not None and entry.kind != AvailabilityKind.UNAVAILABLE for entry in entries)
    if working_entries:
        working: tuple[tuple[int, int, str], ...] | None = tuple(
            sorted((entry.start_minutes, entry.end_minutes, entry.kind) for entry in working_entries)
        )
    else:
        working = () if has_pattern else None
    return DayAvailability(working=working, unavailable=unavailable)


def availability_problems(agent: Agent, starts_at: datetime, ends_at: datetime) -> list[str]:
    """Why the agent's availability rules out working from ``starts_at`` to ``ends_at`` (empty: it allows it)."""
    zone = agent.team.zone
    entries = list(Availability.objects.filter(agent=agent))
    if not entries:
        return []
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    problems: list[str] = []
    day = local_start.date()
    while day <= local_end.date():
        day_start = datetime.combine(day, time(0), tzinfo=zone)
        part_start = max(local_start, day_start)
        part_end = min(local_end, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone))
        first = round((part_start - day_start).total_seconds() / 60)
        last = round((part_end - day_start).total_seconds() / 60)
        if last > first:
            rules = day_availability(entries, day)
            for start, end in rules.unavailable:
                if start < last and end > first:
                    problems.append(f"{agent} is unavailable on {day:%a %d %b} {_clock(start)}-{_clock(end)}.")
            if rules.working is not None and not _covered(first, last, rules.working):
                problems.append(f"{agent} is not available on {day:%a %d %b} {_clock(first)}-{_clock(last)}.")
        day += timedelta(days=1)
    return problems


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _covered(first: int, last: int, windows: Iterable[tuple[int, int, str]]) -> bool:
    position = first
    for start, end, _ in sorted(windows):
        if start <= position < end:
            position = end
    return position >= last


def shift_rule_problems(
    *,
    agent: Agent,
    starts_at: datetime,
    ends_at: datetime,
    queue: Queue | None = None,
    paid_minutes: float | None = None,
    ignore_shift_ids: Collection[int] = (),
) -> dict[str, list[str]]:
    """Every hard rule a shift for ``agent`` from ``starts_at`` to ``ends_at`` would break, by field.

    Checked: order and length, another shift of the agent overlapping it or on the same local day, approved time
    off, rest before and after, the week's contracted maximum, working days and consecutive days, availability,
    a booked activity it would cut through, and the queue (staffed by the team, skills held). Shifts whose ids are
    in ``ignore_shift_ids`` are treated as gone (a swap checks "as if").
    """
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        add("starts_at", "Give times with a time zone or UTC offset.")
        return problems
    if ends_at <= starts_at:
        add("ends_at", "The shift ends before it starts.")
        return problems
    if ends_at - starts_at > timedelta(hours=MAX_SHIFT_HOURS):
        add("ends_at", f"A shift lasts at most {MAX_SHIFT_HOURS} hours.")
        return problems
    team = agent.team
    rules = schedule_rules_for(team)
    rest = timedelta(hours=float(rules.min_rest_hours))
    zone = team.zone
    window_start = starts_at - timedelta(days=15)
    window_end = ends_at + timedelta(days=15)
    others = list(
        Shift.objects.filter(agent=agent, starts_at__lt=window_end, ends_at__gt=window_start)
        .exclude(pk__in=list(ignore_shift_ids))
        .prefetch_related("activities")
        .order_by("starts_at")
    )
    name = str(agent)
    for other in others:
        if other.starts_at < ends_at and other.ends_at > starts_at:
            add(
                "starts_at",
                f"{name} already has a shift {_fmt(other.starts_at, agent)}-{_fmt(other.ends_at, agent)[-5:]}.",
            )
    if "starts_at" in problems:
        return problems
    local_day = starts_at.astimezone(zone).date()
    for other in others:
        if other.starts_at.astimezone(zone).date() == local_day:
            add("starts_at", f"{name} already works a shift on {local_day:%a %d %b} (one shift per day).")
    before = [other for other in others if other.ends_at <= starts_at]
    after = [other for other in others if other.starts_at >= ends_at]
    if before and starts_at - before[-1].ends_at < rest:
        add(
            "starts_at",
            f"{name} needs {_hours(rest)} of rest after the shift ending {_fmt(before[-1].ends_at, agent)}.",
        )
    if after and after[0].starts_at - ends_at < rest:
        add(
            "ends_at",
            f"{name} needs {_hours(rest)} of rest before the shift starting {_fmt(after[0].starts_at, agent)}.",
        )

    time_off = TimeOffRequest.objects.filter(
        agent=agent, status=RequestStatus.APPROVED, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).first()
    if time_off:
        add(
            "starts_at",
            f"{name} has approved time off ({time_off.get_kind_display()}) from {_fmt(time_off.starts_at, agent)}"
            f" to {_fmt(time_off.ends_at, agent)}.",
        )

    week_start = week_start_of(team, starts_at)
    in_week = [other for other in others if week_start_of(team, other.starts_at) == week_start]
    paid = paid_minutes if paid_minutes is not None else (ends_at - starts_at).total_seconds() / 60
    week_minutes = paid + sum(_paid_minutes(other) for other in in_week)
    maximum = float(agent.contracted_hours_max) * 60
    if week_minutes > maximum + 1e-6:
        add(
            "ends_at",
            f"{name} would work {week_minutes / 60:g} h in the week of {week_start:%d %b}, above the contracted"
            f" {float(agent.contracted_hours_max):g} h.",
        )
    worked_days = {other.starts_at.astimezone(zone).date() for other in others} | {local_day}
    week_days = {day for day in worked_days if week_start <= day <= week_start + timedelta(days=6)}
    if len(week_days) > rules.max_working_days:
        add(
            "starts_at",
            f"{name} would work {len(week_days)} days in the week, above the {rules.max_working_days} allowed.",
        )
    run = 1
    day = local_day - timedelta(days=1)
    while day in worked_days:
        run, day = run + 1, day - timedelta(days=1)
    day = local_day + timedelta(days=1)
    while day in worked_days:
        run, day = run + 1, day + timedelta(days=1)
    if run > rules.max_consecutive_days:
        add(
            "starts_at",
            f"{name} would work {run} days in a row, above the {rules.max_consecutive_days} allowed.",
        )
    for message in availability_problems(agent, starts_at, ends_at):
        add("starts_at", message)
    for booked in BookedActivity.objects.filter(agent=agent, starts_at__lt=ends_at, ends_at__gt=starts_at):
        if booked.starts_at < starts_at or booked.ends_at > ends_at:
            add(
                "starts_at",
                f"The shift cuts through {name}'s booked {booked.get_kind_display().lower()} “{booked.title}”.",
            )
    if queue is not None:
        if not queue.teams.filter(pk=team.pk).exists():
            add("queue", f"{team} does not staff the queue {queue}.")
        missing = set(queue.required_skills.values_list("name", flat=True)) - set(
            agent.skills.values_list("name", flat=True)
        )
        if missing:
            add("queue", f"{name} lacks the skills {', '.join(sorted(missing))} that {queue} needs.")
    return problems


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"


# --- shift writes ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityInput:
    """A part of a shift to store: kind, UTC start and end, queue (for on-queue parts) and a title."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    queue: Queue | None = None
    title: str = ""
    is_paid: bool = True


def _activity_problems(starts_at: datetime, ends_at: datetime, activities: Sequence[ActivityInput]) -> list[str]:
    problems: list[str] = []
    ordered = sorted(activities, key=lambda activity: activity.starts_at)
    for index, activity in enumerate(ordered):
        label = ActivityKind(activity.kind).label if activity.kind in ActivityKind.values else activity.kind
        if activity.kind not in ActivityKind.values:
            problems.append(f"Unknown activity kind {activity.kind!r}.")
        elif activity.ends_at <= activity.starts_at:
            problems.append(f"The {label.lower()} ends before it starts.")
        elif activity.starts_at < starts_at or activity.ends_at > ends_at:
            problems.append(f"The {label.lower()} at {activity.starts_at:%H:%M} UTC lies outside the shift.")
        if index and activity.starts_at < ordered[index - 1].ends_at:
            problems.append(f"Two activities overlap at {activity.starts_at:%H:%M} UTC.")
    return problems


def _unpaid_minutes(activities: Sequence[ActivityInput]) -> float:
    return sum((a.ends_at - a.starts_at).total_seconds() / 60 for a in activities if not a.is_paid)


def _booked_inside(agent: Agent, starts_at: datetime, ends_at: datetime) -> list[ActivityInput]:
    return [
        ActivityInput(kind=booked.kind, starts_at=booked.starts_at, ends_at=booked.ends_at, title=booked.title)
        for booked in BookedActivity.objects.filter(agent=agent, starts_at__gte=starts_at, ends_at__lte=ends_at)
    ]


def _mark_changed(schedule: Schedule) -> None:
    if schedule.is_published and not schedule.has_unpublished_changes:
        schedule.has_unpublished_changes = True
        schedule.save(update_fields=["has_unpublished_changes", "updated_at"])


def _store_activities(shift: Shift, activities: Sequence[ActivityInput]) -> None:
    ShiftActivity.objects.bulk_create(
        ShiftActivity(
            shift=shift,
            kind=activity.kind,
            queue=activity.queue,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            title=activity.title,
            is_paid=activity.is_paid,
        )
        for activity in activities
    )


def _save_shift(shift: Shift) -> None:
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as error:
        if "shift_no_overlap_per_agent" in str(error):
            raise ValidationError({"starts_at": f"{shift.agent} already has a shift at that time."}) from None
        raise


def _checked_change(
    *,
    agent: Agent,
    starts_at: datetime,
    ends_at: datetime,
    queue: Queue | None,
    shift: Shift | None = None,
    activities: Sequence[ActivityInput] | None = None,
) -> tuple[dict[str, list[str]], list[ActivityInput]]:
    """The problems of saving a new shift (or moving ``shift``) and the activities it would then hold.

    Without ``activities``, a moved shift keeps the breaks and queue parts that still fit; booked activities inside
    the new times are always added (read afresh).
    """
    if shift is not None and week_start_of(agent.team, starts_at) != shift.schedule.week_start:
        return {"starts_at": ["A shift stays in its week; delete it and add one in the other week."]}, []
    if activities is not None:
        kept = list(activities)
    elif shift is not None:
        kept = [
            ActivityInput(a.kind, a.starts_at, a.ends_at, a.queue, a.title, a.is_paid)
            for a in shift.activities.all()
            if a.kind not in FIXED_KINDS and a.starts_at >= starts_at and a.ends_at <= ends_at
        ]
    else:
        kept = []
    all_activities = [*kept, *_booked_inside(agent, starts_at, ends_at)] if starts_at < ends_at else kept
    problems = shift_rule_problems(
        agent=agent,
        starts_at=starts_at,
        ends_at=ends_at,
        queue=queue,
        paid_minutes=(ends_at - starts_at).total_seconds() / 60 - _unpaid_minutes(all_activities),
        ignore_shift_ids={shift.pk} if shift is not None else (),
    )
    activity_problems = _activity_problems(starts_at, ends_at, all_activities)
    if activity_problems:
        problems.setdefault("activities", []).extend(activity_problems)
    return problems, all_activities


def shift_change_problems(
    *, agent: Agent, starts_at: datetime, ends_at: datetime, queue: Queue | None, shift: Shift | None = None
) -> dict[str, list[str]]:
    """Every problem saving this new shift (or ``shift`` moved here) would meet, by field; nothing is stored.

    The shift editor's live check and the saving services share this, so they never disagree.
    """
    problems, _ = _checked_change(agent=agent, starts_at=starts_at, ends_at=ends_at, queue=queue, shift=shift)
    return problems


@transaction.atomic
def shift_create(
    *,
    agent: Agent,
    starts_at: datetime,
    ends_at: datetime,
    queue: Queue | None = None,
    activities: Sequence[ActivityInput] = (),
    template: ShiftTemplate | None = None,
    note: str = "",
    user: Any = None,
) -> Shift:
    """Add a shift to the agent's team schedule of that week, after checking every hard rule.

    Booked activities that fall inside it become its activities. On a published schedule the change waits for
    the next publication (``has_unpublished_changes``).
    """
    # Lock the agent row so two writers adding shifts for one agent are checked one after the other.
    agent = Agent.objects.select_for_update().select_related("team").get(pk=agent.pk)
    queue = queue or _default_queue(agent)
    problems, all_activities = _checked_change(
        agent=agent, starts_at=starts_at, ends_at=ends_at, queue=queue, activities=activities
    )
    if problems:
        raise ValidationError(problems)
    schedule = schedule_for(team=agent.team, week_start=week_start_of(agent.team, starts_at))
    shift = Shift(
        schedule=schedule, agent=agent, starts_at=starts_at, ends_at=ends_at, queue=queue, template=template, note=note
    )
    shift.full_clean(exclude=["schedule", "agent", "queue", "template"])
    _save_shift(shift)
    _store_activities(shift, all_activities)
    _mark_changed(schedule)
    return shift


def _default_queue(agent: Agent) -> Queue | None:
    """The first active queue the agent's team staffs and the agent has every skill for."""
    skills = set(agent.skills.values_list("pk", flat=True))
    for queue in Queue.objects.filter(teams=agent.team, is_active=True).prefetch_related("required_skills"):
        if {skill.pk for skill in queue.required_skills.all()} <= skills:
            return queue
    return None


@transaction.atomic
def shift_update(
    *,
    shift: Shift,
    starts_at: datetime,
    ends_at: datetime,
    queue: Queue | None = None,
    activities: Sequence[ActivityInput] | None = None,
    note: str | None = None,
    user: Any = None,
) -> Shift:
    """Move or resize a shift (and replace its activities when given), re-checking every hard rule.

    Activities that no longer fit a moved shift are dropped when none are given; booked activities inside it are
    kept. A shift may not move to another week: delete it and add one there.
    """
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("agent__team", "schedule", "queue")
        .get(pk=shift.pk)
    )
    agent = shift.agent
    queue = queue or shift.queue or _default_queue(agent)
    problems, all_activities = _checked_change(
        agent=agent, starts_at=starts_at, ends_at=ends_at, queue=queue, shift=shift, activities=activities
    )
    if problems:
        raise ValidationError(problems)
    shift.starts_at, shift.ends_at, shift.queue = starts_at, ends_at, queue
    if note is not None:
        shift.note = note
    _save_shift(shift)
    shift.activities.all().delete()
    _store_activities(shift, all_activities)
    _mark_changed(shift.schedule)
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift, user: Any = None) -> None:
    """Remove a shift; a published schedule then has changes to publish."""
    schedule = shift.schedule
    shift.delete()
    _mark_changed(schedule)


@transaction.atomic
def shift_reassign(*, shift: Shift, agent: Agent, user: Any = None, reason: str = "") -> Shift:
    """Give a shift to another agent of the same team (every hard rule checked for them).

    On a published schedule the change is published at once as a new version, notifying only the agents touched,
    unless other unpublished edits are waiting (then it joins them).
    """
    shift = Shift.objects.select_for_update().select_related("schedule__team", "agent").get(pk=shift.pk)
    if agent.team_id != shift.schedule.team_id:
        raise ValidationError({"agent": f"{agent} is not in {shift.schedule.team}."})
    activities = list(shift.activities.all())
    unpaid = sum((a.ends_at - a.starts_at).total_seconds() / 60 for a in activities if not a.is_paid)
    problems = shift_rule_problems(
        agent=agent,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        queue=shift.queue,
        paid_minutes=(shift.ends_at - shift.starts_at).total_seconds() / 60 - unpaid,
        ignore_shift_ids={shift.pk},
    )
    if problems:
        raise ValidationError(problems)
    shift.agent = agent
    _save_shift(shift)
    schedule = shift.schedule
    if schedule.is_published and not schedule.has_unpublished_changes:
        schedule_publish(schedule=schedule, user=user, reason=reason or "Shift reassigned")
    else:
        _mark_changed(schedule)
    return shift


@transaction.atomic
def shifts_exchange(*, first: Shift, second: Shift) -> None:
    """Give each of two shifts to the other's agent (a trade); rules are the caller's to check first.

    On PostgreSQL the no-overlap constraint is deferred to the end of the transaction, so overlapping shifts can
    change hands without either agent holding two at once in between.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS shift_no_overlap_per_agent DEFERRED")
    first_agent_id, second_agent_id = first.agent_id, second.agent_id
    first.agent_id, second.agent_id = second_agent_id, first_agent_id
    first.save(update_fields=["agent", "updated_at"])
    second.save(update_fields=["agent", "updated_at"])
    for schedule in {first.schedule_id: first.schedule, second.schedule_id: second.schedule}.values():
        _mark_changed(schedule)


# --- publishing ------------------------------------------------------------------------------------------------


def _snapshot(schedule: Schedule) -> list[dict[str, Any]]:
    shifts = (
        Shift.objects.filter(schedule=schedule)
        .select_related("agent__user", "queue")
        .prefetch_related("activities__queue")
        .order_by("starts_at", "agent_id")
    )
    return [
        {
            "id": shift.pk,
            "agent_id": shift.agent_id,
            "agent": str(shift.agent),
            "starts_at": shift.starts_at.isoformat(),
            "ends_at": shift.ends_at.isoformat(),
            "queue": shift.queue.name if shift.queue else "",
            "activities": [
                {
                    "kind": activity.kind,
                    "starts_at": activity.starts_at.isoformat(),
                    "ends_at": activity.ends_at.isoformat(),
                    "title": activity.title,
                    "queue": activity.queue.name if activity.queue else "",
                    "is_paid": activity.is_paid,
                }
                for activity in shift.activities.all()
            ],
        }
        for shift in shifts
    ]


def _describe(entry: dict[str, Any], zone: Any) -> str:
    start = datetime.fromisoformat(entry["starts_at"]).astimezone(zone)
    end = datetime.fromisoformat(entry["ends_at"]).astimezone(zone)
    queue = f" on {entry['queue']}" if entry["queue"] else ""
    return f"{start:%a %d %b %H:%M}-{end:%H:%M}{queue}"


def schedule_diff(previous: list[dict[str, Any]], current: list[dict[str, Any]], zone: Any) -> list[dict[str, Any]]:
    """What changed between two snapshots, as one readable line per change: added, removed, moved, reassigned."""
    before = {entry["id"]: entry for entry in previous}
    after = {entry["id"]: entry for entry in current}
    changes: list[dict[str, Any]] = []
    for shift_id, entry in after.items():
        old = before.get(shift_id)
        if old is None:
            changes.append(
                {"agent_id": entry["agent_id"], "agent": entry["agent"], "text": f"New shift {_describe(entry, zone)}"}
            )
        elif old["agent_id"] != entry["agent_id"]:
            text = f"Shift {_describe(entry, zone)} moved from {old['agent']} to {entry['agent']}"
            changes.append({"agent_id": old["agent_id"], "agent": old["agent"], "text": text})
            changes.append({"agent_id": entry["agent_id"], "agent": entry["agent"], "text": text})
        elif (old["starts_at"], old["ends_at"], old["queue"]) != (entry["starts_at"], entry["ends_at"], entry["queue"]):
            text = f"Shift {_describe(old, zone)} is now {_describe(entry, zone)}"
            changes.append({"agent_id": entry["agent_id"], "agent": entry["agent"], "text": text})
        elif old["activities"] != entry["activities"]:
            text = f"Breaks or activities changed in the shift {_describe(entry, zone)}"
            changes.append({"agent_id": entry["agent_id"], "agent": entry["agent"], "text": text})
    for shift_id, old in before.items():
        if shift_id not in after:
            changes.append(
                {"agent_id": old["agent_id"], "agent": old["agent"], "text": f"Shift {_describe(old, zone)} removed"}
            )
    changes.sort(key=lambda change: (change["agent"], change["text"]))
    return changes


@transaction.atomic
def schedule_publish(*, schedule: Schedule, user: Any = None, reason: str = "", notify: bool = True) -> ScheduleVersion:
    """Publish the schedule as its next version and e-mail the agents it concerns.

    The first version notifies every agent with a shift; later versions only the agents named in the diff
    (``notify=False`` records who would have been told and sends nothing, for loading demo data). A
    republication with nothing changed is refused.
    """
    schedule = Schedule.objects.select_for_update().select_related("team").get(pk=schedule.pk)
    zone = schedule.team.zone
    current = _snapshot(schedule)
    previous_version = schedule.versions.order_by("-number").first()
    if previous_version is None:
        if not current:
            raise ValidationError({"schedule": "There are no shifts to publish."})
        changes: list[dict[str, Any]] = []
        notified = sorted({entry["agent_id"] for entry in current})
    else:
        changes = schedule_diff(previous_version.shifts, current, zone)
        if not changes:
            raise ValidationError({"schedule": f"Nothing changed since version {previous_version.number}."})
        notified = sorted({change["agent_id"] for change in changes})
    now = timezone.now()
    version = ScheduleVersion.objects.create(
        schedule=schedule,
        number=schedule.version + 1,
        published_at=now,
        published_by=user if getattr(user, "is_authenticated", False) else None,
        reason=reason,
        shifts=current,
        changes=changes,
        notified_agent_ids=notified,
    )
    schedule.version = version.number
    schedule.status = ScheduleStatus.PUBLISHED
    schedule.has_unpublished_changes = False
    schedule.published_at = now
    schedule.published_by = version.published_by
    schedule.save(
        update_fields=["version", "status", "has_unpublished_changes", "published_at", "published_by", "updated_at"]
    )
    _refresh_time_off_flags(schedule, previous_version.shifts if previous_version else [], current)
    if notify:
        transaction.on_commit(lambda: _notify(version.pk))
    return version


def _refresh_time_off_flags(schedule: Schedule, previous: list[dict[str, Any]], current: list[dict[str, Any]]) -> None:
    """Time off of the agents in either snapshot is flagged again against what is now published."""
    from .requests import time_off_refresh_overlap_flags  # requests builds on this module

    entries = [*previous, *current]
    if not entries:
        return
    time_off_refresh_overlap_flags(
        agent_ids={entry["agent_id"] for entry in entries},
        starts_at=min(datetime.fromisoformat(entry["starts_at"]) for entry in entries),
        ends_at=max(datetime.fromisoformat(entry["ends_at"]) for entry in entries),
    )


def _notify(version_id: int) -> None:
    version = ScheduleVersion.objects.select_related("schedule__team").get(pk=version_id)
    schedule = version.schedule
    agents = Agent.objects.filter(pk__in=version.notified_agent_ids).select_related("user", "team")
    messages = []
    for agent in agents:
        if not agent.user.email:
            continue
        zone = agent.zone
        if version.number == 1:
            lines = [_describe(entry, zone) for entry in version.shifts if entry["agent_id"] == agent.pk]
            subject = f"Your shifts for the week of {schedule.week_start:%d %b %Y}"
            intro = f"{schedule.team} published the schedule for the week of {schedule.week_start:%d %b %Y}:"
        else:
            lines = [change["text"] for change in version.changes if change["agent_id"] == agent.pk]
            subject = f"Your shifts changed for the week of {schedule.week_start:%d %b %Y}"
            intro = f"Version {version.number} of {schedule.team}'s schedule changed your shifts:"
        body = "\n".join(
            [
                f"Hello {agent.user.first_name or agent.user.username},",
                "",
                intro,
                *[f"- {line}" for line in lines],
                "",
                f"Times are in {zone.key}.",
            ]
        )
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [agent.user.email]))
    send_mass_mail(messages, fail_silently=False)


# --- templates -------------------------------------------------------------------------------------------------


@transaction.atomic
def shift_template_save(
    *, template: ShiftTemplate | None, fields: dict[str, Any], break_rules: Sequence[dict[str, Any]] | None
) -> ShiftTemplate:
    """Create or change a template and (when given) replace its break rules; every rule is checked against the
    team's grid and the shift's length."""
    from ..models import BreakRule

    template = template or ShiftTemplate()
    for name, value in fields.items():
        setattr(template, name, value)
    template.full_clean()
    template.save()
    if break_rules is not None:
        template.break_rules.all().delete()
        rules = [BreakRule(template=template, **values) for values in break_rules]
        errors: dict[str, list[str]] = {}
        for index, rule in enumerate(rules):
            try:
                rule.full_clean(exclude=["template"])
                rule.clean()
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    errors.setdefault("break_rules", []).extend(f"Break {index + 1}, {name}: {m}" for m in messages)
        BreakRule.objects.bulk_create(rules)
        length = template.length_minutes(rules)
        for index, rule in enumerate(rules):
            if rule.latest_start_minutes + rule.duration_minutes > length:
                errors.setdefault("break_rules", []).append(
                    f"Break {index + 1} could end after the shift ({length // 60} h {length % 60:02d} min)."
                )
        if errors:
            raise ValidationError(errors)
    return template
