"""Zendesk Support API payloads → neutral conversation records. Pure: no Django, no database.

Shapes read, as the Zendesk Support API documents them:

- ticket objects (``id``, ``subject``, ``created_at``, ``updated_at``, ``status``, ``tags``,
  ``requester_id``, ``assignee_id``, ``group_id``, ``satisfaction_rating`` {``score``, ``comment``});
- the cursor-based incremental ticket export page, ``GET /api/v2/incremental/tickets/cursor.json``:
  ``tickets``, ``after_cursor``, ``after_url``, ``end_of_stream``, and ``users`` with ``include=users``;
- ticket comments, the ``comments`` of ``GET /api/v2/tickets/{id}/comments`` (``author_id``, ``body`` /
  ``plain_body``, ``public``, ``created_at``);
- ticket audits, the ``audits`` of ``GET /api/v2/tickets/{id}/audits`` (``ticket_id``, ``created_at``,
  ``author_id``, ``events``: ``Comment`` events and ``Create`` / ``Change`` events of ``status``);
- satisfaction ratings, the ``satisfaction_ratings`` of ``GET /api/v2/satisfaction_ratings``
  (``ticket_id``, ``score``, ``comment``, ``created_at``).

Metrics come from the audits (not the ticket metrics API):

- first response = the ``created_at`` of the first audit with a public ``Comment`` event written by
  someone other than the requester (an agent); without audits, the first such public comment;
- resolved at = the ``created_at`` of the last audit whose ``Change`` (or ``Create``) event sets
  ``status`` to ``solved``, kept only while the ticket is solved or closed;
- reopens = the ``Change`` events of ``status`` from ``solved`` back to ``new``, ``open``,
  ``pending`` or ``hold``.

CSAT: Zendesk's binary rating maps to the 1-5 scale as ``good`` → 5 and ``bad`` → 1; ``offered``
and ``unoffered`` (no answer) leave it empty. A rating in ``satisfaction_ratings`` overrides the
ticket's own ``satisfaction_rating`` (the latest by ``created_at`` wins). Zendesk has no handle time
outside the Time Tracking app, so it is left empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .records import (
    AGENT,
    CUSTOMER,
    ConversationRecord,
    FieldReader,
    MessageRecord,
    RecordError,
    RecordErrors,
    type_name,
)

CSAT_BY_SCORE: dict[str, int | None] = {"good": 5, "bad": 1, "offered": None, "unoffered": None}
SOLVED = "solved"
RESOLVED_STATUSES = frozenset({"solved", "closed"})
REOPENED_STATUSES = frozenset({"new", "open", "pending", "hold"})
CUSTOMER_ROLE = "end-user"


@dataclass(frozen=True)
class ZendeskUser:
    """A sideloaded user: name, e-mail and role (``end-user``, ``agent`` or ``admin``)."""

    name: str
    email: str
    role: str


@dataclass(frozen=True)
class ZendeskExport:
    """A parsed file or page: its records, and where the incremental export goes on from."""

    records: list[ConversationRecord]
    after_cursor: str | None = None
    end_of_stream: bool | None = None


@dataclass(frozen=True)
class _Comment:
    author_id: str | None
    body: str
    public: bool
    created_at: datetime


@dataclass(frozen=True)
class _Audit:
    created_at: datetime
    author_id: str | None
    public_comment_authors: tuple[str | None, ...]
    status_changes: tuple[tuple[str | None, str], ...]  # (previous, new)


def parse_export(payload: Any) -> ZendeskExport:
    """A whole import file: an incremental export page, optionally with comments, audits and ratings.

    ``tickets`` (required) and ``users`` as the export returns them; ``comments`` an object mapping each
    ticket id to the ``comments`` list of its comments endpoint; ``audits`` and ``satisfaction_ratings``
    lists as their endpoints return them (each item carries its ``ticket_id``).
    """
    file = FieldReader(index=-1)
    body = file.object(payload, "file", required=True)
    if body is None:
        raise RecordErrors(file.errors)
    if "tickets" not in body:
        file.fail("tickets", "Missing; send the tickets as the incremental export returns them (a “tickets” list).")
    tickets = file.list(body.get("tickets"), "tickets")
    after_cursor = file.text(body.get("after_cursor"), "after_cursor")
    end_of_stream = body.get("end_of_stream")
    if end_of_stream is not None and not isinstance(end_of_stream, bool):
        file.fail("end_of_stream", f"Expected a boolean, got {type_name(end_of_stream)}.")
        end_of_stream = None
    ticket_ids = {str(ticket.get("id")) for ticket in tickets if isinstance(ticket, dict)}
    users = _users(file, body.get("users"))
    comments: dict[str, list[Any]] = {}
    raw_comments = file.object(body.get("comments"), "comments") or {}
    for ticket_id, items in raw_comments.items():
        if ticket_id not in ticket_ids:
            file.fail(f"comments.{ticket_id}", f"Ticket {ticket_id} is not among this file's tickets.")
        comments[ticket_id] = file.list(items, f"comments.{ticket_id}")
    audits = _grouped_by_ticket(file, body.get("audits"), "audits", ticket_ids)
    ratings = _grouped_by_ticket(file, body.get("satisfaction_ratings"), "satisfaction_ratings", ticket_ids)
    if file.errors:
        raise RecordErrors(file.errors)
    records = _tickets(tickets, users=users, comments=comments, audits=audits, ratings=ratings)
    return ZendeskExport(records=records, after_cursor=after_cursor, end_of_stream=end_of_stream)


def parse_webhook(payload: Any) -> list[ConversationRecord]:
    """A webhook body ``{"ticket": {...}}``, optionally with ``comments``, ``audits`` and ``users`` lists."""
    file = FieldReader(index=-1)
    body = file.object(payload, "body", required=True)
    ticket = file.object(body.get("ticket"), "ticket", required=True) if body is not None else None
    if body is None or ticket is None:
        raise RecordErrors(file.errors)
    ticket_id = str(ticket.get("id"))
    users = _users(file, body.get("users"))
    # Without a "comments" key the stored transcript is kept; with one it is replaced.
    comments = {ticket_id: file.list(body.get("comments"), "comments")} if "comments" in body else {}
    audits = _grouped_by_ticket(file, body.get("audits"), "audits", {ticket_id})
    if file.errors:
        raise RecordErrors(file.errors)
    return _tickets([ticket], users=users, comments=comments, audits=audits, ratings={})


def _users(file: FieldReader, raw: Any) -> dict[str, ZendeskUser]:
    users: dict[str, ZendeskUser] = {}
    for position, item in enumerate(file.list(raw, "users")):
        name = f"users[{position}]"
        user = file.object(item, name)
        if user is None:
            continue
        user_id = file.identifier(user.get("id"), f"{name}.id", required=True)
        if user_id is not None:
            users[user_id] = ZendeskUser(
                name=file.text(user.get("name"), f"{name}.name") or "",
                email=file.text(user.get("email"), f"{name}.email") or "",
                role=file.text(user.get("role"), f"{name}.role") or "",
            )
    return users


def _grouped_by_ticket(file: FieldReader, raw: Any, name: str, ticket_ids: set[str]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for position, item in enumerate(file.list(raw, name)):
        entry = file.object(item, f"{name}[{position}]")
        if entry is None:
            continue
        ticket_id = file.identifier(entry.get("ticket_id"), f"{name}[{position}].ticket_id", required=True)
        if ticket_id is None:
            continue
        if ticket_id not in ticket_ids:
            file.fail(f"{name}[{position}].ticket_id", f"Ticket {ticket_id} is not among this file's tickets.")
            continue
        grouped.setdefault(ticket_id, []).append(entry)
    return grouped


def _tickets(
    tickets: list[Any],
    *,
    users: dict[str, ZendeskUser],
    comments: dict[str, list[Any]],
    audits: dict[str, list[Any]],
    ratings: dict[str, list[Any]],
) -> list[ConversationRecord]:
    records: list[ConversationRecord] = []
    errors: list[RecordError] = []
    for index, ticket in enumerate(tickets):
        reader = FieldReader(index)
        record = _ticket(reader, ticket, users=users, comments=comments, audits=audits, ratings=ratings)
        errors.extend(reader.errors)
        if record is not None:
            records.append(record)
    if errors:
        raise RecordErrors(errors)
    return records


def _ticket(
    reader: FieldReader,
    raw: Any,
    *,
    users: dict[str, ZendeskUser],
    comments: dict[str, list[Any]],
    audits: dict[str, list[Any]],
    ratings: dict[str, list[Any]],
) -> ConversationRecord | None:
    ticket = reader.object(raw, "ticket", required=True)
    if ticket is None:
        return None
    external_id = reader.identifier(ticket.get("id"), "id", required=True)
    reader.external_id = external_id
    created_at = reader.iso_datetime(ticket.get("created_at"), "created_at", required=True)
    reader.iso_datetime(ticket.get("updated_at"), "updated_at")
    subject = reader.text(ticket.get("subject"), "subject") or ""
    status = reader.text(ticket.get("status"), "status")
    requester_id = reader.identifier(ticket.get("requester_id"), "requester_id")
    assignee_id = reader.identifier(ticket.get("assignee_id"), "assignee_id")
    group_id = reader.identifier(ticket.get("group_id"), "group_id")
    tags = [
        tag
        for position, item in enumerate(reader.list(ticket.get("tags"), "tags"))
        if (tag := reader.text(item, f"tags[{position}]")) is not None
    ]
    csat_score, csat_comment = _rating(reader, ticket.get("satisfaction_rating"), "satisfaction_rating")
    ticket_ratings = ratings.get(external_id or "", [])
    if ticket_ratings:
        csat_score, csat_comment = _latest_rating(reader, ticket_ratings)
    ticket_comments = [
        comment
        for position, item in enumerate(comments.get(external_id or "", []))
        if (comment := _comment(reader, item, f"comments[{position}]")) is not None
    ]
    ticket_audits = [
        audit
        for position, item in enumerate(audits.get(external_id or "", []))
        if (audit := _audit(reader, item, f"audits[{position}]")) is not None
    ]
    if reader.errors or external_id is None or created_at is None:
        return None

    def is_customer(author_id: str | None) -> bool:
        user = users.get(author_id or "")
        return author_id is not None and (
            author_id == requester_id or (user is not None and user.role == CUSTOMER_ROLE)
        )

    first_response_at, resolved_at, reopens = _audit_metrics(ticket_audits, is_customer)
    if not ticket_audits:
        first_response_at = next(
            (
                c.created_at
                for c in sorted(ticket_comments, key=lambda c: c.created_at)
                if c.public and not is_customer(c.author_id)
            ),
            None,
        )
    if status is not None and status not in RESOLVED_STATUSES:
        resolved_at = None
    assignee = users.get(assignee_id or "")
    messages = [
        MessageRecord(
            author_role=CUSTOMER if is_customer(comment.author_id) else AGENT,
            body=comment.body,
            sent_at=comment.created_at,
            author_name=users[comment.author_id].name if comment.author_id in users else "",
        )
        for comment in sorted(ticket_comments, key=lambda c: c.created_at)
        if comment.public
    ]
    return ConversationRecord(
        external_id=external_id,
        created_at=created_at,
        subject=subject[:255],
        assignee_id=assignee_id,
        assignee_email=assignee.email if assignee is not None and assignee.email else None,
        routing_id=group_id,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        reopen_count=reopens,
        csat_score=csat_score,
        csat_comment=csat_comment,
        tags=tags,
        messages=messages if external_id in comments else None,
    )


def _rating(reader: FieldReader, raw: Any, name: str) -> tuple[int | None, str]:
    rating = reader.object(raw, name)
    if rating is None:
        return None, ""
    score = reader.text(rating.get("score"), f"{name}.score", required=True)
    comment = reader.text(rating.get("comment"), f"{name}.comment") or ""
    if score is not None and score not in CSAT_BY_SCORE:
        reader.fail(f"{name}.score", f"“{score}” is not one of {', '.join(CSAT_BY_SCORE)}.")
        return None, ""
    return (CSAT_BY_SCORE[score] if score is not None else None), comment


def _latest_rating(reader: FieldReader, items: list[dict[str, Any]]) -> tuple[int | None, str]:
    dated: list[tuple[datetime, int | None, str]] = []
    for position, item in enumerate(items):
        name = f"satisfaction_ratings[{position}]"
        created_at = reader.iso_datetime(item.get("created_at"), f"{name}.created_at", required=True)
        score, comment = _rating(reader, item, name)
        if created_at is not None:
            dated.append((created_at, score, comment))
    if not dated:
        return None, ""
    _, score, comment = max(dated, key=lambda entry: entry[0])
    return score, comment


def _comment(reader: FieldReader, raw: Any, name: str) -> _Comment | None:
    comment = reader.object(raw, name)
    if comment is None:
        return None
    author_id = reader.identifier(comment.get("author_id"), f"{name}.author_id")
    plain = reader.text(comment.get("plain_body"), f"{name}.plain_body")
    body = reader.text(comment.get("body"), f"{name}.body")
    public = comment.get("public", True)
    if not isinstance(public, bool):
        reader.fail(f"{name}.public", f"Expected a boolean, got {type_name(public)}.")
    created_at = reader.iso_datetime(comment.get("created_at"), f"{name}.created_at", required=True)
    if plain is None and body is None:
        reader.fail(f"{name}.body", "Missing; a comment needs a body or plain_body.")
    if created_at is None or not isinstance(public, bool):
        return None
    return _Comment(
        author_id=author_id, body=(plain if plain is not None else body) or "", public=public, created_at=created_at
    )


def _audit(reader: FieldReader, raw: dict[str, Any], name: str) -> _Audit | None:
    created_at = reader.iso_datetime(raw.get("created_at"), f"{name}.created_at", required=True)
    audit_author = reader.identifier(raw.get("author_id"), f"{name}.author_id")
    comment_authors: list[str | None] = []
    status_changes: list[tuple[str | None, str]] = []
    for position, item in enumerate(reader.list(raw.get("events"), f"{name}.events")):
        event_name = f"{name}.events[{position}]"
        event = reader.object(item, event_name)
        if event is None:
            continue
        kind = reader.text(event.get("type"), f"{event_name}.type", required=True)
        if kind == "Comment":
            public = event.get("public", True)
            if not isinstance(public, bool):
                reader.fail(f"{event_name}.public", f"Expected a boolean, got {type_name(public)}.")
            elif public:
                author = reader.identifier(event.get("author_id"), f"{event_name}.author_id")
                comment_authors.append(author if author is not None else audit_author)
        elif kind in ("Change", "Create") and event.get("field_name") == "status":
            value = reader.text(event.get("value"), f"{event_name}.value", required=True)
            previous = (
                reader.text(event.get("previous_value"), f"{event_name}.previous_value") if kind == "Change" else None
            )
            if value is not None:
                status_changes.append((previous, value))
    if created_at is None:
        return None
    return _Audit(
        created_at=created_at,
        author_id=audit_author,
        public_comment_authors=tuple(comment_authors),
        status_changes=tuple(status_changes),
    )


def _audit_metrics(
    audits: list[_Audit], is_customer: Callable[[str | None], bool]
) -> tuple[datetime | None, datetime | None, int]:
    """First agent reply, last time solved, and reopens, from the audits in time order."""
    first_response_at: datetime | None = None
    solved_at: datetime | None = None
    reopens = 0
    for audit in sorted(audits, key=lambda a: a.created_at):
        if first_response_at is None and any(not is_customer(author) for author in audit.public_comment_authors):
            first_response_at = audit.created_at
        for previous, value in audit.status_changes:
            if value == SOLVED:
                solved_at = audit.created_at
            elif previous == SOLVED and value in REOPENED_STATUSES:
                reopens += 1
    return first_response_at, solved_at, reopens
