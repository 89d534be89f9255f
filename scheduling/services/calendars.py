"""Calendar feeds (create, revoke, render as iCalendar) and exports of a team week as CSV and XLSX."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from supportops import access
from supportops.models import Agent, Team

from ..calendar_export import ExportHeader, build_calendar, export_csv, export_xlsx
from ..models import CalendarFeed, Schedule
from ..selectors.calendars import calendar_feed_target_problem, schedule_export_shifts, schedule_state_label
from ..selectors.shifts import published_shifts

__all__ = [
    "FEED_DAYS_AFTER",
    "FEED_DAYS_BEFORE",
    "XLSX_CONTENT_TYPE",
    "calendar_feed_create",
    "calendar_feed_ics",
    "calendar_feed_name",
    "calendar_feed_revoke",
    "schedule_export_csv",
    "schedule_export_filename",
    "schedule_export_header",
    "schedule_export_xlsx",
]

FEED_DAYS_BEFORE = 28
FEED_DAYS_AFTER = 84
FEED_REFRESH = timedelta(hours=1)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- feeds -------------------------------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_create(*, owner: Any, agent: Agent | None = None, team: Team | None = None) -> CalendarFeed:
    """A new private feed URL of an agent's or a team's published shifts, owned by ``owner``.

    An agent may create only their own feed; a manager a team feed for a team they manage (and their own agent
    feed if they are an agent too); admins any. The owner's earlier active feed of the same agent or team is
    revoked, so each owner has one working URL per calendar: creating again is how a leaked URL is replaced.
    """
    if agent is None and team is None:
        raise ValidationError({"agent_id": "Say whose calendar: an agent or a team."})
    if agent is not None and team is not None:
        raise ValidationError({"team": "A feed is of one agent or of one team, not both."})
    problem = calendar_feed_target_problem(owner=owner, agent=agent, team=team)
    if problem:
        raise PermissionDenied(problem)
    # Lock the owner row: two requests at once still leave one active feed per target.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    now = timezone.now()
    CalendarFeed.objects.active().filter(owner=owner, agent=agent, team=team).update(revoked_at=now)
    feed = CalendarFeed(owner=owner, agent=agent, team=team)
    feed.full_clean()
    feed.save()
    return feed


def calendar_feed_revoke(*, feed: CalendarFeed, user: Any) -> CalendarFeed:
    """Revoke a feed (its owner or an admin): its URL answers 404 from now on. Revoking twice changes nothing."""
    if feed.owner_id != getattr(user, "pk", None) and not access.is_admin(user):
        raise PermissionDenied("Only the feed's owner or an admin may revoke it.")
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
    return feed


def calendar_feed_name(feed: CalendarFeed) -> str:
    """The calendar's name as clients show it."""
    if feed.agent is not None:
        return f"Shifts · {feed.agent.display_name}"
    assert feed.team is not None
    return f"Shifts · {feed.team.name} team"


def calendar_feed_ics(*, feed: CalendarFeed, now: datetime | None = None) -> bytes:
    """The feed as an RFC 5545 calendar: published shifts from 4 weeks back to 12 weeks ahead.

    An agent's feed is in the agent's zone; a team's feed in the team's zone, with each agent's name in the
    event summaries. Only published versions are read, so unpublished edits never show.
    """
    now = now or timezone.now()
    start, end = now - timedelta(days=FEED_DAYS_BEFORE), now + timedelta(days=FEED_DAYS_AFTER)
    if feed.agent is not None:
        zone = feed.agent.zone
        shifts = published_shifts(agent=feed.agent, start=start, end=end)
    else:
        assert feed.team is not None
        zone = feed.team.zone
        shifts = published_shifts(team=feed.team, start=start, end=end)
    return build_calendar(
        name=calendar_feed_name(feed),
        calendar_uid=f"calendar-feed-{feed.pk}@supportops",
        zone=zone,
        shifts=shifts,
        first_day=start.astimezone(zone).date(),
        last_day=end.astimezone(zone).date(),
        with_agent_names=feed.team_id is not None,
        refresh=FEED_REFRESH,
    )


# --- exports -----------------------------------------------------------------------------------------------------


def schedule_export_header(schedule: Schedule, *, now: datetime | None = None) -> ExportHeader:
    """What an export of the schedule says about itself: team, week, zone, state and version."""
    return ExportHeader(
        team_name=schedule.team.name,
        week=schedule.iso_week,
        zone_name=schedule.team.zone.key,
        state=schedule_state_label(schedule),
        version=schedule.version,
        exported_at=now or timezone.now(),
    )


def schedule_export_filename(schedule: Schedule, extension: str) -> str:
    """``alpha-2026-W10-published-v2.csv``; ``-draft`` or ``-v2-changed`` tell the state at a glance."""
    if not schedule.is_published:
        state = "draft"
    elif schedule.has_unpublished_changes:
        state = f"v{schedule.version}-changed"
    else:
        state = f"published-v{schedule.version}"
    return f"{schedule.team.slug}-{schedule.iso_week}-{state}.{extension}"


def schedule_export_csv(schedule: Schedule) -> bytes:
    """The team week as it stands now (drafts included) as CSV; every row names the schedule's state."""
    return export_csv(schedule_export_header(schedule), schedule_export_shifts(schedule))


def schedule_export_xlsx(schedule: Schedule) -> bytes:
    """The team week as it stands now as an XLSX workbook (shifts, activities, and an About sheet)."""
    return export_xlsx(schedule_export_header(schedule), schedule_export_shifts(schedule))
