"""Booked activities (training, meetings, coaching outside schedules): managers book them for their teams, agents
read their own, and onboarding books training through the service."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from scheduling import services
from scheduling.models import BookedActivity, RequestStatus, TimeOffRequest
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, UserFactory
from tests.scheduling.requests_helpers import WEEK, add_shift, name_agents, sgt

URL = "/api/scheduling/booked-activities/"


@pytest.fixture(autouse=True)
def _named(org):
    name_agents(org)


def booking(agent, hour=10, title="Product training", **fields) -> BookedActivity:
    return BookedActivity.objects.create(
        agent=agent, title=title, starts_at=sgt(WEEK, hour), ends_at=sgt(WEEK, hour + 2), **fields
    )


def test_each_role_sees_and_changes_exactly_the_bookings_it_may(org):
    a1, a2 = booking(org.agent_a1).pk, booking(org.agent_a2).pk
    b1, b2 = booking(org.agent_b1).pk, booking(org.agent_b2).pk

    assert_role_access(
        list_url=URL,
        detail_url=lambda pk: f"{URL}{pk}/",
        all_ids={a1, a2, b1, b2},
        cases={
            "agent_a1 (reads own)": RoleCase(org.agent_a1.user, sees={a1}),
            "agent_b1 (reads own)": RoleCase(org.agent_b1.user, sees={b1}),
            "qa reviewer": RoleCase(org.qa, sees=set()),
            "manager_a (own team)": RoleCase(org.manager_a, sees={a1, a2}, may_change={a1, a2}),
            "manager_b (own team)": RoleCase(org.manager_b, sees={b1, b2}, may_change={b1, b2}),
            "admin": RoleCase(org.admin, sees={a1, a2, b1, b2}, may_change={a1, a2, b1, b2}),
        },
        change={"title": "Renamed"},
    )


def test_a_manager_books_training_for_an_agent_of_their_team(org):
    response = api_client_for(org.manager_a).post(
        URL,
        {
            "agent_id": org.agent_a1.pk,
            "kind": "coaching",
            "title": "1:1",
            "starts_at": "2030-06-03T14:00",
            "ends_at": "2030-06-03T14:30",
            "source": "one_on_ones",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "agent_id": org.agent_a1.pk,
        "agent_name": "Ann Alpha",
        "kind": "coaching",
        "title": "1:1",
        "starts_at": "2030-06-03T06:00:00Z",
        "ends_at": "2030-06-03T06:30:00Z",
        "source": "one_on_ones",
        "created_by": "Mia Lead",
        "created_at": body["created_at"],
    }


def test_agents_and_managers_of_other_teams_cannot_book(org):
    body = {"title": "Training", "starts_at": "2030-06-03T10:00+08:00", "ends_at": "2030-06-03T12:00+08:00"}

    own = api_client_for(org.agent_a1.user).post(URL, {**body, "agent_id": org.agent_a1.pk})
    other_team = api_client_for(org.manager_b).post(URL, {**body, "agent_id": org.agent_a1.pk})
    direct_report_in_other_team = api_client_for(org.manager_a).post(URL, {**body, "agent_id": org.agent_b2.pk})
    own_delete = api_client_for(org.agent_a1.user).delete(f"{URL}{booking(org.agent_a1).pk}/")

    assert own.status_code == 403
    assert own.json() == {"detail": "Only a manager of Alpha or an admin books activities for Ann Alpha."}
    assert other_team.status_code == 400
    assert other_team.json() == {"agent_id": [f"No agent has id {org.agent_a1.pk}."]}
    assert direct_report_in_other_team.status_code == 403
    assert own_delete.status_code == 403
    assert BookedActivity.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"starts_at": "2030-06-03T12:00+08:00", "ends_at": "2030-06-03T10:00+08:00"},
            {"ends_at": ["The activity ends before it starts."]},
        ),
        (
            {"starts_at": "2030-06-03T11:00+08:00", "ends_at": "2030-06-03T13:00+08:00"},
            {"starts_at": ["Ann Alpha already has “Product training” Mon 03 Jun 2030 10:00–12:00."]},
        ),
        (
            {"starts_at": "2030-06-05T10:00+08:00", "ends_at": "2030-06-05T11:00+08:00"},
            {
                "starts_at": [
                    "Ann Alpha has approved time off Wed 05 Jun 2030 00:00 – Thu 06 Jun 2030 00:00 (Asia/Singapore)."
                ]
            },
        ),
        (
            {"starts_at": "2030-06-03T10:00+08:00", "ends_at": "2030-06-04T12:00+08:00"},
            {"ends_at": ["Book at most 24 hours at once."]},
        ),
        ({"kind": "break"}, {"kind": ['"break" is not a valid choice.']}),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"agent_id": 999999}, {"agent_id": ["No agent has id 999999."]}),
    ],
)
def test_bad_bookings_are_refused_naming_the_field_and_nothing_is_stored(org, body, errors):
    booking(org.agent_a1)  # Monday 10:00-12:00
    TimeOffRequest.objects.create(
        agent=org.agent_a1,
        starts_at=sgt(WEEK + timedelta(days=2), 0),
        ends_at=sgt(WEEK + timedelta(days=3), 0),
        status=RequestStatus.APPROVED,
    )
    defaults = {
        "agent_id": org.agent_a1.pk,
        "title": "Escalations",
        "starts_at": "2030-06-04T10:00+08:00",
        "ends_at": "2030-06-04T11:00+08:00",
    }

    response = api_client_for(org.manager_a).post(URL, {**defaults, **body})

    assert response.status_code == 400
    assert response.json() == errors
    assert BookedActivity.objects.count() == 1


def test_a_local_time_skipped_by_dst_is_refused(org):
    london = AgentFactory(user=UserFactory(username="agent_london"), team=org.team_a, timezone="Europe/London")

    response = api_client_for(org.manager_a).post(
        URL,
        {"agent_id": london.pk, "title": "Training", "starts_at": "2030-03-31T01:00", "ends_at": "2030-03-31T03:00"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "starts_at": ["2030-03-31 01:00 does not exist in Europe/London (the clocks skipped it)."]
    }


def test_onboarding_books_training_through_the_service_without_a_user(org):
    activity = services.booked_activity_create(
        agent=org.agent_a1,
        kind="training",
        title="Module 3: refunds",
        starts_at=datetime(2030, 6, 3, 2, tzinfo=UTC),
        ends_at=datetime(2030, 6, 3, 4, tzinfo=UTC),
        source="onboarding",
        user=None,
    )

    assert (activity.created_by, activity.source, activity.kind) == (None, "onboarding", "training")
    with pytest.raises(PermissionDenied):
        services.booked_activity_create(
            agent=org.agent_a1,
            title="Sneaky",
            starts_at=datetime(2030, 6, 4, 2, tzinfo=UTC),
            ends_at=datetime(2030, 6, 4, 3, tzinfo=UTC),
            user=org.agent_a2.user,
        )


def test_a_shift_created_later_holds_the_booking_or_stays_clear_of_it(org):
    booking(org.agent_a1, hour=10)  # Monday 10:00-12:00
    booking(org.agent_a2, hour=10)

    shift = add_shift(org.agent_a1, WEEK, 9)  # 09:00-17:00 holds it
    with pytest.raises(ValidationError) as refused:
        add_shift(org.agent_a2, WEEK, 11)  # 11:00-19:00 would cut through it

    assert list(shift.activities.values_list("kind", "title", "starts_at")) == [
        ("training", "Product training", datetime(2030, 6, 3, 2, tzinfo=UTC))
    ]
    assert refused.value.message_dict == {
        "starts_at": ["The shift cuts through Ben Alpha's booked training “Product training”."]
    }


def test_changes_are_checked_again(org):
    first = booking(org.agent_a1, hour=10)
    second = booking(org.agent_a1, hour=14, title="Meeting")
    client = api_client_for(org.manager_a)

    overlapping = client.patch(f"{URL}{second.pk}/", {"starts_at": "2030-06-03T11:00+08:00"}, format="json")
    moved = client.patch(
        f"{URL}{second.pk}/", {"starts_at": "2030-06-03T12:00+08:00", "ends_at": "2030-06-03T13:00"}, format="json"
    )
    other_agent = client.patch(f"{URL}{first.pk}/", {"agent_id": org.agent_a2.pk}, format="json")

    assert overlapping.status_code == 400
    assert overlapping.json() == {
        "starts_at": ["Ann Alpha already has “Product training” Mon 03 Jun 2030 10:00–12:00."]
    }
    assert moved.status_code == 200
    assert (moved.json()["starts_at"], moved.json()["ends_at"]) == ("2030-06-03T04:00:00Z", "2030-06-03T05:00:00Z")
    assert other_agent.json() == {"agent_id": ["A booking stays with its agent; book a new one."]}
    assert client.delete(f"{URL}{first.pk}/").status_code == 204
    assert list(BookedActivity.objects.values_list("pk", flat=True)) == [second.pk]


def test_the_list_filters_by_agent_kind_and_time(org):
    training = booking(org.agent_a1, hour=10)
    coaching = booking(org.agent_a2, hour=14, kind="coaching", title="1:1")
    client = api_client_for(org.manager_a)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in client.get(f"{URL}?{query}").json()["results"]]

    assert ids("") == [training.pk, coaching.pk]
    assert ids(f"agent_id={org.agent_a2.pk}") == [coaching.pk]
    assert ids("kind=training") == [training.pk]
    assert ids("start=2030-06-03T04:00:00Z") == [coaching.pk]
    assert ids("end=2030-06-03T06:00:00Z") == [training.pk]


@pytest.mark.parametrize("who", ["agent", "manager", "admin"])
def test_the_booking_list_costs_the_same_queries_whatever_the_number(org, django_assert_num_queries, who):
    user = {"agent": org.agent_a1.user, "manager": org.manager_a, "admin": org.admin}[who]
    client = api_client_for(user)
    booking(org.agent_a1, created_by=org.manager_a)
    client.get(URL)
    with django_assert_num_queries(4):  # token + user, roles, count, page with agents and bookers
        assert client.get(URL).status_code == 200
    for hour in range(13, 20, 2):
        booking(org.agent_a1, hour=hour, created_by=org.admin)
        booking(AgentFactory(team=org.team_a), hour=hour, created_by=org.manager_a)

    with django_assert_num_queries(4):
        assert len(client.get(URL).json()["results"]) >= 5
