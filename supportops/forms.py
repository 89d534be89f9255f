"""Forms of the pages: sign-in, and the filter bars of the agent and conversation directories.

Filter forms never fail a page: a value that does not validate is left out of the search and named
in a notice above the results (``ignored_filters``), so a stale bookmark or a hand-edited URL still
shows a useful list.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet

from .choices import AgentStatus, Tier
from .models import Queue, Team
from .selectors import CONVERSATION_CSAT_FILTERS

MAX_DATE_RANGE_DAYS = 366


class LoginForm(AuthenticationForm):
    """The sign-in form with the attributes browsers and password managers expect."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class FilterForm(forms.Form):
    """A GET filter form that keeps its valid values and reports the invalid ones instead of failing."""

    def ignored_filters(self) -> list[str]:
        """One sentence per rejected value, naming the filter."""
        if not self.is_bound or self.is_valid():
            return []
        notices: list[str] = []
        for name, messages in self.errors.items():
            label = self.fields[name].label if name in self.fields else "Filters"
            notices.extend(f"{label}: {message}" for message in messages)
        return notices

    def value(self, name: str) -> Any:
        """The cleaned value of a filter, or None when it is missing or invalid."""
        self.is_valid()
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


class AgentFilterForm(FilterForm):
    """Search and filters of the agent directory; ``teams`` limits the team choices to the viewer's."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="All teams",
        error_messages={"invalid_choice": "there is no team “%(value)s” among yours, so it was ignored."},
    )
    tier = forms.ChoiceField(
        label="Tier",
        choices=[("", "All tiers"), *Tier.choices],
        required=False,
        error_messages={"invalid_choice": "“%(value)s” is not a tier (L1, L2 or L3), so it was ignored."},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "All statuses"), *AgentStatus.choices],
        required=False,
        error_messages={"invalid_choice": "“%(value)s” is not an agent status, so it was ignored."},
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = teams

    def search(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.agent_directory``, valid values only."""
        return {
            "q": self.value("q") or "",
            "team": self.value("team"),
            "tier": self.value("tier") or "",
            "status": self.value("status") or "",
        }


class DateInput(forms.DateInput):
    """A native date picker."""

    input_type = "date"


class ConversationFilterForm(FilterForm):
    """Search and filters of the conversation list; dates are days in ``zone``, both ends included."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "give a date as YYYY-MM-DD; it was ignored."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "give a date as YYYY-MM-DD; it was ignored."},
    )
    queue = forms.ModelChoiceField(
        label="Queue",
        queryset=Queue.objects.order_by("name"),
        required=False,
        empty_label="All queues",
        error_messages={"invalid_choice": "there is no queue “%(value)s”, so it was ignored."},
    )
    csat = forms.ChoiceField(
        label="CSAT",
        choices=[("", "Any CSAT"), *[(key, label) for key, (label, _) in CONVERSATION_CSAT_FILTERS.items()]],
        required=False,
        error_messages={"invalid_choice": "“%(value)s” is not a CSAT filter (1 to 5, low or none), so it was ignored."},
    )

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: date | None = cleaned.get("date_from")
        end: date | None = cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "the end date is before the start date; it was ignored.")
        elif start and end and (end - start).days > MAX_DATE_RANGE_DAYS:
            self.add_error("date_to", f"a range can span at most {MAX_DATE_RANGE_DAYS} days; it was ignored.")
        return cleaned

    def search(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.conversation_search``, valid values only."""
        start: date | None = self.value("date_from")
        end: date | None = self.value("date_to")
        return {
            "q": self.value("q") or "",
            "queue": self.value("queue"),
            "csat": self.value("csat") or "",
            "created_from": datetime.combine(start, time.min, tzinfo=self.zone) if start else None,
            "created_before": datetime.combine(end + timedelta(days=1), time.min, tzinfo=self.zone) if end else None,
        }
