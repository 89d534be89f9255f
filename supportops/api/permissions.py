"""Who may change what through the API; who may see what is each viewset's ``get_queryset``.

A viewset's queryset starts from ``visible_to(user)`` (or a selector built on it), so an object the
user cannot see is a 404. These classes then decide the writes: an object the user sees but may not
change is a 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from supportops import access


class ReferenceDataAccess(BasePermission):
    """Markets, skills and queues: everyone signed in reads them, admins change them."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or access.is_admin(request.user)


class EditableByAccess(BasePermission):
    """Read what is visible; change what the model's ``editable_by(user)`` holds; delete as admin.

    Subclasses say who may create by overriding ``may_create``.
    """

    def may_create(self, user: Any) -> bool:
        return access.is_admin(user)

    def has_permission(self, request: Request, view: APIView) -> bool:
        if getattr(view, "action", None) == "create":
            return self.may_create(request.user)
        return True

    def has_object_permission(self, request: Request, view: APIView, obj: Model) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "destroy":
            return access.is_admin(request.user)
        editable = type(obj)._default_manager.editable_by(request.user)  # type: ignore[attr-defined]
        return bool(editable.filter(pk=obj.pk).exists())


class TeamAccess(EditableByAccess):
    """Teams: admins create and delete; managers change the teams they manage."""


class AgentAccess(EditableByAccess):
    """Agents: admins and managers create (managers only into their teams, checked by the service)."""

    def may_create(self, user: Any) -> bool:
        return access.is_admin(user) or access.is_manager(user)


class ConversationAccess(BasePermission):
    """Conversations: read what is visible; import as admin or with the ``add_conversation`` permission."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return access.is_admin(request.user) or request.user.has_perm("supportops.add_conversation")
