"""Interval volume forecasting: a weekly seasonal naive baseline, robust profiles, ETS and MSTL, chosen by backtest.

Pure module (numpy, statsmodels; no Django). Units: volumes are contacts offered per interval, AHT is in
seconds, times are UTC instants on a fixed grid of 5, 15, 30 or 60 minutes.

Calendar. Every interval carries its local date, weekday (0 = Monday) and slot of day, the position of its
start in local wall-clock time: ``slot = (hour × 60 + minute) // interval_minutes``. A day on which the clocks
change has 23 or 25 hours of intervals; its skipped slots simply do not exist and its repeated hour has two
intervals per slot. The methods work on a day × slot matrix in wall-clock time (the two intervals of a
repeated slot are averaged there, and a forecast gives both the same value).

Missing data. An interval that is absent or NaN is *missing*, never zero: fitting ignores it. A weekday × slot
with no observation at all (a queue closed at night or at weekends, with no rows for those hours) is forecast
as 0.

Methods (``METHODS``; each ``fit_predict(history, horizon) -> np.ndarray``):

- ``seasonal_naive``: the same local weekday and slot in the latest week observed (further back when that
  interval is missing). Always computed as the baseline; it ignores holidays, as the textbook baseline does.
- ``robust_profile``: per weekday × slot, the median of the last 4 weeks, times a level factor: the median
  over the last 7 days of (actual day total ÷ profile day total), which follows a level change within a week
  and shrugs off outliers (``RobustProfile(statistic="trimmed")`` takes a 20 %-trimmed mean instead).
- ``weekday_smoothed``: each weekday's daily total by exponential smoothing (α = 0.5) of that weekday's last
  12 totals, times its intraday shape (its median profile of the last 8 weeks, normalised to sum to 1). Day
  totals of days with missing intervals are scaled up by the share of the shape observed (left out below
  half).
- ``daily_profile_ets``: daily totals forecast by damped additive-trend Holt-Winters with weekly seasonality
  (statsmodels ``ExponentialSmoothing``, on the open weekdays only), times the intraday shape of that weekday
  (its median profile of the last 6 weeks, normalised to 1).
- ``mstl``: statsmodels ``MSTL`` with daily and weekly periods on the last 8 weeks of open weekdays × open
  slots (missing cells imputed from the profile); the seasonal components repeat their last cycle and the
  seasonally adjusted series is forecast by simple exponential smoothing.

Holidays (``VolumeSeries.holidays``, covering history and horizon). Except in the seasonal naive, holiday
days are left out of every fit. A forecast day that is a holiday is the ordinary forecast times a holiday
factor learnt from the past holidays in the history: Σ actual ÷ Σ expected over them, where a holiday's
expected volume is the median of the same weekday and slot in the four weeks either side. With no past
holiday to learn from, a holiday is forecast like a Sunday: the median Sunday profile of the last 6 weeks
(zero for a queue with no Sunday history).

Automatic choice. Rolling-origin backtest over the last 4 weeks of the history (origins 7, 14, 21 and 28 days
before its end, each forecasting the next 7 days from the data before it). Scores per method:
MASE = mean over origins of MAE ÷ (in-sample MAE of the weekly seasonal naive on the data before the origin)
and WAPE = Σ|actual − forecast| ÷ Σ|actual| over all origins (a fraction, 0.12 = 12 %), both over the
intervals observed. The method with the lowest WAPE wins (it is what staffing error is proportional to); a
tie goes to the simpler method, earlier in ``METHODS``. A zero denominator gives 0 when the errors are zero
too (below 1e-9), else infinity. Each method needs complete days of history before the day it forecasts:
7 (seasonal naive), 14 (the profiles), 28 (ETS, MSTL). Methods lacking that before each origin are skipped,
with the reason, and a history too short to backtest at all (under 21 days) falls back to the seasonal naive.

AHT (``forecast_aht``): a volume-weighted seasonal profile, Σ volume × AHT ÷ Σ volume per weekday × slot over
the last 8 weeks, falling back to the slot over all weekdays, then to the overall volume-weighted mean.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

INTERVAL_MINUTES_CHOICES = (5, 15, 30, 60)
MAX_HORIZON_DAYS = 56
BACKTEST_ORIGINS = 4
BACKTEST_DAYS = 7
#: The shortest history before an origin that the backtest uses (two weeks: one to forecast from, one to
#: measure the seasonal naive's in-sample error that scales MASE).
MIN_BACKTEST_TRAINING_DAYS = 14
SUNDAY = 6

Progress = Callable[[float, str], None]

_EPOCH = np.datetime64("1970-01-01T00:00", "m")


class RowError(ValueError):
    """Bad input in one row of text input; ``row`` is its 0-based position among the data rows."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row


# --------------------------------------------------------------------------------------------------------
# Calendar and series
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class IntervalGrid:
    """Consecutive interval starts (UTC, ``datetime64[m]``) with their local date, weekday and slot of day."""

    interval_minutes: int
    zone: str
    starts_utc: np.ndarray
    local_date: np.ndarray
    local_weekday: np.ndarray
    local_slot: np.ndarray

    @property
    def slots_per_day(self) -> int:
        return 1440 // self.interval_minutes

    def __len__(self) -> int:
        return len(self.starts_utc)

    def head(self, count: int) -> IntervalGrid:
        """The first ``count`` intervals."""
        return IntervalGrid(
            interval_minutes=self.interval_minutes,
            zone=self.zone,
            starts_utc=self.starts_utc[:count],
            local_date=self.local_date[:count],
            local_weekday=self.local_weekday[:count],
            local_slot=self.local_slot[:count],
        )

    def datetimes(self) -> list[datetime]:
        """The interval starts as aware datetimes in the grid's zone."""
        zone = ZoneInfo(self.zone)
        return [_to_datetime(int(m)).astimezone(zone) for m in self.starts_utc.astype(np.int64)]


@dataclass(frozen=True, eq=False)
class VolumeSeries:
    """Offered volume per interval on a regular grid; NaN marks a missing interval (never read as zero).

    ``holidays`` are local dates (of the history and of the horizon to forecast) treated as holidays.
    """

    grid: IntervalGrid
    values: np.ndarray
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def starts_utc(self) -> np.ndarray:
        return self.grid.starts_utc

    @property
    def local_date(self) -> np.ndarray:
        return self.grid.local_date

    @property
    def local_weekday(self) -> np.ndarray:
        return self.grid.local_weekday

    @property
    def local_slot(self) -> np.ndarray:
        return self.grid.local_slot

    def __len__(self) -> int:
        return len(self.values)

    def before(self, instant: np.datetime64) -> VolumeSeries:
        """The intervals that start before ``instant`` (a UTC ``datetime64``)."""
        count = int(np.searchsorted(self.grid.starts_utc, instant.astype("datetime64[m]")))
        if count == 0:
            raise ValueError(f"no intervals before {instant}")
        return VolumeSeries(grid=self.grid.head(count), values=self.values[:count], holidays=self.holidays)


def _to_datetime(minutes: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _check_interval(interval_minutes: int) -> None:
    if interval_minutes not in INTERVAL_MINUTES_CHOICES:
        choices = ", ".join(str(m) for m in INTERVAL_MINUTES_CHOICES)
        raise ValueError(f"interval_minutes must be one of {choices}, not {interval_minutes}")


def _as_utc_minutes(starts: Sequence[datetime] | np.ndarray) -> np.ndarray:
    """Interval starts as int64 minutes since the epoch; aware datetimes or UTC ``datetime64`` values."""
    if isinstance(starts, np.ndarray) and np.issubdtype(starts.dtype, np.datetime64):
        as_seconds = starts.astype("datetime64[s]").astype(np.int64)
        if np.any(as_seconds % 60):
            raise ValueError("interval starts must be whole minutes")
        return as_seconds // 60
    minutes = np.empty(len(starts), dtype=np.int64)
    awareness: set[bool] = set()
    for index, start in enumerate(starts):
        if not isinstance(start, datetime):
            raise ValueError(f"interval start #{index} is not a datetime: {start!r}")
        is_aware = start.utcoffset() is not None
        awareness.add(is_aware)
        if len(awareness) > 1:
            raise ValueError(f"interval start #{index} mixes naive and aware timestamps (mixed offsets)")
        if not is_aware:
            raise ValueError(f"interval start #{index} is naive; pass aware datetimes or UTC datetime64 values")
        seconds = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1)
        if seconds % 60 or start.microsecond:
            raise ValueError(f"interval start #{index} ({start.isoformat()}) is not a whole minute")
        minutes[index] = seconds // 60
    return minutes


def _offset_minutes(instant: datetime, zone: ZoneInfo) -> int:
    offset = instant.astimezone(zone).utcoffset()
    return 0 if offset is None else offset // timedelta(minutes=1)


def _local_calendar(
    minutes: np.ndarray, zone: ZoneInfo, interval_minutes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local date, weekday and slot of day of each UTC start (minutes since the epoch)."""
    # Offsets only change at a zone's transitions: compute them once per distinct UTC quarter-hour.
    quarters, inverse = np.unique(minutes // 15, return_inverse=True)
    offsets = np.array([_offset_minutes(_to_datetime(int(q) * 15), zone) for q in quarters], dtype=np.int64)
    local_minutes = minutes + offsets[inverse.reshape(-1)]
    local_days = local_minutes // 1440
    local_date = local_days.astype("datetime64[D]")
    weekday = (local_days + 3) % 7  # 1970-01-01 was a Thursday
    slot = (local_minutes % 1440) // interval_minutes
    return local_date, weekday.astype(np.int64), slot.astype(np.int64)


def interval_grid(starts: Sequence[datetime] | np.ndarray, *, interval_minutes: int, zone: str) -> IntervalGrid:
    """An ``IntervalGrid`` for strictly increasing interval starts on one grid (aware datetimes or UTC)."""
    _check_interval(interval_minutes)
    tz = _zone(zone)
    minutes = _as_utc_minutes(starts)
    if len(minutes) == 0:
        raise ValueError("no intervals")
    steps = np.diff(minutes)
    if np.any(steps <= 0):
        raise ValueError("interval starts must be strictly increasing (duplicate or unsorted intervals)")
    if np.any(steps % interval_minutes):
        raise ValueError(f"interval starts are not on one {interval_minutes}-minute grid")
    local_date, weekday, slot = _local_calendar(minutes, tz, interval_minutes)
    return IntervalGrid(
        interval_minutes=interval_minutes,
        zone=zone,
        starts_utc=minutes.astype("datetime64[m]"),
        local_date=local_date,
        local_weekday=weekday,
        local_slot=slot,
    )


def volume_series(
    starts: Sequence[datetime] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    *,
    interval_minutes: int,
    zone: str,
    holidays: Collection[date] = (),
) -> VolumeSeries:
    """A regular ``VolumeSeries`` from intervals in any order; gaps between them become missing (NaN).

    Raises ``ValueError`` for a non-numeric, negative or infinite volume, an unknown interval or zone,
    duplicate intervals, intervals off the grid of the first one and mixed naive/aware timestamps.
    """
    _check_interval(interval_minutes)
    minutes = _as_utc_minutes(starts)
    try:
        volumes = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("volume must be numeric") from None
    if volumes.shape != minutes.shape:
        raise ValueError(f"{len(minutes)} interval starts but {volumes.size} volumes")
    if len(minutes) == 0:
        raise ValueError("no intervals")
    bad = np.flatnonzero(np.isinf(volumes) | (volumes < 0))
    if bad.size:
        index = int(bad[0])
        raise ValueError(f"volume {volumes[index]} at {_to_datetime(int(minutes[index])).isoformat()} is negative")
    order = np.argsort(minutes, kind="stable")
    minutes, volumes = minutes[order], volumes[order]
    if np.any(np.diff(minutes) == 0):
        index = int(np.flatnonzero(np.diff(minutes) == 0)[0])
        raise ValueError(f"duplicate interval {_to_datetime(int(minutes[index])).isoformat()}")
    off_grid = np.flatnonzero((minutes - minutes[0]) % interval_minutes)
    if off_grid.size:
        at = _to_datetime(int(minutes[off_grid[0]])).isoformat()
        raise ValueError(f"interval {at} is not on the {interval_minutes}-minute grid of the first interval")
    full = np.arange(minutes[0], minutes[-1] + 1, interval_minutes, dtype=np.int64)
    filled = np.full(full.shape, np.nan)
    filled[(minutes - minutes[0]) // interval_minutes] = volumes
    grid = interval_grid(full.astype("datetime64[m]"), interval_minutes=interval_minutes, zone=zone)
    return VolumeSeries(grid=grid, values=filled, holidays=frozenset(holidays))


def volume_series_from_text(
    rows: Sequence[tuple[str, str]],
    *,
    interval_minutes: int,
    zone: str,
    holidays: Collection[date] = (),
) -> VolumeSeries:
    """A ``VolumeSeries`` from ``(interval_start, volume)`` text rows, as read from a CSV file.

    Timestamps are ISO 8601; naive ones are local times in ``zone`` (a wall-clock time that happens twice
    when the clocks go back is the earlier instant the first time it appears and the later one the next
    time; a time skipped by the clocks is an error). Aware ones may carry any offsets. Raises ``RowError``
    naming the row for an unparseable timestamp, a file mixing naive and aware timestamps, a non-numeric,
    negative or empty volume, a duplicate interval or an interval off the grid.
    """
    _check_interval(interval_minutes)
    tz = _zone(zone)
    if not rows:
        raise ValueError("no data rows")
    minutes = np.empty(len(rows), dtype=np.int64)
    volumes = np.empty(len(rows), dtype=np.float64)
    first_awareness: tuple[int, bool] | None = None
    seen_naive: set[datetime] = set()
    for index, (start_text, volume_text) in enumerate(rows):
        try:
            start = datetime.fromisoformat(start_text.strip())
        except ValueError:
            raise RowError(index, f"interval_start {start_text!r} is not an ISO 8601 timestamp") from None
        is_aware = start.utcoffset() is not None
        if first_awareness is None:
            first_awareness = (index, is_aware)
        elif first_awareness[1] != is_aware:
            kinds = ("naive", "with an offset") if is_aware else ("with an offset", "naive")
            raise RowError(
                index,
                f"interval_start {start_text!r} is {kinds[1]} but the first row's is {kinds[0]}; "
                "a file must not mix naive and offset timestamps",
            )
        if not is_aware:
            start = _localize(start, tz, seen_naive, index, start_text)
        seconds = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1)
        if seconds % 60 or start.microsecond:
            raise RowError(index, f"interval_start {start_text!r} is not a whole minute")
        minutes[index] = seconds // 60
        volumes[index] = _parse_volume(index, volume_text)
    first = minutes[0]
    off_grid = np.flatnonzero((minutes - first) % interval_minutes)
    if off_grid.size:
        index = int(off_grid[0])
        raise RowError(index, f"interval_start {rows[index][0]!r} is not on the {interval_minutes}-minute grid")
    first_row_of: dict[int, int] = {}
    for index, minute in enumerate(minutes.tolist()):
        if minute in first_row_of:
            raise RowError(
                index, f"interval_start {rows[index][0]!r} repeats the interval of row {first_row_of[minute] + 1}"
            )
        first_row_of[minute] = index
    return volume_series(
        minutes.astype("datetime64[m]"), volumes, interval_minutes=interval_minutes, zone=zone, holidays=holidays
    )


def _localize(naive: datetime, tz: ZoneInfo, seen: set[datetime], index: int, text: str) -> datetime:
    earlier = naive.replace(tzinfo=tz, fold=0)
    later = naive.replace(tzinfo=tz, fold=1)
    if earlier.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise RowError(index, f"interval_start {text!r} does not exist in {tz.key} (the clocks skipped it)")
    ambiguous = earlier.utcoffset() != later.utcoffset()
    chosen = later if ambiguous and naive in seen else earlier
    seen.add(naive)
    return chosen


def _parse_volume(index: int, text: str) -> float:
    stripped = text.strip()
    if not stripped:
        raise RowError(index, "volume is empty (leave the row out for a missing interval)")
    try:
        volume = float(stripped)
    except ValueError:
        raise RowError(index, f"volume {text!r} is not a number") from None
    if not math.isfinite(volume):
        raise RowError(index, f"volume {text!r} is not a finite number")
    if volume < 0:
        raise RowError(index, f"volume {text!r} is negative")
    return volume


def horizon_grid(history: VolumeSeries | IntervalGrid, days: int) -> IntervalGrid:
    """The ``days × 1440 / interval`` intervals (UTC instants) right after the last interval of ``history``."""
    grid = history.grid if isinstance(history, VolumeSeries) else history
    if days < 1:
        raise ValueError(f"horizon must be at least 1 day, not {days}")
    if days > MAX_HORIZON_DAYS:
        raise ValueError(f"horizon of {days} days is beyond the 8-week limit ({MAX_HORIZON_DAYS} days)")
    step = grid.interval_minutes
    last = int(grid.starts_utc[-1].astype(np.int64))
    count = days * 1440 // step
    starts = last + step * np.arange(1, count + 1, dtype=np.int64)
    return interval_grid(starts.astype("datetime64[m]"), interval_minutes=step, zone=grid.zone)


def apply_adjustments(values: np.ndarray, factors: np.ndarray | float) -> np.ndarray:
    """Manual adjustments (e.g. 1.2 for +20 % on a launch day) applied to a statistical forecast, as a copy."""
    values = np.asarray(values, dtype=np.float64)
    factor_array = np.asarray(factors, dtype=np.float64)
    try:
        adjusted = values * factor_array
    except ValueError:
        raise ValueError(f"factors of shape {factor_array.shape} do not fit values of shape {values.shape}") from None
    if adjusted.shape != values.shape:
        raise ValueError(f"factors of shape {factor_array.shape} do not fit values of shape {values.shape}")
    if not np.all(np.isfinite(factor_array)) or np.any(factor_array < 0):
        raise ValueError("adjustment factors must be finite and not negative")
    return adjusted


# --------------------------------------------------------------------------------------------------------
# Day × slot matrices
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _DayMatrix:
    """Consecutive local days × wall-clock slots; NaN = missing or nonexistent."""

    dates: np.ndarray  # datetime64[D]
    values: np.ndarray  # (days, slots)
    is_holiday: np.ndarray  # bool (days,)

    @property
    def weekdays(self) -> np.ndarray:
        return (self.dates.astype(np.int64) + 3) % 7

    def __len__(self) -> int:
        return len(self.dates)

    def head(self, days: int) -> _DayMatrix:
        return _DayMatrix(self.dates[:days], self.values[:days], self.is_holiday[:days])

    def rows(self, start: int, stop: int) -> _DayMatrix:
        return _DayMatrix(self.dates[start:stop], self.values[start:stop], self.is_holiday[start:stop])

    def without_holidays(self) -> _DayMatrix:
        if not self.is_holiday.any():
            return self
        values = self.values.copy()
        values[self.is_holiday] = np.nan
        return _DayMatrix(self.dates, values, self.is_holiday)


def _day_matrix(series: VolumeSeries, values: np.ndarray | None = None) -> _DayMatrix:
    grid = series.grid
    values = series.values if values is None else values
    first = grid.local_date[0]
    rows = (grid.local_date - first).astype(np.int64)
    days = int(rows[-1]) + 1
    sums = np.zeros((days, grid.slots_per_day))
    counts = np.zeros((days, grid.slots_per_day))
    observed = ~np.isnan(values)
    np.add.at(sums, (rows[observed], grid.local_slot[observed]), values[observed])
    np.add.at(counts, (rows[observed], grid.local_slot[observed]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(counts > 0, sums / counts, np.nan)
    dates = first + np.arange(days)
    is_holiday = np.array([day in series.holidays for day in dates.tolist()], dtype=bool)
    return _DayMatrix(dates, matrix, is_holiday)


def _nan_median(rows: np.ndarray) -> np.ndarray:
    if rows.shape[0] == 0:
        return np.full(rows.shape[1:], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(rows, axis=0)


def _nan_trimmed_mean(rows: np.ndarray, proportion: float) -> np.ndarray:
    """Column means after dropping ``proportion`` of the observed values at each end."""
    if rows.shape[0] == 0:
        return np.full(rows.shape[1:], np.nan)
    ordered = np.sort(rows, axis=0)  # NaN sort last
    observed = np.sum(~np.isnan(rows), axis=0)
    cut = np.floor(observed * proportion).astype(np.int64)
    rank = np.arange(rows.shape[0])[:, None]
    keep = (rank >= cut) & (rank < observed - cut)
    kept = np.where(keep, ordered, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(observed > 0, kept.sum(axis=0) / np.maximum(keep.sum(axis=0), 1), np.nan)


def _profile(matrix: _DayMatrix, weeks: int, statistic: str = "median") -> np.ndarray:
    """7 × slots: per weekday and slot, the median (or trimmed mean) of the last ``weeks`` weeks."""
    recent = matrix.rows(max(0, len(matrix) - 7 * weeks), len(matrix))
    weekdays = recent.weekdays
    profile = np.full((7, matrix.values.shape[1]), np.nan)
    for weekday in range(7):
        rows = recent.values[weekdays == weekday]
        profile[weekday] = _nan_median(rows) if statistic == "median" else _nan_trimmed_mean(rows, 0.2)
    return profile


def _level_factor(matrix: _DayMatrix, profile: np.ndarray, days: int = 7) -> float:
    """Median over the last ``days`` days of (actual day total ÷ profile day total), on cells both have."""
    recent = matrix.rows(max(0, len(matrix) - days), len(matrix))
    expected = profile[recent.weekdays]
    both = ~np.isnan(recent.values) & ~np.isnan(expected)
    actual_totals = np.where(both, recent.values, 0.0).sum(axis=1)
    expected_totals = np.where(both, expected, 0.0).sum(axis=1)
    usable = expected_totals > 0
    if not usable.any():
        return 1.0
    return float(np.median(actual_totals[usable] / expected_totals[usable]))


def _open_structure(profile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weekdays and slots with any positive expected volume (a queue's opening hours)."""
    positive = np.nan_to_num(profile) > 0
    return np.flatnonzero(positive.any(axis=1)), np.flatnonzero(positive.any(axis=0))


# --------------------------------------------------------------------------------------------------------
# Methods
METHOD_LABELS = {
    "auto": "Automatic (best backtest)",
    "seasonal_naive": "Seasonal naive",
    "robust_profile": "Robust weekly profile",
    "weekday_smoothed": "Smoothed weekday totals",
    "daily_profile_ets": "Holt-Winters daily totals",
    "mstl": "MSTL (daily and weekly seasonality)",
}


def method_label(name: str) -> str:
    """How a forecasting method is named to people (pages, notes); the name itself on the command line."""
    return METHOD_LABELS.get(name, name.replace("_", " ").capitalize())


# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastMethod:
    """A forecasting method: ``fit_predict(history, horizon)`` gives one volume per horizon interval."""

    name: str = "method"
    min_history_days: int = 7
    uses_holidays: bool = True

    def fit_predict(self, history: VolumeSeries, horizon: IntervalGrid) -> np.ndarray:
        """Fit on ``history`` and forecast every interval of ``horizon`` (which must come after it)."""
        _check_horizon(history, horizon)
        matrix = _day_matrix(history)
        targets, target_rows = np.unique(horizon.local_date, return_inverse=True)
        train = matrix.head(int(np.searchsorted(matrix.dates, targets[0])))
        days = len(train)
        if days < self.min_history_days:
            raise ValueError(
                f"{self.name} needs at least {self.min_history_days} days of history; it has {days} "
                "(complete days before the horizon)"
            )
        target_holidays = np.array([day in history.holidays for day in targets.tolist()], dtype=bool)
        by_day = self._predict_with_holidays(train, targets, target_holidays)
        return by_day[target_rows.reshape(-1), horizon.local_slot]

    def _predict_with_holidays(self, train: _DayMatrix, targets: np.ndarray, target_holidays: np.ndarray) -> np.ndarray:
        if not self.uses_holidays:
            return np.nan_to_num(self.predict_days(train, targets))
        clean = train.without_holidays()
        forecast = np.nan_to_num(self.predict_days(clean, targets))
        if target_holidays.any():
            factor = _holiday_factor(train, clean)
            if factor is None:
                sunday = np.nan_to_num(_profile(clean, weeks=6)[SUNDAY])
                forecast[target_holidays] = sunday
            else:
                forecast[target_holidays] *= factor
        return forecast

    def predict_days(self, train: _DayMatrix, targets: np.ndarray) -> np.ndarray:
        """Forecast the local days ``targets`` (all after ``train``) as a days × slots matrix."""
        raise NotImplementedError


def _holiday_factor(train: _DayMatrix, clean: _DayMatrix) -> float | None:
    """Σ actual ÷ Σ expected over the past holidays (expected: same weekday, 4 weeks either side)."""
    actual_total = expected_total = 0.0
    for row in np.flatnonzero(train.is_holiday):
        neighbours = [row + 7 * k for k in (-4, -3, -2, -1, 1, 2, 3, 4) if 0 <= row + 7 * k < len(clean)]
        expected = _nan_median(clean.values[neighbours]) if neighbours else np.full(clean.values.shape[1], np.nan)
        actual = train.values[row]
        both = ~np.isnan(actual) & ~np.isnan(expected)
        actual_total += float(actual[both].sum())
        expected_total += float(expected[both].sum())
    if expected_total <= 0:
        return None
    return actual_total / expected_total


@dataclass(frozen=True)
class SeasonalNaive(ForecastMethod):
    """The same local weekday and slot in the latest week observed (the baseline)."""

    name: str = "seasonal_naive"
    min_history_days: int = 7
    uses_holidays: bool = False

    def predict_days(self, train: _DayMatrix, targets: np.ndarray) -> np.ndarray:
        latest = np.full((7, train.values.shape[1]), np.nan)
        weekdays = train.weekdays
        for weekday in range(7):
            rows = train.values[weekdays == weekday][::-1]  # newest first
            if rows.shape[0] == 0:
                continue
            observed = ~np.isnan(rows)
            first = np.argmax(observed, axis=0)
            values = rows[first, np.arange(rows.shape[1])]
            latest[weekday] = np.where(observed.any(axis=0), values, np.nan)
        return latest[(targets.astype(np.int64) + 3) % 7]


@dataclass(frozen=True)
class RobustProfile(ForecastMethod):
    """Median (or 20 %-trimmed mean) weekday × slot profile of the last weeks, times a level factor."""

    name: str = "robust_profile"
    min_history_days: int = 14
    weeks: int = 4
    statistic: str = "median"

    def predict_days(self, train: _DayMatrix, targets: np.ndarray) -> np.ndarray:
        profile = _profile(train, self.weeks, self.statistic)
        level = _level_factor(train, profile)
        return profile[(targets.astype(np.int64) + 3) % 7] * level


@dataclass(frozen=True)
class SmoothedWeekdayProfile(ForecastMethod):
    """Each weekday's daily total by exponential smoothing of its past totals × its intraday shape."""

    name: str = "weekday_smoothed"
    min_history_days: int = 14
    alpha: float = 0.5
    occurrences: int = 12
    shape_weeks: int = 8

    def predict_days(self, train: _DayMatrix, targets: np.ndarray) -> np.ndarray:
        shape = _intraday_shape(_profile(train, self.shape_weeks))
        totals = _day_totals(train, shape)
        weekdays = train.weekdays
        expected = np.zeros(7)
        for weekday in range(7):
            past = totals[weekdays == weekday]
            past = past[~np.isnan(past)][-self.occurrences :]
            if past.size:
                weights = (1 - self.alpha) ** np.arange(past.size)[::-1]
                expected[weekday] = float(weights @ past / weights.sum())
        target_weekdays = (targets.astype(np.int64) + 3) % 7
        return expected[target_weekdays][:, None] * shape[target_weekdays]


def _intraday_shape(profile: np.ndarray) -> np.ndarray:
    """Each weekday's profile normalised to sum to 1 (all zero for a weekday never open)."""
    shape = np.nan_to_num(profile)
    return shape / np.maximum(shape.sum(axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class DailyProfileEts(ForecastMethod):
    """Daily totals by damped Holt-Winters with weekly seasonality × the weekday's intraday shape."""

    name: str = "daily_profile_ets"
    min_history_days: int = 28
    weeks: int = 6
    fit_weeks: int = 26

    def predict_days(self, train: _DayMatrix, targets: np.ndarray) -> np.ndarray:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        profile = _profile(train, self.weeks)
        open_weekdays, _ = _open_structure(profile)
        result = np.zeros((len(targets), train.values.shape[1]))
        if open_weekdays.size == 0:
            return result
        shape = _intraday_shape(profile)
        recent = train.rows(max(0, len(train) - 7 * self.fit_weeks), len(train))
        is_open = np.isin(recent.weekdays, open_weekdays)
        totals = _day_totals(recent, shape)[is_open]
        open_days_weekday = recent.weekdays[is_open]
        typical = np.array([_nan_median(totals[open_days_weekday == w][-self.weeks :, None])[0] for w in range(7)])
        totals = np.where(np.isnan(totals), typical[open_days_weekday], totals)
        totals = np.nan_to_num(totals)
        period = open_weekdays.size
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ExponentialSmoothing(
                totals,
                trend="add",
                damped_trend=True,
                seasonal=("mul" if totals.min() > 0 else "add") if period > 1 else None,
                seasonal_periods=period if period > 1 else None,
                initialization_method="estimated",
            ).fit()
        target_weekdays = (targets.astype(np.int64) + 3) % 7
        target_open = np.isin(target_weekdays, open_weekdays)
        calendar = np.arange(train.dates[-1] + 1, targets[-1] + 1)
        calendar_open = np.isin((calendar.astype(np.int64) + 3) % 7, open_weekdays)
        steps = np.cumsum(calendar_open)  # 1-based step of each open calendar day
        predicted = np.maximum(np.asarray(model.forecast(int(steps[-1]) if steps.size else 0)), 0.0)
        position = (targets - calendar[0]).astype(np.int64)
        for index in np.flatnonzero(target_open):
            result[index] = predicted[steps[position[index]] - 1] * shape[target_weekdays[index]]
        return result


def _day_totals(matrix: _DayMatrix, shape: np.ndarray) -> np.ndarray:
    """Each day's total, scaled up for missing intervals by the weekday shape; NaN below half coverage."""
    day_shape = shape[matrix.weekdays]
    observed = ~np.isnan(matrix.values)
    coverage = np.where(observed, day_shape, 0.0).sum(axis=1)
    sums = np.where(observed, matrix.values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(coverage >= 0.5, sums / coverage, np.nan)


@dataclass(frozen=True)
class Mstl(ForecastMethod):
    """statsmodels MSTL (daily and weekly periods) on open weekdays × open slots, SES on the adjusted series."""

    name: str = "mstl"
    min_history_days: int = 28
    weeks: int = 8

    def predict_days(self, train: _DayMatrix, targets: np.ndarray) -> np.ndarray:
        from statsmodels.tsa.holtwinters import SimpleExpSmoothing
        from statsmodels.tsa.seasonal import MSTL

        profile = _profile(train, 6)
        open_weekdays, open_slots = _open_structure(profile)
        result = np.zeros((len(targets), train.values.shape[1]))
        if open_weekdays.size == 0:
            return result
        # Start on the first open weekday so that the weekly cycle is aligned with the data.
        recent = train.rows(max(0, len(train) - 7 * self.weeks), len(train))
        is_open = np.isin(recent.weekdays, open_weekdays)
        block = recent.values[is_open][:, open_slots]
        fill = np.nan_to_num(profile[recent.weekdays[is_open]][:, open_slots])
        series = np.where(np.isnan(block), fill, block).reshape(-1)
        day_period = open_slots.size
        periods = [day_period] + ([day_period * open_weekdays.size] if open_weekdays.size > 1 else [])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = MSTL(series, periods=periods if len(periods) > 1 else periods[0], stl_kwargs={"robust": False}).fit()
            seasonal = np.asarray(fit.seasonal).reshape(len(series), -1)
            adjusted = series - seasonal.sum(axis=1)
            level = float(
                np.asarray(SimpleExpSmoothing(adjusted, initialization_method="estimated").fit().forecast(1))[0]
            )
        target_weekdays = (targets.astype(np.int64) + 3) % 7
        calendar = np.arange(train.dates[-1] + 1, targets[-1] + 1)
        calendar_open = np.isin((calendar.astype(np.int64) + 3) % 7, open_weekdays)
        steps = np.cumsum(calendar_open)
        position = (targets - calendar[0]).astype(np.int64)
        n = len(series)
        for index in np.flatnonzero(np.isin(target_weekdays, open_weekdays)):
            first_step = (steps[position[index]] - 1) * day_period
            offsets = first_step + np.arange(day_period)
            day = np.full(day_period, level)
            for component, period in enumerate(periods):
                day += seasonal[n - period + offsets % period, component]
            result[index, open_slots] = np.maximum(day, 0.0)
        return result


SEASONAL_NAIVE = "seasonal_naive"
METHODS: dict[str, ForecastMethod] = {
    method.name: method
    for method in (
        SeasonalNaive(),
        RobustProfile(),
        SmoothedWeekdayProfile(),
        DailyProfileEts(),
        Mstl(),
    )
}


# --------------------------------------------------------------------------------------------------------
# Scores and backtest
# --------------------------------------------------------------------------------------------------------


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Σ|actual − forecast| ÷ Σ|actual| over the intervals where ``actual`` is observed (a fraction)."""
    actual, forecast = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    observed = ~np.isnan(actual)
    return _ratio(float(np.abs(actual - forecast)[observed].sum()), float(np.abs(actual[observed]).sum()))


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute error ÷ ``scale`` (the in-sample MAE of the weekly seasonal naive)."""
    actual, forecast = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    observed = ~np.isnan(actual)
    if not observed.any():
        return math.nan
    return _ratio(float(np.abs(actual - forecast)[observed].mean()), scale)


def _ratio(numerator: float, denominator: float) -> float:
    if denominator == 0:
        # Below 1e-9 contacts the error is floating-point rounding, not a forecast error.
        return 0.0 if numerator < 1e-9 else math.inf
    return numerator / denominator


def seasonal_naive_scale(history: VolumeSeries) -> float:
    """In-sample MAE of the weekly seasonal naive: mean |y(day, slot) − y(day − 7, slot)| where both exist."""
    return _naive_scale(_day_matrix(history).values)


def _naive_scale(values: np.ndarray) -> float:
    if values.shape[0] <= 7:
        return math.nan
    differences = np.abs(values[7:] - values[:-7])
    observed = ~np.isnan(differences)
    return float(differences[observed].mean()) if observed.any() else math.nan


@dataclass(frozen=True)
class MethodScore:
    """Backtest accuracy of one method: mean MASE over the origins and pooled WAPE (a fraction)."""

    method: str
    mase: float
    wape: float
    origins: int


@dataclass(frozen=True)
class SkippedMethod:
    """A method left out of the automatic choice, and why."""

    method: str
    reason: str


@dataclass(frozen=True, eq=False)
class ForecastResult:
    """A forecast: the method used, one value per horizon interval, and the backtest scores behind it."""

    method: str
    grid: IntervalGrid
    values: np.ndarray
    scores: tuple[MethodScore, ...]
    baseline: MethodScore | None
    skipped: tuple[SkippedMethod, ...] = ()
    notes: tuple[str, ...] = ()

    def score_of(self, method: str) -> MethodScore | None:
        return next((score for score in self.scores if score.method == method), None)


@dataclass(frozen=True)
class Backtest:
    """Backtest scores of the methods that could run, and the skipped ones with their reasons."""

    scores: tuple[MethodScore, ...]
    skipped: tuple[SkippedMethod, ...]
    origins: int


def backtest(
    history: VolumeSeries,
    methods: Sequence[str] | None = None,
    *,
    origins: int = BACKTEST_ORIGINS,
    progress: Progress | None = None,
) -> Backtest:
    """Rolling-origin backtest: origins 7, 14, … days before the end of ``history``, each forecasting 7 days."""
    names = list(METHODS) if methods is None else list(methods)
    for name in names:
        if name not in METHODS:
            raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")
    matrix = _day_matrix(history)
    return _backtest(matrix, names, origins, progress)


def _backtest(matrix: _DayMatrix, names: list[str], origins: int, progress: Progress | None) -> Backtest:
    days = len(matrix)
    usable = max(0, min(origins, (days - MIN_BACKTEST_TRAINING_DAYS) // BACKTEST_DAYS))
    if usable == 0:
        reason = (
            f"the history covers {days} days; a backtest needs at least {MIN_BACKTEST_TRAINING_DAYS + BACKTEST_DAYS}"
        )
        return Backtest((), tuple(SkippedMethod(name, reason) for name in names), 0)
    earliest = days - usable * BACKTEST_DAYS
    runnable, skipped = [], []
    for name in names:
        needed = METHODS[name].min_history_days
        if earliest < needed:
            skipped.append(
                SkippedMethod(
                    name,
                    f"needs {needed} days of history before each of the {usable} backtest origins; "
                    f"the earliest has {earliest}",
                )
            )
        else:
            runnable.append(name)
    absolute_errors = dict.fromkeys(runnable, 0.0)
    absolute_actuals = dict.fromkeys(runnable, 0.0)
    per_origin_mase: dict[str, list[float]] = {name: [] for name in runnable}
    steps = usable * len(runnable)
    done = 0
    for origin in range(usable, 0, -1):
        cut = days - origin * BACKTEST_DAYS
        train = matrix.head(cut)
        actual_days = matrix.rows(cut, cut + BACKTEST_DAYS)
        actual = actual_days.values
        observed = ~np.isnan(actual)
        scale = _naive_scale(train.values)
        for name in runnable:
            forecast = METHODS[name]._predict_with_holidays(train, actual_days.dates, actual_days.is_holiday)
            absolute = np.abs(actual - forecast)[observed]
            absolute_errors[name] += float(absolute.sum())
            absolute_actuals[name] += float(np.abs(actual[observed]).sum())
            if absolute.size and not math.isnan(scale):
                per_origin_mase[name].append(_ratio(float(absolute.mean()), scale))
            done += 1
            if progress:
                progress(done / steps, f"backtest {name}, origin {usable - origin + 1} of {usable}")
    scores = tuple(
        MethodScore(
            method=name,
            mase=float(np.mean(per_origin_mase[name])) if per_origin_mase[name] else math.nan,
            wape=_ratio(absolute_errors[name], absolute_actuals[name]),
            origins=usable,
        )
        for name in runnable
    )
    return Backtest(scores, tuple(skipped), usable)


def choose(scores: Sequence[MethodScore]) -> MethodScore:
    """The lowest WAPE; ties go to the method listed first in ``METHODS`` (the simpler one)."""
    order = list(METHODS)
    return min(scores, key=lambda score: (score.wape, order.index(score.method)))


def _check_horizon(history: VolumeSeries, horizon: IntervalGrid) -> None:
    if len(horizon) == 0:
        raise ValueError("the horizon has no intervals")
    last = history.starts_utc[-1]
    if horizon.starts_utc[0] <= last:
        raise ValueError("the horizon must start after the last interval of the history")
    limit = last + np.timedelta64(MAX_HORIZON_DAYS * 1440, "m")
    if horizon.starts_utc[-1] > limit:
        raise ValueError(f"horizon reaches beyond the 8-week limit ({MAX_HORIZON_DAYS} days after the history)")


def forecast(
    history: VolumeSeries,
    horizon: IntervalGrid,
    *,
    method: str = "auto",
    origins: int = BACKTEST_ORIGINS,
    progress: Progress | None = None,
) -> ForecastResult:
    """Forecast ``horizon`` with ``method`` (``auto``: the best by backtest WAPE), with the backtest scores.

    The backtest always scores the seasonal naive (the baseline) and, for a chosen method, that method.
    """
    if method != "auto" and method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from auto, {', '.join(METHODS)}")
    if horizon.interval_minutes != history.grid.interval_minutes:
        raise ValueError("the horizon and the history must have the same interval")
    _check_horizon(history, horizon)

    def report(fraction: float, message: str) -> None:
        if progress:
            progress(round(0.9 * fraction, 4), message)

    names = list(METHODS) if method == "auto" else list(dict.fromkeys([SEASONAL_NAIVE, method]))
    result = _backtest(_day_matrix(history), names, origins, report)
    notes: list[str] = []
    if method == "auto":
        if result.scores:
            chosen = choose(result.scores).method
        else:
            chosen = SEASONAL_NAIVE
            notes.append(
                f"too little history to backtest ({result.skipped[0].reason}); using the seasonal naive"
                if result.skipped
                else "using the seasonal naive"
            )
    else:
        chosen = method
    if progress:
        progress(0.9, f"fitting {chosen}")
    values = METHODS[chosen].fit_predict(history, horizon)
    if progress:
        progress(1.0, "done")
    baseline = next((score for score in result.scores if score.method == SEASONAL_NAIVE), None)
    return ForecastResult(
        method=chosen,
        grid=horizon,
        values=values,
        scores=result.scores,
        baseline=baseline,
        skipped=result.skipped,
        notes=tuple(notes),
    )


def timed_fit_predict(name: str, history: VolumeSeries, horizon: IntervalGrid) -> tuple[np.ndarray, float]:
    """``METHODS[name].fit_predict`` and the seconds it took (for benchmarks)."""
    started = time.perf_counter()
    values = METHODS[name].fit_predict(history, horizon)
    return values, time.perf_counter() - started


# --------------------------------------------------------------------------------------------------------
# AHT
# --------------------------------------------------------------------------------------------------------


def forecast_aht(
    history: VolumeSeries, aht_seconds: np.ndarray, horizon: IntervalGrid, *, weeks: int = 8
) -> np.ndarray:
    """AHT per horizon interval: the volume-weighted weekday × slot mean of the last ``weeks`` weeks.

    Falls back to the slot's volume-weighted mean over all weekdays, then to the overall one. Intervals
    with missing volume or AHT, or zero volume, carry no weight.
    """
    aht = np.asarray(aht_seconds, dtype=np.float64)
    if aht.shape != history.values.shape:
        raise ValueError(f"{aht.size} AHT values for {history.values.size} intervals")
    if np.any(aht[~np.isnan(aht)] < 0):
        raise ValueError("AHT must not be negative")
    _check_horizon(history, horizon)
    usable = ~np.isnan(aht) & ~np.isnan(history.values)
    volume = np.where(usable, history.values, 0.0)
    weighted = np.where(usable, history.values * np.nan_to_num(aht), 0.0)
    if volume.sum() <= 0:
        raise ValueError("no handled volume in the history to learn AHT from")
    volume_matrix, weighted_matrix = _day_matrix(history, volume), _day_matrix(history, weighted)
    start = max(0, len(volume_matrix) - 7 * weeks)
    weekdays = volume_matrix.weekdays[start:]
    slots = volume_matrix.values.shape[1]
    volume_by = np.zeros((7, slots))
    weighted_by = np.zeros((7, slots))
    np.add.at(volume_by, weekdays, np.nan_to_num(volume_matrix.values[start:]))
    np.add.at(weighted_by, weekdays, np.nan_to_num(weighted_matrix.values[start:]))
    overall = weighted_by.sum() / volume_by.sum() if volume_by.sum() > 0 else weighted.sum() / volume.sum()
    slot_volume, slot_weighted = volume_by.sum(axis=0), weighted_by.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_slot = np.where(slot_volume > 0, slot_weighted / slot_volume, overall)
        profile = np.where(volume_by > 0, weighted_by / volume_by, by_slot[None, :])
    return profile[horizon.local_weekday, horizon.local_slot]


__all__ = [
    "BACKTEST_DAYS",
    "BACKTEST_ORIGINS",
    "INTERVAL_MINUTES_CHOICES",
    "MAX_HORIZON_DAYS",
    "METHODS",
    "METHOD_LABELS",
    "Backtest",
    "DailyProfileEts",
    "ForecastMethod",
    "ForecastResult",
    "IntervalGrid",
    "MethodScore",
    "Mstl",
    "RobustProfile",
    "RowError",
    "SeasonalNaive",
    "SkippedMethod",
    "VolumeSeries",
    "apply_adjustments",
    "method_label",
    "backtest",
    "choose",
    "forecast",
    "forecast_aht",
    "horizon_grid",
    "interval_grid",
    "mase",
    "seasonal_naive_scale",
    "volume_series",
    "volume_series_from_text",
    "wape",
]
