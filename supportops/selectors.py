"""Reads of the core app shared by the API, pages and admin: role-scoped, with their joins."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from .choices import AgentStatus
from .models import Agent, AgentSkill, AgentStatusChange, Conversation, ConversationMessage, Team


def agent_for_user(user: Any) -> Agent | None:
    """The agent record of a user (with team and market), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Agent.objects.select_related("team__market").filter(user=user).first()


def team_list(*, user: Any) -> QuerySet[Team]:
    """Teams the user may see, with market, managers and head counts (a fixed number of queries)."""
    return (
        Team.objects.visible_to(user)
        .select_related("market")
        .prefetch_related("managers")
        .annotate(
            agent_count=Count("agents", filter=~Q(agents__status=AgentStatus.EXITED), distinct=True),
            onboarding_count=Count(
                "agents",
                filter=Q(agents__status__in=[AgentStatus.ONBOARDING, AgentStatus.NESTING]),
                distinct=True,
            ),
        )
        .order_by("name")
    )


def agent_list(*, user: Any) -> QuerySet[Agent]:
    """Agents the user may see, with user, team, market, manager and skills."""
    return (
        Agent.objects.visible_to(user)
        .select_related("user", "team__market", "manager")
        .prefetch_related(Prefetch("agent_skills", queryset=AgentSkill.objects.select_related("skill")))
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def conversation_list(*, user: Any) -> QuerySet[Conversation]:
    """Conversations the user may see, newest first, with queue and agent."""
    return (
        Conversation.objects.visible_to(user)
        .select_related("queue", "agent__user", "agent__team")
        .order_by("-created_at", "-pk")
    )


def conversation_detail(*, user: Any) -> QuerySet[Conversation]:
    """Conversations the user may see, with the transcript prefetched in order."""
    return conversation_list(user=user).prefetch_related(
        Prefetch("messages", queryset=ConversationMessage.objects.order_by("position"))
    )


def agent_detail(*, user: Any) -> QuerySet[Agent]:
    """Agents the user may see, as ``agent_list``, plus their dated status history in order."""
    return agent_list(user=user).prefetch_related(
        Prefetch(
            "status_changes",
            queryset=AgentStatusChange.objects.select_related("changed_by").order_by("effective_date", "recorded_at"),
        )
    )
