"""django-filter FilterSets of scheduling."""

from __future__ import annotations

import django_filters

from supportops.filtersets import AwareIsoDateTimeFilter, IntegerFilter

from .models import Forecast, IntervalVolume, VolumeSource


class IntervalVolumeFilterSet(django_filters.FilterSet):
    """Volume history by queue and time range: ``start`` inclusive, ``end`` exclusive (ISO 8601 with offset)."""

    queue_id = IntegerFilter(field_name="queue_id", label="Queue id")
    start = AwareIsoDateTimeFilter(field_name="interval_start", lookup_expr="gte", label="From (inclusive)")
    end = AwareIsoDateTimeFilter(field_name="interval_start", lookup_expr="lt", label="Until (exclusive)")
    source = django_filters.ChoiceFilter(choices=VolumeSource.choices)

    class Meta:
        model = IntervalVolume
        fields = ["queue_id", "start", "end", "source"]


class ForecastFilterSet(django_filters.FilterSet):
    """Forecasts by queue and method."""

    queue_id = IntegerFilter(field_name="queue_id", label="Queue id")
    method = django_filters.CharFilter(field_name="method")

    class Meta:
        model = Forecast
        fields = ["queue_id", "method"]
