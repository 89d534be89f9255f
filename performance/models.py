"""Conversation QA: versioned scorecards, QA settings per team, sampling rules and cycles with their assignments,
reviews with per-criterion ratings, calibration sessions and disputes.

The maths lives in the pure ``performance.scoring`` and ``performance.calibration`` modules; services turn these
rows into their specs. Scores are stored as they were computed at submission (exact to three decimals) and every
change is kept in history.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from simple_history.models import HistoricalRecords

from supportops import access
from supportops.choices import Channel
from supportops.models import Agent, Conversation, Queue, Team

# --- scorecards ---------------------------------------------------------------------------------------------------


class ScoringMode(models.TextChoices):
    """How a review's score is computed: a weighted mean of criterion percentages, or points earned of possible."""

    PERCENTAGE = "percentage", "Weighted percentage"
    POINTS = "points", "Points"


class ScorecardStatus(models.TextChoices):
    """A scorecard version is edited as a draft, then published; publishing the next one retires it."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class SectionKind(models.TextChoices):
    """Normal sections are scored; any selected item of an auto-fail section sets the review to 0; bonus sections
    add on top and may lift a score above 100 %."""

    NORMAL = "normal", "Scored"
    AUTO_FAIL = "auto_fail", "Auto-fail"
    BONUS = "bonus", "Bonus"


class ScaleKind(models.TextChoices):
    """A criterion's rating scale: yes/no (0-1) or 3-, 4- or 5-point (1-N)."""

    BINARY = "binary", "Yes / no"
    THREE = "3", "3-point"
    FOUR = "4", "4-point"
    FIVE = "5", "5-point"


SCALE_RANGES: dict[str, tuple[int, int]] = {
    ScaleKind.BINARY: (0, 1),
    ScaleKind.THREE: (1, 3),
    ScaleKind.FOUR: (1, 4),
    ScaleKind.FIVE: (1, 5),
}
DEFAULT_LABELS: dict[str, list[str]] = {
    ScaleKind.BINARY: ["No", "Yes"],
    ScaleKind.THREE: ["Below expectations", "Meets expectations", "Exceeds expectations"],
    ScaleKind.FOUR: ["Poor", "Fair", "Good", "Excellent"],
    ScaleKind.FIVE: ["Very poor", "Poor", "Fair", "Good", "Excellent"],
}


class ScorecardQuerySet(models.QuerySet["Scorecard"]):
    """Scorecards by applicability."""

    def active(self) -> ScorecardQuerySet:
        return self.filter(is_active=True)


class Scorecard(models.Model):
    """A named scorecard; its content lives in versions. It applies to conversations of its queues, else of its
    channel, else it is the default."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    scoring_mode = models.CharField(max_length=16, choices=ScoringMode.choices, default=ScoringMode.PERCENTAGE)
    channel = models.CharField(
        max_length=16, choices=Channel.choices, blank=True, help_text="Applies to conversations of this channel."
    )
    queues = models.ManyToManyField(
        Queue, blank=True, related_name="scorecards", help_text="Applies to these queues first (before the channel)."
    )
    is_default = models.BooleanField(default=False, help_text="Applies when no queue or channel scorecard does.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScorecardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="scorecard_one_default")
        ]

    def __str__(self) -> str:
        return self.name


class ScorecardVersion(models.Model):
    """One version of a scorecard's sections and criteria. Reviews keep the version they used."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT)
    notes = models.CharField(max_length=300, blank=True, help_text="What changed in this version.")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="scorecardversion_unique_number"),
            models.UniqueConstraint(
                fields=["scorecard"], condition=Q(status=ScorecardStatus.DRAFT), name="scorecardversion_one_draft"
            ),
            models.UniqueConstraint(
                fields=["scorecard"],
                condition=Q(status=ScorecardStatus.PUBLISHED),
                name="scorecardversion_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} v{self.number} ({self.get_status_display().lower()})"


class Section(models.Model):
    """An ordered group of criteria of one version."""

    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=64, help_text="Stable across versions.")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=SectionKind.choices, default=SectionKind.NORMAL)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="section_unique_key")]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    """One rated item: its scale and labels, weight (0-100), points (points mode), N/A, critical, guidance."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(max_length=64, help_text="Stable across versions; unique within a version.")
    name = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, help_text="What each rating means, shown to reviewers.")
    scale = models.CharField(max_length=8, choices=ScaleKind.choices, default=ScaleKind.BINARY)
    labels = models.JSONField(default=list, blank=True, help_text="One label per scale value, lowest first.")
    weight = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(100)])
    points = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Points mode: what a top rating earns (empty: the scale's span)."
    )
    allows_na = models.BooleanField(default=False, verbose_name="N/A allowed")
    is_critical = models.BooleanField(default=False, help_text="A rating below 50 % sets the review's score to 0.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["section__position", "position", "pk"]
        verbose_name_plural = "criteria"
        constraints = [models.UniqueConstraint(fields=["section", "key"], name="criterion_unique_key")]

    def __str__(self) -> str:
        return self.name

    @property
    def scale_min(self) -> int:
        return SCALE_RANGES[self.scale][0]

    @property
    def scale_max(self) -> int:
        return SCALE_RANGES[self.scale][1]

    @property
    def scale_labels(self) -> list[str]:
        """The labels as shown: the custom ones, or the scale's defaults."""
        return list(self.labels) if self.labels else list(DEFAULT_LABELS[self.scale])

    @property
    def choices(self) -> list[tuple[int, str]]:
        """(value, label) pairs, lowest first."""
        return list(zip(range(self.scale_min, self.scale_max + 1), self.scale_labels, strict=False))

    def clean(self) -> None:
        count = self.scale_max - self.scale_min + 1
        if self.labels and (
            not isinstance(self.labels, list)
            or len(self.labels) != count
            or not all(isinstance(label, str) and label.strip() for label in self.labels)
        ):
            raise ValidationError({"labels": f"Give {count} non-empty labels for a {self.get_scale_display()} scale."})


# --- QA settings per team -------------------------------------------------------------------------------------------


class QASettings(models.Model):
    """A team's QA rules: its QA leads, the dispute window, the coaching threshold and the refresher curriculum."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="qa_settings")
    leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="qa_led_teams",
        help_text="QA leads: take escalated disputes, review any conversation of the team, run calibrations.",
    )
    dispute_window_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(90)], help_text="Days after submission."
    )
    coaching_threshold_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="A review scoring under this flags coaching.",
    )
    refresher_curriculum = models.ForeignKey(
        "onboarding.Curriculum",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Assigned to the agent when a review fails a critical criterion or scores under the threshold.",
    )
    allow_self_reviews = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "QA settings"
        verbose_name_plural = "QA settings"

    def __str__(self) -> str:
        return f"QA settings of {self.team}"


def _led_team_ids(user: Any) -> Any:
    return QASettings.objects.filter(leads=user).values("team_id")


def is_qa_lead(user: Any, team_id: int | None = None) -> bool:
    """True for admins, and for QA leads (of ``team_id`` when given)."""
    if access.is_admin(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    rows = QASettings.objects.filter(leads=user)
    return rows.filter(team_id=team_id).exists() if team_id is not None else rows.exists()


# --- sampling -------------------------------------------------------------------------------------------------------


class Cadence(models.TextChoices):
    """How often a sampling rule opens a cycle, in the team's time zone."""

    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"


class SamplingMethod(models.TextChoices):
    """Random: any matching conversation; stratified: spread across the agent's queues in proportion."""

    RANDOM = "random", "Random"
    STRATIFIED = "stratified", "Stratified by queue"


class SamplingRule(models.Model):
    """Which conversations of a team to review each cycle: N per agent, filters, method, reviewers with goals."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="sampling_rules")
    name = models.CharField(max_length=120)
    cadence = models.CharField(max_length=16, choices=Cadence.choices, default=Cadence.WEEKLY)
    per_agent = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1), MaxValueValidator(100)])
    method = models.CharField(max_length=16, choices=SamplingMethod.choices, default=SamplingMethod.RANDOM)
    channels = models.JSONField(default=list, blank=True, help_text="Only these channels (empty: any).")
    queues = models.ManyToManyField(Queue, blank=True, related_name="+", help_text="Only these queues (empty: any).")
    csat_max = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="CSAT at most."
    )
    handle_time_min_seconds = models.PositiveIntegerField(null=True, blank=True)
    handle_time_max_seconds = models.PositiveIntegerField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="Conversations with any of these tags (empty: any).")
    require_transcript = models.BooleanField(
        default=False, help_text="Only conversations whose transcript was imported (there is something to read)."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="samplingrule_unique_name")]

    def __str__(self) -> str:
        return f"{self.team}: {self.name}"


class ReviewerGoal(models.Model):
    """A reviewer of a sampling rule and how many conversations they aim to review per cycle."""

    rule = models.ForeignKey(SamplingRule, on_delete=models.CASCADE, related_name="reviewer_goals")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    goal = models.PositiveSmallIntegerField(default=20, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["rule", "reviewer"]
        constraints = [models.UniqueConstraint(fields=["rule", "reviewer"], name="reviewergoal_unique")]

    def __str__(self) -> str:
        return f"{self.reviewer} · {self.goal} per cycle"


class SamplingCycle(models.Model):
    """One period of a rule (local dates), with the seed its sample was drawn with."""

    rule = models.ForeignKey(SamplingRule, on_delete=models.CASCADE, related_name="cycles")
    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    seed = models.BigIntegerField()
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "rule"]
        constraints = [models.UniqueConstraint(fields=["rule", "period_start"], name="samplingcycle_unique_period")]

    def __str__(self) -> str:
        return f"{self.rule.name} {self.period_start:%d %b}–{self.period_end:%d %b %Y}"


class AssignmentStatus(models.TextChoices):
    """Where one sampled conversation stands."""

    ASSIGNED = "assigned", "To review"
    REVIEWED = "reviewed", "Reviewed"
    REMOVED = "removed", "Removed"
    REPLACED = "replaced", "Replaced"


class ReviewAssignment(models.Model):
    """A sampled conversation given to a reviewer in a cycle; removed or replaced with a reason."""

    cycle = models.ForeignKey(SamplingCycle, on_delete=models.CASCADE, related_name="assignments")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="qa_assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_assignments")
    status = models.CharField(max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it was removed or replaced.")
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "reviewer", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "conversation"], name="assignment_unique_conversation"),
        ]
        indexes = [models.Index(fields=["reviewer", "status"], name="assignment_reviewer_status")]

    def __str__(self) -> str:
        return f"{self.conversation} → {self.reviewer}"


# --- calibration ----------------------------------------------------------------------------------------------------


class CalibrationStatus(models.TextChoices):
    """Open while reviewers score; closed once the facilitator has published the benchmark."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class CalibrationSession(models.Model):
    """Chosen conversations reviewed blind by chosen reviewers, against a benchmark review."""

    name = models.CharField(max_length=120)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="calibration_sessions")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="calibration_sessions")
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conversations = models.ManyToManyField(Conversation, related_name="calibration_sessions")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="calibration_sessions")
    status = models.CharField(max_length=16, choices=CalibrationStatus.choices, default=CalibrationStatus.OPEN)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


# --- reviews --------------------------------------------------------------------------------------------------------


class ReviewKind(models.TextChoices):
    """Standard reviews count towards IQS; self-reviews are the agent's own; calibration and benchmark reviews
    belong to a calibration session and never count."""

    STANDARD = "standard", "Review"
    SELF = "self", "Self-review"
    CALIBRATION = "calibration", "Calibration"
    BENCHMARK = "benchmark", "Calibration benchmark"


class ReviewStatus(models.TextChoices):
    """A review is a draft until submitted; agents only ever see submitted ones."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


COUNTED_KINDS = (ReviewKind.STANDARD,)
AGENT_VISIBLE_KINDS = (ReviewKind.STANDARD, ReviewKind.SELF)


class ReviewQuerySet(models.QuerySet["Review"]):
    """Reviews scoped by role."""

    def visible_to(self, user: Any) -> ReviewQuerySet:
        """Admins: all. Authors: their own. Agents: submitted standard and self reviews of themselves. Managers:
        submitted standard and self reviews of their teams' agents. QA reviewers: submitted reviews of the teams
        assigned to them (calibration reviews only once they submitted their own in that session). QA leads:
        every review of the teams they lead. Calibration reviews: see the comment below."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        condition = Q(reviewer=user)
        submitted = Q(status=ReviewStatus.SUBMITTED)
        condition |= submitted & Q(kind__in=AGENT_VISIBLE_KINDS, agent__user=user)
        if access.is_manager(user):
            managed = Team.objects.filter(managers=user).values("pk")
            condition |= (
                submitted & Q(kind__in=AGENT_VISIBLE_KINDS) & (Q(agent__team_id__in=managed) | Q(agent__manager=user))
            )
        if access.is_qa_reviewer(user):
            assigned = Team.objects.filter(qa_reviewers=user).values("pk")
            condition |= submitted & Q(kind__in=AGENT_VISIBLE_KINDS, agent__team_id__in=assigned)
        # Calibration is blind per conversation: the others' reviews of a conversation (and its benchmark) show once
        # you submitted yours of it, and all of them once the session is closed.
        own_done = Review.objects.filter(
            reviewer=user,
            kind=ReviewKind.CALIBRATION,
            status=ReviewStatus.SUBMITTED,
            calibration_id=OuterRef("calibration_id"),
            conversation_id=OuterRef("conversation_id"),
        )
        condition |= submitted & Q(calibration__isnull=False) & Q(Exists(own_done))
        condition |= submitted & Q(calibration__status=CalibrationStatus.CLOSED, calibration__reviewers=user)
        condition |= Q(agent__team_id__in=_led_team_ids(user))
        return self.filter(condition).distinct()

    def counted(self) -> ReviewQuerySet:
        """Submitted standard reviews: the ones IQS is computed over."""
        return self.filter(status=ReviewStatus.SUBMITTED, kind__in=COUNTED_KINDS)


class Review(models.Model):
    """A reviewer's scorecard on one conversation of one agent, with the version it used and its score."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="qa_reviews")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="qa_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_reviews_given")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=16, choices=ReviewKind.choices, default=ReviewKind.STANDARD)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    assignment = models.OneToOneField(
        ReviewAssignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="review"
    )
    calibration = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, null=True, blank=True, related_name="reviews"
    )
    comment = models.TextField(blank=True, help_text="Overall feedback for the agent.")
    score = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True, help_text="Percent; may exceed 100 with a bonus."
    )
    critical_failed = models.BooleanField(default=False)
    auto_failed = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True, help_text="Set when a dispute is rejected.")
    coaching_reason = models.CharField(max_length=300, blank=True)
    coaching_flagged_at = models.DateTimeField(null=True, blank=True)
    coaching_done_at = models.DateTimeField(null=True, blank=True, help_text="Discussed in a 1:1.")
    seconds_spent = models.PositiveIntegerField(default=0, help_text="Time the reviewer spent on it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "reviewer"],
                condition=Q(kind__in=["standard", "self"]),
                name="review_one_per_reviewer_and_conversation",
            ),
            models.UniqueConstraint(
                fields=["calibration", "conversation", "reviewer"],
                condition=Q(calibration__isnull=False),
                name="review_one_per_calibration_conversation_reviewer",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["calibration", "benchmark"], calibration__isnull=False)
                | Q(kind__in=["standard", "self"], calibration__isnull=True),
                name="review_calibration_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "submitted_at"], name="review_agent_submitted"),
            models.Index(fields=["status", "kind", "submitted_at"], name="review_status_kind_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.conversation} by {self.reviewer}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ReviewStatus.SUBMITTED


class Rating(models.Model):
    """One criterion's rating in a review (empty value: N/A), with the reviewer's comment."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="ratings")
    value = models.SmallIntegerField(null=True, blank=True, help_text="Empty: not applicable.")
    comment = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "criterion__section__position", "criterion__position"]
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="rating_unique_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {'N/A' if self.value is None else self.value}"


# --- disputes -------------------------------------------------------------------------------------------------------


class DisputeStatus(models.TextChoices):
    """Open with the original reviewer, escalated to a QA lead, or resolved."""

    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated"
    ACCEPTED = "accepted", "Accepted"
    PARTIALLY_ACCEPTED = "partially_accepted", "Partially accepted"
    REJECTED = "rejected", "Rejected"


OPEN_DISPUTE_STATUSES = (DisputeStatus.OPEN, DisputeStatus.ESCALATED)


class DisputeOutcomeCode(models.TextChoices):
    """Why a dispute was resolved the way it was."""

    SCORE_CORRECT = "score_correct", "The score was correct"
    REVIEWER_ERROR = "reviewer_error", "Reviewer error"
    GUIDANCE_UNCLEAR = "guidance_unclear", "Guidance was unclear"
    NEW_CONTEXT = "new_context", "New context from the agent"
    OTHER = "other", "Other"


class DisputeItemOutcome(models.TextChoices):
    """A disputed criterion's fate."""

    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class DisputeQuerySet(models.QuerySet["Dispute"]):
    """Disputes scoped by role: those on reviews the user may see, plus the ones assigned to them."""

    def visible_to(self, user: Any) -> DisputeQuerySet:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        return self.filter(
            Q(review__in=Review.objects.visible_to(user)) | Q(assigned_to=user) | Q(raised_by=user)
        ).distinct()


class Dispute(models.Model):
    """An agent's or lead's challenge of criteria of a submitted review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=24, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_disputes_assigned"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome_code = models.CharField(max_length=24, choices=DisputeOutcomeCode.choices, blank=True)
    resolution_note = models.TextField(blank=True)
    score_before = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    score_after = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DisputeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"], condition=Q(status__in=["open", "escalated"]), name="dispute_one_open_per_review"
            )
        ]

    def __str__(self) -> str:
        return f"Dispute of {self.review} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE_STATUSES


class DisputeItem(models.Model):
    """One disputed criterion, with an optional proposed rating and its outcome."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="items")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    proposed_value = models.SmallIntegerField(null=True, blank=True)
    proposes_na = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=DisputeItemOutcome.choices, default=DisputeItemOutcome.PENDING)
    value_before = models.SmallIntegerField(null=True, blank=True)
    value_after = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["dispute", "criterion__section__position", "criterion__position"]
        constraints = [models.UniqueConstraint(fields=["dispute", "criterion"], name="disputeitem_unique_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion} ({self.get_outcome_display().lower()})"


# People management (1:1s, review cycles, improvement plans, the weekly snapshot) lives in its own module.
from .people_models import (  # noqa: E402, F401  (re-exported: the app's models)
    ActionItem,
    AnswerAuthor,
    CycleStatus,
    ImprovementPlan,
    MeetingStatus,
    OneOnOne,
    OneOnOneSeries,
    PerformanceReview,
    PerformanceReviewStatus,
    PlanCheckIn,
    PlanGoal,
    PlanMetric,
    PlanStatus,
    ReviewAnswer,
    ReviewCycle,
    ReviewQuestion,
    ReviewQuestionKind,
    ReviewTemplate,
    TalkingPoint,
    TalkingPointSource,
    WeeklySnapshot,
)
