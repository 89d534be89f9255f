"""The navigation menu each role sees; the base template reads it through the context processor."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from . import access
from .choices import Role


@dataclass(frozen=True)
class NavItem:
    """One entry of the main menu; ``section`` lists the pages (URL names) it is highlighted on."""

    label: str
    url_name: str
    icon: str
    section: tuple[str, ...] = ()

    def url(self) -> str:
        return reverse(self.url_name)


HOME = NavItem("Home", "home", "home")
TEAMS = NavItem("Teams", "team-list", "users", ("team-detail",))
AGENTS = NavItem("Agents", "agent-list", "user", ("agent-detail",))
CONVERSATIONS = NavItem("Conversations", "conversation-list", "chat", ("conversation-detail",))
CAPACITY = NavItem("Capacity", "capacity", "chart")
SCHEDULE = NavItem(
    "Schedule",
    "schedule-board",
    "calendar",
    ("schedule-shift-new", "schedule-shift-edit", "schedule-generate", "schedule-publish"),
)
APPROVALS = NavItem(
    "Approvals", "schedule-approvals", "clipboard", ("schedule-time-off-decide", "schedule-swap-decide")
)
MY_SCHEDULE = NavItem(
    "My schedule",
    "my-schedule",
    "calendar",
    ("my-time-off-request", "my-swap-propose"),
)
ONBOARDING = NavItem("Onboarding", "onboarding-team", "book", ("onboarding-reviews",))
MY_ONBOARDING = NavItem("My onboarding", "my-onboarding", "book", ("onboarding-module",))
QUALITY = NavItem(
    "Quality",
    "qa-home",
    "star",
    (
        "qa-review",
        "qa-dashboard",
        "qa-assignment-review",
        "qa-calibration-list",
        "qa-calibration-new",
        "qa-calibration-session",
        "qa-calibration-results",
    ),
)
MY_REVIEWS = NavItem("My reviews", "qa-mine", "star", ("qa-review",))
ONE_ON_ONES = NavItem("1:1s", "oneonone-list", "users", ("oneonone-meeting",))
KPIS = NavItem("KPIs", "kpi-dashboard", "chart", ("kpi-conversations", "kpi-market"))
REVIEWS_AND_PLANS = NavItem(
    "Reviews & plans",
    "people-home",
    "clipboard",
    ("people-review", "people-review-print", "people-cycle-calibration", "people-plan"),
)

_ITEMS_BY_ROLE: dict[Role, tuple[NavItem, ...]] = {
    Role.ADMIN: (
        HOME,
        TEAMS,
        AGENTS,
        CONVERSATIONS,
        CAPACITY,
        SCHEDULE,
        APPROVALS,
        ONBOARDING,
        QUALITY,
        KPIS,
        NavItem("Admin", "admin:index", "settings"),
        NavItem("API docs", "swagger-ui", "code"),
    ),
    Role.MANAGER: (
        HOME,
        TEAMS,
        AGENTS,
        CONVERSATIONS,
        CAPACITY,
        SCHEDULE,
        APPROVALS,
        ONBOARDING,
        QUALITY,
        ONE_ON_ONES,
        REVIEWS_AND_PLANS,
        KPIS,
    ),
    Role.QA_REVIEWER: (HOME, TEAMS, CONVERSATIONS, QUALITY),
    Role.AGENT: (
        HOME,
        MY_SCHEDULE,
        MY_ONBOARDING,
        MY_REVIEWS,
        ONE_ON_ONES,
        REVIEWS_AND_PLANS,
        NavItem("My team", "team-list", "users", ("team-detail", "agent-detail")),
        NavItem("My conversations", "conversation-list", "chat", ("conversation-detail",)),
    ),
}

# Links that leave the product pages (the admin, the API docs) sit apart, below the main entries.
_EXTERNAL_URL_NAMES = frozenset({"admin:index", "swagger-ui"})


def navigation_for(request: HttpRequest) -> dict[str, Any]:
    """Menu entries (deduplicated by URL, in role order), the highlighted one, and the viewer's role names."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_tools": [], "nav_roles": [], "nav_active": ""}
    seen: set[str] = set()
    items: list[NavItem] = []
    roles = [role for role in Role if access.has_role(user, role)]
    for role in roles:
        for item in _ITEMS_BY_ROLE[role]:
            if item.url_name not in seen:
                seen.add(item.url_name)
                items.append(item)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else ""
    active = next((item.url_name for item in items if current in (item.url_name, *item.section)), "")
    return {
        "nav_items": [item for item in items if item.url_name not in _EXTERNAL_URL_NAMES],
        "nav_tools": [item for item in items if item.url_name in _EXTERNAL_URL_NAMES],
        "nav_roles": [role.label for role in roles],
        "nav_active": active,
    }
