"""Agent state events taken in bulk (JSON rows or a CSV file), all-or-nothing: the inputs of adherence."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from supportops import access
from supportops.models import Agent, Team

from ..models import AdherenceDay, AgentState, AgentStateEvent

__all__ = [
    "AGENT_STATE_CSV_COLUMNS",
    "MAX_AGENT_STATE_ROWS",
    "AgentStateImportError",
    "AgentStateImportResult",
    "AgentStateRow",
    "agent_state_rows_from_json",
    "agent_states_import",
    "agent_states_import_csv",
    "AdherenceRecordResult",
    "adherence_days_record",
    "RECORD_ADHERENCE_MAX_DAYS",
]

AGENT_STATE_CSV_COLUMNS = ("agent", "state", "occurred_at")
MAX_AGENT_STATE_ROWS = 50_000
FUTURE_TOLERANCE = timedelta(minutes=5)


class AgentStateImportError(ValidationError):
    """A batch of state events refused as a whole.

    ``errors`` maps a position to field → messages: the 0-based row of a JSON list (``unit="row"``), or the
    1-based line of a CSV file whose header is line 1 (``unit="line"``).
    """

    def __init__(self, errors: dict[int, dict[str, list[str]]], *, unit: str = "row"):
        self.errors = errors
        self.unit = unit
        first = min(errors)
        first_field, first_messages = next(iter(errors[first].items()))
        super().__init__(f"{unit.capitalize()} {first}: {first_field}: {first_messages[0]}")

    def api_detail(self) -> dict[str, Any]:
        """The API's 400 body: the first problem in words, and every row's (or line's) errors."""
        return {
            "detail": self.message,
            f"{self.unit}s": {str(position): fields for position, fields in sorted(self.errors.items())},
        }


@dataclass(frozen=True)
class AgentStateRow:
    """One state event as received, before checking: who (username or agent id), which state, when (ISO 8601)."""

    position: int
    agent: Any
    state: Any
    occurred_at: Any


@dataclass(frozen=True)
class AgentStateImportResult:
    """What an import did: events stored, identical events already there, agents concerned, time span."""

    created: int
    unchanged: int
    agents: int
    first_occurred_at: datetime
    last_occurred_at: datetime


def agent_state_rows_from_json(data: Any) -> list[AgentStateRow]:
    """The rows of a JSON body: a list of ``{"agent", "state", "occurred_at"}`` objects (0-based rows)."""
    if not isinstance(data, list):
        raise AgentStateImportError({0: {"non_field_errors": ["Send a JSON list of state events."]}})
    rows: list[AgentStateRow] = []
    errors: dict[int, dict[str, list[str]]] = {}
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            errors[index] = {"non_field_errors": ["Each event is an object with agent, state and occurred_at."]}
            continue
        rows.append(AgentStateRow(index, item.get("agent"), item.get("state"), item.get("occurred_at")))
    if errors:
        raise AgentStateImportError(errors)
    return rows


class _AgentResolver:
    """Finds agents by username or id in two queries, and says whether the user may push their states."""

    def __init__(self, rows: Sequence[AgentStateRow], user: Any):
        keys = {str(row.agent).strip() for row in rows if row.agent not in (None, "")}
        ids = {int(key) for key in keys if key.isdigit()}
        agents = list(Agent.objects.filter(Q(user__username__in=keys) | Q(pk__in=ids)).select_related("user", "team"))
        self.by_username = {agent.user.username: agent for agent in agents}
        self.by_id = {agent.pk: agent for agent in agents}
        self.is_admin = access.is_admin(user)
        self.managed_team_ids = (
            set() if self.is_admin else set(Team.objects.filter(managers=user).values_list("pk", flat=True))
        )

    def resolve(self, raw: Any) -> tuple[Agent | None, str | None]:
        if isinstance(raw, bool) or raw is None or not str(raw).strip():
            return None, "Name the agent (username or agent id)."
        key = str(raw).strip()
        agent = self.by_username.get(key) or (self.by_id.get(int(key)) if key.isdigit() else None)
        if agent is None:
            return None, f"No agent has the username or id “{key}”."
        if not self.is_admin and agent.team_id not in self.managed_team_ids:
            return None, f"You do not manage the team of agent “{key}”."
        return agent, None


def _state(raw: Any) -> tuple[str | None, str | None]:
    text = str(raw or "").strip().lower()
    if text in AgentState.values:
        return text, None
    return None, f"“{raw or ''}” is not a state; use one of {', '.join(AgentState.values)}."


def _instant(raw: Any, now: datetime) -> tuple[datetime | None, str | None]:
    text = str(raw or "").strip()
    if not text:
        return None, "Give the time of the change (ISO 8601 with a UTC offset)."
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None, f"“{text}” is not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00+08:00)."
    if parsed.tzinfo is None:
        return None, f"“{text}” has no UTC offset; add one (e.g. Z or +08:00)."
    if parsed > now + FUTURE_TOLERANCE:
        return None, f"“{text}” is in the future."
    return parsed.astimezone(UTC), None


@transaction.atomic
def agent_states_import(*, rows: Sequence[AgentStateRow], source: str, user: Any) -> AgentStateImportResult:
    """Store agent state events all-or-nothing.

    ``agent`` is a username or an agent id (a username wins when both match); ``state`` one of available,
    on_contact, break, offline; ``occurred_at`` ISO 8601 with a UTC offset, not in the future. Admins push any
    agent's states, managers their teams' agents'. Two rows for one agent at the same instant are refused; an
    event identical to a stored one is left as it is (sending a batch twice is harmless), while a stored event
    at that instant with another state is a conflict. Every row is checked before anything is stored.
    """
    unit = "line" if source == "csv" else "row"
    whole = "file" if unit == "line" else "non_field_errors"
    if not rows:
        raise AgentStateImportError(
            {1 if unit == "line" else 0: {whole: ["Send at least one state event."]}}, unit=unit
        )
    if len(rows) > MAX_AGENT_STATE_ROWS:
        too_many = f"Send at most {MAX_AGENT_STATE_ROWS} events at once."
        raise AgentStateImportError({rows[MAX_AGENT_STATE_ROWS].position: {whole: [too_many]}}, unit=unit)
    now = timezone.now()
    resolver = _AgentResolver(rows, user)
    errors: dict[int, dict[str, list[str]]] = {}
    parsed: dict[tuple[int, datetime], tuple[int, AgentStateEvent]] = {}
    for row in rows:
        row_errors: dict[str, list[str]] = {}
        agent, problem = resolver.resolve(row.agent)
        if problem:
            row_errors["agent"] = [problem]
        state, problem = _state(row.state)
        if problem:
            row_errors["state"] = [problem]
        instant, problem = _instant(row.occurred_at, now)
        if problem:
            row_errors["occurred_at"] = [problem]
        if row_errors:
            errors[row.position] = row_errors
            continue
        assert agent is not None
        assert state is not None
        assert instant is not None
        key = (agent.pk, instant)
        if key in parsed:
            errors[row.position] = {"occurred_at": [f"Repeats {unit} {parsed[key][0]} (same agent and time)."]}
            continue
        parsed[key] = (row.position, AgentStateEvent(agent=agent, state=state, occurred_at=instant, source=source))
    if errors:
        raise AgentStateImportError(errors, unit=unit)

    instants = [instant for _, instant in parsed]
    stored = {
        (agent_id, occurred_at): state
        for agent_id, occurred_at, state in AgentStateEvent.objects.filter(
            agent_id__in={agent_id for agent_id, _ in parsed},
            occurred_at__gte=min(instants),
            occurred_at__lte=max(instants),
        ).values_list("agent_id", "occurred_at", "state")
    }
    new: list[AgentStateEvent] = []
    unchanged = 0
    for key, (position, event) in parsed.items():
        existing = stored.get(key)
        if existing is None:
            new.append(event)
        elif existing == event.state:
            unchanged += 1
        else:
            stamp = f"{event.occurred_at:%Y-%m-%d %H:%M:%S} UTC"
            errors[position] = {"state": [f"{event.agent} already has the state “{existing}” stored at {stamp}."]}
    if errors:
        raise AgentStateImportError(errors, unit=unit)
    AgentStateEvent.objects.bulk_create(new, batch_size=2000)
    return AgentStateImportResult(
        created=len(new),
        unchanged=unchanged,
        agents=len({agent_id for agent_id, _ in parsed}),
        first_occurred_at=min(instants),
        last_occurred_at=max(instants),
    )


def agent_states_import_csv(*, content: bytes, user: Any) -> AgentStateImportResult:
    """Store state events from a UTF-8 CSV file with the columns ``agent,state,occurred_at`` (any order).

    Errors name the file's line (the header is line 1); nothing is stored when any line is wrong.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AgentStateImportError(
            {1: {"file": [f"The file is not UTF-8 text (byte {error.start + 1}); save it as UTF-8 CSV."]}},
            unit="line",
        ) from error
    if "\x00" in text:
        raise AgentStateImportError({1: {"file": ["The file is not a text CSV file."]}}, unit="line")
    if not text.strip():
        raise AgentStateImportError({1: {"file": ["The file is empty."]}}, unit="line")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in AGENT_STATE_CSV_COLUMNS if column not in header]
    if missing:
        raise AgentStateImportError(
            {1: {"header": [f"Missing column(s) {', '.join(missing)}; expected {','.join(AGENT_STATE_CSV_COLUMNS)}."]}},
            unit="line",
        )
    reader.fieldnames = header
    rows: list[AgentStateRow] = []
    errors: dict[int, dict[str, list[str]]] = {}
    for record in reader:
        line = reader.line_num
        if len(rows) >= MAX_AGENT_STATE_ROWS:
            raise AgentStateImportError(
                {line: {"file": [f"Send at most {MAX_AGENT_STATE_ROWS} events at once."]}}, unit="line"
            )
        if None in record:
            errors[line] = {"file": [f"Has more values than the {len(header)} columns of the header."]}
            continue
        if not any((value or "").strip() for value in record.values()):
            continue  # a blank line
        rows.append(AgentStateRow(line, record.get("agent"), record.get("state"), record.get("occurred_at")))
    if errors:
        raise AgentStateImportError(errors, unit="line")
    if not rows:
        raise AgentStateImportError({2: {"file": ["The file has a header but no rows."]}}, unit="line")
    return agent_states_import(rows=rows, source="csv", user=user)


# --- Recorded adherence days (what team, market and queue KPIs sum) ---------------------------------------------------

RECORD_ADHERENCE_MAX_DAYS = 62


@dataclass(frozen=True)
class AdherenceRecordResult:
    """What recording a team's days did: rows written (new or recomputed), rows removed (no shift any more)."""

    written: int
    removed: int


def adherence_days_record(
    *, team: Team, first_day: date, last_day: date, now: datetime | None = None
) -> AdherenceRecordResult:
    """Record adherence of the team's agents for their local days first..last that are over (safe to repeat).

    Each finished day with a published shift of a tracked agent (one with a state event before the day's end) is
    written or recomputed; recorded days of the team's agents in the range that no longer qualify (the shift was
    removed, or the agent is no longer tracked) are removed. Days not yet over in the agent's zone are left for a
    later run. At most ``RECORD_ADHERENCE_MAX_DAYS`` days per call.
    """
    from ..selectors.adherence import adherence_by_agent_day

    if last_day < first_day:
        raise ValidationError({"last_day": "The last day comes before the first."})
    if (last_day - first_day).days + 1 > RECORD_ADHERENCE_MAX_DAYS:
        raise ValidationError({"last_day": f"At most {RECORD_ADHERENCE_MAX_DAYS} days at a time."})
    now = now or timezone.now()
    days = adherence_by_agent_day(team=team, first_day=first_day, last_day=last_day)
    tracked_until = dict(
        AgentStateEvent.objects.filter(agent_id__in={day.agent_id for day in days})
        .order_by()
        .values("agent_id")
        .annotate(first=Min("occurred_at"))
        .values_list("agent_id", "first")
    )
    keep: dict[tuple[int, date], AdherenceDay] = {}
    for day in days:
        zone = ZoneInfo(day.zone_name)
        day_start = datetime.combine(day.date, time(0), tzinfo=zone)
        day_end = datetime.combine(day.date + timedelta(days=1), time(0), tzinfo=zone)
        first_event = tracked_until.get(day.agent_id)
        if day_end > now or first_event is None or first_event >= day_end:
            continue
        keep[(day.agent_id, day.date)] = AdherenceDay(
            agent_id=day.agent_id,
            date=day.date,
            day_starts_at=day_start.astimezone(UTC),
            scheduled_minutes=day.scheduled_minutes,
            adherent_minutes=day.adherent_minutes,
            present_minutes=day.present_minutes,
            exceptions=len(day.exceptions),
        )
    with transaction.atomic():
        stale = AdherenceDay.objects.filter(agent__team=team, date__gte=first_day, date__lte=last_day)
        existing = {(row.agent_id, row.date): row.pk for row in stale.only("pk", "agent_id", "date")}
        removed_ids = [pk for key, pk in existing.items() if key not in keep]
        removed = AdherenceDay.objects.filter(pk__in=removed_ids).delete()[0] if removed_ids else 0
        AdherenceDay.objects.bulk_create(
            keep.values(),
            update_conflicts=True,
            unique_fields=["agent", "date"],
            update_fields=[
                "day_starts_at", "scheduled_minutes", "adherent_minutes", "present_minutes", "exceptions",
                "recorded_at",
            ],
        )  # fmt: skip
    return AdherenceRecordResult(written=len(keep), removed=removed)
