"""Shifts as files: an iCalendar (RFC 5545) feed, and a team week as CSV and XLSX. Pure (no Django).

Times come in as aware UTC datetimes and are written in one IANA zone: the feed's events carry a ``TZID`` with a
``VTIMEZONE`` for it (so calendar clients get DST right), the CSV and XLSX local wall-clock times.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

PRODID = "-//SupportOps//Shift calendar//EN"
UID_DOMAIN = "supportops"

ACTIVITY_LABELS = {
    "on_queue": "On queue",
    "break": "Break",
    "lunch": "Lunch",
    "training": "Training",
    "meeting": "Meeting",
    "coaching": "Coaching",
}


class ActivityLike(Protocol):
    """A part of a shift, as the schedule selectors give it (UTC times)."""

    @property
    def kind(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def title(self) -> str: ...
    @property
    def queue_name(self) -> str: ...


class FeedShift(Protocol):
    """A published shift, as ``scheduling.selectors.published_shifts`` gives it."""

    @property
    def shift_id(self) -> int: ...
    @property
    def agent_name(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def queue_name(self) -> str: ...
    @property
    def activities(self) -> Sequence[ActivityLike]: ...
    @property
    def version(self) -> int: ...
    @property
    def published_at(self) -> datetime: ...


def activity_line(activity: ActivityLike, zone: ZoneInfo) -> str:
    """``10:00-10:15 Break``, ``14:00-15:00 Training: Product update``, ``11:00-12:00 On queue: Billing``."""
    start = activity.starts_at.astimezone(zone)
    end = activity.ends_at.astimezone(zone)
    label = ACTIVITY_LABELS.get(activity.kind, activity.kind)
    detail = activity.title or (activity.queue_name if activity.kind == "on_queue" else "")
    return f"{start:%H:%M}-{end:%H:%M} {label}{': ' + detail if detail else ''}"


def activities_summary(activities: Sequence[ActivityLike], zone: ZoneInfo) -> str:
    """Every activity of a shift on one line, in time order, separated by ``; ``."""
    return "; ".join(activity_line(activity, zone) for activity in sorted(activities, key=lambda a: a.starts_at))


# --- iCalendar ------------------------------------------------------------------------------------------


def shift_summary(shift: FeedShift, *, with_agent_name: bool) -> str:
    """``Shift · Billing`` (an agent's feed) or ``Ana Lim · Shift · Billing`` (a team feed)."""
    summary = f"Shift · {shift.queue_name}" if shift.queue_name else "Shift"
    return f"{shift.agent_name} · {summary}" if with_agent_name else summary


def shift_description(shift: FeedShift, zone: ZoneInfo) -> str:
    """The queue, then one line per activity (local times), then the schedule version."""
    lines = [f"Queue: {shift.queue_name}"] if shift.queue_name else []
    lines += [activity_line(activity, zone) for activity in sorted(shift.activities, key=lambda a: a.starts_at)]
    lines.append(f"Times in {zone.key}. Published schedule, version {shift.version}.")
    return "\n".join(lines)


def build_calendar(
    *,
    name: str,
    calendar_uid: str,
    zone: ZoneInfo,
    shifts: Sequence[FeedShift],
    first_day: date,
    last_day: date,
    with_agent_names: bool,
    refresh: timedelta = timedelta(hours=1),
) -> bytes:
    """An RFC 5545 calendar with one ``VEVENT`` per shift, times in ``zone`` with its ``VTIMEZONE``.

    Each event has a stable ``UID`` (``shift-<id>@supportops``), ``SEQUENCE`` = the schedule version and
    ``DTSTAMP`` = when that version was published, so the same data always gives the same bytes.
    ``first_day``..``last_day`` bound the zone's DST rules written into the ``VTIMEZONE``.
    """
    calendar = Calendar.new(
        prodid=PRODID, name=name, uid=calendar_uid, refresh_interval=refresh, method="PUBLISH", calscale="GREGORIAN"
    )
    calendar.add("X-WR-TIMEZONE", zone.key)
    calendar.add("X-PUBLISHED-TTL", refresh)
    for shift in sorted(shifts, key=lambda item: (item.starts_at, item.agent_name, item.shift_id)):
        calendar.add_component(
            Event.new(
                uid=f"shift-{shift.shift_id}@{UID_DOMAIN}",
                summary=shift_summary(shift, with_agent_name=with_agent_names),
                description=shift_description(shift, zone),
                start=shift.starts_at.astimezone(zone),
                end=shift.ends_at.astimezone(zone),
                stamp=shift.published_at,
                last_modified=shift.published_at,
                sequence=shift.version,
            )
        )
    calendar.add_missing_timezones(first_date=first_day - timedelta(days=1), last_date=last_day + timedelta(days=1))
    return bytes(calendar.to_ical())


# --- CSV and XLSX of a team week -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportActivity:
    """A part of an exported shift (UTC times)."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    title: str
    queue_name: str
    is_paid: bool


@dataclass(frozen=True)
class ExportShift:
    """One shift of the exported week (UTC times; paid minutes exclude unpaid activities)."""

    agent_id: int
    agent_name: str
    starts_at: datetime
    ends_at: datetime
    queue_name: str
    paid_minutes: float
    activities: tuple[ExportActivity, ...]


@dataclass(frozen=True)
class ExportHeader:
    """What the file is: the team, the week, the zone its times are in, and which state of the schedule."""

    team_name: str
    week: str
    zone_name: str
    state: str
    version: int
    exported_at: datetime


CSV_COLUMNS = ("agent", "agent_id", "date", "start", "end", "paid_hours", "queue", "activities", "schedule_state")
SHIFT_COLUMNS = ("Agent", "Agent ID", "Date", "Start", "End", "Paid hours", "Queue", "Activities")
ACTIVITY_COLUMNS = ("Agent", "Date", "Activity", "Start", "End", "Minutes", "Queue", "Title", "Paid")


def _ordered(shifts: Sequence[ExportShift]) -> list[ExportShift]:
    return sorted(shifts, key=lambda shift: (shift.agent_name.casefold(), shift.agent_id, shift.starts_at))


def export_csv(header: ExportHeader, shifts: Sequence[ExportShift]) -> bytes:
    """One row per shift (UTF-8, comma-separated): local date, ``HH:MM`` start and end in the header's zone,
    paid hours with two decimals, and the schedule's state (e.g. ``published v2 + unpublished changes``)."""
    zone = ZoneInfo(header.zone_name)
    output = io.StringIO(newline="")
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for shift in _ordered(shifts):
        start = shift.starts_at.astimezone(zone)
        end = shift.ends_at.astimezone(zone)
        writer.writerow(
            [
                shift.agent_name,
                shift.agent_id,
                start.date().isoformat(),
                f"{start:%H:%M}",
                f"{end:%H:%M}",
                f"{shift.paid_minutes / 60:.2f}",
                shift.queue_name,
                activities_summary(shift.activities, zone),
                header.state,
            ]
        )
    return output.getvalue().encode("utf-8")


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """Local wall-clock time without a zone: Excel cells cannot hold one."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _bold_header(sheet: Any, columns: Sequence[str], widths: Sequence[int]) -> None:
    sheet.append(list(columns))
    for index, width in enumerate(widths, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def export_xlsx(header: ExportHeader, shifts: Sequence[ExportShift]) -> bytes:
    """A workbook with a ``Shifts`` sheet (one row per shift), an ``Activities`` sheet (one row per activity)
    and an ``About`` sheet (team, week, zone, state, version). Dates and times are real Excel dates and
    date-times in the header's zone, shown as ``yyyy-mm-dd`` and ``hh:mm``; headers are frozen."""
    zone = ZoneInfo(header.zone_name)
    workbook = Workbook()
    shifts_sheet = workbook.active
    assert shifts_sheet is not None
    shifts_sheet.title = "Shifts"
    _bold_header(shifts_sheet, SHIFT_COLUMNS, (24, 10, 12, 8, 8, 11, 20, 70))
    activities_sheet = workbook.create_sheet("Activities")
    _bold_header(activities_sheet, ACTIVITY_COLUMNS, (24, 12, 12, 8, 8, 9, 20, 30, 6))
    for shift in _ordered(shifts):
        start = _wall(shift.starts_at, zone)
        shifts_sheet.append(
            [
                shift.agent_name,
                shift.agent_id,
                start.date(),
                start,
                _wall(shift.ends_at, zone),
                round(shift.paid_minutes / 60, 2),
                shift.queue_name,
                activities_summary(shift.activities, zone),
            ]
        )
        row = shifts_sheet.max_row
        shifts_sheet.cell(row=row, column=3).number_format = "yyyy-mm-dd"
        shifts_sheet.cell(row=row, column=4).number_format = "hh:mm"
        shifts_sheet.cell(row=row, column=5).number_format = "hh:mm"
        shifts_sheet.cell(row=row, column=6).number_format = "0.00"
        for activity in sorted(shift.activities, key=lambda item: item.starts_at):
            activity_start = _wall(activity.starts_at, zone)
            activities_sheet.append(
                [
                    shift.agent_name,
                    activity_start.date(),
                    ACTIVITY_LABELS.get(activity.kind, activity.kind),
                    activity_start,
                    _wall(activity.ends_at, zone),
                    round((activity.ends_at - activity.starts_at).total_seconds() / 60),
                    activity.queue_name,
                    activity.title,
                    "yes" if activity.is_paid else "no",
                ]
            )
            activity_row = activities_sheet.max_row
            activities_sheet.cell(row=activity_row, column=2).number_format = "yyyy-mm-dd"
            activities_sheet.cell(row=activity_row, column=4).number_format = "hh:mm"
            activities_sheet.cell(row=activity_row, column=5).number_format = "hh:mm"
    if shifts_sheet.max_row > 1:
        shifts_sheet.auto_filter.ref = shifts_sheet.dimensions
    about = workbook.create_sheet("About")
    for label, value in [
        ("Team", header.team_name),
        ("Week", header.week),
        ("Time zone", header.zone_name),
        ("Schedule state", header.state),
        ("Version", header.version),
        ("Exported at (UTC)", header.exported_at.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)),
    ]:
        about.append([label, value])
    about.cell(row=6, column=2).number_format = "yyyy-mm-dd hh:mm"
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 40
    workbook.properties.title = f"{header.team_name} schedule {header.week}"
    workbook.properties.subject = header.state
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
