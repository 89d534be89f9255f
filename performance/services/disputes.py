"""Disputes: the reviewed agent (or a manager of their team) challenges criteria of a submitted review; the dispute
goes to the original reviewer, may be escalated to a QA lead, and is resolved criterion by criterion. Accepted
criteria change the review's ratings (kept in history), the review is scored again, and a rejected dispute locks the
review. ``dispute_stats`` reports volumes, acceptance rate and resolution time.

The dispute window counts calendar days in the team's time zone: a review submitted on local day D can be disputed
until the end of local day D + N (N = the team's ``QASettings.dispute_window_days``, 14 by default).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from supportops.choices import Role
from supportops.models import Team

from .. import scoring
from ..models import (
    OPEN_DISPUTE_STATUSES,
    Dispute,
    DisputeItem,
    DisputeItemOutcome,
    DisputeOutcomeCode,
    DisputeStatus,
    Rating,
    Review,
    ReviewKind,
    ReviewStatus,
    is_qa_lead,
)
from .reviews import qa_settings_for, review_rescore
from .scorecards import scorecard_spec, version_with_criteria

__all__ = [
    "DisputeItemInput",
    "DisputeStats",
    "dispute_deadline",
    "dispute_escalate",
    "dispute_raise",
    "dispute_refusal",
    "dispute_resolve",
    "dispute_stats",
    "may_resolve",
]

ACCEPTED_STATUSES = (DisputeStatus.ACCEPTED, DisputeStatus.PARTIALLY_ACCEPTED)
RESOLVED_STATUSES = (DisputeStatus.ACCEPTED, DisputeStatus.PARTIALLY_ACCEPTED, DisputeStatus.REJECTED)


@dataclass(frozen=True)
class DisputeItemInput:
    """One disputed criterion: optionally the rating proposed instead, or N/A (``proposes_na``)."""

    criterion_key: str
    proposed_value: int | None = None
    proposes_na: bool = False


def _display_name(user: Any) -> str:
    return user.get_full_name() or user.username


def dispute_deadline(review: Review) -> date:
    """The last local day (team's zone) on which the review may be disputed."""
    assert review.submitted_at is not None
    settings_row = qa_settings_for(review.agent.team_id)
    submitted_on = timezone.localtime(review.submitted_at, review.agent.team.zone).date()
    return submitted_on + timedelta(days=settings_row.dispute_window_days)


def _may_raise(review: Review, user: Any) -> bool:
    agent = review.agent
    if agent.user_id == user.pk or agent.manager_id == user.pk:
        return True
    return agent.team.managers.filter(pk=user.pk).exists()


def _check_review_disputable(review: Review) -> None:
    if review.kind != ReviewKind.STANDARD:
        raise ValidationError({"review": f"A {review.get_kind_display().lower()} cannot be disputed."})
    if review.status != ReviewStatus.SUBMITTED or review.submitted_at is None:
        raise ValidationError({"review": "Only a submitted review can be disputed."})
    if review.locked_at is not None:
        raise ValidationError({"review": "This review is locked: a dispute about it was rejected."})
    if review.disputes.filter(status__in=OPEN_DISPUTE_STATUSES).exists():
        raise ValidationError({"review": "This review already has an open dispute."})
    deadline = dispute_deadline(review)
    today = timezone.localtime(timezone.now(), review.agent.team.zone).date()
    if today > deadline:
        days = qa_settings_for(review.agent.team_id).dispute_window_days
        raise ValidationError(
            {
                "review": f"The dispute window of {days} days closed on {deadline.day} {deadline:%b %Y} "
                f"({review.agent.team} time)."
            }
        )


def dispute_refusal(review: Review, user: Any) -> str | None:
    """Why the user may not dispute the review now (None when they may): pages offer the form only then."""
    if not _may_raise(review, user):
        return "Only the reviewed agent or a manager of their team disputes a review."
    try:
        _check_review_disputable(review)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def may_resolve(dispute: Dispute, user: Any) -> bool:
    """Whether the user may resolve the dispute: the person it is assigned to, a QA lead of the team, an admin."""
    return dispute.is_open and (dispute.assigned_to_id == user.pk or is_qa_lead(user, dispute.review.agent.team_id))


def _item_errors(items: Sequence[DisputeItemInput], spec: scoring.ScorecardSpec) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for item in items:
        try:
            criterion = spec.criterion(item.criterion_key)
        except KeyError:
            errors.append(f"Unknown criterion {item.criterion_key!r}: it is not on this review's scorecard.")
            continue
        if item.criterion_key in seen:
            errors.append(f"{criterion.label}: disputed twice.")
            continue
        seen.add(item.criterion_key)
        if item.proposes_na and item.proposed_value is not None:
            errors.append(f"{criterion.label}: propose a rating or N/A, not both.")
        elif item.proposes_na and not criterion.allows_na:
            errors.append(f"{criterion.label}: N/A is not allowed.")
        elif item.proposed_value is not None and item.proposed_value not in criterion.scale.values:
            errors.append(
                f"{criterion.label}: {item.proposed_value} is outside the scale {criterion.scale.min} to "
                f"{criterion.scale.max}."
            )
    return errors


@transaction.atomic
def dispute_raise(*, review: Review, user: Any, reason: str, items: Sequence[DisputeItemInput]) -> Dispute:
    """Dispute criteria of a submitted standard review (the reviewed agent, or a manager of the agent's team or the
    agent's own manager), within the team's dispute window, with a reason and at least one criterion of the review's
    version. One open dispute per review; never a locked review. The dispute goes to the original reviewer."""
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("agent__team__market", "reviewer")
        .get(pk=review.pk)
    )
    if not _may_raise(review, user):
        raise PermissionDenied("Only the reviewed agent or a manager of their team disputes a review.")
    _check_review_disputable(review)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["Give a reason for the dispute."]
    if not items:
        errors["items"] = ["Dispute at least one criterion."]
    version = version_with_criteria(review.version_id)
    item_errors = _item_errors(items, scorecard_spec(version))
    if item_errors:
        errors["items"] = item_errors
    if errors:
        raise ValidationError(errors)
    by_key = {criterion.key: criterion for section in version.sections.all() for criterion in section.criteria.all()}
    current = dict(review.ratings.values_list("criterion__key", "value"))
    dispute = Dispute.objects.create(review=review, raised_by=user, reason=reason, assigned_to=review.reviewer)
    DisputeItem.objects.bulk_create(
        DisputeItem(
            dispute=dispute,
            criterion=by_key[item.criterion_key],
            proposed_value=None if item.proposes_na else item.proposed_value,
            proposes_na=item.proposes_na,
            value_before=current.get(item.criterion_key),
        )
        for item in items
    )
    return dispute


def _escalation_target(team: Team, exclude: Any) -> Any:
    leads = (
        get_user_model()
        .objects.filter(qa_led_teams__team=team, is_active=True)
        .exclude(pk=exclude.pk)
        .order_by("first_name", "last_name", "username", "pk")
    )
    lead = leads.first()
    if lead is not None:
        return lead
    admins = (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN.value), is_active=True)
        .exclude(pk=exclude.pk)
        .order_by("first_name", "last_name", "username", "pk")
        .distinct()
    )
    return admins.first()


def _lock_dispute(dispute: Dispute) -> Dispute:
    return (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("review__agent__team__market", "review__agent__user", "raised_by", "assigned_to")
        .get(pk=dispute.pk)
    )


@transaction.atomic
def dispute_escalate(*, dispute: Dispute, user: Any, note: str) -> Dispute:
    """Escalate an open dispute to a QA lead of the agent's team (the first by name; an admin when the team has no
    lead) — by the assigned reviewer or the person who raised it. The note is kept on the dispute."""
    dispute = _lock_dispute(dispute)
    if user.pk not in (dispute.assigned_to_id, dispute.raised_by_id):
        raise PermissionDenied("Only the assigned reviewer or the person who raised the dispute escalates it.")
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError(
            {"dispute": f"Only an open dispute can be escalated: this one is {dispute.get_status_display().lower()}."}
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why the dispute is escalated."})
    team = dispute.review.agent.team
    target = _escalation_target(team, exclude=dispute.assigned_to)
    if target is None:
        raise ValidationError({"dispute": f"Nobody to escalate to: give {team} a QA lead."})
    dispute.status = DisputeStatus.ESCALATED
    dispute.escalated_at = timezone.now()
    dispute.assigned_to = target
    dispute.escalation_note = note
    dispute._change_reason = f"Escalated: {note}"[:100]  # type: ignore[attr-defined]
    dispute.save(update_fields=["status", "escalated_at", "assigned_to", "escalation_note"])
    return dispute


def _decision_errors(
    dispute: Dispute, decisions: Mapping[str, tuple[bool, int | None]], spec: scoring.ScorecardSpec
) -> tuple[dict[str, int | None], list[str]]:
    items = {item.criterion.key: item for item in dispute.items.all()}
    errors: list[str] = []
    new_values: dict[str, int | None] = {}
    for key in decisions:
        if key not in items:
            errors.append(f"{key!r} is not a disputed criterion.")
    for key, item in items.items():
        label = spec.criterion(key).label
        if key not in decisions:
            errors.append(f"{label}: decide to accept or reject it.")
            continue
        accept, new_value = decisions[key]
        if not accept:
            continue
        if new_value is None and not item.proposes_na and item.proposed_value is None:
            errors.append(f"{label}: give the new rating (the dispute proposes none).")
            continue
        new_values[key] = new_value if new_value is not None else item.proposed_value
    if new_values:
        try:
            scoring.validate_ratings(spec, new_values, require_complete=False)
        except scoring.RatingError as error:
            errors.extend(message for _, message in sorted(error.errors.items()))
    return new_values, errors


@transaction.atomic
def dispute_resolve(
    *,
    dispute: Dispute,
    user: Any,
    outcome_code: str,
    note: str,
    decisions: Mapping[str, tuple[bool, int | None]],
) -> Dispute:
    """Resolve an open dispute (the person it is assigned to, a QA lead of the team or an admin), deciding every
    disputed criterion: ``{key: (accept, new_value)}``; an accepted criterion takes ``new_value``, or the proposed
    rating when ``new_value`` is None. All accepted → ACCEPTED, none → REJECTED (the review is then locked), else
    PARTIALLY_ACCEPTED. A reason code is required, and a note when any criterion is rejected. The review is scored
    again and both scores kept; the person who raised it is told by e-mail."""
    dispute = _lock_dispute(dispute)
    review = dispute.review
    if dispute.assigned_to_id != user.pk and not is_qa_lead(user, review.agent.team_id):
        raise PermissionDenied(
            "Only the person the dispute is assigned to, a QA lead of the team or an admin resolves it."
        )
    if not dispute.is_open:
        raise ValidationError(
            {"dispute": f"This dispute is already resolved ({dispute.get_status_display().lower()})."}
        )
    spec = scorecard_spec(version_with_criteria(review.version_id))
    errors: dict[str, list[str]] = {}
    if outcome_code not in DisputeOutcomeCode.values:
        errors["outcome_code"] = [f"Choose a reason code: {', '.join(DisputeOutcomeCode.values)}."]
    new_values, decision_errors = _decision_errors(dispute, decisions, spec)
    if decision_errors:
        errors["decisions"] = decision_errors
    note = (note or "").strip()
    rejected_any = any(not accept for accept, _ in decisions.values())
    if rejected_any and not note:
        errors["note"] = ["Explain the rejection in a note."]
    if errors:
        raise ValidationError(errors)

    score_before = review.score
    ratings = {rating.criterion.key: rating for rating in review.ratings.select_related("criterion")}
    items = list(dispute.items.select_related("criterion"))
    for item in items:
        key = item.criterion.key
        rating = ratings.get(key)
        item.value_before = rating.value if rating is not None else None
        if key in new_values:
            value = new_values[key]
            if rating is None:
                Rating.objects.create(review=review, criterion=item.criterion, value=value)
            elif rating.value != value:
                rating.value = value
                rating._change_reason = f"Dispute #{dispute.pk} accepted"  # type: ignore[attr-defined]
                rating.save(update_fields=["value"])
            item.outcome, item.value_after = DisputeItemOutcome.ACCEPTED, value
        else:
            item.outcome, item.value_after = DisputeItemOutcome.REJECTED, item.value_before
    DisputeItem.objects.bulk_update(items, ["outcome", "value_before", "value_after"])
    review_rescore(review)
    accepted = sum(1 for item in items if item.outcome == DisputeItemOutcome.ACCEPTED)
    if accepted == len(items):
        dispute.status = DisputeStatus.ACCEPTED
    elif accepted == 0:
        dispute.status = DisputeStatus.REJECTED
        review.locked_at = timezone.now()
        review.save(update_fields=["locked_at", "updated_at"])
    else:
        dispute.status = DisputeStatus.PARTIALLY_ACCEPTED
    dispute.resolved_by = user
    dispute.resolved_at = timezone.now()
    dispute.outcome_code = outcome_code
    dispute.resolution_note = note
    dispute.score_before = score_before
    dispute.score_after = review.score
    dispute.save()
    address = dispute.raised_by.email
    if address:
        subject = f"Your dispute of the QA review of {review.conversation}: {dispute.get_status_display().lower()}"
        body = (
            f"Outcome: {dispute.get_status_display()} ({dispute.get_outcome_code_display()}).\n"
            f"Score before: {scoring.round_half_up(score_before or 0, 2)} %, after: "
            f"{scoring.round_half_up(review.score or 0, 2)} %.\n{note}".rstrip()
        )
        transaction.on_commit(lambda: send_mail(subject, body, None, [address]))
    return dispute


# --- statistics -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisputeStats:
    """Disputes raised in a period: counts, acceptance rate (accepted + partially accepted over resolved, %) and
    resolution time in hours (from raising to resolution); ``None`` where nothing is resolved."""

    count: int
    open: int
    resolved: int
    accepted: int
    partially_accepted: int
    rejected: int
    acceptance_rate_percent: Decimal | None
    mean_resolution_hours: Decimal | None
    median_resolution_hours: Decimal | None


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def dispute_stats(
    *, user: Any, team: Team | None = None, period_start: date | None = None, period_end: date | None = None
) -> DisputeStats:
    """Statistics of the disputes the user may see, raised between ``period_start`` and ``period_end`` (inclusive
    local dates in the team's zone; UTC without a team), of one team's agents when given. One query."""
    queryset = Dispute.objects.visible_to(user)
    zone: tzinfo = UTC
    if team is not None:
        queryset = queryset.filter(review__agent__team=team)
        zone = team.zone
    if period_start is not None:
        queryset = queryset.filter(created_at__gte=_local_midnight(period_start, zone))
    if period_end is not None:
        queryset = queryset.filter(created_at__lt=_local_midnight(period_end + timedelta(days=1), zone))
    rows = list(queryset.order_by().values_list("status", "created_at", "resolved_at"))
    by_status: dict[str, int] = {}
    for status, _, _ in rows:
        by_status[status] = by_status.get(status, 0) + 1
    durations = [
        Fraction(int((resolved - created).total_seconds()), 3600)
        for status, created, resolved in rows
        if status in RESOLVED_STATUSES and resolved is not None
    ]
    resolved_count = sum(by_status.get(status, 0) for status in RESOLVED_STATUSES)
    accepted_count = sum(by_status.get(status, 0) for status in ACCEPTED_STATUSES)

    def hours(value: Fraction | None) -> Decimal | None:
        return None if value is None else scoring.round_half_up(value, 2)

    return DisputeStats(
        count=len(rows),
        open=sum(by_status.get(status, 0) for status in OPEN_DISPUTE_STATUSES),
        resolved=resolved_count,
        accepted=by_status.get(DisputeStatus.ACCEPTED, 0),
        partially_accepted=by_status.get(DisputeStatus.PARTIALLY_ACCEPTED, 0),
        rejected=by_status.get(DisputeStatus.REJECTED, 0),
        acceptance_rate_percent=(
            scoring.round_half_up(Fraction(accepted_count * 100, resolved_count), 2) if resolved_count else None
        ),
        mean_resolution_hours=hours(sum(durations, Fraction(0)) / len(durations) if durations else None),
        median_resolution_hours=hours(statistics.median(durations) if durations else None),
    )
