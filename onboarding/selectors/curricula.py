"""Reads of curricula, versions and modules, scoped by role, and which curricula target an agent.

Who sees what: admins and managers every curriculum (and every version and module); an agent only the curricula
(versions, modules) they are enrolled in; a QA reviewer who holds no other onboarding role nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from supportops import access
from supportops.choices import Role
from supportops.models import Agent

from ..models import Choice, Curriculum, CurriculumVersion, Module, Phase, Question, VersionStatus

__all__ = [
    "can_read_curricula",
    "curricula_for_agent",
    "curriculum_list",
    "curriculum_version_list",
    "module_list",
    "sees_all_curricula",
]


def sees_all_curricula(user: Any) -> bool:
    """Admins and managers see every curriculum, including drafts."""
    return access.is_admin(user) or access.is_manager(user)


def can_read_curricula(user: Any) -> bool:
    """Admins, managers and agents read curricula; a QA reviewer with no other of these roles does not."""
    return sees_all_curricula(user) or access.has_role(user, Role.AGENT)


def curriculum_list(*, user: Any) -> QuerySet[Curriculum]:
    """Curricula the user may read, with their targets and certification loaded."""
    queryset = Curriculum.objects.select_related("team", "market", "certification").order_by("name", "pk")
    if sees_all_curricula(user):
        return queryset
    if not can_read_curricula(user):
        return queryset.none()
    return queryset.filter(pk__in=Curriculum.objects.filter(versions__enrollments__agent__user=user).values("pk"))


def curriculum_version_list(*, user: Any) -> QuerySet[CurriculumVersion]:
    """Versions the user may read, with their phases and modules (in order) loaded."""
    queryset = (
        CurriculumVersion.objects.select_related("curriculum", "published_by")
        .prefetch_related(
            Prefetch("phases", queryset=Phase.objects.order_by("position", "pk")),
            Prefetch(
                "modules",
                queryset=Module.objects.order_by("position", "pk").prefetch_related(
                    Prefetch("prerequisites", queryset=Module.objects.only("pk", "key"))
                ),
            ),
        )
        .order_by("curriculum__name", "curriculum_id", "-number")
    )
    if sees_all_curricula(user):
        return queryset
    if not can_read_curricula(user):
        return queryset.none()
    return queryset.filter(pk__in=CurriculumVersion.objects.filter(enrollments__agent__user=user).values("pk"))


def module_list(*, user: Any) -> QuerySet[Module]:
    """Modules the user may read, with their phase, prerequisites, questions and choices loaded."""
    queryset = (
        Module.objects.select_related("phase", "version__curriculum", "certification")
        .prefetch_related(
            Prefetch("prerequisites", queryset=Module.objects.only("pk", "key")),
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("position", "pk").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("position", "pk"))
                ),
            ),
        )
        .order_by("version__curriculum__name", "version_id", "position", "pk")
    )
    if sees_all_curricula(user):
        return queryset
    if not can_read_curricula(user):
        return queryset.none()
    return queryset.filter(version__in=CurriculumVersion.objects.filter(enrollments__agent__user=user).values("pk"))


def curricula_for_agent(agent: Agent) -> QuerySet[Curriculum]:
    """Published curricula aimed at ``agent``: each of team, market, role (one of the agent's user's roles) and
    tier either empty (anyone) or matching; re-certification paths are left out."""
    team = agent.team
    market_id = team.market_id if team is not None else None
    roles = sorted(access.roles_of(agent.user)) if agent.user_id else []
    return (
        Curriculum.objects.filter(versions__status=VersionStatus.PUBLISHED, is_recertification_path=False)
        .filter(Q(team__isnull=True) | Q(team_id=agent.team_id))
        .filter(Q(market__isnull=True) | Q(market_id=market_id))
        .filter(Q(role="") | Q(role__in=roles))
        .filter(Q(tier="") | Q(tier=agent.tier))
        .order_by("name", "pk")
    )
