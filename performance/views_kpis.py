"""Pages of the KPI dashboards under /kpis/: a team's dashboard, its drill-down list and weekly exports, and the
market view for admins."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Font

from supportops import access
from supportops.models import Conversation, Market, Queue, Team

from . import kpis

DEFAULT_WEEKS = 12
EXPORT_HEADER = [
    "Week",
    "Contacts",
    "AHT (s)",
    "FCR (%)",
    "CSAT (% 4-5)",
    "CSAT mean",
    "Service level (%)",
    "IQS (%)",
    "Reviews",
    "Adherence (%)",
]
DRILL_LIMIT = 100


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "performance/kpi_forbidden.html", status=403)


@dataclass(frozen=True)
class Selection:
    """The team, period and market a KPI page shows, from its query string."""

    teams: list[Team]
    team: Team | None
    weeks: int
    markets: list[Market]
    market: Market | None


def _weeks(request: HttpRequest) -> int:
    """The period asked for (4, 12 or 26 weeks); anything else means the default."""
    raw = request.GET.get("weeks", "")
    return int(raw) if raw in {str(value) for value in kpis.PERIOD_WEEKS} else DEFAULT_WEEKS


def _selection(request: HttpRequest) -> Selection:
    weeks = _weeks(request)
    markets: list[Market] = []
    market = None
    if access.is_admin(request.user):
        markets = list(Market.objects.order_by("name"))
        market = next((item for item in markets if item.code == request.GET.get("market")), None)
    teams = list(kpis.dashboard_teams(user=request.user, market_id=market.pk if market else None))
    team = next((item for item in teams if item.slug == request.GET.get("team")), teams[0] if teams else None)
    return Selection(teams=teams, team=team, weeks=weeks, markets=markets, market=market)


@dataclass(frozen=True)
class Headline:
    """One headline KPI with its value in the previous period and whether the change is good news."""

    label: str
    value: float | int | None
    previous: float | int | None
    unit: str
    higher_is_better: bool

    @property
    def change(self) -> float | None:
        """Current minus previous, None when either is missing."""
        if self.value is None or self.previous is None:
            return None
        return round(float(self.value) - float(self.previous), 2)

    @property
    def shown(self) -> str:
        """The value as people read it: durations in s, min or h; shares in %; "—" without data."""
        return _shown(self.value, self.unit)

    @property
    def change_shown(self) -> str:
        """The signed change (percentage points for shares), or "no change"; "" when unknown."""
        change = self.change
        if change is None:
            return ""
        if change == 0:
            return "no change"
        sign = "+" if change > 0 else "−"
        if self.unit == "%":
            return f"{sign}{abs(change):g} pts"
        return sign + _shown(abs(change), self.unit)

    @property
    def is_better(self) -> bool | None:
        """True when the change goes the good way, None when unchanged or unknown."""
        if not self.change:
            return None
        return (self.change > 0) == self.higher_is_better


def _shown(value: float | int | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        seconds = float(value)
        if seconds < 120:
            return f"{seconds:.0f} s"
        if seconds < 7200:
            return f"{seconds / 60:.1f} min"
        return f"{seconds / 3600:.1f} h"
    if unit == "%":
        return f"{float(value):.1f}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _headlines(current: kpis.SliceKPIs, previous: kpis.SliceKPIs) -> list[Headline]:
    rows: list[tuple[str, str, str, bool]] = [
        ("Contacts", "contacts", "", True),
        ("AHT", "aht_seconds", "s", False),
        ("First response (median)", "first_response_median_seconds", "s", False),
        ("First response (p90)", "first_response_p90_seconds", "s", False),
        ("Resolution (median)", "resolution_median_seconds", "s", False),
        ("First-contact resolution", "fcr_percent", "%", True),
        ("CSAT (4-5)", "csat_percent", "%", True),
        ("CSAT mean", "csat_mean", "", True),
        ("IQS", "iqs", "%", True),
        ("Adherence", "adherence_percent", "%", True),
    ]
    return [
        Headline(label, getattr(current, name), getattr(previous, name), unit, better)
        for label, name, unit, better in rows
    ]


@dataclass(frozen=True)
class Chart:
    """One weekly line chart: points in SVG units, the path, and the scale's top."""

    title: str
    unit: str
    points: list[dict[str, Any]]
    path: str
    top: float


def _chart(title: str, unit: str, weeks: list[kpis.WeekKPIs], attribute: str, width: int = 640) -> Chart:
    values = [(week.week, getattr(week, attribute)) for week in weeks]
    known = [value for _, value in values if value is not None]
    top = 100.0 if unit == "%" else max([1.0, *[float(value) for value in known]])
    step = width / max(1, len(values) - 1)
    points = [
        {
            "x": round(index * step if len(values) > 1 else width / 2, 1),
            "y": round(140 - float(value) / top * 120, 1),
            "label": f"Week of {week:%d %b}",
            "value": value,
        }
        for index, (week, value) in enumerate(values)
        if value is not None
    ]
    path = "M" + " L".join(f"{point['x']},{point['y']}" for point in points) if points else ""
    return Chart(title=title, unit=unit, points=points, path=path, top=round(top, 1))


def _trend_charts(weeks: list[kpis.WeekKPIs]) -> list[Chart]:
    """The weekly trend charts of a team's or a market's page."""
    return [
        _chart("Contacts", "", weeks, "contacts"),
        _chart("CSAT (% 4-5)", "%", weeks, "csat_percent"),
        _chart("First-contact resolution", "%", weeks, "fcr_percent"),
        _chart("Service level", "%", weeks, "service_level_percent"),
        _chart("IQS", "%", weeks, "iqs"),
        _chart("Adherence", "%", weeks, "adherence_percent"),
    ]


@dataclass(frozen=True)
class Subject:
    """What a KPI page, its drill-down and its exports cover: one team, or a whole market (admins)."""

    name: str
    query: str
    slug: str
    scope: kpis.Slice
    zone: ZoneInfo
    back_url: str

    @classmethod
    def of_team(cls, team: Team) -> Subject:
        return cls(
            name=team.name, query=f"team={team.slug}", slug=team.slug, scope=kpis.Slice(team_id=team.pk),
            zone=team.zone, back_url=f"{reverse('kpi-dashboard')}?team={team.slug}",
        )  # fmt: skip

    @classmethod
    def of_market(cls, market: Market) -> Subject:
        return cls(
            name=market.name, query=f"market={market.code}", slug=f"market-{market.code}",
            scope=kpis.Slice(market_id=market.pk), zone=market.zone,
            back_url=f"{reverse('kpi-market')}?market={market.code}",
        )  # fmt: skip


def _subject(request: HttpRequest) -> tuple[Subject | None, int]:
    """The team (``team=``, as on the dashboard) or the whole market (``market=`` without ``team=``; admins only:
    anyone else is refused) a drill-down or an export covers, and the period in weeks. Agents and QA reviewers are
    refused (``PermissionDenied``); None when there is no such team or market."""
    if not kpis.can_see_team_dashboards(request.user):
        raise PermissionDenied(kpis.MANAGED_ONLY)
    if "market" in request.GET and "team" not in request.GET:
        if not access.is_admin(request.user):
            raise PermissionDenied(kpis.WHOLE_SLICE_ADMIN_ONLY)
        market = Market.objects.filter(code=request.GET["market"]).first()
        return (Subject.of_market(market) if market else None), _weeks(request)
    selection = _selection(request)
    return (Subject.of_team(selection.team) if selection.team else None), selection.weeks


def _drill_url(subject: Subject, period: kpis.Period, **filters: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    base = reverse("kpi-conversations")
    return f"{base}?{subject.query}&start={period.first_day}&end={period.last_day}&{query}"


def _board_context(subject: Subject, board: kpis.TeamDashboard | kpis.MarketDashboard, weeks: int) -> dict[str, Any]:
    """What a team's or a market's page shows beyond its board: headlines, trend charts, the export links, the queue
    and driver bars and the backlog link (each opening its conversations)."""
    top_driver = max([driver.contacts for driver in board.drivers] + [1])
    return {
        "board": board,
        "headlines": _headlines(board.current, board.previous),
        "charts": _trend_charts(board.weeks),
        "export_query": f"{subject.query}&weeks={weeks}",
        "queues": [
            {
                "row": row,
                "width": min(100.0, row.attainment_percent or 0),
                "url": _drill_url(subject, board.period, queue=row.queue_id),
            }
            for row in board.queues
        ],
        "drivers": [
            {
                "driver": driver,
                "width": round(100 * driver.contacts / top_driver, 1),
                "url": _drill_url(subject, board.period, tag=driver.tag),
            }
            for driver in board.drivers
        ],
        "backlog_url": _drill_url(subject, board.period, open=1),
    }


@login_required
@require_GET
def kpi_dashboard(request: HttpRequest) -> HttpResponse:
    """A team's KPIs over 4, 12 or 26 weeks with the change vs the previous period (managers and admins)."""
    if not kpis.can_see_team_dashboards(request.user):
        return _forbidden(request)
    selection = _selection(request)
    context: dict[str, Any] = {"selection": selection, "weeks": selection.weeks, "team": selection.team}
    if selection.team is not None:
        team = selection.team
        board = kpis.team_dashboard(team=team, weeks=selection.weeks, today=timezone.now().astimezone(team.zone).date())
        context.update(_board_context(Subject.of_team(team), board, selection.weeks))
    return render(request, "performance/kpi_dashboard.html", context)


def _drill_conversations(request: HttpRequest, subject: Subject) -> tuple[QuerySet[Conversation], dict[str, Any]]:
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = timezone.now().astimezone(subject.zone).date()
        start = end - timedelta(weeks=DEFAULT_WEEKS)
    period = kpis.period_of_days(first_day=start, last_day=end, zone=subject.zone)
    conversations = kpis.slice_conversations(subject.scope.with_agents())
    described: dict[str, Any] = {"start": start, "end": end}
    if request.GET.get("open"):
        conversations = conversations.filter(created_at__lt=period.end).exclude(resolved_at__lt=period.end)
        described["open"] = True
    else:
        conversations = conversations.filter(created_at__gte=period.start, created_at__lt=period.end)
    queue_raw = request.GET.get("queue", "")
    if queue_raw.isascii() and queue_raw.isdigit():
        conversations = conversations.filter(queue_id=int(queue_raw))
        described["queue"] = Queue.objects.filter(pk=int(queue_raw)).values_list("name", flat=True).first()
    tag = request.GET.get("tag", "").strip()
    if tag:
        conversations = conversations.filter(tags__icontains=f'"{tag}"')
        described["tag"] = tag
    return conversations, described


@login_required
@require_GET
def kpi_conversations(request: HttpRequest) -> HttpResponse:
    """The conversations behind a queue's service level, a tag or the backlog of a team or (admins) a market (at
    most 100, newest first)."""
    try:
        subject, _ = _subject(request)
    except PermissionDenied:
        return _forbidden(request)
    context: dict[str, Any] = {"subject": subject}
    if subject is not None:
        conversations, described = _drill_conversations(request, subject)
        rows = list(
            conversations.select_related("queue", "agent__user", "agent__team__market").order_by("-created_at", "-pk")[
                : DRILL_LIMIT + 1
            ]
        )
        context.update(rows=rows[:DRILL_LIMIT], more=len(rows) > DRILL_LIMIT, described=described, limit=DRILL_LIMIT)
    return render(request, "performance/kpi_conversations.html", context)


def _export_rows(subject: Subject, weeks: int) -> list[list[Any]]:
    period = kpis.weeks_period(weeks=weeks, today=timezone.now().astimezone(subject.zone).date(), zone=subject.zone)
    return [
        [
            week.week.isoformat(),
            week.contacts,
            week.aht_seconds,
            week.fcr_percent,
            week.csat_percent,
            week.csat_mean,
            week.service_level_percent,
            week.iqs,
            week.reviews,
            week.adherence_percent,
        ]
        for week in kpis.weekly_trend(subject.scope, zone=subject.zone, start=period.start, end=period.end)
    ]


@login_required
@require_GET
def kpi_export_csv(request: HttpRequest) -> HttpResponse:
    """The weekly KPI table of a team or (admins) a market as CSV (empty cells where there is no data)."""
    try:
        subject, weeks = _subject(request)
    except PermissionDenied:
        return _forbidden(request)
    if subject is None:
        return _forbidden(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for row in _export_rows(subject, weeks):
        writer.writerow(["" if value is None else value for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kpis-{subject.slug}-{weeks}w.csv"'
    return response


@login_required
@require_GET
def kpi_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The weekly KPI table of a team or (admins) a market as an Excel workbook."""
    try:
        subject, weeks = _subject(request)
    except PermissionDenied:
        return _forbidden(request)
    if subject is None:
        return _forbidden(request)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Weekly KPIs"
    sheet.append(EXPORT_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _export_rows(subject, weeks):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="kpis-{subject.slug}-{weeks}w.xlsx"'
    return response


@login_required
@require_GET
def kpi_market(request: HttpRequest) -> HttpResponse:
    """A market's KPIs (admins): headline KPIs against the previous period, weekly trends, its teams side by side,
    service level per queue, backlog and drivers."""
    if not access.is_admin(request.user):
        refusal = {"title": "The market view is for admins", "text": "Managers see their teams on the KPI dashboard."}
        return render(request, "performance/kpi_forbidden.html", refusal, status=403)
    markets = list(Market.objects.order_by("name"))
    market = next((item for item in markets if item.code == request.GET.get("market")), markets[0] if markets else None)
    weeks = _weeks(request)
    context: dict[str, Any] = {"markets": markets, "market": market, "weeks": weeks}
    if market is not None:
        board = kpis.market_dashboard(market=market, weeks=weeks, today=timezone.now().astimezone(market.zone).date())
        context.update(_board_context(Subject.of_market(market), board, weeks))
    return render(request, "performance/kpi_market.html", context)
