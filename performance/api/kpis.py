"""The kpis part of the performance API: ``GET /api/performance/kpis/`` returns the KPI set of one slice,
``GET /api/performance/kpis/teams/`` the headline KPIs of several teams side by side."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from performance import kpis
from supportops.models import Market

MAX_DAYS = 366
DEFAULT_DAYS = 28

_FIELD_ERRORS = OpenApiResponse(
    response={"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="Refused: each refused parameter maps to its messages.",
)


class KPISliceSerializer(serializers.Serializer[Any]):
    """The slice and local days the KPIs cover."""

    team = serializers.CharField(allow_null=True)
    agent_id = serializers.IntegerField(allow_null=True)
    queue_id = serializers.IntegerField(allow_null=True)
    market = serializers.CharField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField(help_text="Last day (inclusive).")
    time_zone = serializers.CharField()


class KPIResultSerializer(serializers.Serializer[Any]):
    """Every KPI of the slice over the period; null where there is no data. Times in seconds, shares in %."""

    slice = KPISliceSerializer()
    contacts = serializers.IntegerField()
    aht_seconds = serializers.FloatField(allow_null=True)
    first_response_median_seconds = serializers.FloatField(allow_null=True)
    first_response_p90_seconds = serializers.FloatField(allow_null=True)
    resolution_median_seconds = serializers.FloatField(allow_null=True)
    resolved = serializers.IntegerField()
    fcr_percent = serializers.FloatField(allow_null=True)
    rated = serializers.IntegerField()
    csat_percent = serializers.FloatField(allow_null=True)
    csat_mean = serializers.FloatField(allow_null=True)
    iqs = serializers.FloatField(allow_null=True)
    reviews = serializers.IntegerField()
    adherence_percent = serializers.FloatField(
        allow_null=True,
        help_text=(
            "Adherent over scheduled minutes: live for an agent over up to 62 days; otherwise the recorded days "
            "(a queue: the agents of the teams staffing it). Null without shifts or state tracking."
        ),
    )


class TeamKPIRowSerializer(serializers.Serializer[Any]):
    """One team's headline KPIs over the period (no percentiles: ask the slice endpoint for a team's)."""

    team = serializers.CharField(source="team.slug")
    name = serializers.CharField(source="team.name")
    market = serializers.CharField(source="team.market.code")
    contacts = serializers.IntegerField()
    aht_seconds = serializers.FloatField(allow_null=True)
    fcr_percent = serializers.FloatField(allow_null=True)
    csat_percent = serializers.FloatField(allow_null=True)
    service_level_percent = serializers.FloatField(allow_null=True)
    iqs = serializers.FloatField(allow_null=True)
    reviews = serializers.IntegerField()
    adherence_percent = serializers.FloatField(allow_null=True)


class TeamKPIsSerializer(serializers.Serializer[Any]):
    """The teams side by side and the local days they cover."""

    market = serializers.CharField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField(help_text="Last day (inclusive).")
    time_zone = serializers.CharField()
    teams = TeamKPIRowSerializer(many=True)


def _period_days(start: date | None, end: date | None, zone: Any) -> tuple[date, date]:
    """The asked days (default: the 28 days ending today in ``zone``), refused when reversed or too long."""
    end = end or timezone.now().astimezone(zone).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise exceptions.ValidationError({"end": ["The end comes before the start."]})
    if (end - start).days + 1 > MAX_DAYS:
        raise exceptions.ValidationError({"end": [f"Ask for at most {MAX_DAYS} days."]})
    return start, end


def _whole_number(raw: str | None, name: str, errors: dict[str, list[str]]) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        errors[name] = [f"Give a whole number (got {raw!r})."]
        return None
    return int(raw)


def _day(raw: str | None, name: str, errors: dict[str, list[str]]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = [f"Write the date as YYYY-MM-DD (got {raw!r})."]
        return None


class _SingleObjectSchema(AutoSchema):
    """The ``list`` route of this viewset answers one KPI set, not a list."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class KPIViewSet(viewsets.ViewSet):
    """KPIs of a team, an agent, a market or a queue (filters combine) over local days ``start``..``end``.

    Admins: any slice. Managers: the teams they manage and their reports. Agents: their own (the default)."""

    permission_classes = [permissions.IsAuthenticated]
    schema = _SingleObjectSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("team", str, description="Team slug."),
            OpenApiParameter("agent_id", int),
            OpenApiParameter("queue_id", int),
            OpenApiParameter("market", str, description="Market code (admins)."),
            OpenApiParameter("start", date, description="First local day (default: 27 days before the end)."),
            OpenApiParameter("end", date, description="Last local day, inclusive (default: today)."),
        ],
        responses={200: KPIResultSerializer, 400: _FIELD_ERRORS, 403: OpenApiResponse(description="Not yours.")},
    )
    def list(self, request: Request) -> Response:
        """The KPI set of the slice and period."""
        params = request.query_params
        errors: dict[str, list[str]] = {}
        agent_id = _whole_number(params.get("agent_id"), "agent_id", errors)
        queue_id = _whole_number(params.get("queue_id"), "queue_id", errors)
        start = _day(params.get("start"), "start", errors)
        end = _day(params.get("end"), "end", errors)
        if errors:
            raise exceptions.ValidationError(errors)
        try:
            authorized = kpis.authorize_slice(
                user=request.user, team_slug=params.get("team") or None, agent_id=agent_id, queue_id=queue_id,
                market_code=params.get("market") or None,
            )  # fmt: skip
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        except PermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        start, end = _period_days(start, end, authorized.zone)
        period = kpis.period_of_days(first_day=start, last_day=end, zone=authorized.zone)
        result = kpis.slice_kpis(authorized.scope, start=period.start, end=period.end)
        data = {
            **result.__dict__,
            "slice": {
                "team": params.get("team") or None,
                "agent_id": authorized.scope.agent_id,
                "queue_id": authorized.scope.queue_id,
                "market": params.get("market") or None,
                "start": start,
                "end": end,
                "time_zone": authorized.zone.key,
            },
        }
        return Response(KPIResultSerializer(data).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("market", str, description="Market code: its teams, days in its zone (else UTC)."),
            OpenApiParameter("start", date, description="First local day (default: 27 days before the end)."),
            OpenApiParameter("end", date, description="Last local day, inclusive (default: today)."),
        ],
        responses={200: TeamKPIsSerializer, 400: _FIELD_ERRORS, 403: OpenApiResponse(description="Not yours.")},
    )
    @action(detail=False, url_path="teams")
    def teams(self, request: Request) -> Response:
        """The headline KPIs of every team the user may see (admins: all, or a market's; managers: the teams they
        manage) side by side, in name order."""
        if not kpis.can_see_team_dashboards(request.user):
            raise exceptions.PermissionDenied("Team KPIs are for managers and admins.")
        params = request.query_params
        errors: dict[str, list[str]] = {}
        start = _day(params.get("start"), "start", errors)
        end = _day(params.get("end"), "end", errors)
        code = params.get("market") or None
        market = Market.objects.filter(code=code).first() if code else None
        if code and market is None:
            errors["market"] = [f"No market {code!r}."]
        if errors:
            raise exceptions.ValidationError(errors)
        zone = market.zone if market is not None else ZoneInfo("UTC")
        start, end = _period_days(start, end, zone)
        period = kpis.period_of_days(first_day=start, last_day=end, zone=zone)
        teams = list(kpis.dashboard_teams(user=request.user, market_id=market.pk if market else None))
        rows = kpis.team_rows(teams=teams, start=period.start, end=period.end)
        data = {"market": code, "start": start, "end": end, "time_zone": zone.key, "teams": rows}
        return Response(TeamKPIsSerializer(data).data)


def register(router: SimpleRouter) -> None:
    """Add this topic's viewsets to the performance router."""
    router.register("kpis", KPIViewSet, basename="kpis")
