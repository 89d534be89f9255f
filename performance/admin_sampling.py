"""Django admin of QA sampling: rules with their reviewer goals, cycles (read-only, with their assignment counts)
and review assignments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import AdminRoleAccessMixin, ReadOnlyMixin

from .models import ReviewAssignment, ReviewerGoal, SamplingCycle, SamplingRule
from .services.sampling import sampling_rule_errors


class SamplingRuleForm(forms.ModelForm):
    """Checks channels, tags and the handle-time range with the same rules as the API."""

    class Meta:
        model = SamplingRule
        fields = [
            "team", "name", "cadence", "per_agent", "method", "channels", "queues", "csat_max",
            "handle_time_min_seconds", "handle_time_max_seconds", "tags", "require_transcript", "is_active",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        probe = SamplingRule(
            channels=cleaned.get("channels") or [],
            tags=cleaned.get("tags") or [],
            per_agent=int(cleaned.get("per_agent") or 1),
            handle_time_min_seconds=cleaned.get("handle_time_min_seconds"),
            handle_time_max_seconds=cleaned.get("handle_time_max_seconds"),
        )
        for field, messages in sampling_rule_errors(probe).items():
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
        return cleaned


class ReviewerGoalInline(AdminRoleAccessMixin, admin.TabularInline):
    """The rule's reviewers and their goals per cycle."""

    model = ReviewerGoal
    extra = 0
    autocomplete_fields = ["reviewer"]


@admin.register(SamplingRule)
class SamplingRuleAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Sampling rules per team: cadence, N per agent, method, filters, reviewers with goals."""

    form = SamplingRuleForm
    inlines = [ReviewerGoalInline]
    list_display = ["name", "team", "cadence", "per_agent", "method", "is_active"]
    list_filter = ["team", "cadence", "method", "is_active"]
    search_fields = ["name", "team__name"]
    filter_horizontal = ["queues"]
    list_select_related = ["team"]


class ReviewAssignmentInline(ReadOnlyMixin, admin.TabularInline):
    """A cycle's assignments (read-only)."""

    model = ReviewAssignment
    fk_name = "cycle"
    extra = 0
    fields = ["conversation", "reviewer", "status", "reason", "replaced_by"]
    readonly_fields = ["conversation", "reviewer", "status", "reason", "replaced_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewAssignment]:
        return super().get_queryset(request).select_related("conversation", "reviewer", "replaced_by__conversation")


@admin.register(SamplingCycle)
class SamplingCycleAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Cycles as the sampler opened them: the period, the seed and the assignments (read-only)."""

    list_display = ["rule", "period_start", "period_end", "assignment_count", "opened_at"]
    list_filter = ["rule__team", "rule"]
    date_hierarchy = "period_start"
    readonly_fields = ["rule", "period_start", "period_end", "seed", "opened_at", "assignment_count"]
    inlines = [ReviewAssignmentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SamplingCycle]:
        return (
            super().get_queryset(request).select_related("rule__team").annotate(assignment_total=Count("assignments"))
        )

    @admin.display(description="Assignments", ordering="assignment_total")
    def assignment_count(self, cycle: SamplingCycle) -> int:
        return int(getattr(cycle, "assignment_total", 0))


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Sampled conversations given to reviewers; remove or replace them through the API or the reviewer's page so
    the reason and the replacement are recorded."""

    list_display = ["conversation", "reviewer", "cycle", "status", "reason", "created_at"]
    list_filter = ["status", "reviewer", "cycle"]
    raw_id_fields = ["conversation", "replaced_by", "cycle"]
    search_fields = ["conversation__external_id", "conversation__subject", "reviewer__username"]
    list_select_related = ["conversation", "reviewer", "cycle__rule"]
