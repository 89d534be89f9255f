"""The 1:1 part of the performance API: series (list, start), meetings (list, retrieve; talking points, checks,
action items, notes, complete, cancel, reschedule) and action items (list, retrieve, complete).

What a user sees is ``OneOnOneSeries.objects.visible_to``. The meeting serializer leaves the ``private_notes`` key out
entirely unless the user is on the manager side of the series: the agent never receives it, on any route.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from supportops.models import Agent

from .. import services
from ..inputs import person_name
from ..people_models import ActionItem, OneOnOne, OneOnOneSeries, TalkingPoint

_FIELD_ERRORS = OpenApiResponse(
    response={"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="Refused: each refused field maps to its messages; nothing changed.",
)
_FORBIDDEN = OpenApiResponse(description="The user sees the 1:1 but may not do this.")


def _viewer(context: dict[str, Any]) -> services.OneOnOneViewer:
    """One viewer per request, cached on the serializer context (it costs a query)."""
    if "oneonone_viewer" not in context:
        request = context.get("request")
        context["oneonone_viewer"] = services.OneOnOneViewer.of(getattr(request, "user", None))
    viewer: services.OneOnOneViewer = context["oneonone_viewer"]
    return viewer


class SeriesSerializer(serializers.ModelSerializer[OneOnOneSeries]):
    """A 1:1 series: the two people, cadence, the next scheduled meeting and the open action items."""

    manager_id = serializers.IntegerField(read_only=True)
    manager_name = serializers.SerializerMethodField()
    agent_id = serializers.IntegerField(read_only=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True)
    next_meeting_id = serializers.IntegerField(read_only=True, allow_null=True)
    next_meeting_at = serializers.DateTimeField(read_only=True, allow_null=True)
    open_item_count = serializers.SerializerMethodField()

    class Meta:
        model = OneOnOneSeries
        fields = [
            "id", "manager_id", "manager_name", "agent_id", "agent_name", "cadence_days", "duration_minutes",
            "is_active", "next_meeting_id", "next_meeting_at", "open_item_count", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_manager_name(self, series: OneOnOneSeries) -> str | None:
        return person_name(series.manager)

    def get_open_item_count(self, series: OneOnOneSeries) -> int:
        return int(getattr(series, "open_item_count", None) or 0)


class SeriesInSerializer(serializers.Serializer[Any]):
    """A series to start with one of your agents: the first meeting (with its time zone), cadence and length."""

    agent_id = serializers.IntegerField()
    first_at = serializers.DateTimeField()
    cadence_days = serializers.IntegerField(min_value=1, max_value=90, default=7)
    duration_minutes = serializers.IntegerField(min_value=5, max_value=240, default=30)


class TalkingPointSerializer(serializers.ModelSerializer[TalkingPoint]):
    """A point of the shared agenda: who added it (none when pre-filled), where it came from, a link, ticked or not."""

    author_name = serializers.SerializerMethodField()

    class Meta:
        model = TalkingPoint
        fields = ["id", "text", "source", "link", "is_checked", "carried_from", "author_name", "position"]
        read_only_fields = fields

    def get_author_name(self, point: TalkingPoint) -> str | None:
        return person_name(point.author)


class ActionItemSerializer(serializers.ModelSerializer[ActionItem]):
    """An action item of a series: what, who owns it, by when, and when it was done."""

    owner_id = serializers.IntegerField(read_only=True)
    owner_name = serializers.SerializerMethodField()
    series_id = serializers.IntegerField(read_only=True)
    created_in_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ActionItem
        fields = ["id", "series_id", "created_in_id", "text", "owner_id", "owner_name", "due_date", "completed_at"]
        read_only_fields = fields

    def get_owner_name(self, item: ActionItem) -> str | None:
        return person_name(item.owner)


class MeetingSerializer(serializers.ModelSerializer[OneOnOne]):
    """A 1:1 meeting: when, its status, the shared agenda, shared notes, action items, and, for the manager side
    only, the private notes (the key is absent for the agent)."""

    series_id = serializers.IntegerField(read_only=True)
    manager_id = serializers.IntegerField(source="series.manager_id", read_only=True)
    manager_name = serializers.SerializerMethodField()
    agent_id = serializers.IntegerField(source="series.agent_id", read_only=True)
    agent_name = serializers.CharField(source="series.agent.display_name", read_only=True)
    talking_points = TalkingPointSerializer(many=True, read_only=True)
    action_items = serializers.SerializerMethodField()
    private_notes = serializers.CharField(
        read_only=True, required=False, help_text="Only for the manager side; absent for the agent."
    )

    class Meta:
        model = OneOnOne
        fields = [
            "id", "series_id", "manager_id", "manager_name", "agent_id", "agent_name", "starts_at",
            "duration_minutes", "status", "sequence", "completed_at", "shared_notes", "private_notes",
            "talking_points", "action_items",
        ]  # fmt: skip
        read_only_fields = fields

    def get_manager_name(self, meeting: OneOnOne) -> str | None:
        return person_name(meeting.series.manager)

    @extend_schema(responses=ActionItemSerializer(many=True))
    def get_action_items(self, meeting: OneOnOne) -> list[dict[str, Any]]:
        return list(ActionItemSerializer(services.meeting_action_items(meeting), many=True).data)

    def to_representation(self, instance: OneOnOne) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not _viewer(self.context).is_manager_of(instance.series):
            data.pop("private_notes", None)
        return data


class TalkingPointInSerializer(serializers.Serializer[Any]):
    """A talking point to add."""

    text = serializers.CharField(max_length=500, allow_blank=True)


class CheckInSerializer(serializers.Serializer[Any]):
    """Tick (or untick) one talking point of the meeting."""

    talking_point_id = serializers.IntegerField()
    is_checked = serializers.BooleanField(default=True)


class ActionItemInSerializer(serializers.Serializer[Any]):
    """An action item to add: owned by the agent or the manager of the 1:1."""

    text = serializers.CharField(max_length=500, allow_blank=True)
    owner_id = serializers.IntegerField()
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class MeetingNotesInSerializer(serializers.Serializer[Any]):
    """Notes to save; a key left out is left unchanged. Only the manager side may send ``private_notes``."""

    shared_notes = serializers.CharField(required=False, allow_blank=True)
    private_notes = serializers.CharField(required=False, allow_blank=True)


class RescheduleInSerializer(serializers.Serializer[Any]):
    """The new start (with its time zone) and optionally a new length."""

    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, default=None)


class SeriesViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[OneOnOneSeries]):
    """1:1 series you take part in or whose agent you manage; managers start a series with one of their agents."""

    serializer_class = SeriesSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> Any:
        return services.series_visible_to(self.request.user)

    @extend_schema(request=SeriesInSerializer, responses={201: SeriesSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SeriesInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        agent = Agent.objects.visible_to(request.user).select_related("user").filter(pk=values["agent_id"]).first()
        if agent is None:
            raise serializers.ValidationError({"agent_id": [f"No agent has id {values['agent_id']}."]})
        series = services.series_start(
            manager=request.user,
            agent=agent,
            first_at=values["first_at"],
            cadence_days=values["cadence_days"],
            duration_minutes=values["duration_minutes"],
        )
        return Response(SeriesSerializer(self.get_queryset().get(pk=series.pk)).data, status=status.HTTP_201_CREATED)


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[OneOnOne]):
    """1:1 meetings with their agenda, notes and action items; each action answers with the meeting as it now is."""

    serializer_class = MeetingSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> Any:
        return services.meetings_visible_to(self.request.user)

    def _answer(self, meeting_id: int, code: int = status.HTTP_200_OK) -> Response:
        meeting = self.get_queryset().get(pk=meeting_id)
        return Response(self.get_serializer(meeting).data, status=code)

    @extend_schema(
        request=TalkingPointInSerializer, responses={201: MeetingSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"], url_path="talking-points")
    def talking_points(self, request: Request, pk: str | None = None) -> Response:
        """Add a point to the shared agenda."""
        body = TalkingPointInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = self.get_object()
        services.talking_point_add(meeting=meeting, user=request.user, text=body.validated_data["text"])
        return self._answer(meeting.pk, status.HTTP_201_CREATED)

    @extend_schema(request=CheckInSerializer, responses={200: MeetingSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    @action(detail=True, methods=["post"])
    def check(self, request: Request, pk: str | None = None) -> Response:
        """Tick (or untick) a talking point of this meeting."""
        body = CheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = self.get_object()
        point = meeting.talking_points.filter(pk=body.validated_data["talking_point_id"]).first()
        if point is None:
            raise serializers.ValidationError(
                {"talking_point_id": [f"This 1:1 has no talking point {body.validated_data['talking_point_id']}."]}
            )
        services.talking_point_check(point=point, user=request.user, is_checked=body.validated_data["is_checked"])
        return self._answer(meeting.pk)

    @extend_schema(
        request=ActionItemInSerializer, responses={201: MeetingSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"], url_path="action-items")
    def action_items(self, request: Request, pk: str | None = None) -> Response:
        """Add an action item owned by the agent or the manager of the 1:1."""
        body = ActionItemInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        meeting = self.get_object()
        services.action_item_add(
            meeting=meeting,
            user=request.user,
            text=values["text"],
            owner=get_user_model().objects.filter(pk=values["owner_id"]).first(),
            due_date=values["due_date"],
        )
        return self._answer(meeting.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=MeetingNotesInSerializer, responses={200: MeetingSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        """Save the shared notes and (manager side only) the private notes."""
        body = MeetingNotesInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = self.get_object()
        services.meeting_notes_save(
            meeting=meeting,
            user=request.user,
            shared=body.validated_data.get("shared_notes"),
            private=body.validated_data.get("private_notes"),
        )
        return self._answer(meeting.pk)

    @extend_schema(request=None, responses={200: MeetingSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the 1:1 held (manager side); answers with the next meeting, created with what carries over (or with
        this meeting when the series has ended)."""
        meeting = self.get_object()
        following = services.meeting_complete(meeting=meeting, user=request.user)
        return self._answer(following.pk if following is not None else meeting.pk)

    @extend_schema(request=None, responses={200: MeetingSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the 1:1 (manager side); answers with the cancelled meeting (the next one is created)."""
        meeting = self.get_object()
        services.meeting_cancel(meeting=meeting, user=request.user)
        return self._answer(meeting.pk)

    @extend_schema(
        request=RescheduleInSerializer, responses={200: MeetingSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str | None = None) -> Response:
        """Move the 1:1; the invite is sent again with a higher SEQUENCE."""
        body = RescheduleInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = self.get_object()
        services.meeting_reschedule(
            meeting=meeting,
            user=request.user,
            starts_at=body.validated_data["starts_at"],
            duration_minutes=body.validated_data["duration_minutes"],
        )
        return self._answer(meeting.pk)


class ActionItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ActionItem]):
    """Action items you own or of the 1:1 series you may see, open ones first."""

    serializer_class = ActionItemSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ActionItem.objects.none()
        return services.action_items_visible_to(self.request.user)

    @extend_schema(request=None, responses={200: ActionItemSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action item done."""
        item = services.action_item_complete(item=self.get_object(), user=request.user)
        return Response(ActionItemSerializer(self.get_queryset().get(pk=item.pk)).data)


def register(router: SimpleRouter) -> None:
    """Add this topic's viewsets to the performance router."""
    router.register("one-on-one-series", SeriesViewSet, basename="one-on-one-series")
    router.register("one-on-ones", MeetingViewSet, basename="one-on-one")
    router.register("action-items", ActionItemViewSet, basename="action-item")
