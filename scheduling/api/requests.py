"""Requests API: availability, time off (approve, decline, cancel), shift swaps and booked activities.

Each list starts from what the user may see (another agent's or another team's request is a 404); the services
decide who may change what (a 403 for an object the user sees but may not change) and refuse bad input with a
400 naming the field. Times without an offset are the agent's local wall-clock time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from scheduling import selectors, services
from scheduling.models import (
    FIXED_KIND_CHOICES,
    ActivityKind,
    Availability,
    AvailabilityKind,
    BookedActivity,
    RequestStatus,
    Shift,
    ShiftSwap,
    SwapStatus,
    TimeOffKind,
    TimeOffRequest,
)
from supportops.api.schema import FIELD_ERRORS as _FIELD_ERRORS
from supportops.filtersets import AwareIsoDateTimeFilter, IntegerFilter
from supportops.models import Agent

_FORBIDDEN = OpenApiResponse(description="The user sees the object but may not do this.")


@extend_schema_field(OpenApiTypes.DATETIME)
class LocalOrAwareDateTimeField(serializers.Field):
    """An ISO 8601 date-time; without an offset it is the agent's local wall-clock time (checked by the service)."""

    def to_internal_value(self, data: Any) -> datetime:
        try:
            parsed = parse_datetime(data) if isinstance(data, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise serializers.ValidationError("Give an ISO 8601 date and time, e.g. 2026-11-30T09:00+08:00.")
        return parsed

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


def _agent_for(request: Request, agent_id: int | None) -> Agent:
    """The agent a request is about: the given id among the agents the user sees, else the user's own profile."""
    if agent_id is None:
        user: Any = request.user  # signed in: IsAuthenticated is the default permission
        agent = Agent.objects.select_related("team", "user").filter(user=user).first()
        if agent is None:
            raise serializers.ValidationError({"agent_id": ["Say which agent (you have no agent profile)."]})
        return agent
    agent = Agent.objects.visible_to(request.user).select_related("team", "user").filter(pk=agent_id).first()
    if agent is None:
        raise serializers.ValidationError({"agent_id": [f"No agent has id {agent_id}."]})
    return agent


class _AgentOwnedSerializer(serializers.ModelSerializer[Any]):
    """Adds the agent's id and name."""

    agent_id = serializers.IntegerField(read_only=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True)


# --- availability ----------------------------------------------------------------------------------------------


class AvailabilitySerializer(_AgentOwnedSerializer):
    """A window of an agent's availability: weekly (``weekday`` 0 = Monday) or dated (``on_date``), local times;
    ``end_time`` 00:00 is the end of the day."""

    class Meta:
        model = Availability
        fields = ["id", "agent_id", "agent_name", "weekday", "on_date", "start_time", "end_time", "kind", "note"]
        read_only_fields = fields


class AvailabilityInSerializer(serializers.Serializer[Any]):
    """A window to add or change: exactly one of ``weekday`` and ``on_date``. ``agent_id`` defaults to you."""

    agent_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    weekday = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0, max_value=6)
    on_date = serializers.DateField(required=False, allow_null=True, default=None)
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    kind = serializers.ChoiceField(choices=AvailabilityKind.choices, default=AvailabilityKind.AVAILABLE)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class AvailabilityFilterSet(django_filters.FilterSet):
    """Availability by agent, weekday or date."""

    agent_id = IntegerFilter(field_name="agent_id", label="Agent id")
    weekday = IntegerFilter(field_name="weekday", label="Weekday (0 = Monday)")
    on_date = django_filters.DateFilter(field_name="on_date", label="Date of a dated window")

    class Meta:
        model = Availability
        fields = ["agent_id", "weekday", "on_date"]


class AvailabilityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Availability]
):
    """Availability windows: agents manage their own, managers their teams' agents', admins everyone's.

    Windows of one agent may not overlap on the same weekday (weekly) or the same date (dated).
    """

    serializer_class = AvailabilitySerializer
    filterset_class = AvailabilityFilterSet
    ordering_fields = ["on_date", "weekday", "start_time"]

    def get_queryset(self) -> QuerySet[Availability]:
        return selectors.availability_list(user=self.request.user)

    @extend_schema(request=AvailabilityInSerializer, responses={201: AvailabilitySerializer, 400: _FIELD_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = AvailabilityInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        agent = _agent_for(request, values.pop("agent_id"))
        availability = services.availability_create(agent=agent, user=request.user, **values)
        return Response(AvailabilitySerializer(availability).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AvailabilityInSerializer,
        responses={200: AvailabilitySerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        availability = self.get_object()
        body = AvailabilityInSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = {name: value for name, value in body.validated_data.items() if name in request.data}
        if "agent_id" in changes:
            raise serializers.ValidationError({"agent_id": ["A window stays with its agent; add a new one."]})
        availability = services.availability_update(availability=availability, user=request.user, **changes)
        return Response(AvailabilitySerializer(availability).data)

    @extend_schema(responses={204: None, 403: _FORBIDDEN})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.availability_delete(availability=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- time off --------------------------------------------------------------------------------------------------


class ShiftBriefSerializer(serializers.ModelSerializer[Shift]):
    """A shift in a request: who, when (UTC), which queue and schedule."""

    agent_id = serializers.IntegerField(read_only=True)
    schedule_id = serializers.IntegerField(read_only=True)
    queue_name = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = ["id", "agent_id", "schedule_id", "starts_at", "ends_at", "queue_name"]
        read_only_fields = fields

    def get_queue_name(self, shift: Shift) -> str:
        return shift.queue.name if shift.queue else ""


class TimeOffRequestSerializer(_AgentOwnedSerializer):
    """A time-off request (UTC times). ``overlaps_published_shift`` flags one that falls on published shifts."""

    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = TimeOffRequest
        fields = [
            "id",
            "agent_id",
            "agent_name",
            "kind",
            "starts_at",
            "ends_at",
            "reason",
            "status",
            "overlaps_published_shift",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    def get_decided_by(self, request: TimeOffRequest) -> str | None:
        user = request.decided_by
        return (user.get_full_name() or user.username) if user else None


class TimeOffInSerializer(serializers.Serializer[Any]):
    """Time off to request: ``starts_at`` and ``ends_at`` (any times), or ``date`` (and ``end_date``, inclusive)
    with ``all_day: true`` for whole local days. ``agent_id`` defaults to you."""

    agent_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=TimeOffKind.choices, default=TimeOffKind.VACATION)
    starts_at = LocalOrAwareDateTimeField(required=False)
    ends_at = LocalOrAwareDateTimeField(required=False)
    date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    all_day = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["all_day"]:
            errors = {
                name: ["Send whole days with date (and end_date), not times."]
                for name in ("starts_at", "ends_at")
                if name in attrs
            }
            if "date" not in attrs:
                errors["date"] = ["Give the first day off."]
            if errors:
                raise serializers.ValidationError(errors)
            return attrs
        if "date" in attrs or "end_date" in attrs:
            raise serializers.ValidationError({"all_day": ["Send all_day: true with date, or starts_at and ends_at."]})
        missing = {name: ["This field is required."] for name in ("starts_at", "ends_at") if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class DecisionSerializer(serializers.Serializer[Any]):
    """A manager's note on a decision (optional)."""

    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class TimeOffApprovalSerializer(serializers.Serializer[Any]):
    """The approved request and the agent's shifts inside it, which the manager must move or remove."""

    request = TimeOffRequestSerializer()
    overlapping_shifts = ShiftBriefSerializer(many=True)


class TimeOffFilterSet(django_filters.FilterSet):
    """Time off by agent, status, kind, and time: ``start`` / ``end`` keep requests overlapping that range."""

    agent_id = IntegerFilter(field_name="agent_id", label="Agent id")
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    kind = django_filters.ChoiceFilter(choices=TimeOffKind.choices)
    start = AwareIsoDateTimeFilter(field_name="ends_at", lookup_expr="gt", label="Ending after")
    end = AwareIsoDateTimeFilter(field_name="starts_at", lookup_expr="lt", label="Starting before")

    class Meta:
        model = TimeOffRequest
        fields = ["agent_id", "status", "kind", "start", "end"]


class TimeOffViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[TimeOffRequest]
):
    """Time-off requests: agents request and cancel their own; managers of the team (and admins) enter them for
    agents, approve, decline and cancel them. The agent is e-mailed each decision."""

    serializer_class = TimeOffRequestSerializer
    filterset_class = TimeOffFilterSet
    ordering_fields = ["starts_at", "requested_at"]

    def get_queryset(self) -> QuerySet[TimeOffRequest]:
        return selectors.time_off_list(user=self.request.user)

    @extend_schema(request=TimeOffInSerializer, responses={201: TimeOffRequestSerializer, 400: _FIELD_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TimeOffInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        agent = _agent_for(request, values["agent_id"])
        if values["all_day"]:
            starts_at, ends_at = services.time_off_day_span(
                agent=agent, first_day=values["date"], last_day=values.get("end_date")
            )
        else:
            starts_at, ends_at = values["starts_at"], values["ends_at"]
        time_off = services.time_off_request(
            agent=agent,
            kind=values["kind"],
            starts_at=starts_at,
            ends_at=ends_at,
            reason=values["reason"],
            user=request.user,
        )
        return Response(TimeOffRequestSerializer(time_off).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a pending request",
        description="The answer lists the agent's shifts inside the time off: they stay, and the manager must "
        "move or remove them.",
        request=DecisionSerializer,
        responses={200: TimeOffApprovalSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request: Request, pk: Any = None) -> Response:
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        approval = services.time_off_approve(request=self.get_object(), user=request.user, **body.validated_data)
        return Response(TimeOffApprovalSerializer(approval).data)

    @extend_schema(
        summary="Decline a pending request",
        request=DecisionSerializer,
        responses={200: TimeOffRequestSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def decline(self, request: Request, pk: Any = None) -> Response:
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        declined = services.time_off_decline(request=self.get_object(), user=request.user, **body.validated_data)
        return Response(TimeOffRequestSerializer(declined).data)

    @extend_schema(
        summary="Cancel a pending or approved request",
        description="The agent cancels their own before it starts; a manager of the team or an admin at any time.",
        request=None,
        responses={200: TimeOffRequestSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: Any = None) -> Response:
        cancelled = services.time_off_cancel(request=self.get_object(), user=request.user)
        return Response(TimeOffRequestSerializer(cancelled).data)


# --- swaps -----------------------------------------------------------------------------------------------------


class SwapShiftSerializer(serializers.Serializer[Any]):
    """A swap's shift as last published (what its agents see; a manager's unpublished edit never shows here)."""

    id = serializers.IntegerField(read_only=True)
    agent_id = serializers.IntegerField(read_only=True)
    schedule_id = serializers.IntegerField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    queue_name = serializers.CharField(read_only=True)


class SwapSerializer(serializers.ModelSerializer[ShiftSwap]):
    """A shift swap: ``shift`` offered by the requester to the peer, for ``peer_shift`` or for nothing; both as
    last published."""

    requester_id = serializers.IntegerField(read_only=True)
    requester_name = serializers.CharField(source="requester.display_name", read_only=True)
    peer_id = serializers.IntegerField(read_only=True)
    peer_name = serializers.CharField(source="peer.display_name", read_only=True)
    shift = SwapShiftSerializer(source="shown_shift", read_only=True)
    peer_shift = SwapShiftSerializer(source="shown_peer_shift", read_only=True, allow_null=True)
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = ShiftSwap
        fields = [
            "id",
            "status",
            "requester_id",
            "requester_name",
            "peer_id",
            "peer_name",
            "shift",
            "peer_shift",
            "message",
            "created_at",
            "responded_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    def get_decided_by(self, swap: ShiftSwap) -> str | None:
        user = swap.decided_by
        return (user.get_full_name() or user.username) if user else None

    def to_representation(self, instance: ShiftSwap) -> dict[str, Any]:
        if not hasattr(instance, "shown_shift"):  # a single swap; lists prepare their page in one query
            selectors.swaps_as_published([instance])
        return super().to_representation(instance)


class SwapInSerializer(serializers.Serializer[Any]):
    """A swap to propose: your published future shift, a teammate, and optionally their shift in exchange."""

    shift_id = serializers.IntegerField()
    peer_id = serializers.IntegerField()
    peer_shift_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class SwapFilterSet(django_filters.FilterSet):
    """Swaps by status, or by an agent on either side."""

    status = django_filters.ChoiceFilter(choices=SwapStatus.choices)
    agent_id = IntegerFilter(method="either_agent", label="Requester or peer id")

    class Meta:
        model = ShiftSwap
        fields = ["status", "agent_id"]

    def either_agent(self, queryset: QuerySet[ShiftSwap], name: str, value: int) -> QuerySet[ShiftSwap]:
        return queryset.filter(Q(requester_id=value) | Q(peer_id=value))


def _shift_or_400(field: str, shift_id: int | None) -> Shift | None:
    if shift_id is None:
        return None
    shift = Shift.objects.filter(pk=shift_id).first()
    if shift is None:
        raise serializers.ValidationError({field: [f"No shift has id {shift_id}."]})
    return shift


def _reloaded(swap: ShiftSwap) -> ShiftSwap:
    return ShiftSwap.objects.select_related(
        "requester__user", "peer__user", "shift__queue", "peer_shift__queue", "decided_by"
    ).get(pk=swap.pk)


class SwapViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[ShiftSwap]
):
    """Shift swaps: an agent proposes, the teammate accepts or refuses, a manager of the team (or an admin)
    approves, re-checking every hard rule for both agents, or rejects; the requester cancels while it is open."""

    serializer_class = SwapSerializer
    filterset_class = SwapFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[ShiftSwap]:
        return selectors.swap_list(user=self.request.user)

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.swaps_as_published(page)
        return page

    @extend_schema(request=SwapInSerializer, responses={201: SwapSerializer, 400: _FIELD_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SwapInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        shift = _shift_or_400("shift_id", values["shift_id"])
        peer = Agent.objects.select_related("team", "user").filter(pk=values["peer_id"]).first()
        if peer is None:
            raise serializers.ValidationError({"peer_id": [f"No agent has id {values['peer_id']}."]})
        assert shift is not None
        swap = services.swap_propose(
            requester_user=request.user,
            shift=shift,
            peer=peer,
            peer_shift=_shift_or_400("peer_shift_id", values["peer_shift_id"]),
            message=values["message"],
        )
        return Response(SwapSerializer(_reloaded(swap)).data, status=status.HTTP_201_CREATED)

    def _answer(self, request: Request, verb: str) -> Response:
        swap = self.get_object()
        if verb in ("approve", "reject"):
            body = DecisionSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            decide = services.swap_approve if verb == "approve" else services.swap_reject
            swap = decide(swap=swap, user=request.user, note=body.validated_data["note"])
        else:
            answer = {"accept": services.swap_accept, "refuse": services.swap_refuse, "cancel": services.swap_cancel}
            swap = answer[verb](swap=swap, user=request.user)
        return Response(SwapSerializer(_reloaded(swap)).data)

    @extend_schema(
        summary="The teammate accepts",
        request=None,
        responses={200: SwapSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def accept(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "accept")

    @extend_schema(
        summary="The teammate refuses",
        request=None,
        responses={200: SwapSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def refuse(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "refuse")

    @extend_schema(
        summary="A manager approves",
        description="Every hard rule is checked for both agents as if the swap were done; a problem refuses it "
        "(400 under peer_id or requester_id, nothing changes). Otherwise the shifts change hands and a published "
        "schedule is republished.",
        request=DecisionSerializer,
        responses={200: SwapSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "approve")

    @extend_schema(
        summary="A manager rejects",
        request=DecisionSerializer,
        responses={200: SwapSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "reject")

    @extend_schema(
        summary="The requester withdraws it",
        request=None,
        responses={200: SwapSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request: Request, pk: Any = None) -> Response:
        return self._answer(request, "cancel")


# --- booked activities -----------------------------------------------------------------------------------------


class BookedActivitySerializer(_AgentOwnedSerializer):
    """A fixed off-queue appointment (training, meeting, coaching) booked for an agent, UTC times."""

    created_by = serializers.SerializerMethodField()

    class Meta:
        model = BookedActivity
        fields = [
            "id",
            "agent_id",
            "agent_name",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "source",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_created_by(self, activity: BookedActivity) -> str | None:
        user = activity.created_by
        return (user.get_full_name() or user.username) if user else None


class BookedActivityInSerializer(serializers.Serializer[Any]):
    """A booking to add or change (``agent_id`` only when adding)."""

    agent_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FIXED_KIND_CHOICES, default=ActivityKind.TRAINING)
    title = serializers.CharField(max_length=200)
    starts_at = LocalOrAwareDateTimeField()
    ends_at = LocalOrAwareDateTimeField()
    source = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.source
        required=False, allow_blank=True, default="", max_length=32
    )


class BookedActivityFilterSet(django_filters.FilterSet):
    """Bookings by agent, kind, and time (``start`` / ``end`` keep those overlapping that range)."""

    agent_id = IntegerFilter(field_name="agent_id", label="Agent id")
    kind = django_filters.ChoiceFilter(choices=FIXED_KIND_CHOICES)
    start = AwareIsoDateTimeFilter(field_name="ends_at", lookup_expr="gt", label="Ending after")
    end = AwareIsoDateTimeFilter(field_name="starts_at", lookup_expr="lt", label="Starting before")

    class Meta:
        model = BookedActivity
        fields = ["agent_id", "kind", "start", "end"]


class BookedActivityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[BookedActivity]
):
    """Booked activities: managers book them for their teams' agents (admins for anyone); agents read their own.

    Shifts generated later contain a booking or stay clear of it.
    """

    serializer_class = BookedActivitySerializer
    filterset_class = BookedActivityFilterSet
    ordering_fields = ["starts_at"]

    def get_queryset(self) -> QuerySet[BookedActivity]:
        return selectors.booked_activity_list(user=self.request.user)

    @extend_schema(
        request=BookedActivityInSerializer,
        responses={201: BookedActivitySerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = BookedActivityInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        agent = _agent_for(request, values.pop("agent_id"))
        activity = services.booked_activity_create(agent=agent, user=request.user, **values)
        return Response(BookedActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=BookedActivityInSerializer,
        responses={200: BookedActivitySerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        activity = self.get_object()
        body = BookedActivityInSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = {name: value for name, value in body.validated_data.items() if name in request.data}
        if "agent_id" in changes:
            raise serializers.ValidationError({"agent_id": ["A booking stays with its agent; book a new one."]})
        activity = services.booked_activity_update(activity=activity, user=request.user, **changes)
        return Response(BookedActivitySerializer(activity).data)

    @extend_schema(responses={204: None, 403: _FORBIDDEN})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.booked_activity_delete(activity=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
