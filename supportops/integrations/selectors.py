"""Reads of helpdesk integrations, shared by the API and the admin."""

from __future__ import annotations

from django.db.models import QuerySet

from supportops.models import HelpdeskIntegration


def helpdesk_integration_list() -> QuerySet[HelpdeskIntegration]:
    """Every integration by name; callers decide who may see them (admins only in the API)."""
    return HelpdeskIntegration.objects.order_by("name", "pk")
