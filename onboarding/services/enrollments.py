"""Enrolling agents (one or a cohort) in a published curriculum version, and moving enrollments to a newer one.

Due dates are ``Module.due_business_days`` working days after the start date, skipping weekends and the public
holidays of the agent's market.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onboarding.business_days import add_business_days
from onboarding.models import (
    DONE_STATES,
    Cohort,
    CurriculumVersion,
    Enrollment,
    EnrollmentStatus,
    Module,
    ModuleProgress,
    VersionStatus,
)
from supportops import access
from supportops.models import Agent

__all__ = [
    "agent_holidays",
    "cohort_create",
    "cohort_enroll",
    "enrollment_create",
    "enrollment_migrate",
    "enrollment_withdraw",
    "require_manager_of",
]


def agent_holidays(agent: Agent, start: date, end: date) -> frozenset[date]:
    """The public holidays of the agent's market between ``start`` and ``end``."""
    market = agent.team.market if agent.team_id else None
    if market is None:
        return frozenset()
    return frozenset(market.public_holidays(start, end))


def require_manager_of(user: Any, agent: Agent, *, action: str) -> None:
    """Admins, or managers of the agent's team, may ``action``; anyone else gets a 403."""
    if access.is_admin(user):
        return
    if access.is_manager(user) and agent.team.managers.filter(pk=user.pk).exists():
        return
    raise PermissionDenied(f"Only a manager of {agent.team} or an admin may {action}.")


def _due_dates(agent: Agent, start_date: date, modules: Sequence[Module]) -> dict[int, date]:
    longest = max((module.due_business_days for module in modules), default=0)
    # Calendar span generous enough for the longest offset plus a run of holidays.
    holidays = agent_holidays(agent, start_date, start_date + timedelta(days=longest * 2 + 60))
    return {module.pk: add_business_days(start_date, module.due_business_days, holidays) for module in modules}


def _check_enrollable(*, agent: Agent, version: CurriculumVersion, user: Any) -> None:
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError({"version": "Only a published curriculum version takes enrollments."})
    if user is not None:  # None: a system action (re-certification, a refresher after a QA failure)
        require_manager_of(user, agent, action=f"enrol {agent}")
    if Enrollment.objects.filter(agent=agent, version=version, status=EnrollmentStatus.ACTIVE).exists():
        raise ValidationError({"agent": f"{agent} is already enrolled in {version}."})


@transaction.atomic
def enrollment_create(
    *,
    agent: Agent,
    version: CurriculumVersion,
    start_date: date,
    user: Any,
    buddy: Agent | None = None,
    cohort: Cohort | None = None,
    reason: str = "",
) -> Enrollment:
    """Enrol ``agent`` in a published ``version`` from ``start_date``, with a progress row per module.

    ``user`` must manage the agent's team (or be an admin); ``None`` is a system action (beat tasks, the
    performance app's refresher) and skips that check.
    """
    _check_enrollable(agent=agent, version=version, user=user)
    if buddy is not None and buddy.pk == agent.pk:
        raise ValidationError({"buddy": "An agent cannot be their own buddy."})
    if cohort is not None and cohort.team_id != agent.team_id:
        raise ValidationError({"cohort": f"The cohort {cohort} belongs to another team."})
    enrollment = Enrollment(
        agent=agent,
        version=version,
        start_date=start_date,
        buddy=buddy,
        cohort=cohort,
        reason=reason,
        enrolled_by=user if getattr(user, "pk", None) else None,
    )
    enrollment.full_clean(validate_constraints=False)
    enrollment.save()
    modules = list(version.modules.all())
    due = _due_dates(agent, start_date, modules)
    ModuleProgress.objects.bulk_create(
        [ModuleProgress(enrollment=enrollment, module=module, due_date=due[module.pk]) for module in modules]
    )
    return enrollment


@transaction.atomic
def cohort_enroll(
    *, cohort: Cohort, agents: Iterable[Agent], version: CurriculumVersion, start_date: date, user: Any
) -> list[Enrollment]:
    """Enrol every agent of a hire class; all or nothing (the first refusal names the agent)."""
    enrollments = []
    for agent in agents:
        try:
            enrollments.append(
                enrollment_create(
                    agent=agent, version=version, start_date=start_date, user=user, cohort=cohort, reason="new hire"
                )
            )
        except ValidationError as error:
            messages = "; ".join(error.messages)
            raise ValidationError({"agents": f"{agent}: {messages}"}) from error
    return enrollments


@transaction.atomic
def enrollment_migrate(*, enrollments: Iterable[Enrollment], version: CurriculumVersion, user: Any) -> list[Enrollment]:
    """Move active enrollments to a newer published version of their curriculum.

    Completed or waived modules whose key still exists keep their state; every other module of the new version
    starts again (not started, due dates counted from the original start date).
    """
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError({"version": "Enrollments move only to a published version."})
    moved = []
    for enrollment in enrollments:
        require_manager_of(user, enrollment.agent, action=f"move {enrollment.agent}'s enrollment")
        old = enrollment.version
        if old.curriculum_id != version.curriculum_id or version.number <= old.number:
            raise ValidationError({"version": f"{version} is not a newer version of {old.curriculum}."})
        if enrollment.status != EnrollmentStatus.ACTIVE:
            raise ValidationError({"enrollments": f"{enrollment} is not in progress."})
        kept = {
            row.module.key: row
            for row in enrollment.progress.select_related("module").filter(state__in=list(DONE_STATES))
        }
        modules = list(version.modules.all())
        due = _due_dates(enrollment.agent, enrollment.start_date, modules)
        enrollment.progress.exclude(pk__in=[row.pk for row in kept.values()]).delete()
        rows = []
        for module in modules:
            old_row = kept.pop(module.key, None)
            if old_row is None:
                rows.append(ModuleProgress(enrollment=enrollment, module=module, due_date=due[module.pk]))
            else:
                # The same row follows the module, so its attempts, evidence and sign-off stay attached.
                old_row.module = module
                old_row.due_date = due[module.pk]
                old_row.save(update_fields=["module", "due_date", "updated_at"])
        ModuleProgress.objects.filter(pk__in=[row.pk for row in kept.values()]).delete()
        enrollment.version = version
        enrollment.save(update_fields=["version"])
        ModuleProgress.objects.bulk_create(rows)
        # Every module of the new version may already be done: the enrollment is then complete.
        from .progress import enrollment_advance

        enrollment_advance(enrollment)
        moved.append(enrollment)
    return moved


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, reason: str, user: Any) -> Enrollment:
    """Stop an enrollment in progress (the agent left, or was enrolled by mistake), with a reason.

    Its progress is kept for the record; it no longer shows on the agent's path, the cohort dashboard, the
    reviewer queue or in reminders. The agent's lifecycle status is left as it is.
    """
    enrollment = Enrollment.objects.select_for_update(of=("self",)).select_related("agent__team").get(pk=enrollment.pk)
    require_manager_of(user, enrollment.agent, action=f"withdraw {enrollment.agent}'s enrollment")
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise ValidationError({"enrollment": f"{enrollment} is not in progress ({enrollment.get_status_display()})."})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the enrollment is withdrawn."})
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_at = timezone.now()
    enrollment.withdrawn_reason = reason[:300]
    enrollment.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    return enrollment


@transaction.atomic
def cohort_create(*, team: Any, name: str, start_date: date, user: Any) -> Cohort:
    """Open a hire class for a team the user manages (admins: any team); names are unique per team."""
    if not (access.is_admin(user) or team.managers.filter(pk=user.pk).exists()):
        raise PermissionDenied(f"Only a manager of {team} or an admin may open a hire class there.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the hire class."})
    if Cohort.objects.filter(team=team, name=name).exists():
        raise ValidationError({"name": f"{team} already has a hire class called “{name}”."})
    return Cohort.objects.create(team=team, name=name, start_date=start_date)
