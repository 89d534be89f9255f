"""Adherence API: agent state events pushed in bulk (JSON or CSV) and read back, and adherence per agent per day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import selectors, services
from scheduling.models import AgentState, AgentStateEvent
from supportops import access
from supportops.choices import Role
from supportops.models import Agent, Team

from .views import CsvUploadParser


class SeesAdherence(BasePermission):
    """Admins, managers and agents read adherence and state events (agents only their own); admins and
    managers push states. QA reviewers get a 403."""

    message = "Adherence is for admins, managers and the agents themselves."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if access.is_admin(user) or access.is_manager(user):
            return True
        return request.method in SAFE_METHODS and access.has_role(user, Role.AGENT)


# --- state events ----------------------------------------------------------------------------------------------


class AgentStateEventFilterSet(django_filters.FilterSet):
    """Filter state events by agent and by a time range on ``occurred_at`` (``start`` ≤ t < ``end``)."""

    agent_id = django_filters.NumberFilter(field_name="agent_id")
    state = django_filters.ChoiceFilter(choices=AgentState.choices)
    start = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    end = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AgentStateEvent
        fields = ["agent_id", "state", "start", "end"]


class AgentStateEventSerializer(serializers.ModelSerializer):
    """One stored state change (UTC)."""

    agent_id = serializers.IntegerField(read_only=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True)

    class Meta:
        model = AgentStateEvent
        fields = ["id", "agent_id", "agent_name", "state", "occurred_at", "source", "received_at"]
        read_only_fields = fields


class AgentStateInputSerializer(serializers.Serializer):
    """One state change to store: the agent (username or id), the state entered, and when (with a UTC offset)."""

    agent = serializers.CharField(help_text="Username or agent id.")
    state = serializers.ChoiceField(choices=AgentState.choices)
    occurred_at = serializers.DateTimeField()


class AgentStateImportResultSerializer(serializers.Serializer):
    """What a batch stored: new events, identical events already stored, agents concerned, time span."""

    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    agents = serializers.IntegerField()
    first_occurred_at = serializers.DateTimeField()
    last_occurred_at = serializers.DateTimeField()


class AgentStateImportRequestSerializer(serializers.Serializer):
    """A CSV file with the columns agent,state,occurred_at."""

    file = serializers.FileField()


def _refused(name: str, unit: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=inline_serializer(
            name,
            {
                "detail": serializers.CharField(),
                f"{unit}s": serializers.DictField(
                    child=serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
                ),
            },
        ),
        description=f"Nothing was stored; ``{unit}s`` maps each bad {unit} to its errors by field.",
    )


class AgentStateEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Agent state changes (available, on_contact, break, offline): pushed in bulk by admins and managers (or an
    integration using their token), read back by them and by each agent for themselves."""

    serializer_class = AgentStateEventSerializer
    permission_classes = [IsAuthenticated, SeesAdherence]
    parser_classes = [JSONParser]
    filterset_class = AgentStateEventFilterSet
    ordering_fields = ["occurred_at"]

    def get_queryset(self) -> QuerySet[AgentStateEvent]:
        return (
            AgentStateEvent.objects.visible_to(self.request.user)
            .select_related("agent__user")
            .order_by("-occurred_at", "agent_id")
        )

    @extend_schema(
        summary="Push state events (JSON)",
        description=(
            "A JSON list of events. All-or-nothing: one bad row refuses the batch and every bad row is named by "
            "its 0-based index. Sending the same events again stores nothing new."
        ),
        request=AgentStateInputSerializer(many=True),
        responses={201: AgentStateImportResultSerializer, 400: _refused("AgentStatesRefused", "row")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = services.agent_state_rows_from_json(request.data)
        result = services.agent_states_import(rows=rows, source="api", user=request.user)
        return Response(AgentStateImportResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Import state events from CSV",
        description=(
            "Columns agent,state,occurred_at (UTF-8); agent is a username or an agent id, occurred_at ISO 8601 "
            "with a UTC offset. All-or-nothing; errors name the file's line (the header is line 1). Send the file "
            "as multipart field `file`, or the raw body with Content-Type text/csv."
        ),
        request={"multipart/form-data": AgentStateImportRequestSerializer, "text/csv": bytes},
        responses={201: AgentStateImportResultSerializer, 400: _refused("AgentStatesCsvRefused", "line")},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, CsvUploadParser])
    def import_csv(self, request: Request) -> Response:
        upload = request.data.get("file")
        if upload is None:
            raise services.AgentStateImportError(
                {1: {"file": ["Send a CSV file (multipart field “file”)."]}}, unit="line"
            )
        result = services.agent_states_import_csv(content=upload.read(), user=request.user)
        return Response(AgentStateImportResultSerializer(result).data, status=status.HTTP_201_CREATED)


# --- adherence -------------------------------------------------------------------------------------------------


class AdherenceQuerySerializer(serializers.Serializer):
    """A team, local days start..end (at most 62), and optionally one agent."""

    team = serializers.CharField(max_length=64)
    start = serializers.DateField()
    end = serializers.DateField()
    agent = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The end is before the start."})
        if attrs["end"] - attrs["start"] >= timedelta(days=selectors.MAX_ADHERENCE_DAYS):
            raise serializers.ValidationError({"end": f"Ask for at most {selectors.MAX_ADHERENCE_DAYS} days."})
        return attrs


class AdherenceExceptionSerializer(serializers.Serializer):
    """A deviation: ``absent``, ``late_start``, ``early_leave``, ``long_break`` or ``out_of_adherence``."""

    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()
    minutes = serializers.FloatField()


class AgentDayAdherenceSerializer(serializers.Serializer):
    """One agent's local day: minutes scheduled, in the expected state and present, the percentages (null when
    nothing was scheduled) and the exceptions."""

    agent = serializers.IntegerField(source="agent_id")
    agent_name = serializers.CharField()
    date = serializers.DateField()
    zone_name = serializers.CharField()
    scheduled_minutes = serializers.FloatField()
    adherent_minutes = serializers.FloatField()
    present_minutes = serializers.FloatField()
    adherence_percent = serializers.FloatField(allow_null=True)
    conformance_percent = serializers.FloatField(allow_null=True)
    exceptions = AdherenceExceptionSerializer(many=True)


class AdherenceView(APIView):
    """Adherence and conformance per agent per local day against the published schedule, with exceptions.

    Managers see their teams' agents, admins any team's, agents only their own days; QA reviewers get a 403.
    """

    permission_classes = [IsAuthenticated, SeesAdherence]

    @extend_schema(
        summary="Adherence per agent per day",
        description=(
            "Days are local days in each agent's zone; a shift counts on the day it starts; only days with a "
            "published shift are listed. adherence_percent = minutes in the expected state / scheduled minutes; "
            "conformance_percent = minutes present (logged in, or in scheduled training, meetings or coaching) / "
            "scheduled minutes. See docs/shifts-calendars-adherence.md."
        ),
        parameters=[
            OpenApiParameter("team", str, required=True, description="The team's slug."),
            OpenApiParameter("start", str, required=True, description="First local day, YYYY-MM-DD."),
            OpenApiParameter("end", str, required=True, description="Last local day, YYYY-MM-DD (≤ 62 days)."),
            OpenApiParameter("agent", int, description="Only this agent (id)."),
        ],
        responses={
            200: AgentDayAdherenceSerializer(many=True),
            400: OpenApiResponse(description="Unknown team or agent, or bad dates."),
            403: OpenApiResponse(description="Not the team's manager, or another agent's days."),
        },
    )
    def get(self, request: Request) -> Response:
        query = AdherenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        team = Team.objects.select_related("market").filter(slug=data["team"]).first()
        if team is None:
            raise ApiValidationError({"team": [f"No team has the slug “{data['team']}”."]})
        scope = selectors.adherence_scope(user=request.user, team=team)
        if scope is not None and not scope:
            raise PermissionDenied({"team": "You do not manage this team and are not one of its agents."})
        agent_ids = scope
        if "agent" in data:
            if not Agent.objects.filter(pk=data["agent"]).exists():
                raise ApiValidationError({"agent": [f"No agent has id {data['agent']}."]})
            if scope is not None and data["agent"] not in scope:
                raise PermissionDenied({"agent": "You may only see your own adherence."})
            agent_ids = {data["agent"]}
        rows = selectors.adherence_by_agent_day(
            team=team, first_day=data["start"], last_day=data["end"], agent_ids=agent_ids
        )
        return Response(AgentDayAdherenceSerializer(rows, many=True).data)
