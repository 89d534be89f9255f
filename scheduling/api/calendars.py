"""Calendar feed API (a user's own private iCalendar URLs) and the CSV/XLSX export of a team week."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import selectors, services
from scheduling.models import CalendarFeed, Schedule
from supportops import access
from supportops.models import Agent, Team

# --- feeds -----------------------------------------------------------------------------------------------------


def feed_url(request: Request | Any, feed: CalendarFeed) -> str:
    """The absolute https (or http) URL of a feed."""
    return str(request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": feed.token})))


def webcal_url(url: str) -> str:
    """The same URL with the ``webcal://`` scheme, which opens the user's calendar app to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


class CalendarFeedSerializer(serializers.ModelSerializer):
    """A private feed: whose calendar, its URLs (null once revoked), and whether it still works."""

    kind = serializers.SerializerMethodField()
    agent_id = serializers.IntegerField(read_only=True, allow_null=True)
    agent_name = serializers.SerializerMethodField()
    team = serializers.CharField(source="team.slug", read_only=True, allow_null=True, default=None)
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)
    is_active = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    webcal_url = serializers.SerializerMethodField()

    class Meta:
        model = CalendarFeed
        fields = [
            "id",
            "kind",
            "agent_id",
            "agent_name",
            "team",
            "team_name",
            "is_active",
            "url",
            "webcal_url",
            "created_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_kind(self, feed: CalendarFeed) -> str:
        return "agent" if feed.agent_id else "team"

    def get_agent_name(self, feed: CalendarFeed) -> str | None:
        return feed.agent.display_name if feed.agent else None

    def get_is_active(self, feed: CalendarFeed) -> bool:
        return feed.revoked_at is None

    def get_url(self, feed: CalendarFeed) -> str | None:
        return feed_url(self.context["request"], feed) if feed.revoked_at is None else None

    def get_webcal_url(self, feed: CalendarFeed) -> str | None:
        return webcal_url(feed_url(self.context["request"], feed)) if feed.revoked_at is None else None


class CalendarFeedRequestSerializer(serializers.Serializer):
    """Whose calendar: ``agent_id`` (an agent's shifts) or ``team`` (a team's slug, for its managers); neither:
    your own shifts."""

    agent_id = serializers.IntegerField(required=False, allow_null=True)
    team = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("agent_id") is not None and attrs.get("team"):
            raise serializers.ValidationError({"team": "Give an agent_id or a team, not both."})
        return attrs


def _feed_target(user: Any, data: dict[str, Any]) -> tuple[Agent | None, Team | None]:
    slug = data.get("team") or ""
    if slug:
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise ApiValidationError({"team": [f"No team has the slug “{slug}”."]})
        return None, team
    agent_id = data.get("agent_id")
    if agent_id is None:
        own = Agent.objects.select_related("user").filter(user=user).first()
        if own is None:
            raise ApiValidationError({"agent_id": ["You have no agent record: give an agent_id or a team."]})
        return own, None
    agent = Agent.objects.select_related("user").filter(pk=agent_id).first()
    if agent is None:
        raise ApiValidationError({"agent_id": [f"No agent has id {agent_id}."]})
    return agent, None


class CalendarFeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your private calendar feeds. ``POST`` makes a new URL (revoking your previous one of the same calendar);
    ``POST {id}/revoke/`` stops one. Subscribe to ``url`` (or open ``webcal_url``) in any calendar app."""

    serializer_class = CalendarFeedSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[CalendarFeed]:
        return selectors.calendar_feed_list(user=self.request.user)

    @extend_schema(
        summary="Create a feed URL",
        request=CalendarFeedRequestSerializer,
        responses={
            201: CalendarFeedSerializer,
            400: OpenApiResponse(description="No such agent or team, or both given."),
            403: OpenApiResponse(description="Another agent's calendar, or a team you do not manage."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CalendarFeedRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        agent, team = _feed_target(request.user, body.validated_data)
        try:
            feed = services.calendar_feed_create(owner=request.user, agent=agent, team=team)
        except DjangoPermissionDenied as error:
            raise PermissionDenied({"team" if team else "agent_id": str(error)}) from None
        feed = self.get_queryset().get(pk=feed.pk)
        return Response(self.get_serializer(feed).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke a feed URL", request=None, responses={200: CalendarFeedSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: Any = None) -> Response:
        feed = services.calendar_feed_revoke(feed=self.get_object(), user=request.user)
        return Response(self.get_serializer(feed).data)


# --- export of a team week -------------------------------------------------------------------------------------


class ManagesSchedules(BasePermission):
    """Exports are for admins and managers; agents and QA reviewers get a 403."""

    message = "Schedule exports are for admins and managers."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return access.is_admin(request.user) or access.is_manager(request.user)


class IgnoreFormatParameter(BaseContentNegotiation):
    """Answer errors as JSON whatever ``?format=`` says: here it picks the file type, not the renderer."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class ScheduleExportQuerySerializer(serializers.Serializer):
    """Which team week, in which file format."""

    team = serializers.CharField(max_length=64)
    week = serializers.CharField(max_length=10, help_text="ISO week, e.g. 2026-W10.")
    format = serializers.ChoiceField(choices=["csv", "xlsx"], default="csv")


class ScheduleExportView(APIView):
    """A team week as it stands now (drafts and unpublished edits included) as CSV or XLSX."""

    permission_classes = [IsAuthenticated, ManagesSchedules]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        summary="Export a team week",
        description=(
            "One row per shift: agent, local date, start and end (HH:MM in the team's zone), paid hours, queue, "
            "activities. CSV rows end with the schedule's state (draft, published vN, or published vN + "
            "unpublished changes); the XLSX workbook has a Shifts sheet, an Activities sheet (one row per "
            "break, lunch, training…) and an About sheet with the state and version."
        ),
        parameters=[
            OpenApiParameter("team", str, required=True, description="The team's slug."),
            OpenApiParameter("week", str, required=True, description="ISO week, e.g. 2026-W10."),
            OpenApiParameter("format", str, enum=["csv", "xlsx"], description="File type (default csv)."),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, services.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="Unknown team, or a week not written YYYY-Www."),
            403: OpenApiResponse(description="Not a manager of the team."),
            404: OpenApiResponse(description="The team has no schedule that week."),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        query = ScheduleExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slug = query.validated_data["team"]
        team = Team.objects.select_related("market").filter(slug=slug).first()
        if team is None:
            raise ApiValidationError({"team": [f"No team has the slug “{slug}”."]})
        week_start = services.parse_iso_week(query.validated_data["week"])
        if not Team.objects.editable_by(request.user).filter(pk=team.pk).exists():
            raise PermissionDenied({"team": "You do not manage this team."})
        schedule = Schedule.objects.select_related("team__market").filter(team=team, week_start=week_start).first()
        if schedule is None:
            return Response(
                {"week": f"{team.name} has no schedule for {query.validated_data['week']}."},
                status=status.HTTP_404_NOT_FOUND,
            )
        if query.validated_data["format"] == "xlsx":
            body, content_type, extension = services.schedule_export_xlsx(schedule), services.XLSX_CONTENT_TYPE, "xlsx"
        else:
            body, content_type, extension = services.schedule_export_csv(schedule), "text/csv; charset=utf-8", "csv"
        response = HttpResponse(body, content_type=content_type)
        filename = services.schedule_export_filename(schedule, extension)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
