"""Django admin of scheduling: volume history per queue and interval."""

from __future__ import annotations

from django.contrib import admin

from supportops.admin import AdminRoleAccessMixin

from .models import IntervalVolume


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
