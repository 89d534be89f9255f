"""Calibration: sessions over chosen conversations and reviewers, blind reviews, the facilitator's benchmark, closing
a session, and its results (answer distributions, reviewer alignment, Krippendorff's alpha).

Reviews themselves are written with ``review_start`` / ``review_save`` / ``review_submit`` (kind CALIBRATION by the
session's reviewers, BENCHMARK by its facilitator); they never count towards IQS (``Review.objects.counted()``).

Blindness is per conversation: a session's reviewer sees another reviewer's review (or the benchmark) of a
conversation only once they submitted their own review of that conversation, and everything once the session is
closed. ``Review.objects.visible_to`` is coarser (one submitted review opens the whole session), so the calibration
API and pages read calibration reviews through ``calibration_session_reviews`` only.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from supportops import access
from supportops.models import Conversation, Team

from .. import calibration as calibration_maths
from .. import scoring
from ..models import (
    CalibrationSession,
    CalibrationStatus,
    QASettings,
    Rating,
    Review,
    ReviewKind,
    ReviewStatus,
    ScorecardStatus,
    ScorecardVersion,
    is_qa_lead,
)
from .scorecards import scorecard_for_conversation, scorecard_spec, version_with_criteria

__all__ = [
    "CalibrationResults",
    "ConversationResult",
    "CriterionResult",
    "ReviewerResult",
    "calibration_results",
    "calibration_session_close",
    "calibration_session_create",
    "calibration_session_list",
    "calibration_session_reviews",
    "calibration_sessions_may_manage",
]

NO_BENCHMARK_YET = "No benchmark yet: alignment is measured against the facilitator's submitted benchmark review."


def _display_name(user: Any) -> str:
    return user.get_full_name() or user.username


def calibration_sessions_may_manage(session: CalibrationSession, user: Any) -> bool:
    """The facilitator, QA leads of the session's team and admins run the session (close it, see all results)."""
    return session.facilitator_id == user.pk or is_qa_lead(user, session.team_id)


def calibration_session_list(*, user: Any) -> QuerySet[CalibrationSession]:
    """Sessions the user takes part in: as a reviewer or the facilitator, as a QA lead of the team; admins: all."""
    queryset = CalibrationSession.objects.select_related("team", "version__scorecard", "facilitator")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if access.is_admin(user):
        return queryset.all()
    led = QASettings.objects.filter(leads=user).values("team_id")
    mine = CalibrationSession.objects.filter(Q(reviewers=user) | Q(facilitator=user) | Q(team_id__in=led))
    return queryset.filter(pk__in=mine.values("pk"))


@transaction.atomic
def calibration_session_create(
    *,
    name: str,
    team: Team,
    conversations: Sequence[Conversation],
    reviewers: Sequence[Any],
    user: Any,
    version: ScorecardVersion | None = None,
    due_date: date | None = None,
) -> CalibrationSession:
    """Open a calibration session (a QA lead of the team or an admin; they facilitate it). Conversations must be of
    the team's agents (at least one), reviewers at least two QA reviewers, QA leads or admins who handled none of the
    conversations. The version defaults to the scorecard that applies to the first conversation."""
    if not is_qa_lead(user, team.pk):
        raise PermissionDenied(f"Only a QA lead of {team} or an admin runs its calibration sessions.")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Give the session a name."]
    unique_conversations = list(dict.fromkeys(conversations))
    if not unique_conversations:
        errors["conversations"] = ["Choose at least one conversation."]
    for conversation in unique_conversations:
        agent = conversation.agent
        if agent is None or agent.team_id != team.pk:
            errors.setdefault("conversations", []).append(f"{conversation} is not a conversation of {team}'s agents.")
    unique_reviewers = list(dict.fromkeys(reviewers))
    if len(unique_reviewers) < 2:
        errors["reviewers"] = ["Choose at least two reviewers."]
    handled_by = {conversation.agent.user_id for conversation in unique_conversations if conversation.agent}
    for reviewer in unique_reviewers:
        if not reviewer.is_active or not (access.is_qa_reviewer(reviewer) or is_qa_lead(reviewer, team.pk)):
            errors.setdefault("reviewers", []).append(f"{_display_name(reviewer)} is not a QA reviewer.")
        elif reviewer.pk in handled_by:
            errors.setdefault("reviewers", []).append(
                f"{_display_name(reviewer)} handled one of the conversations and cannot calibrate on it."
            )
    if version is not None and version.status == ScorecardStatus.DRAFT:
        errors["version"] = [f"{version} is a draft: calibrate on a published version."]
    if errors:
        raise ValidationError(errors)
    if version is None:
        version = scorecard_for_conversation(unique_conversations[0])
    session = CalibrationSession(
        name=name, team=team, version=version, facilitator=user, due_date=due_date, status=CalibrationStatus.OPEN
    )
    session.full_clean()
    session.save()
    session.conversations.set(unique_conversations)
    session.reviewers.set(unique_reviewers)
    return session


@transaction.atomic
def calibration_session_close(*, session: CalibrationSession, user: Any) -> CalibrationSession:
    """Close an open session (the facilitator, a QA lead of the team or an admin): every conversation needs a
    submitted benchmark review. Closed, every reviewer sees every submitted review of the session."""
    session = CalibrationSession.objects.select_for_update().select_related("team").get(pk=session.pk)
    if not calibration_sessions_may_manage(session, user):
        raise PermissionDenied("Only the session's facilitator, a QA lead of the team or an admin closes it.")
    if session.status != CalibrationStatus.OPEN:
        raise ValidationError({"session": f"“{session}” is already closed."})
    benchmarked = set(
        Review.objects.filter(
            calibration=session, kind=ReviewKind.BENCHMARK, status=ReviewStatus.SUBMITTED
        ).values_list("conversation_id", flat=True)
    )
    missing = [
        conversation for conversation in session.conversations.order_by("pk") if conversation.pk not in benchmarked
    ]
    if missing:
        names = ", ".join(str(conversation) for conversation in missing)
        raise ValidationError({"session": f"Submit a benchmark review of every conversation first: missing {names}."})
    session.status = CalibrationStatus.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at"])
    return session


def _ratings_prefetch() -> Prefetch[Any]:
    return Prefetch("ratings", queryset=Rating.objects.select_related("criterion").order_by("pk"))


def calibration_session_reviews(*, session: CalibrationSession, user: Any) -> list[Review]:
    """The session's reviews the user may read, blind per conversation (see the module docstring): the facilitator,
    QA leads of the team and admins see every review; a reviewer their own (drafts included), and others' submitted
    reviews of a conversation once they submitted theirs (all of them once the session is closed); nobody else any.
    Three queries, with ratings and criteria prefetched."""
    reviews = list(
        Review.objects.filter(calibration=session)
        .select_related("reviewer", "conversation", "agent__user")
        .prefetch_related(_ratings_prefetch())
        .order_by("conversation_id", "kind", "reviewer__username", "pk")
    )
    if calibration_sessions_may_manage(session, user):
        return reviews
    if not session.reviewers.filter(pk=user.pk).exists():
        return []
    closed = session.status == CalibrationStatus.CLOSED
    done = {
        review.conversation_id
        for review in reviews
        if review.reviewer_id == user.pk and review.kind == ReviewKind.CALIBRATION and review.is_submitted
    }
    return [
        review
        for review in reviews
        if review.reviewer_id == user.pk or (review.is_submitted and (closed or review.conversation_id in done))
    ]


# --- results --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    """One criterion of one conversation: how many reviewers chose each value (``None`` = N/A, every value of the
    scale listed) and the benchmark's value (``None`` when N/A or when there is no benchmark yet)."""

    key: str
    name: str
    distribution: dict[int | None, int]
    benchmark_value: int | None


@dataclass(frozen=True)
class ConversationResult:
    """One conversation of the session: submitted reviews, whether the benchmark exists, and its criteria."""

    conversation_id: int
    title: str
    reviews_submitted: int
    has_benchmark: bool
    criteria: tuple[CriterionResult, ...]


@dataclass(frozen=True)
class ReviewerAlignment:
    """A reviewer's review of one conversation compared with its benchmark (percent, exact)."""

    conversation_id: int
    alignment: Fraction | None
    score_difference: Fraction | None


@dataclass(frozen=True)
class ReviewerResult:
    """A reviewer's submitted reviews and their alignment with the benchmark over the session (``None`` when no
    conversation they reviewed has a benchmark yet)."""

    reviewer_id: int
    name: str
    reviews_submitted: int
    alignment: Fraction | None
    conversations: tuple[ReviewerAlignment, ...]


@dataclass(frozen=True)
class CalibrationResults:
    """Everything a session's results show. ``alignment_note`` says why alignment is missing (no benchmark yet);
    ``alpha`` is Krippendorff's ordinal alpha across the reviewers, ``None`` with ``alpha_reason`` when undefined."""

    session_id: int
    status: str
    conversations: tuple[ConversationResult, ...]
    reviewers: tuple[ReviewerResult, ...]
    alpha: float | None
    alpha_reason: str
    alignment_note: str


def _may_see_results(session: CalibrationSession, user: Any, submitted: dict[int, set[int]]) -> bool:
    if calibration_sessions_may_manage(session, user):
        return True
    if user.pk not in {reviewer.pk for reviewer in session.reviewers.all()}:
        return False
    if session.status == CalibrationStatus.CLOSED:
        return True
    return {conversation.pk for conversation in session.conversations.all()} <= submitted.get(user.pk, set())


def _keyed(mapping: Mapping[int, scoring.Ratings]) -> dict[Hashable, scoring.Ratings]:
    return {key: value for key, value in mapping.items()}


def _alpha_reason(reviews: dict[int, dict[int, scoring.Ratings]], alpha: float | None) -> str:
    if alpha is not None:
        return ""
    if sum(1 for by_conversation in reviews.values() if by_conversation) < 2:
        return "Undefined: fewer than two reviewers have submitted a review."
    counts: dict[int, int] = {}
    for by_conversation in reviews.values():
        for conversation_id in by_conversation:
            counts[conversation_id] = counts.get(conversation_id, 0) + 1
    if max(counts.values(), default=0) < 2:
        return "Undefined: no conversation has been reviewed by two reviewers yet."
    return "Undefined: the reviewers' answers show no variation to measure agreement on (every answer is the same)."


def calibration_results(session: CalibrationSession, *, user: Any = None) -> CalibrationResults:
    """The session's results over its submitted reviews (see the module docstring of ``performance.calibration``
    for the maths). With ``user``, only for the facilitator, QA leads of the team, admins, and reviewers who
    submitted a review of every conversation (any reviewer once the session is closed): ``PermissionDenied`` else.
    A fixed number of queries (eight), whatever the number of conversations, reviewers and reviews."""
    session = (
        CalibrationSession.objects.select_related("team")
        .prefetch_related(
            Prefetch("conversations", queryset=Conversation.objects.order_by("pk")),
            Prefetch("reviewers", queryset=get_user_model().objects.order_by("username", "pk")),
        )
        .get(pk=session.pk)
    )
    version = version_with_criteria(session.version_id)
    spec = scorecard_spec(version)
    names = {
        criterion.key: criterion.name for section in version.sections.all() for criterion in section.criteria.all()
    }
    submitted_reviews = list(
        Review.objects.filter(calibration=session, status=ReviewStatus.SUBMITTED)
        .prefetch_related(Prefetch("ratings", queryset=Rating.objects.select_related("criterion")))
        .order_by("pk")
    )
    by_reviewer: dict[int, dict[int, scoring.Ratings]] = {}
    benchmarks: dict[int, scoring.Ratings] = {}
    submitted: dict[int, set[int]] = {}
    for review in submitted_reviews:
        ratings = {rating.criterion.key: rating.value for rating in review.ratings.all()}
        if review.kind == ReviewKind.BENCHMARK:
            benchmarks[review.conversation_id] = ratings
        else:
            by_reviewer.setdefault(review.reviewer_id, {})[review.conversation_id] = ratings
            submitted.setdefault(review.reviewer_id, set()).add(review.conversation_id)
    if user is not None and not _may_see_results(session, user, submitted):
        raise PermissionDenied("Submit your review of every conversation of the session first: calibration is blind.")

    conversations = []
    for conversation in session.conversations.all():
        reviews_of = [
            by_conversation[conversation.pk]
            for by_conversation in by_reviewer.values()
            if conversation.pk in by_conversation
        ]
        distribution = calibration_maths.answer_distribution(spec, reviews_of)
        benchmark = benchmarks.get(conversation.pk)
        benchmark_values = scoring.complete_ratings(spec, benchmark) if benchmark is not None else {}
        conversations.append(
            ConversationResult(
                conversation_id=conversation.pk,
                title=str(conversation),
                reviews_submitted=len(reviews_of),
                has_benchmark=benchmark is not None,
                criteria=tuple(
                    CriterionResult(
                        key=criterion.key,
                        name=names[criterion.key],
                        distribution=distribution[criterion.key],
                        benchmark_value=benchmark_values.get(criterion.key),
                    )
                    for criterion in spec.criteria
                ),
            )
        )

    reviewers = []
    for reviewer in session.reviewers.all():
        own = by_reviewer.get(reviewer.pk, {})
        per_conversation = []
        for conversation_id, own_ratings in sorted(own.items()):
            if conversation_id not in benchmarks:
                continue
            compared = calibration_maths.review_alignment(spec, own_ratings, benchmarks[conversation_id])
            per_conversation.append(
                ReviewerAlignment(
                    conversation_id=conversation_id,
                    alignment=compared.alignment,
                    score_difference=compared.score_difference,
                )
            )
        reviewers.append(
            ReviewerResult(
                reviewer_id=reviewer.pk,
                name=_display_name(reviewer),
                reviews_submitted=len(own),
                alignment=calibration_maths.reviewer_alignment(spec, _keyed(own), _keyed(benchmarks)),
                conversations=tuple(per_conversation),
            )
        )

    session_reviewer_ids = {reviewer.pk for reviewer in session.reviewers.all()}
    alpha_input = {
        reviewer_id: reviews for reviewer_id, reviews in by_reviewer.items() if reviewer_id in session_reviewer_ids
    }
    alpha = (
        calibration_maths.session_alpha(spec, {key: _keyed(value) for key, value in alpha_input.items()})
        if alpha_input
        else None
    )
    return CalibrationResults(
        session_id=session.pk,
        status=session.status,
        conversations=tuple(conversations),
        reviewers=tuple(reviewers),
        alpha=alpha,
        alpha_reason=_alpha_reason(alpha_input, alpha),
        alignment_note="" if benchmarks else NO_BENCHMARK_YET,
    )
