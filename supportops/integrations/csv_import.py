"""CSV exports of a helpdesk → neutral conversation records. Pure: no Django, no database.

The file is UTF-8 (with or without a byte-order mark) with a header row naming these columns, in any order:

external_id, created_at, agent_email, queue, subject, first_response_at, resolved_at,
handle_time_seconds, reopen_count, csat_score, tags

``external_id`` and ``created_at`` are required in every row; the others may be empty. Date-times are
ISO 8601 with an offset (``2026-03-02T09:15:00+08:00``); ``agent_email`` is an agent's login e-mail,
``queue`` a SupportOps queue name, ``csat_score`` 1-5, ``tags`` separated by ``;``. Record ``i``
(0-based) is on file line ``i + 2``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .records import ConversationRecord, FieldReader, RecordError, RecordErrors

COLUMNS = (
    "external_id",
    "created_at",
    "agent_email",
    "queue",
    "subject",
    "first_response_at",
    "resolved_at",
    "handle_time_seconds",
    "reopen_count",
    "csat_score",
    "tags",
)


def _file_error(message: str, field: str = "file") -> RecordErrors:
    return RecordErrors([RecordError(index=-1, external_id=None, field=field, message=message)])


def parse_csv(content: bytes) -> list[ConversationRecord]:
    """Every row of the file as a record, or ``RecordErrors`` naming each bad row and column."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _file_error(f"The file is not UTF-8 text (byte {error.start + 1}); save it as UTF-8 CSV.") from error
    if not text.strip():
        raise _file_error("The file is empty; send a header row and at least one conversation.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise _file_error(f"The header lacks {', '.join(missing)}; expected {', '.join(COLUMNS)}.", field="header")
    reader.fieldnames = header
    records: list[ConversationRecord] = []
    errors: list[RecordError] = []
    for index, row in enumerate(reader):
        if None in row:
            errors.append(RecordError(index, None, "row", "Has more values than the header has columns."))
            continue
        fields = FieldReader(index)
        record = _row(fields, row)
        errors.extend(fields.errors)
        if record is not None:
            records.append(record)
    if errors:
        raise RecordErrors(errors)
    if not records:
        raise _file_error("The file has a header but no conversations.")
    return records


def _row(fields: FieldReader, row: dict[str, Any]) -> ConversationRecord | None:
    def value(name: str) -> str:
        return (row.get(name) or "").strip()

    external_id = value("external_id")
    fields.external_id = external_id or None
    if not external_id:
        fields.fail("external_id", "Missing; every row needs the helpdesk's id.")
    created_at = fields.parse_iso(value("created_at"), "created_at") if value("created_at") else None
    if not value("created_at"):
        fields.fail("created_at", "Missing; give when the conversation was opened (ISO 8601 with an offset).")
    first_response_at = (
        fields.parse_iso(value("first_response_at"), "first_response_at") if value("first_response_at") else None
    )
    resolved_at = fields.parse_iso(value("resolved_at"), "resolved_at") if value("resolved_at") else None
    handle_time = _whole_number(fields, value("handle_time_seconds"), "handle_time_seconds")
    reopens = _whole_number(fields, value("reopen_count"), "reopen_count")
    csat = _whole_number(fields, value("csat_score"), "csat_score")
    if csat is not None and not 1 <= csat <= 5:
        fields.fail("csat_score", f"{csat} is outside 1-5.")
    email = value("agent_email")
    if email and "@" not in email:
        fields.fail("agent_email", f"“{email}” is not an e-mail address.")
    if fields.errors or created_at is None:
        return None
    return ConversationRecord(
        external_id=external_id,
        created_at=created_at,
        subject=value("subject"),
        assignee_email=email or None,
        queue_name=value("queue") or None,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        handle_time_seconds=handle_time,
        reopen_count=reopens or 0,
        csat_score=csat,
        tags=[tag.strip() for tag in value("tags").split(";") if tag.strip()],
    )


def _whole_number(fields: FieldReader, text: str, name: str) -> int | None:
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        fields.fail(name, f"“{text}” is not a whole number.")
        return None
    if number < 0:
        fields.fail(name, "Cannot be negative.")
        return None
    return number
