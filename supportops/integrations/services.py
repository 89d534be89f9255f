"""Imports from helpdesks: parse a file or a signed webhook, map agents and queues, store all-or-nothing.

Storage goes through ``supportops.services.conversations_import``, keyed by (source, external id), so a
re-import or a repeated webhook updates the conversation it stored before and never duplicates it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone

from supportops.choices import ConversationSource
from supportops.models import Agent, HelpdeskIntegration, Queue
from supportops.services import (
    ConversationImportError,
    ConversationImportResult,
    ConversationInput,
    MessageInput,
    conversations_import,
)

from . import intercom, signatures, zendesk
from .csv_import import parse_csv
from .records import ConversationRecord, RecordError, RecordErrors, describe

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

ZENDESK_SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
INTERCOM_SIGNATURE_HEADER = "X-Hub-Signature"


class HelpdeskImportError(ValidationError):
    """A file or webhook refused as a whole: every problem with its record index, external id and field."""

    def __init__(self, errors: Sequence[RecordError]):
        self.record_errors = sorted(errors, key=lambda error: error.index)
        super().__init__(describe(self.record_errors[0]))

    def api_detail(self) -> dict[str, Any]:
        """The API's 400 body; ``index`` is the 0-based record, null for the file as a whole."""
        return {
            "detail": self.message,
            "records": [
                {
                    "index": error.index if error.index >= 0 else None,
                    "external_id": error.external_id,
                    "field": error.field,
                    "message": error.message,
                }
                for error in self.record_errors
            ],
        }


class WebhookRefused(Exception):  # noqa: N818 - the delivery is refused, answered with a 401
    """A webhook delivery that is not proven to come from the integration's helpdesk; nothing is stored."""


def _file_error(message: str, field: str = "file") -> HelpdeskImportError:
    return HelpdeskImportError([RecordError(index=-1, external_id=None, field=field, message=message)])


# --- Files ---------------------------------------------------------------------------------------


def helpdesk_file_import(
    *, integration: HelpdeskIntegration, content: bytes, filename: str = ""
) -> ConversationImportResult:
    """Import one uploaded file all-or-nothing: CSV (``.csv``, or any body not starting with ``{`` / ``[``),
    else the integration's vendor JSON (a Zendesk export page, or Intercom conversations)."""
    if not integration.is_active:
        raise _file_error("This integration is inactive; activate it in the admin first.", field="integration")
    if len(content) > MAX_UPLOAD_BYTES:
        raise _file_error(f"The file is {len(content)} bytes; send at most {MAX_UPLOAD_BYTES} bytes at once.")
    start = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    try:
        if filename.lower().endswith(".csv") or start not in (b"{", b"["):
            records = parse_csv(content)
        else:
            records = _vendor_records(integration.source, _json(content))
    except RecordErrors as refused:
        raise HelpdeskImportError(refused.errors) from refused
    return helpdesk_records_import(integration=integration, records=records)


def _json(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise _file_error(f"The file is not UTF-8 text (byte {error.start + 1}).") from error
    except json.JSONDecodeError as error:
        raise _file_error(f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).") from error


def _vendor_records(source: str, payload: Any) -> list[ConversationRecord]:
    if source == ConversationSource.ZENDESK:
        return zendesk.parse_export(payload).records
    return intercom.parse_conversations(payload)


# --- Webhooks ------------------------------------------------------------------------------------


def helpdesk_webhook_receive(
    *, integration_id: int, body: bytes, headers: Mapping[str, str], now: datetime | None = None
) -> ConversationImportResult:
    """Verify a webhook delivery and import the ticket or conversation it carries.

    ``WebhookRefused`` (a 401) for an unknown or inactive integration, a missing or wrong signature, or a
    timestamp outside the integration's replay window; ``HelpdeskImportError`` (a 400) for a signed body
    that is not a valid payload. Topics without a conversation (Intercom's ``ping``) store nothing.
    """
    integration = HelpdeskIntegration.objects.filter(pk=integration_id, is_active=True).first()
    if integration is None:
        raise WebhookRefused("Unknown or inactive integration.")
    now = now or timezone.now()
    if integration.source == ConversationSource.ZENDESK:
        records = _zendesk_delivery(integration, body, headers, now)
    else:
        records = _intercom_delivery(integration, body, headers, now)
    if not records:
        return ConversationImportResult(created=0, updated=0, conversations=[])
    return helpdesk_records_import(integration=integration, records=records)


def _zendesk_delivery(
    integration: HelpdeskIntegration, body: bytes, headers: Mapping[str, str], now: datetime
) -> list[ConversationRecord]:
    timestamp = headers.get(ZENDESK_TIMESTAMP_HEADER, "")
    signature = headers.get(ZENDESK_SIGNATURE_HEADER, "")
    if not signatures.zendesk_signature_is_valid(
        secret=integration.webhook_secret, timestamp=timestamp, body=body, signature=signature
    ):
        raise WebhookRefused("Missing or invalid signature.")
    moment = signatures.parse_timestamp(timestamp)
    if moment is None or not signatures.is_within_window(
        moment=moment, now=now, window_seconds=integration.replay_window_seconds
    ):
        raise WebhookRefused("The signature timestamp is outside the replay window.")
    try:
        return zendesk.parse_webhook(_json(body))
    except RecordErrors as refused:
        raise HelpdeskImportError(refused.errors) from refused


def _intercom_delivery(
    integration: HelpdeskIntegration, body: bytes, headers: Mapping[str, str], now: datetime
) -> list[ConversationRecord]:
    signature = headers.get(INTERCOM_SIGNATURE_HEADER, "")
    if not signatures.intercom_signature_is_valid(secret=integration.webhook_secret, body=body, signature=signature):
        raise WebhookRefused("Missing or invalid signature.")
    try:
        notification = intercom.parse_notification(_json(body))
    except RecordErrors as refused:
        raise HelpdeskImportError(refused.errors) from refused
    # Intercom signs no timestamp header; the signed body's created_at is the delivery's time.
    if notification.created_at is None or not signatures.is_within_window(
        moment=notification.created_at, now=now, window_seconds=integration.replay_window_seconds
    ):
        raise WebhookRefused("The notification's created_at is outside the replay window.")
    return notification.records


# --- Records to conversations --------------------------------------------------------------------


def helpdesk_records_import(
    *, integration: HelpdeskIntegration, records: Sequence[ConversationRecord]
) -> ConversationImportResult:
    """Map each record's agent and queue for this integration and store them all-or-nothing.

    Agent: the ``HelpdeskIdentity`` of the helpdesk user id, else the agent whose login e-mail equals
    the helpdesk user's e-mail (case-insensitive), else none. Queue: the ``HelpdeskQueueMapping`` of the
    group or team id, else the integration's default queue. A CSV row's agent e-mail and queue name must
    name an existing agent and queue.
    """
    identities = dict(
        integration.identities.filter(
            external_user_id__in={record.assignee_id for record in records if record.assignee_id}
        ).values_list("external_user_id", "agent_id")
    )
    emails = {record.assignee_email.lower() for record in records if record.assignee_email}
    agents_by_email: dict[str, int] = {}
    for email, email_agent_id in (
        Agent.objects.annotate(email_lower=Lower("user__email"))
        .filter(email_lower__in=emails)
        .order_by("pk")
        .values_list("email_lower", "pk")
    ):
        agents_by_email.setdefault(email, email_agent_id)
    mappings = dict(
        integration.queue_mappings.filter(
            external_id__in={record.routing_id for record in records if record.routing_id}
        ).values_list("external_id", "queue_id")
    )
    queues_by_name = dict(
        Queue.objects.filter(name__in={record.queue_name for record in records if record.queue_name}).values_list(
            "name", "pk"
        )
    )

    rows: list[ConversationInput] = []
    errors: list[RecordError] = []
    for index, record in enumerate(records):
        agent_id: int | None = identities.get(record.assignee_id or "")
        if agent_id is None and record.assignee_email:
            agent_id = agents_by_email.get(record.assignee_email.lower())
            if agent_id is None and record.assignee_id is None:  # a CSV names its agent by e-mail only
                errors.append(
                    RecordError(
                        index, record.external_id, "agent_email", f"No agent has the e-mail {record.assignee_email}."
                    )
                )
        if record.queue_name is not None:
            queue_id = queues_by_name.get(record.queue_name)
            if queue_id is None:
                errors.append(
                    RecordError(index, record.external_id, "queue", f"No queue is named “{record.queue_name}”.")
                )
        else:
            queue_id = mappings.get(record.routing_id or "", integration.default_queue_id)
        rows.append(_conversation_input(integration.source, record, agent_id=agent_id, queue_id=queue_id))
    if errors:
        raise HelpdeskImportError(errors)
    try:
        return conversations_import(rows=rows)
    except ConversationImportError as refused:
        raise HelpdeskImportError(
            [
                RecordError(index, records[index].external_id, field, message)
                if field != "non_field_errors"
                else RecordError(-1, None, "file", message)
                for index, fields in refused.row_errors.items()
                for field, messages in fields.items()
                for message in messages
            ]
        ) from refused


def _conversation_input(
    source: str, record: ConversationRecord, *, agent_id: int | None, queue_id: int | None
) -> ConversationInput:
    return ConversationInput(
        source=source,
        external_id=record.external_id,
        created_at=record.created_at,
        queue_id=queue_id,
        agent_id=agent_id,
        subject=record.subject,
        first_response_at=record.first_response_at,
        resolved_at=record.resolved_at,
        handle_time_seconds=record.handle_time_seconds,
        reopen_count=record.reopen_count,
        csat_score=record.csat_score,
        csat_comment=record.csat_comment,
        tags=list(record.tags),
        messages=None
        if record.messages is None
        else [
            MessageInput(author_role=m.author_role, body=m.body, sent_at=m.sent_at, author_name=m.author_name[:150])
            for m in record.messages
        ],
    )
