"""Review cycles and improvement plans: who may see and do what, the writes (create, open, answer, calibrate, sign,
check in, close) and the reads they depend on (the evidence of a review's period, the rating distribution of a cycle,
the progress of a plan's goals).

Who is a manager of an agent: the agent's own manager (``Agent.manager``) and the managers of the agent's team. A
review or a plan is seen by its agent, those managers, the manager named on it, and admins; nobody else (QA reviewers
included).

Plan goals and a review's evidence are measured from ``performance.kpis.slice_kpis`` over the agent: IQS, CSAT
(% 4-5), AHT, first response (median), first-contact resolution and schedule adherence. Every day is a local day of
the agent's zone (their own, else their team's).

Dates a cycle or a plan is built on lie in ``EARLIEST_DATE``..``LATEST_DATE``: a year 1 or 9999 date cannot become
an aware datetime in every zone, so a period on it could never be measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from onboarding.models import CertificationGrant, Enrollment
from supportops import access
from supportops.models import Agent

from ..inputs import person_name
from ..kpis import Slice, period_of_days, slice_kpis, slice_reviews
from ..people_models import (
    ActionItem,
    AnswerAuthor,
    CycleStatus,
    ImprovementPlan,
    PerformanceReview,
    PerformanceReviewStatus,
    PlanCheckIn,
    PlanGoal,
    PlanMetric,
    PlanStatus,
    ReviewAnswer,
    ReviewCycle,
    ReviewQuestionKind,
    ReviewTemplate,
    is_manager_of,
)

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "AnswerInput",
    "GoalInput",
    "GoalProgress",
    "RatingCount",
    "cycle_create",
    "cycle_distribution",
    "cycle_open",
    "cycle_to_calibration",
    "cycle_to_sign_off",
    "cycles_visible_to",
    "dates_out_of_range",
    "is_manager_of",
    "plan_check_in",
    "plan_close",
    "plan_create",
    "plan_progress",
    "plan_run_by",
    "plans_visible_to",
    "review_answering_as",
    "review_answers_for",
    "review_answers_save",
    "review_calibrate",
    "review_evidence",
    "review_evidence_for",
    "review_shows_manager_side",
    "review_may_calibrate",
    "review_sign",
    "reviews_visible_to",
]

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
PERCENT_METRICS = (PlanMetric.IQS, PlanMetric.CSAT, PlanMetric.FCR, PlanMetric.ADHERENCE)


# --- access ---------------------------------------------------------------------------------------------------------


def reviews_visible_to(user: Any) -> QuerySet[PerformanceReview]:
    """Performance reviews the user may open: their own, their reports' (and their teams'), all for admins."""
    return PerformanceReview.objects.visible_to(user)


def plans_visible_to(user: Any) -> QuerySet[ImprovementPlan]:
    """Improvement plans the user may open: the agent's own, their managers', admins'. Nobody else."""
    return ImprovementPlan.objects.visible_to(user)


def cycles_visible_to(user: Any) -> QuerySet[ReviewCycle]:
    """Cycles the user created or holds a visible review in; all for admins."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ReviewCycle.objects.none()
    if access.is_admin(user):
        return ReviewCycle.objects.all()
    return ReviewCycle.objects.filter(Q(created_by=user) | Q(pk__in=reviews_visible_to(user).values("cycle_id")))


def _may_run_cycle(cycle: ReviewCycle, user: Any) -> bool:
    return access.is_admin(user) or cycle.created_by_id == user.pk


def review_may_calibrate(review: PerformanceReview, user: Any) -> bool:
    """Admins and the agent's managers calibrate a review's rating; never the agent, whatever their roles."""
    return is_manager_of(user, review.agent)


# --- review cycles --------------------------------------------------------------------------------------------------


def dates_out_of_range(**dates: date | None) -> dict[str, list[str]]:
    """A message per named date outside ``EARLIEST_DATE``..``LATEST_DATE`` (None: not given, no message)."""
    return {
        field: [
            f"Choose a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()} (got {value.isoformat()})."
        ]
        for field, value in dates.items()
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE
    }


def _first_manager(agent: Agent) -> Any:
    if agent.manager_id is not None:
        return agent.manager
    return agent.team.managers.order_by("pk").first()


@transaction.atomic
def cycle_create(
    *,
    name: str,
    period_start: date,
    period_end: date,
    template: ReviewTemplate,
    agents: Iterable[Agent],
    user: Any,
    self_review_due: date | None = None,
    manager_review_due: date | None = None,
) -> ReviewCycle:
    """A draft cycle with one review per agent (status self review), each with the agent's manager (the agent's own
    manager, else the team's first manager). Admins include anyone; a manager only their own reports and teams."""
    chosen = list(agents)
    is_admin = access.is_admin(user)
    if not is_admin and not access.is_manager(user):
        raise PermissionDenied("Only managers and admins run review cycles.")
    errors = dates_out_of_range(
        period_start=period_start,
        period_end=period_end,
        self_review_due=self_review_due,
        manager_review_due=manager_review_due,
    )
    if not name.strip():
        errors["name"] = ["Give the cycle a name."]
    if period_end < period_start and "period_end" not in errors:
        errors["period_end"] = ["The period ends before it starts."]
    if self_review_due and manager_review_due and manager_review_due < self_review_due:
        errors["manager_review_due"] = ["The manager review is due before the self review."]
    if not chosen:
        errors["agents"] = ["Choose at least one agent."]
    if not template.questions.exists():
        errors["template"] = [f"“{template}” has no questions."]
    if template.rating_min >= template.rating_max:
        errors["template"] = [
            f"“{template}” has no rating scale (from {template.rating_min} to {template.rating_max})."
        ]
    managers: dict[int, Any] = {}
    for agent in chosen:
        if not is_manager_of(user, agent):
            raise PermissionDenied(f"{agent.display_name} is not one of your reports.")
        manager = _first_manager(agent)
        if manager is None:
            errors.setdefault("agents", []).append(f"{agent.display_name} has no manager to write the review.")
        managers[agent.pk] = manager
    if errors:
        raise ValidationError(errors)
    cycle = ReviewCycle(
        name=name.strip(),
        period_start=period_start,
        period_end=period_end,
        template=template,
        self_review_due=self_review_due,
        manager_review_due=manager_review_due,
        created_by=user,
    )
    cycle.full_clean()
    cycle.save()
    bulk_create_with_history(
        [PerformanceReview(cycle=cycle, agent=agent, manager=managers[agent.pk]) for agent in chosen],
        PerformanceReview,
        default_user=user,
    )
    return cycle


def _move_cycle(cycle: ReviewCycle, user: Any, *, source: str, target: str) -> None:
    if not _may_run_cycle(cycle, user):
        raise PermissionDenied("Only the cycle's creator or an admin moves it on.")
    if cycle.status != source:
        raise ValidationError({"status": f"“{cycle}” is {cycle.get_status_display().lower()}."})
    cycle.status = target
    cycle.save(update_fields=["status"])


@transaction.atomic
def cycle_open(*, cycle: ReviewCycle, user: Any) -> ReviewCycle:
    """Open a draft cycle: agents write their self reviews, managers then theirs."""
    _move_cycle(cycle, user, source=CycleStatus.DRAFT, target=CycleStatus.OPEN)
    return cycle


@transaction.atomic
def cycle_to_calibration(*, cycle: ReviewCycle, user: Any) -> ReviewCycle:
    """Close the answering phase once every manager review is submitted; ratings can still be calibrated."""
    waiting = cycle.reviews.filter(manager_submitted_at__isnull=True).count()
    if cycle.status == CycleStatus.OPEN and waiting:
        raise ValidationError({"status": f"{waiting} manager review(s) are not submitted yet."})
    _move_cycle(cycle, user, source=CycleStatus.OPEN, target=CycleStatus.CALIBRATION)
    return cycle


@transaction.atomic
def cycle_to_sign_off(*, cycle: ReviewCycle, user: Any) -> ReviewCycle:
    """End calibration: every review waits for the agent's and the manager's signatures; the cycle is closed to
    answers and rating changes."""
    if cycle.status == CycleStatus.OPEN:
        cycle_to_calibration(cycle=cycle, user=user)
    _move_cycle(cycle, user, source=CycleStatus.CALIBRATION, target=CycleStatus.CLOSED)
    # Saved with history (not ``.update()``), so each review's history shows when it reached sign-off.
    reviews = list(cycle.reviews.filter(status=PerformanceReviewStatus.CALIBRATION))
    for review in reviews:
        review.status = PerformanceReviewStatus.SIGN_OFF
    bulk_update_with_history(reviews, PerformanceReview, ["status"], default_user=user)
    return cycle


@dataclass(frozen=True)
class AnswerInput:
    """One answer as sent: the question's id, words, and for a rating question a rating on the template's scale."""

    question: int
    text: str = ""
    rating: int | None = None


def _answer_author(review: PerformanceReview, user: Any) -> str:
    if review.agent.user_id == user.pk:
        return AnswerAuthor.SELF
    if review.manager_id == user.pk or is_manager_of(user, review.agent):
        return AnswerAuthor.MANAGER
    raise PermissionDenied("Only the agent and their manager answer this review.")


def _check_answering(review: PerformanceReview, author: str) -> None:
    cycle = review.cycle
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError({"status": f"“{cycle}” is {cycle.get_status_display().lower()}: answers are closed."})
    if author == AnswerAuthor.SELF:
        if review.status != PerformanceReviewStatus.SELF_REVIEW:
            raise ValidationError({"status": "Your self review is closed: it was submitted or the manager took over."})
        return
    if review.status == PerformanceReviewStatus.MANAGER_REVIEW:
        return
    if review.status == PerformanceReviewStatus.SELF_REVIEW:
        due = cycle.self_review_due
        if due is not None and timezone.localdate(timezone=review.agent.zone) > due:
            return
        raise ValidationError({"status": "The self review is not submitted yet (nor past its due date)."})
    raise ValidationError({"status": "The manager review is already submitted."})


def review_answering_as(review: PerformanceReview, user: Any) -> str | None:
    """Who the user answers as right now (``self`` or ``manager``), or None when they may not answer."""
    try:
        author = _answer_author(review, user)
        _check_answering(review, author)
    except (PermissionDenied, ValidationError):
        return None
    return author


def review_shows_manager_side(review: PerformanceReview, user: Any) -> bool:
    """The agent sees the manager's answers, the rating and its calibration only from sign-off on; others always."""
    return review.agent.user_id != user.pk or review.status in (
        PerformanceReviewStatus.SIGN_OFF,
        PerformanceReviewStatus.SIGNED,
    )


def review_answers_for(review: PerformanceReview, user: Any) -> list[ReviewAnswer]:
    """The review's answers the user may read (from ``review.answers.all()``, prefetched): the agent sees the
    manager's only from sign-off on; others see the self review once it is submitted."""
    is_agent = review.agent.user_id == user.pk
    shows_manager = review_shows_manager_side(review, user)
    return [
        answer
        for answer in review.answers.all()
        if (answer.author == AnswerAuthor.MANAGER and shows_manager)
        or (answer.author == AnswerAuthor.SELF and (is_agent or review.self_submitted_at is not None))
    ]


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding="ROUND_HALF_UP"))


@transaction.atomic
def review_answers_save(
    *,
    review: PerformanceReview,
    user: Any,
    answers: Sequence[AnswerInput],
    submit: bool = False,
    overall_rating: int | None = None,
) -> PerformanceReview:
    """Save the agent's (self) or the manager's answers; with ``submit``, every question must be answered. The
    agent's submission hands the review to the manager. The manager's submission sets the overall rating (given, or
    the rounded mean of their ratings), freezes the evidence and moves the review to calibration."""
    review = PerformanceReview.objects.select_for_update().select_related("cycle__template", "agent").get(pk=review.pk)
    author = _answer_author(review, user)
    _check_answering(review, author)
    template = review.cycle.template
    questions = {question.pk: question for question in template.questions.all()}
    scale = f"from {template.rating_min} to {template.rating_max}"
    errors: list[str] = []
    for answer in answers:
        question = questions.get(answer.question)
        if question is None:
            errors.append(f"Question {answer.question} is not part of “{template}”.")
            continue
        if answer.rating is not None:
            if question.kind != ReviewQuestionKind.RATING:
                errors.append(f"“{question.text}” is answered in words, not with a rating.")
            elif not template.rating_min <= answer.rating <= template.rating_max:
                errors.append(f"“{question.text}”: rate {scale} (got {answer.rating}).")
    if overall_rating is not None and not template.rating_min <= overall_rating <= template.rating_max:
        raise ValidationError({"rating": [f"Rate {scale} (got {overall_rating})."]})
    if errors:
        raise ValidationError({"answers": errors})
    stored = {answer.question_id: answer for answer in review.answers.filter(author=author)}
    for answer in answers:
        row = stored.get(answer.question) or ReviewAnswer(review=review, question_id=answer.question, author=author)
        row.text = answer.text.strip()
        row.rating = answer.rating
        row.save()
        stored[answer.question] = row
    if not submit:
        return review
    missing = [
        question.text
        for question in questions.values()
        if question.pk not in stored
        or (question.kind == ReviewQuestionKind.RATING and stored[question.pk].rating is None)
        or (question.kind == ReviewQuestionKind.TEXT and not stored[question.pk].text)
    ]
    if missing:
        raise ValidationError({"answers": [f"“{text}” is not answered yet." for text in missing]})
    now = timezone.now()
    if author == AnswerAuthor.SELF:
        review.self_submitted_at = now
        review.status = PerformanceReviewStatus.MANAGER_REVIEW
        review.save(update_fields=["self_submitted_at", "status"])
        return review
    if overall_rating is None:
        ratings = [
            stored[pk].rating for pk, question in questions.items() if question.kind == ReviewQuestionKind.RATING
        ]
        if not ratings:
            raise ValidationError({"rating": ["Give an overall rating: the template has no rating question."]})
        overall_rating = _round_half_up(Decimal(sum(r for r in ratings if r is not None)) / len(ratings))
    review.rating = overall_rating
    review.manager_submitted_at = now
    review.evidence = review_evidence(review)
    review.status = PerformanceReviewStatus.CALIBRATION
    review.save(update_fields=["rating", "manager_submitted_at", "evidence", "status"])
    return review


@transaction.atomic
def review_calibrate(*, review: PerformanceReview, user: Any, rating: int, reason: str) -> PerformanceReview:
    """Adjust a submitted review's rating in calibration, with a reason (admins and managers of the agent's team)."""
    if not review_may_calibrate(review, user):
        raise PermissionDenied("Only admins and managers of the agent's team calibrate ratings.")
    if review.status != PerformanceReviewStatus.CALIBRATION or review.cycle.status == CycleStatus.CLOSED:
        if review.manager_submitted_at is None:
            raise ValidationError({"status": "The manager review is not submitted yet."})
        raise ValidationError({"status": "Calibration is over for this review."})
    template = review.cycle.template
    errors: dict[str, list[str]] = {}
    if not template.rating_min <= rating <= template.rating_max:
        errors["rating"] = [f"Rate from {template.rating_min} to {template.rating_max} (got {rating})."]
    if not reason.strip():
        errors["reason"] = ["Say why the rating changes."]
    if errors:
        raise ValidationError(errors)
    review.calibrated_rating = rating
    review.calibration_reason = reason.strip()
    review.save(update_fields=["calibrated_rating", "calibration_reason"])
    return review


@transaction.atomic
def review_sign(*, review: PerformanceReview, user: Any) -> PerformanceReview:
    """The agent or the review's manager signs; signed by both, the review is done."""
    review = PerformanceReview.objects.select_for_update().select_related("agent").get(pk=review.pk)
    is_agent = review.agent.user_id == user.pk
    if not is_agent and review.manager_id != user.pk:
        raise PermissionDenied("Only the agent and the review's manager sign it.")
    if review.manager_submitted_at is None:
        raise ValidationError({"status": "The manager review is not submitted yet."})
    if review.status == PerformanceReviewStatus.CALIBRATION:
        raise ValidationError({"status": "The review is still in calibration; sign once the cycle moves to sign-off."})
    field = "agent_signed_at" if is_agent else "manager_signed_at"
    if getattr(review, field) is not None:
        raise ValidationError({"status": "You already signed this review."})
    setattr(review, field, timezone.now())
    if review.agent_signed_at is not None and review.manager_signed_at is not None:
        review.status = PerformanceReviewStatus.SIGNED
    review.save(update_fields=[field, "status"])
    return review


# --- evidence -------------------------------------------------------------------------------------------------------


def review_evidence(review: PerformanceReview) -> dict[str, Any]:
    """The evidence of the review's period (local days of the agent's zone) as JSON-ready data: KPIs from
    ``performance.kpis.slice_kpis`` over the agent (contacts, AHT, first response, resolution, FCR, CSAT, IQS,
    adherence), the QA reviews behind IQS (``slice_reviews``) with links to them and their conversations, 1:1 action
    items completed, onboarding enrollments completed and certifications granted."""
    cycle = review.cycle
    agent = review.agent
    period = period_of_days(first_day=cycle.period_start, last_day=cycle.period_end, zone=agent.zone)
    start, end = period.start, period.end
    scope = Slice(agent_id=agent.pk)
    kpis = slice_kpis(scope, start=start, end=end)
    qa_reviews = (
        slice_reviews(scope, start=start, end=end).select_related("conversation").order_by("submitted_at", "pk")
    )
    items = (
        ActionItem.objects.filter(series__agent_id=agent.pk, completed_at__gte=start, completed_at__lt=end)
        .select_related("owner")
        .order_by("completed_at", "pk")
    )
    enrollments = (
        Enrollment.objects.filter(agent_id=agent.pk, completed_at__gte=start, completed_at__lt=end)
        .select_related("version__curriculum")
        .order_by("completed_at", "pk")
    )
    grants = (
        CertificationGrant.objects.filter(
            agent_id=agent.pk, granted_on__gte=cycle.period_start, granted_on__lte=cycle.period_end
        )
        .select_related("certification")
        .order_by("granted_on", "pk")
    )
    return {
        "period": {"start": cycle.period_start.isoformat(), "end": cycle.period_end.isoformat()},
        "kpis": asdict(kpis),
        "qa_reviews": [
            {
                "id": qa.pk,
                "url": reverse("qa-review", args=[qa.pk]),
                "score": None if qa.score is None else float(qa.score),
                "submitted_at": qa.submitted_at.isoformat() if qa.submitted_at else None,
                "conversation_id": qa.conversation_id,
                "conversation_url": reverse("conversation-detail", args=[qa.conversation_id]),
                "conversation_subject": qa.conversation.subject,
            }
            for qa in qa_reviews
        ],
        "action_items": [
            {
                "id": item.pk,
                "text": item.text,
                "owner": person_name(item.owner),
                "completed_at": item.completed_at.isoformat() if item.completed_at else None,
            }
            for item in items
        ],
        "enrollments": [
            {
                "id": enrollment.pk,
                "curriculum": enrollment.version.curriculum.name,
                "completed_at": enrollment.completed_at.isoformat() if enrollment.completed_at else None,
            }
            for enrollment in enrollments
        ],
        "certifications": [
            {
                "id": grant.pk,
                "certification": grant.certification.name,
                "granted_on": grant.granted_on.isoformat(),
                "expires_on": grant.expires_on.isoformat(),
            }
            for grant in grants
        ],
        "frozen": False,
    }


def _local_day(moment: str | None, zone: Any) -> str | None:
    """The agent's local date (``YYYY-MM-DD``) of a stored ISO time; None when there is none."""
    if not moment:
        return None
    return datetime.fromisoformat(moment).astimezone(zone).date().isoformat()


def review_evidence_for(review: PerformanceReview) -> dict[str, Any]:
    """The frozen evidence once the manager submitted, else the live evidence; each dated row also carries its date
    in the agent's zone (``submitted_on`` / ``completed_on``), computed here so older frozen evidence gets it too."""
    if review.manager_submitted_at is not None and review.evidence:
        evidence = {**review.evidence, "frozen": True}
    else:
        evidence = review_evidence(review)
    zone = review.agent.zone
    for key, stamp, day in (
        ("qa_reviews", "submitted_at", "submitted_on"),
        ("action_items", "completed_at", "completed_on"),
        ("enrollments", "completed_at", "completed_on"),
    ):
        evidence[key] = [{**row, day: _local_day(row.get(stamp), zone)} for row in evidence.get(key) or []]
    return evidence


@dataclass(frozen=True)
class RatingCount:
    """How many of a cycle's reviews carry a rating, as the managers rated and after calibration."""

    rating: int
    label: str
    before: int
    after: int


def cycle_distribution(cycle: ReviewCycle, *, viewer: Any = None) -> list[RatingCount]:
    """Counts per rating on the template's scale across the cycle's submitted reviews (one query), leaving out the
    viewer's own review: a manager who is also an agent of the cycle does not read their own rating here."""
    template = cycle.template
    reviews = cycle.reviews.filter(rating__isnull=False)
    if viewer is not None:
        reviews = reviews.exclude(agent__user_id=viewer.pk)
    rows = list(reviews.values_list("rating", "calibrated_rating"))
    labels = list(template.rating_labels or [])
    result = []
    for position, rating in enumerate(range(template.rating_min, template.rating_max + 1)):
        result.append(
            RatingCount(
                rating=rating,
                label=str(labels[position]) if position < len(labels) else str(rating),
                before=sum(1 for before, _ in rows if before == rating),
                after=sum(1 for before, after in rows if (after if after is not None else before) == rating),
            )
        )
    return result


# --- improvement plans ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalInput:
    """A goal as sent: the metric, at least (or at most) the target, over the last ``window_days``."""

    metric: str
    at_least: bool
    target: Decimal | float | int | str
    window_days: int = 28
    description: str = ""


def _goal_errors(index: int, goal: GoalInput) -> tuple[list[str], Decimal | None]:
    errors: list[str] = []
    if goal.metric not in PlanMetric.values:
        errors.append(f"Goal {index + 1}: choose a metric among {', '.join(PlanMetric.values)} (got {goal.metric!r}).")
    try:
        target: Decimal | None = Decimal(str(goal.target))
    except InvalidOperation:
        errors.append(f"Goal {index + 1}: the target is not a number ({goal.target!r}).")
        target = None
    if target is not None:
        if goal.metric in PERCENT_METRICS and not Decimal(0) <= target <= Decimal(100):
            errors.append(f"Goal {index + 1}: a percentage target is from 0 to 100 (got {target}).")
        elif target < 0:
            errors.append(f"Goal {index + 1}: the target cannot be negative (got {target}).")
    if not 1 <= goal.window_days <= 365:
        errors.append(f"Goal {index + 1}: the window is from 1 to 365 days (got {goal.window_days}).")
    return errors, target


@transaction.atomic
def plan_create(
    *,
    agent: Agent,
    manager: Any,
    title: str,
    start_date: date,
    end_date: date,
    goals: Sequence[GoalInput | tuple[Any, ...]],
    user: Any,
) -> ImprovementPlan:
    """An active improvement plan with its goals, created by a manager of the agent or an admin; ``manager`` (who
    runs it) must be one of the agent's managers."""
    if not is_manager_of(user, agent):
        raise PermissionDenied(f"{agent.display_name} is not one of your reports.")
    errors = dates_out_of_range(start_date=start_date, end_date=end_date)
    if not title.strip():
        errors["title"] = ["Give the plan a title."]
    if end_date <= start_date and "end_date" not in errors:
        errors["end_date"] = ["The plan ends on or before its start."]
    if not is_manager_of(manager, agent):
        errors["manager"] = [f"{manager} is not a manager of {agent.display_name}."]
    inputs = [goal if isinstance(goal, GoalInput) else GoalInput(*goal) for goal in goals]
    if not inputs:
        errors["goals"] = ["Give the plan at least one goal."]
    targets: list[Decimal] = []
    for index, goal in enumerate(inputs):
        goal_errors, target = _goal_errors(index, goal)
        targets.append(target if target is not None else Decimal(0))
        if goal_errors:
            errors.setdefault("goals", []).extend(goal_errors)
    if errors:
        raise ValidationError(errors)
    plan = ImprovementPlan.objects.create(
        agent=agent, manager=manager, title=title.strip(), start_date=start_date, end_date=end_date
    )
    PlanGoal.objects.bulk_create(
        PlanGoal(
            plan=plan,
            metric=goal.metric,
            at_least=goal.at_least,
            target=target,
            window_days=goal.window_days,
            description=goal.description.strip(),
        )
        for goal, target in zip(inputs, targets, strict=True)
    )
    return plan


def plan_run_by(plan: ImprovementPlan, user: Any) -> bool:
    """The plan's manager, the agent's other managers and admins run a plan (check-ins, outcome)."""
    return plan.agent.user_id != user.pk and (plan.manager_id == user.pk or is_manager_of(user, plan.agent))


def _check_plan_manager(plan: ImprovementPlan, user: Any) -> None:
    if plan_run_by(plan, user):
        return
    raise PermissionDenied("Only the agent's managers and admins run the plan.")


def _check_running(plan: ImprovementPlan) -> None:
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.EXTENDED):
        raise ValidationError({"status": f"The plan is {plan.get_status_display().lower()}."})


@transaction.atomic
def plan_check_in(*, plan: ImprovementPlan, user: Any, note: str) -> PlanCheckIn:
    """A dated note on a running plan, by one of the agent's managers or an admin."""
    _check_plan_manager(plan, user)
    _check_running(plan)
    if not note.strip():
        raise ValidationError({"note": ["Write what was discussed."]})
    return PlanCheckIn.objects.create(plan=plan, author=user, note=note.strip())


@transaction.atomic
def plan_close(
    *, plan: ImprovementPlan, user: Any, outcome: str, note: str = "", new_end_date: date | None = None
) -> ImprovementPlan:
    """Record the outcome: passed, ended, or extended to a later end date (the plan keeps running)."""
    _check_plan_manager(plan, user)
    _check_running(plan)
    outcomes = (PlanStatus.PASSED, PlanStatus.EXTENDED, PlanStatus.ENDED)
    if outcome not in outcomes:
        raise ValidationError({"outcome": [f"Choose passed, extended or ended (got {outcome!r})."]})
    if outcome == PlanStatus.EXTENDED:
        if new_end_date is None:
            raise ValidationError({"new_end_date": ["Give the new end date of the extended plan."]})
        if errors := dates_out_of_range(new_end_date=new_end_date):
            raise ValidationError(errors)
        if new_end_date <= plan.end_date:
            raise ValidationError({"new_end_date": [f"The new end date comes after {plan.end_date:%Y-%m-%d}."]})
        plan.end_date = new_end_date
    plan.status = outcome
    plan.outcome_note = note.strip()
    plan.save(update_fields=["status", "outcome_note", "end_date"])
    return plan


@dataclass(frozen=True)
class GoalProgress:
    """Where a goal stands: the metric's value over its window (None: no data in the window) and whether the target
    is met."""

    goal: PlanGoal
    value: float | None
    is_met: bool
    window_start: date
    window_end: date
    note: str

    @property
    def percent_of_target(self) -> int:
        """How far the value is towards the target, 0-100, for a progress bar."""
        if self.value is None:
            return 0
        target = float(self.goal.target)
        if self.goal.at_least:
            share = 1.0 if target <= 0 else self.value / target
        else:
            share = 1.0 if self.value <= target else (target / self.value if self.value else 1.0)
        return max(0, min(100, round(share * 100)))


def _metric_value(metric: str, kpis: Any) -> float | None:
    values: dict[str, float | None] = {
        PlanMetric.IQS: kpis.iqs,
        PlanMetric.CSAT: kpis.csat_percent,
        PlanMetric.AHT: kpis.aht_seconds,
        PlanMetric.FRT: kpis.first_response_median_seconds,
        PlanMetric.FCR: kpis.fcr_percent,
        PlanMetric.ADHERENCE: kpis.adherence_percent,
    }
    return values[str(metric)]


def plan_progress(plan: ImprovementPlan, *, today: date | None = None) -> list[GoalProgress]:
    """Each goal's metric over its last ``window_days`` up to today (or the plan's end, when sooner), in the agent's
    zone, from ``performance.kpis.slice_kpis`` (one set of queries per distinct window). Every metric is measured;
    a goal whose window holds no data says so ("no data in the window")."""
    zone = plan.agent.zone
    last_day = min(today or timezone.localdate(timezone=zone), plan.end_date)
    cache: dict[int, Any] = {}
    result = []
    goals = list(plan.goals.all())
    needs_adherence = any(goal.metric == PlanMetric.ADHERENCE for goal in goals)
    for goal in goals:
        first_day = last_day - timedelta(days=goal.window_days - 1)
        if goal.window_days not in cache:
            window = period_of_days(first_day=first_day, last_day=last_day, zone=zone)
            cache[goal.window_days] = slice_kpis(
                Slice(agent_id=plan.agent_id),
                start=window.start,
                end=window.end,
                with_adherence=needs_adherence,
            )
        value = _metric_value(goal.metric, cache[goal.window_days])
        if value is None:
            result.append(GoalProgress(goal, None, False, first_day, last_day, "no data in the window"))
            continue
        target = float(goal.target)
        met = value >= target if goal.at_least else value <= target
        result.append(GoalProgress(goal, value, met, first_day, last_day, "met" if met else "not met"))
    return result
