"""The org model (markets, teams, agents, skills, queues) and helpdesk conversations.

Every later app builds on these. Times are aware and stored in UTC; each market, team and agent
carries an IANA time zone for display and for interval grids.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from . import access
from .choices import (
    CONCURRENT_CHANNELS,
    LIVE_CHANNELS,
    PLANNING_INTERVAL_CHOICES,
    AgentStatus,
    AuthorRole,
    Channel,
    ConversationSource,
    EmploymentType,
    JobStatus,
    SkillKind,
    Tier,
)


@cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """Reject anything that is not an IANA time zone name such as ``Asia/Singapore``."""
    if value not in _time_zone_names():
        raise ValidationError(
            "“%(value)s” is not a known IANA time zone (for example Asia/Singapore).",
            code="invalid_time_zone",
            params={"value": value},
        )


@cache
def holiday_countries() -> dict[str, tuple[str, ...]]:
    """Country codes the ``holidays`` library knows, each with its subdivision codes."""
    return {code: tuple(subdivisions) for code, subdivisions in holidays.list_supported_countries().items()}


def validate_holiday_country(value: str) -> None:
    """Reject a country code for which no public-holiday calendar exists."""
    if value and value not in holiday_countries():
        raise ValidationError(
            "“%(value)s” is not a country with a public-holiday calendar (ISO 3166-1 alpha-2, e.g. SG).",
            code="invalid_holiday_country",
            params={"value": value},
        )


def _ids_of_agent_teams(user: Any) -> models.QuerySet:
    return Agent.objects.filter(user=user).values("team_id")


def _ids_of_managed_teams(user: Any) -> models.QuerySet:
    return Team.objects.filter(managers=user).values("pk")


def _ids_of_reviewed_teams(user: Any) -> models.QuerySet:
    return Team.objects.filter(qa_reviewers=user).values("pk")


class Market(models.Model):
    """A country or region served from one place: its time zone and public-holiday calendar."""

    code = models.SlugField(max_length=16, unique=True, help_text="Short unique code, e.g. sg.")
    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(
        max_length=64, validators=[validate_time_zone], help_text="IANA time zone, e.g. Asia/Singapore."
    )
    holiday_country = models.CharField(
        max_length=3,
        blank=True,
        validators=[validate_holiday_country],
        help_text="ISO 3166-1 alpha-2 code whose public holidays apply, e.g. SG. Empty: no holidays.",
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="Optional state or province code, e.g. SP for São Paulo."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The market's time zone as a ZoneInfo object."""
        return zoneinfo.ZoneInfo(self.timezone)

    def clean(self) -> None:
        if self.holiday_subdivision:
            if not self.holiday_country:
                raise ValidationError({"holiday_subdivision": "A subdivision needs a holiday country."})
            known = holiday_countries().get(self.holiday_country, ())
            if self.holiday_subdivision not in known:
                raise ValidationError(
                    {
                        "holiday_subdivision": f"“{self.holiday_subdivision}” is not a subdivision of "
                        f"{self.holiday_country}."
                    }
                )

    def public_holidays(self, start: date, end: date) -> dict[date, str]:
        """Public holidays from ``start`` to ``end`` inclusive, as date → name."""
        if not self.holiday_country:
            return {}
        calendar = holidays.country_holidays(
            self.holiday_country,
            subdiv=self.holiday_subdivision or None,
            years=range(start.year, end.year + 1),
        )
        return {day: str(name) for day, name in sorted(calendar.items()) if start <= day <= end}


class TeamQuerySet(models.QuerySet["Team"]):
    """Team queries scoped by role."""

    def visible_to(self, user: Any) -> TeamQuerySet:
        """Admins: all. Managers: teams they manage. QA reviewers: assigned teams. Agents: their own."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        condition = Q(pk__in=_ids_of_agent_teams(user))
        if access.is_manager(user):
            condition |= Q(pk__in=_ids_of_managed_teams(user))
        if access.is_qa_reviewer(user):
            condition |= Q(pk__in=_ids_of_reviewed_teams(user))
        return self.filter(condition)

    def editable_by(self, user: Any) -> TeamQuerySet:
        """Admins change any team; managers change the teams they manage."""
        if access.is_admin(user):
            return self.all()
        if access.is_manager(user):
            return self.filter(pk__in=_ids_of_managed_teams(user))
        return self.none()


class Team(models.Model):
    """A group of agents planned together: one time zone, one planning grid, one or more managers."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=64, unique=True)
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="teams")
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA time zone for this team's schedules and reports. Empty: the market's zone.",
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_teams", help_text="Team leads."
    )
    qa_reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="reviewed_teams",
        help_text="QA reviewers assigned to score this team's conversations.",
    )
    planning_interval_minutes = models.PositiveSmallIntegerField(
        choices=PLANNING_INTERVAL_CHOICES,
        default=30,
        help_text="Length of one interval of the team's forecasts and schedules, in minutes.",
    )

    objects = TeamQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planning_interval_minutes__in=[15, 30]), name="team_planning_interval_15_or_30"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.timezone and self.market_id:
            self.timezone = self.market.timezone
        super().save(*args, **kwargs)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The team's time zone as a ZoneInfo object."""
        return zoneinfo.ZoneInfo(self.timezone or self.market.timezone)


class Skill(models.Model):
    """Something an agent can do and a queue can require: a language, a product, a channel..."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=SkillKind.choices, default=SkillKind.OTHER)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class AgentQuerySet(models.QuerySet["Agent"]):
    """Agent queries scoped by role."""

    def visible_to(self, user: Any) -> AgentQuerySet:
        """Admins: all. Managers: their teams and direct reports. QA reviewers: assigned teams.

        Anyone with an agent record also sees themself and the members of their own team.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        condition = Q(user=user) | Q(team_id__in=_ids_of_agent_teams(user))
        if access.is_manager(user):
            condition |= Q(team_id__in=_ids_of_managed_teams(user)) | Q(manager=user)
        if access.is_qa_reviewer(user):
            condition |= Q(team_id__in=_ids_of_reviewed_teams(user))
        return self.filter(condition)

    def with_conversations_visible_to(self, user: Any) -> AgentQuerySet:
        """Agents whose conversations the user may see: the one rule behind ``Conversation.visible_to``.

        Admins: all. Anyone: their own. Managers: their teams' agents and direct reports. QA reviewers:
        agents of the teams assigned to them. Teammates do not see each other's conversations.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        condition = Q(user=user)
        if access.is_manager(user):
            condition |= Q(team_id__in=_ids_of_managed_teams(user)) | Q(manager=user)
        if access.is_qa_reviewer(user):
            condition |= Q(team_id__in=_ids_of_reviewed_teams(user))
        return self.filter(condition)

    def editable_by(self, user: Any) -> AgentQuerySet:
        """Admins change any agent; managers change agents of their teams and their direct reports."""
        if access.is_admin(user):
            return self.all()
        if access.is_manager(user):
            return self.filter(Q(team_id__in=_ids_of_managed_teams(user)) | Q(manager=user))
        return self.none()


class Agent(models.Model):
    """A person who handles support contacts, linked to their login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="agents")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
        help_text="The person this agent reports to.",
    )
    tier = models.CharField(max_length=2, choices=Tier.choices, default=Tier.L1)
    employment_type = models.CharField(max_length=16, choices=EmploymentType.choices, default=EmploymentType.EMPLOYEE)
    vendor_name = models.CharField(
        max_length=100, blank=True, help_text="Name of the outsourcing vendor; required for vendor agents."
    )
    status = models.CharField(max_length=16, choices=AgentStatus.choices, default=AgentStatus.ONBOARDING)
    start_date = models.DateField(help_text="First working day.")
    contracted_hours_min = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(80)],
        help_text="Minimum contracted hours per week.",
    )
    contracted_hours_max = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=40,
        validators=[MinValueValidator(0), MaxValueValidator(80)],
        help_text="Maximum contracted hours per week.",
    )
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA time zone when the agent works from elsewhere. Empty: the team's zone.",
    )
    skills: models.ManyToManyField[Skill, AgentSkill] = models.ManyToManyField(
        Skill, through="AgentSkill", related_name="agents", blank=True
    )

    objects = AgentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contracted_hours_min__lte=models.F("contracted_hours_max")),
                name="agent_contracted_hours_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=~Q(employment_type=EmploymentType.VENDOR) | ~Q(vendor_name=""),
                name="agent_vendor_has_vendor_name",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Full name, or the username when no name is set."""
        return self.user.get_full_name() or self.user.username

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Where the agent's times are shown: their own zone, else their team's."""
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else self.team.zone

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (
            self.contracted_hours_min is not None
            and self.contracted_hours_max is not None
            and self.contracted_hours_min > self.contracted_hours_max
        ):
            errors["contracted_hours_min"] = "Minimum weekly hours cannot be above the maximum."
        if self.employment_type == EmploymentType.VENDOR and not self.vendor_name.strip():
            errors["vendor_name"] = "Name the vendor of an outsourced agent."
        if self.employment_type != EmploymentType.VENDOR and self.vendor_name:
            errors["vendor_name"] = "Only outsourced agents have a vendor."
        if errors:
            raise ValidationError(errors)


class AgentSkill(models.Model):
    """How well an agent masters a skill, from 1 (learning) to 5 (expert)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="agent_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agent_skills")
    proficiency = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (learning) to 5."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="agentskill_unique_agent_skill"),
            models.CheckConstraint(
                condition=Q(proficiency__gte=1, proficiency__lte=5), name="agentskill_proficiency_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill} ({self.proficiency})"


class AgentStatusChange(models.Model):
    """One dated step of an agent's lifecycle, kept for reporting time-to-proficiency and tenure."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=16, choices=AgentStatus.choices)
    previous_status = models.CharField(max_length=16, choices=AgentStatus.choices, blank=True)
    effective_date = models.DateField(help_text="The day the new status took effect.")
    note = models.CharField(max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agent", "effective_date", "recorded_at"]
        indexes = [models.Index(fields=["agent", "effective_date"], name="statuschange_agent_date")]

    def __str__(self) -> str:
        return f"{self.agent}: {self.get_status_display()} from {self.effective_date}"


class Queue(models.Model):
    """Where contacts wait for an agent: one channel, required skills and a service target.

    Live channels (voice, chat, messaging) target a share answered within a number of seconds;
    async channels (email, social) target a share responded to within a number of hours.
    """

    name = models.CharField(max_length=100, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    market = models.ForeignKey(
        Market,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queues",
        help_text="Market whose customers and holidays this queue serves, if any.",
    )
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="queues")
    teams = models.ManyToManyField(
        Team,
        blank=True,
        related_name="queues",
        help_text="Teams whose agents staff this queue; capacity and schedules plan it with them.",
    )
    escalation_tier = models.CharField(
        max_length=2, choices=Tier.choices, default=Tier.L1, help_text="Lowest tier that takes this queue."
    )
    service_level_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Target share of contacts meeting the threshold, in percent (0-100).",
    )
    service_level_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Live channels: answer within this many seconds.",
    )
    response_time_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Async channels: respond within this many hours.",
    )
    chat_concurrency = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Conversations one agent handles at once (chat and messaging).",
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_level_percent__gte=0, service_level_percent__lte=100),
                name="queue_service_level_percent_0_100",
            ),
            models.CheckConstraint(
                condition=Q(response_time_hours__isnull=True) | Q(response_time_hours__gte=0),
                name="queue_response_time_not_negative",
            ),
            models.CheckConstraint(condition=Q(chat_concurrency__gte=1), name="queue_concurrency_at_least_1"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_live(self) -> bool:
        """True for channels answered in real time."""
        return self.channel in LIVE_CHANNELS

    @property
    def service_target_label(self) -> str:
        """The target as people say it: “80 % in 20 s” or “90 % in 24 h”."""
        percent = _plain_number(self.service_level_percent)
        if self.is_live:
            return f"{percent} % in {self.service_level_seconds} s"
        return f"{percent} % in {_plain_number(self.response_time_hours)} h"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.is_live:
            if self.service_level_seconds is None:
                errors["service_level_seconds"] = "A live queue needs an answer threshold in seconds."
            if self.response_time_hours is not None:
                errors["response_time_hours"] = "Only async queues (email, social) have a response time."
        else:
            if self.response_time_hours is None:
                errors["response_time_hours"] = "An async queue needs a response target in hours."
            if self.service_level_seconds is not None:
                errors["service_level_seconds"] = "Only live queues (voice, chat, messaging) answer in seconds."
        if self.channel not in CONCURRENT_CHANNELS and self.chat_concurrency not in (None, 1):
            errors["chat_concurrency"] = "Only chat and messaging queues handle conversations concurrently."
        if errors:
            raise ValidationError(errors)


def _plain_number(value: Decimal | int | float | None) -> str:
    """A number without trailing zeros: 80.00 → 80, 90.50 → 90.5."""
    if value is None:
        return "?"
    return f"{Decimal(str(value)).normalize():f}"


class ConversationQuerySet(models.QuerySet["Conversation"]):
    """Conversation queries scoped by role."""

    def visible_to(self, user: Any) -> ConversationQuerySet:
        """Conversations of the agents in ``Agent.objects.with_conversations_visible_to(user)``."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(agent_id__in=Agent.objects.with_conversations_visible_to(user).values("pk"))


class Conversation(models.Model):
    """One support conversation or ticket as the helpdesk recorded it; capacity, QA and KPIs read it."""

    source = models.CharField(max_length=16, choices=ConversationSource.choices)
    external_id = models.CharField(max_length=128, help_text="The helpdesk's id, unique per source.")
    queue = models.ForeignKey(Queue, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations")
    agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations")
    subject = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(help_text="When the customer opened the conversation (UTC).")
    first_response_at = models.DateTimeField(null=True, blank=True, help_text="First agent reply (UTC).")
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When it was last solved (UTC).")
    handle_time_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Agent working time on the conversation, in seconds."
    )
    reopen_count = models.PositiveSmallIntegerField(default=0)
    csat_score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Customer satisfaction, 1 (very unhappy) to 5 (very happy).",
    )
    csat_comment = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="List of helpdesk tags.")
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="conversation_unique_source_external_id"),
            models.CheckConstraint(
                condition=Q(csat_score__isnull=True) | Q(csat_score__gte=1, csat_score__lte=5),
                name="conversation_csat_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True) | Q(first_response_at__gte=models.F("created_at")),
                name="conversation_first_response_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("created_at")),
                name="conversation_resolved_after_creation",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="conversation_created"),
            models.Index(fields=["agent", "created_at"], name="conversation_agent_created"),
            models.Index(fields=["queue", "created_at"], name="conversation_queue_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.external_id}"

    @property
    def first_response_seconds(self) -> float | None:
        """Seconds from creation to the first agent reply."""
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.created_at and self.first_response_at and self.first_response_at < self.created_at:
            errors["first_response_at"] = "The first response cannot come before the conversation was created."
        if self.created_at and self.resolved_at and self.resolved_at < self.created_at:
            errors["resolved_at"] = "A conversation cannot be resolved before it was created."
        if not isinstance(self.tags, list) or not all(isinstance(tag, str) for tag in self.tags):
            errors["tags"] = "Tags must be a list of strings."
        if errors:
            raise ValidationError(errors)


class ConversationMessage(models.Model):
    """One message of a conversation's transcript, in order."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField(help_text="0-based order within the transcript.")
    author_role = models.CharField(max_length=16, choices=AuthorRole.choices)
    author_name = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["conversation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "position"], name="message_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_role_display()} at {self.sent_at:%Y-%m-%d %H:%M}"


class JobQuerySet(models.QuerySet["Job"]):
    """Background jobs scoped by role."""

    def visible_to(self, user: Any) -> JobQuerySet:
        """Admins see every job; anyone else the jobs they started."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(created_by=user)


class Job(models.Model):
    """Long work run in the background (a forecast, a schedule, an import), with progress people can watch.

    ``progress`` runs from 0 to 1; ``result`` holds what the work produced (ids, counts) once it
    succeeded, ``error`` what went wrong when it failed.
    """

    kind = models.CharField(max_length=64, help_text="What the job does, e.g. forecast.")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(1)], help_text="Fraction done, 0 to 1."
    )
    message = models.CharField(max_length=255, blank=True, help_text="What the job is doing now.")
    parameters = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=1), name="job_progress_0_to_1"),
        ]
        indexes = [models.Index(fields=["created_by", "created_at"], name="job_creator_created")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        """True once the job succeeded or failed."""
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


# --- Helpdesk integrations -----------------------------------------------------------------------

HELPDESK_SOURCES = [
    (ConversationSource.ZENDESK.value, ConversationSource.ZENDESK.label),
    (ConversationSource.INTERCOM.value, ConversationSource.INTERCOM.label),
]


class HelpdeskIntegration(models.Model):
    """One connected helpdesk account (a Zendesk subdomain or an Intercom workspace) and its webhook secret.

    Conversations it delivers are keyed by (source, external id), so a ticket imported from a file and
    later pushed by a webhook is the same conversation. ``replay_window_seconds`` is how far a webhook's
    timestamp may be from now before the delivery is refused as a replay.
    """

    name = models.CharField(max_length=100, unique=True)
    source = models.CharField(max_length=16, choices=HELPDESK_SOURCES)
    account = models.CharField(
        max_length=100, blank=True, help_text="Zendesk subdomain (acme for acme.zendesk.com) or Intercom workspace id."
    )
    webhook_secret = models.CharField(
        max_length=255,
        blank=True,
        help_text="Zendesk: the webhook's signing secret. Intercom: the app's client secret. Empty: webhooks refused.",
    )
    replay_window_seconds = models.PositiveIntegerField(
        default=300,
        validators=[MinValueValidator(1), MaxValueValidator(86400)],
        help_text="A webhook whose timestamp is further than this from now (in seconds) is refused.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive integrations refuse webhooks and imports.")
    default_queue = models.ForeignKey(
        Queue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Queue of conversations whose group or team has no queue mapping.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(replay_window_seconds__gte=1, replay_window_seconds__lte=86400),
                name="helpdeskintegration_replay_window_1s_to_1d",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_source_display()})"


class HelpdeskIdentity(models.Model):
    """Which agent a helpdesk user is: a Zendesk user id or an Intercom admin id, set by admins.

    Without a row here the importer matches the helpdesk user's e-mail to the agent's login e-mail.
    """

    integration = models.ForeignKey(HelpdeskIntegration, on_delete=models.CASCADE, related_name="identities")
    external_user_id = models.CharField(max_length=64, help_text="The helpdesk's user (or admin) id.")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="helpdesk_identities")

    class Meta:
        ordering = ["integration", "external_user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_user_id"], name="helpdeskidentity_unique_external_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_user_id} → {self.agent}"


class HelpdeskQueueMapping(models.Model):
    """Which queue a helpdesk routing target is: a Zendesk group id or an Intercom team id."""

    integration = models.ForeignKey(HelpdeskIntegration, on_delete=models.CASCADE, related_name="queue_mappings")
    external_id = models.CharField(max_length=64, help_text="Zendesk group_id or Intercom team_assignee_id.")
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="helpdesk_mappings")

    class Meta:
        ordering = ["integration", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_id"], name="helpdeskqueuemapping_unique_external"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} → {self.queue}"
