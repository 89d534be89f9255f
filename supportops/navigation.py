"""The navigation menu each role sees; pages and the base template read it from here."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from . import access
from .choices import Role


@dataclass(frozen=True)
class NavItem:
    """One entry of the main menu."""

    label: str
    url_name: str
    icon: str

    def url(self) -> str:
        return reverse(self.url_name)


_ITEMS_BY_ROLE: dict[Role, tuple[NavItem, ...]] = {
    Role.ADMIN: (
        NavItem("Teams", "team-list", "users"),
        NavItem("Agents", "agent-list", "user"),
        NavItem("Conversations", "conversation-list", "chat"),
        NavItem("Admin", "admin:index", "settings"),
        NavItem("API", "swagger-ui", "code"),
    ),
    Role.MANAGER: (
        NavItem("Teams", "team-list", "users"),
        NavItem("Agents", "agent-list", "user"),
        NavItem("Conversations", "conversation-list", "chat"),
    ),
    Role.QA_REVIEWER: (
        NavItem("Teams", "team-list", "users"),
        NavItem("Conversations", "conversation-list", "chat"),
    ),
    Role.AGENT: (
        NavItem("My team", "team-list", "users"),
        NavItem("My conversations", "conversation-list", "chat"),
    ),
}


def navigation_for(request: HttpRequest) -> dict[str, Any]:
    """Menu entries (deduplicated by URL, in role order) and role names of the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_roles": []}
    seen: set[str] = set()
    items: list[NavItem] = []
    roles = [role for role in Role if access.has_role(user, role)]
    for role in roles:
        for item in _ITEMS_BY_ROLE[role]:
            if item.url_name not in seen:
                seen.add(item.url_name)
                items.append(item)
    return {"nav_items": items, "nav_roles": [role.label for role in roles]}
