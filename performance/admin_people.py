"""Django admin of 1:1s: series (cadence, length, active or not), meetings with their agenda and notes, and action
items. For admins only (``AdminRoleAccessMixin``): the private notes are shown here, except to an admin who is the
agent of the meeting's series (an agent never reads the private notes about them, whatever role they also hold).
Meetings, points and items are read-only: they are written through the pages and the API, so carry-over, the
pre-filled agenda and the invites follow the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import AdminRoleAccessMixin, ReadOnlyMixin

from .people_models import ActionItem, OneOnOne, OneOnOneSeries, TalkingPoint


class MeetingInline(ReadOnlyMixin, admin.TabularInline):
    """The meetings of a series."""

    model = OneOnOne
    fields = ["starts_at", "duration_minutes", "status", "completed_at", "sequence"]
    readonly_fields = ["starts_at", "duration_minutes", "status", "completed_at", "sequence"]
    extra = 0
    show_change_link = True


@admin.register(OneOnOneSeries)
class OneOnOneSeriesAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """1:1 series: admins may change the cadence and length or end a series; series start from the 1:1 page."""

    list_display = ["agent", "manager", "cadence_days", "duration_minutes", "is_active", "created_at"]
    list_filter = ["is_active", "agent__team"]
    list_select_related = ["agent__user", "manager"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name", "manager__username"]
    fields = ["manager", "agent", "cadence_days", "duration_minutes", "is_active"]
    readonly_fields = ["manager", "agent"]
    inlines = [MeetingInline]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


class TalkingPointInline(ReadOnlyMixin, admin.TabularInline):
    """The meeting's shared agenda."""

    model = TalkingPoint
    fk_name = "meeting"
    fields = ["position", "text", "source", "link", "is_checked", "author", "carried_from"]
    readonly_fields = ["position", "text", "source", "link", "is_checked", "author", "carried_from"]
    extra = 0


@admin.register(OneOnOne)
class OneOnOneAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """1:1 meetings with their agenda, shared notes and the manager's private notes (admins only, and never for the
    meeting's own agent)."""

    list_display = ["series", "starts_at", "duration_minutes", "status", "completed_at", "sequence"]
    list_filter = ["status", "series__agent__team"]
    list_select_related = ["series__agent__user", "series__manager"]
    date_hierarchy = "starts_at"
    fields = [
        "series", "starts_at", "duration_minutes", "status", "completed_at", "sequence", "shared_notes",
        "private_notes",
    ]  # fmt: skip
    readonly_fields = [
        "series", "starts_at", "duration_minutes", "status", "completed_at", "sequence", "shared_notes",
        "private_notes",
    ]  # fmt: skip
    inlines = [TalkingPointInline]

    def _hides_private_notes(self, request: HttpRequest, obj: OneOnOne | None) -> bool:
        return obj is not None and obj.series.agent.user_id == request.user.pk

    def get_fields(self, request: HttpRequest, obj: OneOnOne | None = None) -> Any:
        fields = super().get_fields(request, obj)
        if self._hides_private_notes(request, obj):
            return [field for field in fields if field != "private_notes"]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: OneOnOne | None = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        if self._hides_private_notes(request, obj):
            return [field for field in fields if field != "private_notes"]
        return fields


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Action items of 1:1 series: owner, due date, done or not."""

    list_display = ["text", "owner", "series", "due_date", "completed_at"]
    list_filter = ["series__agent__team"]
    list_select_related = ["owner", "series__agent__user", "series__manager"]
    search_fields = ["text"]
