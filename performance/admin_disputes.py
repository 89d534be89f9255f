"""Django admin of QA disputes: disputes with their criteria and history, read-only (disputes are raised, escalated
and resolved through the API or the pages, so the review is scored again and locked as the rules say)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import ReadOnlyMixin

from .models import Dispute, DisputeItem


class DisputeItemInline(ReadOnlyMixin, admin.TabularInline):
    """The disputed criteria, what was proposed and what was decided."""

    model = DisputeItem
    fields = ["criterion", "proposed_value", "proposes_na", "outcome", "value_before", "value_after"]
    readonly_fields = ["criterion", "proposed_value", "proposes_na", "outcome", "value_before", "value_after"]
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Disputes: who raised them, who has them, the outcome and the scores before and after."""

    list_display = [
        "review", "raised_by", "status", "assigned_to", "created_at", "escalated_at", "resolved_at", "outcome_code",
        "score_before", "score_after",
    ]  # fmt: skip
    list_filter = ["status", "outcome_code", "review__agent__team"]
    list_select_related = ["review__conversation", "review__reviewer", "raised_by", "assigned_to"]
    search_fields = ["reason", "resolution_note"]
    inlines = [DisputeItemInline]
