"""Reads of onboarding progress: enrollments a user may see, each one's percent done and health (on track, at risk,
overdue), and time-to-proficiency per agent and per cohort, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from onboarding.business_days import add_business_days, business_days_between
from onboarding.models import (
    DONE_STATES,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    ModuleProgress,
    ProgressState,
    QuizAnswer,
    QuizAttempt,
    ShadowingSession,
    TaskSubmission,
)
from supportops.models import Market

__all__ = [
    "AT_RISK_WINDOW_BUSINESS_DAYS",
    "CohortProficiency",
    "EnrollmentHealth",
    "ProgressSummary",
    "cohort_time_to_proficiency",
    "enrollment_list",
    "enrollment_progress",
    "enrollment_summaries",
    "progress_list",
    "quiz_attempt_list",
    "shadowing_session_list",
    "task_submission_list",
]

AT_RISK_WINDOW_BUSINESS_DAYS = 2


class EnrollmentHealth:
    """How an enrollment is doing."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    COMPLETED = "completed"


@dataclass
class ProgressSummary:
    """One enrollment at a glance: percent of estimated minutes done, health and why."""

    enrollment_id: int
    percent_done: float
    health: str
    overdue_modules: list[str] = field(default_factory=list)
    at_risk_modules: list[str] = field(default_factory=list)
    time_to_proficiency_days: int | None = None


@dataclass(frozen=True)
class CohortProficiency:
    """Time-to-proficiency of a cohort: average business days from start to completion of its completed members."""

    cohort_id: int
    completed: int
    enrolled: int
    average_business_days: float | None


def enrollment_list(*, user: Any) -> QuerySet[Enrollment]:
    """Enrollments the user may see, with what a list shows."""
    return Enrollment.objects.visible_to(user).select_related(
        "agent__user", "agent__team__market", "version__curriculum", "cohort", "buddy__user"
    )


def enrollment_progress(*, enrollment: Enrollment) -> QuerySet[ModuleProgress]:
    """The enrollment's modules in order, with their phase."""
    return enrollment.progress.select_related("module__phase").order_by("module__position", "module_id")


class _Holidays:
    """Public holidays per market, fetched once per market and range."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.cache: dict[int, frozenset[date]] = {}

    def of(self, market: Market | None) -> frozenset[date]:
        if market is None:
            return frozenset()
        if market.pk not in self.cache:
            self.cache[market.pk] = frozenset(market.public_holidays(self.start, self.end))
        return self.cache[market.pk]


def _market_of(enrollment: Enrollment) -> Market | None:
    team = enrollment.agent.team if enrollment.agent.team_id else None
    return team.market if team is not None else None


def enrollment_summaries(enrollments: Iterable[Enrollment], *, today: date | None = None) -> dict[int, ProgressSummary]:
    """Percent done, health and time-to-proficiency of many enrollments in one query (plus the enrollments').

    Percent done weighs each completed or waived module by its estimated minutes. Health: overdue when a module is
    past due and not done; at risk when a module due within two business days is not started, or a quiz failed;
    else on track. Enrollments must come with ``agent__team__market`` selected.
    """
    enrollments = list(enrollments)
    if not enrollments:
        return {}
    today = today or timezone.localdate()
    starts = [enrollment.start_date for enrollment in enrollments]
    holidays = _Holidays(min([*starts, today]) - timedelta(days=7), today + timedelta(days=60))
    rows: dict[int, list[tuple[str, date, int, str]]] = defaultdict(list)
    for row in (
        ModuleProgress.objects.filter(enrollment__in=[enrollment.pk for enrollment in enrollments])
        .order_by("module__position", "module_id")
        .values_list("enrollment_id", "state", "due_date", "module__estimated_minutes", "module__title")
    ):
        rows[row[0]].append(row[1:])
    summaries = {}
    for enrollment in enrollments:
        market_holidays = holidays.of(_market_of(enrollment))
        window_end = add_business_days(today, AT_RISK_WINDOW_BUSINESS_DAYS, market_holidays)
        total = done = 0
        overdue, at_risk = [], []
        for state, due_date, minutes, title in rows[enrollment.pk]:
            total += minutes
            if state in DONE_STATES:
                done += minutes
                continue
            if due_date < today:
                overdue.append(title)
            elif state == ProgressState.FAILED or (state == ProgressState.NOT_STARTED and due_date <= window_end):
                at_risk.append(title)
        if enrollment.status == EnrollmentStatus.COMPLETED:
            health = EnrollmentHealth.COMPLETED
        elif overdue:
            health = EnrollmentHealth.OVERDUE
        elif at_risk:
            health = EnrollmentHealth.AT_RISK
        else:
            health = EnrollmentHealth.ON_TRACK
        summaries[enrollment.pk] = ProgressSummary(
            enrollment_id=enrollment.pk,
            percent_done=round(100 * done / total, 1) if total else 0.0,
            health=health,
            overdue_modules=overdue,
            at_risk_modules=at_risk,
            time_to_proficiency_days=_time_to_proficiency(enrollment),
        )
    return summaries


def _time_to_proficiency(enrollment: Enrollment) -> int | None:
    """Business days from the start date to the completion day (holidays of the agent's market skipped)."""
    if enrollment.completed_at is None:
        return None
    finished = timezone.localdate(enrollment.completed_at, timezone=enrollment.agent.zone)
    market = _market_of(enrollment)
    market_holidays = (
        frozenset(market.public_holidays(enrollment.start_date, finished)) if market is not None else frozenset()
    )
    return business_days_between(enrollment.start_date, finished, market_holidays)


def cohort_time_to_proficiency(*, cohort: Cohort, user: Any = None) -> CohortProficiency:
    """Average business days from start to completion over the cohort's completed enrollments (those ``user``
    may see, when given)."""
    rows = cohort.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN)
    if user is not None:
        rows = rows.filter(pk__in=Enrollment.objects.visible_to(user).values("pk"))
    enrollments = list(rows.select_related("agent__team__market"))
    days = [d for d in (_time_to_proficiency(enrollment) for enrollment in enrollments) if d is not None]
    return CohortProficiency(
        cohort_id=cohort.pk,
        completed=len(days),
        enrolled=len(enrollments),
        average_business_days=round(sum(days) / len(days), 1) if days else None,
    )


def progress_list(*, user: Any) -> QuerySet[ModuleProgress]:
    """Module progress of enrollments the user may see, in module order."""
    return (
        ModuleProgress.objects.filter(enrollment__in=Enrollment.objects.visible_to(user))
        .select_related("module__phase")
        .order_by("enrollment_id", "module__position", "module_id")
    )


def quiz_attempt_list(*, user: Any) -> QuerySet[QuizAttempt]:
    """Quiz attempts of enrollments the user may see, with their answers."""
    return (
        QuizAttempt.objects.filter(progress__enrollment__in=Enrollment.objects.visible_to(user))
        .select_related("progress__module", "progress__enrollment__agent__user")
        .prefetch_related(Prefetch("answers", queryset=QuizAnswer.objects.select_related("question")))
        .order_by("-started_at", "-pk")
    )


def shadowing_session_list(*, user: Any) -> QuerySet[ShadowingSession]:
    """Shadowing sessions of enrollments the user may see."""
    return (
        ShadowingSession.objects.filter(progress__enrollment__in=Enrollment.objects.visible_to(user))
        .select_related("progress__module", "progress__enrollment__agent__user", "tenured_agent__user")
        .order_by("-started_at", "-pk")
    )


def task_submission_list(*, user: Any) -> QuerySet[TaskSubmission]:
    """Practical-task evidence of enrollments the user may see."""
    return (
        TaskSubmission.objects.filter(progress__enrollment__in=Enrollment.objects.visible_to(user))
        .select_related("progress__module", "progress__enrollment__agent__user", "reviewer")
        .order_by("-submitted_at", "-pk")
    )
