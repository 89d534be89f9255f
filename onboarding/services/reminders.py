"""Daily reminders and re-certification: due and overdue modules to agents, a digest of new hires behind to their
managers, and re-certification enrollments before a certification lapses. Each is sent once per item and day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from supportops.models import Agent, Market, Team

from ..business_days import business_days_between
from ..models import (
    DONE_STATES,
    CertificationGrant,
    CurriculumVersion,
    Enrollment,
    EnrollmentStatus,
    ModuleProgress,
    ReminderLog,
    VersionStatus,
)

DUE_SOON_BUSINESS_DAYS = 2


@dataclass(frozen=True)
class ReminderRun:
    """What one daily run sent."""

    agent_emails: int
    digest_emails: int
    items: int


def _claim(*, kind: str, recipient: Any, item_key: str, day: date) -> bool:
    """Record a reminder as sent today; False when it already was (the daily task may run twice)."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(kind=kind, recipient=recipient, item_key=item_key, sent_on=day)
    except IntegrityError:
        return False
    return True


def _holidays(markets: set[Market], first: date, last: date) -> dict[int, set[date]]:
    return {market.pk: set(market.public_holidays(first, last)) for market in markets}


def reminders_send(*, today: date | None = None) -> ReminderRun:
    """E-mail each agent their modules due within two business days and those overdue, and each manager one digest
    of their new hires with overdue modules. Idempotent: an item is never reminded twice on the same day."""
    today = today or timezone.localdate()
    open_progress = list(
        ModuleProgress.objects.filter(enrollment__status=EnrollmentStatus.ACTIVE)
        .exclude(state__in=DONE_STATES)
        .filter(due_date__lte=today + timedelta(days=DUE_SOON_BUSINESS_DAYS + 6))
        .select_related("module", "enrollment__agent__user", "enrollment__agent__team__market")
        .order_by("due_date", "module__position")
    )
    markets = {progress.enrollment.agent.team.market for progress in open_progress}
    holidays = _holidays(markets, today - timedelta(days=1), today + timedelta(days=30))
    by_agent: dict[Agent, list[tuple[ModuleProgress, str]]] = defaultdict(list)
    for progress in open_progress:
        agent = progress.enrollment.agent
        if progress.due_date < today:
            by_agent[agent].append((progress, "overdue"))
        elif business_days_between(today, progress.due_date, holidays[agent.team.market_id]) <= DUE_SOON_BUSINESS_DAYS:
            by_agent[agent].append((progress, "due"))
    agent_emails = items = 0
    overdue_by_team: dict[Team, list[tuple[Agent, ModuleProgress]]] = defaultdict(list)
    for agent, entries in by_agent.items():
        for progress, kind in entries:
            if kind == "overdue":
                overdue_by_team[agent.team].append((agent, progress))
        fresh = [
            (progress, kind)
            for progress, kind in entries
            if agent.user.email
            and _claim(kind=kind, recipient=agent.user, item_key=f"progress:{progress.pk}", day=today)
        ]
        if not fresh:
            continue
        lines = [
            f"- {progress.module.title}: {'overdue since' if kind == 'overdue' else 'due'} {progress.due_date:%a %d %b}"
            for progress, kind in fresh
        ]
        send_mail(
            subject=f"Onboarding: {len(fresh)} module{'s' if len(fresh) != 1 else ''} to finish",
            message="\n".join([f"Hello {agent.user.first_name or agent.user.username},", "", *lines]),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[agent.user.email],
        )
        agent_emails += 1
        items += len(fresh)
    digest_emails = 0
    for team, behind in sorted(overdue_by_team.items(), key=lambda pair: pair[0].name):
        for manager in team.managers.all():
            if not manager.email or not _claim(kind="digest", recipient=manager, item_key=f"team:{team.pk}", day=today):
                continue
            per_agent: dict[Agent, list[str]] = defaultdict(list)
            for agent, progress in behind:
                per_agent[agent].append(f"{progress.module.title} (due {progress.due_date:%d %b})")
            lines = [f"- {agent}: {', '.join(titles)}" for agent, titles in per_agent.items()]
            send_mail(
                subject=f"Onboarding: {len(per_agent)} new hire{'s' if len(per_agent) != 1 else ''} behind in {team}",
                message="\n".join(["Overdue onboarding modules:", "", *lines]),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[manager.email],
            )
            digest_emails += 1
    return ReminderRun(agent_emails=agent_emails, digest_emails=digest_emails, items=items)


@dataclass(frozen=True)
class RecertificationRun:
    """What one daily re-certification run started."""

    enrolled: int
    without_path: int


def recertifications_start(*, today: date | None = None, user: Any = None) -> RecertificationRun:
    """Enrol agents whose certification lapses within its renewal notice in the published re-certification path of
    that certification, and tell them and their managers. A grant is renewed once; a certification without a
    published re-certification path is counted and left alone."""
    today = today or timezone.localdate()
    enrolled = without_path = 0
    grants = (
        CertificationGrant.objects.filter(renewal_enrollment__isnull=True, expires_on__gte=today)
        .select_related("certification", "agent__user", "agent__team")
        .order_by("expires_on", "pk")
    )
    for grant in grants:
        if grant.expires_on - timedelta(days=grant.certification.renewal_notice_days) > today:
            continue
        version = (
            CurriculumVersion.objects.filter(
                status=VersionStatus.PUBLISHED,
                curriculum__certification=grant.certification,
                curriculum__is_recertification_path=True,
            )
            .select_related("curriculum")
            .first()
        )
        if version is None:
            without_path += 1
            continue
        from .enrollments import enrollment_create  # enrollments builds on more than reminders need

        with transaction.atomic():
            enrollment = Enrollment.objects.filter(
                agent=grant.agent, version=version, status=EnrollmentStatus.ACTIVE
            ).first() or enrollment_create(
                agent=grant.agent,
                version=version,
                start_date=today,
                user=user,
                reason=f"Re-certification: {grant.certification} lapses {grant.expires_on:%d %b %Y}",
            )
            grant.renewal_enrollment = enrollment
            grant.save(update_fields=["renewal_enrollment"])
        enrolled += 1
        _tell_about_recertification(grant, version, today)
    return RecertificationRun(enrolled=enrolled, without_path=without_path)


def _tell_about_recertification(grant: CertificationGrant, version: CurriculumVersion, today: date) -> None:
    agent = grant.agent
    recipients = [agent.user, *agent.team.managers.all()]
    for recipient in recipients:
        if not recipient.email or not _claim(
            kind="recertification", recipient=recipient, item_key=f"grant:{grant.pk}", day=today
        ):
            continue
        whose = "Your" if recipient == agent.user else f"{agent}'s"
        send_mail(
            subject=f"{whose} {grant.certification} certification lapses on {grant.expires_on:%d %b %Y}",
            message=(
                f"{whose} certification “{grant.certification}” lapses on {grant.expires_on:%d %b %Y}.\n"
                f"{agent} is now enrolled in “{version.curriculum}” (version {version.number}) to renew it."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[recipient.email],
        )


def training_session_book(
    *, progress: ModuleProgress, title: str, starts_at: datetime, ends_at: datetime, user: Any = None
) -> Any:
    """Book a training session of an onboarding module into the agent's schedule as a fixed off-queue activity:
    shift generation then keeps the agent off queues during it (scheduling's booked activities)."""
    from scheduling import services as scheduling_services

    return scheduling_services.booked_activity_create(
        agent=progress.enrollment.agent,
        kind="training",
        title=title or progress.module.title,
        starts_at=starts_at,
        ends_at=ends_at,
        source="onboarding",
        user=user,
    )


def refresher_assign(*, agent: Agent, curriculum: Any, reason: str, user: Any = None) -> Enrollment:
    """Enrol an agent in the published version of a (refresher) curriculum from today, e.g. after a failed QA review;
    an active enrollment in it is returned as it is. The performance app calls this."""
    from .enrollments import enrollment_create

    version = CurriculumVersion.objects.filter(curriculum=curriculum, status=VersionStatus.PUBLISHED).first()
    if version is None:
        raise ValidationError({"curriculum": f"{curriculum} has no published version to enrol in."})
    active = Enrollment.objects.filter(agent=agent, version=version, status=EnrollmentStatus.ACTIVE).first()
    if active is not None:
        return active
    return enrollment_create(agent=agent, version=version, start_date=timezone.localdate(), user=user, reason=reason)
