"""Working through modules: lessons, quiz attempts and grading, shadowing, practical tasks, sign-offs, waivers and
nesting; completing every module completes the enrollment, moves the agent on and grants the certification."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from onboarding.models import (
    DONE_STATES,
    Certification,
    CertificationGrant,
    Enrollment,
    EnrollmentStatus,
    ModuleKind,
    ModuleProgress,
    ProgressState,
    Question,
    QuestionKind,
    QuizAnswer,
    QuizAttempt,
    ShadowingSession,
    SignOff,
    SubmissionStatus,
    TaskSubmission,
)
from supportops.choices import AgentStatus
from supportops.models import Agent
from supportops.services import agent_change_status

from .enrollments import require_manager_of

__all__ = [
    "AnswerInput",
    "enrollment_advance",
    "lesson_complete",
    "missing_prerequisites",
    "nesting_evaluate",
    "progress_waive",
    "quiz_answer_grade",
    "quiz_attempt_start",
    "quiz_attempt_submit",
    "shadowing_log",
    "sign_off",
    "task_review",
    "task_submit",
]


@dataclass(frozen=True)
class AnswerInput:
    """One answer in a quiz submission: chosen choice ids for choice questions, text for short text."""

    question_id: int
    choice_ids: list[int] = field(default_factory=list)
    text: str = ""


# --- shared checks ------------------------------------------------------------------------------------------------


def _require_learner(progress: ModuleProgress, user: Any) -> None:
    """The agent themselves, a manager of their team or an admin may work on the agent's modules."""
    if progress.enrollment.agent.user_id == getattr(user, "pk", None):
        return
    require_manager_of(user, progress.enrollment.agent, action="work on another agent's modules")


def _require_kind(progress: ModuleProgress, kind: ModuleKind) -> None:
    if progress.module.kind != kind:
        raise ValidationError({"module": f"{progress.module} is not a {kind.label.lower()} module."})


def _require_open(progress: ModuleProgress) -> None:
    if progress.enrollment.status != EnrollmentStatus.ACTIVE:
        raise ValidationError({"enrollment": "The enrollment is no longer in progress."})
    if progress.state in DONE_STATES:
        raise ValidationError({"module": f"{progress.module} is already {progress.get_state_display().lower()}."})


def missing_prerequisites(progress: ModuleProgress) -> list[str]:
    """Titles of the module's prerequisites that are not completed or waived in this enrollment."""
    prerequisite_ids = list(progress.module.prerequisites.values_list("pk", flat=True))
    if not prerequisite_ids:
        return []
    rows = ModuleProgress.objects.filter(enrollment_id=progress.enrollment_id, module_id__in=prerequisite_ids)
    return [
        row.module.title
        for row in rows.select_related("module").order_by("module__position", "module_id")
        if row.state not in DONE_STATES
    ]


def _require_prerequisites(progress: ModuleProgress) -> None:
    missing = missing_prerequisites(progress)
    if missing:
        raise ValidationError({"module": f"Finish these first: {', '.join(missing)}."})


def _start(progress: ModuleProgress) -> None:
    if progress.started_at is None:
        progress.started_at = timezone.now()
    progress.state = ProgressState.IN_PROGRESS


def _grant(agent: Agent, certification: Certification, enrollment: Enrollment) -> CertificationGrant:
    today = timezone.localdate(timezone=agent.zone)
    return CertificationGrant.objects.create(
        agent=agent,
        certification=certification,
        granted_on=today,
        expires_on=today + timedelta(days=certification.validity_days),
        enrollment=enrollment,
    )


def _complete(progress: ModuleProgress, *, score_percent: float | None = None) -> ModuleProgress:
    now = timezone.now()
    if progress.started_at is None:
        progress.started_at = now
    progress.state = ProgressState.COMPLETED
    progress.completed_at = now
    if score_percent is not None:
        progress.score_percent = score_percent
    progress.save()
    enrollment = progress.enrollment
    if progress.module.certification_id is not None and progress.module.certification is not None:
        _grant(enrollment.agent, progress.module.certification, enrollment)
    enrollment_advance(enrollment)
    return progress


def _move_agent(agent: Agent, status: AgentStatus) -> None:
    if agent.status != status:
        agent_change_status(agent=agent, status=status, note="Onboarding progress")


def enrollment_advance(enrollment: Enrollment) -> None:
    """Move the agent to nesting once only nesting is left, and complete the enrollment when all is done."""
    rows = list(enrollment.progress.select_related("module"))
    agent = enrollment.agent
    open_rows = [row for row in rows if row.state not in DONE_STATES]
    if open_rows and all(row.module.kind == ModuleKind.NESTING for row in open_rows):
        if agent.status == AgentStatus.ONBOARDING:
            _move_agent(agent, AgentStatus.NESTING)
        return
    if open_rows:
        return
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["status", "completed_at"])
    if agent.status == AgentStatus.ONBOARDING:
        _move_agent(agent, AgentStatus.NESTING)
    if agent.status == AgentStatus.NESTING:
        _move_agent(agent, AgentStatus.ACTIVE)
    certification = enrollment.version.curriculum.certification
    if certification is not None:
        _grant(agent, certification, enrollment)


def _lock(progress: ModuleProgress) -> ModuleProgress:
    """Re-read the row under a lock, so two requests cannot complete it twice."""
    return (
        ModuleProgress.objects.select_for_update(of=("self",))
        .select_related(
            "module", "enrollment__agent__team", "enrollment__agent__user", "enrollment__version__curriculum"
        )
        .get(pk=progress.pk)
    )


# --- lessons --------------------------------------------------------------------------------------------------------


@transaction.atomic
def lesson_complete(*, progress: ModuleProgress, user: Any) -> ModuleProgress:
    """The agent marks a lesson read."""
    progress = _lock(progress)
    _require_learner(progress, user)
    _require_kind(progress, ModuleKind.LESSON)
    _require_open(progress)
    _require_prerequisites(progress)
    return _complete(progress)


# --- quizzes --------------------------------------------------------------------------------------------------------


@transaction.atomic
def quiz_attempt_start(*, progress: ModuleProgress, user: Any) -> QuizAttempt:
    """Start an attempt (or return the one still open), with the question order fixed for it."""
    progress = _lock(progress)
    _require_learner(progress, user)
    _require_kind(progress, ModuleKind.QUIZ)
    _require_open(progress)
    _require_prerequisites(progress)
    open_attempt = progress.attempts.filter(submitted_at__isnull=True).first()
    if open_attempt is not None:
        return open_attempt
    if progress.state == ProgressState.SUBMITTED:
        raise ValidationError({"attempt": "Your last attempt is waiting for a reviewer."})
    used = progress.attempts.count()
    if used >= progress.module.max_attempts:
        raise ValidationError({"attempt": f"All {progress.module.max_attempts} attempts are used."})
    number = used + 1
    order = list(progress.module.questions.order_by("position", "pk").values_list("pk", flat=True))
    if progress.module.shuffle_questions:
        random.Random(f"{progress.pk}:{number}").shuffle(order)  # noqa: S311 - an order, not a secret
    _start(progress)
    progress.save()
    return QuizAttempt.objects.create(progress=progress, number=number, question_order=order)


def _choice_correct(question: Question, chosen: set[int]) -> bool:
    return chosen == {choice.pk for choice in question.choices.all() if choice.is_correct}


def _finish_attempt(attempt: QuizAttempt, progress: ModuleProgress, *, graded_by: Any = None) -> None:
    answers = list(attempt.answers.all())
    questions = list(progress.module.questions.all())
    total = sum(question.points for question in questions) or 1
    awarded = sum(answer.points_awarded or 0 for answer in answers)
    score = round(100 * awarded / total, 1)
    attempt.score_percent = score
    attempt.passed = score >= progress.module.pass_mark_percent
    attempt.graded_at = timezone.now()
    attempt.graded_by = graded_by
    attempt.save()
    if attempt.passed:
        _complete(progress, score_percent=score)
    else:
        progress.state = ProgressState.FAILED
        progress.score_percent = score
        progress.save()


@transaction.atomic
def quiz_attempt_submit(*, attempt: QuizAttempt, answers: Sequence[AnswerInput], user: Any) -> QuizAttempt:
    """Submit an attempt's answers; choice questions are graded at once, short texts wait for a reviewer."""
    attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
    progress = _lock(attempt.progress)
    _require_learner(progress, user)
    if attempt.submitted_at is not None:
        raise ValidationError({"attempt": "This attempt was already submitted."})
    questions = {question.pk: question for question in progress.module.questions.prefetch_related("choices")}
    foreign = sorted({answer.question_id for answer in answers} - set(questions))
    if foreign:
        raise ValidationError({"answers": f"Questions {', '.join(map(str, foreign))} are not in this quiz."})
    seen: set[int] = set()
    rows = []
    for answer in answers:
        if answer.question_id in seen:
            raise ValidationError({"answers": f"Question {answer.question_id} is answered twice."})
        seen.add(answer.question_id)
        question = questions[answer.question_id]
        chosen = set(answer.choice_ids)
        row = QuizAnswer(attempt=attempt, question=question, choice_ids=sorted(chosen), text=answer.text.strip())
        if question.kind == QuestionKind.SHORT_TEXT:
            if not row.text:
                row.is_correct, row.points_awarded = False, 0.0
        else:
            valid = {choice.pk for choice in question.choices.all()}
            if not chosen <= valid:
                raise ValidationError({"answers": f"Question {question.pk} has no choice {sorted(chosen - valid)}."})
            if question.kind != QuestionKind.MULTIPLE and len(chosen) > 1:
                raise ValidationError({"answers": f"Question {question.pk} takes one choice."})
            row.is_correct = _choice_correct(question, chosen)
            row.points_awarded = float(question.points) if row.is_correct else 0.0
        rows.append(row)
    QuizAnswer.objects.bulk_create(rows)
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["submitted_at"])
    if any(row.is_correct is None for row in rows):
        progress.state = ProgressState.SUBMITTED
        progress.submitted_at = attempt.submitted_at
        progress.save()
    else:
        _finish_attempt(attempt, progress)
    return attempt


@transaction.atomic
def quiz_answer_grade(*, answer: QuizAnswer, reviewer: Any, points_awarded: float, comment: str = "") -> QuizAnswer:
    """A reviewer grades a short-text answer; the attempt is scored once no answer is left to grade."""
    attempt = QuizAttempt.objects.select_for_update().get(pk=answer.attempt_id)
    progress = _lock(attempt.progress)
    require_manager_of(reviewer, progress.enrollment.agent, action="grade this answer")
    answer = QuizAnswer.objects.select_related("question").get(pk=answer.pk)
    if answer.question.kind != QuestionKind.SHORT_TEXT:
        raise ValidationError({"answer": "Only short-text answers are graded by a reviewer."})
    if attempt.graded_at is not None:
        raise ValidationError({"answer": "This attempt is already graded."})
    if not 0 <= points_awarded <= answer.question.points:
        raise ValidationError({"points_awarded": f"Give between 0 and {answer.question.points} points."})
    answer.points_awarded = float(points_awarded)
    answer.is_correct = points_awarded == answer.question.points
    answer.reviewer_comment = comment
    answer.save()
    if not attempt.answers.filter(is_correct__isnull=True).exists():
        _finish_attempt(attempt, progress, graded_by=reviewer)
    return answer


# --- shadowing ------------------------------------------------------------------------------------------------------


@transaction.atomic
def shadowing_log(
    *, progress: ModuleProgress, tenured_agent: Agent, started_at: datetime, minutes: int, notes: str = "", user: Any
) -> ShadowingSession:
    """Log time shadowing a tenured (active) agent; the module completes once the required hours are logged."""
    progress = _lock(progress)
    _require_learner(progress, user)
    _require_kind(progress, ModuleKind.SHADOWING)
    _require_open(progress)
    _require_prerequisites(progress)
    if tenured_agent.pk == progress.enrollment.agent_id:
        raise ValidationError({"tenured_agent": "Shadow someone else, not yourself."})
    if tenured_agent.status != AgentStatus.ACTIVE:
        raise ValidationError({"tenured_agent": f"{tenured_agent} is not an active, tenured agent."})
    session = ShadowingSession(
        progress=progress, tenured_agent=tenured_agent, started_at=started_at, minutes=minutes, notes=notes
    )
    session.full_clean()
    session.save()
    logged = sum(progress.shadowing_sessions.values_list("minutes", flat=True))
    if Decimal(logged) >= progress.module.required_shadowing_hours * 60:
        _complete(progress)
    else:
        _start(progress)
        progress.save()
    return session


# --- practical tasks ------------------------------------------------------------------------------------------------


# Evidence people hand in: documents, spreadsheets, slides, images, text and PDF. No archives or executables.
EVIDENCE_EXTENSIONS = frozenset(
    {"pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "md", "csv", "docx", "xlsx", "pptx", "odt", "ods", "odp"}
)


def _check_evidence_file(file: UploadedFile) -> None:
    """Refuse an empty file, one over the size limit, or a type that is not on the evidence list."""
    limit_mb = int(getattr(settings, "ONBOARDING_EVIDENCE_MAX_MB", 20))
    name = file.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EVIDENCE_EXTENSIONS:
        allowed = ", ".join(sorted(EVIDENCE_EXTENSIONS))
        raise ValidationError({"file": f"“{name}” is not a kind of file accepted as evidence ({allowed})."})
    size = file.size or 0
    if size == 0:
        raise ValidationError({"file": f"“{name}” is empty."})
    if size > limit_mb * 1024 * 1024:
        raise ValidationError(
            {"file": f"“{name}” is {size / 1024 / 1024:.1f} MB; evidence files are at most {limit_mb} MB."}
        )


@transaction.atomic
def task_submit(
    *, progress: ModuleProgress, text: str = "", link: str = "", file: UploadedFile | None = None, user: Any
) -> TaskSubmission:
    """The agent hands in evidence for a practical task (text, a link and/or a file)."""
    progress = _lock(progress)
    _require_learner(progress, user)
    _require_kind(progress, ModuleKind.PRACTICAL)
    _require_open(progress)
    _require_prerequisites(progress)
    if not (text.strip() or link or file):
        raise ValidationError({"text": "Give a text, a link or a file as evidence."})
    if file is not None:
        _check_evidence_file(file)
    if progress.submissions.filter(status=SubmissionStatus.SUBMITTED).exists():
        raise ValidationError({"module": "Your last evidence is still waiting for a reviewer."})
    submission = TaskSubmission(progress=progress, text=text.strip(), link=link)
    if file is not None:
        submission.file = file
    submission.full_clean()
    submission.save()
    _start(progress)
    progress.state = ProgressState.SUBMITTED
    progress.submitted_at = timezone.now()
    progress.save()
    return submission


@transaction.atomic
def task_review(
    *, submission: TaskSubmission, reviewer: Any, approve: bool, feedback: str = "", private_note: str = ""
) -> TaskSubmission:
    """A manager approves the evidence (completing the module) or returns it with feedback for the agent."""
    submission = TaskSubmission.objects.select_for_update().get(pk=submission.pk)
    progress = _lock(submission.progress)
    require_manager_of(reviewer, progress.enrollment.agent, action="review this task")
    if submission.status != SubmissionStatus.SUBMITTED:
        raise ValidationError({"submission": "This evidence was already reviewed."})
    if not approve and not feedback.strip():
        raise ValidationError({"feedback": "Tell the agent what to change."})
    submission.status = SubmissionStatus.APPROVED if approve else SubmissionStatus.RETURNED
    submission.reviewer = reviewer
    submission.reviewed_at = timezone.now()
    submission.feedback = feedback.strip()
    submission.private_note = private_note.strip()
    submission.save()
    if approve:
        _complete(progress)
    else:
        progress.state = ProgressState.IN_PROGRESS
        progress.save()
    return submission


# --- sign-offs, waivers, nesting -------------------------------------------------------------------------------------


@transaction.atomic
def sign_off(*, progress: ModuleProgress, manager: Any, notes: str = "") -> SignOff:
    """A manager of the agent's team signs the checkpoint off."""
    progress = _lock(progress)
    require_manager_of(manager, progress.enrollment.agent, action="sign this off")
    _require_kind(progress, ModuleKind.SIGN_OFF)
    _require_open(progress)
    _require_prerequisites(progress)
    signed = SignOff.objects.create(progress=progress, manager=manager, notes=notes.strip())
    _complete(progress)
    return signed


@transaction.atomic
def progress_waive(*, progress: ModuleProgress, reason: str, user: Any) -> ModuleProgress:
    """A manager waives a module (e.g. prior experience), with a reason."""
    progress = _lock(progress)
    require_manager_of(user, progress.enrollment.agent, action="waive a module")
    _require_open(progress)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the module is waived."})
    progress.state = ProgressState.WAIVED
    progress.waived_reason = reason.strip()[:300]
    progress.completed_at = timezone.now()
    progress.save()
    enrollment_advance(progress.enrollment)
    return progress


@transaction.atomic
def nesting_evaluate(
    *, agent: Agent, reviews_count: int, average_percent: float | None, aht_ratio: float | None = None
) -> list[ModuleProgress]:
    """Complete the agent's open nesting modules whose thresholds the QA summary meets.

    Called by the performance app with the agent's QA reviews on live conversations: ``reviews_count`` reviews
    averaging ``average_percent``; ``aht_ratio`` is the agent's AHT divided by the team's (None: unknown, which
    fails a module that checks AHT). Modules whose prerequisites are not done are left alone.
    """
    completed = []
    rows = ModuleProgress.objects.filter(
        enrollment__agent=agent, enrollment__status=EnrollmentStatus.ACTIVE, module__kind=ModuleKind.NESTING
    ).exclude(state__in=list(DONE_STATES))
    for candidate in rows:
        progress = _lock(candidate)
        module = progress.module
        if missing_prerequisites(progress):
            continue
        if reviews_count < module.nesting_min_reviews:
            continue
        if average_percent is None or average_percent < module.nesting_min_average_percent:
            continue
        tolerance = module.nesting_aht_tolerance_percent
        if tolerance is not None and (aht_ratio is None or aht_ratio > 1 + tolerance / 100):
            continue
        completed.append(_complete(progress, score_percent=average_percent))
    return completed
