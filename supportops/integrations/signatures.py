"""Webhook signatures of Zendesk and Intercom, checked in constant time. Pure: no Django.

- Zendesk: ``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(secret, timestamp + raw body)), where the
  timestamp is the ``X-Zendesk-Webhook-Signature-Timestamp`` header's value (ISO 8601) exactly as sent;
- Intercom: ``X-Hub-Signature`` = ``sha1=`` + hex(HMAC-SHA1(client secret, raw body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime


def zendesk_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The signature Zendesk sends for this timestamp and body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def intercom_signature(*, secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value Intercom sends for this body."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def zendesk_signature_is_valid(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """True when the secret signed exactly this timestamp and body (an empty secret never verifies)."""
    if not secret or not signature or not timestamp:
        return False
    expected = zendesk_signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def intercom_signature_is_valid(*, secret: str, body: bytes, signature: str) -> bool:
    """True when the client secret signed exactly this body (an empty secret never verifies)."""
    if not secret or not signature:
        return False
    expected = intercom_signature(secret=secret, body=body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def parse_timestamp(value: str) -> datetime | None:
    """Zendesk's signature timestamp (ISO 8601, ``2026-03-02T09:15:00Z``) in UTC, or None when unreadable."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def is_within_window(*, moment: datetime, now: datetime, window_seconds: int) -> bool:
    """True when ``moment`` is no further than the window from ``now``, before or after (clock skew)."""
    return abs((now - moment).total_seconds()) <= window_seconds
