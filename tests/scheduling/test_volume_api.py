"""The capacity API: volume history per role, CSV import and build through HTTP, bad input."""

from datetime import UTC, date, datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling import services
from scheduling.models import IntervalVolume
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import ConversationFactory

LIST = "/api/scheduling/volumes/"


def build_day(queue) -> None:
    services.volume_history_build(queue=queue, first_day=date(2026, 3, 2), last_day=date(2026, 3, 2))


def test_each_role_sees_only_the_capacity_data_of_the_queues_it_plans(org, queues):
    # given a day of history for Alpha (team_a) and Bravo (team_b), 48 intervals each
    build_day(queues.alpha)
    build_day(queues.bravo)
    alpha = set(IntervalVolume.objects.filter(queue=queues.alpha).values_list("pk", flat=True))
    bravo = set(IntervalVolume.objects.filter(queue=queues.bravo).values_list("pk", flat=True))
    sample = {min(alpha), max(alpha), min(bravo), max(bravo)}

    # then the lists are exact; details are checked on a sample (every one of 96 per role is slow)
    for name, user, expected in [
        ("admin", org.admin, alpha | bravo),
        ("manager_a", org.manager_a, alpha),
        ("manager_b", org.manager_b, bravo),
    ]:
        assert_role_access(
            list_url=LIST + "?page_size=500",
            detail_url=lambda pk: f"{LIST}{pk}/",
            all_ids=expected | sample,
            cases={name: RoleCase(user, sees=expected)},
        )
    assert_role_access(
        list_url=LIST,
        detail_url=lambda pk: f"{LIST}{pk}/",
        all_ids=sample,
        cases={
            "qa": RoleCase(org.qa, sees=set(), denied=True),
            "agent": RoleCase(org.agent_a1.user, sees=set(), denied=True),
        },
    )


def test_volume_list_filters_by_queue_and_time_range(org, queues):
    build_day(queues.alpha)
    build_day(queues.bravo)
    client = api_client_for(org.admin)

    response = client.get(
        LIST,
        {"queue_id": queues.alpha.pk, "start": "2026-03-02T09:00:00+08:00", "end": "2026-03-02T10:00:00+08:00"},
    )

    assert response.status_code == 200
    body = response.json()
    assert [(row["queue_name"], row["interval_start"], row["interval_minutes"]) for row in body["results"]] == [
        ("Alpha chat", "2026-03-02T01:00:00Z", 30),
        ("Alpha chat", "2026-03-02T01:30:00Z", 30),
    ]


def test_volume_list_refuses_naive_range_and_non_integer_queue(org, queues):
    client = api_client_for(org.admin)

    naive = client.get(LIST, {"start": "2026-03-02T09:00:00"})
    bad_queue = client.get(LIST, {"queue_id": "alpha"})

    assert naive.status_code == 400
    assert "start" in naive.json()
    assert bad_queue.status_code == 400
    assert "queue_id" in bad_queue.json()


def test_volume_list_costs_the_same_queries_whatever_the_size(org, queues):
    client = api_client_for(org.manager_a)
    build_day(queues.alpha)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured.captured_queries)

    small = count()
    services.volume_history_build(queue=queues.alpha, first_day=date(2026, 3, 3), last_day=date(2026, 3, 9))
    assert count() == small == 4  # token with its user, roles, count, page (queue scoping is a subquery)


def test_csv_import_through_multipart_and_raw_body(org, queues):
    client = api_client_for(org.manager_a)
    csv_text = "interval_start,queue,volume,aht_seconds\n2026-03-02T09:00:00+08:00,Alpha chat,12,300\n"

    multipart = client.post(
        LIST + "import/", {"file": SimpleUploadedFile("v.csv", csv_text.encode(), "text/csv")}, format="multipart"
    )
    raw = client.generic(
        "POST",
        LIST + "import/",
        csv_text.replace(",12,", ",14,").encode(),
        content_type="text/csv",
        HTTP_CONTENT_DISPOSITION="attachment; filename=v.csv",
    )

    assert multipart.status_code == 201, multipart.json()
    assert multipart.json() == {
        "rows": 1,
        "queues": 1,
        "first_interval": "2026-03-02T01:00:00Z",
        "last_interval": "2026-03-02T01:00:00Z",
    }
    assert raw.status_code == 201, raw.json()
    assert IntervalVolume.objects.get(queue=queues.alpha).volume == 14


def test_a_bad_csv_is_a_400_naming_the_line_and_stores_nothing(org, queues):
    client = api_client_for(org.manager_a)
    csv_text = (
        "interval_start,queue,volume,aht_seconds\n"
        "2026-03-02T09:00:00+08:00,Alpha chat,12,300\n"
        "2026-03-02T09:30:00+08:00,Bravo chat,-3,300\n"
    )

    response = client.post(
        LIST + "import/", {"file": SimpleUploadedFile("v.csv", csv_text.encode(), "text/csv")}, format="multipart"
    )
    missing = client.post(LIST + "import/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Line 3: queue: You do not plan queue “Bravo chat” (it is not staffed by a team you manage).",
        "lines": {
            "3": {
                "queue": ["You do not plan queue “Bravo chat” (it is not staffed by a team you manage)."],
                "volume": ["Cannot be negative."],
            }
        },
    }
    assert missing.status_code == 400
    assert missing.json()["lines"] == {"1": {"file": ["Send a CSV file (multipart field “file”)."]}}
    assert IntervalVolume.objects.count() == 0


def test_agents_and_reviewers_cannot_import_or_build(org, queues):
    for user in (org.agent_a1.user, org.qa):
        client = api_client_for(user)
        assert client.post(LIST + "import/", {}, format="multipart").status_code == 403
        assert client.post(LIST + "build/", {"queue_id": queues.alpha.pk}, format="json").status_code == 403
    assert IntervalVolume.objects.count() == 0


def test_build_through_the_api_for_a_planned_queue_only(org, queues):
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=datetime(2026, 3, 2, 1, 5, tzinfo=UTC))
    client = api_client_for(org.manager_a)
    body = {"queue_id": queues.alpha.pk, "first_day": "2026-03-02", "last_day": "2026-03-02"}

    built = client.post(LIST + "build/", body, format="json")
    other = client.post(LIST + "build/", {**body, "queue_id": queues.bravo.pk}, format="json")
    unknown = client.post(LIST + "build/", {**body, "queue_id": 999999}, format="json")
    reversed_days = client.post(LIST + "build/", {**body, "first_day": "2026-03-05"}, format="json")
    bad_date = client.post(LIST + "build/", {**body, "last_day": "March"}, format="json")

    assert built.status_code == 200
    assert built.json() == {
        "queue_id": queues.alpha.pk,
        "first_day": "2026-03-02",
        "last_day": "2026-03-02",
        "intervals": 48,
        "contacts": 1,
        "kept_imported": 0,
    }
    assert other.status_code == 403
    assert other.json() == {"queue_id": "You do not plan this queue (it is not staffed by a team you manage)."}
    assert unknown.status_code == 404
    assert reversed_days.status_code == 400
    assert reversed_days.json() == {"last_day": ["The last day is before the first day."]}
    assert bad_date.status_code == 400
    assert "last_day" in bad_date.json()
    assert set(IntervalVolume.objects.values_list("queue_id", flat=True)) == {queues.alpha.pk}
