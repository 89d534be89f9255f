"""Django admin of scheduling: volume history, staffing settings, forecasts and their scenarios."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import AdminRoleAccessMixin, ReadOnlyMixin

from .models import Forecast, ForecastAdjustment, ForecastInterval, IntervalVolume, Scenario, StaffingSettings


@admin.register(IntervalVolume)
class IntervalVolumeAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Offered volume and AHT per interval; built from conversations or imported from CSV."""

    list_display = ["queue", "interval_start", "interval_minutes", "volume", "aht_seconds", "source", "updated_at"]
    list_filter = ["source", "interval_minutes", "queue__channel", "queue"]
    list_select_related = ["queue"]
    search_fields = ["queue__name"]
    date_hierarchy = "interval_start"
    raw_id_fields = ["queue"]
    ordering = ["-interval_start", "queue"]


@admin.register(StaffingSettings)
class StaffingSettingsAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Per-team shrinkage items and maximum occupancy used to turn workload into heads."""

    list_display = ["team", "total", "breaks", "meetings", "training", "time_off", "sickness", "other", "max_occupancy"]
    list_select_related = ["team"]
    search_fields = ["team__name"]
    autocomplete_fields = ["team"]

    @admin.display(description="Total shrinkage")
    def total(self, settings: StaffingSettings) -> str:
        return f"{settings.total_shrinkage:.0%}"


class ForecastAdjustmentInline(AdminRoleAccessMixin, admin.TabularInline):
    """Manual multipliers kept apart from the statistical forecast."""

    model = ForecastAdjustment
    extra = 0
    fields = ["start", "end", "factor", "reason", "created_by", "created_at"]
    readonly_fields = ["start", "end", "factor", "reason", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # added through the API or the capacity page, which recompute the requirements


@admin.register(Forecast)
class ForecastAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Forecast versions with their accuracy; intervals are read through the API and the capacity page."""

    list_display = [
        "__str__",
        "queue",
        "method",
        "horizon_start",
        "horizon_days",
        "wape",
        "baseline_wape",
        "created_at",
    ]
    list_filter = ["method", "queue"]
    list_select_related = ["queue"]
    search_fields = ["name", "queue__name"]
    date_hierarchy = "created_at"
    inlines = [ForecastAdjustmentInline]
    readonly_fields = [
        "queue",
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
        "job",
        "created_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # forecasts are requested through the API or the capacity page


@admin.register(Scenario)
class ScenarioAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Named what-ifs of a forecast, read-only: saved and deleted on the capacity page or through the API."""

    list_display = ["forecast", "name", "agent_hours", "peak", "created_by", "created_at"]
    list_filter = ["forecast__queue"]
    list_select_related = ["forecast__queue", "created_by"]
    search_fields = ["name", "forecast__name", "forecast__queue__name"]
    date_hierarchy = "created_at"
    exclude = ["required_agents"]  # one number per interval: read them through the API

    @admin.display(description="Peak agents", ordering="peak_required_agents")
    def peak(self, scenario: Scenario) -> int:
        return scenario.peak_required_agents


@admin.register(ForecastInterval)
class ForecastIntervalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Each forecast interval with its adjusted volume and required agents, for checking a forecast by hand."""

    list_display = [
        "forecast",
        "interval_start",
        "volume",
        "adjustment_factor",
        "aht_seconds",
        "required_agents",
        "required_fte",
    ]
    list_filter = ["forecast__queue"]
    list_select_related = ["forecast__queue"]
    raw_id_fields = ["forecast"]
    date_hierarchy = "interval_start"
    search_fields = ["forecast__name", "forecast__queue__name"]
