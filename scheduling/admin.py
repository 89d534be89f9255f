"""Django admin of scheduling: volume history, staffing settings, forecasts and their scenarios, agents' requests."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib import messages as django_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import AdminRoleAccessMixin, ReadOnlyMixin

from . import (
    admin_shifts,  # noqa: F401  (registers the shift-planning admin)
    services,
)
from .models import (
    AdherenceDay,
    AgentStateEvent,
    Availability,
    BookedActivity,
    CalendarFeed,
    Forecast,
    ForecastAdjustment,
    ForecastInterval,
    IntervalVolume,
    Scenario,
    ShiftSwap,
    StaffingSettings,
    TimeOffRequest,
)


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


# --- agents' requests: availability, time off, swaps, booked activities ----------------------------------------


class _ServiceCheckedForm(forms.ModelForm):
    """A model form that also runs the service's cross-object check (overlaps), so the admin cannot store what
    the API would refuse."""

    check: Any = None

    def _post_clean(self) -> None:  # after the model's own validation has filled ``instance``
        super()._post_clean()  # type: ignore[misc]  # ModelForm's hook, missing from the stubs
        if not self.errors and self.check is not None:
            try:
                type(self).check(self.instance)
            except ValidationError as error:
                self.add_error(None, error)


class AvailabilityAdminForm(_ServiceCheckedForm):
    """Availability windows may not overlap on one weekday or date."""

    check = staticmethod(services.availability_check)

    class Meta:
        model = Availability
        fields = ["agent", "weekday", "on_date", "start_time", "end_time", "kind", "note"]


@admin.register(Availability)
class AvailabilityAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Agents' weekly windows and dated exceptions, local times."""

    form = AvailabilityAdminForm
    list_display = ["agent", "weekday", "on_date", "start_time", "end_time", "kind", "note"]
    list_filter = ["kind", "weekday", "agent__team"]
    list_select_related = ["agent__user"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name"]
    raw_id_fields = ["agent"]


def _decide_each(modeladmin: admin.ModelAdmin[Any], request: HttpRequest, items: Any, decide: Any, verb: str) -> None:
    done, refused = 0, []
    for item in items:
        try:
            decide(item)
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            refused.append(f"{item}: {' '.join(messages)}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{done} {verb}.", level=django_messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, level=django_messages.ERROR)


@admin.register(TimeOffRequest)
class TimeOffRequestAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Time-off requests, read-only: decided with the actions (the agent is e-mailed) or through the API."""

    list_display = ["agent", "kind", "starts_at", "ends_at", "status", "overlaps_published_shift", "decided_by"]
    list_filter = ["status", "kind", "overlaps_published_shift", "agent__team"]
    list_select_related = ["agent__user", "decided_by"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name", "reason"]
    date_hierarchy = "starts_at"
    actions = ["approve_selected", "decline_selected"]
    readonly_fields = [
        "agent",
        "kind",
        "starts_at",
        "ends_at",
        "reason",
        "status",
        "overlaps_published_shift",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requested by agents (or entered by managers) through the pages or the API

    @admin.action(description="Approve the selected pending requests")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[TimeOffRequest]) -> None:
        items = queryset.select_related("agent__user", "agent__team")
        _decide_each(
            self, request, items, lambda item: services.time_off_approve(request=item, user=request.user), "approved"
        )

    @admin.action(description="Decline the selected pending requests")
    def decline_selected(self, request: HttpRequest, queryset: QuerySet[TimeOffRequest]) -> None:
        items = queryset.select_related("agent__user", "agent__team")
        _decide_each(
            self, request, items, lambda item: services.time_off_decline(request=item, user=request.user), "declined"
        )


@admin.register(ShiftSwap)
class ShiftSwapAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Shift swaps and their history, read-only: they move through the pages or the API, which check the rules."""

    list_display = ["requester", "peer", "shift", "peer_shift", "status", "created_at", "decided_by"]
    list_filter = ["status", "requester__team"]
    list_select_related = [
        "requester__user",
        "peer__user",
        "shift__agent__user",
        "peer_shift__agent__user",
        "decided_by",
    ]
    search_fields = ["requester__user__username", "peer__user__username", "message"]
    date_hierarchy = "created_at"


class BookedActivityAdminForm(_ServiceCheckedForm):
    """Bookings may not overlap another booking of the agent or their approved time off."""

    check = staticmethod(services.booked_activity_check)

    class Meta:
        model = BookedActivity
        fields = ["agent", "kind", "title", "starts_at", "ends_at", "source"]


@admin.register(BookedActivity)
class BookedActivityAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Fixed off-queue appointments (training, meetings, coaching) booked for agents outside schedules."""

    form = BookedActivityAdminForm
    list_display = ["agent", "kind", "title", "starts_at", "ends_at", "source", "created_by"]
    list_filter = ["kind", "source", "agent__team"]
    list_select_related = ["agent__user", "created_by"]
    search_fields = ["title", "agent__user__username", "agent__user__first_name", "agent__user__last_name"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["agent"]

    def save_model(self, request: HttpRequest, obj: BookedActivity, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]  # the admin is signed in
        super().save_model(request, obj, form, change)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Private calendar URLs: whose calendar, who holds it, whether it was revoked. The token is never shown;
    revoke a leaked URL here (its owner makes a new one on their schedule page or through the API)."""

    list_display = ["__str__", "owner", "agent", "team", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "team"]
    list_select_related = ["owner", "agent__user", "team"]
    search_fields = ["owner__username", "agent__user__username", "agent__user__last_name", "team__name"]
    date_hierarchy = "created_at"
    fields = ["owner", "agent", "team", "created_at", "revoked_at"]
    readonly_fields = ["owner", "agent", "team", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # created through the API or the schedule page, which check who may hold which calendar

    @admin.action(description="Revoke the selected feeds")
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        feeds = list(queryset.filter(revoked_at__isnull=True))
        for feed in feeds:
            services.calendar_feed_revoke(feed=feed, user=request.user)
        self.message_user(request, f"Revoked {len(feeds)} feed(s).", django_messages.SUCCESS)


@admin.register(AgentStateEvent)
class AgentStateEventAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Agent states as pushed by the helpdesk or telephony (API or CSV): read here, deleted to undo a bad push."""

    list_display = ["agent", "state", "occurred_at", "source", "received_at"]
    list_filter = ["state", "source", "agent__team"]
    list_select_related = ["agent__user"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name"]
    date_hierarchy = "occurred_at"
    fields = ["agent", "state", "occurred_at", "source", "received_at"]
    readonly_fields = ["agent", "state", "occurred_at", "source", "received_at"]
    ordering = ["-occurred_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # pushed through the API, which checks every row

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AdherenceDay)
class AdherenceDayAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Adherence per agent and local day as recorded by the periodic task (``record_adherence`` backfills): read
    here; recomputed from the shifts and state events, never edited."""

    list_display = ["agent", "date", "scheduled_minutes", "adherent_minutes", "adherence", "exceptions", "recorded_at"]
    list_filter = ["agent__team", "date"]
    list_select_related = ["agent__user"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name"]
    date_hierarchy = "date"
    fields = readonly_fields = (
        "agent", "date", "day_starts_at", "scheduled_minutes", "adherent_minutes", "present_minutes", "exceptions",
        "recorded_at",
    )  # fmt: skip
    ordering = ["-date", "agent"]

    @admin.display(description="Adherence %")
    def adherence(self, obj: AdherenceDay) -> str:
        percent = obj.adherence_percent
        return "–" if percent is None else f"{percent:.1f}"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
