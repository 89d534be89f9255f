"""The pure parsers: Zendesk, Intercom and CSV payloads to neutral records, and their refusals by record and field."""

from datetime import UTC, datetime

import pytest

from supportops.integrations import intercom, zendesk
from supportops.integrations.csv_import import parse_csv
from supportops.integrations.records import MessageRecord, RecordError, RecordErrors, plain_text
from tests.integrations.fixtures import fixture_bytes, fixture_json


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --- Zendesk ---------------------------------------------------------------------------------------


def test_zendesk_export_gives_one_record_per_ticket_with_metrics_from_the_audits():
    # when
    export = zendesk.parse_export(fixture_json("zendesk_export.json"))

    # then
    assert export.after_cursor == "MTU4MDc1Mzc5OC4wfHw0MzJ8"
    assert export.end_of_stream is True
    assert [record.external_id for record in export.records] == ["35436", "35437", "35438"]
    refund, login, feature = export.records
    assert (refund.subject, refund.created_at, refund.tags) == (
        "Charged twice for my order",
        at("2026-03-02T01:00:00Z"),
        ["billing", "refund"],
    )
    assert (refund.assignee_id, refund.assignee_email, refund.routing_id) == (
        "2001",
        "Alice.Lim@Support.example",
        "360001",
    )
    # first public agent comment, last time solved, one solved → open
    assert refund.first_response_at == at("2026-03-02T01:12:00Z")
    assert refund.resolved_at == at("2026-03-02T02:30:00Z")
    assert refund.reopen_count == 1
    assert (refund.csat_score, refund.csat_comment) == (5, "Quick refund, thanks")
    assert refund.handle_time_seconds is None
    # an open ticket is not resolved; without audits the first response comes from the comments
    assert (login.first_response_at, login.resolved_at, login.reopen_count) == (at("2026-03-02T05:20:00Z"), None, 0)
    # closed after solved: solved time kept; no comments sent → transcript left as stored
    assert (feature.first_response_at, feature.resolved_at, feature.reopen_count) == (
        None,
        at("2026-03-03T09:00:00Z"),
        0,
    )
    assert feature.messages is None
    assert feature.routing_id is None


def test_zendesk_transcript_is_the_public_comments_in_order_with_their_authors():
    refund = zendesk.parse_export(fixture_json("zendesk_export.json")).records[0]

    assert refund.messages == [
        MessageRecord("customer", "My card was charged twice for order 1234.", at("2026-03-02T01:00:00Z"), "Mei Tan"),
        MessageRecord(
            "agent", "Sorry about that! I have refunded the duplicate charge.", at("2026-03-02T01:12:00Z"), "Alice Lim"
        ),
        MessageRecord("customer", "The refund is not showing yet.", at("2026-03-02T02:00:00Z"), "Mei Tan"),
        MessageRecord(
            "agent",
            "It takes up to 3 days to show; I have checked it went through.",
            at("2026-03-02T02:30:00Z"),
            "Alice Lim",
        ),
    ]


@pytest.mark.parametrize(
    ("ticket_rating", "ratings_list", "expected"),
    [
        ({"score": "good", "comment": "Great"}, [], (5, "Great")),
        ({"score": "bad", "comment": "Slow"}, [], (1, "Slow")),
        ({"score": "offered", "comment": None}, [], (None, "")),
        ({"score": "unoffered"}, [], (None, "")),
        (None, [], (None, "")),
        # the satisfaction_ratings list wins over the ticket's own rating, latest first
        (
            {"score": "offered"},
            [
                {"ticket_id": 1, "score": "bad", "comment": "Later", "created_at": "2026-03-02T09:00:00Z"},
                {"ticket_id": 1, "score": "good", "comment": "Earlier", "created_at": "2026-03-02T08:00:00Z"},
            ],
            (1, "Later"),
        ),
    ],
)
def test_zendesk_satisfaction_maps_good_to_5_and_bad_to_1(ticket_rating, ratings_list, expected):
    payload = {
        "tickets": [{"id": 1, "created_at": "2026-03-02T01:00:00Z", "satisfaction_rating": ticket_rating}],
        "satisfaction_ratings": ratings_list,
    }

    record = zendesk.parse_export(payload).records[0]

    assert (record.csat_score, record.csat_comment) == expected


def test_zendesk_export_uses_the_satisfaction_ratings_list_for_the_latest_rating():
    login = zendesk.parse_export(fixture_json("zendesk_export.json")).records[1]

    assert (login.csat_score, login.csat_comment) == (1, "Still cannot log in")


def test_zendesk_webhook_body_is_one_ticket_with_its_comments_and_audits():
    records = zendesk.parse_webhook(fixture_json("zendesk_webhook.json"))

    assert len(records) == 1
    record = records[0]
    assert (record.external_id, record.first_response_at, record.resolved_at, record.csat_score) == (
        "35439",
        at("2026-03-04T02:30:00Z"),
        at("2026-03-04T02:30:00Z"),
        1,
    )
    assert [message.author_role for message in record.messages or []] == ["customer", "agent"]


def refused(call, payload) -> list[tuple[int, str | None, str]]:
    with pytest.raises(RecordErrors) as error:
        call(payload)
    return [(e.index, e.external_id, e.field) for e in error.value.errors]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ([], [(-1, None, "file")]),
        ({"users": []}, [(-1, None, "tickets")]),
        ({"tickets": "35436"}, [(-1, None, "tickets")]),
        ({"tickets": [{"created_at": "2026-03-02T01:00:00Z"}]}, [(0, None, "id")]),
        ({"tickets": [{"id": True, "created_at": "2026-03-02T01:00:00Z"}]}, [(0, None, "id")]),
        ({"tickets": [{"id": 7}]}, [(0, "7", "created_at")]),
        ({"tickets": [{"id": 7, "created_at": "2026-03-02 01:00"}]}, [(0, "7", "created_at")]),
        ({"tickets": [{"id": 7, "created_at": "yesterday"}]}, [(0, "7", "created_at")]),
        ({"tickets": [{"id": 7, "created_at": 1772413200}]}, [(0, "7", "created_at")]),
        ({"tickets": [{"id": 7, "created_at": "2026-03-02T01:00:00Z", "tags": "vip"}]}, [(0, "7", "tags")]),
        ({"tickets": [{"id": 7, "created_at": "2026-03-02T01:00:00Z", "tags": ["ok", 3]}]}, [(0, "7", "tags[1]")]),
        (
            {"tickets": [{"id": 7, "created_at": "2026-03-02T01:00:00Z", "satisfaction_rating": {"score": "great"}}]},
            [(0, "7", "satisfaction_rating.score")],
        ),
        (
            {"tickets": [{"id": 7, "created_at": "2026-03-02T01:00:00Z"}], "comments": {"7": [{"body": "hi"}]}},
            [(0, "7", "comments[0].created_at")],
        ),
        (
            {
                "tickets": [{"id": 7, "created_at": "2026-03-02T01:00:00Z"}],
                "audits": [
                    {
                        "ticket_id": 7,
                        "created_at": "2026-03-02T01:00:00Z",
                        "events": [{"type": "Change", "field_name": "status", "value": 5}],
                    }
                ],
            },
            [(0, "7", "audits[0].events[0].value")],
        ),
        (
            {"tickets": [{"id": 7, "created_at": "2026-03-02T01:00:00Z"}], "audits": [{"ticket_id": 8}]},
            [(-1, None, "audits[0].ticket_id")],
        ),
        (
            {"tickets": [{"id": 7, "created_at": "2026-03-02T01:00:00Z"}, {"id": 8, "created_at": "bad"}, {"id": 9}]},
            [(1, "8", "created_at"), (2, "9", "created_at")],
        ),
    ],
)
def test_malformed_zendesk_json_is_refused_naming_record_and_field(payload, expected):
    assert refused(zendesk.parse_export, payload) == expected


def test_zendesk_webhook_without_a_ticket_is_refused():
    assert refused(zendesk.parse_webhook, {"id": 35436}) == [(-1, None, "ticket")]


# --- Intercom --------------------------------------------------------------------------------------


def test_intercom_conversations_give_records_from_statistics_and_parts():
    # when
    first, second = intercom.parse_conversations(fixture_json("intercom_conversations.json"))

    # then
    created = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    assert (first.external_id, first.created_at, first.subject) == ("1911149811", created, "")
    assert (first.assignee_id, first.assignee_email, first.routing_id) == (
        "814860",
        "carol.tan@support.example",
        "5017691",
    )
    assert first.first_response_at == datetime(2026, 3, 2, 5, 5, tzinfo=UTC)
    assert first.resolved_at == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert (first.reopen_count, first.csat_score, first.csat_comment) == (1, 4, "Helpful, but slow at first")
    assert first.tags == ["shipping", "vip"]
    assert first.handle_time_seconds is None
    # an open conversation: no resolution, no rating, no agent; its title is the subject
    assert (second.subject, second.assignee_id, second.routing_id, second.resolved_at, second.csat_score) == (
        "Invoice copy",
        None,
        None,
        None,
        None,
    )
    assert second.messages == [
        MessageRecord(
            "customer", "Please send me a copy of invoice 991.", datetime(2026, 3, 3, 10, 0, tzinfo=UTC), "Sam Ho"
        )
    ]


def test_intercom_transcript_has_the_bot_and_no_internal_note():
    first = intercom.parse_conversations(fixture_json("intercom_conversations.json"))[0]
    created = datetime(2026, 3, 2, 5, 0, tzinfo=UTC).timestamp()

    assert [
        (m.author_role, m.author_name, m.body, int(m.sent_at.timestamp() - created)) for m in first.messages or []
    ] == [
        ("customer", "Lee Wong", "Hi, where is my parcel? Order A-77", 0),
        ("bot", "Fin", "I can help with tracking. Let me connect you to the team.", 10),
        ("agent", "Carol Tan", "Your parcel left our warehouse today & arrives Friday.", 300),
        ("customer", "Lee Wong", "It still says pending on the tracking page.", 2400),
        ("agent", "Carol Tan", "The tracking page updates overnight;\nyou will see it tomorrow.", 3000),
    ]


def test_intercom_accepts_a_bare_list_and_a_single_conversation():
    listing = fixture_json("intercom_conversations.json")

    assert [r.external_id for r in intercom.parse_conversations(listing["conversations"])] == [
        "1911149811",
        "1911149812",
    ]
    assert [r.external_id for r in intercom.parse_conversations(listing["conversations"][1])] == ["1911149812"]


def test_intercom_notification_carries_its_topic_time_and_conversation():
    notification = intercom.parse_notification(fixture_json("intercom_notification.json"))

    assert notification.topic == "conversation.admin.closed"
    assert notification.created_at == datetime(2026, 3, 2, 6, 0, 1, tzinfo=UTC)
    assert [record.external_id for record in notification.records] == ["1911149811"]


def test_an_intercom_ping_carries_no_conversation():
    ping = {
        "type": "notification_event",
        "topic": "ping",
        "created_at": 1772431201,
        "data": {"item": {"type": "ping", "message": "hi"}},
    }

    assert intercom.parse_notification(ping).records == []


def conversation(**changes):
    base = {"type": "conversation", "id": "42", "created_at": 1772427600}
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("conversations", [(-1, None, "file")]),
        ({"type": "conversation.list"}, [(-1, None, "conversations")]),
        ([conversation(id=None)], [(0, None, "id")]),
        ([conversation(type="ticket")], [(0, "42", "type")]),
        ([conversation(created_at="2026-03-02T05:00:00Z")], [(0, "42", "created_at")]),
        ([conversation(created_at=None)], [(0, "42", "created_at")]),
        ([conversation(statistics={"count_reopens": "1"})], [(0, "42", "statistics.count_reopens")]),
        ([conversation(statistics={"first_admin_reply_at": 1.5})], [(0, "42", "statistics.first_admin_reply_at")]),
        ([conversation(conversation_rating={"rating": 6})], [(0, "42", "conversation_rating.rating")]),
        ([conversation(tags={"tags": [{"id": "1"}]})], [(0, "42", "tags[0].name")]),
        (
            [conversation(conversation_parts={"conversation_parts": [{"part_type": "comment", "body": "<p>x</p>"}]})],
            [(0, "42", "conversation_parts[0].created_at")],
        ),
        ([conversation(), conversation(id="43", source="text")], [(1, "43", "source")]),
    ],
)
def test_malformed_intercom_json_is_refused_naming_record_and_field(payload, expected):
    assert refused(intercom.parse_conversations, payload) == expected


# --- CSV -------------------------------------------------------------------------------------------


def test_csv_rows_become_records_with_utf8_bom_and_quoted_commas():
    first, second = parse_csv(fixture_bytes("conversations.csv"))

    assert first.external_id == "T-100"
    assert first.created_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert (first.assignee_email, first.queue_name, first.subject) == (
        "ALICE.LIM@support.example",
        "Billing chat",
        "Refund request",
    )
    assert (first.first_response_at, first.resolved_at) == (
        datetime(2026, 3, 2, 1, 2, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 1, 20, tzinfo=UTC),
    )
    assert (first.handle_time_seconds, first.reopen_count, first.csat_score, first.tags) == (
        840,
        0,
        5,
        ["billing", "refund"],
    )
    assert (second.subject, second.assignee_email, second.queue_name, second.reopen_count, second.tags) == (
        "Question, with a comma",
        None,
        None,
        2,
        [],
    )
    assert second.messages is None


HEADER = (
    "external_id,created_at,agent_email,queue,subject,first_response_at,resolved_at,"
    "handle_time_seconds,reopen_count,csat_score,tags\n"
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", [(-1, None, "file")]),
        (b"  \n", [(-1, None, "file")]),
        (HEADER.encode(), [(-1, None, "file")]),
        (b"external_id,created_at\nT-1,2026-03-02T09:00:00Z\n", [(-1, None, "header")]),
        ((HEADER + "T-1,2026-03-02T09:00:00Z,,,Caf\u00e9,,,,,,\n").encode("latin-1"), [(-1, None, "file")]),
        ((HEADER + ",2026-03-02T09:00:00Z,,,,,,,,,\n").encode(), [(0, None, "external_id")]),
        ((HEADER + "T-1,,,,,,,,,,\n").encode(), [(0, "T-1", "created_at")]),
        ((HEADER + "T-1,2026-03-02T09:00:00,,,,,,,,,\n").encode(), [(0, "T-1", "created_at")]),
        ((HEADER + "T-1,2026-03-02T09:00:00Z,alice,,,,,,,,\n").encode(), [(0, "T-1", "agent_email")]),
        ((HEADER + "T-1,2026-03-02T09:00:00Z,,,,soon,,,,,\n").encode(), [(0, "T-1", "first_response_at")]),
        ((HEADER + "T-1,2026-03-02T09:00:00Z,,,,,,12.5,,,\n").encode(), [(0, "T-1", "handle_time_seconds")]),
        ((HEADER + "T-1,2026-03-02T09:00:00Z,,,,,,,-1,,\n").encode(), [(0, "T-1", "reopen_count")]),
        ((HEADER + "T-1,2026-03-02T09:00:00Z,,,,,,,,6,\n").encode(), [(0, "T-1", "csat_score")]),
        ((HEADER + "T-1,2026-03-02T09:00:00Z,,,,,,,,,,extra\n").encode(), [(0, None, "row")]),
        (
            (HEADER + "T-1,2026-03-02T09:00:00Z,,,,,,,,,\nT-2,bad,,,,,,,,x,\n").encode(),
            [(1, "T-2", "created_at"), (1, "T-2", "csat_score")],
        ),
    ],
)
def test_bad_csv_is_refused_naming_row_and_column(content, expected):
    assert refused(parse_csv, content) == expected


def test_a_record_error_reads_as_a_sentence():
    with pytest.raises(RecordErrors) as error:
        parse_csv((HEADER + "T-1,,,,,,,,,,\n").encode())

    assert (
        str(error.value)
        == "Record 0 (#T-1): created_at: Missing; give when the conversation was opened (ISO 8601 with an offset)."
    )
    assert error.value.errors == [
        RecordError(0, "T-1", "created_at", "Missing; give when the conversation was opened (ISO 8601 with an offset).")
    ]


def test_html_bodies_become_plain_text():
    assert plain_text("<p>Hello&nbsp;<b>there</b></p><p>Line 2<br/>Line 3</p>") == "Hello\xa0there\nLine 2\nLine 3"


def test_a_zendesk_webhook_without_comments_keeps_the_stored_transcript():
    body = fixture_json("zendesk_webhook.json")
    del body["comments"]

    record = zendesk.parse_webhook(body)[0]

    assert record.messages is None
    assert record.first_response_at == at("2026-03-04T02:30:00Z")


def test_an_intercom_conversation_listed_without_parts_keeps_the_stored_transcript():
    listed = fixture_json("intercom_conversations.json")["conversations"][0]
    del listed["conversation_parts"]

    record = intercom.parse_conversations([listed])[0]

    assert record.messages is None
    assert record.first_response_at == datetime(2026, 3, 2, 5, 5, tzinfo=UTC)
