"""Conversation-QA pages: the reviewer's queue, the review workspace (transcript beside the scorecard), an agent's
reviews with acknowledgement, and the QA dashboard.

Who sees what follows ``Review.objects.visible_to``: a review you may not see is a 404. Every write goes through one
performance service; a refused write shows the service's message on the page it came from (400) with what was typed
kept, and stores nothing. Forms post plainly and redirect on success.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from supportops import access
from supportops import selectors as core_selectors
from supportops.models import Conversation, Team

from . import scoring, selectors, services
from .models import Criterion, Review, ReviewAssignment, ReviewKind, ReviewStatus

# --- helpers ----------------------------------------------------------------------------------------------------------


def _is_reviewer(user: Any) -> bool:
    return access.is_admin(user) or access.is_qa_reviewer(user) or access.is_manager(user)


# --- the reviewer's queue -------------------------------------------------------------------------------------------


@login_required
@require_GET
def qa_home(request: HttpRequest) -> HttpResponse:
    """The reviewer's open assignments, drafts and recent reviews; agents go to their own reviews."""
    user = request.user
    if not _is_reviewer(user):
        return redirect("qa-mine")
    assignments = list(selectors.reviewer_queue(user=user))
    drafts = list(
        selectors.review_list(user=user)
        .filter(reviewer_id=user.pk, status=ReviewStatus.DRAFT)
        .exclude(kind=ReviewKind.BENCHMARK)
    )
    draft_by_assignment = {review.assignment_id: review for review in drafts if review.assignment_id}
    recent = list(selectors.review_list(user=user).filter(reviewer_id=user.pk, status=ReviewStatus.SUBMITTED)[:10])
    context = {
        "assignments": [(assignment, draft_by_assignment.get(assignment.pk)) for assignment in assignments],
        "drafts": [review for review in drafts if review.assignment_id is None],
        "recent": recent,
    }
    return render(request, "performance/home.html", context)


@login_required
@require_POST
def assignment_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Open (or continue) the review of an assigned conversation."""
    assignment = get_object_or_404(
        ReviewAssignment.objects.filter(reviewer_id=request.user.pk).select_related("conversation__agent__team"), pk=pk
    )
    try:
        review = services.review_start(
            conversation=assignment.conversation, reviewer=request.user, assignment=assignment
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("qa-home")
    return redirect("qa-review", pk=review.pk)


# --- one review -------------------------------------------------------------------------------------------------------


@dataclass
class CriterionRow:
    """One criterion in the workspace or the read-only view: its choices and the current rating."""

    criterion: Criterion
    value: str  # "", "na" or the number, as the form posts it
    comment: str
    score: float | None
    error: str = ""

    @property
    def field(self) -> str:
        return f"rating-{self.criterion.key}"


@dataclass
class SectionBlock:
    """A section of the scorecard with its criteria rows."""

    name: str
    kind: str
    rows: list[CriterionRow]


def _blocks(
    criteria: list[Criterion], values: dict[str, str], comments: dict[str, str], errors: dict[str, str]
) -> list[SectionBlock]:
    blocks: dict[int, SectionBlock] = {}
    for criterion in criteria:
        section = criterion.section
        block = blocks.setdefault(section.pk, SectionBlock(name=section.name, kind=section.kind, rows=[]))
        value = values.get(criterion.key, "")
        score = None
        if value.lstrip("-").isdigit() and criterion.scale_min <= int(value) <= criterion.scale_max:
            scale = scoring.Scale(criterion.scale_min, criterion.scale_max)
            score = float(scoring.round_half_up(scoring.criterion_score(scale, int(value)), 1))
        block.rows.append(
            CriterionRow(
                criterion=criterion,
                value=value,
                comment=comments.get(criterion.key, ""),
                score=score,
                error=errors.get(criterion.key, ""),
            )
        )
    return list(blocks.values())


def _stored_values(review: Review) -> tuple[dict[str, str], dict[str, str]]:
    values: dict[str, str] = {}
    comments: dict[str, str] = {}
    for rating in review.ratings.all():
        values[rating.criterion.key] = "na" if rating.value is None else str(rating.value)
        comments[rating.criterion.key] = rating.comment
    return values, comments


def _editable_by(review: Review, user: Any) -> bool:
    return (
        review.reviewer_id == user.pk
        and review.locked_at is None
        and not any(dispute.is_open for dispute in review.disputes.all())
    )


def _render_review(
    request: HttpRequest,
    review: Review,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    comments: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    comment: str | None = None,
    dispute_error: str = "",
    dispute_posted: dict[str, str] | None = None,
) -> HttpResponse:
    stored_values, stored_comments = _stored_values(review)
    criteria = selectors.criteria_of(review)
    blocks = _blocks(
        criteria,
        stored_values if values is None else values,
        stored_comments if comments is None else comments,
        errors or {},
    )
    conversation = review.conversation
    is_agent_view = review.agent.user_id == request.user.pk and review.reviewer_id != request.user.pk
    context = {
        "review": review,
        "conversation": conversation,
        "transcript": list(conversation.messages.all()),
        "blocks": blocks,
        "editable": _editable_by(review, request.user),
        "is_agent_view": is_agent_view,
        "error": error,
        "comment": review.comment if comment is None else comment,
        "disputes": list(review.disputes.all()),
        "scoring_mode": review.version.scorecard.get_scoring_mode_display(),
        "dispute_error": dispute_error,
        "dispute_posted": dispute_posted or {},
    }
    refusal = services.dispute_refusal(review, request.user) if review.is_submitted else "Not submitted."
    context["can_dispute"] = refusal is None or bool(dispute_error)
    if refusal is None:
        context["dispute_deadline"] = services.dispute_deadline(review)
        posted = dispute_posted or {}
        context["dispute_rows"] = [
            {
                "criterion": row.criterion,
                "checked": bool(posted.get(f"dispute-{row.criterion.key}")),
                "proposed": posted.get(f"proposed-{row.criterion.key}", ""),
            }
            for block in blocks
            for row in block.rows
        ]
    return render(request, "performance/review.html", context, status=status)


def _visible_review_or_404(request: HttpRequest, pk: int) -> Review:
    return get_object_or_404(
        selectors.review_detail(user=request.user)
        .select_related("conversation__agent__team")
        .prefetch_related("conversation__messages", "disputes"),
        pk=pk,
    )


@login_required
@require_GET
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The workspace for the review's author (transcript beside the scorecard); a read-only view for others."""
    return _render_review(request, _visible_review_or_404(request, pk))


@login_required
@require_POST
def review_post(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the ratings as a draft, or save and submit."""
    review = _visible_review_or_404(request, pk)
    criteria = selectors.criteria_of(review)
    values = {criterion.key: request.POST.get(f"rating-{criterion.key}", "").strip() for criterion in criteria}
    comments = {criterion.key: request.POST.get(f"comment-{criterion.key}", "").strip() for criterion in criteria}
    comment = request.POST.get("comment", "")
    errors: dict[str, str] = {}
    ratings: list[services.RatingInput] = []
    for criterion in criteria:
        raw = values[criterion.key]
        if raw == "":
            continue  # unrated (an unticked auto-fail or bonus item, or a draft's open criterion)
        if raw == "na":
            ratings.append(services.RatingInput(criterion.key, None, comments[criterion.key]))
            continue
        try:
            ratings.append(services.RatingInput(criterion.key, int(raw), comments[criterion.key]))
        except ValueError:
            errors[criterion.key] = f"{criterion.name}: choose one of the ratings."
    try:
        seconds = max(0, min(24 * 3600, int(request.POST.get("seconds", "0") or 0)))
    except ValueError:
        seconds = 0
    if errors:
        return _render_review(
            request, review, status=400, values=values, comments=comments, errors=errors,
            error=" ".join(errors.values()), comment=comment,
        )  # fmt: skip
    submit = request.POST.get("action") == "submit" and not review.is_submitted
    try:
        with transaction.atomic():  # a refused submission keeps nothing of the save either
            services.review_save(
                review=review, ratings=ratings, comment=comment, user=request.user, seconds_spent=seconds
            )
            if submit:
                services.review_submit(review=review, user=request.user)
    except ValidationError as error:
        return _render_review(
            request, review, status=400, values=values, comments=comments, error=" ".join(error.messages),
            comment=comment,
        )  # fmt: skip
    except PermissionDenied as error:
        return _render_review(request, review, status=403, error=str(error))
    review.refresh_from_db()
    if submit:
        messages.success(request, f"Review submitted: {review.score:.2f} %.")
        return redirect("qa-home")
    messages.success(request, "Saved." if not review.is_submitted else f"Saved and scored again: {review.score:.2f} %.")
    return redirect("qa-review", pk=review.pk)


@login_required
@require_POST
def review_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewed agent acknowledges the review."""
    review = _visible_review_or_404(request, pk)
    try:
        services.review_acknowledge(review=review, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _render_review(request, review, status=400, error=text)
    messages.success(request, "Thanks: the review is acknowledged.")
    return redirect("qa-review", pk=review.pk)


# --- an agent's reviews -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    """The agent's submitted reviews, newest first, with their IQS over the last 90 days."""
    agent = core_selectors.agent_for_user(request.user)
    context: dict[str, Any] = {"agent": agent}
    if agent is not None:
        reviews = list(
            selectors.review_list(user=request.user).filter(
                agent=agent, status=ReviewStatus.SUBMITTED, kind__in=[ReviewKind.STANDARD, ReviewKind.SELF]
            )[:50]
        )
        since = timezone.now().astimezone(agent.zone).date() - timedelta(days=90)
        counted = selectors.counted_reviews(user=request.user, agent_id=agent.pk, start=since, zone=agent.zone)
        if services.qa_settings_for(agent.team_id).allow_self_reviews:
            reviewed = Review.objects.filter(agent=agent, kind=ReviewKind.SELF).values("conversation_id")
            context["self_review_candidates"] = list(
                Conversation.objects.filter(agent=agent)
                .exclude(pk__in=reviewed)
                .select_related("queue")
                .order_by("-created_at")[:5]
            )
        context.update(
            reviews=reviews,
            total=selectors.iqs_total(counted),
            weeks=selectors.iqs_by_week(counted, zone=agent.zone),
            to_acknowledge=sum(1 for review in reviews if review.acknowledged_at is None and review.kind == "standard"),
        )
    return render(request, "performance/mine.html", context)


@login_required
@require_POST
def self_review(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Open (or continue) a self-review of one of your own conversations, when your team uses them."""
    conversation = get_object_or_404(
        Conversation.objects.filter(agent__user_id=request.user.pk or 0).select_related("agent__team", "queue"),
        pk=conversation_id,
    )
    try:
        review = services.review_start(conversation=conversation, reviewer=request.user, kind=ReviewKind.SELF)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("qa-mine")
    return redirect("qa-review", pk=review.pk)


# --- the QA dashboard -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """A horizontal bar: label, value in % and its width."""

    label: str
    value: float | None
    count: int
    width: float
    low: bool


def _bars(rows: list[selectors.IQSRow], threshold: float) -> list[Bar]:
    top = max([row.iqs or 0 for row in rows] + [100.0])
    return [
        Bar(
            label=row.label,
            value=row.iqs,
            count=row.reviews,
            width=round(100 * (row.iqs or 0) / top, 1),
            low=row.iqs is not None and row.iqs < threshold,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class TrendPoint:
    """One week of the IQS line chart."""

    x: float
    y: float
    label: str
    value: float


def _trend(rows: list[selectors.IQSRow], width: int = 640, height: int = 180) -> tuple[list[TrendPoint], str]:
    points = [row for row in rows if row.iqs is not None]
    if not points:
        return [], ""
    step = width / max(1, len(points) - 1)
    low = min(0.0, min(row.iqs or 0 for row in points))
    high = max(100.0, max(row.iqs or 0 for row in points))
    result = [
        TrendPoint(
            x=round(index * step if len(points) > 1 else width / 2, 1),
            y=round(height - 20 - ((row.iqs or 0) - low) / (high - low) * (height - 40), 1),
            label=row.label,
            value=row.iqs or 0,
        )
        for index, row in enumerate(points)
    ]
    path = "M" + " L".join(f"{point.x},{point.y}" for point in result)
    return result, path


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """IQS by week, agent and criterion for a team over a period, with reviewer throughput (managers, QA, admins)."""
    if not _is_reviewer(request.user):
        return render(request, "performance/forbidden.html", status=403)
    teams = list(Team.objects.visible_to(request.user).order_by("name"))
    team = next((team for team in teams if team.slug == request.GET.get("team")), teams[0] if teams else None)
    weeks = request.GET.get("weeks", "12")
    weeks_count = int(weeks) if weeks in ("4", "12", "26") else 12
    context: dict[str, Any] = {"teams": teams, "team": team, "weeks": weeks_count}
    if team is not None:
        today = timezone.now().astimezone(team.zone).date()
        start = today - timedelta(weeks=weeks_count)
        reviews = selectors.counted_reviews(user=request.user, team=team, start=start, end=today)
        threshold = float(services.qa_settings_for(team.pk).coaching_threshold_percent)
        trend, path = _trend(selectors.iqs_by_week(reviews, zone=team.zone))
        context.update(
            total=selectors.iqs_total(reviews),
            threshold=threshold,
            trend=trend,
            trend_path=path,
            agents=_bars(selectors.iqs_by_agent(reviews), threshold),
            criteria=_bars(selectors.iqs_by_criterion(reviews), threshold),
            throughput=selectors.reviewer_throughput(reviews),
            disputes=services.dispute_stats(user=request.user, team=team, period_start=start, period_end=today),
        )
        if len(teams) > 1:
            every_team = selectors.counted_reviews(user=request.user, start=start, end=today, zone=team.zone)
            context["by_team"] = _bars(selectors.iqs_by_team(every_team), threshold)
    return render(request, "performance/dashboard.html", context)
