"""Serializers of the capacity API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from scheduling.models import Forecast, ForecastAdjustment, ForecastInterval, IntervalVolume, StaffingSettings


class IntervalVolumeSerializer(serializers.ModelSerializer):
    """Offered volume and AHT of one interval of one queue (``interval_start`` in UTC)."""

    queue_id = serializers.IntegerField(read_only=True)
    queue_name = serializers.CharField(source="queue.name", read_only=True)

    class Meta:
        model = IntervalVolume
        fields = [
            "id",
            "queue_id",
            "queue_name",
            "interval_start",
            "interval_minutes",
            "volume",
            "aht_seconds",
            "source",
            "updated_at",
        ]
        read_only_fields = fields


class VolumeBuildRequestSerializer(serializers.Serializer):
    """Which queue and local days to (re)build from conversations."""

    queue_id = serializers.IntegerField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()


class VolumeBuildResultSerializer(serializers.Serializer):
    """What a build wrote."""

    queue_id = serializers.IntegerField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    intervals = serializers.IntegerField()
    contacts = serializers.IntegerField()
    kept_imported = serializers.IntegerField(help_text="Intervals left as a CSV import stored them.")


class VolumeImportRequestSerializer(serializers.Serializer):
    """A CSV file with the columns interval_start,queue,volume,aht_seconds."""

    file = serializers.FileField()


class VolumeImportResultSerializer(serializers.Serializer):
    """What an import stored."""

    rows = serializers.IntegerField()
    queues = serializers.IntegerField()
    first_interval = serializers.DateTimeField()
    last_interval = serializers.DateTimeField()


class ForecastRequestSerializer(serializers.Serializer):
    """Which queue to forecast, how far ahead (1-56 days) and with which method (``auto`` chooses by backtest)."""

    queue_id = serializers.IntegerField()
    horizon_days = serializers.IntegerField(min_value=1, max_value=56)
    method = serializers.CharField(default="auto")
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class ForecastAdjustmentSerializer(serializers.ModelSerializer):
    """A manual multiplier over a time range, kept apart from the statistical forecast."""

    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = ForecastAdjustment
        fields = ["id", "start", "end", "factor", "reason", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]


class ForecastSerializer(serializers.ModelSerializer):
    """A forecast version with its accuracy (MASE; WAPE as a fraction) and the baseline's, and its job."""

    queue_id = serializers.IntegerField(read_only=True)
    queue_name = serializers.CharField(source="queue.name", read_only=True)
    job_id = serializers.IntegerField(read_only=True, allow_null=True)
    status = serializers.CharField(source="job.status", read_only=True, allow_null=True)
    progress = serializers.FloatField(source="job.progress", read_only=True, allow_null=True)
    error = serializers.CharField(source="job.error", read_only=True, allow_null=True)
    adjustments = ForecastAdjustmentSerializer(many=True, read_only=True)

    class Meta:
        model = Forecast
        fields = [
            "id",
            "name",
            "queue_id",
            "queue_name",
            "requested_method",
            "method",
            "interval_minutes",
            "zone_name",
            "horizon_start",
            "horizon_days",
            "history_start",
            "history_end",
            "mase",
            "wape",
            "baseline_mase",
            "baseline_wape",
            "scores",
            "notes",
            "job_id",
            "status",
            "progress",
            "error",
            "adjustments",
            "created_at",
        ]
        read_only_fields = fields


class ForecastIntervalSerializer(serializers.ModelSerializer):
    """One forecast interval: statistical and adjusted volume, AHT, required agents (after shrinkage)."""

    adjusted_volume = serializers.FloatField(read_only=True)

    class Meta:
        model = ForecastInterval
        fields = [
            "interval_start",
            "volume",
            "adjustment_factor",
            "adjusted_volume",
            "aht_seconds",
            "required_agents",
            "required_fte",
        ]
        read_only_fields = fields


class WhatIfSerializer(serializers.Serializer):
    """Changes to try on a forecast without saving: each one optional, the forecast's own value otherwise."""

    volume_percent = serializers.FloatField(
        required=False, min_value=-100, max_value=1000, help_text="Change in volume, e.g. 20 for +20 %."
    )
    aht_seconds = serializers.FloatField(required=False, min_value=1, help_text="Replace every interval's AHT.")
    service_level_percent = serializers.FloatField(required=False, min_value=1, max_value=99.9)
    answer_within_seconds = serializers.IntegerField(required=False, min_value=0)
    shrinkage = serializers.FloatField(required=False, min_value=0, max_value=0.95, help_text="Total, 0-0.95.")
    max_occupancy = serializers.FloatField(required=False, min_value=0.05, max_value=1)
    concurrency = serializers.IntegerField(required=False, min_value=1, max_value=10)


class WhatIfResultSerializer(serializers.Serializer):
    """Required agents per interval under the changes, beside the forecast's own."""

    interval_start = serializers.ListField(child=serializers.DateTimeField())
    required_agents = serializers.ListField(child=serializers.IntegerField())
    baseline_required_agents = serializers.ListField(child=serializers.IntegerField())
    agent_hours = serializers.FloatField()
    baseline_agent_hours = serializers.FloatField()


class ScenarioRequestSerializer(WhatIfSerializer):
    """A what-if to keep under a name."""

    name = serializers.CharField(max_length=120)


class ScenarioColumnSerializer(serializers.Serializer):
    """One column of the side-by-side comparison (the forecast itself comes first)."""

    name = serializers.CharField()
    changes = serializers.DictField()
    agent_hours = serializers.FloatField()
    agent_hours_change = serializers.FloatField(help_text="Against the forecast's own requirement.")
    peak_required_agents = serializers.IntegerField()
    agent_hours_by_day = serializers.SerializerMethodField()

    def get_agent_hours_by_day(self, column: Any) -> dict[str, float]:
        return {day.isoformat(): hours for day, hours in sorted(column.agent_hours_by_day.items())}


class StaffingSettingsSerializer(serializers.ModelSerializer):
    """A team's shrinkage items (fractions of paid time), maximum occupancy, and the share of a fully productive
    agent that agents in onboarding and nesting count for on queue."""

    team_id = serializers.IntegerField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    total_shrinkage = serializers.FloatField(read_only=True)

    class Meta:
        model = StaffingSettings
        fields = [
            "id",
            "team_id",
            "team_name",
            "breaks",
            "meetings",
            "training",
            "time_off",
            "sickness",
            "other",
            "total_shrinkage",
            "max_occupancy",
            "onboarding_productivity",
            "nesting_productivity",
        ]
        read_only_fields = ["id", "team_id", "team_name", "total_shrinkage"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = StaffingSettings(**{**self._current(), **attrs})
        try:
            candidate.full_clean(exclude=["team"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return attrs

    def _current(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        names = (
            "breaks",
            "meetings",
            "training",
            "time_off",
            "sickness",
            "other",
            "max_occupancy",
            "onboarding_productivity",
            "nesting_productivity",
        )
        return {name: getattr(self.instance, name) for name in names}
