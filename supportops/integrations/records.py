"""The neutral record every helpdesk parser produces, and the record-level errors they raise.

Pure: no Django. A parser checks every record of a payload and raises ``RecordErrors`` naming each
bad record by its 0-based index and external id, and the field, before anything is stored.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CUSTOMER = "customer"
AGENT = "agent"
BOT = "bot"
SYSTEM = "system"


@dataclass(frozen=True)
class MessageRecord:
    """One transcript message: who wrote it (customer, agent, bot, system), when, and the plain text."""

    author_role: str
    body: str
    sent_at: datetime
    author_name: str = ""


@dataclass(frozen=True)
class ConversationRecord:
    """One conversation as a helpdesk described it, before agents and queues are looked up.

    ``assignee_id`` / ``assignee_email`` identify the agent (mapped through ``HelpdeskIdentity``, else the
    e-mail); ``routing_id`` is the Zendesk group or Intercom team (mapped through ``HelpdeskQueueMapping``).
    CSV files name the agent by e-mail and the queue by name (``queue_name``) instead.
    """

    external_id: str
    created_at: datetime
    subject: str = ""
    assignee_id: str | None = None
    assignee_email: str | None = None
    routing_id: str | None = None
    queue_name: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    handle_time_seconds: int | None = None
    reopen_count: int = 0
    csat_score: int | None = None
    csat_comment: str = ""
    tags: list[str] = field(default_factory=list)
    messages: list[MessageRecord] | None = None


@dataclass(frozen=True)
class RecordError:
    """One problem of one record: its 0-based index (-1: the file as a whole), external id, field and message."""

    index: int
    external_id: str | None
    field: str
    message: str


class RecordErrors(Exception):  # noqa: N818 - a collection of errors, raised as one
    """A payload refused as a whole; ``errors`` lists every problem found, in record order."""

    def __init__(self, errors: list[RecordError]):
        self.errors = sorted(errors, key=lambda error: error.index)
        super().__init__(describe(self.errors[0]) if self.errors else "Refused.")


def describe(error: RecordError) -> str:
    """“Record 2 (#35437): created_at: Give a date-time.”; problems of the file as a whole say “File”."""
    if error.index < 0:
        return f"File: {error.field}: {error.message}"
    where = f"Record {error.index}" + (f" (#{error.external_id})" if error.external_id else "")
    return f"{where}: {error.field}: {error.message}"


class FieldReader:
    """Reads typed fields of one vendor object, collecting errors instead of stopping at the first."""

    def __init__(self, index: int, external_id: str | None = None):
        self.index = index
        self.external_id = external_id
        self.errors: list[RecordError] = []

    def fail(self, name: str, message: str) -> None:
        self.errors.append(RecordError(self.index, self.external_id, name, message))

    def object(self, value: Any, name: str, *, required: bool = False) -> dict[str, Any] | None:
        if value is None:
            if required:
                self.fail(name, "Missing; expected an object.")
            return None
        if not isinstance(value, dict):
            self.fail(name, f"Expected an object, got {type_name(value)}.")
            return None
        return value

    def list(self, value: Any, name: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, f"Expected a list, got {type_name(value)}.")
            return []
        return value

    def text(self, value: Any, name: str, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.fail(name, "Missing; expected text.")
            return None
        if not isinstance(value, str):
            self.fail(name, f"Expected text, got {type_name(value)}.")
            return None
        return value

    def integer(self, value: Any, name: str, *, required: bool = False) -> int | None:
        if value is None:
            if required:
                self.fail(name, "Missing; expected a whole number.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"Expected a whole number, got {type_name(value)}.")
            return None
        return value

    def identifier(self, value: Any, name: str, *, required: bool = False) -> str | None:
        """An id sent as a number (Zendesk) or a string (Intercom), kept as text."""
        if value is None or value == "":
            if required:
                self.fail(name, "Missing; every record needs its helpdesk id.")
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.fail(name, f"Expected an id (number or text), got {type_name(value)}.")
            return None
        return str(value)

    def iso_datetime(self, value: Any, name: str, *, required: bool = False) -> datetime | None:
        """An ISO 8601 date-time with an offset (``2026-03-01T09:00:00Z``), in UTC."""
        text = self.text(value, name, required=required)
        if text is None:
            return None
        return self.parse_iso(text, name)

    def parse_iso(self, text: str, name: str) -> datetime | None:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            self.fail(name, f"“{text}” is not an ISO 8601 date-time (e.g. 2026-03-01T09:00:00Z).")
            return None
        if moment.tzinfo is None:
            self.fail(name, f"“{text}” has no time zone offset (e.g. 2026-03-01T09:00:00Z).")
            return None
        return moment.astimezone(UTC)

    def unix_datetime(self, value: Any, name: str, *, required: bool = False) -> datetime | None:
        """A UNIX timestamp in seconds, as Intercom sends them."""
        seconds = self.integer(value, name, required=required)
        if seconds is None:
            return None
        if seconds < 0:
            self.fail(name, f"{seconds} is not a valid UNIX timestamp.")
            return None
        return datetime.fromtimestamp(seconds, tz=UTC)


def type_name(value: Any) -> str:
    """The JSON name of a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


def plain_text(markup: str) -> str:
    """HTML message bodies (Intercom's) as plain text: tags dropped, entities decoded, paragraphs kept."""
    text = _BREAK.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    return _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()
