"""Django admin of QA calibration: sessions with their reviews, read-only (sessions are opened and closed through
the API or the pages so the checks apply)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import ReadOnlyMixin

from .models import CalibrationSession, Review


class CalibrationReviewInline(ReadOnlyMixin, admin.TabularInline):
    """The session's calibration and benchmark reviews."""

    model = Review
    fk_name = "calibration"
    fields = ["conversation", "reviewer", "kind", "status", "score", "submitted_at"]
    readonly_fields = ["conversation", "reviewer", "kind", "status", "score", "submitted_at"]
    extra = 0
    show_change_link = True


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Calibration sessions: who reviews what, on which scorecard version, and where each stands."""

    list_display = ["name", "team", "version", "facilitator", "status", "due_date", "created_at", "closed_at"]
    list_filter = ["status", "team"]
    list_select_related = ["team", "version__scorecard", "facilitator"]
    search_fields = ["name"]
    filter_horizontal = ["conversations", "reviewers"]
    inlines = [CalibrationReviewInline]
