"""django-filter FilterSets of the core app: ``<fk>_id`` filters and a ``q`` search on every list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField

from .choices import AgentStatus, Channel, ConversationSource, EmploymentType, SkillKind, Tier
from .models import Agent, Conversation, Market, Queue, Skill, Team


class AwareIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time that must carry its offset: a naive time is ambiguous across markets."""

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                raise ValidationError("Give a time zone offset (e.g. 2026-03-01T09:00:00Z).", code="naive")
        return super().to_python(value)


class IntegerFilter(django_filters.NumberFilter):
    """A whole-number filter (ids, scores): ``1.5`` is refused rather than rounded."""

    field_class = forms.IntegerField


class AwareIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """Filter on an aware ISO 8601 date-time."""

    field_class = AwareIsoDateTimeField


def _search(queryset: QuerySet[Any], value: str, fields: tuple[str, ...]) -> QuerySet[Any]:
    value = value.strip()
    if not value:
        return queryset
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": value})
    return queryset.filter(condition)


class MarketFilterSet(django_filters.FilterSet):
    """Markets by code, or ``q`` in code and name."""

    q = django_filters.CharFilter(method="search", label="Search code and name")

    class Meta:
        model = Market
        fields = ["code", "holiday_country"]

    def search(self, queryset: QuerySet[Market], name: str, value: str) -> QuerySet[Market]:
        return _search(queryset, value, ("code", "name"))


class SkillFilterSet(django_filters.FilterSet):
    """Skills by kind, or ``q`` in name and description."""

    q = django_filters.CharFilter(method="search", label="Search name and description")
    kind = django_filters.ChoiceFilter(choices=SkillKind.choices)

    class Meta:
        model = Skill
        fields = ["kind"]

    def search(self, queryset: QuerySet[Skill], name: str, value: str) -> QuerySet[Skill]:
        return _search(queryset, value, ("name", "description"))


class QueueFilterSet(django_filters.FilterSet):
    """Queues by market, staffing team, channel, required skill and activity, or ``q`` in the name."""

    q = django_filters.CharFilter(method="search", label="Search name")
    market_id = IntegerFilter(field_name="market", label="Market id")
    skill_id = IntegerFilter(field_name="required_skills", label="Required skill id", distinct=True)
    team_id = IntegerFilter(field_name="teams", label="Id of a team that staffs the queue", distinct=True)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    escalation_tier = django_filters.ChoiceFilter(choices=Tier.choices)

    class Meta:
        model = Queue
        fields = ["market_id", "skill_id", "team_id", "channel", "escalation_tier", "is_active"]

    def search(self, queryset: QuerySet[Queue], name: str, value: str) -> QuerySet[Queue]:
        return _search(queryset, value, ("name",))


class TeamFilterSet(django_filters.FilterSet):
    """Teams by market or manager, or ``q`` in name and slug."""

    q = django_filters.CharFilter(method="search", label="Search name and slug")
    market_id = IntegerFilter(field_name="market", label="Market id")
    manager_id = IntegerFilter(field_name="managers", label="Manager (user) id", distinct=True)

    class Meta:
        model = Team
        fields = ["market_id", "manager_id"]

    def search(self, queryset: QuerySet[Team], name: str, value: str) -> QuerySet[Team]:
        return _search(queryset, value, ("name", "slug"))


class AgentFilterSet(django_filters.FilterSet):
    """Agents by team, market, manager, skill, status, tier and employment, or ``q`` in names and e-mail."""

    q = django_filters.CharFilter(method="search", label="Search username, names and e-mail")
    team_id = IntegerFilter(field_name="team", label="Team id")
    market_id = IntegerFilter(field_name="team__market", label="Market id")
    manager_id = IntegerFilter(field_name="manager", label="Manager (user) id")
    skill_id = IntegerFilter(field_name="skills", label="Skill id", distinct=True)
    status = django_filters.ChoiceFilter(choices=AgentStatus.choices)
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    employment_type = django_filters.ChoiceFilter(choices=EmploymentType.choices)

    class Meta:
        model = Agent
        fields = ["team_id", "market_id", "manager_id", "skill_id", "status", "tier", "employment_type"]

    def search(self, queryset: QuerySet[Agent], name: str, value: str) -> QuerySet[Agent]:
        return _search(queryset, value, ("user__username", "user__first_name", "user__last_name", "user__email"))


class ConversationFilterSet(django_filters.FilterSet):
    """Conversations by creation time, queue, agent, team, source and CSAT, or ``q`` in subject, id and tags."""

    q = django_filters.CharFilter(method="search", label="Search subject, external id and tags")
    created_after = AwareIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Created at or after (ISO 8601 with offset)"
    )
    created_before = AwareIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Created before (ISO 8601 with offset)"
    )
    queue_id = IntegerFilter(field_name="queue", label="Queue id")
    agent_id = IntegerFilter(field_name="agent", label="Agent id")
    team_id = IntegerFilter(field_name="agent__team", label="Team id (of the agent)")
    source = django_filters.ChoiceFilter(choices=ConversationSource.choices)
    csat = IntegerFilter(field_name="csat_score", label="CSAT score exactly (1-5)")
    csat_min = IntegerFilter(field_name="csat_score", lookup_expr="gte", label="CSAT at least")
    csat_max = IntegerFilter(field_name="csat_score", lookup_expr="lte", label="CSAT at most")

    class Meta:
        model = Conversation
        fields = [
            "created_after",
            "created_before",
            "queue_id",
            "agent_id",
            "team_id",
            "source",
            "csat",
            "csat_min",
            "csat_max",
        ]

    def search(self, queryset: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return _search(queryset, value, ("subject", "external_id", "tags"))
