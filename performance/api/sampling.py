"""The sampling part of the performance API: sampling rules (with reviewer goals) and opening a cycle, sampling
cycles, and review assignments with their remove and replace actions.

Sampling is for admins, managers, QA reviewers and QA leads; an agent (holding none of those roles) gets 403.
Managers, QA reviewers and QA leads see their teams' rules and cycles; only QA leads of the team and admins change
rules or open cycles. A reviewer sees their own assignments, QA leads and admins the team's, managers their teams'
(read-only).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from supportops import access
from supportops.api.schema import FIELD_ERRORS as _FIELD_ERRORS
from supportops.choices import Channel
from supportops.filtersets import IntegerFilter
from supportops.models import Queue, Team

from ..models import (
    AssignmentStatus,
    Cadence,
    ReviewAssignment,
    ReviewerGoal,
    SamplingCycle,
    SamplingMethod,
    SamplingRule,
    is_qa_lead,
)
from ..services import sampling as services

_FORBIDDEN = OpenApiResponse(description="The user sees the object but may not do this.")


class SamplingAccess(permissions.BasePermission):
    """Sampling is for admins, managers, QA reviewers and QA leads: an agent gets 403."""

    message = "Agents see no QA sampling."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return access.is_admin(user) or access.is_manager(user) or access.is_qa_reviewer(user) or is_qa_lead(user)


# --- rules ------------------------------------------------------------------------------------------------------------


class ReviewerGoalSerializer(serializers.ModelSerializer[ReviewerGoal]):
    """A reviewer of the rule and their goal per cycle."""

    reviewer_id = serializers.IntegerField()
    reviewer_name = serializers.SerializerMethodField()
    goal = serializers.IntegerField(min_value=1, max_value=1000, default=services.DEFAULT_REVIEWER_GOAL)

    class Meta:
        model = ReviewerGoal
        fields = ["reviewer_id", "reviewer_name", "goal"]
        read_only_fields = ["reviewer_name"]

    def get_reviewer_name(self, goal: ReviewerGoal) -> str:
        return goal.reviewer.get_full_name() or goal.reviewer.username


class SamplingRuleSerializer(serializers.ModelSerializer[SamplingRule]):
    """A team's sampling rule: cadence, N per agent, method, filters and reviewers with goals."""

    team = serializers.CharField(source="team.slug", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    queue_ids = serializers.SerializerMethodField()
    reviewer_goals = ReviewerGoalSerializer(many=True, read_only=True)

    class Meta:
        model = SamplingRule
        fields = [
            "id", "team", "team_name", "name", "cadence", "per_agent", "method", "channels", "queue_ids",
            "csat_max", "handle_time_min_seconds", "handle_time_max_seconds", "tags", "require_transcript",
            "is_active",
            "reviewer_goals", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_queue_ids(self, rule: SamplingRule) -> list[int]:
        return sorted(queue.pk for queue in rule.queues.all())


class StrictCharField(serializers.CharField):
    """A text that must be sent as a JSON string (a number is refused, not converted)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReviewerGoalInSerializer(serializers.Serializer[Any]):
    """A reviewer (user id) and their goal per cycle."""

    reviewer_id = serializers.IntegerField()
    goal = serializers.IntegerField(min_value=1, max_value=1000, default=services.DEFAULT_REVIEWER_GOAL)


class SamplingRuleInSerializer(serializers.Serializer[Any]):
    """A rule to create (``team`` by slug) or change (``team`` cannot change); ``queue_ids`` and
    ``reviewer_goals``, when sent, replace the rule's."""

    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    name = serializers.CharField(max_length=120)
    cadence = serializers.ChoiceField(choices=Cadence.choices, default=Cadence.WEEKLY)
    per_agent = serializers.IntegerField(min_value=1, max_value=100, default=3)
    method = serializers.ChoiceField(choices=SamplingMethod.choices, default=SamplingMethod.RANDOM)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), default=list)
    queue_ids = serializers.PrimaryKeyRelatedField(queryset=Queue.objects.all(), many=True, required=False)
    csat_max = serializers.IntegerField(min_value=1, max_value=5, allow_null=True, default=None)
    handle_time_min_seconds = serializers.IntegerField(min_value=0, allow_null=True, default=None)
    handle_time_max_seconds = serializers.IntegerField(min_value=0, allow_null=True, default=None)
    tags = serializers.ListField(child=StrictCharField(max_length=100), default=list)
    require_transcript = serializers.BooleanField(default=False)
    is_active = serializers.BooleanField(default=True)
    reviewer_goals = ReviewerGoalInSerializer(many=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("handle_time_min_seconds"), attrs.get("handle_time_max_seconds")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"handle_time_min_seconds": ["The minimum handle time cannot be above the maximum."]}
            )
        return attrs


def _rule_arguments(values: dict[str, Any]) -> dict[str, Any]:
    """The service's keyword arguments from validated input (``team`` left out)."""
    arguments = {name: value for name, value in values.items() if name not in {"team", "queue_ids", "reviewer_goals"}}
    if "queue_ids" in values:
        arguments["queues"] = values["queue_ids"]
    if "reviewer_goals" in values:
        arguments["reviewer_goals"] = [services.ReviewerGoalInput(**goal) for goal in values["reviewer_goals"]]
    return arguments


class SamplingRuleFilterSet(django_filters.FilterSet):
    """Rules by team slug or active state."""

    team = django_filters.CharFilter(field_name="team__slug", label="Team slug")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = SamplingRule
        fields = ["team", "is_active"]


class OpenCycleInSerializer(serializers.Serializer[Any]):
    """The day the cycle is opened as of (default: today in the team's zone); it samples the period before."""

    day = serializers.DateField(required=False, allow_null=True, default=None)


class SamplingCycleSerializer(serializers.ModelSerializer[SamplingCycle]):
    """One period of a rule with the seed its sample was drawn with, and its assignments by status."""

    rule_id = serializers.IntegerField(read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    team = serializers.CharField(source="rule.team.slug", read_only=True)
    assignment_count = serializers.IntegerField(read_only=True)
    assigned_count = serializers.IntegerField(read_only=True)
    reviewed_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = SamplingCycle
        fields = [
            "id", "rule_id", "rule_name", "team", "period_start", "period_end", "seed", "opened_at",
            "assignment_count", "assigned_count", "reviewed_count",
        ]  # fmt: skip
        read_only_fields = fields


class SamplingRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[SamplingRule],
):
    """Sampling rules: managers, QA reviewers and QA leads see their teams', admins all; QA leads of the team and
    admins create, change and delete them, and open a cycle."""

    serializer_class = SamplingRuleSerializer
    filterset_class = SamplingRuleFilterSet
    permission_classes = [permissions.IsAuthenticated, SamplingAccess]

    def get_queryset(self) -> QuerySet[SamplingRule]:
        return services.sampling_rule_list(user=self.request.user)

    def _answer(self, rule: SamplingRule, code: int = status.HTTP_200_OK) -> Response:
        return Response(SamplingRuleSerializer(self.get_queryset().get(pk=rule.pk)).data, status=code)

    @extend_schema(
        request=SamplingRuleInSerializer, responses={201: SamplingRuleSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SamplingRuleInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rule = services.sampling_rule_create(
            team=body.validated_data["team"], user=request.user, **_rule_arguments(body.validated_data)
        )
        return self._answer(rule, status.HTTP_201_CREATED)

    @extend_schema(
        request=SamplingRuleInSerializer, responses={200: SamplingRuleSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        partial = kwargs.get("partial", False)
        body = SamplingRuleInSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        team = body.validated_data.get("team")
        if team is not None and team.pk != rule.team_id:
            raise serializers.ValidationError({"team": ["A rule stays with its team: create one for the other team."]})
        rule = services.sampling_rule_update(rule=rule, user=request.user, **_rule_arguments(body.validated_data))
        return self._answer(rule)

    @extend_schema(
        request=SamplingRuleInSerializer, responses={200: SamplingRuleSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={204: None, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.sampling_rule_delete(rule=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=OpenCycleInSerializer, responses={200: SamplingCycleSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"], url_path="open-cycle")
    def open_cycle(self, request: Request, pk: str | None = None) -> Response:
        """Open the rule's cycle due on ``day`` (the period before the one containing it), or return the one already
        open for that period: idempotent, the same sample every time."""
        body = OpenCycleInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cycle = services.sampling_cycle_open(rule=self.get_object(), day=body.validated_data["day"], user=request.user)
        return Response(SamplingCycleSerializer(services.sampling_cycle_list(user=request.user).get(pk=cycle.pk)).data)


# --- cycles -----------------------------------------------------------------------------------------------------------


class SamplingCycleFilterSet(django_filters.FilterSet):
    """Cycles by rule or team slug."""

    rule = IntegerFilter(field_name="rule_id", label="Rule id")
    team = django_filters.CharFilter(field_name="rule__team__slug", label="Team slug")

    class Meta:
        model = SamplingCycle
        fields = ["rule", "team"]


class SamplingCycleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[SamplingCycle]):
    """Sampling cycles of the rules the user may see, newest first (open one with POST sampling-rules/{id}/
    open-cycle/)."""

    serializer_class = SamplingCycleSerializer
    filterset_class = SamplingCycleFilterSet
    permission_classes = [permissions.IsAuthenticated, SamplingAccess]

    def get_queryset(self) -> QuerySet[SamplingCycle]:
        return services.sampling_cycle_list(user=self.request.user)


# --- assignments ------------------------------------------------------------------------------------------------------


class ReviewAssignmentSerializer(serializers.ModelSerializer[ReviewAssignment]):
    """A sampled conversation given to a reviewer: the conversation's subject, agent, queue and creation time."""

    cycle_id = serializers.IntegerField(read_only=True)
    rule_name = serializers.CharField(source="cycle.rule.name", read_only=True)
    team = serializers.CharField(source="cycle.rule.team.slug", read_only=True)
    period_start = serializers.DateField(source="cycle.period_start", read_only=True)
    period_end = serializers.DateField(source="cycle.period_end", read_only=True)
    conversation_id = serializers.IntegerField(read_only=True)
    subject = serializers.CharField(source="conversation.subject", read_only=True)
    conversation_created_at = serializers.DateTimeField(source="conversation.created_at", read_only=True)
    agent_id = serializers.IntegerField(source="conversation.agent_id", read_only=True, allow_null=True)
    agent_name = serializers.SerializerMethodField()
    queue_id = serializers.IntegerField(source="conversation.queue_id", read_only=True, allow_null=True)
    queue_name = serializers.SerializerMethodField()
    reviewer_id = serializers.IntegerField(read_only=True)
    reviewer_name = serializers.SerializerMethodField()
    replaced_by_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ReviewAssignment
        fields = [
            "id", "cycle_id", "rule_name", "team", "period_start", "period_end", "conversation_id", "subject",
            "conversation_created_at", "agent_id", "agent_name", "queue_id", "queue_name", "reviewer_id",
            "reviewer_name", "status", "reason", "replaced_by_id", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_agent_name(self, assignment: ReviewAssignment) -> str | None:
        agent = assignment.conversation.agent
        return agent.display_name if agent is not None else None

    def get_queue_name(self, assignment: ReviewAssignment) -> str | None:
        queue = assignment.conversation.queue
        return queue.name if queue is not None else None

    def get_reviewer_name(self, assignment: ReviewAssignment) -> str:
        return assignment.reviewer.get_full_name() or assignment.reviewer.username


class ReasonInSerializer(serializers.Serializer[Any]):
    """Why an assignment is removed or replaced."""

    reason = serializers.CharField(allow_blank=True, max_length=300)


class ReviewAssignmentFilterSet(django_filters.FilterSet):
    """Assignments by status, cycle or reviewer (user id)."""

    status = django_filters.ChoiceFilter(choices=AssignmentStatus.choices)
    cycle = IntegerFilter(field_name="cycle_id", label="Cycle id")
    reviewer = IntegerFilter(field_name="reviewer_id", label="Reviewer (user id)")

    class Meta:
        model = ReviewAssignment
        fields = ["status", "cycle", "reviewer"]


class ReviewAssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ReviewAssignment]
):
    """Review assignments: a reviewer's own, the team's for QA leads and admins, read-only for managers of the team;
    the reviewer or a QA lead removes or replaces one with a reason."""

    serializer_class = ReviewAssignmentSerializer
    filterset_class = ReviewAssignmentFilterSet
    permission_classes = [permissions.IsAuthenticated, SamplingAccess]

    def get_queryset(self) -> QuerySet[ReviewAssignment]:
        return services.review_assignment_list(user=self.request.user)

    @extend_schema(
        request=ReasonInSerializer, responses={200: ReviewAssignmentSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        """Take the conversation out of the reviewer's queue, with a reason."""
        body = ReasonInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignment = services.assignment_remove(
            assignment=self.get_object(), reason=body.validated_data["reason"], user=request.user
        )
        return Response(ReviewAssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data)

    @extend_schema(
        request=ReasonInSerializer, responses={201: ReviewAssignmentSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"])
    def replace(self, request: Request, pk: str | None = None) -> Response:
        """Replace the conversation with another of the same agent and period, with a reason; answers the new
        assignment (the old one is marked replaced and links to it)."""
        body = ReasonInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        replacement = services.assignment_replace(
            assignment=self.get_object(), reason=body.validated_data["reason"], user=request.user
        )
        return Response(
            ReviewAssignmentSerializer(services.review_assignment_list(user=request.user).get(pk=replacement.pk)).data,
            status=status.HTTP_201_CREATED,
        )


def register(router: SimpleRouter) -> None:
    """Add this topic's viewsets to the performance router."""
    router.register("sampling-rules", SamplingRuleViewSet, basename="sampling-rule")
    router.register("sampling-cycles", SamplingCycleViewSet, basename="sampling-cycle")
    router.register("review-assignments", ReviewAssignmentViewSet, basename="review-assignment")
