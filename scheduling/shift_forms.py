"""Forms of the schedule pages: a shift in the team's zone, generation, publication, time off, swaps and decisions.

Times people type are wall-clock times: of the team's zone on the board, of the agent's own zone on "My schedule".
A time skipped or repeated by a DST change is refused on the field that holds it, never guessed. Errors a service
raises are put back on the field they name (``starts_at`` → the start field, ``peer_id`` → the colleague field…).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from supportops.models import Agent, Queue

from . import services
from .forms import LocalDateTimeField
from .grid import local_midnight
from .models import TimeOffKind
from .selectors import PublishedShift

MAX_TIME_LIMIT_SECONDS = 600


def apply_service_errors(form: forms.Form, error: ValidationError, fields: Mapping[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: ``fields`` maps the service's keys to the form's fields;
    keys the form does not have become form-wide errors."""
    names = fields or {}
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            name = names.get(key, key)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def shift_span_label(starts_at: datetime, ends_at: datetime, zone: ZoneInfo, queue_name: str = "") -> str:
    """``Mon 7 Dec, 09:00–18:00 · Alpha chat`` in ``zone`` (``+1`` when it ends the next day)."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    next_day = " (+1)" if end.date() > start.date() and end.time() != time(0) else ""
    text = f"{start:%a} {start.day} {start:%b}, {start:%H:%M}–{end:%H:%M}{next_day}"
    return f"{text} · {queue_name}" if queue_name else text


class ShiftForm(forms.Form):
    """One shift: who (new shifts only), from and until (local times in the team's zone) and the queue worked."""

    agent = forms.ModelChoiceField(
        label="Agent",
        queryset=Agent.objects.none(),
        error_messages={"required": "Choose the agent.", "invalid_choice": "Choose an agent of this team."},
    )
    starts_at = LocalDateTimeField(label="Starts")
    ends_at = LocalDateTimeField(label="Ends")
    queue = forms.ModelChoiceField(
        label="Queue",
        queryset=Queue.objects.none(),
        required=False,
        empty_label="The agent's usual queue",
        error_messages={"invalid_choice": "Choose a queue this team staffs."},
    )

    # what the services call the fields
    SERVICE_FIELDS = {"agent": "agent", "starts_at": "starts_at", "ends_at": "ends_at", "queue": "queue"}

    def __init__(
        self,
        *args: Any,
        zone: ZoneInfo,
        queues: Sequence[Queue],
        agents: Sequence[Agent] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        for name in ("starts_at", "ends_at"):
            field = self.fields[name]
            assert isinstance(field, LocalDateTimeField)
            field.zone = zone
            field.widget.attrs["step"] = 60 * 15
        queue_field = self.fields["queue"]
        assert isinstance(queue_field, forms.ModelChoiceField)
        queue_field.queryset = Queue.objects.filter(pk__in=[queue.pk for queue in queues]).order_by("name")
        queue_field.choices = [("", queue_field.empty_label), *((queue.pk, queue.name) for queue in queues)]
        if agents is None:
            del self.fields["agent"]
        else:
            agent_field = self.fields["agent"]
            assert isinstance(agent_field, forms.ModelChoiceField)
            agent_field.queryset = Agent.objects.filter(pk__in=[agent.pk for agent in agents])
            agent_field.choices = [("", "Choose…"), *((agent.pk, agent.display_name) for agent in agents)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at is not None and ends_at is not None and ends_at <= starts_at:
            self.add_error("ends_at", "The shift ends before it starts.")
        return cleaned

    def apply_service_errors(self, error: ValidationError) -> None:
        apply_service_errors(self, error, self.SERVICE_FIELDS)

    def problems(self) -> list[str]:
        """Every error in words, naming the field (for the live check beside the form)."""
        messages: list[str] = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            messages.extend(f"{label}: {message}" if label else str(message) for message in errors)
        return messages


class GenerateForm(forms.Form):
    """How long the optimizer may search (seconds); empty: the team's rule."""

    time_limit_seconds = forms.IntegerField(
        label="Time limit (seconds)",
        min_value=1,
        max_value=MAX_TIME_LIMIT_SECONDS,
        required=False,
        error_messages={
            "min_value": "Give the search at least 1 second.",
            "max_value": f"Search at most {MAX_TIME_LIMIT_SECONDS} seconds (10 minutes).",
            "invalid": "Enter a whole number of seconds, 1 to 600.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, default_seconds: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if default_seconds:
            self.fields["time_limit_seconds"].widget.attrs["placeholder"] = str(default_seconds)
            self.fields["time_limit_seconds"].help_text = f"Empty: the team's {default_seconds} s."

    def apply_service_errors(self, error: ValidationError) -> None:
        apply_service_errors(self, error, {"time_limit": "time_limit_seconds"})


class PublishForm(forms.Form):
    """Why this version is published (optional; shown in the version history)."""

    reason = forms.CharField(
        label="Note for this version (optional)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Ann's Tuesday moved to the late shift"}),
    )


class TimeOffForm(forms.Form):
    """Time off in the agent's own zone: whole days (first to last), or part of a day when times are given."""

    kind = forms.ChoiceField(label="Type", choices=TimeOffKind.choices, initial=TimeOffKind.VACATION)
    first_day = forms.DateField(
        label="First day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Choose the first day.", "invalid": "Enter a date like 2026-12-07."},
    )
    from_time = forms.TimeField(
        label="From",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time like 13:00."},
    )
    last_day = forms.DateField(
        label="Last day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date like 2026-12-08."},
    )
    until_time = forms.TimeField(
        label="Until",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Enter a time like 17:00."},
    )
    reason = forms.CharField(label="Note for your manager (optional)", max_length=500, required=False)

    SERVICE_FIELDS = {"starts_at": "first_day", "ends_at": "last_day"}

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self) -> dict[str, Any]:
        """Turn days and times into ``starts_at`` and ``ends_at`` (UTC): a day without a time is whole."""
        cleaned = super().clean() or {}
        first_day = cleaned.get("first_day")
        if first_day is None or self.errors:
            return cleaned
        last_day = cleaned.get("last_day") or first_day
        if last_day < first_day:
            self.add_error("last_day", "The last day is before the first day.")
            return cleaned
        from_time, until_time = cleaned.get("from_time"), cleaned.get("until_time")
        try:
            starts_at = (
                services.local_instant(first_day, from_time, self.zone, field="from_time")
                if from_time is not None
                else local_midnight(first_day, self.zone)
            )
            ends_at = (
                services.local_instant(last_day, until_time, self.zone, field="until_time")
                if until_time is not None
                else local_midnight(last_day + timedelta(days=1), self.zone)
            )
        except ValidationError as error:
            apply_service_errors(self, error)
            return cleaned
        if ends_at <= starts_at:
            self.add_error("until_time", "The time off ends before it starts.")
            return cleaned
        cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned

    def apply_service_errors(self, error: ValidationError) -> None:
        apply_service_errors(self, error, self.SERVICE_FIELDS)


class SwapProposeForm(forms.Form):
    """Offer one of my future published shifts to a teammate, optionally for one of theirs (both as last published:
    a manager's unpublished edit never shows here)."""

    shift = forms.TypedChoiceField(
        label="My shift",
        coerce=int,
        error_messages={"required": "Choose the shift you offer.", "invalid_choice": "Choose one of your shifts."},
    )
    peer = forms.ModelChoiceField(
        label="Colleague",
        queryset=Agent.objects.none(),
        error_messages={"required": "Choose a colleague.", "invalid_choice": "Choose a colleague of your team."},
    )
    peer_shift = forms.TypedChoiceField(
        label="In exchange for (optional)",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of your colleague's published shifts."},
    )
    message = forms.CharField(label="Message (optional)", max_length=500, required=False)

    SERVICE_FIELDS = {"shift_id": "shift", "peer_id": "peer", "peer_shift_id": "peer_shift"}

    def __init__(
        self,
        *args: Any,
        zone: ZoneInfo,
        my_shifts: Iterable[PublishedShift],
        peers: Sequence[Agent],
        peer_shifts: Iterable[PublishedShift],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shift"].choices = [  # type: ignore[attr-defined]
            ("", "Choose…"),
            *(
                (shift.shift_id, shift_span_label(shift.starts_at, shift.ends_at, zone, shift.queue_name))
                for shift in my_shifts
            ),
        ]
        peer_field = self.fields["peer"]
        assert isinstance(peer_field, forms.ModelChoiceField)
        peer_field.queryset = Agent.objects.filter(pk__in=[peer.pk for peer in peers])
        peer_field.choices = [("", "Choose…"), *((peer.pk, peer.display_name) for peer in peers)]
        names = {peer.pk: peer.display_name for peer in peers}
        grouped: dict[int, list[tuple[int, str]]] = {}
        self.peer_shift_owner: dict[int, int] = {}
        for published in peer_shifts:
            if published.agent_id not in names:
                continue
            grouped.setdefault(published.agent_id, []).append(
                (
                    published.shift_id,
                    shift_span_label(published.starts_at, published.ends_at, zone, published.queue_name),
                )
            )
            self.peer_shift_owner[published.shift_id] = published.agent_id
        self.fields["peer_shift"].choices = [  # type: ignore[attr-defined]
            ("", "Nothing: I give the shift away"),
            *((names[agent_id], options) for agent_id, options in sorted(grouped.items(), key=lambda g: names[g[0]])),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        peer, peer_shift = cleaned.get("peer"), cleaned.get("peer_shift")
        if peer is not None and peer_shift is not None and self.peer_shift_owner.get(peer_shift) != peer.pk:
            self.add_error("peer_shift", f"This shift is not {peer.display_name}'s.")
        return cleaned

    def apply_service_errors(self, error: ValidationError) -> None:
        apply_service_errors(self, error, self.SERVICE_FIELDS)


class DecisionForm(forms.Form):
    """A manager's decision on a request, with an optional note to the agent."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline"), ("reject", "Reject")])
    note = forms.CharField(label="Note to the agent (optional)", max_length=500, required=False)
