"""Intercom REST API payloads → neutral conversation records. Pure: no Django, no database.

Shapes read, as Intercom's REST API documents them: conversation objects (``type: "conversation"``,
``id``, ``created_at`` / ``updated_at`` as UNIX timestamps, ``title``, ``state``, ``source`` {``author``,
``body``, ``subject``, ``delivered_as``}, ``conversation_parts`` {``conversation_parts``: [{``part_type``,
``body``, ``author`` {``type``, ``id``, ``name``, ``email``}, ``created_at``}]}, ``statistics``,
``conversation_rating`` {``rating`` 1-5, ``remark``}, ``tags`` {``tags``: [{``name``}]},
``admin_assignee_id``, ``team_assignee_id``), lists of them (``{"type": "conversation.list",
"conversations": [...]}`` or a bare JSON list), and webhook notifications (``{"type":
"notification_event", "topic": ..., "created_at": ..., "data": {"item": {...conversation...}}}``).

Mapping: first response = ``statistics.first_admin_reply_at``; resolved at = ``statistics.last_close_at``
while the conversation is closed; reopens = ``statistics.count_reopens``; CSAT = the rating as is (Intercom
already rates 1-5) with its remark. The transcript is the source message and every part with a body except
internal notes (``part_type: "note"``); bodies are HTML and are stored as plain text. A conversation without
``conversation_parts`` (the list endpoint leaves them out) keeps the transcript already stored. Authors of type
``user``, ``lead`` or ``contact`` are the customer, ``admin`` and ``team`` an agent, ``bot`` a bot. Intercom's
REST API has no handle time, so it is left empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .records import (
    AGENT,
    BOT,
    CUSTOMER,
    SYSTEM,
    ConversationRecord,
    FieldReader,
    MessageRecord,
    RecordError,
    RecordErrors,
    plain_text,
)

ROLE_BY_AUTHOR_TYPE = {
    "user": CUSTOMER,
    "lead": CUSTOMER,
    "contact": CUSTOMER,
    "admin": AGENT,
    "team": AGENT,
    "bot": BOT,
}
INTERNAL_PART_TYPES = frozenset({"note"})
CLOSED = "closed"


@dataclass(frozen=True)
class IntercomNotification:
    """A webhook notification: its topic, when Intercom created it, and the conversation it carries, if any."""

    topic: str
    created_at: datetime | None
    records: list[ConversationRecord]


def parse_conversations(payload: Any) -> list[ConversationRecord]:
    """An import file: a list of conversations, ``{"conversations": [...]}``, or one conversation object."""
    file = FieldReader(index=-1)
    if isinstance(payload, dict) and payload.get("type") == "conversation":
        items: list[Any] = [payload]
    elif isinstance(payload, dict):
        if "conversations" not in payload:
            file.fail("conversations", "Missing; send a list of conversations or {“conversations”: [...]}.")
        items = file.list(payload.get("conversations"), "conversations")
    elif isinstance(payload, list):
        items = payload
    else:
        file.fail("file", "Expected a list of conversations or an object with “conversations”.")
        items = []
    if file.errors:
        raise RecordErrors(file.errors)
    return _conversations(items)


def parse_notification(payload: Any) -> IntercomNotification:
    """A webhook body; ``records`` is empty for topics that carry no conversation (``ping``, contacts...)."""
    file = FieldReader(index=-1)
    body = file.object(payload, "body", required=True)
    if body is None:
        raise RecordErrors(file.errors)
    if body.get("type") != "notification_event":
        file.fail("type", "Expected an Intercom notification (type “notification_event”).")
    topic = file.text(body.get("topic"), "topic", required=True) or ""
    created_at = file.unix_datetime(body.get("created_at"), "created_at")
    data = file.object(body.get("data"), "data", required=True)
    item = file.object(data.get("item"), "data.item", required=True) if data is not None else None
    if file.errors or item is None:
        raise RecordErrors(file.errors)
    records = _conversations([item]) if item.get("type") == "conversation" else []
    return IntercomNotification(topic=topic, created_at=created_at, records=records)


def _conversations(items: list[Any]) -> list[ConversationRecord]:
    records: list[ConversationRecord] = []
    errors: list[RecordError] = []
    for index, item in enumerate(items):
        reader = FieldReader(index)
        record = _conversation(reader, item)
        errors.extend(reader.errors)
        if record is not None:
            records.append(record)
    if errors:
        raise RecordErrors(errors)
    return records


def _conversation(reader: FieldReader, raw: Any) -> ConversationRecord | None:
    conversation = reader.object(raw, "conversation", required=True)
    if conversation is None:
        return None
    external_id = reader.identifier(conversation.get("id"), "id", required=True)
    reader.external_id = external_id
    kind = conversation.get("type")
    if kind != "conversation":
        reader.fail("type", f"Expected “conversation”, got {kind!r}.")
    created_at = reader.unix_datetime(conversation.get("created_at"), "created_at", required=True)
    reader.unix_datetime(conversation.get("updated_at"), "updated_at")
    title = reader.text(conversation.get("title"), "title")
    state = reader.text(conversation.get("state"), "state")
    assignee_id = reader.identifier(conversation.get("admin_assignee_id"), "admin_assignee_id")
    team_id = reader.identifier(conversation.get("team_assignee_id"), "team_assignee_id")

    messages: list[MessageRecord] = []
    admin_emails: dict[str, str] = {}
    source = reader.object(conversation.get("source"), "source")
    subject = ""
    if source is not None:
        subject = plain_text(reader.text(source.get("subject"), "source.subject") or "")
        message = _message(reader, source, "source", sent_at=created_at, emails=admin_emails)
        if message is not None:
            messages.append(message)
    parts_list = reader.object(conversation.get("conversation_parts"), "conversation_parts")
    raw_parts = (
        reader.list(parts_list.get("conversation_parts"), "conversation_parts.conversation_parts") if parts_list else []
    )
    for position, item in enumerate(raw_parts):
        name = f"conversation_parts[{position}]"
        part = reader.object(item, name)
        if part is None:
            continue
        part_type = reader.text(part.get("part_type"), f"{name}.part_type", required=True)
        sent_at = reader.unix_datetime(part.get("created_at"), f"{name}.created_at", required=True)
        message = _message(reader, part, name, sent_at=sent_at, emails=admin_emails)
        if message is not None and part_type not in INTERNAL_PART_TYPES:
            messages.append(message)

    statistics = reader.object(conversation.get("statistics"), "statistics") or {}
    first_response_at = reader.unix_datetime(statistics.get("first_admin_reply_at"), "statistics.first_admin_reply_at")
    last_close_at = reader.unix_datetime(statistics.get("last_close_at"), "statistics.last_close_at")
    reopens = reader.integer(statistics.get("count_reopens"), "statistics.count_reopens")
    if reopens is not None and reopens < 0:
        reader.fail("statistics.count_reopens", "Cannot be negative.")

    csat_score: int | None = None
    csat_comment = ""
    rating = reader.object(conversation.get("conversation_rating"), "conversation_rating")
    if rating is not None:
        csat_score = reader.integer(rating.get("rating"), "conversation_rating.rating")
        if csat_score is not None and not 1 <= csat_score <= 5:
            reader.fail("conversation_rating.rating", f"{csat_score} is outside Intercom's 1-5 scale.")
        csat_comment = reader.text(rating.get("remark"), "conversation_rating.remark") or ""

    tags: list[str] = []
    tag_list = reader.object(conversation.get("tags"), "tags")
    for position, item in enumerate(reader.list(tag_list.get("tags"), "tags.tags") if tag_list else []):
        tag = reader.object(item, f"tags[{position}]")
        tag_name = reader.text(tag.get("name"), f"tags[{position}].name", required=True) if tag is not None else None
        if tag_name is not None:
            tags.append(tag_name)

    if reader.errors or external_id is None or created_at is None:
        return None
    return ConversationRecord(
        external_id=external_id,
        created_at=created_at,
        subject=(title or subject)[:255],
        assignee_id=assignee_id,
        assignee_email=admin_emails.get(assignee_id or ""),
        routing_id=team_id,
        first_response_at=first_response_at,
        resolved_at=last_close_at if state in (None, CLOSED) else None,
        reopen_count=reopens or 0,
        csat_score=csat_score,
        csat_comment=csat_comment,
        tags=tags,
        # Intercom lists conversations without their parts: the stored transcript is then kept.
        messages=sorted(messages, key=lambda message: message.sent_at)
        if "conversation_parts" in conversation
        else None,
    )


def _message(
    reader: FieldReader, raw: dict[str, Any], name: str, *, sent_at: datetime | None, emails: dict[str, str]
) -> MessageRecord | None:
    """The message of a source or part, or None when it has no body; admins' e-mails are collected."""
    body = reader.text(raw.get("body"), f"{name}.body")
    author = reader.object(raw.get("author"), f"{name}.author")
    role, author_name = SYSTEM, ""
    if author is not None:
        author_type = reader.text(author.get("type"), f"{name}.author.type") or ""
        role = ROLE_BY_AUTHOR_TYPE.get(author_type, SYSTEM)
        author_name = reader.text(author.get("name"), f"{name}.author.name") or ""
        author_id = reader.identifier(author.get("id"), f"{name}.author.id")
        email = reader.text(author.get("email"), f"{name}.author.email")
        if author_type == "admin" and author_id is not None and email:
            emails[author_id] = email
    text = plain_text(body) if body else ""
    if not text or sent_at is None:
        return None
    return MessageRecord(author_role=role, body=text, sent_at=sent_at, author_name=author_name[:150])
