"""The disputes part of the performance API: disputes (list, retrieve, raise), escalation, resolution and statistics.

What a user sees is ``Dispute.objects.visible_to``: disputes of reviews they may see, plus those they raised or are
assigned. A dispute carries nothing private: the agent reads their dispute exactly as the reviewer does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from supportops.api.schema import FIELD_ERRORS as _FIELD_ERRORS
from supportops.filtersets import IntegerFilter
from supportops.models import Team

from .. import services
from ..models import Dispute, DisputeItem, DisputeOutcomeCode, DisputeStatus, Review

_FORBIDDEN = OpenApiResponse(description="The user sees the dispute but may not do this.")


def _name(user: Any) -> str | None:
    return None if user is None else (user.get_full_name() or user.username)


class DisputeItemSerializer(serializers.ModelSerializer[DisputeItem]):
    """One disputed criterion: the proposal, the rating before and after, and its outcome."""

    criterion_key = serializers.CharField(source="criterion.key", read_only=True)
    criterion_name = serializers.CharField(source="criterion.name", read_only=True)

    class Meta:
        model = DisputeItem
        fields = [
            "id", "criterion_key", "criterion_name", "proposed_value", "proposes_na", "outcome", "value_before",
            "value_after",
        ]  # fmt: skip
        read_only_fields = fields


class DisputeSerializer(serializers.ModelSerializer[Dispute]):
    """A dispute with its criteria, who raised it, who has it, and how it ended."""

    review_id = serializers.IntegerField(read_only=True)
    conversation_id = serializers.IntegerField(source="review.conversation_id", read_only=True)
    agent_id = serializers.IntegerField(source="review.agent_id", read_only=True)
    agent_name = serializers.CharField(source="review.agent.display_name", read_only=True)
    raised_by_id = serializers.IntegerField(read_only=True)
    raised_by_name = serializers.SerializerMethodField()
    assigned_to_id = serializers.IntegerField(read_only=True)
    assigned_to_name = serializers.SerializerMethodField()
    resolved_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    score_before = serializers.DecimalField(max_digits=7, decimal_places=3, read_only=True, coerce_to_string=False)
    score_after = serializers.DecimalField(max_digits=7, decimal_places=3, read_only=True, coerce_to_string=False)
    items = DisputeItemSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id", "review_id", "conversation_id", "agent_id", "agent_name", "raised_by_id", "raised_by_name",
            "reason", "status", "assigned_to_id", "assigned_to_name", "escalated_at",
            "escalation_note", "resolved_by_id", "resolved_at",
            "outcome_code", "resolution_note", "score_before", "score_after", "created_at", "items",
        ]  # fmt: skip
        read_only_fields = fields

    def get_raised_by_name(self, dispute: Dispute) -> str | None:
        return _name(dispute.raised_by)

    def get_assigned_to_name(self, dispute: Dispute) -> str | None:
        return _name(dispute.assigned_to)


class DisputeItemInSerializer(serializers.Serializer[Any]):
    """A criterion to dispute, optionally with the rating proposed instead (or N/A)."""

    criterion_key = serializers.CharField(max_length=64)
    proposed_value = serializers.IntegerField(required=False, allow_null=True, default=None)
    proposes_na = serializers.BooleanField(required=False, default=False)


class DisputeInSerializer(serializers.Serializer[Any]):
    """A dispute to raise on a review."""

    review_id = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    items = DisputeItemInSerializer(many=True, allow_empty=True)


class EscalateInSerializer(serializers.Serializer[Any]):
    """Why the dispute goes to a QA lead."""

    note = serializers.CharField(allow_blank=True)


class DecisionInSerializer(serializers.Serializer[Any]):
    """The decision on one disputed criterion: accept (with the proposed or a given value) or reject."""

    criterion_key = serializers.CharField(max_length=64)
    accept = serializers.BooleanField()
    new_value = serializers.IntegerField(required=False, allow_null=True, default=None)


class ResolveInSerializer(serializers.Serializer[Any]):
    """How a dispute is resolved."""

    outcome_code = serializers.ChoiceField(choices=DisputeOutcomeCode.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    decisions = DecisionInSerializer(many=True, allow_empty=True)


class DisputeStatsSerializer(serializers.Serializer[Any]):
    """Dispute statistics: counts, acceptance rate in % and resolution time in hours."""

    count = serializers.IntegerField()
    open = serializers.IntegerField()
    resolved = serializers.IntegerField()
    accepted = serializers.IntegerField()
    partially_accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    acceptance_rate_percent = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    mean_resolution_hours = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    median_resolution_hours = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, coerce_to_string=False
    )


class DisputeFilterSet(django_filters.FilterSet):
    """Disputes by status, review or team."""

    status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
    review_id = IntegerFilter(field_name="review_id", label="Review id")
    team = IntegerFilter(field_name="review__agent__team_id", label="Team id")

    class Meta:
        model = Dispute
        fields = ["status", "review_id", "team"]


def _date_param(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise serializers.ValidationError({name: [f"Give a date as YYYY-MM-DD, not {raw!r}."]}) from error


class DisputeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Dispute]
):
    """Disputes of QA reviews: raised by the agent or their manager, resolved by the reviewer or a QA lead."""

    serializer_class = DisputeSerializer
    filterset_class = DisputeFilterSet
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[Dispute]:
        return (
            Dispute.objects.visible_to(self.request.user)
            .select_related("review__agent__user", "raised_by", "assigned_to")
            .prefetch_related(Prefetch("items", queryset=DisputeItem.objects.select_related("criterion")))
        )

    @extend_schema(request=DisputeInSerializer, responses={201: DisputeSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = DisputeInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        review = Review.objects.visible_to(request.user).filter(pk=values["review_id"]).first()
        if review is None:
            raise serializers.ValidationError({"review_id": [f"No review has id {values['review_id']}."]})
        dispute = services.dispute_raise(
            review=review,
            user=request.user,
            reason=values["reason"],
            items=[services.DisputeItemInput(**item) for item in values["items"]],
        )
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=EscalateInSerializer, responses={200: DisputeSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str | None = None) -> Response:
        """Send the dispute to a QA lead of the team (the assigned reviewer or whoever raised it)."""
        body = EscalateInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = services.dispute_escalate(
            dispute=self.get_object(), user=request.user, note=body.validated_data["note"]
        )
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data)

    @extend_schema(request=ResolveInSerializer, responses={200: DisputeSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Accept or reject each disputed criterion, with a reason code (and a note for rejections)."""
        body = ResolveInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        keys = [decision["criterion_key"] for decision in values["decisions"]]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError({"decisions": ["Decide on each criterion once."]})
        dispute = services.dispute_resolve(
            dispute=self.get_object(),
            user=request.user,
            outcome_code=values["outcome_code"],
            note=values["note"],
            decisions={d["criterion_key"]: (d["accept"], d["new_value"]) for d in values["decisions"]},
        )
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("team", int, required=False, description="Team id"),
            OpenApiParameter("start", date, required=False, description="First local day raised (inclusive)"),
            OpenApiParameter("end", date, required=False, description="Last local day raised (inclusive)"),
        ],
        responses={200: DisputeStatsSerializer, 400: _FIELD_ERRORS},
    )
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        """Counts, acceptance rate and resolution time of the disputes you may see."""
        team = None
        raw_team = request.query_params.get("team", "").strip()
        if raw_team:
            team = (
                Team.objects.visible_to(request.user)
                .select_related("market")
                .filter(pk=int(raw_team) if raw_team.isdigit() else -1)
                .first()
            )
            if team is None:
                raise serializers.ValidationError({"team": [f"No team has id {raw_team}."]})
        result = services.dispute_stats(
            user=request.user,
            team=team,
            period_start=_date_param(request, "start"),
            period_end=_date_param(request, "end"),
        )
        return Response(DisputeStatsSerializer(result).data)


def register(router: SimpleRouter) -> None:
    """Add this topic's viewsets to the performance router."""
    router.register("disputes", DisputeViewSet, basename="dispute")
