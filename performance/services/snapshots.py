"""The weekly snapshot: per manager (their teams) and for leadership (every team), last week's KPIs against the week
before, top escalation drivers, SLA breaches, at-risk new hires and disputes — stored, e-mailed as HTML, shown as a
page. Idempotent per recipient and week: building it twice changes nothing and sends nothing twice.

Definitions (conversations created in the week, the team's local Monday to Monday):

- contacts, AHT, CSAT and IQS as ``performance.kpis`` defines them, against the week before;
- escalations: conversations reopened at least once or tagged with a tag containing "escalat"; their drivers are
  their most common other tags;
- SLA breaches: conversations that missed their queue's service target (``performance.kpis.service_levels``: first
  response later than the target, or none);
- at-risk new hires: active enrollments whose health is at risk or overdue;
- disputes: raised in the week, and still open.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from onboarding.models import Enrollment, EnrollmentStatus
from onboarding.selectors import EnrollmentHealth, enrollment_summaries
from supportops import access
from supportops.models import Team

from .. import kpis
from ..models import OPEN_DISPUTE_STATUSES, Dispute, WeeklySnapshot

__all__ = ["TeamWeek", "last_full_week", "snapshot_build", "snapshot_data", "snapshots_build_all", "week_monday"]


def week_monday(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _window(team: Team, monday: date) -> tuple[datetime, datetime]:
    zone = team.zone
    return (
        datetime.combine(monday, time(0), tzinfo=zone),
        datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone),
    )


@dataclass
class TeamWeek:
    """One team's week in the snapshot, with the week before for comparison."""

    team: str
    contacts: int
    contacts_before: int
    aht_seconds: float | None
    aht_before: float | None
    csat_percent: float | None
    csat_before: float | None
    iqs: float | None
    iqs_before: float | None
    adherence_percent: float | None
    adherence_before: float | None
    sla_breaches: int
    escalations: int
    drivers: list[list[Any]] = field(default_factory=list)
    at_risk_hires: list[str] = field(default_factory=list)
    disputes_raised: int = 0
    disputes_open: int = 0


def _team_week(team: Team, monday: date) -> TeamWeek:
    start, end = _window(team, monday)
    scope = kpis.Slice(team_id=team.pk).with_agents()
    now = kpis.slice_kpis(scope, start=start, end=end)
    before = kpis.slice_kpis(scope, start=start - timedelta(days=7), end=start)
    breaches = sum(level.contacts - level.met for level in kpis.service_levels(scope, start=start, end=end))
    week = kpis.slice_conversations(scope).filter(created_at__gte=start, created_at__lt=end)
    drivers: Counter[str] = Counter()
    escalations = 0
    for reopened, tags in week.values_list("reopen_count", "tags"):
        tags = tags if isinstance(tags, list) else []
        if reopened or any("escalat" in str(tag).lower() for tag in tags):
            escalations += 1
            drivers.update(str(tag) for tag in tags if "escalat" not in str(tag).lower())
    enrollments = list(
        Enrollment.objects.filter(agent__team=team, status=EnrollmentStatus.ACTIVE).select_related(
            "agent__user", "agent__team__market"
        )
    )
    summaries = enrollment_summaries(enrollments, today=timezone.localtime(end, team.zone).date())
    at_risk = sorted(
        enrollment.agent.display_name
        for enrollment in enrollments
        if summaries[enrollment.pk].health in (EnrollmentHealth.AT_RISK, EnrollmentHealth.OVERDUE)
    )
    disputes = Dispute.objects.filter(review__agent__team=team)
    return TeamWeek(
        team=team.name,
        contacts=now.contacts,
        contacts_before=before.contacts,
        aht_seconds=now.aht_seconds,
        aht_before=before.aht_seconds,
        csat_percent=now.csat_percent,
        csat_before=before.csat_percent,
        iqs=now.iqs,
        iqs_before=before.iqs,
        adherence_percent=now.adherence_percent,
        adherence_before=before.adherence_percent,
        sla_breaches=breaches,
        escalations=escalations,
        drivers=[[tag, count] for tag, count in sorted(drivers.items(), key=lambda item: (-item[1], item[0]))[:5]],
        at_risk_hires=at_risk,
        disputes_raised=disputes.filter(created_at__gte=start, created_at__lt=end).count(),
        disputes_open=disputes.filter(status__in=OPEN_DISPUTE_STATUSES).count(),
    )


def snapshot_data(*, teams: list[Team], monday: date) -> dict[str, Any]:
    """The snapshot's content for ``teams`` and the week starting ``monday`` (JSON-ready)."""
    weeks = [_team_week(team, monday) for team in teams]
    return {
        "week_start": monday.isoformat(),
        "teams": [asdict(week) for week in weeks],
        "totals": {
            "contacts": sum(week.contacts for week in weeks),
            "contacts_before": sum(week.contacts_before for week in weeks),
            "sla_breaches": sum(week.sla_breaches for week in weeks),
            "escalations": sum(week.escalations for week in weeks),
            "at_risk_hires": sum(len(week.at_risk_hires) for week in weeks),
            "disputes_open": sum(week.disputes_open for week in weeks),
        },
    }


@transaction.atomic
def snapshot_build(*, recipient: User, monday: date, send: bool = True) -> WeeklySnapshot:
    """Build (once) the snapshot of ``recipient``'s teams — every team for an admin (leadership) — for the week
    starting ``monday``, and e-mail it once. A snapshot that exists is returned as it is."""
    existing = WeeklySnapshot.objects.select_for_update().filter(recipient=recipient, week_start=monday).first()
    if existing is not None:
        return existing
    leadership = access.is_admin(recipient)
    teams = _recipient_teams(recipient)
    data = snapshot_data(teams=sorted(teams, key=lambda team: team.name), monday=monday)
    html = render_to_string(
        "performance/snapshot_email.html",
        {"data": data, "recipient": recipient, "leadership": leadership, "monday": monday},
    )
    snapshot = WeeklySnapshot.objects.create(
        recipient=recipient, week_start=monday, is_leadership=leadership, data=data, html=html
    )
    if send and recipient.email:
        snapshot_id = snapshot.pk

        def deliver() -> None:
            subject = f"SupportOps weekly snapshot · week of {monday:%d %b %Y}"
            text = f"Your weekly snapshot for the week of {monday:%d %b %Y} is on SupportOps."
            message = EmailMultiAlternatives(subject, text, None, [recipient.email])
            message.attach_alternative(html, "text/html")
            message.send()
            WeeklySnapshot.objects.filter(pk=snapshot_id).update(sent_at=timezone.now())

        transaction.on_commit(deliver)
    return snapshot


def _recipient_teams(recipient: User) -> list[Team]:
    leadership = access.is_admin(recipient)
    teams = Team.objects.all() if leadership else Team.objects.filter(managers=recipient)
    return list(teams.select_related("market"))


def last_full_week(*, teams: list[Team], now: datetime) -> date:
    """The Monday of the latest week that has ended in every one of the teams' zones (the UTC week without
    teams)."""
    zones = [team.zone for team in teams] or [ZoneInfo("UTC")]
    return min(week_monday(now.astimezone(zone).date()) for zone in zones) - timedelta(days=7)


def snapshots_build_all(*, today: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """The beat task's work (hourly): for every manager of a team and every admin, the snapshot of the latest week
    that has ended in all of their teams' zones, built and e-mailed once; ``today`` (a Monday) builds the week
    before it for everyone instead (a replay)."""
    now = now or timezone.now()
    recipients = User.objects.filter(is_active=True).filter(
        Q(managed_teams__isnull=False) | Q(is_superuser=True) | Q(groups__name="Admin")
    )
    built = existing = 0
    for recipient in recipients.distinct().order_by("pk"):
        if today is not None:
            monday = week_monday(today) - timedelta(days=7)
        else:
            monday = last_full_week(teams=_recipient_teams(recipient), now=now)
        already = WeeklySnapshot.objects.filter(recipient=recipient, week_start=monday).exists()
        snapshot_build(recipient=recipient, monday=monday)
        existing += already
        built += not already
    return {"built": built, "existing": existing}
