"""Conversations through the API: role-scoped reads, filters, the transcript, and the bulk import."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission

from supportops.models import Conversation, ConversationMessage
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, ConversationFactory, QueueFactory, UserFactory


@pytest.fixture
def integration(db):
    """An integration account: no role, only the permission to add conversations."""
    user = UserFactory(username="helpdesk_sync")
    user.user_permissions.add(Permission.objects.get(codename="add_conversation"))
    return user


def iso(moment):
    """How the API writes a date-time: ISO 8601 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def conversation_ids(org):
    return (org.conversation_a1.pk, org.conversation_a2.pk, org.conversation_b1.pk, org.conversation_b2.pk)


def test_conversations_each_role_sees_exactly_its_conversations(org, integration):
    a1, a2, b1, b2 = conversation_ids(org)

    assert_role_access(
        list_url="/api/conversations/",
        detail_url=lambda pk: f"/api/conversations/{pk}/",
        all_ids={a1, a2, b1, b2},
        cases={
            "admin": RoleCase(org.admin, sees={a1, a2, b1, b2}),
            "manager_a": RoleCase(org.manager_a, sees={a1, a2, b2}),
            "manager_b": RoleCase(org.manager_b, sees={b1, b2}),
            "qa": RoleCase(org.qa, sees={a1, a2}),
            "agent": RoleCase(org.agent_a1.user, sees={a1}),
            "integration": RoleCase(integration, sees=set()),
        },
    )


def test_an_agents_token_sees_only_their_own_conversations(org):
    client = api_client_for(org.agent_a2.user)

    listed = client.get("/api/conversations/").json()["results"]

    assert [conversation["external_id"] for conversation in listed] == ["a2"]
    assert client.get(f"/api/conversations/{org.conversation_a1.pk}/").status_code == 404
    assert client.get("/api/conversations/", {"agent_id": org.agent_a1.pk}).json()["results"] == []


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_conversations_are_not_edited_or_deleted_through_the_api(org, method):
    response = getattr(api_client_for(org.admin), method)(f"/api/conversations/{org.conversation_a1.pk}/", {})

    assert response.status_code == 405
    assert Conversation.objects.filter(pk=org.conversation_a1.pk).exists()


def test_detail_has_the_transcript_in_order_and_the_list_does_not(org):
    conversation = org.conversation_a1
    for position, (role, body) in enumerate([("customer", "My card was charged twice"), ("agent", "Refunded")]):
        ConversationMessage.objects.create(
            conversation=conversation,
            position=position,
            author_role=role,
            body=body,
            sent_at=conversation.created_at + timedelta(seconds=30 * position),
        )
    client = api_client_for(org.agent_a1.user)

    detail = client.get(f"/api/conversations/{conversation.pk}/").json()
    listed = client.get("/api/conversations/").json()["results"][0]

    assert detail["messages"] == [
        {
            "position": 0,
            "author_role": "customer",
            "author_name": "",
            "body": "My card was charged twice",
            "sent_at": iso(conversation.created_at),
        },
        {
            "position": 1,
            "author_role": "agent",
            "author_name": "",
            "body": "Refunded",
            "sent_at": iso(conversation.created_at + timedelta(seconds=30)),
        },
    ]
    assert "messages" not in listed
    assert {
        key: listed[key] for key in ("id", "external_id", "agent_id", "team_id", "queue_id", "csat_score", "tags")
    } == {
        "id": conversation.pk,
        "external_id": "a1",
        "agent_id": org.agent_a1.pk,
        "team_id": org.team_a.pk,
        "queue_id": conversation.queue_id,
        "csat_score": 5,
        "tags": ["billing"],
    }


# --- Filters ---------------------------------------------------------------------------------------


def external_ids(client, **params):
    response = client.get("/api/conversations/", params)
    assert response.status_code == 200, response.json()
    return sorted(conversation["external_id"] for conversation in response.json()["results"])


def test_conversation_filters(org):
    # given the org's four conversations, created 7 minutes apart from 2026-03-02 09:00 UTC in fixture order
    Conversation.objects.filter(pk=org.conversation_b1.pk).update(
        csat_score=2, subject="Refund request", source="zendesk"
    )
    Conversation.objects.filter(pk=org.conversation_b2.pk).update(csat_score=3, tags=["vip", "refund"])
    client = api_client_for(org.admin)
    a1_created = org.conversation_a1.created_at

    assert external_ids(client, team_id=org.team_b.pk) == ["b1", "b2"]
    assert external_ids(client, agent_id=org.agent_a2.pk) == ["a2"]
    assert external_ids(client, queue_id=org.conversation_b2.queue_id) == ["b2"]
    assert external_ids(client, source="zendesk") == ["b1"]
    assert external_ids(client, csat=3) == ["b2"]
    assert external_ids(client, csat_min=3) == ["a1", "a2", "b2"]
    assert external_ids(client, csat_max=3) == ["b1", "b2"]
    assert external_ids(client, q="refund") == ["b1", "b2"]
    assert external_ids(client, q="a2") == ["a2"]
    assert external_ids(client, created_after=a1_created.isoformat()) == sorted(
        c.external_id for c in Conversation.objects.filter(created_at__gte=a1_created)
    )
    assert external_ids(
        client,
        created_before=(a1_created + timedelta(seconds=1)).isoformat(),
        created_after=(a1_created - timedelta(seconds=1)).isoformat(),
    ) == ["a1"]
    assert external_ids(client, created_after="2030-01-01T00:00:00+08:00") == []


def test_created_after_honours_the_offset(org):
    # 2026-03-02 17:00 in Singapore is 09:00 UTC: every org conversation is at or after it
    client = api_client_for(org.admin)

    assert external_ids(client, created_after="2026-03-02T17:00:00+08:00") == ["a1", "a2", "b1", "b2"]
    assert external_ids(client, created_before="2026-03-02T17:00:00+08:00") == []


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"created_after": "2026-03-02T09:00:00"},
            {"created_after": ["Give a time zone offset (e.g. 2026-03-01T09:00:00Z)."]},
        ),
        ({"created_before": "yesterday"}, {"created_before": ["Enter a valid date/time."]}),
        ({"csat_min": "high"}, {"csat_min": ["Enter a whole number."]}),
        ({"source": "email"}, {"source": ["Select a valid choice. email is not one of the available choices."]}),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_filter(org, params, errors):
    response = api_client_for(org.admin).get("/api/conversations/", params)

    assert response.status_code == 400
    assert response.json() == errors


def make_conversations(org, count):
    for index in range(count):
        ConversationFactory(agent=[org.agent_a1, org.agent_b2][index % 2])


@pytest.mark.parametrize(("role", "queries"), [("admin", 4), ("manager_a", 4), ("agent", 4)])
def test_conversation_list_costs_a_fixed_number_of_queries(org, role, queries, django_assert_num_queries):
    client = api_client_for(org.agent_a1.user if role == "agent" else getattr(org, role))

    make_conversations(org, 2)
    with django_assert_num_queries(queries):
        small = client.get("/api/conversations/")

    make_conversations(org, 10)
    with django_assert_num_queries(queries):
        large = client.get("/api/conversations/")

    assert large.json()["count"] > small.json()["count"]


# --- Bulk import -----------------------------------------------------------------------------------


def row(external_id, /, **extra):
    return {"source": "zendesk", "external_id": external_id, "created_at": "2026-03-03T09:00:00+08:00", **extra}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", 201), ("integration", 201), ("manager_a", 403), ("qa", 403), ("agent", 403)],
)
def test_who_may_import_conversations(org, integration, role, expected):
    user = {"integration": integration, "agent": org.agent_a1.user}.get(role) or getattr(org, role)

    response = api_client_for(user).post("/api/conversations/", [row("z-1")], format="json")

    assert response.status_code == expected
    assert Conversation.objects.filter(external_id="z-1").exists() is (expected == 201)


def test_bulk_import_stores_rows_and_transcripts_exactly(org, integration):
    queue = QueueFactory(name="SG chat")
    client = api_client_for(integration)
    body = [
        row(
            "z-1",
            queue_id=queue.pk,
            agent_id=org.agent_a1.pk,
            subject="Card charged twice",
            first_response_at="2026-03-03T09:00:45+08:00",
            resolved_at="2026-03-03T09:12:00+08:00",
            handle_time_seconds=600,
            reopen_count=1,
            csat_score=4,
            csat_comment="Quick",
            tags=["billing", "refund"],
            messages=[
                {
                    "author_role": "customer",
                    "author_name": "Lee",
                    "body": "Charged twice",
                    "sent_at": "2026-03-03T01:00:00Z",
                },
                {"author_role": "agent", "body": "Refunded", "sent_at": "2026-03-03T01:00:45Z"},
            ],
        ),
        row("z-2", created_at="2026-03-03T10:00:00Z"),
    ]

    response = client.post("/api/conversations/", body, format="json")

    assert response.status_code == 201
    stored = {c.external_id: c for c in Conversation.objects.filter(source="zendesk")}
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "conversations": [
            {"id": stored["z-1"].pk, "source": "zendesk", "external_id": "z-1"},
            {"id": stored["z-2"].pk, "source": "zendesk", "external_id": "z-2"},
        ],
    }
    first = stored["z-1"]
    assert (first.queue, first.agent, first.subject) == (queue, org.agent_a1, "Card charged twice")
    assert first.created_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    assert first.first_response_seconds == 45.0
    assert first.resolved_at == datetime(2026, 3, 3, 1, 12, tzinfo=UTC)
    assert (first.handle_time_seconds, first.reopen_count, first.csat_score, first.csat_comment) == (600, 1, 4, "Quick")
    assert first.tags == ["billing", "refund"]
    assert list(first.messages.values_list("position", "author_role", "author_name", "body")) == [
        (0, "customer", "Lee", "Charged twice"),
        (1, "agent", "", "Refunded"),
    ]
    second = stored["z-2"]
    assert (second.queue, second.agent, second.csat_score, second.tags, second.messages.count()) == (
        None,
        None,
        None,
        [],
        0,
    )


def test_bulk_import_is_idempotent_a_repeated_key_updates_the_row(org, integration):
    # given one imported conversation with a transcript
    client = api_client_for(integration)
    first_body = [
        row(
            "z-1", csat_score=2, messages=[{"author_role": "customer", "body": "Hi", "sent_at": "2026-03-03T01:00:00Z"}]
        )
    ]
    created = client.post("/api/conversations/", first_body, format="json").json()

    # when the same batch is sent again, then once more with a changed score and no transcript
    again = client.post("/api/conversations/", first_body, format="json")
    changed = client.post("/api/conversations/", [row("z-1", csat_score=5), row("z-2")], format="json")

    # then the repeat is a 200 that updated the same row, never a duplicate
    assert again.status_code == 200
    assert again.json() == {"created": 0, "updated": 1, "conversations": created["conversations"]}
    assert changed.status_code == 201
    assert changed.json()["created"] == 1
    assert changed.json()["updated"] == 1
    assert changed.json()["conversations"][0] == created["conversations"][0]
    assert Conversation.objects.filter(source="zendesk", external_id="z-1").count() == 1
    conversation = Conversation.objects.get(source="zendesk", external_id="z-1")
    assert conversation.csat_score == 5
    # a row without messages keeps the stored transcript
    assert list(conversation.messages.values_list("body", flat=True)) == ["Hi"]
    assert Conversation.objects.count() == 4 + 2


def test_bulk_import_accepts_a_single_object(org):
    response = api_client_for(org.admin).post("/api/conversations/", row("z-1"), format="json")

    assert response.status_code == 201
    assert response.json()["created"] == 1
    assert Conversation.objects.filter(external_id="z-1").count() == 1


@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        ({"created_at": "2026-03-03T09:00:00"}, "created_at", "Give a time zone offset (e.g. 2026-03-01T09:00:00Z)."),
        (
            {"created_at": "last week"},
            "created_at",
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
        ({"csat_score": "great"}, "csat_score", "A valid integer is required."),
        ({"csat_score": 6}, "csat_score", "Ensure this value is less than or equal to 5."),
        ({"source": "email"}, "source", '"email" is not a valid choice.'),
        ({"external_id": None}, "external_id", "This field may not be null."),
        ({"agent_id": 999999}, "agent_id", "No agent has id 999999."),
        ({"queue_id": "abc"}, "queue_id", "A valid integer is required."),
        ({"tags": "billing"}, "tags", 'Expected a list of items but got type "str".'),
        (
            {"resolved_at": "2026-03-03T00:00:00Z"},
            "resolved_at",
            "A conversation cannot be resolved before it was created.",
        ),
        ({"handle_time_seconds": -1}, "handle_time_seconds", "Ensure this value is greater than or equal to 0."),
        (
            {"messages": [{"author_role": "customer", "body": "Hi", "sent_at": "2026-03-03T09:00:00"}]},
            "messages[0].sent_at",
            "Give a time zone offset (e.g. 2026-03-01T09:00:00Z).",
        ),
        (
            {"messages": [{"author_role": "robot", "body": "Hi", "sent_at": "2026-03-03T01:00:00Z"}]},
            "messages[0].author_role",
            '"robot" is not a valid choice.',
        ),
    ],
)
def test_one_bad_row_refuses_the_batch_naming_row_and_field(org, integration, bad_row, field, message):
    body = [row("z-0"), row("z-1", **bad_row), row("z-2")]

    response = api_client_for(integration).post("/api/conversations/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": f"Row 1: {field}: {message}", "rows": {"1": {field: [message]}}}
    assert Conversation.objects.count() == 4


def test_every_bad_row_is_named(org):
    body = [row("z-0", csat_score="x"), row("z-1"), {"source": "zendesk"}, "not an object"]

    response = api_client_for(org.admin).post("/api/conversations/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Row 0: csat_score: A valid integer is required.",
        "rows": {
            "0": {"csat_score": ["A valid integer is required."]},
            "2": {"external_id": ["This field is required."], "created_at": ["This field is required."]},
            "3": {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
        },
    }
    assert Conversation.objects.count() == 4


def test_a_key_repeated_within_one_batch_is_refused(org):
    response = api_client_for(org.admin).post("/api/conversations/", [row("z-1"), row("z-1")], format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Row 1: external_id: Repeats row 0 (zendesk #z-1); send each once.",
        "rows": {"1": {"external_id": ["Repeats row 0 (zendesk #z-1); send each once."]}},
    }


def test_more_than_1000_rows_are_refused(org):
    body = [row(f"z-{index}") for index in range(1001)]

    response = api_client_for(org.admin).post("/api/conversations/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Send at most 1000 conversations at once, not 1001.", "rows": {}}
    assert Conversation.objects.count() == 4


@pytest.mark.parametrize("body", [[], "text", 12])
def test_an_empty_or_malformed_batch_is_refused(org, body):
    response = api_client_for(org.admin).post("/api/conversations/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Send a JSON list of conversations (or one conversation object).", "rows": {}}


def test_invalid_json_is_a_400(org):
    response = api_client_for(org.admin).post("/api/conversations/", "[{", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_the_imported_agent_sees_the_conversation(org, integration):
    agent = AgentFactory(user__username="agent_c1", team=org.team_a)
    api_client_for(integration).post("/api/conversations/", [row("z-9", agent_id=agent.pk)], format="json")

    listed = api_client_for(agent.user).get("/api/conversations/").json()["results"]

    assert [conversation["external_id"] for conversation in listed] == ["z-9"]
