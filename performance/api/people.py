"""Review cycles, performance reviews and improvement plans in the performance API.

Who sees what follows ``performance.services.people``: a review or a plan is seen by its agent, the agent's managers
(their own and their team's), the manager named on it and admins; QA reviewers and other agents see nothing (404).
The agent sees the manager's answers, the rating and its calibration only once the review reaches sign-off; the
manager sees the agent's self answers once the self review is submitted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from performance import services
from performance.inputs import person_name
from performance.people_models import (
    ImprovementPlan,
    PerformanceReview,
    PlanCheckIn,
    PlanGoal,
    PlanMetric,
    PlanStatus,
    ReviewAnswer,
    ReviewCycle,
    ReviewTemplate,
)
from supportops import access
from supportops.models import Agent

FIELD_ERRORS = OpenApiResponse(
    response={"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="Refused: each refused field maps to its messages; nothing changed.",
)


# --- cycles ---------------------------------------------------------------------------------------------------------


class ReviewCycleSerializer(serializers.ModelSerializer[ReviewCycle]):
    """A cycle: its period, template, phase and due dates."""

    template_name = serializers.CharField(source="template.name", read_only=True)

    class Meta:
        model = ReviewCycle
        fields = [
            "id", "name", "period_start", "period_end", "template", "template_name", "status", "self_review_due",
            "manager_review_due", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReviewCycleInSerializer(serializers.Serializer[Any]):
    """A cycle to create: period, template, agents and due dates."""

    name = serializers.CharField(max_length=120)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    template = serializers.PrimaryKeyRelatedField(queryset=ReviewTemplate.objects.all())
    agent_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    self_review_due = serializers.DateField(required=False, allow_null=True, default=None)
    manager_review_due = serializers.DateField(required=False, allow_null=True, default=None)


class RatingCountSerializer(serializers.Serializer[Any]):
    """How many reviews carry a rating before and after calibration."""

    rating = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, collected by the metaclass
    before = serializers.IntegerField()
    after = serializers.IntegerField()


class ReviewCycleViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[ReviewCycle]):
    """Cycles you run or are part of; managers and admins create, open and move them to sign-off."""

    serializer_class = ReviewCycleSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[ReviewCycle]:
        if getattr(self, "swagger_fake_view", False):
            return ReviewCycle.objects.none()
        return services.cycles_visible_to(self.request.user).select_related("template").order_by("-period_end", "pk")

    @extend_schema(request=ReviewCycleInSerializer, responses={201: ReviewCycleSerializer, 400: FIELD_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ReviewCycleInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        ids = values["agent_ids"]
        agents = list(Agent.objects.select_related("team", "manager").filter(pk__in=ids))
        missing = sorted(set(ids) - {agent.pk for agent in agents})
        if missing:
            raise serializers.ValidationError({"agent_ids": [f"No agent {pk}." for pk in missing]})
        cycle = services.cycle_create(
            name=values["name"],
            period_start=values["period_start"],
            period_end=values["period_end"],
            template=values["template"],
            agents=agents,
            user=request.user,
            self_review_due=values["self_review_due"],
            manager_review_due=values["manager_review_due"],
        )
        return Response(ReviewCycleSerializer(cycle).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ReviewCycleSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str | None = None) -> Response:
        """Open a draft cycle for answers."""
        return Response(ReviewCycleSerializer(services.cycle_open(cycle=self.get_object(), user=request.user)).data)

    @extend_schema(request=None, responses={200: ReviewCycleSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"], url_path="to-calibration")
    def to_calibration(self, request: Request, pk: str | None = None) -> Response:
        """Close answers once every manager review is submitted."""
        cycle = services.cycle_to_calibration(cycle=self.get_object(), user=request.user)
        return Response(ReviewCycleSerializer(cycle).data)

    @extend_schema(request=None, responses={200: ReviewCycleSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"], url_path="to-sign-off")
    def to_sign_off(self, request: Request, pk: str | None = None) -> Response:
        """End calibration: the reviews wait for signatures."""
        cycle = services.cycle_to_sign_off(cycle=self.get_object(), user=request.user)
        return Response(ReviewCycleSerializer(cycle).data)

    @extend_schema(request=None, responses={200: RatingCountSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def distribution(self, request: Request, pk: str | None = None) -> Response:
        """Counts per rating across the cycle, before and after calibration (managers and admins; a manager who is
        also an agent of the cycle is counted without their own review)."""
        cycle = self.get_object()
        if not (access.is_admin(request.user) or access.is_manager(request.user)):
            raise PermissionDenied("The rating distribution is for managers and admins.")
        counts = services.cycle_distribution(cycle, viewer=request.user)
        return Response(RatingCountSerializer(counts, many=True).data)


# --- performance reviews --------------------------------------------------------------------------------------------


class ReviewAnswerSerializer(serializers.ModelSerializer[ReviewAnswer]):
    """An answer with its question."""

    question_text = serializers.CharField(source="question.text", read_only=True)

    class Meta:
        model = ReviewAnswer
        fields = ["question", "question_text", "author", "text", "rating"]
        read_only_fields = fields


class PerformanceReviewSerializer(serializers.ModelSerializer[PerformanceReview]):
    """A review with the answers the viewer may read and the period's evidence (frozen once the manager submitted)."""

    cycle_name = serializers.CharField(source="cycle.name", read_only=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True)
    manager_name = serializers.SerializerMethodField()
    final_rating = serializers.IntegerField(read_only=True, allow_null=True)
    answers = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = PerformanceReview
        fields = [
            "id", "cycle", "cycle_name", "agent", "agent_name", "manager", "manager_name", "status",
            "self_submitted_at", "manager_submitted_at", "rating", "calibrated_rating", "calibration_reason",
            "final_rating", "agent_signed_at", "manager_signed_at", "answers", "evidence",
        ]  # fmt: skip
        read_only_fields = fields

    def get_manager_name(self, review: PerformanceReview) -> str | None:
        return person_name(review.manager)

    def _viewer(self) -> Any:
        return self.context["request"].user

    @extend_schema_field(ReviewAnswerSerializer(many=True))
    def get_answers(self, review: PerformanceReview) -> list[dict[str, Any]]:
        answers = services.review_answers_for(review, self._viewer())
        return [dict(ReviewAnswerSerializer(answer).data) for answer in answers]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_evidence(self, review: PerformanceReview) -> dict[str, Any]:
        return services.review_evidence_for(review)

    def to_representation(self, instance: PerformanceReview) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not services.review_shows_manager_side(instance, self._viewer()):
            data.update(rating=None, calibrated_rating=None, calibration_reason="", final_rating=None)
        return data


class PerformanceReviewListSerializer(PerformanceReviewSerializer):
    """A review row without answers and evidence."""

    class Meta(PerformanceReviewSerializer.Meta):
        fields = [name for name in PerformanceReviewSerializer.Meta.fields if name not in ("answers", "evidence")]
        read_only_fields = fields


class ReviewAnswerInSerializer(serializers.Serializer[Any]):
    """One answer: the question's id, words and (rating questions) a rating."""

    question = serializers.IntegerField()
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=8000)
    rating = serializers.IntegerField(required=False, allow_null=True, default=None)


class AnswersInSerializer(serializers.Serializer[Any]):
    """Answers to save; ``submit`` hands them over (every question answered)."""

    answers = ReviewAnswerInSerializer(many=True)
    submit = serializers.BooleanField(default=False)
    overall_rating = serializers.IntegerField(required=False, allow_null=True, default=None)


class CalibrateInSerializer(serializers.Serializer[Any]):
    """An adjusted rating and why."""

    rating = serializers.IntegerField()
    reason = serializers.CharField(max_length=300, allow_blank=True)


class PerformanceReviewViewSet(viewsets.ReadOnlyModelViewSet[PerformanceReview]):
    """Performance reviews you may see; the agent and the manager answer and sign, managers calibrate."""

    serializer_class = PerformanceReviewSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[PerformanceReview]:
        if getattr(self, "swagger_fake_view", False):
            return PerformanceReview.objects.none()
        queryset = services.reviews_visible_to(self.request.user).select_related(
            "cycle__template", "agent__user", "agent__team", "manager"
        )
        if self.action == "list":
            return queryset.defer("evidence").order_by("cycle_id", "agent_id")
        queryset = queryset.prefetch_related(
            Prefetch("answers", queryset=ReviewAnswer.objects.select_related("question"))
        )
        return queryset.order_by("cycle_id", "agent_id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return PerformanceReviewListSerializer if self.action == "list" else PerformanceReviewSerializer

    def _detail(self, review: PerformanceReview) -> Response:
        fresh = self.get_queryset().get(pk=review.pk)
        return Response(PerformanceReviewSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=AnswersInSerializer, responses={200: PerformanceReviewSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["put"])
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """Save (and with ``submit``, hand over) your answers: the agent's self review or the manager's review."""
        body = AnswersInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        review = services.review_answers_save(
            review=self.get_object(),
            user=request.user,
            answers=[
                services.AnswerInput(item["question"], item["text"], item["rating"]) for item in values["answers"]
            ],
            submit=values["submit"],
            overall_rating=values["overall_rating"],
        )
        return self._detail(review)

    @extend_schema(request=CalibrateInSerializer, responses={200: PerformanceReviewSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def calibrate(self, request: Request, pk: str | None = None) -> Response:
        """Adjust the rating in calibration, with a reason."""
        body = CalibrateInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.review_calibrate(
            review=self.get_object(),
            user=request.user,
            rating=body.validated_data["rating"],
            reason=body.validated_data["reason"],
        )
        return self._detail(review)

    @extend_schema(request=None, responses={200: PerformanceReviewSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """Sign the review (the agent, or the review's manager)."""
        return self._detail(services.review_sign(review=self.get_object(), user=request.user))


# --- improvement plans ----------------------------------------------------------------------------------------------


class PlanGoalSerializer(serializers.ModelSerializer[PlanGoal]):
    """A goal: metric, direction, target and window."""

    class Meta:
        model = PlanGoal
        fields = ["id", "metric", "at_least", "target", "window_days", "description"]
        read_only_fields = fields


class PlanCheckInSerializer(serializers.ModelSerializer[PlanCheckIn]):
    """A check-in note."""

    author_name = serializers.SerializerMethodField()

    class Meta:
        model = PlanCheckIn
        fields = ["id", "author", "author_name", "note", "created_at"]
        read_only_fields = fields

    def get_author_name(self, check_in: PlanCheckIn) -> str | None:
        return person_name(check_in.author)


class ImprovementPlanSerializer(serializers.ModelSerializer[ImprovementPlan]):
    """A plan with its goals and check-ins."""

    agent_name = serializers.CharField(source="agent.display_name", read_only=True)
    goals = PlanGoalSerializer(many=True, read_only=True)
    check_ins = PlanCheckInSerializer(many=True, read_only=True)

    class Meta:
        model = ImprovementPlan
        fields = [
            "id", "agent", "agent_name", "manager", "title", "start_date", "end_date", "status", "outcome_note",
            "goals", "check_ins", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ImprovementPlanListSerializer(ImprovementPlanSerializer):
    """A plan row without goals and check-ins."""

    class Meta(ImprovementPlanSerializer.Meta):
        fields = [name for name in ImprovementPlanSerializer.Meta.fields if name not in ("goals", "check_ins")]
        read_only_fields = fields


class GoalInSerializer(serializers.Serializer[Any]):
    """A goal to set."""

    metric = serializers.ChoiceField(choices=PlanMetric.choices)
    at_least = serializers.BooleanField(default=True)
    target = serializers.DecimalField(max_digits=10, decimal_places=2)
    window_days = serializers.IntegerField(default=28)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ImprovementPlanInSerializer(serializers.Serializer[Any]):
    """A plan to create (the manager defaults to you)."""

    agent_id = serializers.IntegerField()
    manager_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=200)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    goals = GoalInSerializer(many=True)


class CheckInInSerializer(serializers.Serializer[Any]):
    """A check-in note."""

    note = serializers.CharField(allow_blank=True, max_length=8000)


class CloseInSerializer(serializers.Serializer[Any]):
    """The plan's outcome; an extension needs its new end date."""

    outcome = serializers.ChoiceField(choices=[PlanStatus.PASSED, PlanStatus.EXTENDED, PlanStatus.ENDED])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=8000)
    new_end_date = serializers.DateField(required=False, allow_null=True, default=None)


class GoalProgressSerializer(serializers.Serializer[Any]):
    """A goal's current value over its window and whether it is met."""

    goal = PlanGoalSerializer()
    value = serializers.FloatField(allow_null=True)
    is_met = serializers.BooleanField()
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    note = serializers.CharField()


class ImprovementPlanViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[ImprovementPlan]):
    """Improvement plans: seen by the agent, their managers and admins only."""

    serializer_class = ImprovementPlanSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[ImprovementPlan]:
        if getattr(self, "swagger_fake_view", False):
            return ImprovementPlan.objects.none()
        queryset = services.plans_visible_to(self.request.user).select_related("agent__user", "agent__team")
        if self.action != "list":
            queryset = queryset.prefetch_related(
                "goals", Prefetch("check_ins", queryset=PlanCheckIn.objects.select_related("author"))
            )
        return queryset.order_by("-start_date", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ImprovementPlanListSerializer if self.action == "list" else ImprovementPlanSerializer

    def _detail(self, plan: ImprovementPlan, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=plan.pk)
        return Response(ImprovementPlanSerializer(fresh).data, status=code)

    @extend_schema(request=ImprovementPlanInSerializer, responses={201: ImprovementPlanSerializer, 400: FIELD_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ImprovementPlanInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        agent = Agent.objects.visible_to(request.user).select_related("team").filter(pk=values["agent_id"]).first()
        if agent is None:
            raise serializers.ValidationError({"agent_id": [f"No agent {values['agent_id']} that you can see."]})
        manager: Any = request.user
        if values["manager_id"] is not None:
            from django.contrib.auth import get_user_model

            manager = get_user_model().objects.filter(pk=values["manager_id"]).first()
            if manager is None:
                raise serializers.ValidationError({"manager_id": [f"No user {values['manager_id']}."]})
        plan = services.plan_create(
            agent=agent,
            manager=manager,
            title=values["title"],
            start_date=values["start_date"],
            end_date=values["end_date"],
            goals=[
                services.GoalInput(
                    goal["metric"], goal["at_least"], goal["target"], goal["window_days"], goal["description"]
                )
                for goal in values["goals"]
            ],
            user=request.user,
        )
        return self._detail(plan, status.HTTP_201_CREATED)

    @extend_schema(request=CheckInInSerializer, responses={201: PlanCheckInSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"], url_path="check-ins")
    def check_ins(self, request: Request, pk: str | None = None) -> Response:
        """Add a check-in note (the agent's managers and admins)."""
        body = CheckInInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        check_in = services.plan_check_in(plan=self.get_object(), user=request.user, note=body.validated_data["note"])
        return Response(PlanCheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: GoalProgressSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """Each goal's current value over its window (every metric is measured; "no data in the window" when none)."""
        return Response(GoalProgressSerializer(services.plan_progress(self.get_object()), many=True).data)

    @extend_schema(request=CloseInSerializer, responses={200: ImprovementPlanSerializer, 400: FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Record the outcome: passed, ended, or extended (with a new end date)."""
        body = CloseInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        plan = services.plan_close(
            plan=self.get_object(),
            user=request.user,
            outcome=values["outcome"],
            note=values["note"],
            new_end_date=values["new_end_date"],
        )
        return self._detail(plan)


def register(router: SimpleRouter) -> None:
    """Add this topic's viewsets to the performance router."""
    router.register("review-cycles", ReviewCycleViewSet, basename="review-cycle")
    router.register("performance-reviews", PerformanceReviewViewSet, basename="performance-review")
    router.register("improvement-plans", ImprovementPlanViewSet, basename="improvement-plan")
