"""Shift-planning demo data on top of the demo organisation: rules, templates, availability, time off, booked
training, forecasts, next week generated and published for every team, and the two weeks before this one worked:
the same shifts published, agent states that mostly follow them, and the adherence of those days recorded."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from supportops.choices import AgentStatus
from supportops.demo import TEAMS
from supportops.models import Agent, Queue, Team

from . import services
from .models import (
    ActivityKind,
    AgentStateEvent,
    Availability,
    AvailabilityKind,
    BookedActivity,
    RequestStatus,
    Schedule,
    ScheduleRules,
    Shift,
    ShiftActivity,
    ShiftTemplate,
    TimeOffKind,
    TimeOffRequest,
)

Say = Callable[[str], None]


@dataclass
class ScheduleDemoSummary:
    """What the demo seeding made."""

    templates: int = 0
    forecasts: int = 0
    published_weeks: list[str] = field(default_factory=list)
    reports: list[dict[str, object]] = field(default_factory=list)
    state_events: int = 0
    adherence_days: int = 0


def _templates_for(team: Team, starts: tuple[int, ...], max_hours: float) -> list[ShiftTemplate]:
    """8-hour paid shifts (9 h with an unpaid lunch) at the team's usual starts, and 9-hour ones where contracts
    go above 40 hours; a short paid break in the second or third hour."""
    break_minutes = 15 if team.planning_interval_minutes == 15 else 30
    lengths = [480, 540] if max_hours > 40 else [480]
    made = []
    for hour in sorted(set(starts)):
        for paid in lengths:
            name = f"{hour:02d}:00 {paid // 60} h"
            template = ShiftTemplate.objects.create(team=team, name=name, start_time=time(hour), paid_minutes=paid)
            template.break_rules.create(
                kind="break", duration_minutes=break_minutes, earliest_start_minutes=120, latest_start_minutes=180
            )
            template.break_rules.create(
                kind="lunch", duration_minutes=60, earliest_start_minutes=210, latest_start_minutes=300, is_paid=False
            )
            made.append(template)
    return made


def seed_schedules(*, time_limit_seconds: float = 4.0, say: Say | None = None) -> ScheduleDemoSummary:
    """Seed shift planning for the demo teams (the demo organisation must exist)."""
    say = say or (lambda message: None)
    summary = ScheduleDemoSummary()
    now = timezone.now()
    specs = {spec.slug: spec for spec in TEAMS}
    teams = list(Team.objects.filter(slug__in=specs).order_by("name"))
    with transaction.atomic():
        for team in teams:
            spec = specs[team.slug]
            ScheduleRules.objects.get_or_create(team=team)
            summary.templates += len(_templates_for(team, spec.shift_starts, spec.hours[1]))
            _requests_and_availability(team, now)
    for queue in Queue.objects.filter(is_active=True, teams__in=teams).distinct().order_by("name"):
        services.forecast_request(queue=queue, horizon_days=21, method="weekday_smoothed")
        summary.forecasts += 1
    say(f"  {summary.forecasts} forecasts of 21 days")
    for team in teams:
        next_monday = services.week_start_of(team, now) + timedelta(days=7)
        schedule = services.schedule_for(team=team, week_start=next_monday)
        report = services.schedule_generate(schedule=schedule, time_limit_seconds=time_limit_seconds)
        services.schedule_publish(schedule=schedule, reason="Demo week", notify=False)
        summary.published_weeks.append(f"{team.slug} {schedule.iso_week}")
        summary.reports.append(report)
        say(
            f"  {team.name:<22} {schedule.iso_week}: {report['shifts']} shifts, {report['status']}, "
            f"under-coverage {report['under_coverage_hours']} agent-h, gap {float(report['gap']):.1%}"
        )
        for weeks_back in (2, 3):
            past = worked_week_seed(schedule.shifts.prefetch_related("activities"), weeks_back=weeks_back, team=team)
            if past.schedule is not None:
                summary.published_weeks.append(f"{team.slug} {past.schedule.iso_week}")
            summary.state_events += past.events
        today = now.astimezone(team.zone).date()
        summary.adherence_days += services.adherence_days_record(
            team=team, first_day=today - timedelta(days=21), last_day=today
        ).written
    say(f"  two past weeks worked: {summary.state_events} agent state events, {summary.adherence_days} days recorded")
    return summary


@dataclass(frozen=True)
class WorkedWeek:
    """A past week copied from a generated one: its published schedule (None without shifts) and state events."""

    schedule: Schedule | None
    events: int


def worked_week_seed(shifts: Iterable[Shift], *, weeks_back: int, team: Team) -> WorkedWeek:
    """Copy next week's shifts ``weeks_back`` weeks earlier, publish them, and log the agent states of those days:
    mostly on time, now and then late, back late from a break or gone early (seeded, so every run is the same)."""
    shift_by = timedelta(weeks=weeks_back)
    copies: list[Shift] = []
    schedule: Schedule | None = None
    for shift in shifts:
        if schedule is None:
            schedule = services.schedule_for(
                team=team, week_start=services.week_start_of(team, shift.starts_at - shift_by)
            )
        copy = Shift.objects.create(
            schedule=schedule, agent_id=shift.agent_id, queue_id=shift.queue_id,
            starts_at=shift.starts_at - shift_by, ends_at=shift.ends_at - shift_by,
        )  # fmt: skip
        ShiftActivity.objects.bulk_create(
            ShiftActivity(
                shift=copy,
                kind=activity.kind,
                queue_id=activity.queue_id,
                starts_at=activity.starts_at - shift_by,
                ends_at=activity.ends_at - shift_by,
                title=activity.title,
                is_paid=activity.is_paid,
            )  # fmt: skip
            for activity in shift.activities.all()
        )
        copies.append(copy)
    if schedule is None:
        return WorkedWeek(schedule=None, events=0)
    services.schedule_publish(schedule=schedule, reason="Demo past week", notify=False)
    events = [event for copy in copies for event in _states_of(copy)]
    AgentStateEvent.objects.bulk_create(events, ignore_conflicts=True)
    return WorkedWeek(schedule=schedule, events=len(events))


def _minutes(rng: random.Random, usual: tuple[int, int], rare: tuple[int, int], chance: float) -> timedelta:
    low, high = rare if rng.random() < chance else usual
    return timedelta(minutes=rng.randint(low, high))


def _states_of(shift: Shift) -> list[AgentStateEvent]:
    """The state changes of an agent working ``shift``: logged in around the start, on break for the scheduled
    breaks (training and meetings offline), logged out around the end."""
    rng = random.Random(f"{shift.agent_id}-{shift.starts_at.isoformat()}")
    changes = [("available", shift.starts_at + _minutes(rng, (-4, 2), (8, 25), 0.12))]
    for activity in sorted(shift.activities.all(), key=lambda item: item.starts_at):
        away = "break" if activity.kind in ("break", "lunch") else "offline"
        changes.append((away, activity.starts_at + _minutes(rng, (0, 2), (0, 2), 0)))
        changes.append(("available", activity.ends_at + _minutes(rng, (-1, 3), (6, 15), 0.1)))
    changes.append(("offline", shift.ends_at + _minutes(rng, (-2, 6), (-40, -15), 0.06)))
    changes.sort(key=lambda change: change[1])
    return [
        AgentStateEvent(agent_id=shift.agent_id, state=state, occurred_at=instant, source="demo")
        for state, instant in changes
    ]


def _requests_and_availability(team: Team, now: datetime) -> None:
    """A few agents with availability patterns, booked training, and time off in every state."""
    agents = list(Agent.objects.filter(team=team, status=AgentStatus.ACTIVE).select_related("user").order_by("pk"))
    if len(agents) < 4:
        return
    zone = team.zone
    next_monday = services.week_start_of(team, now) + timedelta(days=7)

    def local(day_offset: int, hour: int) -> datetime:
        day = next_monday + timedelta(days=day_offset)
        return datetime.combine(day, time(hour), tzinfo=zone)

    part_timer = agents[0]
    for weekday in range(5):
        Availability.objects.create(agent=part_timer, weekday=weekday, start_time=time(7), end_time=time(19))
    Availability.objects.create(
        agent=part_timer, weekday=4, start_time=time(7), end_time=time(12), kind=AvailabilityKind.PREFERRED
    )
    Availability.objects.create(
        agent=agents[1], weekday=2, start_time=time(0), end_time=time(10), kind=AvailabilityKind.UNAVAILABLE,
        note="School run",
    )  # fmt: skip
    TimeOffRequest.objects.create(
        agent=agents[2],
        kind=TimeOffKind.VACATION,
        starts_at=local(3, 0),
        ends_at=local(5, 0),
        status=RequestStatus.APPROVED,
        reason="Family visit",
        decided_at=now,
    )
    TimeOffRequest.objects.create(
        agent=agents[3], kind=TimeOffKind.PERSONAL, starts_at=local(8, 9), ends_at=local(8, 13), reason="Dentist"
    )
    BookedActivity.objects.create(
        agent=agents[1],
        kind=ActivityKind.TRAINING,
        title="Disputes refresher",
        starts_at=local(1, 14),
        ends_at=local(1, 15),
        source="demo",
    )
