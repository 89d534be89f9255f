"""Template helpers of the schedule pages: the coverage chart (inline SVG, like the capacity charts), shifts and
time-off spans in words, and the figures of a generation report.

The coverage chart spans the team's week, Monday 00:00 to the next Monday 00:00 in the team's zone, with the
capacity charts' frame (x proportional to real time, so DST days are 23 or 25 hours wide). Per interval it draws
the agents scheduled on queue as a filled staircase, the agents required as a line over it, and the shortfall
between the two in red.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import template

from scheduling.forms import CapacityWeek
from scheduling.models import BREAK_KINDS, FIXED_KINDS, ActivityKind
from scheduling.templatetags.capacity_charts import WIDTH, _clock, _days, _frame, _now_marker, _step_path

register = template.Library()


# --- the coverage chart ----------------------------------------------------------------------------------------


def _count(value: float) -> str:
    """Agents as people read them: 2, 1.5 (agents in onboarding or nesting count for part of one)."""
    return f"{round(value, 2):g}"


def _under_path(frame: Any, points: Sequence[tuple[datetime, int, float]], interval: timedelta) -> str:
    """One rectangle per interval short of agents, from the scheduled level up to the required one."""
    parts = []
    for start, required, scheduled in points:
        if required > scheduled:
            left, right = frame.x(start), frame.x(start + interval)
            parts.append(f"M{left},{frame.y(scheduled)} H{right} V{frame.y(required)} H{left} Z")
    return " ".join(parts)


@register.inclusion_tag("scheduling/schedule/coverage_chart.html")
def coverage_chart(week: CapacityWeek, coverage: Any) -> dict[str, Any]:
    """Required against scheduled on-queue agents per interval of the week (a ``selectors.Coverage``)."""
    interval = timedelta(minutes=coverage.slot_minutes)
    rows = [
        (row.start, row.required, row.scheduled) for row in coverage.intervals if week.start <= row.start < week.end
    ]
    peak = float(max((max(required, scheduled) for _, required, scheduled in rows), default=0))
    frame, gridlines = _frame(week, height=220, top=24, axis_room=40, peak=peak, whole=True)
    columns = []
    for start, required, scheduled in rows:
        text = f"{_clock(week, start, interval)} · required {required} · scheduled {_count(scheduled)}"
        if required > scheduled:
            text += f" · short {_count(required - scheduled)}"
        elif scheduled > required:
            text += f" · over {_count(scheduled - required)}"
        columns.append(
            {"x": frame.x(start), "width": round(frame.x(start + interval) - frame.x(start), 2), "title": text}
        )
    short = sum(1 for _, required, scheduled in rows if required > scheduled)
    summary = (
        f"Agents required and scheduled on queue per {coverage.slot_minutes}-minute interval, week of "
        f"{week.monday:%d %b %Y}: at most {max((r for _, r, _ in rows), default=0)} required, "
        f"{_count(max((s for _, _, s in rows), default=0))} scheduled; "
        f"{short} interval{'s' if short != 1 else ''} short."
    )
    has_required = any(required for _, required, _ in rows)
    has_scheduled = any(scheduled for _, _, scheduled in rows)
    return {
        "width": WIDTH,
        "height": frame.height,
        "top": frame.top,
        "bottom": frame.bottom,
        "gridlines": gridlines,
        "days": _days(frame),
        "now": _now_marker(frame),
        "scheduled_area": _step_path(frame, [(s, sc) for s, _, sc in rows], interval, closed=True)
        if has_scheduled
        else "",
        "under_area": _under_path(frame, rows, interval),
        "required_line": _step_path(frame, [(s, r) for s, r, _ in rows], interval, closed=False)
        if has_required
        else "",
        "columns": columns,
        "columns_height": round(frame.bottom - frame.top, 1),
        "summary": summary,
    }


# --- shifts in words -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftView:
    """A shift as the pages write it, in one zone: ``09:00–18:00``, its queue, breaks and paid hours."""

    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime
    queue_name: str
    breaks: tuple[str, ...]
    activities: tuple[str, ...]
    paid_hours: float

    @property
    def clock(self) -> str:
        return f"{self.local_start:%H:%M}–{self.local_end:%H:%M}"

    @property
    def ends_next_day(self) -> bool:
        """True when it runs past midnight (a shift ending exactly at midnight does not)."""
        return self.local_end.date() > self.local_start.date() and self.local_end.time() != time(0)

    @property
    def weekday(self) -> str:
        """``Mon`` (Django's ``date`` filter would shift an aware time to the server's zone first)."""
        return f"{self.local_start:%a}"

    @property
    def month(self) -> str:
        return f"{self.local_start:%b}"

    @property
    def day_label(self) -> str:
        return f"{self.local_start:%a} {self.local_start.day} {self.local_start:%b}"

    @property
    def label(self) -> str:
        """``Mon 7 Dec, 09:00–18:00`` (with ``(+1)`` past midnight)."""
        return f"{self.day_label}, {self.clock}{' (+1)' if self.ends_next_day else ''}"


def _activities_of(shift: Any) -> list[Any]:
    activities = shift.activities
    return list(activities.all() if hasattr(activities, "all") else activities)


def _queue_name(shift: Any) -> str:
    if hasattr(shift, "queue_name"):
        return str(shift.queue_name)
    return shift.queue.name if getattr(shift, "queue", None) else ""


def shift_view_of(shift: Any, zone: ZoneInfo) -> ShiftView:
    """Describe a shift row or a published shift (``selectors.PublishedShift``) in ``zone``."""
    activities = sorted(_activities_of(shift), key=lambda activity: activity.starts_at)
    breaks, others = [], []
    for activity in activities:
        start, end = activity.starts_at.astimezone(zone), activity.ends_at.astimezone(zone)
        label = ActivityKind(activity.kind).label if activity.kind in ActivityKind.values else activity.kind
        if activity.kind in BREAK_KINDS:
            breaks.append(f"{label} {start:%H:%M}")
        elif activity.kind in FIXED_KINDS:
            title = f" “{activity.title}”" if activity.title else ""
            others.append(f"{label}{title} {start:%H:%M}–{end:%H:%M}")
    unpaid = sum((a.ends_at - a.starts_at).total_seconds() for a in activities if not getattr(a, "is_paid", True))
    return ShiftView(
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        local_start=shift.starts_at.astimezone(zone),
        local_end=shift.ends_at.astimezone(zone),
        queue_name=_queue_name(shift),
        breaks=tuple(breaks),
        activities=tuple(others),
        paid_hours=round(((shift.ends_at - shift.starts_at).total_seconds() - unpaid) / 3600, 2),
    )


@register.simple_tag
def shift_view(shift: Any, zone: ZoneInfo) -> ShiftView:
    """``{% shift_view shift zone as view %}``: the shift's local times, queue, breaks and paid hours."""
    return shift_view_of(shift, zone)


@register.simple_tag
def shift_label(shift: Any, zone: ZoneInfo) -> str:
    """``Mon 7 Dec, 09:00–18:00 · Alpha chat`` without reading the shift's activities (for lists of swaps)."""
    from scheduling.shift_forms import shift_span_label

    return shift_span_label(shift.starts_at, shift.ends_at, zone, _queue_name(shift))


@register.simple_tag
def span_text(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """A time span in ``zone``: whole local days read ``Mon 7 Dec – Wed 9 Dec 2026``, others
    ``Mon 7 Dec 2026, 13:00–17:00`` or ``Mon 7 Dec, 22:00 – Tue 8 Dec 2026, 06:00``."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.time() == time(0) and end.time() == time(0) and end.date() > start.date():
        last = end.date() - timedelta(days=1)
        if last == start.date():
            return f"{start:%a} {start.day} {start:%b %Y} (whole day)"
        return f"{start:%a} {start.day} {start:%b} – {last:%a} {last.day} {last:%b %Y} (whole days)"
    if start.date() == end.date():
        return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}–{end:%H:%M}"
    return f"{start:%a} {start.day} {start:%b}, {start:%H:%M} – {end:%a} {end.day} {end:%b %Y}, {end:%H:%M}"


@register.filter
def hours_short(value: float | None) -> str:
    """Hours without trailing zeros: 8.0 → “8 h”, 7.5 → “7.5 h”."""
    if value is None:
        return "—"
    rounded = round(float(value), 2)
    return f"{rounded:g} h"


@register.filter
def seconds(value: float | None) -> str:
    """A solve time: 4.234 → “4.2 s”, 75 → “1 min 15 s”."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    value = float(value)
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"


@register.filter
def number(value: float | None) -> str:
    """A figure as people write it, grouped by thousands: 1234.5 → “1,234.5”, 12.0 → “12”."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    rounded = round(float(value), 1)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.1f}"


_STATUS_WORDS = {
    "OPTIMAL": "Optimal",
    "FEASIBLE": "Best found in the time limit",
    "INFEASIBLE": "No schedule keeps every rule",
    "MODEL_INVALID": "The problem is invalid",
    "UNKNOWN": "Nothing found in the time limit",
}


@register.filter
def solver_status(status: str | None) -> str:
    """The solver's status in words: ``OPTIMAL`` → “Optimal”, ``FEASIBLE`` → “Best found in the time limit”."""
    return _STATUS_WORDS.get(status or "", status or "—")


@register.filter
def grouped_changes(changes: Iterable[dict[str, Any]] | None) -> list[tuple[str, list[str]]]:
    """A version's change lines grouped by agent, in the order they come: [(agent, [text, …]), …]."""
    groups: dict[str, list[str]] = {}
    for change in changes or []:
        groups.setdefault(str(change.get("agent", "")), []).append(str(change.get("text", "")))
    return list(groups.items())


@register.filter
def lookup(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``mapping|lookup:key``: the value under ``key``, or None."""
    return (mapping or {}).get(key)
