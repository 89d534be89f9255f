"""Signed webhooks: the HMAC is computed here from the secret; anything unproven is a 401 and stores nothing."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from supportops.models import Conversation, HelpdeskIntegration
from tests.integrations.conftest import INTERCOM_SECRET, ZENDESK_SECRET
from tests.integrations.fixtures import fixture_bytes, fixture_json

pytestmark = pytest.mark.django_db


def url(integration_id: int) -> str:
    return f"/webhooks/helpdesk/{integration_id}/"


def zendesk_headers(body: bytes, *, secret: str = ZENDESK_SECRET, moment: datetime | None = None) -> dict[str, str]:
    timestamp = (moment or timezone.now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()).decode()
    return {"X-Zendesk-Webhook-Signature": signature, "X-Zendesk-Webhook-Signature-Timestamp": timestamp}


def intercom_body(*, created_at: datetime | None = None, **changes) -> bytes:
    notification = fixture_json("intercom_notification.json")
    notification["created_at"] = int((created_at or timezone.now()).timestamp())
    notification.update(changes)
    return json.dumps(notification).encode()


def intercom_headers(body: bytes, *, secret: str = INTERCOM_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


def deliver(integration_id: int, body: bytes, headers: dict[str, str]):
    # enforce_csrf_checks: the endpoint must work without a CSRF token, as helpdesks send none
    return Client(enforce_csrf_checks=True).post(
        url(integration_id), data=body, content_type="application/json", headers=headers
    )


# --- Zendesk ---------------------------------------------------------------------------------------


def test_a_signed_zendesk_ticket_is_imported(helpdesk):
    body = fixture_bytes("zendesk_webhook.json")

    response = deliver(helpdesk.zendesk.pk, body, zendesk_headers(body))

    assert response.status_code == 200, response.content
    ticket = Conversation.objects.get(source="zendesk", external_id="35439")
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "conversations": [{"id": ticket.pk, "source": "zendesk", "external_id": "35439"}],
    }
    assert (ticket.agent_id, ticket.queue_id, ticket.csat_score, ticket.csat_comment) == (
        helpdesk.alice.pk,
        helpdesk.billing.pk,
        1,
        "Took too long",
    )
    assert ticket.messages.count() == 2


def test_a_repeated_zendesk_delivery_updates_the_same_conversation(helpdesk):
    body = fixture_bytes("zendesk_webhook.json")
    deliver(helpdesk.zendesk.pk, body, zendesk_headers(body))
    changed = json.loads(body)
    changed["ticket"]["subject"] = "Wrong size delivered (exchange)"
    changed_body = json.dumps(changed).encode()

    response = deliver(helpdesk.zendesk.pk, changed_body, zendesk_headers(changed_body))

    assert (response.status_code, response.json()["created"], response.json()["updated"]) == (200, 0, 1)
    assert list(Conversation.objects.filter(source="zendesk").values_list("subject", flat=True)) == [
        "Wrong size delivered (exchange)"
    ]


def refused_zendesk_cases():
    body = fixture_bytes("zendesk_webhook.json")
    good = zendesk_headers(body)
    now = timezone.now()
    return {
        "wrong secret": (body, zendesk_headers(body, secret="not-the-secret")),
        "tampered body": (body.replace(b"Wrong size delivered", b"Refund me 1000 dollars"), good),
        "stale timestamp": (body, zendesk_headers(body, moment=now - timedelta(seconds=301))),
        "timestamp from the future": (body, zendesk_headers(body, moment=now + timedelta(seconds=301))),
        "missing signature": (
            body,
            {"X-Zendesk-Webhook-Signature-Timestamp": good["X-Zendesk-Webhook-Signature-Timestamp"]},
        ),
        "missing timestamp": (body, {"X-Zendesk-Webhook-Signature": good["X-Zendesk-Webhook-Signature"]}),
        "timestamp changed after signing": (
            body,
            {
                **good,
                "X-Zendesk-Webhook-Signature-Timestamp": (now - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        ),
        "no headers": (body, {}),
    }


@pytest.mark.parametrize("case", list(refused_zendesk_cases()))
def test_an_unproven_zendesk_delivery_is_a_401_and_stores_nothing(helpdesk, case):
    body, headers = refused_zendesk_cases()[case]
    before = Conversation.objects.count()

    response = deliver(helpdesk.zendesk.pk, body, headers)

    assert response.status_code == 401
    assert Conversation.objects.count() == before == 4


def test_the_replay_window_is_the_integrations_own(helpdesk):
    HelpdeskIntegration.objects.filter(pk=helpdesk.zendesk.pk).update(replay_window_seconds=3600)
    body = fixture_bytes("zendesk_webhook.json")

    response = deliver(helpdesk.zendesk.pk, body, zendesk_headers(body, moment=timezone.now() - timedelta(minutes=50)))

    assert response.status_code == 200
    assert Conversation.objects.filter(source="zendesk").count() == 1


@pytest.mark.parametrize("case", ["unknown integration", "inactive integration", "integration without a secret"])
def test_deliveries_to_no_usable_integration_are_a_401(helpdesk, case):
    body = fixture_bytes("zendesk_webhook.json")
    integration_id = helpdesk.zendesk.pk
    if case == "unknown integration":
        integration_id = 999_999
    elif case == "inactive integration":
        HelpdeskIntegration.objects.filter(pk=integration_id).update(is_active=False)
    else:
        HelpdeskIntegration.objects.filter(pk=integration_id).update(webhook_secret="")

    response = deliver(
        integration_id,
        body,
        zendesk_headers(body, secret=ZENDESK_SECRET if case != "integration without a secret" else ""),
    )

    assert response.status_code == 401
    assert Conversation.objects.count() == 4


def test_a_signed_but_malformed_ticket_is_a_400_and_stores_nothing(helpdesk):
    body = b'{"ticket": {"id": 35440, "created_at": "tomorrow"}}'

    response = deliver(helpdesk.zendesk.pk, body, zendesk_headers(body))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Record 0 (#35440): created_at: “tomorrow” is not an ISO 8601 date-time (e.g. 2026-03-01T09:00:00Z).",
        "records": [
            {
                "index": 0,
                "external_id": "35440",
                "field": "created_at",
                "message": "“tomorrow” is not an ISO 8601 date-time (e.g. 2026-03-01T09:00:00Z).",
            }
        ],
    }
    assert Conversation.objects.count() == 4


def test_a_signed_body_that_is_not_json_is_a_400(helpdesk):
    body = b"ticket=35440"

    response = deliver(helpdesk.zendesk.pk, body, zendesk_headers(body))

    assert response.status_code == 400
    assert response.json()["detail"] == "File: file: Not valid JSON: Expecting value (line 1, column 1)."


def test_the_webhook_answers_only_post(helpdesk):
    assert Client().get(url(helpdesk.zendesk.pk)).status_code == 405


# --- Intercom --------------------------------------------------------------------------------------


def test_a_signed_intercom_notification_imports_its_conversation(helpdesk):
    body = intercom_body()

    response = deliver(helpdesk.intercom.pk, body, intercom_headers(body))

    assert response.status_code == 200, response.content
    conversation = Conversation.objects.get(source="intercom", external_id="1911149811")
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "conversations": [{"id": conversation.pk, "source": "intercom", "external_id": "1911149811"}],
    }
    assert (conversation.agent_id, conversation.queue_id, conversation.csat_score, conversation.reopen_count) == (
        helpdesk.carol.pk,
        helpdesk.billing.pk,
        4,
        1,
    )


def test_a_repeated_intercom_notification_updates(helpdesk):
    body = intercom_body()
    deliver(helpdesk.intercom.pk, body, intercom_headers(body))

    response = deliver(helpdesk.intercom.pk, body, intercom_headers(body))

    assert (response.status_code, response.json()["created"], response.json()["updated"]) == (200, 0, 1)
    assert Conversation.objects.filter(source="intercom").count() == 1


def test_an_intercom_ping_is_accepted_and_stores_nothing(helpdesk):
    body = json.dumps(
        {
            "type": "notification_event",
            "topic": "ping",
            "created_at": int(timezone.now().timestamp()),
            "data": {"type": "notification_event_data", "item": {"type": "ping", "message": "something"}},
        }
    ).encode()

    response = deliver(helpdesk.intercom.pk, body, intercom_headers(body))

    assert response.status_code == 200
    assert response.json() == {"created": 0, "updated": 0, "conversations": []}
    assert Conversation.objects.count() == 4


def refused_intercom_cases():
    body = intercom_body()
    stale = intercom_body(created_at=timezone.now() - timedelta(seconds=301))
    return {
        "wrong secret": (body, intercom_headers(body, secret="not-the-secret")),
        "tampered body": (body.replace(b"1911149811", b"1911149899"), intercom_headers(body)),
        "stale notification": (stale, intercom_headers(stale)),
        "missing signature": (body, {}),
        "hex without the sha1= prefix": (body, {"X-Hub-Signature": intercom_headers(body)["X-Hub-Signature"][5:]}),
        "zendesk-style signature": (body, zendesk_headers(body, secret=INTERCOM_SECRET)),
    }


@pytest.mark.parametrize("case", list(refused_intercom_cases()))
def test_an_unproven_intercom_delivery_is_a_401_and_stores_nothing(helpdesk, case):
    body, headers = refused_intercom_cases()[case]

    response = deliver(helpdesk.intercom.pk, body, headers)

    assert response.status_code == 401
    assert Conversation.objects.count() == 4


def test_a_zendesk_signature_does_not_open_the_intercom_endpoint_and_vice_versa(helpdesk):
    zendesk_body = fixture_bytes("zendesk_webhook.json")
    intercom = intercom_body()

    assert deliver(helpdesk.intercom.pk, zendesk_body, zendesk_headers(zendesk_body)).status_code == 401
    assert deliver(helpdesk.zendesk.pk, intercom, intercom_headers(intercom)).status_code == 401
    assert Conversation.objects.count() == 4
