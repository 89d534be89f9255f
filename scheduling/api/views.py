"""Capacity API views: volume history (list, build from conversations, import CSV)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FileUploadParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduling import selectors, services
from scheduling.filtersets import ForecastFilterSet, IntervalVolumeFilterSet
from scheduling.models import Forecast, IntervalVolume, StaffingSettings
from supportops import access
from supportops.models import Queue

from .serializers import (
    ForecastAdjustmentSerializer,
    ForecastIntervalSerializer,
    ForecastRequestSerializer,
    ForecastSerializer,
    IntervalVolumeSerializer,
    ScenarioColumnSerializer,
    ScenarioRequestSerializer,
    StaffingSettingsSerializer,
    VolumeBuildRequestSerializer,
    VolumeBuildResultSerializer,
    VolumeImportRequestSerializer,
    VolumeImportResultSerializer,
    WhatIfResultSerializer,
    WhatIfSerializer,
)


class PlansCapacity(BasePermission):
    """Capacity data is for admins and managers; agents and QA reviewers get a 403."""

    message = "Capacity data is for admins and managers."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return access.is_admin(request.user) or access.is_manager(request.user)


class CsvUploadParser(FileUploadParser):
    """A raw ``text/csv`` request body, as ``curl --data-binary @file.csv`` sends it."""

    media_type = "text/csv"


_IMPORT_REFUSED = OpenApiResponse(
    response=inline_serializer(
        "VolumeImportRefused",
        {
            "detail": serializers.CharField(),
            "lines": serializers.DictField(
                child=serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
            ),
        },
    ),
    description="Nothing was stored; ``lines`` maps a 1-based file line (the header is line 1) to its errors.",
)


class IntervalVolumeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Volume history per queue and interval, for the queues the user plans."""

    serializer_class = IntervalVolumeSerializer
    permission_classes = [IsAuthenticated, PlansCapacity]
    filterset_class = IntervalVolumeFilterSet
    ordering_fields = ["interval_start", "volume"]

    def get_queryset(self) -> QuerySet[IntervalVolume]:
        return selectors.volume_list(user=self.request.user)

    @extend_schema(
        summary="Import volume history from CSV",
        description=(
            "Columns interval_start,queue,volume,aht_seconds (UTF-8). queue is a queue's name or id; "
            "interval_start is ISO 8601, with an offset or naive in the queue's planning zone, on the queue's "
            "15/30-minute grid. All-or-nothing: one bad line refuses the file and every bad line is named. "
            "Send the file as multipart field `file`, or the raw body with Content-Type text/csv."
        ),
        request={"multipart/form-data": VolumeImportRequestSerializer, "text/csv": bytes},
        responses={201: VolumeImportResultSerializer, 400: _IMPORT_REFUSED},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, CsvUploadParser])
    def import_csv(self, request: Request) -> Response:
        upload = request.data.get("file")
        if upload is None:
            raise services.VolumeImportError({1: {"file": ["Send a CSV file (multipart field “file”)."]}})
        result = services.volume_history_import_csv(content=upload.read(), user=request.user)
        return Response(VolumeImportResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Build volume history from conversations",
        description="Counts each interval's conversations and AHT for the queue's local days first..last "
        "(at most 400); idempotent. Intervals imported from CSV are kept.",
        request=VolumeBuildRequestSerializer,
        responses={200: VolumeBuildResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="build", parser_classes=[JSONParser])
    def build(self, request: Request) -> Response:
        body = VolumeBuildRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        queue = _planned_queue(request.user, body.validated_data["queue_id"])
        result = services.volume_history_build(
            queue=queue, first_day=body.validated_data["first_day"], last_day=body.validated_data["last_day"]
        )
        return Response(VolumeBuildResultSerializer(result).data)


def _planned_queue(user: Any, queue_id: int) -> Queue:
    """The queue if the user plans it: 404 when no such queue, 403 when it is not theirs."""
    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        raise NotFound({"queue_id": f"No queue has id {queue_id}."})
    if not selectors.planned_queues(user=user).filter(pk=queue_id).exists():
        raise PermissionDenied({"queue_id": "You do not plan this queue (it is not staffed by a team you manage)."})
    return queue


class ForecastViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Forecast versions of the queues the user plans, with accuracy, adjustments and requirements.

    ``POST`` requests a forecast: it is computed in the background and the answer (202) carries the
    forecast and its ``job_id``; ``GET /api/jobs/{job_id}/`` shows the progress.
    """

    serializer_class = ForecastSerializer
    permission_classes = [IsAuthenticated, PlansCapacity]
    filterset_class = ForecastFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Forecast]:
        return selectors.forecast_list(user=self.request.user)

    @extend_schema(request=ForecastRequestSerializer, responses={202: ForecastSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ForecastRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        forecast = services.forecast_request(
            queue=_planned_queue(request.user, data["queue_id"]),
            horizon_days=data["horizon_days"],
            method=data["method"],
            name=data["name"],
            created_by=request.user,
        )
        forecast = selectors.forecast_list(user=request.user).get(pk=forecast.pk)
        return Response(ForecastSerializer(forecast).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The forecast's intervals",
        description="Every interval of the horizon: statistical and adjusted volume, AHT, required agents.",
        responses={200: ForecastIntervalSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def intervals(self, request: Request, pk: Any = None) -> Response:
        forecast = self.get_object()
        rows = forecast.intervals.order_by("interval_start")
        return Response(ForecastIntervalSerializer(rows, many=True).data)

    @extend_schema(request=ForecastAdjustmentSerializer, responses={201: ForecastAdjustmentSerializer})
    @action(detail=True, methods=["post"], url_path="adjustments", filterset_class=None)
    def add_adjustment(self, request: Request, pk: Any = None) -> Response:
        forecast = self.get_object()
        body = ForecastAdjustmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        adjustment = services.forecast_add_adjustment(forecast=forecast, created_by=request.user, **body.validated_data)
        return Response(ForecastAdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"adjustments/(?P<adjustment_id>\d+)",
        filterset_class=None,
    )
    def remove_adjustment(self, request: Request, pk: Any = None, adjustment_id: str = "") -> Response:
        forecast = self.get_object()
        adjustment = forecast.adjustments.filter(pk=int(adjustment_id)).first()
        if adjustment is None:
            raise NotFound({"adjustment_id": f"This forecast has no adjustment {adjustment_id}."})
        services.forecast_remove_adjustment(adjustment=adjustment)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Try changes without saving",
        request=WhatIfSerializer,
        responses={200: WhatIfResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="what-if", filterset_class=None)
    def what_if(self, request: Request, pk: Any = None) -> Response:
        forecast = self.get_object()
        body = WhatIfSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.forecast_what_if(forecast=forecast, changes=body.validated_data)
        return Response(WhatIfResultSerializer(result).data)

    @extend_schema(
        summary="Compare saved scenarios",
        description="The forecast's own requirement, then each saved scenario: agent-hours per local day and in "
        "total, the change against the forecast, and the peak.",
        responses={200: ScenarioColumnSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="scenarios", pagination_class=None, filterset_class=None)
    def scenarios(self, request: Request, pk: Any = None) -> Response:
        forecast = self.get_object()
        return Response(ScenarioColumnSerializer(services.scenario_comparison(forecast=forecast), many=True).data)

    @extend_schema(
        summary="Save a what-if as a named scenario",
        request=ScenarioRequestSerializer,
        responses={201: ScenarioColumnSerializer(many=True)},
    )
    @scenarios.mapping.post
    def save_scenario(self, request: Request, pk: Any = None) -> Response:
        forecast = self.get_object()
        body = ScenarioRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        name = changes.pop("name")
        services.scenario_save(forecast=forecast, name=name, changes=changes, created_by=request.user)
        columns = services.scenario_comparison(forecast=forecast)
        return Response(ScenarioColumnSerializer(columns, many=True).data, status=status.HTTP_201_CREATED)


class StaffingSettingsViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Shrinkage and maximum occupancy of the teams the user manages (every team for admins).

    Every such team is listed; one that was never configured gets its row with the defaults on first
    read. Managers change their teams' settings; admins any team's.
    """

    serializer_class = StaffingSettingsSerializer
    permission_classes = [IsAuthenticated, PlansCapacity]

    def get_queryset(self) -> QuerySet[StaffingSettings]:
        services.staffing_settings_ensure(teams=selectors.teams_staffed_by(user=self.request.user))
        return selectors.staffing_settings_list(user=self.request.user)
