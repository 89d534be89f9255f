"""Importing helpdesk files through the API: mapping, idempotence, all-or-nothing refusals, and who may do it."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from supportops.integrations import services
from supportops.models import Conversation, ConversationMessage, HelpdeskIntegration
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.integrations.fixtures import fixture_bytes

pytestmark = pytest.mark.django_db


def upload(client, integration, content: bytes, name: str = "export.json"):
    return client.post(
        f"/api/integrations/{integration.pk}/import/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def stored(source: str) -> dict[str, Conversation]:
    return {c.external_id: c for c in Conversation.objects.filter(source=source)}


# --- Zendesk ---------------------------------------------------------------------------------------


def test_a_zendesk_export_imports_every_ticket_with_agents_and_queues_mapped(org, helpdesk):
    # when
    response = upload(api_client_for(org.admin), helpdesk.zendesk, fixture_bytes("zendesk_export.json"))

    # then
    assert response.status_code == 201, response.json()
    tickets = stored("zendesk")
    assert response.json() == {
        "created": 3,
        "updated": 0,
        "conversations": [
            {"id": tickets[external_id].pk, "source": "zendesk", "external_id": external_id}
            for external_id in ("35436", "35437", "35438")
        ],
    }
    refund, login, feature = tickets["35436"], tickets["35437"], tickets["35438"]
    # e-mail match (case-insensitive), identity, unknown user
    assert (refund.agent_id, login.agent_id, feature.agent_id) == (helpdesk.alice.pk, helpdesk.bob.pk, None)
    # group mapping, unmapped group → default queue, no group → default queue
    assert (refund.queue_id, login.queue_id, feature.queue_id) == (
        helpdesk.billing.pk,
        helpdesk.general.pk,
        helpdesk.general.pk,
    )
    assert (refund.first_response_at, refund.resolved_at, refund.reopen_count) == (
        datetime(2026, 3, 2, 1, 12, tzinfo=UTC),
        datetime(2026, 3, 2, 2, 30, tzinfo=UTC),
        1,
    )
    assert (refund.csat_score, refund.csat_comment, refund.tags) == (5, "Quick refund, thanks", ["billing", "refund"])
    assert (login.csat_score, login.csat_comment) == (1, "Still cannot log in")
    assert list(refund.messages.values_list("position", "author_role", "author_name")) == [
        (0, "customer", "Mei Tan"),
        (1, "agent", "Alice Lim"),
        (2, "customer", "Mei Tan"),
        (3, "agent", "Alice Lim"),
    ]
    assert feature.messages.count() == 0


def test_re_importing_the_same_export_updates_and_never_duplicates(org, helpdesk):
    client = api_client_for(org.admin)
    upload(client, helpdesk.zendesk, fixture_bytes("zendesk_export.json"))
    before = (Conversation.objects.count(), ConversationMessage.objects.count())

    # when
    again = upload(client, helpdesk.zendesk, fixture_bytes("zendesk_export.json"))

    # then
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["updated"]) == (0, 3)
    assert (Conversation.objects.count(), ConversationMessage.objects.count()) == before == (4 + 3, 6)


def test_one_bad_ticket_refuses_the_whole_file_naming_record_external_id_and_field(org, helpdesk):
    body = (
        b'{"tickets": [{"id": 1, "created_at": "2026-03-02T01:00:00Z"},'
        b' {"id": 2, "created_at": "2026-03-02T01:00:00Z", "assignee_id": "x", "tags": [7]},'
        b' {"id": 3, "created_at": "not a date"}]}'
    )

    response = upload(api_client_for(org.admin), helpdesk.zendesk, body)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Record 1 (#2): tags[0]: Expected text, got a number.",
        "records": [
            {"index": 1, "external_id": "2", "field": "tags[0]", "message": "Expected text, got a number."},
            {
                "index": 2,
                "external_id": "3",
                "field": "created_at",
                "message": "“not a date” is not an ISO 8601 date-time (e.g. 2026-03-01T09:00:00Z).",
            },
        ],
    }
    assert not Conversation.objects.filter(source="zendesk").exists()


def test_a_rule_the_conversation_breaks_is_named_with_the_record(org, helpdesk):
    # the agent's reply is dated before the ticket was created
    body = (
        b'{"tickets": [{"id": 1, "created_at": "2026-03-02T01:00:00Z", "requester_id": 9},'
        b' {"id": 2, "created_at": "2026-03-02T01:00:00Z", "requester_id": 9}],'
        b' "comments": {"2": [{"author_id": 5, "body": "Hi", "public": true, "created_at": "2026-03-02T00:59:00Z"}]}}'
    )

    response = upload(api_client_for(org.admin), helpdesk.zendesk, body)

    assert response.status_code == 400
    assert response.json()["records"] == [
        {
            "index": 1,
            "external_id": "2",
            "field": "first_response_at",
            "message": "The first response cannot come before the conversation was created.",
        }
    ]
    assert not Conversation.objects.filter(source="zendesk").exists()


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b'{"tickets": [', "File: file: Not valid JSON: Expecting value (line 1, column 14)."),
        (
            b'{"ticket": {"id": 1}}',
            "File: tickets: Missing; send the tickets as the incremental export returns them (a “tickets” list).",
        ),
        (b'["not", "tickets"]', "File: file: Expected an object, got a list."),
        (b'{"tickets": [{"id": 1, "subject": "caf\xe9"}]}', "File: file: The file is not UTF-8 text (byte 39)."),
    ],
)
def test_malformed_vendor_json_is_refused_and_nothing_is_stored(org, helpdesk, content, detail):
    response = upload(api_client_for(org.admin), helpdesk.zendesk, content)

    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert Conversation.objects.count() == 4


def test_a_file_over_the_size_limit_is_refused(org, helpdesk, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 100)

    response = upload(api_client_for(org.admin), helpdesk.zendesk, fixture_bytes("zendesk_export.json"))

    assert response.status_code == 400
    assert response.json()["records"][0]["field"] == "file"
    assert response.json()["detail"].endswith("send at most 100 bytes.")
    assert Conversation.objects.count() == 4


def test_a_request_without_a_file_is_refused(org, helpdesk):
    response = api_client_for(org.admin).post(
        f"/api/integrations/{helpdesk.zendesk.pk}/import/", {}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "File: file: Send a file (multipart field “file”)."


def test_an_inactive_integration_refuses_imports(org, helpdesk):
    HelpdeskIntegration.objects.filter(pk=helpdesk.zendesk.pk).update(is_active=False)

    response = upload(api_client_for(org.admin), helpdesk.zendesk, fixture_bytes("zendesk_export.json"))

    assert response.status_code == 400
    assert (
        response.json()["detail"] == "File: integration: This integration is inactive; activate it in the admin first."
    )
    assert Conversation.objects.count() == 4


# --- Intercom --------------------------------------------------------------------------------------


def test_intercom_conversations_import_with_the_bot_reply_and_statistics(org, helpdesk):
    response = upload(api_client_for(helpdesk.sync), helpdesk.intercom, fixture_bytes("intercom_conversations.json"))

    assert response.status_code == 201, response.json()
    assert (response.json()["created"], response.json()["updated"]) == (2, 0)
    conversations = stored("intercom")
    parcel, invoice = conversations["1911149811"], conversations["1911149812"]
    assert (parcel.agent_id, parcel.queue_id, invoice.agent_id, invoice.queue_id) == (
        helpdesk.carol.pk,
        helpdesk.billing.pk,
        None,
        None,
    )
    assert (parcel.first_response_at, parcel.resolved_at, parcel.reopen_count, parcel.csat_score) == (
        datetime(2026, 3, 2, 5, 5, tzinfo=UTC),
        datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
        1,
        4,
    )
    assert list(parcel.messages.values_list("author_role", flat=True)) == [
        "customer",
        "bot",
        "agent",
        "customer",
        "agent",
    ]
    assert (invoice.subject, invoice.messages.count()) == ("Invoice copy", 1)


def test_re_importing_intercom_conversations_updates_them(org, helpdesk):
    client = api_client_for(org.admin)
    upload(client, helpdesk.intercom, fixture_bytes("intercom_conversations.json"))

    again = upload(client, helpdesk.intercom, fixture_bytes("intercom_conversations.json"))

    assert (again.status_code, again.json()["created"], again.json()["updated"]) == (200, 0, 2)
    assert Conversation.objects.filter(source="intercom").count() == 2
    assert ConversationMessage.objects.filter(conversation__source="intercom").count() == 6


# --- CSV -------------------------------------------------------------------------------------------


def test_a_csv_export_imports_under_the_integrations_source(org, helpdesk):
    response = upload(
        api_client_for(org.admin), helpdesk.zendesk, fixture_bytes("conversations.csv"), name="export.csv"
    )

    assert response.status_code == 201, response.json()
    rows = stored("zendesk")
    assert sorted(rows) == ["T-100", "T-101"]
    first, second = rows["T-100"], rows["T-101"]
    assert (first.agent_id, first.queue_id, first.handle_time_seconds, first.csat_score, first.tags) == (
        helpdesk.alice.pk,
        helpdesk.billing.pk,
        840,
        5,
        ["billing", "refund"],
    )
    assert first.created_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert (second.agent_id, second.queue_id, second.reopen_count, second.subject) == (
        None,
        helpdesk.general.pk,
        2,
        "Question, with a comma",
    )


def test_a_csv_naming_an_unknown_agent_or_queue_is_refused(org, helpdesk):
    content = (
        b"external_id,created_at,agent_email,queue,subject,first_response_at,resolved_at,handle_time_seconds,"
        b"reopen_count,csat_score,tags\n"
        b"T-1,2026-03-02T09:00:00Z,nobody@support.example,,,,,,,,\n"
        b"T-2,2026-03-02T09:00:00Z,,Nowhere,,,,,,,\n"
    )

    response = upload(api_client_for(org.admin), helpdesk.zendesk, content, name="export.csv")

    assert response.status_code == 400
    assert response.json()["records"] == [
        {
            "index": 0,
            "external_id": "T-1",
            "field": "agent_email",
            "message": "No agent has the e-mail nobody@support.example.",
        },
        {"index": 1, "external_id": "T-2", "field": "queue", "message": "No queue is named “Nowhere”."},
    ]
    assert Conversation.objects.count() == 4


def test_a_csv_without_the_documented_header_is_refused(org, helpdesk):
    response = upload(
        api_client_for(org.admin), helpdesk.zendesk, b"id,created\n1,2026-03-02T09:00:00Z\n", name="x.csv"
    )

    assert response.status_code == 400
    assert response.json()["records"][0]["field"] == "header"
    assert response.json()["detail"].startswith("File: header: The header lacks external_id, created_at, agent_email,")


# --- Who may -------------------------------------------------------------------------------------


def test_only_admins_list_and_read_integrations(org, helpdesk):
    ids = {helpdesk.zendesk.pk, helpdesk.intercom.pk}

    assert_role_access(
        list_url="/api/integrations/",
        detail_url=lambda pk: f"/api/integrations/{pk}/",
        all_ids=ids,
        cases={
            "admin": RoleCase(org.admin, sees=ids),
            "manager": RoleCase(org.manager_a, sees=set(), denied=True),
            "qa": RoleCase(org.qa, sees=set(), denied=True),
            "agent": RoleCase(org.agent_a1.user, sees=set(), denied=True),
            "integration account": RoleCase(helpdesk.sync, sees=set(), denied=True),
        },
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 201), ("sync", 201), ("manager_a", 403), ("qa", 403), ("agent", 403)],
)
def test_who_may_import(org, helpdesk, who, status):
    user = {"admin": org.admin, "sync": helpdesk.sync, "manager_a": org.manager_a, "qa": org.qa}.get(
        who
    ) or org.agent_a1.user

    response = upload(api_client_for(user), helpdesk.zendesk, fixture_bytes("zendesk_export.json"))

    assert response.status_code == status
    assert Conversation.objects.filter(source="zendesk").count() == (3 if status == 201 else 0)


def test_anonymous_requests_are_refused(helpdesk):
    response = upload(api_client_for(None), helpdesk.zendesk, fixture_bytes("zendesk_export.json"))

    assert response.status_code == 401
    assert not Conversation.objects.filter(source="zendesk").exists()


def test_the_secret_is_never_serialised(org, helpdesk):
    response = api_client_for(org.admin).get(f"/api/integrations/{helpdesk.zendesk.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": helpdesk.zendesk.pk,
        "name": "Acme Zendesk",
        "source": "zendesk",
        "account": "acme",
        "is_active": True,
        "replay_window_seconds": 300,
        "default_queue_id": helpdesk.general.pk,
        "has_webhook_secret": True,
        "webhook_url": f"http://testserver/webhooks/helpdesk/{helpdesk.zendesk.pk}/",
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }
    assert "zd-signing-secret" not in response.content.decode()


def test_the_integration_list_costs_a_fixed_number_of_queries(org, helpdesk, django_assert_num_queries):
    client = api_client_for(org.admin)
    client.get("/api/integrations/")  # warm the token and role caches of this client

    with django_assert_num_queries(4):
        first = client.get("/api/integrations/")
    for number in range(5):
        HelpdeskIntegration.objects.create(name=f"Extra {number}", source="intercom", default_queue=helpdesk.general)
    with django_assert_num_queries(4):
        second = client.get("/api/integrations/")

    assert (first.json()["count"], second.json()["count"]) == (2, 7)


def test_a_ticket_sent_twice_in_one_file_is_refused(org, helpdesk):
    body = (
        b'{"tickets": [{"id": 1, "created_at": "2026-03-02T01:00:00Z"},'
        b' {"id": 1, "created_at": "2026-03-02T01:00:00Z"}]}'
    )

    response = upload(api_client_for(org.admin), helpdesk.zendesk, body)

    assert response.status_code == 400
    assert response.json()["records"] == [
        {
            "index": 1,
            "external_id": "1",
            "field": "external_id",
            "message": "Repeats row 0 (zendesk #1); send each once.",
        }
    ]
    assert Conversation.objects.count() == 4
