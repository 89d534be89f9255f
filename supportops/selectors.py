"""Reads of the core app shared by the API, pages and admin: role-scoped, with their joins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate

from . import access
from .choices import AgentStatus, Role
from .models import (
    Agent,
    AgentSkill,
    AgentStatusChange,
    Conversation,
    ConversationMessage,
    Market,
    Queue,
    Team,
)


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


# --- Pages: directory searches, profiles and the home dashboards ---------------------------------
# Every function below starts from a ``visible_to`` queryset, so a page never shows what is not the
# viewer's, and each costs a fixed number of queries whatever the size of the organisation.

HOME_CHART_DAYS = 14
KPI_WINDOW = timedelta(days=7)
LOW_CSAT_MAX = 2

# CSAT filter of the conversation list: value → (label, condition).
CONVERSATION_CSAT_FILTERS: dict[str, tuple[str, Q]] = {
    "low": ("Low (1–2)", Q(csat_score__lte=LOW_CSAT_MAX)),
    **{str(score): (f"{score} of 5", Q(csat_score=score)) for score in range(5, 0, -1)},
    "none": ("No rating", Q(csat_score__isnull=True)),
}


def display_zone_for(user: Any) -> ZoneInfo | None:
    """The zone an agent sees every time in (their own); None for other roles, who see each team's zone."""
    if access.primary_role(user) != Role.AGENT:
        return None
    agent = agent_for_user(user)
    return agent.zone if agent is not None else None


def calendar_zone_for(user: Any, *, personal_zone: ZoneInfo | None) -> ZoneInfo:
    """Where days start for views that span teams (date filters, daily charts).

    The viewer's own zone when they have one, else the one zone all their visible teams share, else UTC.
    """
    if personal_zone is not None:
        return personal_zone
    zones = list(Team.objects.visible_to(user).order_by().values_list("timezone", flat=True).distinct()[:2])
    if len(zones) == 1 and zones[0]:
        return ZoneInfo(zones[0])
    return ZoneInfo("UTC")


def team_detail(*, user: Any) -> QuerySet[Team]:
    """Teams the user may see, as ``team_list`` plus their QA reviewers."""
    return team_list(user=user).prefetch_related("qa_reviewers")


def agent_directory(
    *, user: Any, q: str = "", team: Team | None = None, tier: str = "", status: str = ""
) -> QuerySet[Agent]:
    """Agents the user may see, narrowed by a name search (every word must match) and filters."""
    agents = agent_list(user=user)
    for term in q.split()[:5]:
        agents = agents.filter(
            Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(user__username__icontains=term)
            | Q(user__email__icontains=term)
        )
    if team is not None:
        agents = agents.filter(team=team)
    if tier:
        agents = agents.filter(tier=tier)
    if status:
        agents = agents.filter(status=status)
    return agents


def may_see_conversations_of(*, user: Any, agent: Agent) -> bool:
    """Whether the user may see this agent's conversations (the rule of ``Conversation.visible_to``)."""
    return Agent.objects.with_conversations_visible_to(user).filter(pk=agent.pk).exists()


def conversation_search(
    *,
    user: Any,
    q: str = "",
    queue: Queue | None = None,
    csat: str = "",
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Conversation]:
    """Conversations the user may see, narrowed by a search (subject, helpdesk id, agent, comment) and filters.

    ``csat`` is a key of ``CONVERSATION_CSAT_FILTERS``; ``created_before`` is exclusive.
    """
    conversations = conversation_list(user=user)
    for term in q.split()[:5]:
        conversations = conversations.filter(
            Q(subject__icontains=term)
            | Q(external_id__icontains=term)
            | Q(csat_comment__icontains=term)
            | Q(agent__user__first_name__icontains=term)
            | Q(agent__user__last_name__icontains=term)
            | Q(agent__user__username__icontains=term)
        )
    if queue is not None:
        conversations = conversations.filter(queue=queue)
    if csat:
        conversations = conversations.filter(CONVERSATION_CSAT_FILTERS[csat][1])
    if created_from is not None:
        conversations = conversations.filter(created_at__gte=created_from)
    if created_before is not None:
        conversations = conversations.filter(created_at__lt=created_before)
    return conversations


@dataclass(frozen=True)
class DayCount:
    """Conversations created on one local day."""

    day: date
    count: int


@dataclass(frozen=True)
class TeamPulse:
    """One team's last-7-day conversations, CSAT and median first response, and its recent daily volume."""

    team: Team
    conversations: int
    csat_average: float | None
    csat_responses: int
    median_first_response_seconds: float | None
    daily: list[DayCount]


@dataclass(frozen=True)
class AdminOverview:
    """Organisation-wide counts for admins."""

    markets: int
    teams: int
    queues: int
    agents_by_status: list[tuple[str, str, int]]  # (status value, label, count) in lifecycle order
    agents_total: int
    conversations_7_days: int
    daily: list[DayCount]
    zone: ZoneInfo


@dataclass(frozen=True)
class ManagerOverview:
    """A manager's teams with their pulse, and the people still ramping up."""

    pulses: list[TeamPulse]
    ramping: list[Agent]


@dataclass(frozen=True)
class ReviewerOverview:
    """A QA reviewer's assigned teams and their recent low-CSAT conversations."""

    pulses: list[TeamPulse]
    low_csat: list[Conversation]


@dataclass(frozen=True)
class AgentOverview:
    """An agent's own profile, recent conversations and 30-day CSAT."""

    agent: Agent
    recent: list[Conversation]
    conversations_30_days: int
    csat_average: float | None
    csat_responses: int
    daily: list[DayCount]


@dataclass(frozen=True)
class HomeDashboard:
    """The sections of a person's home page: one per role they hold (None where they lack the role)."""

    roles: list[Role]
    admin: AdminOverview | None
    manager: ManagerOverview | None
    reviewer: ReviewerOverview | None
    agent: AgentOverview | None
    has_agent_role_without_profile: bool


def _chart_days(now: datetime, zone: ZoneInfo) -> list[date]:
    today = now.astimezone(zone).date()
    return [today - timedelta(days=offset) for offset in range(HOME_CHART_DAYS - 1, -1, -1)]


def _daily_counts(conversations: QuerySet[Conversation], *, now: datetime, zone: ZoneInfo) -> list[DayCount]:
    days = _chart_days(now, zone)
    start = datetime.combine(days[0], time.min, tzinfo=zone)
    counts = dict(
        conversations.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [DayCount(day=day, count=counts.get(day, 0)) for day in days]


def team_pulses(*, user: Any, teams: list[Team], now: datetime) -> list[TeamPulse]:
    """Pulse of each team in three queries: totals and CSAT, median first response, daily counts."""
    if not teams:
        return []
    visible = Conversation.objects.visible_to(user).filter(agent__team__in=teams).order_by()
    week = visible.filter(created_at__gte=now - KPI_WINDOW)
    totals = {
        row["agent__team_id"]: row
        for row in week.values("agent__team_id").annotate(
            n=Count("pk"), csat=Avg("csat_score"), responses=Count("csat_score")
        )
    }
    # Median per team in the database: rank first-response times within each team and keep the middle one or two.
    first_response = ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())
    ranked = (
        week.filter(first_response_at__isnull=False)
        .annotate(
            first_response=first_response,
            position=Window(RowNumber(), partition_by=[F("agent__team_id")], order_by=first_response.asc()),
            answered=Window(Count("pk"), partition_by=[F("agent__team_id")]),
        )
        .filter(position__gte=(F("answered") + 1) / 2, position__lte=F("answered") / 2 + 1)
        .values_list("agent__team_id", "first_response")
    )
    middles: dict[int, list[float]] = {}
    for team_id, duration in ranked:
        middles.setdefault(team_id, []).append(duration.total_seconds())
    zones = {team.pk: team.zone for team in teams}
    earliest = min(datetime.combine(_chart_days(now, zone)[0], time.min, tzinfo=zone) for zone in zones.values())
    local_day = Case(
        *[When(agent__team_id=team_id, then=TruncDate("created_at", tzinfo=zone)) for team_id, zone in zones.items()],
        output_field=DateField(),
    )
    daily_rows = (
        visible.filter(created_at__gte=earliest)
        .annotate(day=local_day)
        .values("agent__team_id", "day")
        .annotate(n=Count("pk"))
        .values_list("agent__team_id", "day", "n")
    )
    daily: dict[tuple[int, date], int] = {(team_id, day): n for team_id, day, n in daily_rows}
    pulses = []
    for team in teams:
        row = totals.get(team.pk, {})
        middle = middles.get(team.pk)
        pulses.append(
            TeamPulse(
                team=team,
                conversations=row.get("n", 0),
                csat_average=row.get("csat"),
                csat_responses=row.get("responses", 0),
                median_first_response_seconds=sum(middle) / len(middle) if middle else None,
                daily=[DayCount(day=day, count=daily.get((team.pk, day), 0)) for day in _chart_days(now, team.zone)],
            )
        )
    return pulses


def _admin_overview(*, user: Any, now: datetime) -> AdminOverview:
    by_status = dict(
        Agent.objects.visible_to(user).order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    zone = calendar_zone_for(user, personal_zone=None)
    conversations = Conversation.objects.visible_to(user).order_by()
    return AdminOverview(
        markets=Market.objects.count(),
        teams=Team.objects.visible_to(user).count(),
        queues=Queue.objects.filter(is_active=True).count(),
        agents_by_status=[(status.value, status.label, by_status.get(status.value, 0)) for status in AgentStatus],
        agents_total=sum(by_status.values()),
        conversations_7_days=conversations.filter(created_at__gte=now - KPI_WINDOW).count(),
        daily=_daily_counts(conversations, now=now, zone=zone),
        zone=zone,
    )


def _manager_overview(*, user: Any, now: datetime) -> ManagerOverview:
    teams = list(team_list(user=user).filter(managers=user))
    ramping = list(
        Agent.objects.visible_to(user)
        .filter(Q(team__in=teams) | Q(manager=user), status__in=[AgentStatus.ONBOARDING, AgentStatus.NESTING])
        .select_related("user", "team")
        .order_by("start_date", "user__first_name", "user__last_name")
    )
    return ManagerOverview(pulses=team_pulses(user=user, teams=teams, now=now), ramping=ramping)


def _reviewer_overview(*, user: Any, now: datetime) -> ReviewerOverview:
    teams = list(team_list(user=user).filter(qa_reviewers=user))
    low_csat = list(conversation_list(user=user).filter(agent__team__in=teams, csat_score__lte=LOW_CSAT_MAX)[:8])
    return ReviewerOverview(pulses=team_pulses(user=user, teams=teams, now=now), low_csat=low_csat)


def _agent_overview(*, user: Any, now: datetime) -> AgentOverview | None:
    agent = agent_list(user=user).filter(user=user).first()
    if agent is None:
        return None
    own = Conversation.objects.visible_to(user).filter(agent=agent).order_by()
    stats = own.filter(created_at__gte=now - timedelta(days=30)).aggregate(
        n=Count("pk"), csat=Avg("csat_score"), responses=Count("csat_score")
    )
    return AgentOverview(
        agent=agent,
        recent=list(conversation_list(user=user).filter(agent=agent)[:6]),
        conversations_30_days=stats["n"],
        csat_average=stats["csat"],
        csat_responses=stats["responses"],
        daily=_daily_counts(own, now=now, zone=agent.zone),
    )


def home_dashboard(*, user: Any, now: datetime) -> HomeDashboard:
    """Everything a person's home page shows, one section per role they hold."""
    roles = [role for role in Role if access.has_role(user, role)]
    agent = _agent_overview(user=user, now=now) if Role.AGENT in roles else None
    return HomeDashboard(
        roles=roles,
        admin=_admin_overview(user=user, now=now) if Role.ADMIN in roles else None,
        manager=_manager_overview(user=user, now=now) if Role.MANAGER in roles else None,
        reviewer=_reviewer_overview(user=user, now=now) if Role.QA_REVIEWER in roles else None,
        agent=agent,
        has_agent_role_without_profile=Role.AGENT in roles and agent is None,
    )
