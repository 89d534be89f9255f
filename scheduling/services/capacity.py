"""Writes of capacity data: volume history built from conversations or imported from CSV, all-or-nothing."""

from __future__ import annotations

import copy
import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from supportops.choices import CONCURRENT_CHANNELS
from supportops.models import Conversation, Market, Queue, Team
from supportops.services import ProgressCallback, job_create

from .. import erlang, forecasting
from ..grid import AmbiguousLocalTime, NonexistentLocalTime, PlanningGrid, local_to_utc
from ..models import (
    Forecast,
    ForecastAdjustment,
    ForecastInterval,
    IntervalVolume,
    Scenario,
    StaffingSettings,
    VolumeSource,
    queues_planned_by,
)
from ..selectors import queue_planning_grid

MAX_BUILD_DAYS = 400
MAX_IMPORT_ROWS = 200_000
CSV_COLUMNS = ("interval_start", "queue", "volume", "aht_seconds")


# --- Built from conversations -------------------------------------------------------------------


@dataclass(frozen=True)
class VolumeBuildResult:
    """What a build wrote: intervals stored, contacts counted, and intervals left to an import."""

    queue_id: int
    first_day: date
    last_day: date
    intervals: int
    contacts: int
    kept_imported: int


@transaction.atomic
def volume_history_build(*, queue: Queue, first_day: date, last_day: date) -> VolumeBuildResult:
    """Count each interval's offered conversations and average handle time for local days first..last.

    Idempotent: a rebuild replaces what an earlier build wrote for those days, and every interval of
    the grid gets a row (a quiet interval is a real zero). Intervals that came from a CSV import are
    left as they are: an explicit upload wins over what the conversations say.
    """
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day is before the first day."})
    if (last_day - first_day).days + 1 > MAX_BUILD_DAYS:
        raise ValidationError({"last_day": f"Build at most {MAX_BUILD_DAYS} days at once."})
    grid = queue_planning_grid(queue)
    starts = grid.interval_starts(first_day, last_day)
    window_start, _ = grid.day_bounds(first_day)
    _, window_end = grid.day_bounds(last_day)

    counts: dict[datetime, int] = defaultdict(int)
    handle_totals: dict[datetime, float] = defaultdict(float)
    handled: dict[datetime, int] = defaultdict(int)
    conversations = Conversation.objects.filter(
        queue=queue, created_at__gte=window_start, created_at__lt=window_end
    ).values_list("created_at", "handle_time_seconds")
    for created_at, handle_time in conversations.iterator(chunk_size=5000):
        start = grid.floor(created_at)
        counts[start] += 1
        if handle_time is not None:
            handle_totals[start] += handle_time
            handled[start] += 1

    in_window = IntervalVolume.objects.filter(
        queue=queue, interval_start__gte=window_start, interval_start__lt=window_end
    )
    imported = set(in_window.filter(source=VolumeSource.CSV).values_list("interval_start", flat=True))
    in_window.filter(source=VolumeSource.CONVERSATIONS).delete()
    rows = [
        IntervalVolume(
            queue=queue,
            interval_start=start,
            interval_minutes=grid.interval_minutes,
            volume=counts.get(start, 0),
            aht_seconds=handle_totals[start] / handled[start] if handled.get(start) else None,
            source=VolumeSource.CONVERSATIONS,
        )
        for start in starts
        if start not in imported
    ]
    IntervalVolume.objects.bulk_create(rows, batch_size=2000)
    return VolumeBuildResult(
        queue_id=queue.pk,
        first_day=first_day,
        last_day=last_day,
        intervals=len(rows),
        contacts=sum(counts[start] for start in starts if start not in imported),
        kept_imported=len(imported),
    )


# --- Imported from CSV ---------------------------------------------------------------------------


class VolumeImportError(ValidationError):
    """A CSV import refused as a whole; ``line_errors`` maps a 1-based file line to field → messages."""

    def __init__(self, line_errors: dict[int, dict[str, list[str]]]):
        self.line_errors = line_errors
        first_line = min(line_errors)
        first_field, first_messages = next(iter(line_errors[first_line].items()))
        super().__init__(f"Line {first_line}: {first_field}: {first_messages[0]}")

    def api_detail(self) -> dict[str, Any]:
        """The API's 400 body: the first problem in words, and every line's errors."""
        return {
            "detail": self.message,
            "lines": {str(line): fields for line, fields in sorted(self.line_errors.items())},
        }


@dataclass(frozen=True)
class VolumeImportResult:
    """What an import stored."""

    rows: int
    queues: int
    first_interval: datetime
    last_interval: datetime


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise VolumeImportError(
            {1: {"file": [f"The file is not UTF-8 text (byte {error.start + 1}); save it as UTF-8 CSV."]}}
        ) from error


def _number(raw: str, *, field: str, allow_empty: bool) -> tuple[float | None, str | None]:
    text = raw.strip()
    if not text:
        return (None, None) if allow_empty else (None, f"Give a {field.replace('_', ' ')}.")
    try:
        value = float(text)
    except ValueError:
        return None, f"“{text}” is not a number."
    if not math.isfinite(value):
        return None, f"“{text}” is not a finite number."
    if value < 0:
        return None, "Cannot be negative."
    return value, None


class _CsvRowReader:
    """Parses the rows of one file, remembering what the file's timestamps look like so far."""

    def __init__(self, queues_by_key: dict[str, Queue], planned_ids: set[int]):
        self.queues_by_key = queues_by_key
        self.planned_ids = planned_ids
        self.grids: dict[int, PlanningGrid] = {}
        self.first_kind: tuple[int, str] | None = None  # (line, "naive" | "aware")
        self.first_offset: tuple[int, timedelta] | None = None

    def grid_of(self, queue: Queue) -> PlanningGrid:
        if queue.pk not in self.grids:
            self.grids[queue.pk] = queue_planning_grid(queue)
        return self.grids[queue.pk]

    def queue(self, raw: str) -> tuple[Queue | None, str | None]:
        key = raw.strip()
        if not key:
            return None, "Name the queue."
        queue = self.queues_by_key.get(key)
        if queue is None:
            return None, f"No queue is named “{key}”."
        if queue.pk not in self.planned_ids:
            return None, f"You do not plan queue “{key}” (it is not staffed by a team you manage)."
        return queue, None

    def instant(self, line: int, raw: str, grid: PlanningGrid | None) -> tuple[datetime | None, str | None]:
        text = raw.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None, f"“{text}” is not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00+08:00)."
        kind = "naive" if parsed.tzinfo is None else "aware"
        if self.first_kind is None:
            self.first_kind = (line, kind)
        elif self.first_kind[1] != kind:
            return None, (
                f"Mixes times with and without a UTC offset (line {self.first_kind[0]} is {self.first_kind[1]}); "
                "use one style for the whole file."
            )
        if grid is None:
            return None, None
        if parsed.tzinfo is None:
            try:
                return local_to_utc(parsed, grid.zone), None
            except (NonexistentLocalTime, AmbiguousLocalTime) as error:
                return None, str(error)
        offset = parsed.utcoffset()
        assert offset is not None
        instant = parsed.astimezone(UTC)
        if self.first_offset is None:
            self.first_offset = (line, offset)
        elif offset != self.first_offset[1] and offset != instant.astimezone(grid.zone).utcoffset():
            return None, (
                f"Mixes UTC offsets ({_format_offset(self.first_offset[1])} on line {self.first_offset[0]}, "
                f"{_format_offset(offset)} here) that are not the queue's zone ({grid.zone_name}) changing with DST."
            )
        return instant, None


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@transaction.atomic
def volume_history_import_csv(*, content: bytes, user: Any) -> VolumeImportResult:
    """Store interval volumes from a CSV file (``interval_start,queue,volume,aht_seconds``), all-or-nothing.

    ``queue`` is a queue's name (or id); ``interval_start`` is ISO 8601 — with an offset, or naive and
    then read in the queue's planning zone (a time skipped or repeated by DST is refused) — and must
    start an interval of the queue's grid. ``aht_seconds`` may be empty. Every line is checked before
    anything is stored; rows replace what was stored for the same queue and interval.
    """
    text = _decode(content)
    if not text.strip():
        raise VolumeImportError({1: {"file": ["The file is empty."]}})
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise VolumeImportError(
            {1: {"header": [f"Missing column(s) {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}."]}}
        )
    reader.fieldnames = header

    queues = list(Queue.objects.select_related("market").prefetch_related("teams__market"))
    queues_by_key = {queue.name: queue for queue in queues} | {str(queue.pk): queue for queue in queues}
    rows_reader = _CsvRowReader(queues_by_key, set(queues_planned_by(user).values_list("pk", flat=True)))

    errors: dict[int, dict[str, list[str]]] = {}
    parsed: dict[tuple[int, datetime], tuple[int, IntervalVolume]] = {}
    for index, row in enumerate(reader):
        line = index + 2
        if index >= MAX_IMPORT_ROWS:
            raise VolumeImportError({line: {"file": [f"Send at most {MAX_IMPORT_ROWS} rows at once."]}})
        if None in row:
            errors[line] = {"file": [f"Has more values than the {len(header)} columns of the header."]}
            continue
        line_errors: dict[str, list[str]] = {}
        queue, problem = rows_reader.queue(row.get("queue") or "")
        if problem:
            line_errors["queue"] = [problem]
        grid = rows_reader.grid_of(queue) if queue is not None else None
        instant, problem = rows_reader.instant(line, row.get("interval_start") or "", grid)
        if problem:
            line_errors["interval_start"] = [problem]
        elif instant is not None and grid is not None and not grid.is_on_grid(instant):
            local = instant.astimezone(grid.zone)
            line_errors["interval_start"] = [
                f"{local:%Y-%m-%d %H:%M} ({grid.zone_name}) does not start a {grid.interval_minutes}-minute "
                "interval of the queue's planning grid."
            ]
        volume, problem = _number(row.get("volume") or "", field="volume", allow_empty=False)
        if problem:
            line_errors["volume"] = [problem]
        aht, problem = _number(row.get("aht_seconds") or "", field="aht_seconds", allow_empty=True)
        if problem:
            line_errors["aht_seconds"] = [problem]
        if line_errors:
            errors[line] = line_errors
            continue
        assert queue is not None
        assert instant is not None
        assert grid is not None
        assert volume is not None
        key = (queue.pk, instant)
        if key in parsed:
            errors[line] = {"interval_start": [f"Repeats line {parsed[key][0]} (same queue and interval)."]}
            continue
        parsed[key] = (
            line,
            IntervalVolume(
                queue=queue,
                interval_start=instant,
                interval_minutes=grid.interval_minutes,
                volume=volume,
                aht_seconds=aht,
                source=VolumeSource.CSV,
            ),
        )
    if errors:
        raise VolumeImportError(errors)
    if not parsed:
        raise VolumeImportError({2: {"file": ["The file has a header but no rows."]}})

    rows = [volume for _, volume in parsed.values()]
    IntervalVolume.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["queue", "interval_start"],
        update_fields=["interval_minutes", "volume", "aht_seconds", "source", "updated_at"],
    )
    instants = [instant for _, instant in parsed]
    return VolumeImportResult(
        rows=len(rows),
        queues=len({queue_id for queue_id, _ in parsed}),
        first_interval=min(instants),
        last_interval=max(instants),
    )


# --- Forecasts and staffing requirements ---------------------------------------------------------

HISTORY_WEEKS = 12
# AHT used where a queue has no handle-time history yet, by channel, in seconds.
DEFAULT_AHT_SECONDS = {"voice": 360.0, "chat": 540.0, "messaging": 600.0, "email": 300.0, "social": 240.0}


def staffing_settings_for(queue: Queue) -> StaffingSettings:
    """The staffing settings of the queue's first staffing team, or the defaults when it has none."""
    team = queue.teams.order_by("pk").first()
    if team is None:
        return StaffingSettings()
    found = StaffingSettings.objects.filter(team=team).first()
    return found if found is not None else StaffingSettings(team=team)


def _holiday_market(queue: Queue) -> Market | None:
    if queue.market is not None:
        return queue.market
    team = queue.teams.select_related("market").order_by("pk").first()
    return team.market if team is not None else None


@transaction.atomic
def forecast_request(
    *, queue: Queue, horizon_days: int, method: str = "auto", name: str = "", created_by: Any = None
) -> Forecast:
    """Record a forecast of the queue and compute it in the background (a ``Job`` shows its progress)."""
    errors: dict[str, str] = {}
    if not 1 <= horizon_days <= forecasting.MAX_HORIZON_DAYS:
        errors["horizon_days"] = f"Forecast between 1 and {forecasting.MAX_HORIZON_DAYS} days (8 weeks) ahead."
    if method != "auto" and method not in forecasting.METHODS:
        errors["method"] = f"Choose auto or one of: {', '.join(forecasting.METHODS)}."
    if errors:
        raise ValidationError(errors)
    grid = queue_planning_grid(queue)
    job = job_create(
        kind="forecast",
        created_by=created_by,
        parameters={"queue_id": queue.pk, "horizon_days": horizon_days, "method": method},
    )
    forecast = Forecast.objects.create(
        queue=queue,
        name=name,
        requested_method=method,
        interval_minutes=grid.interval_minutes,
        zone_name=grid.zone_name,
        horizon_days=horizon_days,
        job=job,
        created_by=created_by,
    )
    from ..tasks import compute_forecast  # tasks import this module

    transaction.on_commit(lambda: compute_forecast.delay(forecast.pk))
    return forecast


def forecast_compute(*, forecast: Forecast, progress: ProgressCallback) -> dict[str, Any]:
    """Fit the forecast on the queue's last 12 weeks of history and store intervals and requirements.

    The fitting runs outside any transaction so that progress is visible while it works; the
    intervals are written in one transaction at the end.
    """
    queue = forecast.queue
    progress(0.02, "Reading volume history")
    rows = list(
        IntervalVolume.objects.filter(queue=queue, interval_minutes=forecast.interval_minutes)
        .order_by("-interval_start")
        .values_list("interval_start", "volume", "aht_seconds")[: HISTORY_WEEKS * 7 * 1440 // forecast.interval_minutes]
    )
    if not rows:
        raise ValidationError(
            {
                "queue": f"{queue} has no volume history on its {forecast.interval_minutes}-minute grid; "
                "build or import it first."
            }
        )
    rows.reverse()
    starts = [start for start, _, _ in rows]
    market = _holiday_market(queue)
    first_day = starts[0].date() - timedelta(days=1)
    last_day = starts[-1].date() + timedelta(days=forecast.horizon_days + 1)
    holidays = market.public_holidays(first_day, last_day) if market is not None else {}
    try:
        history = forecasting.volume_series(
            starts,
            [volume for _, volume, _ in rows],
            interval_minutes=forecast.interval_minutes,
            zone=forecast.zone_name,
            holidays=holidays.keys(),
        )
        horizon = forecasting.horizon_grid(history, forecast.horizon_days)
        result = forecasting.forecast(
            history,
            horizon,
            method=forecast.requested_method,
            progress=lambda fraction, message: progress(0.05 + 0.8 * fraction, message),
        )
        aht_by_start = {start: aht for start, _, aht in rows}
        history_aht = np.array(
            [aht_by_start.get(start, np.nan) for start in history.grid.datetimes()], dtype=np.float64
        )
    except ValueError as error:
        raise ValidationError({"queue": f"Cannot forecast {queue}: {error}"}) from error
    default_aht = DEFAULT_AHT_SECONDS.get(queue.channel, 300.0)
    aht_notes: list[str] = []
    try:
        aht = forecasting.forecast_aht(history, history_aht, horizon)
    except ValueError as error:
        # A queue with no handled contacts yet still needs a requirement: plan with the channel's usual AHT.
        aht = np.full(len(horizon), np.nan)
        aht_notes.append(f"AHT: {error}; planned with {default_aht:g} s, the usual for {queue.get_channel_display()}.")

    volumes = np.clip(np.nan_to_num(result.values, nan=0.0), 0, None)
    aht = np.where(np.isfinite(aht) & (aht > 0), aht, default_aht)
    horizon_starts = horizon.datetimes()
    with transaction.atomic():
        forecast.intervals.all().delete()
        ForecastInterval.objects.bulk_create(
            [
                ForecastInterval(
                    forecast=forecast,
                    interval_start=start.astimezone(UTC),
                    volume=float(volumes[index]),
                    aht_seconds=float(aht[index]),
                )
                for index, start in enumerate(horizon_starts)
            ],
            batch_size=2000,
        )
        chosen = result.score_of(result.method)
        forecast.method = result.method
        forecast.horizon_start = horizon_starts[0].astimezone(UTC)
        forecast.history_start = starts[0]
        forecast.history_end = starts[-1]
        forecast.mase = _finite(chosen.mase) if chosen else None
        forecast.wape = _finite(chosen.wape) if chosen else None
        forecast.baseline_mase = _finite(result.baseline.mase) if result.baseline else None
        forecast.baseline_wape = _finite(result.baseline.wape) if result.baseline else None
        forecast.scores = [
            {"method": score.method, "mase": _finite(score.mase), "wape": _finite(score.wape)}
            for score in result.scores
        ]
        forecast.notes = [
            *result.notes,
            *(f"{forecasting.method_label(skip.method)} skipped: {skip.reason}" for skip in result.skipped),
            *aht_notes,
        ]
        forecast.save()
        progress(0.9, "Computing staffing requirements")
        forecast_update_requirements(forecast=forecast)
    progress(1.0, "Done")
    return {"forecast_id": forecast.pk, "method": result.method, "intervals": len(horizon_starts)}


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def staffing_requirements(
    *,
    queue: Queue,
    staffing: StaffingSettings,
    volumes: np.ndarray,
    aht_seconds: np.ndarray,
    interval_minutes: int,
    local_dates: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agents to schedule per interval (after shrinkage), the workload in FTE, and the agents needed on the
    queue itself (before shrinkage: what a schedule with its breaks placed must cover), by the queue's channel.

    Live queues: Erlang C (chat and messaging with the queue's concurrency) to the queue's service
    level, capped at the team's maximum occupancy. Async queues (email, social): the flat level per
    local day that answers every item within the response target. Then the team's shrinkage.
    """
    interval_seconds = interval_minutes * 60
    target = min(max(float(queue.service_level_percent) / 100, 0.01), 0.999)
    occupancy = staffing.max_occupancy
    if queue.is_live:
        threshold = float(queue.service_level_seconds or 0)
        if queue.channel in CONCURRENT_CHANNELS:
            staffed = erlang.required_agents_chat(
                volumes, aht_seconds, interval_seconds, target, threshold, queue.chat_concurrency, occupancy
            )
        else:
            staffed = erlang.required_agents(volumes, aht_seconds, interval_seconds, target, threshold, occupancy)
        raw, fte = staffed.agents, staffed.fte
    else:
        response_seconds = float(queue.response_time_hours or 24) * 3600
        raw = np.zeros(len(volumes), dtype=np.int64)
        fte = np.zeros(len(volumes), dtype=np.float64)
        for day in np.unique(local_dates):
            on_day = local_dates == day
            deferred = erlang.required_agents_deferred(
                volumes[on_day], aht_seconds[on_day], interval_seconds, response_seconds
            )
            raw[on_day] = deferred.agents
            fte[on_day] = deferred.fte
    shrinkage = erlang.Shrinkage(
        breaks=staffing.breaks,
        meetings=staffing.meetings,
        training=staffing.training,
        time_off=staffing.time_off,
        sickness=staffing.sickness,
        other=staffing.other,
    )
    return erlang.apply_shrinkage(raw, shrinkage), fte, raw


@transaction.atomic
def forecast_update_requirements(*, forecast: Forecast) -> None:
    """Apply the forecast's adjustments to its intervals and store the agents the adjusted volume requires."""
    intervals = list(forecast.intervals.order_by("interval_start"))
    if not intervals:
        return
    # Read afresh: the forecast may carry a prefetched list from before a change.
    adjustments = list(ForecastAdjustment.objects.filter(forecast=forecast))
    for interval in intervals:
        factor = 1.0
        for adjustment in adjustments:
            if adjustment.start <= interval.interval_start < adjustment.end:
                factor *= adjustment.factor
        interval.adjustment_factor = factor
    required, fte, on_queue = _requirements_of(
        forecast, intervals, queue=forecast.queue, staffing=staffing_settings_for(forecast.queue)
    )
    for index, interval in enumerate(intervals):
        interval.required_agents = int(required[index])
        interval.required_fte = float(fte[index])
        interval.required_on_queue = int(on_queue[index])
    ForecastInterval.objects.bulk_update(
        intervals, ["adjustment_factor", "required_agents", "required_fte", "required_on_queue"], batch_size=2000
    )


def _requirements_of(
    forecast: Forecast,
    intervals: list[ForecastInterval],
    *,
    queue: Queue,
    staffing: StaffingSettings,
    volume_factor: float = 1.0,
    aht_seconds: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    zone = ZoneInfo(forecast.zone_name)
    volumes = np.array([interval.adjusted_volume for interval in intervals], dtype=np.float64) * volume_factor
    if aht_seconds is not None:
        aht = np.full(len(intervals), float(aht_seconds))
    else:
        aht = np.array(
            [interval.aht_seconds or DEFAULT_AHT_SECONDS.get(queue.channel, 300.0) for interval in intervals]
        )
    local_dates = np.array([interval.interval_start.astimezone(zone).date() for interval in intervals])
    return staffing_requirements(
        queue=queue,
        staffing=staffing,
        volumes=volumes,
        aht_seconds=aht,
        interval_minutes=forecast.interval_minutes,
        local_dates=local_dates,
    )


@transaction.atomic
def forecast_add_adjustment(
    *, forecast: Forecast, start: datetime, end: datetime, factor: float, reason: str, created_by: Any = None
) -> ForecastAdjustment:
    """Add a manual multiplier over [start, end) and update the intervals and requirements it covers."""
    adjustment = ForecastAdjustment(
        forecast=forecast, start=start, end=end, factor=factor, reason=reason, created_by=created_by
    )
    adjustment.full_clean()
    if not forecast.intervals.filter(interval_start__gte=start, interval_start__lt=end).exists():
        raise ValidationError({"start": "The range covers no interval of this forecast."})
    adjustment.save()
    forecast_update_requirements(forecast=forecast)
    return adjustment


@transaction.atomic
def forecast_remove_adjustment(*, adjustment: ForecastAdjustment) -> None:
    """Remove a manual adjustment and restore the intervals and requirements it covered."""
    forecast = adjustment.forecast
    adjustment.delete()
    forecast_update_requirements(forecast=forecast)


@dataclass(frozen=True)
class WhatIf:
    """Required agents per interval under tried changes, beside the forecast's own (nothing saved)."""

    interval_start: list[datetime]
    required_agents: list[int]
    baseline_required_agents: list[int]
    agent_hours: float
    baseline_agent_hours: float


def forecast_what_if(*, forecast: Forecast, changes: dict[str, Any]) -> WhatIf:
    """Recompute the requirement with changed volume, AHT, target, shrinkage, occupancy or concurrency.

    Works on copies in memory; nothing is stored. ``volume_percent`` 20 means +20 %; ``shrinkage`` is
    the total fraction (replacing the itemised one).
    """
    intervals = list(forecast.intervals.order_by("interval_start"))
    if not intervals:
        raise ValidationError({"forecast": "This forecast has no intervals yet (is it still computing?)."})
    queue = copy.copy(forecast.queue)
    staffing = copy.copy(staffing_settings_for(forecast.queue))
    if "service_level_percent" in changes:
        queue.service_level_percent = Decimal(str(changes["service_level_percent"]))
    if "answer_within_seconds" in changes:
        if not queue.is_live:
            raise ValidationError({"answer_within_seconds": "Only live queues answer within seconds."})
        queue.service_level_seconds = changes["answer_within_seconds"]
    if "concurrency" in changes:
        if queue.channel not in CONCURRENT_CHANNELS:
            raise ValidationError({"concurrency": "Only chat and messaging queues handle conversations at once."})
        queue.chat_concurrency = changes["concurrency"]
    if "shrinkage" in changes:
        staffing.breaks, staffing.meetings, staffing.training = changes["shrinkage"], 0.0, 0.0
        staffing.time_off = staffing.sickness = staffing.other = 0.0
    if "max_occupancy" in changes:
        staffing.max_occupancy = changes["max_occupancy"]
    required, _, _ = _requirements_of(
        forecast,
        intervals,
        queue=queue,
        staffing=staffing,
        volume_factor=1 + changes.get("volume_percent", 0.0) / 100,
        aht_seconds=changes.get("aht_seconds"),
    )
    hours_per_interval = forecast.interval_minutes / 60
    baseline = [interval.required_agents or 0 for interval in intervals]
    return WhatIf(
        interval_start=[interval.interval_start for interval in intervals],
        required_agents=[int(value) for value in required],
        baseline_required_agents=baseline,
        agent_hours=float(np.sum(required)) * hours_per_interval,
        baseline_agent_hours=sum(baseline) * hours_per_interval,
    )


@transaction.atomic
def scenario_save(*, forecast: Forecast, name: str, changes: dict[str, Any], created_by: Any = None) -> Scenario:
    """Compute a what-if and keep it under a name, to compare with the forecast and other scenarios."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the scenario."})
    if Scenario.objects.filter(forecast=forecast, name=name).exists():
        raise ValidationError({"name": f"This forecast already has a scenario named “{name}”."})
    result = forecast_what_if(forecast=forecast, changes=changes)
    try:
        with transaction.atomic():  # a savepoint: someone may save the same name at the same moment
            return Scenario.objects.create(
                forecast=forecast,
                name=name,
                changes=changes,
                required_agents=result.required_agents,
                agent_hours=result.agent_hours,
                baseline_agent_hours=result.baseline_agent_hours,
                peak_required_agents=max(result.required_agents, default=0),
                created_by=created_by,
            )
    except IntegrityError as error:
        raise ValidationError({"name": f"This forecast already has a scenario named “{name}”."}) from error


@dataclass(frozen=True)
class ScenarioColumn:
    """One column of a side-by-side comparison: agent-hours per local day and in total, and the peak."""

    name: str
    changes: dict[str, Any]
    agent_hours: float
    agent_hours_change: float
    peak_required_agents: int
    agent_hours_by_day: dict[date, float]


def scenario_comparison(*, forecast: Forecast) -> list[ScenarioColumn]:
    """The forecast's own requirement and each saved scenario, side by side (per local day)."""
    intervals = list(forecast.intervals.order_by("interval_start").values_list("interval_start", "required_agents"))
    zone = ZoneInfo(forecast.zone_name)
    days = [start.astimezone(zone).date() for start, _ in intervals]
    hours = forecast.interval_minutes / 60

    def column(name: str, changes: dict[str, Any], required: list[int], baseline: float) -> ScenarioColumn:
        by_day: dict[date, float] = defaultdict(float)
        for day, agents in zip(days, required, strict=False):
            by_day[day] += (agents or 0) * hours
        total = sum(by_day.values())
        return ScenarioColumn(
            name=name,
            changes=changes,
            agent_hours=total,
            agent_hours_change=total - baseline,
            peak_required_agents=max((agents or 0 for agents in required), default=0),
            agent_hours_by_day=dict(by_day),
        )

    baseline_required = [agents or 0 for _, agents in intervals]
    baseline_hours = sum(baseline_required) * hours
    return [column("Forecast", {}, baseline_required, baseline_hours)] + [
        column(scenario.name, scenario.changes, scenario.required_agents, baseline_hours)
        for scenario in forecast.scenarios.order_by("created_at", "pk")
    ]


def staffing_settings_ensure(*, teams: QuerySet[Team]) -> int:
    """Give every team without staffing settings the defaults (idempotent); returns how many were added."""
    missing = [StaffingSettings(team=team) for team in teams.filter(staffing_settings__isnull=True)]
    StaffingSettings.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


@transaction.atomic
def scenario_delete(*, scenario: Scenario) -> None:
    """Forget a saved scenario; the forecast and its other scenarios stay as they are."""
    scenario.delete()
