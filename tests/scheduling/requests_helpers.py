"""Helpers for the tests of agents' requests: named agents, Singapore times and published weeks of shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling import services
from scheduling.models import Shift
from supportops.models import Agent

SINGAPORE = ZoneInfo("Asia/Singapore")
WEEK = date(2030, 6, 3)  # a Monday, far enough ahead to stay in the future
NAMES = {
    "agent_a1": ("Ann", "Alpha"),
    "agent_a2": ("Ben", "Alpha"),
    "agent_b1": ("Cat", "Bravo"),
    "agent_b2": ("Dan", "Bravo"),
}


def name_agents(org) -> None:
    """Give the org's people fixed names, so messages can be asserted exactly."""
    for agent in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_b2):
        agent.user.first_name, agent.user.last_name = NAMES[agent.user.username]
        agent.user.save(update_fields=["first_name", "last_name"])
    for user, (first, last) in (
        (org.manager_a, ("Mia", "Lead")),
        (org.manager_b, ("Max", "Lead")),
        (org.admin, ("Ada", "Admin")),
    ):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])


def sgt(day: date, hour: int, minute: int = 0) -> datetime:
    """A Singapore wall-clock time as a UTC instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SINGAPORE).astimezone(UTC)


def add_shift(agent: Agent, day: date, start_hour: int, hours: int = 8) -> Shift:
    """A shift through the shift service (every hard rule checked), in the draft or changed schedule."""
    starts_at = sgt(day, start_hour)
    return services.shift_create(agent=agent, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))


def publish(agent: Agent, week_start: date = WEEK) -> None:
    """Publish the agent's team schedule of that week (its e-mails wait for a commit that tests never make)."""
    services.schedule_publish(schedule=services.schedule_for(team=agent.team, week_start=week_start))
