"""Reads of calendar feeds (a user's own, one by its token) and of a schedule as rows for export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from supportops import access
from supportops.models import Agent, Team

from ..calendar_export import ExportActivity, ExportShift
from ..models import CalendarFeed, Schedule
from .shifts import schedule_shifts, shift_view

__all__ = [
    "calendar_feed_for_token",
    "calendar_feed_list",
    "calendar_feed_target_problem",
    "schedule_export_shifts",
    "schedule_state_label",
]


def calendar_feed_target_problem(*, owner: Any, agent: Agent | None = None, team: Team | None = None) -> str | None:
    """Why ``owner`` may not hold a feed of that agent or team, or None when they may.

    An agent's feed: the agent themself, or an admin. A team's feed: a manager of the team, or an admin.
    Checked when a feed is created and again each time it is served, so a feed stops working when its owner
    leaves the team's managers or is deactivated.
    """
    if not getattr(owner, "is_active", False):
        return "The feed's owner is not an active user."
    if (agent is None) == (team is None):
        return "A feed is of one agent or of one team."
    if access.is_admin(owner):
        return None
    if agent is not None:
        return None if agent.user_id == owner.pk else "You may only subscribe to your own shifts."
    assert team is not None
    if access.is_manager(owner) and team.managers.filter(pk=owner.pk).exists():
        return None
    return "Only the team's managers may subscribe to its calendar."


def calendar_feed_list(*, user: Any) -> QuerySet[CalendarFeed]:
    """The user's own feeds, newest first (revoked ones included), with their agent or team."""
    if not getattr(user, "is_authenticated", False):
        return CalendarFeed.objects.none()
    return CalendarFeed.objects.filter(owner=user).select_related("agent__user", "team").order_by("-created_at", "-pk")


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed with that token whose owner may still hold it, with what serving it needs; else None."""
    feed = (
        CalendarFeed.objects.active()
        .select_related("owner", "agent__user", "agent__team__market", "team__market")
        .filter(token=token)
        .first()
    )
    if feed is None or calendar_feed_target_problem(owner=feed.owner, agent=feed.agent, team=feed.team):
        return None
    return feed


def schedule_state_label(schedule: Schedule) -> str:
    """``draft``, ``published v2`` or ``published v2 + unpublished changes``."""
    if not schedule.is_published:
        return "draft"
    label = f"published v{schedule.version}"
    return f"{label} + unpublished changes" if schedule.has_unpublished_changes else label


def schedule_export_shifts(schedule: Schedule) -> list[ExportShift]:
    """The schedule's current shifts (drafts and unpublished edits included) as export rows; two queries."""
    rows: list[ExportShift] = []
    for shift in schedule_shifts(schedule):
        view = shift_view(shift)
        rows.append(
            ExportShift(
                agent_id=view.agent_id,
                agent_name=shift.agent.display_name,
                starts_at=view.starts_at,
                ends_at=view.ends_at,
                queue_name=view.queue_name,
                paid_minutes=view.paid_hours * 60,
                activities=tuple(
                    ExportActivity(a.kind, a.starts_at, a.ends_at, a.title, a.queue_name, a.is_paid)
                    for a in view.activities
                ),
            )
        )
    return rows
