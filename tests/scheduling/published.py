"""Helpers for the calendar, export and adherence tests: shifts written straight to the models, then published
with the real publishing service (so the snapshot is the one agents, feeds and adherence read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from scheduling import services
from scheduling.models import Schedule, ScheduleVersion, Shift, ShiftActivity
from supportops.choices import Channel
from supportops.models import Agent, Queue, Team


@dataclass(frozen=True)
class Part:
    """An activity of a shift to write: kind, UTC start and end, title, paid or not."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    is_paid: bool = True


def at(zone, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in ``zone`` as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def name(agent: Agent, first: str, last: str) -> Agent:
    """Give the agent's user a known name (factories number them)."""
    agent.user.first_name, agent.user.last_name = first, last
    agent.user.save(update_fields=["first_name", "last_name"])
    return agent


def team_queue(team: Team, queue_name: str) -> Queue:
    """A chat queue staffed by ``team``."""
    queue = Queue.objects.create(
        name=queue_name, channel=Channel.CHAT, market=team.market, service_level_seconds=60, chat_concurrency=2
    )
    queue.teams.set([team])
    return queue


def add_shift(
    agent: Agent, starts_at: datetime, ends_at: datetime, *, queue: Queue | None = None, parts: tuple[Part, ...] = ()
) -> Shift:
    """A shift in the agent's team schedule of that week, without the hard-rule checks (tests set them up)."""
    team = agent.team
    schedule = services.schedule_for(team=team, week_start=services.week_start_of(team, starts_at))
    shift = Shift.objects.create(schedule=schedule, agent=agent, starts_at=starts_at, ends_at=ends_at, queue=queue)
    ShiftActivity.objects.bulk_create(
        ShiftActivity(
            shift=shift, kind=p.kind, starts_at=p.starts_at, ends_at=p.ends_at, title=p.title, is_paid=p.is_paid
        )
        for p in parts
    )
    return shift


def publish(shift: Shift) -> ScheduleVersion:
    """Publish the schedule holding ``shift`` as its next version."""
    return services.schedule_publish(schedule=shift.schedule)


def edit_after_publishing(shift: Shift, *, starts_at: datetime, ends_at: datetime) -> None:
    """Move a published shift without republishing, as an edit waiting for the next publication."""
    Shift.objects.filter(pk=shift.pk).update(starts_at=starts_at, ends_at=ends_at)
    Schedule.objects.filter(pk=shift.schedule_id).update(has_unpublished_changes=True)
