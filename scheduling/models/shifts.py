"""Shift planning data: rules, templates, availability, time off, schedules of shifts and activities, swaps,
calendar feeds and agent state events (the inputs of adherence)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any, Self, TypeVar

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Q
from django.db.models.functions import Now
from simple_history.models import HistoricalRecords

from supportops import access
from supportops.models import Agent, Queue, Team


class TsTzRange(models.Func):
    """``tstzrange(start, end)``: a half-open time range, for the PostgreSQL exclusion constraint."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL and nothing elsewhere (services check the same rule in Python)."""

    def constraint_sql(self, model: Any, schema_editor: Any) -> Any:
        return super().constraint_sql(model, schema_editor) if _is_postgres(schema_editor.connection) else None

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        return super().create_sql(model, schema_editor) if _is_postgres(schema_editor.connection) else None

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        return super().remove_sql(model, schema_editor) if _is_postgres(schema_editor.connection) else None

    def validate(self, model: Any, instance: Any, exclude: Any = None, using: str = DEFAULT_DB_ALIAS) -> None:
        if _is_postgres(connections[using]):
            super().validate(model, instance, exclude=exclude, using=using)


def _is_postgres(connection: Any) -> bool:
    return bool(connection.vendor == "postgresql")


class ActivityKind(models.TextChoices):
    """What an agent does during part of a shift."""

    ON_QUEUE = "on_queue", "On queue"
    BREAK = "break", "Break"
    LUNCH = "lunch", "Lunch"
    TRAINING = "training", "Training"
    MEETING = "meeting", "Meeting"
    COACHING = "coaching", "Coaching"


BREAK_KINDS = frozenset({ActivityKind.BREAK, ActivityKind.LUNCH})
FIXED_KINDS = frozenset({ActivityKind.TRAINING, ActivityKind.MEETING, ActivityKind.COACHING})
FIXED_KIND_CHOICES = [(kind.value, kind.label) for kind in ActivityKind if kind in FIXED_KINDS]


class BreakKind(models.TextChoices):
    """The kinds of break a shift template asks for."""

    BREAK = "break", "Break"
    LUNCH = "lunch", "Lunch"


class AvailabilityKind(models.TextChoices):
    """How an agent feels about working in a window."""

    AVAILABLE = "available", "Available"
    PREFERRED = "preferred", "Available, preferred"
    UNPREFERRED = "unpreferred", "Available, rather not"
    UNAVAILABLE = "unavailable", "Unavailable"


class TimeOffKind(models.TextChoices):
    """Why an agent is away."""

    VACATION = "vacation", "Vacation"
    SICK = "sick", "Sick leave"
    PERSONAL = "personal", "Personal"
    PARENTAL = "parental", "Parental leave"
    OTHER = "other", "Other"


class RequestStatus(models.TextChoices):
    """Where a time-off request stands."""

    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


class SwapStatus(models.TextChoices):
    """Where a shift swap stands: the peer accepts, then a manager approves."""

    PROPOSED = "proposed", "Waiting for the colleague"
    ACCEPTED = "accepted", "Waiting for a manager"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused by the colleague"
    REJECTED = "rejected", "Rejected by a manager"
    CANCELLED = "cancelled", "Cancelled"


OPEN_SWAP_STATUSES = frozenset({SwapStatus.PROPOSED, SwapStatus.ACCEPTED})


class ScheduleStatus(models.TextChoices):
    """A schedule is drafted, then published (and republished as new versions)."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class AgentState(models.TextChoices):
    """An agent's state in the helpdesk or telephony system."""

    AVAILABLE = "available", "Available"
    ON_CONTACT = "on_contact", "On contact"
    BREAK = "break", "Break"
    OFFLINE = "offline", "Offline"


def _managed_team_ids(user: Any) -> models.QuerySet[Team, int]:
    return Team.objects.filter(managers=user).values_list("pk", flat=True)


def _agent_team_ids(user: Any) -> models.QuerySet[Agent, int]:
    return Agent.objects.filter(user=user).values_list("team_id", flat=True)


def _is_active_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


_OwnedModel = TypeVar("_OwnedModel", bound=models.Model)


class AgentOwnedQuerySet(models.QuerySet[_OwnedModel]):
    """Rows about one agent (``agent`` foreign key) scoped by role: agents their own, managers their teams', admins
    all."""

    def visible_to(self, user: Any) -> Self:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(Q(agent__user=user) | Q(agent__team_id__in=_managed_team_ids(user)))


class ScheduleRules(models.Model):
    """A team's scheduling rules and the weights of the optimizer's soft goals.

    Weights are costs per unit: under- and over-coverage per agent-interval, preference per violated interval,
    fairness per night or weekend shift above the fair share, stability per day whose start moved.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="schedule_rules")
    min_rest_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=11,
        validators=[MinValueValidator(0), MaxValueValidator(48)],
        help_text="Least time between the end of one shift and the start of the next, in hours.",
    )
    max_working_days = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(7)], help_text="Most days worked per week."
    )
    max_consecutive_days = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(14)], help_text="Most days worked in a row."
    )
    max_simultaneous_breaks = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most agents on a break or lunch at the same time. Empty: no limit."
    )
    night_starts = models.TimeField(default=time(22, 0), help_text="A shift working any time from here…")
    night_ends = models.TimeField(default=time(6, 0), help_text="…to here (local time) is a night shift.")
    weight_under_coverage = models.PositiveIntegerField(default=100)
    weight_over_coverage = models.PositiveIntegerField(default=5)
    weight_preference = models.PositiveIntegerField(default=10)
    weight_fairness = models.PositiveIntegerField(default=20)
    weight_stability = models.PositiveIntegerField(default=5)
    time_limit_seconds = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="How long generation may search before it keeps the best schedule found.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "schedule rules"

    def __str__(self) -> str:
        return f"Schedule rules of {self.team}"


class ShiftTemplateQuerySet(models.QuerySet["ShiftTemplate"]):
    """Templates scoped by role: everyone in a team may read its templates; managers of it change them."""

    def visible_to(self, user: Any) -> ShiftTemplateQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(Q(team_id__in=_managed_team_ids(user)) | Q(team_id__in=_agent_team_ids(user)))

    def editable_by(self, user: Any) -> ShiftTemplateQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        if access.is_manager(user):
            return self.filter(team_id__in=_managed_team_ids(user))
        return self.none()


class ShiftTemplate(models.Model):
    """A kind of shift a team works: a local start time, paid minutes, the weekdays it is used on, and its breaks.

    The shift lasts ``paid_minutes`` plus its unpaid breaks; it may run past midnight into the next day.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shift_templates")
    name = models.CharField(max_length=100)
    start_time = models.TimeField(help_text="Local start time in the team's zone.")
    paid_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(15), MaxValueValidator(16 * 60)], help_text="Paid length, in minutes."
    )
    weekdays = models.JSONField(
        default=list, blank=True, help_text="Days it may be worked, 0 = Monday … 6 = Sunday. Empty: every day."
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    objects = ShiftTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["team", "start_time", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="shifttemplate_unique_team_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_time:%H:%M}, {self.paid_minutes / 60:g} h)"

    def clean(self) -> None:
        days = self.weekdays
        if not isinstance(days, list) or any(not isinstance(day, int) or not 0 <= day <= 6 for day in days):
            raise ValidationError({"weekdays": "Give a list of weekday numbers from 0 (Monday) to 6 (Sunday)."})
        if len(set(days)) != len(days):
            raise ValidationError({"weekdays": "A weekday is listed twice."})
        if self.team_id and self.start_time is not None:
            interval = self.team.planning_interval_minutes
            if (self.start_time.hour * 60 + self.start_time.minute) % interval or self.start_time.second:
                raise ValidationError({"start_time": f"Start on the team's {interval}-minute grid."})
            if self.paid_minutes and self.paid_minutes % interval:
                raise ValidationError({"paid_minutes": f"Use a multiple of the team's {interval}-minute interval."})

    def works_on(self, weekday: int) -> bool:
        return not self.weekdays or weekday in self.weekdays

    def unpaid_minutes(self, rules: list[BreakRule] | None = None) -> int:
        rules = rules if rules is not None else list(self.break_rules.all())
        return sum(rule.duration_minutes for rule in rules if not rule.is_paid)

    def length_minutes(self, rules: list[BreakRule] | None = None) -> int:
        """Start to end, unpaid breaks included."""
        return self.paid_minutes + self.unpaid_minutes(rules)


class BreakRule(models.Model):
    """A break a template's shifts take: its length and the window, from the shift start, its start must fall in."""

    template = models.ForeignKey(ShiftTemplate, on_delete=models.CASCADE, related_name="break_rules")
    kind = models.CharField(max_length=8, choices=BreakKind.choices)
    duration_minutes = models.PositiveIntegerField(validators=[MinValueValidator(5), MaxValueValidator(240)])
    earliest_start_minutes = models.PositiveIntegerField(help_text="Earliest start, minutes after the shift start.")
    latest_start_minutes = models.PositiveIntegerField(help_text="Latest start, minutes after the shift start.")
    is_paid = models.BooleanField(default=True, help_text="Paid breaks count towards contracted hours.")

    class Meta:
        ordering = ["template", "earliest_start_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_start_minutes__gte=models.F("earliest_start_minutes")),
                name="breakrule_window_not_reversed",
            )
        ]

    def __str__(self) -> str:
        earliest, latest = self.earliest_start_minutes / 60, self.latest_start_minutes / 60
        return f"{self.get_kind_display()} {self.duration_minutes} min between {earliest:g} h and {latest:g} h"

    def clean(self) -> None:
        if (
            self.latest_start_minutes is not None
            and self.earliest_start_minutes is not None
            and self.latest_start_minutes < self.earliest_start_minutes
        ):
            raise ValidationError({"latest_start_minutes": "The window ends before it starts."})
        if self.template_id and None not in (self.duration_minutes, self.latest_start_minutes):
            interval = self.template.team.planning_interval_minutes
            for name in ("duration_minutes", "earliest_start_minutes", "latest_start_minutes"):
                if getattr(self, name) % interval:
                    raise ValidationError({name: f"Use a multiple of the team's {interval}-minute interval."})


class AvailabilityQuerySet(AgentOwnedQuerySet["Availability"]):
    """Availability scoped by role: agents their own, managers their teams', admins all."""


class Availability(models.Model):
    """When an agent can work: a weekly window (``weekday``) or a dated exception (``on_date``), in local time.

    Rules for one day: dated working windows (available, preferred, unpreferred) replace the weekday's working
    windows, and shifts must lie within the day's working windows; ``unavailable`` windows (weekly or dated) are
    never worked. An agent who keeps a weekly pattern is unavailable on days it leaves empty; an agent with no
    weekly working windows may work any time not marked unavailable. ``end_time`` 00:00 means midnight at the end
    of the day.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(6)], help_text="0 = Monday … 6 = Sunday."
    )
    on_date = models.DateField(null=True, blank=True, help_text="A one-off exception for this date.")
    start_time = models.TimeField()
    end_time = models.TimeField(help_text="00:00 means the end of the day.")
    kind = models.CharField(max_length=16, choices=AvailabilityKind.choices, default=AvailabilityKind.AVAILABLE)
    note = models.CharField(max_length=200, blank=True)

    objects = AvailabilityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["agent", "on_date", "weekday", "start_time"]
        verbose_name_plural = "availability"
        constraints = [
            models.CheckConstraint(
                condition=(Q(weekday__isnull=False) & Q(on_date__isnull=True))
                | (Q(weekday__isnull=True) & Q(on_date__isnull=False)),
                name="availability_weekday_xor_date",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")) | Q(end_time=time(0, 0)),
                name="availability_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        when = (
            self.on_date.isoformat()
            if self.on_date
            else ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self.weekday or 0]
        )
        return f"{self.agent}: {when} {self.start_time:%H:%M}-{self.end_time:%H:%M} {self.get_kind_display()}"

    def clean(self) -> None:
        if (self.weekday is None) == (self.on_date is None):
            raise ValidationError({"weekday": "Give either a weekday or a date, not both."})
        if None not in (self.start_time, self.end_time) and time(0, 0) != self.end_time <= self.start_time:
            raise ValidationError({"end_time": "The window ends before it starts."})

    @property
    def end_minutes(self) -> int:
        return 24 * 60 if self.end_time == time(0, 0) else self.end_time.hour * 60 + self.end_time.minute

    @property
    def start_minutes(self) -> int:
        return self.start_time.hour * 60 + self.start_time.minute


class TimeOffQuerySet(AgentOwnedQuerySet["TimeOffRequest"]):
    """Time off scoped by role: agents their own, managers their teams', admins all."""

    def decidable_by(self, user: Any) -> TimeOffQuerySet:
        """Requests the user may approve or decline: any for admins, their teams' for managers."""
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(agent__team_id__in=_managed_team_ids(user))


class TimeOffRequest(models.Model):
    """A request to be away from ``starts_at`` to ``ends_at`` (UTC; whole or partial days), decided by a manager.

    ``overlaps_published_shift`` flags, for the manager, a request that falls on shifts already published.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="time_off_requests")
    kind = models.CharField(max_length=16, choices=TimeOffKind.choices, default=TimeOffKind.VACATION)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    overlaps_published_shift = models.BooleanField(default=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    objects = TimeOffQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = "time-off request"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="timeoff_ends_after_start")
        ]
        indexes = [models.Index(fields=["agent", "starts_at"], name="timeoff_agent_start")]

    def __str__(self) -> str:
        return f"{self.agent}: {self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M} UTC ({self.status})"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The time off ends before it starts."})


class ScheduleQuerySet(models.QuerySet["Schedule"]):
    """Schedules scoped by role.

    Admins: all. Managers: their teams' (drafts too). Agents and QA reviewers: published schedules of their own
    team (agents) or of the teams they review.
    """

    def visible_to(self, user: Any) -> ScheduleQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        published_teams = Q(team_id__in=_agent_team_ids(user)) | Q(team__qa_reviewers=user)
        return self.filter(Q(team_id__in=_managed_team_ids(user)) | (published_teams & Q(version__gt=0))).distinct()

    def editable_by(self, user: Any) -> ScheduleQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(team_id__in=_managed_team_ids(user))


class Schedule(models.Model):
    """One team's week of shifts (``week_start`` is the local Monday): drafted, published, republished.

    ``version`` counts publications (0: never published). ``has_unpublished_changes`` is set when a published
    schedule is edited and cleared on publishing. Agents only ever see what was last published: the snapshot
    in the latest :class:`ScheduleVersion`, which is also the live shifts when nothing is pending.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="schedules")
    week_start = models.DateField(help_text="Monday of the week, in the team's zone.")
    status = models.CharField(max_length=16, choices=ScheduleStatus.choices, default=ScheduleStatus.DRAFT)
    version = models.PositiveIntegerField(default=0, help_text="Number of the latest publication; 0: never.")
    has_unpublished_changes = models.BooleanField(default=False)
    generation_report = models.JSONField(null=True, blank=True, help_text="The optimizer's last report.")
    generation_job = models.ForeignKey(
        "supportops.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScheduleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-week_start", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "week_start"], name="schedule_unique_team_week"),
            models.CheckConstraint(condition=Q(version__gte=0), name="schedule_version_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.team} week of {self.week_start:%Y-%m-%d}"

    def clean(self) -> None:
        if self.week_start and self.week_start.weekday() != 0:
            raise ValidationError({"week_start": "A schedule week starts on a Monday."})

    @property
    def iso_week(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def is_published(self) -> bool:
        return self.version > 0

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


class ScheduleVersion(models.Model):
    """One publication of a schedule: a snapshot of its shifts and what changed since the previous one.

    ``shifts`` is a list of ``{"id", "agent_id", "agent", "starts_at", "ends_at", "queue", "activities": [...]}``
    (ISO UTC times); ``changes`` a list of ``{"agent_id", "agent", "text"}`` lines, empty for the first version.
    """

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(default=Now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    shifts = models.JSONField(default=list)
    changes = models.JSONField(default=list)
    notified_agent_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["schedule", "-number"]
        constraints = [models.UniqueConstraint(fields=["schedule", "number"], name="scheduleversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.schedule} v{self.number}"


class ShiftQuerySet(models.QuerySet["Shift"]):
    """Shifts scoped by role: managers their teams' (drafts too); agents and reviewers published teams' shifts."""

    def visible_to(self, user: Any) -> ShiftQuerySet:
        return self.filter(schedule__in=Schedule.objects.visible_to(user).values("pk"))

    def editable_by(self, user: Any) -> ShiftQuerySet:
        return self.filter(schedule__in=Schedule.objects.editable_by(user).values("pk"))

    def overlapping(self, starts_at: datetime, ends_at: datetime) -> ShiftQuerySet:
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class Shift(models.Model):
    """One agent working from ``starts_at`` to ``ends_at`` (UTC), in one team's weekly schedule.

    Its activities (on queue, breaks, training, …) tile parts of it; time not covered by an activity is on
    queue for ``queue``. An agent never has two overlapping shifts: PostgreSQL enforces it with an exclusion
    constraint, and the services check it in Python on every database.
    """

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="shifts")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    queue = models.ForeignKey(
        Queue, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Queue worked."
    )
    template = models.ForeignKey(ShiftTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="shifts")
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShiftQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "agent"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
            PostgresExclusionConstraint(
                name="shift_no_overlap_per_agent",
                # Checked at once, but a trade of two shifts defers it to the end of its transaction.
                deferrable=models.Deferrable.IMMEDIATE,
                violation_error_message="The agent already has a shift at that time.",
                expressions=[
                    ("agent", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
            ),
        ]
        indexes = [models.Index(fields=["agent", "starts_at"], name="shift_agent_start")]

    def __str__(self) -> str:
        return f"{self.agent}: {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M} UTC"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The shift ends before it starts."})

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


class ShiftActivity(models.Model):
    """A part of a shift spent on one thing: a break, lunch, training, meeting, coaching or a named queue."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    queue = models.ForeignKey(Queue, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    title = models.CharField(max_length=200, blank=True)
    is_paid = models.BooleanField(default=True)

    class Meta:
        ordering = ["shift", "starts_at"]
        verbose_name_plural = "shift activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shiftactivity_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M} UTC"


class BookedActivityQuerySet(AgentOwnedQuerySet["BookedActivity"]):
    """Booked activities scoped like availability: agents their own, managers their teams', admins all."""


class BookedActivity(models.Model):
    """A fixed off-queue appointment (training, a 1:1, a meeting) booked for an agent before shifts are planned.

    Generation never puts a shift across part of it: a shift either contains it (it becomes an activity of that
    shift, off queue) or stays clear of it.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="booked_activities")
    kind = models.CharField(
        max_length=16,
        choices=FIXED_KIND_CHOICES,
        default=ActivityKind.TRAINING,
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    source = models.CharField(max_length=32, blank=True, help_text="What booked it, e.g. onboarding.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BookedActivityQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "booked activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="bookedactivity_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent}: {self.title} {self.starts_at:%Y-%m-%d %H:%M} UTC"


class ShiftSwapQuerySet(models.QuerySet["ShiftSwap"]):
    """Swaps scoped by role: the two agents involved, their teams' managers, admins."""

    def visible_to(self, user: Any) -> ShiftSwapQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(
            Q(requester__user=user) | Q(peer__user=user) | Q(requester__team_id__in=_managed_team_ids(user))
        )

    def decidable_by(self, user: Any) -> ShiftSwapQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(requester__team_id__in=_managed_team_ids(user))


class ShiftSwap(models.Model):
    """An agent offers their ``shift`` to a ``peer``, in exchange for ``peer_shift`` (a trade) or not (a give-away).

    The peer accepts or refuses; a manager then approves (every hard rule is checked again) or rejects.
    """

    requester = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="swaps_requested")
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps_offered")
    peer = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="swaps_received")
    peer_shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, null=True, blank=True, related_name="swaps_asked_for"
    )
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=SwapStatus.choices, default=SwapStatus.PROPOSED)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    objects = ShiftSwapQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(requester=models.F("peer")), name="shiftswap_not_with_oneself")
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.peer}: {self.get_status_display()}"


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedQuerySet(models.QuerySet["CalendarFeed"]):
    """Feeds belong to the user who made them; only active ones are served."""

    def active(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A private iCalendar URL: one agent's published shifts, or (for a manager) a whole team's.

    The token in the URL is the only credential; revoking sets ``revoked_at`` and the URL answers 404.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds")
    token = models.CharField(max_length=64, unique=True, default=_new_feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(agent__isnull=False) & Q(team__isnull=True))
                | (Q(agent__isnull=True) & Q(team__isnull=False)),
                name="calendarfeed_agent_xor_team",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar of {self.agent or self.team}"


class AgentStateEventQuerySet(AgentOwnedQuerySet["AgentStateEvent"]):
    """State events scoped by role: agents their own, managers their teams', admins all."""


class AgentStateEvent(models.Model):
    """An agent entered ``state`` at ``occurred_at`` (UTC) and stayed in it until their next event."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="state_events")
    state = models.CharField(max_length=16, choices=AgentState.choices)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=16, default="api", help_text="api or csv.")
    received_at = models.DateTimeField(auto_now_add=True)

    objects = AgentStateEventQuerySet.as_manager()

    class Meta:
        ordering = ["agent", "occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "occurred_at"], name="agentstateevent_unique_agent_instant")
        ]

    def __str__(self) -> str:
        return f"{self.agent}: {self.state} at {self.occurred_at:%Y-%m-%d %H:%M:%S} UTC"


class AdherenceDayQuerySet(AgentOwnedQuerySet["AdherenceDay"]):
    """Recorded adherence days scoped by role: agents their own, managers their teams', admins all."""


class AdherenceDay(models.Model):
    """One agent's local day against their published shifts, recorded once the day is over.

    Written by ``scheduling.services.adherence_days_record`` (a periodic task recomputes the last few days, so
    late state events and schedule changes are taken in); KPIs of a team, market or queue sum these rows instead
    of replaying every agent's state events. Only agents whose state is tracked (at least one state event by the
    day's end) have rows: an untracked agent has no adherence rather than 0 %.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="adherence_days")
    date = models.DateField(help_text="The agent's local day (their time zone) on which the shifts start.")
    day_starts_at = models.DateTimeField(help_text="Local midnight of that day, in UTC.")
    scheduled_minutes = models.FloatField()
    adherent_minutes = models.FloatField()
    present_minutes = models.FloatField()
    exceptions = models.PositiveIntegerField(default=0, help_text="Late starts, early leaves, long breaks, …")
    recorded_at = models.DateTimeField(auto_now=True)

    objects = AdherenceDayQuerySet.as_manager()

    class Meta:
        ordering = ["agent", "date"]
        constraints = [models.UniqueConstraint(fields=["agent", "date"], name="adherenceday_unique_agent_date")]
        indexes = [models.Index(fields=["agent", "day_starts_at"], name="adherenceday_agent_start")]

    def __str__(self) -> str:
        return f"{self.agent} {self.date}: {self.adherent_minutes:.0f}/{self.scheduled_minutes:.0f} min"

    @property
    def adherence_percent(self) -> float | None:
        if not self.scheduled_minutes:
            return None
        return round(100 * self.adherent_minutes / self.scheduled_minutes, 2)
