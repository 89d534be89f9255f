"""Onboarding pages: the new agent's "My onboarding" and module pages, the manager's cohort dashboard and the
reviewer queue.

An agent sees only their own enrollments (anyone else's module is a 404); someone without an agent profile gets an
explanatory empty page. The dashboard and the queue are for admins and managers (a manager sees their teams only;
agents and QA reviewers get a 403 page). Every write goes through one onboarding service; a refused write shows the
service's message on the page it came from (400) and stores nothing. Forms post plainly and redirect on success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from supportops import access
from supportops import selectors as core_selectors
from supportops.choices import AgentStatus
from supportops.models import Agent

from . import selectors, services
from .forms import GradeForm, QuizAnswersForm, ShadowingForm, SignOffForm, TaskReviewForm, TaskSubmissionForm
from .markdown import render_markdown
from .models import (
    DONE_STATES,
    Choice,
    Enrollment,
    EnrollmentStatus,
    Module,
    ModuleKind,
    ModuleProgress,
    Question,
    QuestionKind,
    QuizAnswer,
    QuizAttempt,
    SignOff,
    SubmissionStatus,
    TaskSubmission,
)
from .selectors import ProgressSummary
from .services.progress import missing_prerequisites


@dataclass(frozen=True)
class ModuleRow:
    """One module of the path as the agent sees it."""

    progress: ModuleProgress
    is_next: bool
    is_overdue: bool


@dataclass(frozen=True)
class PhaseBlock:
    """A phase of the path and its modules, in order."""

    name: str
    rows: list[ModuleRow]
    done: int


@dataclass(frozen=True)
class EnrollmentCard:
    """One enrollment on "My onboarding": progress weighted by estimated minutes, health, path by phase."""

    enrollment: Enrollment
    summary: ProgressSummary
    phases: list[PhaseBlock]
    next_up: ModuleProgress | None
    done_count: int
    total_count: int

    @property
    def percent(self) -> int:
        return int(self.summary.percent_done)

    @property
    def health_label(self) -> str:
        return HEALTH_LABELS.get(self.summary.health, self.summary.health)


HEALTH_LABELS = {
    selectors.EnrollmentHealth.ON_TRACK: "On track",
    selectors.EnrollmentHealth.AT_RISK: "At risk",
    selectors.EnrollmentHealth.OVERDUE: "Overdue",
    selectors.EnrollmentHealth.COMPLETED: "Completed",
}


def local_today(agent: Agent) -> date:
    """Today in the agent's time zone."""
    return timezone.now().astimezone(agent.zone).date()


def _phase_order(row: ModuleProgress) -> tuple[int, int, int]:
    phase = row.module.phase
    return (phase.position if phase is not None else 1 << 15, row.module.position, row.module_id)


def _card(enrollment: Enrollment, summary: ProgressSummary, today: date) -> EnrollmentCard:
    rows = sorted(enrollment.progress.all(), key=_phase_order)
    next_up = next((row for row in rows if row.state not in DONE_STATES), None)
    by_phase: dict[str, list[ModuleRow]] = {}
    for row in rows:
        name = row.module.phase.name if row.module.phase is not None else "Other"
        overdue = row.state not in DONE_STATES and row.due_date < today
        by_phase.setdefault(name, []).append(ModuleRow(progress=row, is_next=row is next_up, is_overdue=overdue))
    phases = [
        PhaseBlock(name=name, rows=module_rows, done=sum(1 for item in module_rows if item.progress.is_done))
        for name, module_rows in by_phase.items()
    ]
    return EnrollmentCard(
        enrollment=enrollment,
        summary=summary,
        phases=phases,
        next_up=next_up,
        done_count=sum(1 for row in rows if row.is_done),
        total_count=len(rows),
    )


def _enrollments_of(agent: Agent) -> list[Enrollment]:
    progress = ModuleProgress.objects.select_related("module__phase").order_by()
    return list(
        Enrollment.objects.filter(agent=agent)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("agent__team__market", "agent__user", "version__curriculum", "cohort", "buddy__user")
        .prefetch_related(Prefetch("progress", queryset=progress))
        .order_by("status", "-start_date", "pk")
    )


@login_required
@require_GET
def my_onboarding(request: HttpRequest) -> HttpResponse:
    """The agent's active enrollments with their path, what is next and due dates; finished ones below."""
    agent = core_selectors.agent_for_user(request.user)
    context: dict[str, Any] = {
        "agent": agent,
        "is_manager": access.is_admin(request.user) or access.is_manager(request.user),
    }
    if agent is not None:
        today = local_today(agent)
        enrollments = _enrollments_of(agent)
        summaries = selectors.enrollment_summaries(
            [e for e in enrollments if e.status == EnrollmentStatus.ACTIVE], today=today
        )
        context.update(
            today=today,
            active=[_card(e, summaries[e.pk], today) for e in enrollments if e.status == EnrollmentStatus.ACTIVE],
            completed=[e for e in enrollments if e.status == EnrollmentStatus.COMPLETED],
        )
    return render(request, "onboarding/my_onboarding.html", context)


# --- the module page ----------------------------------------------------------------------------------------------


def _own_progress_or_404(request: HttpRequest, pk: int) -> ModuleProgress:
    """A module of one of the signed-in agent's enrollments; anyone else's is a 404."""
    progress = (
        ModuleProgress.objects.select_related(
            "module__phase",
            "enrollment__agent__team__market",
            "enrollment__agent__user",
            "enrollment__version__curriculum",
        )
        .filter(pk=pk, enrollment__agent__user_id=request.user.pk or 0)
        .exclude(enrollment__status=EnrollmentStatus.WITHDRAWN)
        .first()
    )
    if progress is None:
        raise Http404("No such module in your onboarding.")
    return progress


def _colleagues(agent: Agent) -> QuerySet[Agent]:
    """Tenured (active) agents of the agent's market the agent may shadow."""
    return (
        Agent.objects.filter(team__market_id=agent.team.market_id, status=AgentStatus.ACTIVE)
        .exclude(pk=agent.pk)
        .select_related("user")
    )


def _attempt_questions(attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions in the order stored with it, choices included (never the key)."""
    by_id = {
        question.pk: question
        for question in Question.objects.filter(pk__in=attempt.question_order).prefetch_related(
            Prefetch("choices", queryset=Choice.objects.only("pk", "text", "position", "question_id"))
        )
    }
    return [by_id[pk] for pk in attempt.question_order if pk in by_id]


def _module_context(request: HttpRequest, progress: ModuleProgress, **overrides: Any) -> dict[str, Any]:
    module = progress.module
    agent = progress.enrollment.agent
    context: dict[str, Any] = {
        "progress": progress,
        "module": module,
        "agent": agent,
        "today": local_today(agent),
        "missing": missing_prerequisites(progress) if not progress.is_done else [],
        "is_open": progress.enrollment.status == EnrollmentStatus.ACTIVE and not progress.is_done,
    }
    if module.content:
        context["content_html"] = render_markdown(module.content)
    if module.kind == ModuleKind.QUIZ:
        attempts = list(progress.attempts.all())
        open_attempt = next((attempt for attempt in attempts if attempt.submitted_at is None), None)
        context.update(
            attempts=[attempt for attempt in attempts if attempt.submitted_at is not None],
            open_attempt=open_attempt,
            attempts_left=max(module.max_attempts - len(attempts), 0),
        )
        if open_attempt is not None:
            context["quiz_form"] = overrides.get("quiz_form") or QuizAnswersForm(
                questions=_attempt_questions(open_attempt)
            )
    elif module.kind == ModuleKind.SHADOWING:
        sessions = list(progress.shadowing_sessions.select_related("tenured_agent__user"))
        logged = sum(session.minutes for session in sessions)
        required = int(module.required_shadowing_hours * 60)
        context.update(
            sessions=sessions,
            logged_hours=f"{round(logged / 60, 2):g}",
            required_hours=f"{round(required / 60, 2):g}",
            shadowing_percent=min(100, round(100 * logged / required)) if required else 100,
            shadowing_form=overrides.get("shadowing_form") or ShadowingForm(colleagues=_colleagues(agent)),
        )
    elif module.kind == ModuleKind.PRACTICAL:
        submissions = list(progress.submissions.defer("private_note"))
        context.update(
            submissions=submissions,
            waiting=any(submission.status == SubmissionStatus.SUBMITTED for submission in submissions),
            task_form=overrides.get("task_form") or TaskSubmissionForm(),
        )
    elif module.kind == ModuleKind.SIGN_OFF:
        context["signed"] = SignOff.objects.filter(progress=progress).select_related("manager").first()
    context["action_error"] = overrides.get("action_error", "")
    return context


def _render_module(request: HttpRequest, progress: ModuleProgress, status: int = 200, **overrides: Any) -> HttpResponse:
    return render(request, "onboarding/module.html", _module_context(request, progress, **overrides), status=status)


def _messages_of(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _back(progress: ModuleProgress) -> HttpResponse:
    return redirect("onboarding-module", pk=progress.pk)


@login_required
@require_GET
def module_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One module of the agent's path: its content and what the agent can do on it."""
    return _render_module(request, _own_progress_or_404(request, pk))


@login_required
@require_POST
def lesson_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a lesson complete."""
    progress = _own_progress_or_404(request, pk)
    try:
        services.lesson_complete(progress=progress, user=request.user)
    except ValidationError as error:
        return _render_module(request, progress, status=400, action_error=_messages_of(error))
    messages.success(request, f"“{progress.module.title}” is complete.")
    return redirect("my-onboarding")


@login_required
@require_POST
def quiz_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a quiz attempt (or go back to the open one)."""
    progress = _own_progress_or_404(request, pk)
    try:
        services.quiz_attempt_start(progress=progress, user=request.user)
    except ValidationError as error:
        return _render_module(request, progress, status=400, action_error=_messages_of(error))
    return _back(progress)


@login_required
@require_POST
def quiz_submit(request: HttpRequest, pk: int, attempt_pk: int) -> HttpResponse:
    """Submit the answers of the open attempt."""
    progress = _own_progress_or_404(request, pk)
    attempt = get_object_or_404(QuizAttempt, pk=attempt_pk, progress=progress)
    form = QuizAnswersForm(request.POST, questions=_attempt_questions(attempt))
    if not form.is_valid():
        return _render_module(request, progress, status=400, quiz_form=form)
    answers = [
        services.AnswerInput(
            question_id=item["question"], choice_ids=item.get("choice_ids", []), text=item.get("text", "")
        )
        for item in form.answers()
    ]
    try:
        result = services.quiz_attempt_submit(attempt=attempt, answers=answers, user=request.user)
    except ValidationError as error:
        return _render_module(request, progress, status=400, quiz_form=form, action_error=_messages_of(error))
    if result.passed is None:
        messages.success(request, "Submitted. A reviewer grades your written answers; your score follows.")
    elif result.passed:
        messages.success(request, f"Passed with {result.score_percent:g}%.")
    else:
        messages.error(
            request, f"Not passed: {result.score_percent:g}% (pass mark {progress.module.pass_mark_percent}%)."
        )
    return _back(progress)


@login_required
@require_POST
def shadowing_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a shadowing session (times in the agent's zone)."""
    progress = _own_progress_or_404(request, pk)
    agent = progress.enrollment.agent
    with timezone.override(agent.zone):
        form = ShadowingForm(request.POST, colleagues=_colleagues(agent))
        valid = form.is_valid()
    if not valid:
        return _render_module(request, progress, status=400, shadowing_form=form)
    try:
        services.shadowing_log(
            progress=progress,
            tenured_agent=form.cleaned_data["tenured_agent"],
            started_at=form.cleaned_data["started_at"],
            minutes=form.cleaned_data["minutes"],
            notes=form.cleaned_data["notes"],
            user=request.user,
        )
    except ValidationError as error:
        return _render_module(request, progress, status=400, shadowing_form=form, action_error=_messages_of(error))
    messages.success(request, "Session logged.")
    return _back(progress)


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand in evidence for a practical task."""
    progress = _own_progress_or_404(request, pk)
    form = TaskSubmissionForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_module(request, progress, status=400, task_form=form)
    try:
        services.task_submit(
            progress=progress,
            text=form.cleaned_data["text"],
            link=form.cleaned_data["link"],
            file=form.cleaned_data["file"],
            user=request.user,
        )
    except ValidationError as error:
        return _render_module(request, progress, status=400, task_form=form, action_error=_messages_of(error))
    messages.success(request, "Evidence handed in. A reviewer will approve it or send feedback.")
    return _back(progress)


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """The file of a task submission, for the agent who handed it in, their managers and admins (else a 404)."""
    submission = get_object_or_404(
        TaskSubmission.objects.filter(progress__enrollment__in=Enrollment.objects.visible_to(request.user)).exclude(
            file=""
        ),
        pk=pk,
    )
    name = submission.file.name.rsplit("/", 1)[-1]
    return FileResponse(submission.file.open("rb"), as_attachment=True, filename=name)


# --- the manager's cohort dashboard -------------------------------------------------------------------------------


def manager_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; admins and managers only (a 403 page for agents and QA reviewers)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (access.is_admin(request.user) or access.is_manager(request.user)):
            has_agent = core_selectors.agent_for_user(request.user) is not None
            return render(request, "onboarding/forbidden.html", {"has_agent": has_agent}, status=403)
        return view(request, *args, **kwargs)

    return login_required(guarded)


@dataclass(frozen=True)
class TeamRow:
    """One enrollment on the cohort dashboard."""

    enrollment: Enrollment
    summary: ProgressSummary

    @property
    def percent(self) -> int:
        return int(self.summary.percent_done)

    @property
    def health_label(self) -> str:
        return HEALTH_LABELS.get(self.summary.health, self.summary.health)


@dataclass
class CohortBlock:
    """A cohort (or the enrollments without one) with its rows and time-to-proficiency."""

    name: str
    rows: list[TeamRow]

    @property
    def proficiency_days(self) -> float | None:
        """Average business days from start to completion of the completed members."""
        days = [row.summary.time_to_proficiency_days for row in self.rows]
        known = [day for day in days if day is not None]
        return round(sum(known) / len(known), 1) if known else None

    @property
    def completed(self) -> int:
        return sum(1 for row in self.rows if row.summary.time_to_proficiency_days is not None)


@dataclass(frozen=True)
class ProficiencyBar:
    """A bar of the time-to-proficiency chart: a cohort's average or one agent's business days."""

    label: str
    days: float
    percent_of_max: int
    is_average: bool


def _proficiency_bars(cohorts: list[CohortBlock]) -> list[ProficiencyBar]:
    """Per cohort with someone completed: its average, then each completed agent, scaled to the longest."""
    entries: list[tuple[str, float, bool]] = []
    for block in cohorts:
        if block.proficiency_days is None:
            continue
        entries.append((f"{block.name} · average", block.proficiency_days, True))
        for row in block.rows:
            if row.summary.time_to_proficiency_days is not None:
                entries.append((row.enrollment.agent.display_name, row.summary.time_to_proficiency_days, False))
    top = max((days for _, days, _ in entries), default=0) or 1
    return [
        ProficiencyBar(label=label, days=days, percent_of_max=max(2, round(100 * days / top)), is_average=average)
        for label, days, average in entries
    ]


SCORE_BUCKETS = ((0, 50, "Under 50%"), (50, 75, "50–74%"), (75, 90, "75–89%"), (90, 101, "90–100%"))


@dataclass(frozen=True)
class ScoreBucket:
    """A bar of the quiz-score distribution."""

    label: str
    count: int
    percent_of_max: int


def _score_distribution(enrollments: list[Enrollment]) -> list[ScoreBucket]:
    """Graded quiz attempts of the enrollments, bucketed by score (one query)."""
    scores = QuizAttempt.objects.filter(
        progress__enrollment__in=[enrollment.pk for enrollment in enrollments], score_percent__isnull=False
    ).values_list("score_percent", flat=True)
    counts = [0] * len(SCORE_BUCKETS)
    for score in scores:
        for index, (low, high, _label) in enumerate(SCORE_BUCKETS):
            if score is not None and low <= score < high:
                counts[index] += 1
    top = max(counts) or 1
    return [
        ScoreBucket(label=label, count=count, percent_of_max=round(100 * count / top))
        for (_low, _high, label), count in zip(SCORE_BUCKETS, counts, strict=True)
    ]


@manager_page
@require_GET
def team_dashboard(request: HttpRequest) -> HttpResponse:
    """The enrollments of the teams the manager manages (all for admins), by cohort, with the overdue items."""
    enrollments = list(
        Enrollment.objects.managed_by(request.user)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("agent__user", "agent__team__market", "version__curriculum", "cohort")
        .order_by("cohort__start_date", "cohort__name", "agent__user__first_name", "agent__user__username", "pk")
    )
    summaries = selectors.enrollment_summaries(enrollments, today=timezone.localdate())
    cohorts: dict[str, CohortBlock] = {}
    for enrollment in enrollments:
        name = enrollment.cohort.name if enrollment.cohort is not None else "Without a cohort"
        block = cohorts.setdefault(name, CohortBlock(name=name, rows=[]))
        block.rows.append(TeamRow(enrollment=enrollment, summary=summaries[enrollment.pk]))
    overdue = [
        (row.enrollment, title)
        for block in cohorts.values()
        for row in block.rows
        for title in row.summary.overdue_modules
    ]
    counts = {health: 0 for health in HEALTH_LABELS}
    for summary in summaries.values():
        counts[summary.health] = counts.get(summary.health, 0) + 1
    scores = _score_distribution(enrollments) if enrollments else []
    context = {
        "cohorts": list(cohorts.values()),
        "proficiency": _proficiency_bars(list(cohorts.values())),
        "overdue": overdue,
        "counts": [(HEALTH_LABELS[health], health, count) for health, count in counts.items()],
        "total": len(enrollments),
        "scores": scores,
        "scores_total": sum(bucket.count for bucket in scores),
    }
    return render(request, "onboarding/team.html", context)


# --- one enrollment, for its managers ----------------------------------------------------------------------------


def _managed_enrollment_or_404(user: Any, pk: int) -> Enrollment:
    progress = ModuleProgress.objects.select_related("module__phase").order_by()
    return get_object_or_404(
        Enrollment.objects.managed_by(user)
        .select_related("agent__team__market", "agent__user", "version__curriculum", "cohort", "buddy__user")
        .prefetch_related(Prefetch("progress", queryset=progress)),
        pk=pk,
    )


def _render_enrollment(request: HttpRequest, enrollment: Enrollment, status: int = 200, **extra: Any) -> HttpResponse:
    today = local_today(enrollment.agent)
    summary = selectors.enrollment_summaries([enrollment], today=today)[enrollment.pk]
    context = {"card": _card(enrollment, summary, today), "today": today, **extra}
    return render(request, "onboarding/enrollment.html", context, status=status)


@manager_page
@require_GET
def enrollment_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One agent's path as their manager sees it: every module's state and due date, with waive and withdraw."""
    return _render_enrollment(request, _managed_enrollment_or_404(request.user, pk))


@manager_page
@require_POST
def enrollment_waive(request: HttpRequest, pk: int, progress_pk: int) -> HttpResponse:
    """Waive one open module of the enrollment, with a reason."""
    enrollment = _managed_enrollment_or_404(request.user, pk)
    progress = get_object_or_404(ModuleProgress.objects.filter(enrollment=enrollment), pk=progress_pk)
    try:
        services.progress_waive(progress=progress, reason=request.POST.get("reason", ""), user=request.user)
    except ValidationError as error:
        return _render_enrollment(request, enrollment, status=400, error_pk=progress_pk, error=_messages_of(error))
    messages.success(request, f"“{progress.module.title}” is waived.")
    return redirect("onboarding-enrollment", pk=enrollment.pk)


@manager_page
@require_POST
def enrollment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw the enrollment, with a reason."""
    enrollment = _managed_enrollment_or_404(request.user, pk)
    try:
        services.enrollment_withdraw(enrollment=enrollment, reason=request.POST.get("reason", ""), user=request.user)
    except ValidationError as error:
        return _render_enrollment(request, enrollment, status=400, withdraw_error=_messages_of(error))
    messages.success(request, f"{enrollment.agent.display_name}'s enrollment is withdrawn.")
    return redirect("onboarding-team")


# --- the reviewer queue -------------------------------------------------------------------------------------------


def _managed_enrollments(user: Any) -> QuerySet[Enrollment]:
    return Enrollment.objects.managed_by(user).filter(status=EnrollmentStatus.ACTIVE)


def _waiting_submissions(user: Any) -> QuerySet[TaskSubmission]:
    return (
        TaskSubmission.objects.filter(
            status=SubmissionStatus.SUBMITTED, progress__enrollment__in=_managed_enrollments(user)
        )
        .select_related(
            "progress__module", "progress__enrollment__agent__user", "progress__enrollment__agent__team__market"
        )
        .order_by("submitted_at", "pk")
    )


def _waiting_answers(user: Any) -> QuerySet[QuizAnswer]:
    return (
        QuizAnswer.objects.filter(
            question__kind=QuestionKind.SHORT_TEXT,
            is_correct__isnull=True,
            attempt__submitted_at__isnull=False,
            attempt__graded_at__isnull=True,
            attempt__progress__enrollment__in=_managed_enrollments(user),
        )
        .select_related("question", "attempt__progress__module", "attempt__progress__enrollment__agent__user")
        .order_by("attempt__submitted_at", "pk")
    )


def _open_sign_offs(user: Any) -> QuerySet[ModuleProgress]:
    return (
        ModuleProgress.objects.filter(module__kind=ModuleKind.SIGN_OFF, enrollment__in=_managed_enrollments(user))
        .exclude(state__in=list(DONE_STATES))
        .select_related("module", "enrollment__agent__user")
        .order_by("due_date", "pk")
    )


@dataclass(frozen=True)
class SignOffItem:
    """A sign-off waiting for the manager, and the earlier modules still open (none: ready to sign)."""

    progress: ModuleProgress
    missing: list[str]


def _sign_off_items(rows: list[ModuleProgress]) -> list[SignOffItem]:
    """Each sign-off with its unfinished prerequisites, read in two queries for the whole list."""
    if not rows:
        return []
    through = Module.prerequisites.through
    prerequisites: dict[int, set[int]] = {}
    for from_id, to_id in through.objects.filter(from_module_id__in={row.module_id for row in rows}).values_list(
        "from_module_id", "to_module_id"
    ):
        prerequisites.setdefault(from_id, set()).add(to_id)
    needed = {module_id for ids in prerequisites.values() for module_id in ids}
    open_titles: dict[tuple[int, int], str] = {
        (enrollment_id, module_id): title
        for enrollment_id, module_id, title in ModuleProgress.objects.filter(
            enrollment_id__in={row.enrollment_id for row in rows}, module_id__in=needed
        )
        .exclude(state__in=list(DONE_STATES))
        .order_by("module__position", "module_id")
        .values_list("enrollment_id", "module_id", "module__title")
    }
    return [
        SignOffItem(
            progress=row,
            missing=[
                title
                for (enrollment_id, module_id), title in open_titles.items()
                if enrollment_id == row.enrollment_id and module_id in prerequisites.get(row.module_id, set())
            ],
        )
        for row in rows
    ]


def _render_reviews(request: HttpRequest, status: int = 200, **posted: Any) -> HttpResponse:
    context: dict[str, Any] = {
        "submissions": list(_waiting_submissions(request.user)),
        "answers": list(_waiting_answers(request.user)),
        "sign_offs": _sign_off_items(list(_open_sign_offs(request.user))),
        "error_kind": posted.get("error_kind", ""),
        "error_pk": posted.get("error_pk"),
        "error": posted.get("error", ""),
        "form": posted.get("form"),
    }
    context["total"] = len(context["submissions"]) + len(context["answers"]) + len(context["sign_offs"])
    return render(request, "onboarding/reviews.html", context, status=status)


def _form_errors(form: Any) -> str:
    return " ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())


@manager_page
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    """What waits for the manager: practical-task evidence, short quiz answers to grade and sign-offs."""
    return _render_reviews(request)


@manager_page
@require_POST
def review_task(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve practical-task evidence, or return it with feedback (and a private note)."""
    submission = get_object_or_404(_waiting_submissions(request.user), pk=pk)
    form = TaskReviewForm(request.POST)
    if not form.is_valid():
        return _render_reviews(request, 400, error_kind="task", error_pk=pk, error=_form_errors(form), form=form)
    try:
        services.task_review(
            submission=submission,
            reviewer=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            feedback=form.cleaned_data["feedback"],
            private_note=form.cleaned_data["private_note"],
        )
    except ValidationError as error:
        return _render_reviews(request, 400, error_kind="task", error_pk=pk, error=_messages_of(error), form=form)
    agent = submission.progress.enrollment.agent.display_name
    done = "approved" if form.cleaned_data["decision"] == "approve" else "returned"
    messages.success(request, f"{agent}'s evidence for “{submission.progress.module.title}” is {done}.")
    return redirect("onboarding-reviews")


@manager_page
@require_POST
def review_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Grade a short-text quiz answer."""
    answer = get_object_or_404(_waiting_answers(request.user), pk=pk)
    form = GradeForm(request.POST)
    if not form.is_valid():
        return _render_reviews(request, 400, error_kind="answer", error_pk=pk, error=_form_errors(form), form=form)
    try:
        services.quiz_answer_grade(
            answer=answer,
            reviewer=request.user,
            points_awarded=form.cleaned_data["points"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        return _render_reviews(request, 400, error_kind="answer", error_pk=pk, error=_messages_of(error), form=form)
    messages.success(request, f"Graded {answer.attempt.progress.enrollment.agent.display_name}'s answer.")
    return redirect("onboarding-reviews")


@manager_page
@require_POST
def review_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign a checkpoint off."""
    progress = get_object_or_404(_open_sign_offs(request.user), pk=pk)
    form = SignOffForm(request.POST)
    form.is_valid()
    try:
        services.sign_off(progress=progress, manager=request.user, notes=form.cleaned_data.get("notes", ""))
    except ValidationError as error:
        return _render_reviews(request, 400, error_kind="sign", error_pk=pk, error=_messages_of(error), form=form)
    messages.success(request, f"Signed off {progress.enrollment.agent.display_name}: {progress.module.title}.")
    return redirect("onboarding-reviews")
