"""Reviews: start one on a conversation (assigned, a QA lead's own pick, a self-review or a calibration review), save
ratings as a draft, submit (scored exactly by ``performance.scoring``), acknowledge, and the coaching it triggers.

Who may review what: a reviewer reviews a conversation assigned to them (a QA lead of the agent's team, or an
admin, any conversation of that team); nobody reviews their own conversation except as a self-review when the
team allows them; calibration reviews belong to the session's reviewers, the benchmark to its facilitator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone

from supportops.choices import AgentStatus
from supportops.models import Agent, Conversation

from .. import scoring
from ..models import (
    AssignmentStatus,
    CalibrationSession,
    CalibrationStatus,
    QASettings,
    Rating,
    Review,
    ReviewAssignment,
    ReviewKind,
    ReviewStatus,
    ScorecardVersion,
    is_qa_lead,
)
from .scorecards import scorecard_for_conversation, scorecard_spec, version_with_criteria

__all__ = [
    "RatingInput",
    "qa_settings_for",
    "review_acknowledge",
    "review_rescore",
    "review_save",
    "review_start",
    "review_submit",
    "nesting_check",
    "score_to_decimal",
]


@dataclass(frozen=True)
class RatingInput:
    """One criterion's rating as sent: ``value`` None means N/A."""

    criterion: str
    value: int | None
    comment: str = ""


def qa_settings_for(team_id: int | None) -> QASettings:
    """The team's QA settings, or the defaults (unsaved) when it has none."""
    found = QASettings.objects.filter(team_id=team_id).first() if team_id is not None else None
    return found if found is not None else QASettings()


def score_to_decimal(value: Any) -> Decimal | None:
    """An exact score rounded half up to the three places stored."""
    return None if value is None else scoring.round_half_up(value, 3)


def _check_reviewer(
    *,
    conversation: Conversation,
    reviewer: Any,
    kind: str,
    assignment: ReviewAssignment | None,
    calibration: CalibrationSession | None,
) -> None:
    agent = conversation.agent
    if agent is None:
        raise ValidationError({"conversation": f"{conversation} has no agent to review."})
    own = agent.user_id == reviewer.pk
    if kind == ReviewKind.SELF:
        if not own:
            raise PermissionDenied("A self-review is of your own conversation.")
        if not qa_settings_for(agent.team_id).allow_self_reviews:
            raise ValidationError({"kind": f"{agent.team} does not use self-reviews."})
        return
    if own:
        raise PermissionDenied("Nobody reviews their own conversation (except as a self-review).")
    if kind in (ReviewKind.CALIBRATION, ReviewKind.BENCHMARK):
        if calibration is None:
            raise ValidationError({"calibration": "A calibration review belongs to a calibration session."})
        if calibration.status != CalibrationStatus.OPEN:
            raise ValidationError({"calibration": f"“{calibration}” is closed."})
        if not calibration.conversations.filter(pk=conversation.pk).exists():
            raise ValidationError({"conversation": f"{conversation} is not part of “{calibration}”."})
        if kind == ReviewKind.BENCHMARK and calibration.facilitator_id != reviewer.pk:
            raise PermissionDenied("Only the session's facilitator writes the benchmark review.")
        if kind == ReviewKind.CALIBRATION and not calibration.reviewers.filter(pk=reviewer.pk).exists():
            raise PermissionDenied(f"You are not a reviewer of “{calibration}”.")
        return
    if assignment is not None:
        if assignment.reviewer_id != reviewer.pk:
            raise PermissionDenied("This conversation is assigned to another reviewer.")
        if assignment.status != AssignmentStatus.ASSIGNED:
            raise ValidationError({"assignment": f"This assignment is {assignment.get_status_display().lower()}."})
        return
    if not is_qa_lead(reviewer, agent.team_id):
        raise PermissionDenied("This conversation is not assigned to you; only a QA lead of the team may review it.")


@transaction.atomic
def review_start(
    *,
    conversation: Conversation,
    reviewer: Any,
    kind: str = ReviewKind.STANDARD,
    assignment: ReviewAssignment | None = None,
    calibration: CalibrationSession | None = None,
) -> Review:
    """Open (or return the existing) draft review of the conversation by the reviewer, on the scorecard version that
    applies (a calibration session's version for calibration reviews)."""
    if assignment is not None and conversation is None:
        conversation = assignment.conversation
    if assignment is None and kind == ReviewKind.STANDARD:
        assignment = (
            ReviewAssignment.objects.filter(
                conversation=conversation, reviewer=reviewer, status=AssignmentStatus.ASSIGNED
            )
            .order_by("-pk")
            .first()
        )
    _check_reviewer(
        conversation=conversation, reviewer=reviewer, kind=kind, assignment=assignment, calibration=calibration
    )
    existing = Review.objects.filter(
        conversation=conversation, reviewer=reviewer, kind=kind, calibration=calibration
    ).first()
    if existing is not None:
        return existing
    version: ScorecardVersion = (
        calibration.version if calibration is not None else scorecard_for_conversation(conversation)
    )
    assert conversation.agent is not None  # checked above
    return Review.objects.create(
        conversation=conversation,
        agent=conversation.agent,
        reviewer=reviewer,
        version=version,
        kind=kind,
        assignment=assignment,
        calibration=calibration,
    )


def _lock_review(review: Review) -> Review:
    return Review.objects.select_for_update(of=("self",)).select_related("agent__team", "agent__user").get(pk=review.pk)


def _values_of(review: Review) -> dict[str, int | None]:
    return {key: value for key, value in review.ratings.values_list("criterion__key", "value")}


def _check_session_open(review: Review) -> None:
    session = review.calibration if review.calibration_id is not None else None
    if session is not None and session.status != CalibrationStatus.OPEN:
        raise ValidationError({"calibration": f"“{session}” is closed: its reviews no longer change."})


def _check_editable(review: Review, user: Any) -> None:
    if review.reviewer_id != user.pk and not (review.is_submitted and is_qa_lead(user, review.agent.team_id)):
        raise PermissionDenied("Only the review's author (or, once submitted, a QA lead) may change it.")
    if review.locked_at is not None:
        raise ValidationError({"review": "This review is locked: a dispute about it was rejected."})
    _check_session_open(review)
    if review.disputes.filter(status__in=["open", "escalated"]).exists():
        raise ValidationError({"review": "This review is disputed: it changes through the dispute's resolution."})


@transaction.atomic
def review_save(
    *,
    review: Review,
    ratings: Sequence[RatingInput],
    user: Any,
    comment: str | None = None,
    comments_only: bool = False,
    seconds_spent: int = 0,
) -> Review:
    """Replace the review's ratings (and overall comment) with ``ratings``: a value outside the scale, N/A where it
    is not allowed or an unknown criterion is refused naming the criterion, and nothing is stored. A submitted
    review is scored again (the change is kept in history)."""
    review = _lock_review(review)
    _check_editable(review, user)
    version = version_with_criteria(review.version_id)
    spec = scorecard_spec(version)
    by_key = {criterion.key: criterion for section in version.sections.all() for criterion in section.criteria.all()}
    values: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for item in ratings:
        if item.criterion in values:
            errors[item.criterion] = f"{item.criterion}: rated twice."
        values[item.criterion] = item.value
    try:
        scoring.validate_ratings(spec, values, require_complete=review.is_submitted)
    except scoring.RatingError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError({"ratings": [f"{message}" for _, message in sorted(errors.items())]})
    comments = {item.criterion: item.comment.strip() for item in ratings}
    Rating.objects.filter(review=review).exclude(criterion__key__in=list(values)).delete()
    existing = {rating.criterion.key: rating for rating in review.ratings.select_related("criterion")}
    for key, value in values.items():
        rating = existing.get(key)
        if rating is None:
            Rating.objects.create(review=review, criterion=by_key[key], value=value, comment=comments[key])
        elif rating.value != value or rating.comment != comments[key]:
            rating.value, rating.comment = value, comments[key]
            rating.save(update_fields=["value", "comment"])
    if comment is not None:
        review.comment = comment.strip()
    review.seconds_spent += max(0, int(seconds_spent))
    review.save(update_fields=["comment", "seconds_spent", "updated_at"])
    if review.is_submitted:
        _apply_score(review, spec)
    return review


def _apply_score(review: Review, spec: scoring.ScorecardSpec) -> scoring.ReviewScore:
    result = scoring.score_review(spec, _values_of(review))
    review.score = score_to_decimal(result.score)
    review.critical_failed = result.critical_failed
    review.auto_failed = result.auto_failed
    review.save(update_fields=["score", "critical_failed", "auto_failed", "updated_at"])
    return result


def review_rescore(review: Review) -> Review:
    """Score a submitted review again from its stored ratings (after a dispute changed some), and check coaching
    again: a standard review that now fails is flagged; one that no longer fails loses a flag not yet discussed."""
    _apply_score(review, scorecard_spec(version_with_criteria(review.version_id)))
    if review.kind == ReviewKind.STANDARD and review.coaching_done_at is None:
        if review.coaching_flagged_at is not None:
            review.coaching_reason, review.coaching_flagged_at = "", None
            review.save(update_fields=["coaching_reason", "coaching_flagged_at", "updated_at"])
        _coach(review)
        nesting_check(review.agent)
    return review


@transaction.atomic
def review_submit(*, review: Review, user: Any) -> Review:
    """Submit a draft: every scored criterion must be rated (or N/A where allowed). The score is computed exactly,
    the assignment is marked reviewed, the agent is told (standard reviews), and coaching is flagged when a critical
    criterion failed or the score is under the team's threshold."""
    review = _lock_review(review)
    if review.reviewer_id != user.pk:
        raise PermissionDenied("Only the review's author submits it.")
    if review.is_submitted:
        raise ValidationError({"review": "This review is already submitted."})
    _check_session_open(review)
    spec = scorecard_spec(version_with_criteria(review.version_id))
    try:
        scoring.validate_ratings(spec, _values_of(review), require_complete=True)
    except scoring.RatingError as error:
        raise ValidationError({"ratings": [message for _, message in sorted(error.errors.items())]}) from error
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.save(update_fields=["status", "submitted_at", "updated_at"])
    _apply_score(review, spec)
    if review.assignment_id is not None:
        ReviewAssignment.objects.filter(pk=review.assignment_id).update(status=AssignmentStatus.REVIEWED)
    if review.kind == ReviewKind.STANDARD:
        _coach(review)
        nesting_check(review.agent)
        address = review.agent.user.email
        if address:
            transaction.on_commit(
                lambda: send_mail(
                    f"New QA review of {review.conversation}",
                    f"A review of your conversation “{review.conversation.subject or review.conversation}” scored "
                    f"{scoring.round_half_up(review.score or 0, 2)} %. Open SupportOps to read it and acknowledge it.",
                    None,
                    [address],
                )
            )
    return review


def _coach(review: Review) -> None:
    """Flag coaching (the next 1:1 reads it) and assign the team's refresher curriculum when the review failed a
    critical criterion or an auto-fail item, or scored under the team's threshold."""
    settings_row = qa_settings_for(review.agent.team_id)
    reasons = []
    if review.critical_failed:
        reasons.append("a critical criterion failed")
    if review.auto_failed:
        reasons.append("an auto-fail item was selected")
    threshold = Decimal(settings_row.coaching_threshold_percent)
    if review.score is not None and review.score < threshold:
        reasons.append(f"scored {scoring.round_half_up(review.score, 2)} %, under {threshold:g} %")
    if not reasons:
        return
    review.coaching_reason = "; ".join(reasons).capitalize()[:300]
    review.coaching_flagged_at = timezone.now()
    review.save(update_fields=["coaching_reason", "coaching_flagged_at", "updated_at"])
    if settings_row.refresher_curriculum_id is not None:
        from onboarding.services import refresher_assign

        refresher_assign(
            agent=review.agent,
            curriculum=settings_row.refresher_curriculum,
            reason=f"QA review of {review.conversation}: {review.coaching_reason}",
        )


def nesting_check(agent: Agent) -> list[Any]:
    """For an agent in nesting: their QA reviews on live conversations since their enrollment started (count and
    average score) and their AHT against the team's over the same time, handed to onboarding's nesting
    evaluation, which completes the nesting modules whose thresholds are met. Returns the completed modules."""
    from onboarding.models import DONE_STATES, ModuleKind, ModuleProgress
    from onboarding.services import nesting_evaluate

    if agent.status != AgentStatus.NESTING:
        return []
    starts = list(
        ModuleProgress.objects.filter(
            enrollment__agent=agent, enrollment__status="active", module__kind=ModuleKind.NESTING
        )
        .exclude(state__in=list(DONE_STATES))
        .values_list("enrollment__start_date", flat=True)
    )
    if not starts:
        return []
    since = datetime.combine(min(starts), time(0), tzinfo=agent.zone)
    summary = (
        Review.objects.counted()
        .filter(agent=agent, conversation__created_at__gte=since)
        .aggregate(count=Count("pk"), average=Avg("score"))
    )
    handled = Conversation.objects.filter(created_at__gte=since, handle_time_seconds__isnull=False)
    own = handled.filter(agent=agent).aggregate(aht=Avg("handle_time_seconds"))["aht"]
    team = (
        handled.filter(agent__team_id=agent.team_id, agent__status=AgentStatus.ACTIVE)
        .exclude(agent=agent)
        .aggregate(aht=Avg("handle_time_seconds"))["aht"]
    )
    ratio = float(own) / float(team) if own is not None and team else None
    average = float(summary["average"]) if summary["average"] is not None else None
    return nesting_evaluate(agent=agent, reviews_count=summary["count"], average_percent=average, aht_ratio=ratio)


@transaction.atomic
def review_acknowledge(*, review: Review, user: Any) -> Review:
    """The reviewed agent confirms they read a submitted review (once)."""
    review = _lock_review(review)
    if review.agent.user_id != user.pk:
        raise PermissionDenied("Only the reviewed agent acknowledges a review.")
    if not review.is_submitted or review.kind != ReviewKind.STANDARD:
        raise ValidationError({"review": "Only submitted reviews are acknowledged."})
    if review.acknowledged_at is None:
        review.acknowledged_at = timezone.now()
        review.save(update_fields=["acknowledged_at", "updated_at"])
    return review
