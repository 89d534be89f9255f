"""Forms of the capacity page: the week shown, a new forecast, a manual adjustment, the what-if and its name.

Times people type are wall-clock times of the queue's planning zone; a time skipped or repeated by a
DST change is refused with the reason, never guessed. What-if values are in the units people think in
(percent, seconds) and are turned into the service's fractions here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from supportops.choices import CONCURRENT_CHANNELS
from supportops.models import Queue

from . import forecasting
from .forecasting import METHOD_LABELS, method_label
from .grid import AmbiguousLocalTime, NonexistentLocalTime, PlanningGrid, local_to_utc
from .models import StaffingSettings

DEFAULT_HORIZON_DAYS = 28
HISTORY_BUILD_DAYS = 84
MAX_IMPORT_BYTES = 20 * 1024 * 1024

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")


def parse_iso_week(text: str) -> date:
    """The Monday of an ISO week written ``2026-W11`` (what ``<input type=week>`` sends)."""
    match = _ISO_WEEK.match(text.strip())
    if match is None:
        raise ValueError(f"“{text}” is not a week like 2026-W11")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as error:
        raise ValueError(f"“{text}” is not a week of the calendar") from error


def iso_week(day: date) -> str:
    """The ISO week of a day, as ``2026-W11``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeekDay:
    """One local day of the week shown: its date and its UTC bounds (23, 24 or 25 hours long)."""

    day: date
    start: datetime
    end: datetime


@dataclass(frozen=True)
class CapacityWeek:
    """The ISO week shown, Monday to Sunday in the queue's planning zone, with each day's UTC bounds."""

    monday: date
    grid: PlanningGrid
    days: tuple[WeekDay, ...]

    @classmethod
    def of(cls, monday: date, grid: PlanningGrid) -> CapacityWeek:
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            start, end = grid.day_bounds(day)
            days.append(WeekDay(day=day, start=start, end=end))
        return cls(monday=monday, grid=grid, days=tuple(days))

    @classmethod
    def containing(cls, instant: datetime, grid: PlanningGrid) -> CapacityWeek:
        local_day = instant.astimezone(grid.zone).date()
        return cls.of(local_day - timedelta(days=local_day.weekday()), grid)

    @property
    def start(self) -> datetime:
        return self.days[0].start

    @property
    def end(self) -> datetime:
        return self.days[-1].end

    @property
    def zone(self) -> ZoneInfo:
        return self.grid.zone

    @property
    def sunday(self) -> date:
        return self.days[-1].day

    @property
    def iso(self) -> str:
        return iso_week(self.monday)

    @property
    def number(self) -> int:
        return self.monday.isocalendar()[1]

    @property
    def previous_iso(self) -> str:
        return iso_week(self.monday - timedelta(days=7))

    @property
    def next_iso(self) -> str:
        return iso_week(self.monday + timedelta(days=7))


def _apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown keys become form-wide errors)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ForecastRequestForm(forms.Form):
    """How far ahead to forecast (1-56 days) and with which method; ``auto`` chooses by backtest."""

    horizon_days = forms.IntegerField(
        label="Horizon (days)",
        min_value=1,
        max_value=forecasting.MAX_HORIZON_DAYS,
        initial=DEFAULT_HORIZON_DAYS,
        error_messages={
            "min_value": "Forecast at least 1 day ahead.",
            "max_value": f"Forecast at most {forecasting.MAX_HORIZON_DAYS} days (8 weeks) ahead.",
            "invalid": "Enter a whole number of days, 1 to 56.",
            "required": "Enter how many days ahead to forecast (1 to 56).",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    method = forms.ChoiceField(
        label="Method",
        choices=[("auto", METHOD_LABELS["auto"]), *((name, method_label(name)) for name in forecasting.METHODS)],
        initial="auto",
        error_messages={"invalid_choice": "Choose automatic or one of the listed methods."},
    )
    name = forms.CharField(label="Name (optional)", max_length=120, required=False)

    def apply_service_errors(self, error: ValidationError) -> None:
        _apply_service_errors(self, error)


class LocalDateTimeField(forms.Field):
    """A wall-clock date and time in a given zone (``2026-03-09T09:00``), cleaned to a UTC instant."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {
        "invalid": "Enter a date and time like 2026-03-09 09:00.",
    }
    input_formats = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")

    def __init__(self, *, zone: ZoneInfo | None = None, **kwargs: Any) -> None:
        self.zone = zone or ZoneInfo("UTC")
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        for input_format in self.input_formats:
            try:
                naive = datetime.strptime(text, input_format)  # noqa: DTZ007 - a wall-clock time of self.zone
            except ValueError:
                continue
            try:
                return local_to_utc(naive, self.zone)
            except (NonexistentLocalTime, AmbiguousLocalTime) as error:
                raise ValidationError(str(error), code="dst") from error
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class AdjustmentForm(forms.Form):
    """A manual multiplier over a range of local times (1.2 is +20 %), with the reason for it."""

    start = LocalDateTimeField(label="From")
    end = LocalDateTimeField(label="Until")
    factor = forms.FloatField(
        label="Factor",
        min_value=0,
        max_value=10,
        help_text="1.2 is +20 %, 0.5 is −50 %.",
        error_messages={
            "min_value": "The factor cannot be negative.",
            "max_value": "Use a factor of at most 10.",
            "invalid": "Enter a number such as 1.2 (for +20 %).",
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label="Reason", max_length=255, widget=forms.TextInput(attrs={"placeholder": "Launch day"})
    )

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            field = self.fields[name]
            assert isinstance(field, LocalDateTimeField)
            field.zone = zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", "End after the start.")
        factor = cleaned.get("factor")
        if factor is not None and not math.isfinite(factor):
            self.add_error("factor", "Enter a finite number.")
        return cleaned

    def apply_service_errors(self, error: ValidationError) -> None:
        _apply_service_errors(self, error)


def _plain(value: float) -> float | int:
    """A number as people write it: 80.0 → 80, 27.000000000000004 → 27, 12.5 stays 12.5."""
    rounded = round(value, 4)
    return int(rounded) if rounded == int(rounded) else rounded


def _close(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return abs(float(left) - float(right)) < 1e-9


class WhatIfForm(forms.Form):
    """Changes to try on a forecast, in percent and seconds; fields the queue's channel ignores are left out."""

    volume_percent = forms.FloatField(label="Volume change (%)", min_value=-100, max_value=1000, initial=0)
    aht_seconds = forms.FloatField(label="AHT (seconds)", min_value=1, max_value=86_400, required=False)
    service_level_percent = forms.FloatField(label="Service level (%)", min_value=1, max_value=99.9)
    answer_within_seconds = forms.IntegerField(label="Answered within (s)", min_value=0, max_value=86_400)
    shrinkage_percent = forms.FloatField(label="Shrinkage (%)", min_value=0, max_value=95)
    max_occupancy_percent = forms.FloatField(label="Max occupancy (%)", min_value=5, max_value=100)
    concurrency = forms.IntegerField(label="Chats at once", min_value=1, max_value=10)

    # form field → (service key, factor from the form's unit to the service's)
    _SERVICE_KEYS = {
        "volume_percent": ("volume_percent", 1.0),
        "aht_seconds": ("aht_seconds", 1.0),
        "service_level_percent": ("service_level_percent", 1.0),
        "answer_within_seconds": ("answer_within_seconds", 1.0),
        "shrinkage_percent": ("shrinkage", 0.01),
        "max_occupancy_percent": ("max_occupancy", 0.01),
        "concurrency": ("concurrency", 1.0),
    }

    def __init__(self, *args: Any, queue: Queue, staffing: StaffingSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_level_percent"].initial = _plain(float(queue.service_level_percent))
        self.fields["answer_within_seconds"].initial = queue.service_level_seconds
        self.fields["shrinkage_percent"].initial = _plain(staffing.total_shrinkage * 100)
        self.fields["max_occupancy_percent"].initial = _plain(staffing.max_occupancy * 100)
        self.fields["concurrency"].initial = queue.chat_concurrency
        if not queue.is_live:
            # Async queues are staffed to clear the backlog within the response time: no seconds, no occupancy.
            for name in ("service_level_percent", "answer_within_seconds", "max_occupancy_percent"):
                del self.fields[name]
        if queue.channel not in CONCURRENT_CHANNELS:
            del self.fields["concurrency"]
        self.fields["aht_seconds"].widget.attrs["placeholder"] = "As forecast"
        for field in self.fields.values():
            field.required = False  # an empty control keeps the queue's or team's own value
            field.widget.attrs.setdefault("inputmode", "decimal")

    def changes(self) -> dict[str, Any]:
        """The service's ``changes``: only the values that differ from the queue's and team's own."""
        changes: dict[str, Any] = {}
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value is None or _close(value, field.initial):
                continue
            key, unit = self._SERVICE_KEYS[name]
            changes[key] = value * unit if unit != 1.0 else value
        return changes

    def problems(self) -> list[str]:
        """Every error in words, naming the control."""
        messages: list[str] = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            messages.extend(f"{label}: {message}" if label else str(message) for message in errors)
        return messages


class ScenarioNameForm(forms.Form):
    """The name a what-if is saved under; the values come from the what-if controls beside it."""

    scenario_name = forms.CharField(
        label="Scenario name",
        max_length=120,
        error_messages={
            "required": "Name the scenario.",
            "max_length": "Use at most 120 characters.",
        },
        widget=forms.TextInput(attrs={"placeholder": "Launch week +20 %", "autocomplete": "off"}),
    )

    def apply_service_errors(self, error: ValidationError) -> None:
        """The service names the ``name``; everything else is about the what-if values."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error("scenario_name" if field == "name" else None, messages)
        else:
            self.add_error(None, error.messages)


class VolumeImportForm(forms.Form):
    """A CSV file of interval volumes to import (``interval_start,queue,volume,aht_seconds``), at most 20 MB."""

    file = forms.FileField(
        label="CSV file",
        error_messages={
            "required": "Choose a CSV file to import.",
            "empty": "The file is empty.",
            "invalid": "Choose a CSV file to import.",
        },
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; import at most 20 MB at once (split it by month).",
                code="too_large",
            )
        return upload
