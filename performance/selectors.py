"""Reads of conversation QA: review lists and details, the reviewer's queue, and IQS over any slice — computed by
database aggregation with a fixed number of queries.

IQS is the mean score of submitted standard reviews (calibration and benchmark reviews never count). Criterion
averages are the mean criterion score over the reviews where it was rated (N/A left out), without the critical
zeroing: ``(value − scale min) / (scale max − scale min) × 100``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Case, Count, F, FloatField, Max, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncWeek

from supportops.models import Team

from .models import (
    AssignmentStatus,
    Criterion,
    Rating,
    Review,
    ReviewAssignment,
    ScaleKind,
    SectionKind,
)


def review_list(*, user: Any) -> QuerySet[Review]:
    """Reviews the user may see, newest first, with what a list row shows."""
    return (
        Review.objects.visible_to(user)
        .select_related("conversation__queue", "agent__user", "agent__team", "reviewer", "version__scorecard")
        .order_by(F("submitted_at").desc(nulls_first=True), "-pk")
    )


def review_detail(*, user: Any) -> QuerySet[Review]:
    """Reviews the user may see, with ratings and their criteria (for one review's page or API detail)."""
    return review_list(user=user).prefetch_related(
        Prefetch("ratings", queryset=Rating.objects.select_related("criterion__section"))
    )


def reviewer_queue(*, user: Any) -> QuerySet[ReviewAssignment]:
    """The reviewer's open assignments, oldest cycle first, with the conversation and any draft."""
    return (
        ReviewAssignment.objects.filter(reviewer=user, status=AssignmentStatus.ASSIGNED)
        .select_related(
            "conversation__queue", "conversation__agent__user", "conversation__agent__team", "cycle__rule__team"
        )
        .order_by("cycle__period_start", "conversation__created_at", "pk")
    )


# --- IQS ------------------------------------------------------------------------------------------------------------


def _score_expression() -> Case:
    """A rating's criterion score in %, from its scale (binary 0-1, N-point 1-N)."""
    value = F("value")
    return Case(
        When(criterion__scale=ScaleKind.BINARY, then=value * Value(100.0)),
        When(criterion__scale=ScaleKind.THREE, then=(value - 1) * Value(50.0)),
        When(criterion__scale=ScaleKind.FOUR, then=(value - 1) * Value(100.0 / 3)),
        When(criterion__scale=ScaleKind.FIVE, then=(value - 1) * Value(25.0)),
        output_field=FloatField(),
    )


@dataclass(frozen=True)
class IQSRow:
    """IQS of one slice (an agent, a reviewer, a week, a criterion, or everything) and its review count."""

    key: str
    label: str
    iqs: float | None
    reviews: int


def counted_reviews(
    *, user: Any, team: Team | None = None, agent_id: int | None = None, start: date | None = None,
    end: date | None = None, zone: Any = None,
) -> QuerySet[Review]:  # fmt: skip
    """Submitted standard reviews the user may see, filtered by team, agent and submission dates (``end``
    inclusive, local dates in ``zone``, else the team's zone, else UTC)."""
    reviews = Review.objects.visible_to(user).counted()
    if team is not None:
        reviews = reviews.filter(agent__team=team)
    if agent_id is not None:
        reviews = reviews.filter(agent_id=agent_id)
    zone = zone or (team.zone if team is not None else UTC)
    if start is not None:
        reviews = reviews.filter(submitted_at__gte=datetime.combine(start, time(0), tzinfo=zone))
    if end is not None:
        reviews = reviews.filter(submitted_at__lt=datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone))
    return reviews


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def iqs_total(reviews: QuerySet[Review]) -> IQSRow:
    """IQS over the reviews (one query)."""
    row = reviews.aggregate(iqs=Avg("score"), reviews=Count("pk"))
    return IQSRow(key="all", label="All reviews", iqs=_rounded(row["iqs"]), reviews=row["reviews"])


def iqs_by_agent(reviews: QuerySet[Review]) -> list[IQSRow]:
    """IQS per reviewed agent, lowest first (one query)."""
    rows = (
        reviews.order_by()
        .values("agent_id", "agent__user__first_name", "agent__user__last_name", "agent__user__username")
        .annotate(iqs=Avg("score"), reviews=Count("pk"))
    )
    result = [
        IQSRow(
            key=str(row["agent_id"]),
            label=f"{row['agent__user__first_name']} {row['agent__user__last_name']}".strip()
            or row["agent__user__username"],
            iqs=_rounded(row["iqs"]),
            reviews=row["reviews"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda item: (item.iqs if item.iqs is not None else 1e9, item.label))


def iqs_by_week(reviews: QuerySet[Review], *, zone: Any) -> list[IQSRow]:
    """IQS per week of submission (weeks start on Monday in ``zone``), oldest first (one query)."""
    rows = (
        reviews.order_by()
        .annotate(week=TruncWeek("submitted_at", tzinfo=zone))
        .values("week")
        .annotate(iqs=Avg("score"), reviews=Count("pk"))
        .order_by("week")
    )
    return [
        IQSRow(
            key=row["week"].date().isoformat(),
            label=f"Week of {row['week']:%d %b}",
            iqs=_rounded(row["iqs"]),
            reviews=row["reviews"],
        )
        for row in rows
    ]


def iqs_by_team(reviews: QuerySet[Review]) -> list[IQSRow]:
    """IQS per team of the reviewed agents, lowest first (one query)."""
    rows = (
        reviews.order_by().values("agent__team_id", "agent__team__name").annotate(iqs=Avg("score"), reviews=Count("pk"))
    )
    result = [
        IQSRow(
            key=str(row["agent__team_id"]),
            label=row["agent__team__name"],
            iqs=_rounded(row["iqs"]),
            reviews=row["reviews"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda item: (item.iqs if item.iqs is not None else 1e9, item.label))


def iqs_by_criterion(reviews: QuerySet[Review]) -> list[IQSRow]:
    """Average score per criterion of scored sections, over the reviews where it was rated (no critical zeroing),
    grouped by criterion key across scorecard versions; lowest first (one query)."""
    rows = (
        Rating.objects.filter(review__in=reviews.values("pk"), value__isnull=False)
        .exclude(criterion__section__kind=SectionKind.AUTO_FAIL)
        .values("criterion__key")
        .annotate(
            average=Avg(_score_expression()), reviews=Count("review_id", distinct=True), name=Max("criterion__name")
        )
        .order_by("criterion__key")
    )
    result = [
        IQSRow(key=row["criterion__key"], label=row["name"], iqs=_rounded(row["average"]), reviews=row["reviews"])
        for row in rows
    ]
    return sorted(result, key=lambda item: (item.iqs if item.iqs is not None else 1e9, item.label))


def iqs_by_reviewer(reviews: QuerySet[Review]) -> list[IQSRow]:
    """IQS of the reviews each reviewer gave (one query): a reviewer far from the others may need calibration."""
    rows = (
        reviews.order_by()
        .values("reviewer_id", "reviewer__first_name", "reviewer__last_name", "reviewer__username")
        .annotate(iqs=Avg("score"), reviews=Count("pk"))
        .order_by("reviewer__username")
    )
    return [
        IQSRow(
            key=str(row["reviewer_id"]),
            label=f"{row['reviewer__first_name']} {row['reviewer__last_name']}".strip() or row["reviewer__username"],
            iqs=_rounded(row["iqs"]),
            reviews=row["reviews"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ReviewerThroughput:
    """Reviews a reviewer submitted in a period and the mean minutes they spent per review."""

    reviewer_id: int
    name: str
    submitted: int
    minutes_per_review: float | None


def reviewer_throughput(reviews: QuerySet[Review]) -> list[ReviewerThroughput]:
    """Per reviewer: reviews submitted and mean minutes per review (from the time the workspace recorded)."""
    rows = (
        reviews.order_by()
        .values("reviewer_id", "reviewer__first_name", "reviewer__last_name", "reviewer__username")
        .annotate(
            submitted=Count("pk"),
            seconds=Sum("seconds_spent"),
            timed=Count("pk", filter=Q(seconds_spent__gt=0)),
        )
        .order_by("-submitted", "reviewer__username")
    )
    return [
        ReviewerThroughput(
            reviewer_id=row["reviewer_id"],
            name=f"{row['reviewer__first_name']} {row['reviewer__last_name']}".strip() or row["reviewer__username"],
            submitted=row["submitted"],
            minutes_per_review=round(row["seconds"] / row["timed"] / 60, 1) if row["timed"] else None,
        )
        for row in rows
    ]


def criteria_of(review: Review) -> list[Criterion]:
    """The criteria of the review's version in display order (sections by position)."""
    return list(
        Criterion.objects.filter(section__version_id=review.version_id)
        .select_related("section")
        .order_by("section__position", "section__pk", "position", "pk")
    )


__all__ = [
    "IQSRow",
    "ReviewerThroughput",
    "counted_reviews",
    "criteria_of",
    "iqs_by_agent",
    "iqs_by_criterion",
    "iqs_by_reviewer",
    "iqs_by_team",
    "iqs_by_week",
    "iqs_total",
    "review_detail",
    "review_list",
    "reviewer_queue",
    "reviewer_throughput",
]
