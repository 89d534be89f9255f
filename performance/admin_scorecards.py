"""Django admin of QA scorecards (with versions, sections and criteria), QA settings per team, and reviews.

Scorecards are edited through drafts: a published or retired version is read-only here, "Make a draft of the next
version" copies it, and "Publish" checks and publishes a draft (the services do the work). Reviews are read-only:
they change through the workspace, the API and disputes, so their history stays true.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import AdminRoleAccessMixin, ReadOnlyMixin

from . import services
from .models import (
    Criterion,
    QASettings,
    Rating,
    Review,
    Scorecard,
    ScorecardStatus,
    ScorecardVersion,
    Section,
)


def _report(request: HttpRequest, error: Exception) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


class VersionInline(AdminRoleAccessMixin, admin.TabularInline):
    """The scorecard's versions, read-only, each linking to its sections."""

    model = ScorecardVersion
    extra = 0
    fields = ["number", "status", "notes", "published_at", "open"]
    readonly_fields = ["number", "status", "notes", "published_at", "open"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    @admin.display(description="Sections and criteria")
    def open(self, version: ScorecardVersion) -> str:
        url = reverse("admin:performance_scorecardversion_change", args=[version.pk])
        return format_html('<a href="{}">Open</a>', url)


@admin.register(Scorecard)
class ScorecardAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Scorecards: where they apply (queues, else channel, else default) and their versions."""

    list_display = ["name", "scoring_mode", "channel", "is_default", "is_active"]
    list_filter = ["scoring_mode", "channel", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ["queues"]
    inlines = [VersionInline]
    actions = ["draft_next"]

    @admin.action(description="Make a draft of the next version")
    def draft_next(self, request: HttpRequest, queryset: QuerySet[Scorecard]) -> None:
        for scorecard in queryset:
            try:
                draft = services.scorecard_draft_next(scorecard=scorecard, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                _report(request, error)
            else:
                messages.success(request, f"{draft} is ready to edit.")


class SectionInline(AdminRoleAccessMixin, admin.TabularInline):
    """The version's sections; open one to edit its criteria."""

    model = Section
    extra = 0
    fields = ["position", "key", "name", "kind"]
    show_change_link = True


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """A version with its sections; drafts are editable and publishable, the rest read-only."""

    list_display = ["__str__", "status", "published_at", "notes"]
    list_filter = ["status", "scorecard"]
    readonly_fields = ["scorecard", "number", "status", "published_at", "published_by"]
    fields = ["scorecard", "number", "status", "notes", "published_at", "published_by"]
    inlines = [SectionInline]
    actions = ["publish"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if isinstance(obj, ScorecardVersion) and obj.status != ScorecardStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # versions are made by "Make a draft of the next version"

    @admin.action(description="Publish (retires the published version)")
    def publish(self, request: HttpRequest, queryset: QuerySet[ScorecardVersion]) -> None:
        for version in queryset:
            try:
                services.scorecard_version_publish(version=version, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                _report(request, error)
            else:
                messages.success(request, f"{version.scorecard} v{version.number} is published.")


class CriterionInline(AdminRoleAccessMixin, admin.StackedInline):
    """The section's criteria: scale, labels, weight, points, N/A, critical and guidance."""

    model = Criterion
    extra = 0
    fields = [
        ("position", "key", "name"),
        ("scale", "labels"),
        ("weight", "points", "allows_na", "is_critical"),
        "guidance",
    ]


@admin.register(Section)
class SectionAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """A section and its criteria (editable while its version is a draft)."""

    list_display = ["name", "version", "kind", "position"]
    list_filter = ["kind", "version__scorecard"]
    inlines = [CriterionInline]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if isinstance(obj, Section) and obj.version.status != ScorecardStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if isinstance(obj, Section) and obj.version.status != ScorecardStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(QASettings)
class QASettingsAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """A team's QA leads, dispute window, coaching threshold, refresher curriculum and self-reviews."""

    list_display = ["team", "dispute_window_days", "coaching_threshold_percent", "refresher_curriculum"]
    filter_horizontal = ["leads"]
    autocomplete_fields = ["team"]


class RatingInline(ReadOnlyMixin, admin.TabularInline):
    """The review's ratings, read-only."""

    model = Rating
    extra = 0
    fields = ["criterion", "value", "comment"]
    readonly_fields = ["criterion", "value", "comment"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Reviews, read-only: they change through the workspace, the API and disputes."""

    list_display = ["conversation", "agent", "reviewer", "kind", "status", "score", "submitted_at"]
    list_filter = ["kind", "status", "critical_failed", "version__scorecard"]
    search_fields = ["conversation__external_id", "conversation__subject", "agent__user__username"]
    list_select_related = ["conversation", "agent__user", "reviewer"]
    inlines = [RatingInline]
