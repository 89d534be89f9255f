"""Capacity data: offered volume and handle time per queue and interval (the history forecasts learn from)."""

from __future__ import annotations

from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from supportops import access
from supportops.choices import PLANNING_INTERVAL_CHOICES
from supportops.models import Queue, Team


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
