"""Onboarding data: versioned curricula of phased modules (lessons, quizzes, shadowing, practical tasks, sign-offs,
nesting), enrollments with per-module progress, quiz attempts, evidence, certifications and reminder records."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from supportops import access
from supportops.choices import Role, Tier
from supportops.models import Agent, Market, Team


class ModuleKind(models.TextChoices):
    """What a module asks of the new agent."""

    LESSON = "lesson", "Lesson"
    QUIZ = "quiz", "Quiz"
    SHADOWING = "shadowing", "Shadowing"
    PRACTICAL = "practical", "Practical task"
    SIGN_OFF = "sign_off", "Manager sign-off"
    NESTING = "nesting", "Nesting"


class QuestionKind(models.TextChoices):
    """How a quiz question is answered and graded."""

    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple choice"
    TRUE_FALSE = "true_false", "True or false"
    SHORT_TEXT = "short_text", "Short text (graded by a reviewer)"


class VersionStatus(models.TextChoices):
    """A curriculum version is edited as a draft, then published; a newer publication retires it."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class EnrollmentStatus(models.TextChoices):
    """Where an enrollment stands."""

    ACTIVE = "active", "In progress"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ProgressState(models.TextChoices):
    """Where one module of one enrollment stands."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted, waiting for a reviewer"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    WAIVED = "waived", "Waived"


DONE_STATES = frozenset({ProgressState.COMPLETED, ProgressState.WAIVED})


class SubmissionStatus(models.TextChoices):
    """A practical task's evidence: waiting, approved, or returned with feedback."""

    SUBMITTED = "submitted", "Waiting for review"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned with feedback"


def _managed_team_ids(user: Any) -> models.QuerySet[Team, int]:
    return Team.objects.filter(managers=user).values_list("pk", flat=True)


def _is_active_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class Certification(models.Model):
    """Something an agent is certified for (e.g. "Payments disputes"), valid for ``validity_days`` once granted."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    validity_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3650)], help_text="How long a grant stays valid."
    )
    renewal_notice_days = models.PositiveIntegerField(
        default=30, help_text="Re-certification starts this many days before a grant lapses."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Curriculum(models.Model):
    """A path new agents follow, aimed at a team, a market, a role and/or a tier (empty: anyone).

    Its content lives in :class:`CurriculumVersion` rows: editing a published version makes a draft of the next.
    """

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="curricula")
    market = models.ForeignKey(Market, on_delete=models.SET_NULL, null=True, blank=True, related_name="curricula")
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    tier = models.CharField(max_length=2, choices=Tier.choices, blank=True)
    certification = models.ForeignKey(
        Certification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="curricula",
        help_text="Granted when an enrollment completes.",
    )
    is_recertification_path = models.BooleanField(
        default=False, help_text="Used to renew its certification before a grant lapses."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "curricula"

    def __str__(self) -> str:
        return self.name


class CurriculumVersion(models.Model):
    """One version of a curriculum's phases and modules; enrollments stay pinned to the version they started on."""

    curriculum = models.ForeignKey(Curriculum, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    notes = models.TextField(blank=True, help_text="What changed in this version.")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["curriculum", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["curriculum", "number"], name="curriculumversion_unique_number"),
            models.UniqueConstraint(
                fields=["curriculum"],
                condition=Q(status=VersionStatus.DRAFT),
                name="curriculumversion_one_draft",
            ),
            models.UniqueConstraint(
                fields=["curriculum"],
                condition=Q(status=VersionStatus.PUBLISHED),
                name="curriculumversion_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.curriculum} v{self.number} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Phase(models.Model):
    """A stage of a curriculum version (e.g. "Week 1: product"), in order."""

    version = models.ForeignKey(CurriculumVersion, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="phase_unique_name")]

    def __str__(self) -> str:
        return self.name


class Module(models.Model):
    """One step of a curriculum version. ``key`` stays the same across versions, so progress can follow it.

    ``due_business_days`` counts working days (weekends and the agent's market holidays skipped) from the
    enrollment's start date. Kind-specific settings: quiz (pass mark, attempts, shuffling), shadowing (hours),
    nesting (reviews, average score, AHT tolerance).
    """

    version = models.ForeignKey(CurriculumVersion, on_delete=models.CASCADE, related_name="modules")
    phase = models.ForeignKey(Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="modules")
    key = models.SlugField(max_length=80, help_text="Stable name of the module across versions.")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ModuleKind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    estimated_minutes = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    due_business_days = models.PositiveSmallIntegerField(
        default=5, help_text="Due this many business days after the enrollment starts."
    )
    content = models.TextField(blank=True, help_text="Markdown: the lesson, or the task's instructions.")
    prerequisites = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="unlocks")
    pass_mark_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MaxValueValidator(100)], help_text="Quiz: score needed to pass."
    )
    max_attempts = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    shuffle_questions = models.BooleanField(default=True)
    required_shadowing_hours = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    nesting_min_reviews = models.PositiveSmallIntegerField(default=5)
    nesting_min_average_percent = models.PositiveSmallIntegerField(default=85, validators=[MaxValueValidator(100)])
    nesting_aht_tolerance_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Nesting: AHT at most this much above the team's. Empty: not checked."
    )
    certification = models.ForeignKey(
        Certification, on_delete=models.SET_NULL, null=True, blank=True, related_name="modules"
    )

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="module_unique_key")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.phase is not None and self.version_id and self.phase.version_id != self.version_id:
            raise ValidationError({"phase": "The phase belongs to another version."})


class Question(models.Model):
    """A quiz question; choices hold the answer key, which is never sent to agents."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    text = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    points = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    explanation = models.TextField(blank=True, help_text="Shown after grading.")

    class Meta:
        ordering = ["module", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    """An answer to a choice question; ``is_correct`` is the key."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Cohort(models.Model):
    """A hire class that starts together."""

    name = models.CharField(max_length=120)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="cohorts")
    start_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="cohort_unique_team_name")]

    def __str__(self) -> str:
        return self.name


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    """Enrollments scoped by role: agents their own, managers their teams', admins all; QA reviewers nothing
    (unless also managers)."""

    def visible_to(self, user: Any) -> EnrollmentQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(Q(agent__user=user) | Q(agent__team_id__in=_managed_team_ids(user)))

    def managed_by(self, user: Any) -> EnrollmentQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(agent__team_id__in=_managed_team_ids(user))


class Enrollment(models.Model):
    """An agent following one curriculum version from ``start_date``, with a buddy and optionally a cohort."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="enrollments")
    version = models.ForeignKey(CurriculumVersion, on_delete=models.PROTECT, related_name="enrollments")
    cohort = models.ForeignKey(Cohort, on_delete=models.SET_NULL, null=True, blank=True, related_name="enrollments")
    buddy = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="buddies_of")
    start_date = models.DateField()
    status = models.CharField(max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE)
    completed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, help_text="e.g. new hire, re-certification, refresher.")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnrollmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "agent"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "version"],
                condition=Q(status=EnrollmentStatus.ACTIVE),
                name="enrollment_one_active_per_version",
            ),
            models.CheckConstraint(condition=~Q(buddy=models.F("agent")), name="enrollment_buddy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} in {self.version}"


class ModuleProgress(models.Model):
    """One module of one enrollment: its state, due date and score."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="progress")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="progress")
    state = models.CharField(max_length=16, choices=ProgressState.choices, default=ProgressState.NOT_STARTED)
    due_date = models.DateField()
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    score_percent = models.FloatField(null=True, blank=True)
    waived_reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["enrollment", "module__position", "module_id"]
        verbose_name_plural = "module progress"
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "module"], name="moduleprogress_unique_module"),
            models.CheckConstraint(
                condition=~Q(state=ProgressState.WAIVED) | ~Q(waived_reason=""), name="moduleprogress_waiver_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment.agent}: {self.module} ({self.state})"

    @property
    def is_done(self) -> bool:
        return self.state in DONE_STATES


class QuizAttempt(models.Model):
    """One try at a quiz: the order questions were shown in, and the score once graded (short texts by a reviewer)."""

    progress = models.ForeignKey(ModuleProgress, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    question_order = models.JSONField(default=list)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score_percent = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True, help_text="Empty while short answers wait for a reviewer.")
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["progress", "number"]
        constraints = [models.UniqueConstraint(fields=["progress", "number"], name="quizattempt_unique_number")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.progress}"


class QuizAnswer(models.Model):
    """An answer in an attempt: chosen choices or a short text, and how it was graded."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choice_ids = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)
    is_correct = models.BooleanField(null=True, blank=True)
    points_awarded = models.FloatField(null=True, blank=True)
    reviewer_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["attempt", "question__position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="quizanswer_unique_question")]

    def __str__(self) -> str:
        return f"Answer to {self.question_id} in attempt {self.attempt_id}"


class ShadowingSession(models.Model):
    """Time a new agent spent shadowing a named tenured agent."""

    progress = models.ForeignKey(ModuleProgress, on_delete=models.CASCADE, related_name="shadowing_sessions")
    tenured_agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="shadowed_by")
    started_at = models.DateTimeField()
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12 * 60)])
    notes = models.TextField(blank=True)
    logged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["progress", "started_at"]

    def __str__(self) -> str:
        return f"{self.minutes} min with {self.tenured_agent}"


def _evidence_path(instance: TaskSubmission, filename: str) -> str:
    return f"onboarding/evidence/{instance.progress_id}/{filename}"


class TaskSubmission(models.Model):
    """Evidence for a practical task (text, link or file) and the reviewer's verdict.

    ``private_note`` is for reviewers and managers only; ``feedback`` is shown to the agent.
    """

    progress = models.ForeignKey(ModuleProgress, on_delete=models.CASCADE, related_name="submissions")
    text = models.TextField(blank=True)
    link = models.URLField(blank=True)
    file = models.FileField(upload_to=_evidence_path, blank=True)
    status = models.CharField(max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.SUBMITTED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    private_note = models.TextField(blank=True)

    class Meta:
        ordering = ["progress", "-submitted_at"]

    def __str__(self) -> str:
        return f"Evidence for {self.progress} ({self.status})"


class SignOff(models.Model):
    """A manager's checkpoint on a sign-off module."""

    progress = models.OneToOneField(ModuleProgress, on_delete=models.CASCADE, related_name="sign_off")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)
    signed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Signed off by {self.manager}"


class CertificationGrantQuerySet(models.QuerySet["CertificationGrant"]):
    """Grants scoped like enrollments."""

    def visible_to(self, user: Any) -> CertificationGrantQuerySet:
        if not _is_active_user(user):
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(Q(agent__user=user) | Q(agent__team_id__in=_managed_team_ids(user)))


class CertificationGrant(models.Model):
    """An agent holds a certification from ``granted_on`` until ``expires_on``."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="certifications")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="grants")
    granted_on = models.DateField()
    expires_on = models.DateField()
    enrollment = models.ForeignKey(Enrollment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    renewal_enrollment = models.ForeignKey(
        Enrollment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The re-certification enrollment started for this grant.",
    )  # fmt: skip

    objects = CertificationGrantQuerySet.as_manager()

    class Meta:
        ordering = ["agent", "-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("granted_on")), name="certificationgrant_expires_after_grant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent}: {self.certification} until {self.expires_on}"


class ReminderLog(models.Model):
    """A reminder that was sent, so the daily task never sends the same one twice on a day."""

    kind = models.CharField(max_length=32, help_text="e.g. due, overdue, digest, recertification.")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item_key = models.CharField(max_length=120, help_text="What it was about, e.g. progress:42.")
    sent_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "item_key", "sent_on"], name="reminderlog_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} about {self.item_key} on {self.sent_on}"
