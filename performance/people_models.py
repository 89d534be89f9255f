"""People management: 1:1 series and meetings (shared agenda, shared and manager-private notes, action items), review
cycles with self and manager reviews fed by evidence, improvement plans with metric goals, and the weekly snapshot.

Manager-private notes (``OneOnOne.private_notes``) are never shown to the agent: every serializer, page, export and
e-mail that an agent can reach leaves them out, and tests check each route.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from supportops import access
from supportops.models import Agent, Team

# --- 1:1s -----------------------------------------------------------------------------------------------------------


def is_manager_of(user: Any, agent: Agent) -> bool:
    """The one rule for the manager side of an agent's 1:1s, reviews and plans: admins, the agent's own manager
    and the managers of the agent's team — never the agent themselves, whatever other roles they hold (at most
    one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or agent.user_id == user.pk:
        return False
    if access.is_admin(user) or agent.manager_id == user.pk:
        return True
    return Team.objects.filter(pk=agent.team_id, managers=user).exists()


class AgentRecordQuerySet(models.QuerySet[Any]):
    """Records about one agent (1:1 series, performance reviews, improvement plans) scoped by role: the agent,
    the record's manager, the agent's own manager, the managers of the agent's team, admins."""

    def visible_to(self, user: Any, *, agent_field: str = "agent", manager_field: str = "manager") -> Any:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.all()
        managed = Team.objects.filter(managers=user).values("pk")
        return self.filter(
            Q(**{f"{agent_field}__user": user})
            | Q(**{manager_field: user})
            | Q(**{f"{agent_field}__manager": user})
            | Q(**{f"{agent_field}__team_id__in": managed})
        )


OneOnOneQuerySet = AgentRecordQuerySet


class OneOnOneSeries(models.Model):
    """A recurring 1:1 between a manager and an agent: how often, when (the agent's zone) and for how long."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_on_one_series")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="one_on_one_series")
    cadence_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(90)], help_text="Days between meetings."
    )
    duration_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgentRecordQuerySet.as_manager()

    class Meta:
        ordering = ["agent"]
        verbose_name = "1:1 series"
        verbose_name_plural = "1:1 series"
        constraints = [
            models.UniqueConstraint(
                fields=["manager", "agent"], condition=Q(is_active=True), name="oneonone_series_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"1:1 {self.manager} · {self.agent}"


class MeetingStatus(models.TextChoices):
    """A 1:1 meeting is scheduled, then held (done) or cancelled."""

    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class OneOnOne(models.Model):
    """One meeting of a series: when, its shared notes and the manager's private notes."""

    series = models.ForeignKey(OneOnOneSeries, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    status = models.CharField(max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    shared_notes = models.TextField(blank=True, help_text="Seen by both.")
    private_notes = models.TextField(blank=True, help_text="The manager's only: never shown to the agent.")
    completed_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="Calendar invite revision.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["private_notes"])

    class Meta:
        ordering = ["series", "starts_at"]
        verbose_name = "1:1"
        verbose_name_plural = "1:1s"
        constraints = [models.UniqueConstraint(fields=["series", "starts_at"], name="oneonone_unique_start")]

    def __str__(self) -> str:
        return f"{self.series} on {self.starts_at:%Y-%m-%d}"


class TalkingPointSource(models.TextChoices):
    """Where a talking point came from: a person, or the pre-filled agenda."""

    MANUAL = "manual", "Added"
    KPI = "kpi", "KPI change"
    QA = "qa", "QA review"
    DISPUTE = "dispute", "Open dispute"
    ONBOARDING = "onboarding", "Onboarding"
    CARRIED = "carried", "Carried over"


class TalkingPoint(models.Model):
    """A point on a meeting's shared agenda; unchecked points carry over to the next meeting."""

    meeting = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="talking_points")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=500)
    source = models.CharField(max_length=16, choices=TalkingPointSource.choices, default=TalkingPointSource.MANUAL)
    link = models.CharField(max_length=300, blank=True, help_text="A page the point refers to (a review, say).")
    is_checked = models.BooleanField(default=False)
    carried_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class ActionItem(models.Model):
    """Something to do, owned by one of the two people, with a due date; open items show in every later meeting."""

    series = models.ForeignKey(OneOnOneSeries, on_delete=models.CASCADE, related_name="action_items")
    created_in = models.ForeignKey(OneOnOne, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items")
    text = models.CharField(max_length=500)
    due_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series", "completed_at", "due_date", "pk"]

    def __str__(self) -> str:
        return self.text


# --- review cycles --------------------------------------------------------------------------------------------------


class ReviewTemplate(models.Model):
    """The questions of a review cycle and its rating scale (e.g. 1-5 with labels)."""

    name = models.CharField(max_length=120, unique=True)
    rating_min = models.PositiveSmallIntegerField(default=1)
    rating_max = models.PositiveSmallIntegerField(default=5)
    rating_labels = models.JSONField(default=list, blank=True, help_text="One label per rating, lowest first.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReviewQuestionKind(models.TextChoices):
    """A review question is answered in words, or with a rating on the template's scale."""

    TEXT = "text", "Text"
    RATING = "rating", "Rating"


class ReviewQuestion(models.Model):
    """One question of a review template, asked in the self review and the manager review."""

    template = models.ForeignKey(ReviewTemplate, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=8, choices=ReviewQuestionKind.choices, default=ReviewQuestionKind.TEXT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class CycleStatus(models.TextChoices):
    """A cycle is drafted, opened (self and manager reviews), calibrated, then closed."""

    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CALIBRATION = "calibration", "Calibration"
    CLOSED = "closed", "Closed"


class ReviewCycle(models.Model):
    """A performance review cycle over a period, for chosen agents, with a template."""

    name = models.CharField(max_length=120)
    period_start = models.DateField()
    period_end = models.DateField()
    template = models.ForeignKey(ReviewTemplate, on_delete=models.PROTECT, related_name="cycles")
    status = models.CharField(max_length=16, choices=CycleStatus.choices, default=CycleStatus.DRAFT)
    self_review_due = models.DateField(null=True, blank=True)
    manager_review_due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "name"]

    def __str__(self) -> str:
        return self.name


class PerformanceReviewStatus(models.TextChoices):
    """Where one agent's review in a cycle stands."""

    SELF_REVIEW = "self_review", "Self review"
    MANAGER_REVIEW = "manager_review", "Manager review"
    CALIBRATION = "calibration", "Calibration"
    SIGN_OFF = "sign_off", "Waiting for signatures"
    SIGNED = "signed", "Signed"


class PerformanceReview(models.Model):
    """One agent's review in a cycle: self and manager answers, a rating (calibrated with a reason), the evidence of
    the period (KPIs, IQS, links) frozen when the manager submits, and both signatures."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="reviews")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="performance_reviews")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=PerformanceReviewStatus.choices, default=PerformanceReviewStatus.SELF_REVIEW
    )
    self_submitted_at = models.DateTimeField(null=True, blank=True)
    manager_submitted_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The manager's overall rating.")
    calibrated_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    calibration_reason = models.CharField(max_length=300, blank=True)
    evidence = models.JSONField(default=dict, blank=True, help_text="The period's KPIs, IQS and links, frozen.")
    agent_signed_at = models.DateTimeField(null=True, blank=True)
    manager_signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgentRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle", "agent"]
        constraints = [models.UniqueConstraint(fields=["cycle", "agent"], name="performancereview_one_per_cycle")]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.agent}"

    @property
    def final_rating(self) -> int | None:
        return self.calibrated_rating if self.calibrated_rating is not None else self.rating


class AnswerAuthor(models.TextChoices):
    """Who answered: the agent in their self review, or the manager."""

    SELF = "self", "Self"
    MANAGER = "manager", "Manager"


class ReviewAnswer(models.Model):
    """An answer to a question, by the agent (self review) or the manager."""

    review = models.ForeignKey(PerformanceReview, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(ReviewQuestion, on_delete=models.PROTECT, related_name="+")
    author = models.CharField(max_length=8, choices=AnswerAuthor.choices)
    text = models.TextField(blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["review", "question__position", "author"]
        constraints = [models.UniqueConstraint(fields=["review", "question", "author"], name="reviewanswer_unique")]

    def __str__(self) -> str:
        return f"{self.question} ({self.get_author_display()})"


# --- improvement plans ----------------------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    """An improvement plan runs, then passes, is extended or ends."""

    ACTIVE = "active", "Active"
    PASSED = "passed", "Passed"
    EXTENDED = "extended", "Extended"
    ENDED = "ended", "Ended"


class ImprovementPlan(models.Model):
    """A performance improvement plan: goals with metric targets over a period, check-ins and an outcome. Seen only
    by the agent, their manager(s) and admins."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="improvement_plans")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    outcome_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgentRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return f"{self.title} ({self.agent})"


class PlanMetric(models.TextChoices):
    """The KPIs a goal can target."""

    IQS = "iqs", "IQS (%)"
    CSAT = "csat", "CSAT (% 4-5)"
    AHT = "aht", "Average handle time (s)"
    FRT = "frt", "First response time, median (s)"
    FCR = "fcr", "First-contact resolution (%)"
    ADHERENCE = "adherence", "Schedule adherence (%)"


class PlanGoal(models.Model):
    """A goal of a plan: a metric at or above (or at or below) a target over the last N days."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="goals")
    metric = models.CharField(max_length=16, choices=PlanMetric.choices)
    at_least = models.BooleanField(default=True, help_text="Met when the metric is at least the target (else at most).")
    target = models.DecimalField(max_digits=10, decimal_places=2)
    window_days = models.PositiveSmallIntegerField(default=28, validators=[MinValueValidator(1)])
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {'≥' if self.at_least else '≤'} {self.target}"


class PlanCheckIn(models.Model):
    """A dated check-in note on a plan."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "created_at"]

    def __str__(self) -> str:
        return f"Check-in on {self.plan} ({self.created_at:%Y-%m-%d})"


# --- the weekly snapshot --------------------------------------------------------------------------------------------


class WeeklySnapshot(models.Model):
    """The week's snapshot for one manager (their teams) or for leadership (every team), as data and HTML; one per
    recipient and week."""

    week_start = models.DateField(help_text="The Monday of the week it covers.")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_snapshots")
    is_leadership = models.BooleanField(default=False)
    data = models.JSONField(default=dict)
    html = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start", "recipient"]
        constraints = [models.UniqueConstraint(fields=["week_start", "recipient"], name="weeklysnapshot_one_per_week")]

    def __str__(self) -> str:
        return f"Snapshot of {self.week_start} for {self.recipient}"
