"""Shift-planning API: shift templates, schedules (generate, publish, versions), shifts and coverage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import selectors, services
from scheduling.grid import AmbiguousLocalTime, NonexistentLocalTime, local_to_utc
from scheduling.models import (
    ActivityKind,
    BreakRule,
    Schedule,
    ScheduleVersion,
    Shift,
    ShiftTemplate,
)
from scheduling.selectors import PublishedActivity, PublishedShift
from supportops import access
from supportops.api.pagination import StandardPagination
from supportops.api.serializers import JobSerializer
from supportops.models import Agent, Queue, Team

# --- templates -------------------------------------------------------------------------------------------------


class BreakRuleSerializer(serializers.ModelSerializer[BreakRule]):
    """A break of a template: kind, minutes, and the window (minutes after the shift start) it starts in."""

    class Meta:
        model = BreakRule
        fields = ["kind", "duration_minutes", "earliest_start_minutes", "latest_start_minutes", "is_paid"]


class ShiftTemplateSerializer(serializers.ModelSerializer[ShiftTemplate]):
    """A shift template with its breaks; ``length_minutes`` is start to end, unpaid breaks included."""

    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    break_rules = BreakRuleSerializer(many=True, required=False)
    length_minutes = serializers.SerializerMethodField()

    class Meta:
        model = ShiftTemplate
        fields = [
            "id",
            "team",
            "name",
            "start_time",
            "paid_minutes",
            "weekdays",
            "is_active",
            "break_rules",
            "length_minutes",
        ]

    def get_length_minutes(self, template: ShiftTemplate) -> int:
        return template.length_minutes(list(template.break_rules.all()))

    def validate_team(self, team: Team) -> Team:
        if not Team.objects.editable_by(self.context["request"].user).filter(pk=team.pk).exists():
            raise serializers.ValidationError("You can only add templates to teams you manage.")
        return team

    def create(self, validated_data: dict[str, Any]) -> ShiftTemplate:
        rules = validated_data.pop("break_rules", [])
        return services.shift_template_save(template=None, fields=validated_data, break_rules=rules)

    def update(self, instance: ShiftTemplate, validated_data: dict[str, Any]) -> ShiftTemplate:
        rules = validated_data.pop("break_rules", None)
        return services.shift_template_save(template=instance, fields=validated_data, break_rules=rules)


class ShiftTemplateViewSet(viewsets.ModelViewSet[ShiftTemplate]):
    """Shift templates: everyone in a team reads them; its managers (and admins) change them."""

    serializer_class = ShiftTemplateSerializer

    def get_queryset(self) -> QuerySet[ShiftTemplate]:
        templates = ShiftTemplate.objects.visible_to(self.request.user).select_related("team")
        templates = templates.prefetch_related("break_rules").order_by("team__name", "start_time", "name")
        if slug := self.request.query_params.get("team"):
            templates = templates.filter(team__slug=slug)
        return templates

    def _check_editable(self, template: ShiftTemplate) -> None:
        if not ShiftTemplate.objects.editable_by(self.request.user).filter(pk=template.pk).exists():
            raise PermissionDenied("Only the team's managers change its templates.")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not (access.is_admin(request.user) or access.is_manager(request.user)):
            raise PermissionDenied("Only managers and admins add shift templates.")
        return super().create(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        self._check_editable(serializer.instance)
        serializer.save()

    def perform_destroy(self, instance: ShiftTemplate) -> None:
        self._check_editable(instance)
        instance.delete()


# --- shifts ----------------------------------------------------------------------------------------------------


class ActivityOutSerializer(serializers.Serializer[PublishedActivity]):
    """A part of a shift."""

    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    title = serializers.CharField()
    queue_name = serializers.CharField()
    is_paid = serializers.BooleanField()


class ShiftOutSerializer(serializers.Serializer[PublishedShift]):
    """A shift: for managers as it stands now, for everyone else as last published."""

    id = serializers.IntegerField(source="shift_id")
    agent_id = serializers.IntegerField()
    agent_name = serializers.CharField()
    team_id = serializers.IntegerField()
    schedule_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    queue_name = serializers.CharField()
    paid_hours = serializers.FloatField()
    activities = ActivityOutSerializer(many=True)
    version = serializers.IntegerField(help_text="Version of the schedule this view of the shift belongs to.")


@extend_schema_field(OpenApiTypes.DATETIME)
class LocalOrAwareDateTimeField(serializers.Field):
    """An ISO 8601 time; without an offset it is read in the agent's team zone (refused in a DST gap or overlap)."""

    def to_internal_value(self, data: Any) -> Any:
        parsed = parse_datetime(str(data)) if isinstance(data, str) else None
        if parsed is None:
            raise serializers.ValidationError("Give an ISO 8601 date and time, e.g. 2026-11-30T09:00.")
        return parsed

    def to_representation(self, value: Any) -> Any:
        return value.isoformat()


class ActivityInSerializer(serializers.Serializer[Any]):
    """A part of a shift to store."""

    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    starts_at = LocalOrAwareDateTimeField()
    ends_at = LocalOrAwareDateTimeField()
    title = serializers.CharField(required=False, allow_blank=True, default="")
    queue_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class ShiftInSerializer(serializers.Serializer[Any]):
    """A shift to add or change. Times without an offset are the team's local wall-clock time."""

    agent_id = serializers.IntegerField()
    starts_at = LocalOrAwareDateTimeField()
    ends_at = LocalOrAwareDateTimeField()
    queue_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    activities = ActivityInSerializer(many=True, required=False)


def _aware(value: datetime, zone: Any, field: str) -> datetime:
    if value.tzinfo is not None:
        return value
    try:
        return local_to_utc(value, zone)
    except (NonexistentLocalTime, AmbiguousLocalTime) as error:
        raise serializers.ValidationError({field: [str(error)]}) from None


def _parse_shift_input(request: Request, data: Any, *, agent: Agent | None = None) -> dict[str, Any]:
    body = ShiftInSerializer(data=data)
    body.is_valid(raise_exception=True)
    values = body.validated_data
    agent = agent or Agent.objects.select_related("team").filter(pk=values["agent_id"]).first()
    if agent is None or not Team.objects.editable_by(request.user).filter(pk=agent.team_id).exists():
        raise serializers.ValidationError({"agent_id": ["No agent with this id in a team you manage."]})
    zone = agent.team.zone
    queue = None
    if values.get("queue_id") is not None:
        queue = Queue.objects.filter(pk=values["queue_id"]).first()
        if queue is None:
            raise serializers.ValidationError({"queue_id": ["No queue with this id."]})
    activities = []
    for index, activity in enumerate(values.get("activities", [])):
        activity_queue = None
        if activity.get("queue_id") is not None:
            activity_queue = Queue.objects.filter(pk=activity["queue_id"]).first()
            if activity_queue is None:
                raise serializers.ValidationError(
                    {"activities": {str(index): {"queue_id": ["No queue with this id."]}}}
                )
        activities.append(
            services.ActivityInput(
                kind=activity["kind"],
                starts_at=_aware(activity["starts_at"], zone, f"activities[{index}].starts_at"),
                ends_at=_aware(activity["ends_at"], zone, f"activities[{index}].ends_at"),
                queue=activity_queue,
                title=activity.get("title", ""),
                is_paid=activity["kind"] != ActivityKind.LUNCH,
            )
        )
    return {
        "agent": agent,
        "starts_at": _aware(values["starts_at"], zone, "starts_at"),
        "ends_at": _aware(values["ends_at"], zone, "ends_at"),
        "queue": queue,
        "note": values.get("note", ""),
        "activities": activities if "activities" in values else None,
    }


_SHIFT_FILTERS = [
    OpenApiParameter("team", str, description="Team slug."),
    OpenApiParameter("agent_id", int),
    OpenApiParameter("week", str, description="ISO week, e.g. 2026-W48 (the team's local week)."),
    OpenApiParameter("start", OpenApiTypes.DATETIME, description="Shifts ending after this instant."),
    OpenApiParameter("end", OpenApiTypes.DATETIME, description="Shifts starting before this instant."),
]

_SHIFT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The shift's id.")


def _instant(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    parsed = parse_datetime(raw)
    if parsed is None or parsed.tzinfo is None:
        raise serializers.ValidationError({name: ["Give an ISO 8601 time with an offset, e.g. 2026-11-30T00:00Z."]})
    return parsed


class ShiftViewSet(viewsets.ViewSet):
    """Shifts. Managers see and change their teams' shifts as they stand (drafts and unpublished edits included);
    agents and QA reviewers see what was last published for their (reviewed) teams.

    Every change checks the hard rules (overlap, rest, weekly hours and days, time off, availability, skills)
    and answers 400 naming the field when one is broken.
    """

    serializer_class = ShiftOutSerializer

    def _filters(self, request: Request) -> dict[str, Any]:
        filters: dict[str, Any] = {"start": _instant(request, "start"), "end": _instant(request, "end")}
        if slug := request.query_params.get("team"):
            team = Team.objects.visible_to(request.user).filter(slug=slug).first()
            if team is None:
                raise serializers.ValidationError({"team": [f"No team {slug!r} that you can see."]})
            filters["team"] = team
        if raw_agent := request.query_params.get("agent_id"):
            if not raw_agent.isdigit():
                raise serializers.ValidationError({"agent_id": ["Give a whole number."]})
            filters["agent_id"] = int(raw_agent)
        if week := request.query_params.get("week"):
            filters["week"] = services.parse_iso_week(week)
        return filters

    @extend_schema(parameters=_SHIFT_FILTERS, responses={200: ShiftOutSerializer(many=True)})
    def list(self, request: Request) -> Response:
        filters = self._filters(request)
        rows = selectors.shifts_for_viewer(user=request.user, **filters)
        paginator = self.paginator
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ShiftOutSerializer(page, many=True).data)

    @property
    def paginator(self) -> Any:  # typed loosely: it pages a list of dataclasses, not a queryset
        if not hasattr(self, "_paginator"):
            self._paginator = StandardPagination()
        return self._paginator

    @extend_schema(parameters=[_SHIFT_ID], responses={200: ShiftOutSerializer})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        shift = selectors.shift_for_viewer(user=request.user, shift_id=_int_id(pk))
        if shift is None:
            raise NotFound("No shift with this id that you can see.")
        return Response(ShiftOutSerializer(shift).data)

    @extend_schema(request=ShiftInSerializer, responses={201: ShiftOutSerializer})
    def create(self, request: Request) -> Response:
        if not (access.is_admin(request.user) or access.is_manager(request.user)):
            raise PermissionDenied("Only managers and admins add shifts.")
        values = _parse_shift_input(request, request.data)
        activities = values.pop("activities") or ()
        shift = services.shift_create(**values, activities=activities, user=request.user)
        return Response(
            ShiftOutSerializer(selectors.shift_view(_reload(shift.pk))).data, status=status.HTTP_201_CREATED
        )

    def _editable(self, request: Request, pk: str | None) -> Shift:
        shift_id = _int_id(pk)
        shift = Shift.objects.editable_by(request.user).filter(pk=shift_id).first()
        if shift is None:
            if selectors.shift_for_viewer(user=request.user, shift_id=shift_id) is not None:
                raise PermissionDenied("Only the team's managers change its shifts.")
            raise NotFound("No shift with this id that you can see.")
        return shift

    @extend_schema(parameters=[_SHIFT_ID], request=ShiftInSerializer, responses={200: ShiftOutSerializer})
    def update(self, request: Request, pk: str | None = None) -> Response:
        shift = self._editable(request, pk)
        values = _parse_shift_input(request, request.data)
        if values["agent"].pk != shift.agent_id:
            raise serializers.ValidationError(
                {"agent_id": ["To give a shift to someone else, use a swap or reassign."]}
            )
        values.pop("agent")
        services.shift_update(shift=shift, **values, user=request.user)
        return Response(ShiftOutSerializer(selectors.shift_view(_reload(shift.pk))).data)

    @extend_schema(parameters=[_SHIFT_ID], request=None, responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        shift = self._editable(request, pk)
        services.shift_delete(shift=shift, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _int_id(pk: str | None) -> int:
    if pk is None or not str(pk).isdigit():
        raise NotFound("No shift with this id.")
    return int(pk)


def _reload(shift_id: int) -> Shift:
    return (
        Shift.objects.select_related("agent__user", "queue", "schedule")
        .prefetch_related("activities__queue")
        .get(pk=shift_id)
    )


# --- schedules -------------------------------------------------------------------------------------------------


class ScheduleSerializer(serializers.ModelSerializer[Schedule]):
    """A team week: status, latest published version, pending changes and the last generation report."""

    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    week = serializers.CharField(source="iso_week", read_only=True)

    class Meta:
        model = Schedule
        fields = [
            "id",
            "team",
            "week",
            "week_start",
            "status",
            "version",
            "has_unpublished_changes",
            "published_at",
            "generation_report",
            "generation_job",
        ]
        read_only_fields = fields


class ScheduleVersionSerializer(serializers.ModelSerializer[ScheduleVersion]):
    """A publication: its number, when and by whom, why, what changed and who was told."""

    published_by: serializers.StringRelatedField[Any] = serializers.StringRelatedField()

    class Meta:
        model = ScheduleVersion
        fields = ["number", "published_at", "published_by", "reason", "changes", "notified_agent_ids"]
        read_only_fields = fields


class GenerateRequestSerializer(serializers.Serializer[Any]):
    """Which team week to generate, and how long the solver may search (default: the team's rule)."""

    team = serializers.SlugField()
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W48.")
    time_limit = serializers.IntegerField(required=False, min_value=1, max_value=600)


class GenerateResponseSerializer(serializers.Serializer[Any]):
    """The schedule being generated and the job to follow for progress."""

    schedule = ScheduleSerializer()
    job = JobSerializer()


class PublishRequestSerializer(serializers.Serializer[Any]):
    """Why this version is published (shown in the version history)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


def _team_for_manager(user: Any, slug: str) -> Team:
    team = Team.objects.visible_to(user).filter(slug=slug).first()
    if team is None:
        raise serializers.ValidationError({"team": [f"No team {slug!r} that you can see."]})
    if not Team.objects.editable_by(user).filter(pk=team.pk).exists():
        raise PermissionDenied("Only the team's managers plan its schedules.")
    return team


class ScheduleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Schedule]):
    """Team weeks. Managers see their teams' (drafts too), generate and publish them; agents and QA reviewers see
    the published weeks of their (reviewed) team."""

    serializer_class = ScheduleSerializer

    def get_queryset(self) -> QuerySet[Schedule]:
        schedules = selectors.schedule_list(user=self.request.user)
        if slug := self.request.query_params.get("team"):
            schedules = schedules.filter(team__slug=slug)
        if week := self.request.query_params.get("week"):
            schedules = schedules.filter(week_start=services.parse_iso_week(week))
        return schedules

    @extend_schema(
        summary="Generate a team week in the background",
        request=GenerateRequestSerializer,
        responses={202: GenerateResponseSerializer},
    )
    @action(detail=False, methods=["post"])
    def generate(self, request: Request) -> Response:
        body = GenerateRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        week_start = services.parse_iso_week(body.validated_data["week"])
        team = _team_for_manager(request.user, body.validated_data["team"])
        schedule, job = services.schedule_generate_request(
            team=team,
            week_start=week_start,
            user=request.user,
            time_limit_seconds=body.validated_data.get("time_limit"),
        )
        schedule.refresh_from_db()
        job.refresh_from_db()
        return Response(
            {"schedule": ScheduleSerializer(schedule).data, "job": JobSerializer(job).data},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        summary="Publish the week", request=PublishRequestSerializer, responses={201: ScheduleVersionSerializer}
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: Any = None) -> Response:
        schedule = self.get_object()
        if not Schedule.objects.editable_by(request.user).filter(pk=schedule.pk).exists():
            raise PermissionDenied("Only the team's managers publish its schedules.")
        body = PublishRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.schedule_publish(schedule=schedule, user=request.user, reason=body.validated_data["reason"])
        return Response(ScheduleVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Published versions, newest first", responses={200: ScheduleVersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: Any = None) -> Response:
        schedule = self.get_object()
        if not Schedule.objects.editable_by(request.user).filter(pk=schedule.pk).exists():
            raise PermissionDenied("Only the team's managers see the version history.")
        versions = schedule.versions.select_related("published_by").order_by("-number")
        return Response(ScheduleVersionSerializer(versions, many=True).data)


# --- coverage --------------------------------------------------------------------------------------------------


class CoverageIntervalSerializer(serializers.Serializer[Any]):
    """One interval: its UTC start, the on-queue agents required and scheduled (agents in onboarding or nesting
    count for their team's productivity fraction, so it may be a decimal)."""

    start = serializers.DateTimeField()
    required = serializers.IntegerField()  # type: ignore[assignment]  # a field, collected by the metaclass
    scheduled = serializers.FloatField()


class QueueCoverageSerializer(serializers.Serializer[Any]):
    """One queue's intervals."""

    queue = serializers.CharField()
    intervals = CoverageIntervalSerializer(many=True)


class CoverageSerializer(serializers.Serializer[Any]):
    """A team week's coverage: per interval in total and per queue, with totals in agent-hours."""

    team = serializers.CharField()
    week = serializers.CharField()
    interval_minutes = serializers.IntegerField()
    required_hours = serializers.FloatField()
    scheduled_hours = serializers.FloatField()
    under_hours = serializers.FloatField()
    over_hours = serializers.FloatField()
    intervals = CoverageIntervalSerializer(many=True)
    queues = QueueCoverageSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class CoverageView(APIView):
    """Required against scheduled on-queue agents per interval for a team week (managers of the team, admins)."""

    serializer_class = CoverageSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("team", str, required=True, description="Team slug."),
            OpenApiParameter("week", str, required=True, description="ISO week, e.g. 2026-W48."),
        ],
        responses={200: CoverageSerializer},
    )
    def get(self, request: Request) -> Response:
        errors: dict[str, list[str]] = {}
        slug, week = request.query_params.get("team"), request.query_params.get("week")
        if not slug:
            errors["team"] = ["Give the team's slug."]
        if not week:
            errors["week"] = ["Give the ISO week, e.g. 2026-W48."]
        if errors:
            raise serializers.ValidationError(errors)
        try:
            week_start = services.parse_iso_week(week or "")
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        if not (access.is_admin(request.user) or access.is_manager(request.user)):
            raise PermissionDenied("Coverage is for managers and admins.")
        team = _team_for_manager(request.user, slug or "")
        coverage = selectors.coverage_for(team=team, week_start=week_start)
        return Response(
            CoverageSerializer(
                {
                    "team": team.slug,
                    "week": week,
                    "interval_minutes": coverage.slot_minutes,
                    "required_hours": coverage.required_hours,
                    "scheduled_hours": coverage.scheduled_hours,
                    "under_hours": coverage.under_hours,
                    "over_hours": coverage.over_hours,
                    "intervals": coverage.intervals,
                    "queues": [{"queue": name, "intervals": rows} for name, rows in coverage.by_queue.items()],
                    "notes": list(coverage.notes),
                }
            ).data
        )
