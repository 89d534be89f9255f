"""Serializers of the capacity API."""

from __future__ import annotations

from rest_framework import serializers

from scheduling.models import IntervalVolume


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
