"""Capacity pages: history, forecast and required agents per interval of a queue's week, with live what-ifs
that can be saved as named scenarios and compared side by side.

For admins and managers only: everyone else gets a 403 page. Every read goes through the role-scoped
selectors, so a queue or a forecast outside the viewer's plan is a 404. Forms that fail show their
errors on the page (htmx requests get the fragment back); nothing here answers bad input with a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from supportops import access
from supportops.choices import JobStatus
from supportops.models import Job, Queue

from . import selectors, services
from .forms import (
    HISTORY_BUILD_DAYS,
    AdjustmentForm,
    CapacityWeek,
    ForecastRequestForm,
    ScenarioNameForm,
    VolumeImportForm,
    WhatIfForm,
    parse_iso_week,
)
from .grid import PlanningGrid
from .models import Forecast, ForecastInterval


def capacity_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; admins and managers only (a 403 page for everyone else)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (access.is_admin(request.user) or access.is_manager(request.user)):
            return render(request, "scheduling/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(guarded)


def _int_or_404(raw: str | None) -> int:
    try:
        return int(raw or "")
    except ValueError:
        raise Http404("No such queue or forecast.") from None


def _forecast_or_404(user: Any, pk: int) -> Forecast:
    """A forecast of a queue the user plans, with its queue (teams and markets prefetched) and job."""
    return get_object_or_404(
        Forecast.objects.visible_to(user)
        .select_related("queue__market", "job")
        .prefetch_related("queue__teams__market"),
        pk=pk,
    )


def _planned_queue_or_404(user: Any, raw: str | None) -> Queue:
    return get_object_or_404(selectors.planned_queues(user=user), pk=_int_or_404(raw))


def page_url(*, queue_id: int, forecast_id: int | None = None, week: str = "") -> str:
    """The capacity page of a queue, a forecast version and a week."""
    params: dict[str, Any] = {"queue": queue_id}
    if forecast_id is not None:
        params["forecast"] = forecast_id
    if week:
        params["week"] = week
    return f"{reverse('capacity')}?{urlencode(params)}"


def _is_computed(forecast: Forecast) -> bool:
    return bool(forecast.method) and (forecast.job is None or forecast.job.status == JobStatus.SUCCEEDED)


@dataclass
class CapacityPage:
    """Everything the capacity page shows for one queue, forecast version and week."""

    queues: list[Queue]
    queue: Queue
    grid: PlanningGrid
    week: CapacityWeek
    versions: list[Forecast]
    forecast: Forecast | None
    pending: Forecast | None
    history: list[Any]
    has_history: bool
    intervals: list[ForecastInterval]
    adjustments: list[Any]
    ignored: list[str] = field(default_factory=list)

    @property
    def is_computed(self) -> bool:
        return self.forecast is not None and _is_computed(self.forecast)

    @property
    def has_adjusted_intervals(self) -> bool:
        """True when a manual adjustment changes an interval of the week shown."""
        return any(interval.adjustment_factor != 1 for interval in self.intervals)

    @property
    def next_url(self) -> str:
        """Where a finished computation of the pending (or shown) forecast leads."""
        shown = self.pending or self.forecast
        return page_url(queue_id=self.queue.pk, forecast_id=shown.pk if shown else None)


def _capacity_page(request: HttpRequest, *, queues: list[Queue], params: Any) -> CapacityPage:
    """Resolve the queue, forecast version and week asked for (404 outside the viewer's plan) and read them."""
    user = request.user
    forecast: Forecast | None = None
    if params.get("forecast"):
        forecast = _forecast_or_404(user, _int_or_404(params.get("forecast")))
    queue_id = _int_or_404(params.get("queue")) if params.get("queue") else None
    if forecast is not None:
        if queue_id is not None and queue_id != forecast.queue_id:
            raise Http404("That forecast is of another queue.")
        queue_id = forecast.queue_id
    queue = next((candidate for candidate in queues if candidate.pk == queue_id), None) if queue_id else queues[0]
    if queue is None:
        raise Http404("You do not plan that queue.")

    versions = selectors.forecast_versions(user=user, queue=queue)
    if forecast is None:
        forecast = next((version for version in versions if _is_computed(version)), versions[0] if versions else None)
    newest = versions[0] if versions else None
    pending = newest if newest is not None and newest != forecast and not _job_finished(newest) else None

    grid = selectors.queue_planning_grid(queue)
    ignored: list[str] = []
    week: CapacityWeek | None = None
    if params.get("week"):
        try:
            week = CapacityWeek.of(parse_iso_week(params["week"]), grid)
        except ValueError as error:
            ignored.append(f"Week: {error}, so the first week of the forecast is shown.")
    if week is None:
        anchor = forecast.horizon_start if forecast is not None and forecast.horizon_start else timezone.now()
        week = CapacityWeek.containing(anchor, grid)

    history = list(selectors.volume_list(user=user, start=week.start, end=week.end).filter(queue=queue))
    has_history = selectors.queue_has_volume_history(user=user, queue=queue)
    intervals: list[ForecastInterval] = []
    adjustments: list[Any] = []
    if forecast is not None:
        intervals = list(selectors.forecast_interval_list(forecast=forecast, start=week.start, end=week.end))
        adjustments = list(selectors.forecast_adjustment_list(forecast=forecast))
    return CapacityPage(
        queues=queues,
        queue=queue,
        grid=grid,
        week=week,
        versions=versions,
        forecast=forecast,
        pending=pending,
        history=history,
        has_history=has_history,
        intervals=intervals,
        adjustments=adjustments,
        ignored=ignored,
    )


SHOWN_IMPORT_PROBLEMS = 10


@dataclass(frozen=True)
class ImportProblems:
    """A refused CSV import in words (``Line 3 · volume: Cannot be negative.``): the first ten, and how many more."""

    shown: list[str]
    more: int

    @classmethod
    def of(cls, line_errors: dict[int, dict[str, list[str]]]) -> ImportProblems:
        problems = [
            f"Line {line} · {field_name}: {message}"
            for line, fields in sorted(line_errors.items())
            for field_name, field_messages in fields.items()
            for message in field_messages
        ]
        return cls(shown=problems[:SHOWN_IMPORT_PROBLEMS], more=max(0, len(problems) - SHOWN_IMPORT_PROBLEMS))


def _job_finished(forecast: Forecast) -> bool:
    return forecast.job is None or forecast.job.is_finished


def _render_page(
    request: HttpRequest,
    params: Any,
    *,
    forecast_form: ForecastRequestForm | None = None,
    adjustment_form: AdjustmentForm | None = None,
    what_if_form: WhatIfForm | None = None,
    scenario_form: ScenarioNameForm | None = None,
    import_form: VolumeImportForm | None = None,
    import_problems: ImportProblems | None = None,
    status: int = 200,
) -> HttpResponse:
    queues = list(selectors.planned_queues(user=request.user))
    if not queues:
        return render(request, "scheduling/capacity.html", {"page": None}, status=status)
    page = _capacity_page(request, queues=queues, params=params)
    staffing = services.staffing_settings_for(page.queue)
    context = {
        "page": page,
        "queue": page.queue,
        "forecast": page.forecast,
        "week": page.week,
        "staffing": staffing,
        "forecast_form": forecast_form or ForecastRequestForm(),
        "adjustment_form": adjustment_form or _blank_adjustment_form(page),
        "what_if_form": None,
        "history_build_days": HISTORY_BUILD_DAYS,
        "import_form": import_form or VolumeImportForm(),
        "import_problems": import_problems,
    }
    if page.is_computed and page.forecast is not None:
        context["what_if_form"] = what_if_form or WhatIfForm(queue=page.queue, staffing=staffing)
        context["scenario_form"] = scenario_form or ScenarioNameForm()
        context["compared"] = _compared_scenarios(page.forecast)
    return render(request, "scheduling/capacity.html", context, status=status)


def _compared_scenarios(forecast: Forecast) -> list[tuple[services.ScenarioColumn, int | None]]:
    """The forecast and its scenarios side by side, each column with the id of its scenario (None: the forecast)."""
    columns = services.scenario_comparison(forecast=forecast)
    # names are unique per forecast, so they tell which saved scenario a column is
    ids = dict(forecast.scenarios.values_list("name", "pk"))
    return [(column, ids.get(column.name) if index else None) for index, column in enumerate(columns)]


def _blank_adjustment_form(page: CapacityPage) -> AdjustmentForm:
    """An empty adjustment form that suggests the first day of the week shown."""
    first_day = page.week.days[0]
    initial = {
        "start": first_day.start.astimezone(page.week.zone).replace(tzinfo=None),
        "end": first_day.end.astimezone(page.week.zone).replace(tzinfo=None),
        "factor": 1.2,
    }
    return AdjustmentForm(initial=initial, zone=page.week.zone)


@require_GET
@capacity_page
def capacity(request: HttpRequest) -> HttpResponse:
    """The capacity page: a queue's week of history, forecast and required agents (``?queue=&week=&forecast=``)."""
    return _render_page(request, request.GET)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_POST
@capacity_page
def forecast_request(request: HttpRequest) -> HttpResponse:
    """Request a new forecast of a queue; htmx gets the job's progress bar, a plain post the page."""
    queue = _planned_queue_or_404(request.user, request.POST.get("queue"))
    form = ForecastRequestForm(request.POST)
    if form.is_valid():
        try:
            forecast = services.forecast_request(
                queue=queue,
                horizon_days=form.cleaned_data["horizon_days"],
                method=form.cleaned_data["method"],
                name=form.cleaned_data["name"],
                created_by=request.user,
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            next_url = page_url(queue_id=queue.pk, forecast_id=forecast.pk)
            if not _is_htmx(request):
                return redirect(next_url)
            # Read afresh: in eager mode the job already ran when the request committed.
            job = Job.objects.visible_to(request.user).filter(pk=forecast.job_id or 0).first()
            context = {"queue": queue, "forecast_form": ForecastRequestForm(), "job": job, "next_url": next_url}
            return render(request, "scheduling/_forecast_request.html", context)
    if _is_htmx(request):
        return render(request, "scheduling/_forecast_request.html", {"queue": queue, "forecast_form": form})
    return _render_page(request, {"queue": str(queue.pk)}, forecast_form=form, status=400)


@require_POST
@capacity_page
def adjustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a manual multiplier to a forecast over a range of local times."""
    forecast = _forecast_or_404(request.user, pk)
    zone = PlanningGrid(forecast.zone_name, forecast.interval_minutes).zone
    form = AdjustmentForm(request.POST, zone=zone)
    week = request.POST.get("week", "")
    if form.is_valid():
        try:
            adjustment = services.forecast_add_adjustment(
                forecast=forecast,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                factor=form.cleaned_data["factor"],
                reason=form.cleaned_data["reason"],
                created_by=request.user,
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            messages.success(request, f"Adjustment added: ×{adjustment.factor:g} for “{adjustment.reason}”.")
            return redirect(page_url(queue_id=forecast.queue_id, forecast_id=forecast.pk, week=week))
    params = {"queue": str(forecast.queue_id), "forecast": str(forecast.pk), "week": week}
    return _render_page(request, params, adjustment_form=form, status=400)


@require_POST
@capacity_page
def adjustment_remove(request: HttpRequest, pk: int, adjustment_pk: int) -> HttpResponse:
    """Remove a manual adjustment; the forecast's requirements go back to what they were without it."""
    forecast = _forecast_or_404(request.user, pk)
    adjustment = get_object_or_404(selectors.forecast_adjustment_list(forecast=forecast), pk=adjustment_pk)
    services.forecast_remove_adjustment(adjustment=adjustment)
    messages.success(request, f"Adjustment removed: ×{adjustment.factor:g} for “{adjustment.reason}”.")
    return redirect(page_url(queue_id=forecast.queue_id, forecast_id=forecast.pk, week=request.POST.get("week", "")))


def _posted_week(request: HttpRequest, forecast: Forecast) -> CapacityWeek:
    """The week posted with a form (``2026-W11``), else the forecast's first week."""
    grid = PlanningGrid(forecast.zone_name, forecast.interval_minutes)
    try:
        return CapacityWeek.of(parse_iso_week(request.POST.get("week", "")), grid)
    except ValueError:
        return CapacityWeek.containing(forecast.horizon_start or timezone.now(), grid)


@require_POST
@capacity_page
def what_if(request: HttpRequest, pk: int) -> HttpResponse:
    """The requirement chart of the week under tried changes, beside the forecast's own; nothing is saved."""
    forecast = _forecast_or_404(request.user, pk)
    staffing = services.staffing_settings_for(forecast.queue)
    form = WhatIfForm(request.POST, queue=forecast.queue, staffing=staffing)
    week = _posted_week(request, forecast)
    result = None
    problems: list[str] = []
    if form.is_valid():
        try:
            result = services.forecast_what_if(forecast=forecast, changes=form.changes())
        except ValidationError as error:
            problems = error.messages
    else:
        problems = form.problems()
    intervals = (
        []
        if result is not None
        else list(selectors.forecast_interval_list(forecast=forecast, start=week.start, end=week.end))
    )
    context = {
        "forecast": forecast,
        "week": week,
        "intervals": intervals,
        "what_if": result,
        "problems": problems,
    }
    return render(request, "scheduling/_requirements.html", context)


@require_POST
@capacity_page
def scenario_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the what-if values posted beside a name as a scenario of the forecast.

    htmx gets the save form back (cleared, or with its errors) and, once saved, the comparison card
    swapped out of band; a plain post is redirected to the page, or shown it with the errors (400).
    """
    forecast = _forecast_or_404(request.user, pk)
    staffing = services.staffing_settings_for(forecast.queue)
    what_if_form = WhatIfForm(request.POST, queue=forecast.queue, staffing=staffing)
    form = ScenarioNameForm(request.POST)
    week = _posted_week(request, forecast)
    values_valid, name_valid = what_if_form.is_valid(), form.is_valid()
    scenario = None
    if values_valid and name_valid:
        try:
            scenario = services.scenario_save(
                forecast=forecast,
                name=form.cleaned_data["scenario_name"],
                changes=what_if_form.changes(),
                created_by=request.user,
            )
        except ValidationError as error:
            form.apply_service_errors(error)
    else:
        for problem in what_if_form.problems():
            form.add_error(None, problem)
    if scenario is None and not _is_htmx(request):
        params = {"queue": str(forecast.queue_id), "forecast": str(forecast.pk), "week": week.iso}
        return _render_page(request, params, what_if_form=what_if_form, scenario_form=form, status=400)
    if scenario is not None and not _is_htmx(request):
        messages.success(request, f"Scenario “{scenario.name}” saved.")
        return redirect(page_url(queue_id=forecast.queue_id, forecast_id=forecast.pk, week=week.iso))
    context: dict[str, Any] = {"forecast": forecast, "week": week, "scenario_form": form, "saved": scenario}
    if scenario is not None:
        context["scenario_form"] = ScenarioNameForm()
        context["compared"] = _compared_scenarios(forecast)
    return render(request, "scheduling/_scenario_save.html", context)


@require_POST
@capacity_page
def scenario_delete(request: HttpRequest, pk: int, scenario_pk: int) -> HttpResponse:
    """Delete a scenario of the forecast; htmx gets the comparison card back, a plain post the page."""
    forecast = _forecast_or_404(request.user, pk)
    scenario = get_object_or_404(forecast.scenarios.all(), pk=scenario_pk)
    services.scenario_delete(scenario=scenario)
    week = _posted_week(request, forecast)
    if not _is_htmx(request):
        messages.success(request, f"Scenario “{scenario.name}” deleted.")
        return redirect(page_url(queue_id=forecast.queue_id, forecast_id=forecast.pk, week=week.iso))
    context = {"forecast": forecast, "week": week, "compared": _compared_scenarios(forecast), "deleted": scenario}
    return render(request, "scheduling/_scenarios.html", context)


@require_POST
@capacity_page
def history_build(request: HttpRequest) -> HttpResponse:
    """Build a queue's volume history from its conversations of the last 84 complete local days."""
    queue = _planned_queue_or_404(request.user, request.POST.get("queue"))
    grid = selectors.queue_planning_grid(queue)
    today = timezone.now().astimezone(grid.zone).date()
    first_day, last_day = today - timedelta(days=HISTORY_BUILD_DAYS), today - timedelta(days=1)
    result = services.volume_history_build(queue=queue, first_day=first_day, last_day=last_day)
    span = f"{first_day:%d %b} to {last_day:%d %b %Y}"
    if result.contacts:
        messages.success(
            request,
            f"Volume history of {queue.name} built from {result.contacts:,} conversations, {span} "
            f"({result.intervals:,} intervals).",
        )
    else:
        messages.warning(
            request,
            f"{queue.name} has no conversations from {span}; the intervals were stored as zeros. "
            "Import its history as CSV instead.",
        )
    return redirect(page_url(queue_id=queue.pk))


@require_POST
@capacity_page
def history_import(request: HttpRequest) -> HttpResponse:
    """Import volume history from an uploaded CSV file, all-or-nothing; a refused file's lines are named on the page."""
    queue = _planned_queue_or_404(request.user, request.POST.get("queue"))
    params = {"queue": str(queue.pk), "week": request.POST.get("week", "")}
    form = VolumeImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_page(request, params, import_form=form, status=400)
    try:
        result = services.volume_history_import_csv(content=form.cleaned_data["file"].read(), user=request.user)
    except services.VolumeImportError as error:
        problems = ImportProblems.of(error.line_errors)
        return _render_page(request, params, import_form=form, import_problems=problems, status=400)
    intervals = f"{result.rows:,} interval{pluralize(result.rows)}"
    messages.success(request, f"Imported {intervals} for {result.queues} queue{pluralize(result.queues)}.")
    return redirect(page_url(queue_id=queue.pk, week=params["week"]))
