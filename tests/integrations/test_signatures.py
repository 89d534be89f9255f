"""Webhook signatures computed here from the secret, the way Zendesk and Intercom document them."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from supportops.integrations import signatures

BODY = b'{"ticket": {"id": 35436}}'


def test_zendesk_signature_is_base64_hmac_sha256_of_timestamp_then_body():
    expected = base64.b64encode(
        hmac.new(b"zd-secret", b"2026-03-02T01:00:00Z" + BODY, hashlib.sha256).digest()
    ).decode()

    assert signatures.zendesk_signature(secret="zd-secret", timestamp="2026-03-02T01:00:00Z", body=BODY) == expected


def test_intercom_signature_is_sha1_prefixed_hex_hmac_of_the_body():
    expected = "sha1=" + hmac.new(b"ic-secret", BODY, hashlib.sha1).hexdigest()

    assert signatures.intercom_signature(secret="ic-secret", body=BODY) == expected


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "valid"),
    [
        ("zd-secret", "2026-03-02T01:00:00Z", BODY, True),
        ("other", "2026-03-02T01:00:00Z", BODY, False),
        ("zd-secret", "2026-03-02T01:00:01Z", BODY, False),
        ("zd-secret", "2026-03-02T01:00:00Z", BODY + b" ", False),
        ("", "2026-03-02T01:00:00Z", BODY, False),
    ],
)
def test_zendesk_verification(secret, timestamp, body, valid):
    signature = signatures.zendesk_signature(secret="zd-secret", timestamp="2026-03-02T01:00:00Z", body=BODY)

    assert (
        signatures.zendesk_signature_is_valid(secret=secret, timestamp=timestamp, body=body, signature=signature)
        is valid
    )


@pytest.mark.parametrize(
    ("secret", "body", "signature", "valid"),
    [
        ("ic-secret", BODY, None, True),
        ("ic-secret", BODY, "SHA1=" + hmac.new(b"ic-secret", BODY, hashlib.sha1).hexdigest().upper(), True),
        ("other", BODY, None, False),
        ("ic-secret", BODY.replace(b"35436", b"35437"), None, False),
        ("ic-secret", BODY, hmac.new(b"ic-secret", BODY, hashlib.sha1).hexdigest(), False),
        ("ic-secret", BODY, "", False),
        ("", BODY, None, False),
    ],
)
def test_intercom_verification(secret, body, signature, valid):
    sent = signature if signature is not None else signatures.intercom_signature(secret="ic-secret", body=BODY)

    assert signatures.intercom_signature_is_valid(secret=secret, body=body, signature=sent) is valid


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T01:00:00Z", datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00+08:00", datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),
        ("2026-03-02T01:00:00", None),
        ("1772413200", None),
        ("", None),
    ],
)
def test_zendesk_timestamps_need_an_offset(value, expected):
    assert signatures.parse_timestamp(value) == expected


@pytest.mark.parametrize(
    ("seconds_away", "inside"), [(0, True), (300, True), (-300, True), (301, False), (-301, False)]
)
def test_replay_window_is_inclusive_both_ways(seconds_away, inside):
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    moment = datetime.fromtimestamp(now.timestamp() + seconds_away, tz=UTC)

    assert signatures.is_within_window(moment=moment, now=now, window_seconds=300) is inside
