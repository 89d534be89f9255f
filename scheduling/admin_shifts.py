"""Django admin of shift planning: team rules, shift templates with their breaks, schedules, versions and shifts."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import AdminRoleAccessMixin, ReadOnlyMixin

from . import services
from .models import BreakRule, Schedule, ScheduleRules, ScheduleVersion, Shift, ShiftActivity, ShiftTemplate


@admin.register(ScheduleRules)
class ScheduleRulesAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Per-team scheduling rules and the optimizer's weights."""

    list_display = [
        "team",
        "min_rest_hours",
        "max_working_days",
        "max_consecutive_days",
        "max_simultaneous_breaks",
        "time_limit_seconds",
    ]
    list_select_related = ["team"]
    search_fields = ["team__name"]
    autocomplete_fields = ["team"]
    fieldsets = [
        (None, {"fields": ["team"]}),
        (
            "Hard rules",
            {"fields": ["min_rest_hours", "max_working_days", "max_consecutive_days", "max_simultaneous_breaks"]},
        ),
        ("Night shifts", {"fields": ["night_starts", "night_ends"]}),
        (
            "Optimizer",
            {
                "fields": [
                    "time_limit_seconds",
                    "weight_under_coverage",
                    "weight_over_coverage",
                    "weight_preference",
                    "weight_fairness",
                    "weight_stability",
                ],
                "description": "Costs per unit of each soft goal: per agent-interval short or over the requirement, "
                "per interval worked against a preference, per night or weekend shift above the fair share, per "
                "day whose start moved from last week.",
            },
        ),
    ]


class BreakRuleInline(AdminRoleAccessMixin, admin.TabularInline):
    """The breaks a template's shifts take, with their windows."""

    model = BreakRule
    extra = 0


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Shift templates per team: start, paid length, weekdays, breaks."""

    list_display = ["name", "team", "start_time", "paid_hours", "weekdays", "is_active"]
    list_filter = ["is_active", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "team__name"]
    autocomplete_fields = ["team"]
    inlines = [BreakRuleInline]

    @admin.display(description="Paid hours")
    def paid_hours(self, template: ShiftTemplate) -> str:
        return f"{template.paid_minutes / 60:g} h"


class ShiftActivityInline(AdminRoleAccessMixin, admin.TabularInline):
    """Breaks and activities inside a shift."""

    model = ShiftActivity
    extra = 0
    raw_id_fields = ["queue"]


@admin.register(Shift)
class ShiftAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Shifts. Changes made here skip the hard-rule checks of the pages and API; the database still refuses a
    double booking on PostgreSQL."""

    list_display = ["agent", "starts_at", "ends_at", "queue", "schedule"]
    list_filter = ["schedule__team", "queue"]
    list_select_related = ["agent__user", "queue", "schedule__team"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["agent", "schedule", "queue", "template"]
    inlines = [ShiftActivityInline]


class ScheduleVersionInline(ReadOnlyMixin, admin.TabularInline):
    """Publications of a schedule, newest first."""

    model = ScheduleVersion
    fields = ["number", "published_at", "published_by", "reason", "change_count"]
    readonly_fields = ["number", "published_at", "published_by", "reason", "change_count"]
    extra = 0
    ordering = ["-number"]

    @admin.display(description="Changes")
    def change_count(self, version: ScheduleVersion) -> int:
        return len(version.changes)


@admin.register(Schedule)
class ScheduleAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Team weeks: status, version, pending changes; publish from the list."""

    list_display = ["team", "week_start", "status", "version", "has_unpublished_changes", "published_at"]
    list_filter = ["status", "has_unpublished_changes", "team"]
    list_select_related = ["team"]
    search_fields = ["team__name"]
    date_hierarchy = "week_start"
    readonly_fields = ["version", "status", "published_at", "published_by", "generation_report", "generation_job"]
    autocomplete_fields = ["team"]
    inlines = [ScheduleVersionInline]
    actions = ["publish"]

    @admin.action(description="Publish the selected schedules (e-mails the agents concerned)")
    def publish(self, request: HttpRequest, queryset: QuerySet[Schedule]) -> None:
        for schedule in queryset:
            try:
                version = services.schedule_publish(
                    schedule=schedule, user=request.user, reason="Published from the admin"
                )
            except ValidationError as error:
                self.message_user(request, f"{schedule}: {' '.join(error.messages)}", messages.WARNING)
            else:
                self.message_user(request, f"{schedule}: published version {version.number}.", messages.SUCCESS)
