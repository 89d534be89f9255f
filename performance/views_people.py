"""Review and improvement-plan pages, under /people/: the overview (a manager's reports, an agent's own), one review
(answer forms by role, evidence, calibration, signatures, a printable view), a cycle's calibration and one plan.

Who sees what follows ``performance.services.people``: a review or a plan the user may not see is a 404; QA
reviewers and other agents see nothing. Every write goes through one service; a refused write shows the service's
message on the page (400) and stores nothing. Forms post plainly and redirect on success.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from supportops import access
from supportops.choices import Role

from . import services
from .inputs import whole_number
from .people_models import (
    AnswerAuthor,
    CycleStatus,
    ImprovementPlan,
    PerformanceReview,
    PerformanceReviewStatus,
    PlanCheckIn,
    PlanStatus,
    ReviewAnswer,
    ReviewQuestion,
)

RUNNING_PLANS = (PlanStatus.ACTIVE, PlanStatus.EXTENDED)


def _is_lead(user: Any) -> bool:
    return access.is_admin(user) or access.is_manager(user)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "performance/people_forbidden.html", status=403)


# --- overview -------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def people_home(request: HttpRequest) -> HttpResponse:
    """A manager's reports' current reviews and active plans, with their cycles; an agent's own reviews and plans."""
    user = request.user
    reviews = list(
        services.reviews_visible_to(user)
        .select_related("cycle", "agent__user", "manager")
        .defer("evidence")
        .order_by("-cycle__period_end", "cycle_id", "agent__user__username")
    )
    plans = list(
        services.plans_visible_to(user).select_related("agent__user").order_by("-start_date", "agent__user__username")
    )
    own_reviews = [review for review in reviews if review.agent.user_id == user.pk]
    own_plans = [plan for plan in plans if plan.agent.user_id == user.pk]
    is_lead = _is_lead(user)
    if not is_lead and not own_reviews and not own_plans and not access.has_role(user, Role.AGENT):
        return _forbidden(request)
    context = {
        "is_lead": is_lead,
        "own_reviews": own_reviews,
        "own_plans": own_plans,
        "report_reviews": [
            review
            for review in reviews
            if review.agent.user_id != user.pk and review.status != PerformanceReviewStatus.SIGNED
        ],
        "report_plans": [plan for plan in plans if plan.agent.user_id != user.pk and plan.status in RUNNING_PLANS],
        "cycles": list(services.cycles_visible_to(user).order_by("-period_end", "name")) if is_lead else [],
    }
    return render(request, "performance/people_home.html", context)


# --- one review -----------------------------------------------------------------------------------------------------


@dataclass
class QuestionRow:
    """One question with the answers the viewer may read and, when they answer, the values in their form."""

    question: ReviewQuestion
    self_answer: ReviewAnswer | None
    manager_answer: ReviewAnswer | None
    text: str = ""
    rating: str = ""

    @property
    def is_rating(self) -> bool:
        return self.question.kind == "rating"


def _review_queryset(user: Any) -> QuerySet[PerformanceReview]:
    return services.reviews_visible_to(user).select_related(
        "cycle__template", "agent__user", "agent__team__market", "manager"
    )


def _load_review(request: HttpRequest, pk: int) -> PerformanceReview:
    queryset = _review_queryset(request.user).prefetch_related(
        Prefetch("answers", queryset=ReviewAnswer.objects.select_related("question"))
    )
    return get_object_or_404(queryset, pk=pk)


def _review_context(
    request: HttpRequest, review: PerformanceReview, *, posted: dict[str, str] | None = None, error: str = ""
) -> dict[str, Any]:
    user = request.user
    answers = services.review_answers_for(review, user)
    answering_as = services.review_answering_as(review, user)
    own = {answer.question_id: answer for answer in review.answers.all() if answer.author == answering_as}
    rows = []
    for question in review.cycle.template.questions.all():
        shown = {answer.author: answer for answer in answers if answer.question_id == question.pk}
        mine = own.get(question.pk)
        if posted is not None:
            text, rating = posted.get(f"text-{question.pk}", ""), posted.get(f"rating-{question.pk}", "")
        else:
            text = mine.text if mine else ""
            rating = str(mine.rating) if mine and mine.rating is not None else ""
        rows.append(QuestionRow(question, shown.get(AnswerAuthor.SELF), shown.get(AnswerAuthor.MANAGER), text, rating))
    template = review.cycle.template
    is_agent = review.agent.user_id == user.pk
    signer = is_agent or review.manager_id == user.pk
    already_signed = review.agent_signed_at if is_agent else review.manager_signed_at
    return {
        "review": review,
        "cycle": review.cycle,
        "rows": rows,
        "scale": list(range(template.rating_min, template.rating_max + 1)),
        "answering_as": answering_as,
        "is_agent": is_agent,
        "shows_manager_side": services.review_shows_manager_side(review, user),
        "evidence": services.review_evidence_for(review),
        "may_calibrate": (
            review.status == PerformanceReviewStatus.CALIBRATION
            and review.cycle.status != CycleStatus.CLOSED
            and services.review_may_calibrate(review, user)
        ),
        "may_sign": signer and review.status == PerformanceReviewStatus.SIGN_OFF and already_signed is None,
        "is_lead": _is_lead(user),
        "error": error,
        "posted": posted or {},
    }


@login_required
@require_GET
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One review: answers by role, the evidence, calibration for managers and admins, signatures."""
    review = _load_review(request, pk)
    return render(request, "performance/people_review.html", _review_context(request, review))


@login_required
@require_GET
def review_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The review as a printable page (what the viewer may read, with the evidence)."""
    review = _load_review(request, pk)
    return render(request, "performance/people_review_print.html", _review_context(request, review))


def _parse_rating(raw: str, label: str, field: str, errors: list[str]) -> int | None:
    """A posted rating as an int, None when left blank; anything but a whole number adds a message naming
    ``label``."""
    if not raw.strip():
        return None
    try:
        return whole_number(raw, field)
    except ValidationError as error:
        errors.extend(f"{label}: {message}" for message in error.messages)
        return None


@login_required
@require_POST
def review_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """Save or submit the viewer's answers (self or manager)."""
    review = _load_review(request, pk)
    posted = {key: str(value) for key, value in request.POST.items()}
    errors: list[str] = []
    answers = []
    for question in review.cycle.template.questions.all():
        field = f"rating-{question.pk}"
        rating = _parse_rating(posted.get(field, ""), f"“{question.text}”", field, errors)
        answers.append(services.AnswerInput(question.pk, posted.get(f"text-{question.pk}", ""), rating))
    overall = _parse_rating(posted.get("overall_rating", ""), "Overall rating", "overall_rating", errors)
    if not errors:
        try:
            services.review_answers_save(
                review=review,
                user=request.user,
                answers=answers,
                submit=posted.get("action") == "submit",
                overall_rating=overall,
            )
        except PermissionDenied as denied:
            return render(request, "performance/people_forbidden.html", {"message": str(denied)}, status=403)
        except ValidationError as error:
            errors = list(error.messages)
    if errors:
        context = _review_context(request, review, posted=posted, error=" ".join(errors))
        return render(request, "performance/people_review.html", context, status=400)
    messages.success(request, "Submitted." if posted.get("action") == "submit" else "Saved.")
    return redirect("people-review", pk=review.pk)


@login_required
@require_POST
def review_calibrate(request: HttpRequest, pk: int) -> HttpResponse:
    """Adjust the rating with a reason (admins and managers of the agent's team)."""
    review = _load_review(request, pk)
    raw = request.POST.get("rating", "").strip()
    try:
        try:
            rating = whole_number(raw, "rating")
        except ValidationError as bad:
            raise ValidationError({"rating": [f"Adjusted rating: {message}" for message in bad.messages]}) from bad
        services.review_calibrate(
            review=review, user=request.user, rating=rating, reason=request.POST.get("reason", "")
        )
    except PermissionDenied as denied:
        return render(request, "performance/people_forbidden.html", {"message": str(denied)}, status=403)
    except ValidationError as error:
        context = _review_context(request, review, error=" ".join(error.messages))
        context["posted"] = {"calibrated_rating": raw, "reason": request.POST.get("reason", "")}
        return render(request, "performance/people_review.html", context, status=400)
    messages.success(request, "Rating calibrated.")
    return redirect("people-review", pk=review.pk)


@login_required
@require_POST
def review_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the review (the agent or the review's manager)."""
    review = _load_review(request, pk)
    try:
        services.review_sign(review=review, user=request.user)
    except PermissionDenied as denied:
        return render(request, "performance/people_forbidden.html", {"message": str(denied)}, status=403)
    except ValidationError as error:
        context = _review_context(request, review, error=" ".join(error.messages))
        return render(request, "performance/people_review.html", context, status=400)
    messages.success(request, "Signed.")
    return redirect("people-review", pk=review.pk)


# --- calibration ----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def cycle_calibration(request: HttpRequest, pk: int) -> HttpResponse:
    """A cycle's rating distribution before and after calibration, and the adjusted ratings with their reasons."""
    cycle = get_object_or_404(services.cycles_visible_to(request.user).select_related("template"), pk=pk)
    if not _is_lead(request.user):
        return _forbidden(request)
    # A manager who is also an agent of the cycle neither counts nor lists their own review here.
    counts = services.cycle_distribution(cycle, viewer=request.user)
    largest = max([1, *(row.before for row in counts), *(row.after for row in counts)])
    bars = [
        {
            "row": row,
            "before_width": round(100 * row.before / largest),
            "after_width": round(100 * row.after / largest),
        }
        for row in counts
    ]
    viewer: Any = request.user  # signed in (login_required)
    reviews = list(
        services.reviews_visible_to(viewer)
        .filter(cycle=cycle)
        .exclude(agent__user_id=viewer.pk)
        .select_related("agent__user", "manager")
        .defer("evidence")
        .order_by("agent__user__username")
    )
    return render(request, "performance/people_calibration.html", {"cycle": cycle, "bars": bars, "reviews": reviews})


# --- plans ----------------------------------------------------------------------------------------------------------


def _load_plan(request: HttpRequest, pk: int) -> ImprovementPlan:
    queryset = (
        services.plans_visible_to(request.user)
        .select_related("agent__user", "agent__team__market", "manager")
        .prefetch_related("goals", Prefetch("check_ins", queryset=PlanCheckIn.objects.select_related("author")))
    )
    return get_object_or_404(queryset, pk=pk)


def _render_plan(
    request: HttpRequest, plan: ImprovementPlan, *, error: str = "", posted: dict[str, str] | None = None
) -> HttpResponse:
    user = request.user
    runs_plan = plan.agent.user_id != user.pk and services.plan_run_by(plan, user)
    context = {
        "plan": plan,
        "progress": services.plan_progress(plan),
        "check_ins": list(plan.check_ins.all()),
        "may_write": runs_plan and plan.status in RUNNING_PLANS,
        "outcomes": [PlanStatus.PASSED, PlanStatus.EXTENDED, PlanStatus.ENDED],
        "error": error,
        "posted": posted or {},
    }
    return render(request, "performance/people_plan.html", context, status=400 if error else 200)


@login_required
@require_GET
def plan_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan: goals with progress, check-ins, and for its managers the check-in and outcome forms."""
    return _render_plan(request, _load_plan(request, pk))


@login_required
@require_POST
def plan_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a check-in note."""
    plan = _load_plan(request, pk)
    note = request.POST.get("note", "")
    try:
        services.plan_check_in(plan=plan, user=request.user, note=note)
    except PermissionDenied as denied:
        return render(request, "performance/people_forbidden.html", {"message": str(denied)}, status=403)
    except ValidationError as error:
        return _render_plan(request, plan, error=" ".join(error.messages), posted={"note": note})
    messages.success(request, "Check-in added.")
    return redirect("people-plan", pk=plan.pk)


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the plan's outcome (an extension with its new end date)."""
    plan = _load_plan(request, pk)
    posted = {key: str(value) for key, value in request.POST.items()}
    raw_end = posted.get("new_end_date", "").strip()
    try:
        try:
            new_end = date.fromisoformat(raw_end) if raw_end else None
        except ValueError as bad:
            raise ValidationError({"new_end_date": [f"Write the date as YYYY-MM-DD (got {raw_end!r})."]}) from bad
        services.plan_close(
            plan=plan,
            user=request.user,
            outcome=posted.get("outcome", ""),
            note=posted.get("note", ""),
            new_end_date=new_end,
        )
    except PermissionDenied as denied:
        return render(request, "performance/people_forbidden.html", {"message": str(denied)}, status=403)
    except ValidationError as error:
        return _render_plan(request, plan, error=" ".join(error.messages), posted=posted)
    messages.success(request, "Outcome recorded.")
    return redirect("people-plan", pk=plan.pk)
