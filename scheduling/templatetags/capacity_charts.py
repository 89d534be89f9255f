"""Charts and figures of the capacity page, drawn on the server as inline SVG (no chart library, no script).

A week chart spans Monday 00:00 to the next Monday 00:00 in the queue's zone; x is proportional to real
time, so a DST day is 23 or 25 hours wide and its intervals stay where they happened. Values are drawn
at the middle of their interval. Gridline values are written at the start of every day, so a phone that
scrolls the chart sideways still sees the scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone

from scheduling.forms import CapacityWeek, method_label

register = template.Library()

WIDTH = 1120.0
_HOURS_WITH_TICKS = (6, 12, 18)


@register.filter(name="method_label")
def method_label_filter(name: str) -> str:
    """A forecasting method's name as the page shows it."""
    return method_label(name or "")


@register.filter
def percent(fraction: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: 0.1234 → “12.3 %”; empty → “—”."""
    if fraction is None or not math.isfinite(fraction):
        return "—"
    return f"{fraction * 100:.{digits}f} %"


@register.filter
def signed_hours(value: float | None) -> str:
    """A change in agent-hours with its sign: 42 → “+42.0 h”, −3.5 → “−3.5 h”."""
    if value is None:
        return "—"
    sign = "+" if value >= 0 else "−"
    return f"{sign}{abs(value):,.1f} h"


@register.filter
def signed_percent(fraction: float | None) -> str:
    """A change as a signed percentage: 0.128 → “+12.8 %”, −0.05 → “−5.0 %”."""
    if fraction is None or not math.isfinite(fraction):
        return "—"
    sign = "+" if fraction >= 0 else "−"
    return f"{sign}{abs(fraction) * 100:.1f} %"


@register.filter
def ratio(value: float | None) -> str:
    """A score such as MASE with two decimals; empty → “—”."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.2f}"


@register.filter
def hours(value: float | None) -> str:
    """Agent-hours, grouped by thousands: 1234.5 → “1,234.5 h”."""
    if value is None:
        return "—"
    return f"{value:,.1f} h"


@register.filter
def factor_change(factor: float) -> str:
    """A multiplier as a change: 1.2 → “+20 %”, 0.5 → “−50 %”."""
    change = (factor - 1) * 100
    sign = "+" if change >= 0 else "−"
    return f"{sign}{abs(change):g} %"


def _nice_step(peak: float, *, ticks: int = 4, whole: bool = False) -> float:
    """A round gridline step (1, 2, 2.5 or 5 × 10ⁿ) giving about ``ticks`` lines up to ``peak``."""
    raw = max(peak, 1e-9) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if step >= raw and (not whole or step == int(step)):
            return step
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:.1f}"


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits in the SVG and how values and instants map onto it."""

    week: CapacityWeek
    height: float
    top: float
    bottom: float  # y of the x axis
    top_value: float

    def x(self, instant: datetime) -> float:
        span = (self.week.end - self.week.start).total_seconds()
        return round((instant - self.week.start).total_seconds() / span * WIDTH, 1)

    def y(self, value: float) -> float:
        return round(self.bottom - (value / self.top_value) * (self.bottom - self.top), 1)


def _frame(
    week: CapacityWeek, *, height: float, top: float, axis_room: float, peak: float, whole: bool
) -> tuple[_Frame, list[dict[str, Any]]]:
    step = _nice_step(peak * 1.05 if peak else 1, whole=whole)
    top_value = step * max(1, math.ceil(peak * 1.05 / step)) if peak else step * 4
    frame = _Frame(week=week, height=height, top=top, bottom=height - axis_room, top_value=top_value)
    gridlines = []
    value = step
    while value <= top_value + 1e-9:
        gridlines.append({"y": frame.y(value), "label_y": round(frame.y(value) - 3, 1), "label": _number(value)})
        value += step
    return frame, gridlines


def _days(frame: _Frame) -> list[dict[str, Any]]:
    days = []
    zone = frame.week.zone
    for index, day in enumerate(frame.week.days):
        ticks = []
        for hour in _HOURS_WITH_TICKS:
            local = datetime(day.day.year, day.day.month, day.day.day, hour, tzinfo=zone)
            ticks.append({"x": frame.x(local), "label": f"{hour:02d}"})
        x_start, x_end = frame.x(day.start), frame.x(day.end)
        days.append(
            {
                "x": x_start,
                "width": round(x_end - x_start, 1),
                "middle": round((x_start + x_end) / 2, 1),
                "label": f"{day.day:%a} {day.day.day} {day.day:%b}",
                "is_weekend": day.day.weekday() >= 5,
                "is_first": index == 0,
                "ticks": ticks,
                "label_x": round(x_start + 4, 1),
                "plot_height": round(frame.bottom - frame.top, 1),
                "separator_end": round(frame.bottom + 36, 1),
                "tick_end": round(frame.bottom + 4, 1),
                "hour_y": round(frame.bottom + 14, 1),
                "day_y": round(frame.bottom + 31, 1),
            }
        )
    return days


def _segments(points: Sequence[tuple[datetime, float]], interval: timedelta) -> list[list[tuple[datetime, float]]]:
    """Consecutive runs of points; a missing interval starts a new run (the line breaks there)."""
    runs: list[list[tuple[datetime, float]]] = []
    for start, value in points:
        if runs and start - runs[-1][-1][0] == interval:
            runs[-1].append((start, value))
        else:
            runs.append([(start, value)])
    return runs


def _line_path(frame: _Frame, points: Sequence[tuple[datetime, float]], interval: timedelta) -> str:
    half = interval / 2
    parts = []
    for run in _segments(points, interval):
        coordinates = " L".join(f"{frame.x(start + half)},{frame.y(value)}" for start, value in run)
        parts.append(f"M{coordinates}")
    return " ".join(parts)


def _area_path(frame: _Frame, points: Sequence[tuple[datetime, float]], interval: timedelta) -> str:
    half = interval / 2
    parts = []
    for run in _segments(points, interval):
        first, last = frame.x(run[0][0] + half), frame.x(run[-1][0] + half)
        coordinates = " L".join(f"{frame.x(start + half)},{frame.y(value)}" for start, value in run)
        parts.append(f"M{first},{frame.bottom} L{coordinates} L{last},{frame.bottom} Z")
    return " ".join(parts)


def _step_path(frame: _Frame, points: Sequence[tuple[datetime, float]], interval: timedelta, *, closed: bool) -> str:
    """A staircase: each value held for the whole of its interval (closed down to the axis for an area)."""
    parts = []
    for run in _segments(points, interval):
        commands = [f"M{frame.x(run[0][0])},{frame.bottom if closed else frame.y(run[0][1])}"]
        for start, value in run:
            commands.append(f"V{frame.y(value)} H{frame.x(start + interval)}")
        if closed:
            commands.append(f"V{frame.bottom} Z")
        parts.append(" ".join(commands))
    return " ".join(parts)


def _now_marker(frame: _Frame) -> dict[str, Any] | None:
    """Where “now” is drawn when it falls in the week, its label kept inside the chart."""
    now = timezone.now()
    if not frame.week.start <= now < frame.week.end:
        return None
    x = frame.x(now)
    anchor = "start" if x < 24 else "end" if x > WIDTH - 24 else "middle"
    return {"x": x, "anchor": anchor}


def _clock(week: CapacityWeek, start: datetime, interval: timedelta) -> str:
    local_start, local_end = start.astimezone(week.zone), (start + interval).astimezone(week.zone)
    return f"{local_start:%a} {local_start.day} {local_start:%b}, {local_start:%H:%M}–{local_end:%H:%M}"


@register.inclusion_tag("scheduling/charts/volume.html")
def volume_chart(week: CapacityWeek, history: Iterable[Any], intervals: Iterable[Any]) -> dict[str, Any]:
    """History, statistical and adjusted forecast volume per interval over the week."""
    interval = timedelta(minutes=week.grid.interval_minutes)
    history_points = [(row.interval_start, row.volume) for row in history]
    forecast_rows = list(intervals)
    statistical = [(row.interval_start, row.volume) for row in forecast_rows]
    # The adjusted line is drawn only where an adjustment applies; elsewhere it is the statistical line.
    adjusted = [(row.interval_start, row.adjusted_volume) for row in forecast_rows if row.adjustment_factor != 1]
    has_adjustment = bool(adjusted)
    peak = max((value for _, value in (*history_points, *statistical, *adjusted)), default=0.0)
    frame, gridlines = _frame(week, height=300, top=24, axis_room=40, peak=peak, whole=False)

    by_start: dict[datetime, dict[str, float]] = {}
    for start, value in history_points:
        by_start.setdefault(start, {})["history"] = value
    for row in forecast_rows:
        figures = by_start.setdefault(row.interval_start, {})
        figures["forecast"] = row.volume
        figures["adjusted"] = row.adjusted_volume
    columns = []
    for start in sorted(by_start):
        figures = by_start[start]
        text = [_clock(week, start, interval)]
        if "history" in figures:
            text.append(f"history {figures['history']:g}")
        if "forecast" in figures:
            text.append(f"forecast {figures['forecast']:.1f}")
            if has_adjustment:
                text.append(f"adjusted {figures['adjusted']:.1f}")
        columns.append(
            {
                "x": frame.x(start),
                "width": round(frame.x(start + interval) - frame.x(start), 2),
                "title": " · ".join(text),
            }
        )
    total_history = sum(value for _, value in history_points)
    total_forecast = sum(row.adjusted_volume for row in forecast_rows)
    summary = (
        f"Contacts per {week.grid.interval_minutes}-minute interval, week of {week.monday:%d %b %Y}: "
        f"history {total_history:,.0f} in total, forecast {total_forecast:,.0f}."
    )
    return {
        "width": WIDTH,
        "height": frame.height,
        "top": frame.top,
        "bottom": frame.bottom,
        "gridlines": gridlines,
        "days": _days(frame),
        "now": _now_marker(frame),
        "history_area": _area_path(frame, history_points, interval),
        "history_line": _line_path(frame, history_points, interval),
        "statistical_line": _line_path(frame, statistical, interval),
        "adjusted_line": _line_path(frame, adjusted, interval) if has_adjustment else "",
        "columns": columns,
        "columns_height": round(frame.bottom - frame.top, 1),
        "summary": summary,
    }


@register.inclusion_tag("scheduling/charts/requirements.html")
def requirement_chart(week: CapacityWeek, intervals: Iterable[Any], what_if: Any = None) -> dict[str, Any]:
    """Required agents per interval (after shrinkage): the forecast's own, and a what-if's beside it."""
    interval = timedelta(minutes=week.grid.interval_minutes)
    baseline, tried = _requirement_series(week, intervals, what_if)
    peak = float(max((value for _, value in (*baseline, *tried)), default=0))
    frame, gridlines = _frame(week, height=200, top=24, axis_room=40, peak=peak, whole=True)
    tried_by_start = dict(tried)
    columns = []
    for start, value in baseline:
        text = f"{_clock(week, start, interval)} · {value} agent{'s' if value != 1 else ''}"
        if what_if is not None:
            text += f" · what-if {tried_by_start.get(start, 0)}"
        columns.append(
            {"x": frame.x(start), "width": round(frame.x(start + interval) - frame.x(start), 2), "title": text}
        )
    peak_agents = max((value for _, value in baseline), default=0)
    summary = f"Required agents per interval, week of {week.monday:%d %b %Y}: at most {peak_agents}"
    if what_if is not None:
        summary += f"; with the what-if at most {max((value for _, value in tried), default=0)}"
    return {
        "width": WIDTH,
        "height": frame.height,
        "top": frame.top,
        "bottom": frame.bottom,
        "gridlines": gridlines,
        "days": _days(frame),
        "now": _now_marker(frame),
        "baseline_area": _step_path(frame, baseline, interval, closed=True),
        "what_if_line": _step_path(frame, tried, interval, closed=False) if what_if is not None else "",
        "columns": columns,
        "columns_height": round(frame.bottom - frame.top, 1),
        "summary": summary + ".",
    }


def _requirement_series(
    week: CapacityWeek, intervals: Iterable[Any], what_if: Any
) -> tuple[list[tuple[datetime, int]], list[tuple[datetime, int]]]:
    """(start, agents) of the forecast and of the what-if, within the week."""
    if what_if is None:
        baseline = [(row.interval_start, row.required_agents or 0) for row in intervals]
        return baseline, []
    baseline, tried = [], []
    for start, base, changed in zip(
        what_if.interval_start, what_if.baseline_required_agents, what_if.required_agents, strict=True
    ):
        if week.start <= start < week.end:
            baseline.append((start, base))
            tried.append((start, changed))
    return baseline, tried


@dataclass(frozen=True)
class RequirementTotals:
    """Agent-hours and peak agents of the week (and of the whole what-if horizon), forecast and tried."""

    week_hours: float
    week_peak: int
    what_if_week_hours: float | None = None
    what_if_week_peak: int | None = None
    horizon_hours: float | None = None
    what_if_horizon_hours: float | None = None

    @property
    def week_change(self) -> float | None:
        if self.what_if_week_hours is None:
            return None
        return self.what_if_week_hours - self.week_hours

    @property
    def week_change_percent(self) -> float | None:
        if self.what_if_week_hours is None or not self.week_hours:
            return None
        return (self.what_if_week_hours - self.week_hours) / self.week_hours


@register.simple_tag
def requirement_totals(week: CapacityWeek, intervals: Iterable[Any], what_if: Any = None) -> RequirementTotals:
    """Agent-hours (required agents × interval length) and peaks for the figures beside the chart."""
    hours_per_interval = week.grid.interval_minutes / 60
    baseline, tried = _requirement_series(week, intervals, what_if)
    totals = RequirementTotals(
        week_hours=sum(value for _, value in baseline) * hours_per_interval,
        week_peak=max((value for _, value in baseline), default=0),
    )
    if what_if is None:
        return totals
    return RequirementTotals(
        week_hours=totals.week_hours,
        week_peak=totals.week_peak,
        what_if_week_hours=sum(value for _, value in tried) * hours_per_interval,
        what_if_week_peak=max((value for _, value in tried), default=0),
        horizon_hours=what_if.baseline_agent_hours,
        what_if_horizon_hours=what_if.agent_hours,
    )


@register.simple_tag
def day_totals(week: CapacityWeek, history: Iterable[Any], intervals: Iterable[Any]) -> list[dict[str, Any]]:
    """Per local day: history contacts, forecast (statistical and adjusted), peak agents and agent-hours."""
    hours_per_interval = week.grid.interval_minutes / 60
    rows: list[dict[str, Any]] = [
        {"day": day.day, "history": None, "forecast": None, "adjusted": None, "peak": None, "agent_hours": None}
        for day in week.days
    ]

    def row_of(instant: datetime) -> dict[str, Any] | None:
        for index, day in enumerate(week.days):
            if day.start <= instant < day.end:
                return rows[index]
        return None

    for volume in history:
        row = row_of(volume.interval_start)
        if row is not None:
            row["history"] = (row["history"] or 0) + volume.volume
    for interval in intervals:
        row = row_of(interval.interval_start)
        if row is None:
            continue
        row["forecast"] = (row["forecast"] or 0) + interval.volume
        row["adjusted"] = (row["adjusted"] or 0) + interval.adjusted_volume
        agents = interval.required_agents or 0
        row["peak"] = max(row["peak"] or 0, agents)
        row["agent_hours"] = (row["agent_hours"] or 0) + agents * hours_per_interval
    return rows


def _plain_number(value: float) -> str:
    """A number as people write it: 20.0 → “20”, 12.5 → “12.5”, 1500 → “1,500”."""
    rounded = round(float(value), 2)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.2f}".rstrip("0").rstrip(".")


def _signed_number(value: float) -> str:
    sign = "+" if value >= 0 else "−"
    return f"{sign}{_plain_number(abs(value))}"


# service key → how a change reads, in the order the what-if controls show them
_CHANGE_WORDS: tuple[tuple[str, Any], ...] = (
    ("volume_percent", lambda value: f"volume {_signed_number(value)} %"),
    ("aht_seconds", lambda value: f"AHT {_plain_number(value)} s"),
    ("service_level_percent", lambda value: f"service level {_plain_number(value)} %"),
    ("answer_within_seconds", lambda value: f"answered within {_plain_number(value)} s"),
    ("shrinkage", lambda value: f"shrinkage {_plain_number(value * 100)} %"),
    ("max_occupancy", lambda value: f"max occupancy {_plain_number(value * 100)} %"),
    ("concurrency", lambda value: f"{_plain_number(value)} chat{'s' if value != 1 else ''} at once"),
)


@register.filter
def scenario_changes(changes: dict[str, Any] | None) -> str:
    """A scenario's changes in words: {"volume_percent": 20, "shrinkage": 0.1} → “Volume +20 %, shrinkage 10 %”."""
    words = [describe(changes[key]) for key, describe in _CHANGE_WORDS if changes and changes.get(key) is not None]
    if not words:
        return "As forecast"
    text = ", ".join(words)
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class ScenarioTableColumn:
    """One column of the scenario table: the forecast's own requirement or a saved scenario's."""

    name: str
    changes: str
    scenario_id: int | None
    day_hours: list[float | None]
    agent_hours: float
    agent_hours_change: float
    change_fraction: float | None
    peak_required_agents: int

    @property
    def is_forecast(self) -> bool:
        return self.scenario_id is None


@dataclass(frozen=True)
class ScenarioTable:
    """The forecast and its scenarios side by side: agent-hours per local day of the week shown, then totals."""

    days: list[Any]
    columns: list[ScenarioTableColumn]

    @property
    def rows(self) -> list[tuple[Any, list[float | None]]]:
        """(day, agent-hours of each column), one per local day of the week."""
        return [(day, [column.day_hours[index] for column in self.columns]) for index, day in enumerate(self.days)]

    @property
    def has_scenarios(self) -> bool:
        return len(self.columns) > 1


@register.simple_tag
def scenario_table(week: CapacityWeek, compared: Sequence[Any]) -> ScenarioTable:
    """Arrange ``(ScenarioColumn, scenario id or None)`` pairs, the forecast first, for the side-by-side table."""
    days = [day.day for day in week.days]
    baseline_hours = compared[0][0].agent_hours if compared else 0.0
    columns = [
        ScenarioTableColumn(
            name=column.name,
            changes=scenario_changes(column.changes),
            scenario_id=scenario_id,
            day_hours=[column.agent_hours_by_day.get(day) for day in days],
            agent_hours=column.agent_hours,
            agent_hours_change=column.agent_hours_change,
            change_fraction=column.agent_hours_change / baseline_hours if baseline_hours else None,
            peak_required_agents=column.peak_required_agents,
        )
        for column, scenario_id in compared
    ]
    return ScenarioTable(days=days, columns=columns)
