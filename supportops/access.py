"""Who may see and change what: the one object-level access pattern of SupportOps.

Roles are Django groups (see ``choices.Role``); a person may hold several, and what they see is
the union of what each role grants. Every model that is not plain reference data has a
``visible_to(user)`` queryset method built on these helpers, and API views, pages and admin
querysets all go through it:

- admin (a superuser or a member of the Admin group): everything;
- manager: the teams they manage, those teams' agents and conversations, and their direct reports;
- QA reviewer: the teams assigned to them for review, with those teams' agents and conversations;
- agent: their own agent record and conversations, and their own team with its members.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from .choices import Role

AnyUser = User | AnonymousUser

_CACHE_ATTRIBUTE = "_supportops_roles"


def roles_of(user: Any) -> frozenset[str]:
    """The role names a user holds, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {Role.ADMIN.value}
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles after the user's groups changed."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def has_role(user: Any, role: Role) -> bool:
    """True when the user holds the role (admins hold every role's rights, but not its name)."""
    return role.value in roles_of(user)


def is_admin(user: Any) -> bool:
    """True for superusers and members of the Admin group."""
    return has_role(user, Role.ADMIN)


def is_manager(user: Any) -> bool:
    """True for members of the Manager group."""
    return has_role(user, Role.MANAGER)


def is_qa_reviewer(user: Any) -> bool:
    """True for members of the QA reviewer group."""
    return has_role(user, Role.QA_REVIEWER)


def primary_role(user: Any) -> Role | None:
    """The role whose home page a user lands on: the broadest one they hold."""
    for role in (Role.ADMIN, Role.MANAGER, Role.QA_REVIEWER, Role.AGENT):
        if has_role(user, role):
            return role
    return None
