"""Capacity data: offered volume and handle time per queue and interval (the history forecasts learn from)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from supportops import access
from supportops.choices import PLANNING_INTERVAL_CHOICES, AgentStatus
from supportops.models import Job, Queue, Team


class VolumeSource(models.TextChoices):
    """Where an interval's figures came from."""

    CONVERSATIONS = "conversations", "Built from conversations"
    CSV = "csv", "CSV import"


def queues_planned_by(user: Any) -> models.QuerySet[Queue]:
    """Queues whose capacity data the user may see: all for admins, their teams' queues for managers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Queue.objects.none()
    if access.is_admin(user):
        return Queue.objects.all()
    if access.is_manager(user):
        return Queue.objects.filter(teams__in=Team.objects.filter(managers=user)).distinct()
    return Queue.objects.none()


class IntervalVolumeQuerySet(models.QuerySet["IntervalVolume"]):
    """Volume history scoped by role: capacity data is for admins and the managers of a queue's teams."""

    def visible_to(self, user: Any) -> IntervalVolumeQuerySet:
        """Admins: all. Managers: queues staffed by a team they manage. QA reviewers and agents: nothing."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        if access.is_manager(user):
            return self.filter(queue_id__in=queues_planned_by(user).values("pk"))
        return self.none()


class IntervalVolume(models.Model):
    """Offered contacts and their average handle time in one planning interval of one queue.

    ``interval_start`` is the UTC instant the interval begins; intervals follow the queue's planning
    grid (its teams' 15- or 30-minute interval, in local wall-clock time of the queue's zone), so a
    DST day has 23 or 25 hours of them. ``volume`` is a count of contacts (decimals allowed for
    imported averages); ``aht_seconds`` is empty when nothing was handled.
    """

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="interval_volumes")
    interval_start = models.DateTimeField(help_text="Start of the interval (UTC).")
    interval_minutes = models.PositiveSmallIntegerField(
        choices=PLANNING_INTERVAL_CHOICES, help_text="Length of the interval, in minutes."
    )
    volume = models.FloatField(validators=[MinValueValidator(0)], help_text="Offered contacts in the interval.")
    aht_seconds = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0)], help_text="Average handle time, in seconds."
    )
    source = models.CharField(max_length=16, choices=VolumeSource.choices)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntervalVolumeQuerySet.as_manager()

    class Meta:
        ordering = ["queue", "interval_start"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "interval_start"], name="intervalvolume_unique_queue_start"),
            models.CheckConstraint(condition=Q(volume__gte=0), name="intervalvolume_volume_not_negative"),
            models.CheckConstraint(
                condition=Q(aht_seconds__isnull=True) | Q(aht_seconds__gte=0), name="intervalvolume_aht_not_negative"
            ),
            models.CheckConstraint(condition=Q(interval_minutes__in=[15, 30]), name="intervalvolume_interval_15_or_30"),
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.interval_start:%Y-%m-%d %H:%M} UTC: {self.volume:g}"


class StaffingSettings(models.Model):
    """How a team turns workload into heads: itemised shrinkage and the highest occupancy it accepts.

    Shrinkage items are fractions of paid time lost off-queue (0.05 = 5 %); their sum must stay
    below 1. Required agents = ceil(raw agents / (1 − total shrinkage)).
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="staffing_settings")
    breaks = models.FloatField(default=0.08, validators=[MinValueValidator(0), MaxValueValidator(0.9)])
    meetings = models.FloatField(default=0.03, validators=[MinValueValidator(0), MaxValueValidator(0.9)])
    training = models.FloatField(default=0.03, validators=[MinValueValidator(0), MaxValueValidator(0.9)])
    time_off = models.FloatField(default=0.08, validators=[MinValueValidator(0), MaxValueValidator(0.9)])
    sickness = models.FloatField(default=0.03, validators=[MinValueValidator(0), MaxValueValidator(0.9)])
    other = models.FloatField(default=0.02, validators=[MinValueValidator(0), MaxValueValidator(0.9)])
    max_occupancy = models.FloatField(
        default=0.85,
        validators=[MinValueValidator(0.01), MaxValueValidator(1)],
        help_text="Highest share of logged-in time an agent should spend handling contacts (0-1].",
    )
    onboarding_productivity = models.FloatField(
        default=0.25,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of a fully productive agent an agent in onboarding counts for on queue (0-1).",
    )
    nesting_productivity = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of a fully productive agent an agent in nesting counts for on queue (0-1).",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "staffing settings"

    def __str__(self) -> str:
        return f"Staffing settings of {self.team}"

    def productivity_of(self, status: str) -> float:
        """How much of a fully productive agent an agent with this lifecycle status counts for on queue."""
        if status == AgentStatus.ONBOARDING:
            return self.onboarding_productivity
        if status == AgentStatus.NESTING:
            return self.nesting_productivity
        return 1.0

    @property
    def total_shrinkage(self) -> float:
        """Sum of the shrinkage items, 0 to < 1."""
        # Rounded so that 0.08 + 0.03 + ... reads 0.29, not 0.29000000000000004.
        return round(self.breaks + self.meetings + self.training + self.time_off + self.sickness + self.other, 6)

    def clean(self) -> None:
        if self.total_shrinkage >= 1:
            raise ValidationError(
                {"other": f"Shrinkage items add up to {self.total_shrinkage * 100:g} %; keep them below 100 %."}
            )


class ForecastQuerySet(models.QuerySet["Forecast"]):
    """Forecasts scoped by role, like the volume history they come from."""

    def visible_to(self, user: Any) -> ForecastQuerySet:
        """Admins: all. Managers: forecasts of queues their teams staff. Others: nothing."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(queue_id__in=queues_planned_by(user).values("pk"))


class Forecast(models.Model):
    """One forecast version of a queue: volume, AHT and required agents per interval, with its accuracy.

    The statistical forecast is stored as computed; manual adjustments (``ForecastAdjustment``) are
    kept apart and multiply it (``ForecastInterval.adjusted_volume``). ``scores`` lists every
    method's backtest (MASE, WAPE as a fraction) and ``baseline_*`` the weekly seasonal naive's.
    """

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="forecasts")
    name = models.CharField(max_length=120, blank=True)
    requested_method = models.CharField(max_length=32, default="auto")
    method = models.CharField(max_length=32, blank=True, help_text="The method that produced the forecast.")
    interval_minutes = models.PositiveSmallIntegerField(choices=PLANNING_INTERVAL_CHOICES)
    zone_name = models.CharField(max_length=64, help_text="IANA zone of the queue's planning grid.")
    horizon_start = models.DateTimeField(null=True, blank=True, help_text="First forecast interval (UTC).")
    horizon_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(56)])
    history_start = models.DateTimeField(null=True, blank=True)
    history_end = models.DateTimeField(null=True, blank=True)
    mase = models.FloatField(null=True, blank=True, help_text="Backtest MASE of the chosen method.")
    wape = models.FloatField(null=True, blank=True, help_text="Backtest WAPE of the chosen method (fraction).")
    baseline_mase = models.FloatField(null=True, blank=True)
    baseline_wape = models.FloatField(null=True, blank=True)
    scores = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ForecastQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["scores", "notes"])

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name or f"{self.queue} forecast #{self.pk}"


class ForecastInterval(models.Model):
    """One interval of a forecast: statistical volume, adjustment, AHT and the agents it requires."""

    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="intervals")
    interval_start = models.DateTimeField(help_text="Start of the interval (UTC).")
    volume = models.FloatField(validators=[MinValueValidator(0)], help_text="Statistical forecast, contacts.")
    adjustment_factor = models.FloatField(default=1.0, validators=[MinValueValidator(0)])
    aht_seconds = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    required_agents = models.PositiveIntegerField(
        null=True, blank=True, help_text="Agents needed on the queue, after shrinkage."
    )
    required_on_queue = models.PositiveIntegerField(
        null=True, blank=True, help_text="Agents needed on the queue itself, before shrinkage (what shifts must cover)."
    )
    required_fte = models.FloatField(null=True, blank=True, help_text="Workload in FTE before rounding and shrinkage.")

    class Meta:
        ordering = ["forecast", "interval_start"]
        constraints = [
            models.UniqueConstraint(fields=["forecast", "interval_start"], name="forecastinterval_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.interval_start:%Y-%m-%d %H:%M} UTC: {self.adjusted_volume:.1f}"

    @property
    def adjusted_volume(self) -> float:
        """The volume planned for: the statistical forecast times the manual adjustments."""
        return self.volume * self.adjustment_factor


class ForecastAdjustment(models.Model):
    """A manual change to a forecast over a time range (e.g. +20 % on a launch day), kept apart from it."""

    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="adjustments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    factor = models.FloatField(
        validators=[MinValueValidator(0), MaxValueValidator(10)], help_text="Multiplier: 1.2 is +20 %."
    )
    reason = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["forecast", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="forecastadjustment_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"×{self.factor:g} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}: {self.reason}"


class Scenario(models.Model):
    """A named what-if on a forecast (changed volume, AHT, target, shrinkage...), saved to compare side by side.

    ``required_agents`` holds the agents per interval in the forecast's interval order;
    ``agent_hours`` is their sum times the interval length in hours.
    """

    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=120)
    changes = models.JSONField(default=dict, help_text='The what-if changes, e.g. {"volume_percent": 20}.')
    required_agents = models.JSONField(default=list)
    agent_hours = models.FloatField()
    baseline_agent_hours = models.FloatField()
    peak_required_agents = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["forecast", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["forecast", "name"], name="scenario_unique_name_per_forecast")]

    def __str__(self) -> str:
        return f"{self.name} ({self.forecast})"
