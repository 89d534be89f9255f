"""Time off: requested by agents (partial or whole local days), decided by their team's managers, e-mailed,
flagged when it falls on published shifts, and shown in the approvals inbox."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from scheduling import selectors, services
from scheduling.models import RequestStatus, TimeOffRequest
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, UserFactory
from tests.scheduling.requests_helpers import WEEK, add_shift, name_agents, publish, sgt

URL = "/api/scheduling/time-off/"


@pytest.fixture(autouse=True)
def _named(org):
    name_agents(org)


def time_off(agent, day=WEEK, days=1, status=RequestStatus.PENDING, **fields) -> TimeOffRequest:
    return TimeOffRequest.objects.create(
        agent=agent, starts_at=sgt(day, 0), ends_at=sgt(day + timedelta(days=days), 0), status=status, **fields
    )


def mails() -> list[tuple[list[str], str]]:
    return [(message.to, message.subject) for message in mail.outbox]


# --- access ----------------------------------------------------------------------------------------------------


def test_each_role_sees_exactly_the_time_off_it_may(org):
    a1, a2 = time_off(org.agent_a1).pk, time_off(org.agent_a2).pk
    b1, b2 = time_off(org.agent_b1).pk, time_off(org.agent_b2).pk

    assert_role_access(
        list_url=URL,
        detail_url=lambda pk: f"{URL}{pk}/",
        all_ids={a1, a2, b1, b2},
        cases={
            "agent_a1 (own only)": RoleCase(org.agent_a1.user, sees={a1}),
            "agent_b2 (own only)": RoleCase(org.agent_b2.user, sees={b2}),
            "qa reviewer": RoleCase(org.qa, sees=set()),
            "manager_a (own team, not a direct report elsewhere)": RoleCase(org.manager_a, sees={a1, a2}),
            "manager_b (own team)": RoleCase(org.manager_b, sees={b1, b2}),
            "admin": RoleCase(org.admin, sees={a1, a2, b1, b2}),
        },
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [("agent_a1", 403), ("agent_a2", 404), ("qa", 404), ("manager_b", 404), ("manager_a", 200), ("admin", 200)],
)
def test_only_a_manager_of_the_team_or_an_admin_decides(org, who, expected):
    request = time_off(org.agent_a1)
    user = {
        "agent_a1": org.agent_a1.user,
        "agent_a2": org.agent_a2.user,
        "qa": org.qa,
        "manager_b": org.manager_b,
        "manager_a": org.manager_a,
        "admin": org.admin,
    }[who]

    approved = api_client_for(user).post(f"{URL}{request.pk}/approve/", {"note": "ok"})
    declined = api_client_for(user).post(f"{URL}{time_off(org.agent_a1, WEEK + timedelta(days=3)).pk}/decline/")

    assert (approved.status_code, declined.status_code) == (expected, expected)
    request.refresh_from_db()
    assert request.status == ("approved" if expected == 200 else "pending")


# --- requesting ------------------------------------------------------------------------------------------------


def test_an_agent_requests_part_of_a_day_off(org):
    response = api_client_for(org.agent_a1.user).post(
        URL,
        {
            "kind": "personal",
            "starts_at": "2030-06-10T13:00:00+08:00",
            "ends_at": "2030-06-10T17:30:00+08:00",
            "reason": "Dentist",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "agent_id": org.agent_a1.pk,
        "agent_name": "Ann Alpha",
        "kind": "personal",
        "starts_at": "2030-06-10T05:00:00Z",
        "ends_at": "2030-06-10T09:30:00Z",
        "reason": "Dentist",
        "status": "pending",
        "overlaps_published_shift": False,
        "requested_at": body["requested_at"],
        "decided_by": None,
        "decided_at": None,
        "decision_note": "",
    }
    assert mail.outbox == []


def test_naive_times_are_the_agents_local_time(org):
    response = api_client_for(org.agent_a1.user).post(
        URL, {"starts_at": "2030-06-10T13:00", "ends_at": "2030-06-10T17:30"}
    )

    assert (response.json()["starts_at"], response.json()["ends_at"]) == (
        "2030-06-10T05:00:00Z",
        "2030-06-10T09:30:00Z",
    )


def test_whole_days_run_from_local_midnight_to_midnight_across_a_dst_change(org):
    london = AgentFactory(user=UserFactory(username="agent_london"), team=org.team_a, timezone="Europe/London")
    client = api_client_for(london.user)

    spring = client.post(URL, {"date": "2030-03-31", "all_day": True})  # the clocks go forward: 23 hours
    autumn = client.post(URL, {"date": "2030-10-26", "end_date": "2030-10-27", "all_day": True})  # 24 + 25 hours

    assert spring.status_code == 201
    assert (spring.json()["starts_at"], spring.json()["ends_at"]) == ("2030-03-31T00:00:00Z", "2030-03-31T23:00:00Z")
    assert autumn.status_code == 201
    assert (autumn.json()["starts_at"], autumn.json()["ends_at"]) == ("2030-10-25T23:00:00Z", "2030-10-28T00:00:00Z")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"starts_at": "2030-03-31T01:30", "ends_at": "2030-03-31T05:00"},
            {"starts_at": ["2030-03-31 01:30 does not exist in Europe/London (the clocks skipped it)."]},
        ),
        (
            {"starts_at": "2030-10-26T22:00", "ends_at": "2030-10-27T01:30"},
            {"ends_at": ["2030-10-27 01:30 happened twice in Europe/London; give a UTC offset to say which."]},
        ),
        (
            {"starts_at": "2030-06-10T17:00+01:00", "ends_at": "2030-06-10T09:00+01:00"},
            {"ends_at": ["The time off ends before it starts."]},
        ),
        (
            {"starts_at": "2030-06-10T09:00Z", "ends_at": "2031-06-12T09:00Z"},
            {"ends_at": ["Ask for at most 366 days at once."]},
        ),
        (
            {"starts_at": "2020-06-10T09:00Z", "ends_at": "2020-06-10T12:00Z"},
            {"ends_at": ["This time is already over; your manager records past absences."]},
        ),
        (
            {"starts_at": "next monday", "ends_at": "2030-06-10T12:00Z"},
            {"starts_at": ["Give an ISO 8601 date and time, e.g. 2026-11-30T09:00+08:00."]},
        ),
        ({"starts_at": "2030-06-10T09:00Z"}, {"ends_at": ["This field is required."]}),
        ({"all_day": True}, {"date": ["Give the first day off."]}),
        ({"date": "2030-06-10"}, {"all_day": ["Send all_day: true with date, or starts_at and ends_at."]}),
        (
            {"date": "2030-06-10", "end_date": "2030-06-09", "all_day": True},
            {"end_date": ["The last day is before the first day."]},
        ),
        (
            {"date": "2030-06-10", "all_day": True, "starts_at": "2030-06-10T09:00Z"},
            {"starts_at": ["Send whole days with date (and end_date), not times."]},
        ),
        ({"date": "2030-06-10", "all_day": True, "kind": "holiday"}, {"kind": ['"holiday" is not a valid choice.']}),
        (
            {"date": "2030-06-01", "end_date": "2030-06-02", "all_day": True},
            {"starts_at": ["It overlaps the pending time off Sat 01 Jun 2030 12:00–18:00 (Europe/London)."]},
        ),
    ],
)
def test_bad_requests_are_refused_naming_the_field_and_nothing_is_stored(org, body, errors):
    london = AgentFactory(user=UserFactory(username="agent_london"), team=org.team_a, timezone="Europe/London")
    TimeOffRequest.objects.create(
        agent=london, starts_at=datetime(2030, 6, 1, 11, tzinfo=UTC), ends_at=datetime(2030, 6, 1, 17, tzinfo=UTC)
    )

    response = api_client_for(london.user).post(URL, body)

    assert response.status_code == 400
    assert response.json() == errors
    assert TimeOffRequest.objects.count() == 1


def test_declined_and_cancelled_requests_do_not_block_a_new_one(org):
    time_off(org.agent_a1, status=RequestStatus.DECLINED)
    time_off(org.agent_a1, status=RequestStatus.CANCELLED)
    approved = time_off(org.agent_a1, WEEK + timedelta(days=1), status=RequestStatus.APPROVED)
    client = api_client_for(org.agent_a1.user)

    again = client.post(URL, {"date": WEEK.isoformat(), "all_day": True})
    touching = client.post(URL, {"starts_at": "2030-06-05T00:00+08:00", "ends_at": "2030-06-05T09:00+08:00"})
    overlapping_approved = client.post(
        URL, {"starts_at": "2030-06-04T20:00+08:00", "ends_at": "2030-06-05T09:00+08:00"}
    )

    assert (again.status_code, touching.status_code) == (201, 201)
    assert overlapping_approved.json() == {
        "starts_at": [
            "It overlaps the approved time off Tue 04 Jun 2030 00:00 – Wed 05 Jun 2030 00:00 (Asia/Singapore)."
        ]
    }
    assert approved.status == "approved"


def test_managers_enter_time_off_for_their_teams_agents_including_past_sick_days(org):
    body = {"agent_id": org.agent_a2.pk, "kind": "sick", "date": "2020-06-10", "all_day": True}

    by_manager = api_client_for(org.manager_a).post(URL, body)
    by_other_manager = api_client_for(org.manager_b).post(URL, body)
    by_manager_of_direct_report_only = api_client_for(org.manager_a).post(URL, {**body, "agent_id": org.agent_b2.pk})
    by_teammate = api_client_for(org.agent_a1.user).post(URL, {**body, "date": "2030-06-10"})

    assert by_manager.status_code == 201
    assert (by_manager.json()["agent_id"], by_manager.json()["status"]) == (org.agent_a2.pk, "pending")
    assert by_other_manager.status_code == 400
    assert by_other_manager.json() == {"agent_id": [f"No agent has id {org.agent_a2.pk}."]}
    assert by_manager_of_direct_report_only.status_code == 403
    assert by_teammate.status_code == 403
    assert by_teammate.json() == {
        "detail": "Only Ben Alpha, a manager of Alpha or an admin may request time off for this agent."
    }
    assert TimeOffRequest.objects.count() == 1


def test_time_off_on_published_shifts_is_accepted_and_flagged(org):
    add_shift(org.agent_a1, WEEK, 9)
    publish(org.agent_a1)
    add_shift(org.agent_a1, WEEK + timedelta(days=1), 9)  # a draft edit agents do not see yet
    client = api_client_for(org.agent_a1.user)

    on_published = client.post(URL, {"date": WEEK.isoformat(), "all_day": True})
    on_unpublished = client.post(URL, {"date": (WEEK + timedelta(days=1)).isoformat(), "all_day": True})

    assert (on_published.status_code, on_published.json()["overlaps_published_shift"]) == (201, True)
    assert (on_unpublished.status_code, on_unpublished.json()["overlaps_published_shift"]) == (201, False)


# --- deciding --------------------------------------------------------------------------------------------------


def test_approving_keeps_the_overlapping_shifts_lists_them_and_emails_the_agent(
    org, django_capture_on_commit_callbacks
):
    monday = add_shift(org.agent_a1, WEEK, 9)
    add_shift(org.agent_a1, WEEK + timedelta(days=2), 9)
    publish(org.agent_a1)
    request = time_off(org.agent_a1, days=2, kind="vacation")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(org.manager_a).post(f"{URL}{request.pk}/approve/", {"note": "Enjoy"})

    assert response.status_code == 200
    body = response.json()
    assert body["request"]["status"] == "approved"
    assert (body["request"]["decided_by"], body["request"]["decision_note"]) == ("Mia Lead", "Enjoy")
    assert body["request"]["overlaps_published_shift"] is True
    assert body["overlapping_shifts"] == [
        {
            "id": monday.pk,
            "agent_id": org.agent_a1.pk,
            "schedule_id": monday.schedule_id,
            "starts_at": "2030-06-03T01:00:00Z",
            "ends_at": "2030-06-03T09:00:00Z",
            "queue_name": "",
        }
    ]
    assert mails() == [(["agent_a1@example.com"], "Time off approved: Mon 03 Jun 2030 00:00 – Wed 05 Jun 2030 00:00")]
    assert mail.outbox[0].body == (
        "Hello Ann,\n\nMia Lead approved your vacation time off Mon 03 Jun 2030 00:00 – Wed 05 Jun 2030 00:00 "
        "(Asia/Singapore).\n\nNote: Enjoy"
    )
    monday.refresh_from_db()
    assert monday.agent_id == org.agent_a1.pk  # the manager must fix the schedule


def test_approved_time_off_is_a_hard_rule_for_new_shifts(org):
    services.time_off_approve(request=time_off(org.agent_a1), user=org.manager_a)

    with pytest.raises(ValidationError) as refused:
        add_shift(org.agent_a1, WEEK, 9)

    assert refused.value.message_dict == {
        "starts_at": ["Ann Alpha has approved time off (Vacation) from Mon 03 Jun 00:00 to Tue 04 Jun 00:00."]
    }


def test_declining_emails_the_agent_and_a_decided_request_cannot_be_decided_again(
    org, django_capture_on_commit_callbacks
):
    request = time_off(org.agent_a1)
    client = api_client_for(org.manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        declined = client.post(f"{URL}{request.pk}/decline/", {"note": "Peak week"})
    again = client.post(f"{URL}{request.pk}/approve/")
    decline_again = client.post(f"{URL}{request.pk}/decline/")

    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    assert mails() == [(["agent_a1@example.com"], "Time off declined: Mon 03 Jun 2030 00:00 – Tue 04 Jun 2030 00:00")]
    assert again.status_code == 400
    assert again.json() == {"status": ["This request is already declined."]}
    assert decline_again.json() == {"status": ["This request is already declined."]}
    request.refresh_from_db()
    assert (request.status, request.decision_note, request.decided_by) == ("declined", "Peak week", org.manager_a)


def test_a_note_longer_than_500_characters_is_refused(org):
    request = time_off(org.agent_a1)

    response = api_client_for(org.manager_a).post(f"{URL}{request.pk}/approve/", {"note": "x" * 501})

    assert response.status_code == 400
    assert response.json() == {"note": ["Ensure this field has no more than 500 characters."]}


def test_unknown_ids_are_404(org):
    client = api_client_for(org.manager_a)

    assert client.post(f"{URL}999999/approve/").status_code == 404
    assert client.post(f"{URL}999999/cancel/").status_code == 404
    assert client.get(f"{URL}999999/").status_code == 404


# --- cancelling ------------------------------------------------------------------------------------------------


def test_the_agent_cancels_their_own_future_request_without_an_email(org, django_capture_on_commit_callbacks):
    pending = time_off(org.agent_a1)
    approved = time_off(org.agent_a1, WEEK + timedelta(days=2), status=RequestStatus.APPROVED)
    client = api_client_for(org.agent_a1.user)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"{URL}{pending.pk}/cancel/")
        second = client.post(f"{URL}{approved.pk}/cancel/")
    again = client.post(f"{URL}{pending.pk}/cancel/")

    assert (first.json()["status"], second.json()["status"]) == ("cancelled", "cancelled")
    assert again.status_code == 400
    assert again.json() == {"status": ["This request is already cancelled."]}
    assert mail.outbox == []


def test_a_started_request_is_cancelled_by_a_manager_only_and_the_agent_is_told(
    org, django_capture_on_commit_callbacks
):
    started = TimeOffRequest.objects.create(
        agent=org.agent_a1,
        starts_at=datetime.now(UTC) - timedelta(days=1),
        ends_at=datetime.now(UTC) + timedelta(days=1),
        status=RequestStatus.APPROVED,
    )

    by_agent = api_client_for(org.agent_a1.user).post(f"{URL}{started.pk}/cancel/")
    by_teammate = api_client_for(org.agent_a2.user).post(f"{URL}{started.pk}/cancel/")
    by_other_manager = api_client_for(org.manager_b).post(f"{URL}{started.pk}/cancel/")
    with django_capture_on_commit_callbacks(execute=True):
        by_manager = api_client_for(org.manager_a).post(f"{URL}{started.pk}/cancel/")

    assert by_agent.status_code == 400
    assert by_agent.json() == {"status": ["This time off has already started; ask your manager to cancel it."]}
    assert (by_teammate.status_code, by_other_manager.status_code) == (404, 404)
    assert (by_manager.status_code, by_manager.json()["status"]) == (200, "cancelled")
    assert [to for to, _ in mails()] == [["agent_a1@example.com"]]
    assert mail.outbox[0].subject.startswith("Time off cancelled: ")


def test_the_service_refuses_a_cancel_from_someone_unrelated(org):
    with pytest.raises(PermissionDenied):
        services.time_off_cancel(request=time_off(org.agent_a1), user=org.manager_b)


# --- filters, flags and queries --------------------------------------------------------------------------------


def test_the_list_filters_by_agent_status_and_time_range(org):
    first = time_off(org.agent_a1)
    second = time_off(org.agent_a2, WEEK + timedelta(days=7), status=RequestStatus.APPROVED)
    client = api_client_for(org.manager_a)

    def ids(query: str) -> list[int]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [second.pk, first.pk]
    assert ids(f"agent_id={org.agent_a1.pk}") == [first.pk]
    assert ids("status=approved") == [second.pk]
    assert ids("start=2030-06-03T15:59:00Z") == [second.pk, first.pk]  # first ends at 16:00 UTC (midnight SGT)
    assert ids("start=2030-06-03T16:00:00Z") == [second.pk]
    assert ids("end=2030-06-09T16:00:00Z") == [first.pk]
    assert client.get(f"{URL}?start=2030-06-05").status_code == 400


def test_publishing_flags_requests_that_fall_on_the_published_shifts(org):
    request = time_off(org.agent_a1)
    add_shift(org.agent_a1, WEEK, 9)
    request.refresh_from_db()
    assert request.overlaps_published_shift is False  # a draft shift is not published yet

    publish(org.agent_a1)

    request.refresh_from_db()
    assert request.overlaps_published_shift is True
    again = services.time_off_refresh_overlap_flags(
        agent_ids=[org.agent_a1.pk], starts_at=sgt(WEEK, 0), ends_at=sgt(WEEK + timedelta(days=7), 0)
    )
    assert again == 0


@pytest.mark.parametrize("who", ["agent", "manager", "admin"])
def test_the_time_off_list_costs_the_same_queries_whatever_the_number(org, django_assert_num_queries, who):
    user = {"agent": org.agent_a1.user, "manager": org.manager_a, "admin": org.admin}[who]
    client = api_client_for(user)
    services.time_off_decline(request=time_off(org.agent_a1), user=org.admin)
    client.get(URL)
    with django_assert_num_queries(4):  # token + user, roles, count, page with agents and deciders
        assert client.get(URL).status_code == 200
    for week in range(1, 8):
        services.time_off_decline(request=time_off(org.agent_a1, WEEK + timedelta(weeks=week)), user=org.manager_a)
        time_off(AgentFactory(team=org.team_a), WEEK + timedelta(weeks=week))

    with django_assert_num_queries(4):
        assert len(client.get(URL).json()["results"]) >= 8


# --- the approvals inbox ---------------------------------------------------------------------------------------


def test_the_inbox_holds_pending_time_off_of_the_managers_teams_with_the_shifts_it_falls_on(org):
    shift = add_shift(org.agent_a1, WEEK, 9)
    publish(org.agent_a1)
    draft = add_shift(org.agent_a2, WEEK + timedelta(days=1), 9)
    on_shift = time_off(org.agent_a1)
    on_draft = time_off(org.agent_a2, WEEK + timedelta(days=1))
    time_off(org.agent_a2, WEEK + timedelta(days=3), status=RequestStatus.APPROVED)
    other_team = time_off(org.agent_b2)

    inbox = selectors.approvals_for(org.manager_a)
    everything = selectors.approvals_for(org.admin)
    nothing = selectors.approvals_for(org.agent_a1.user)

    assert [(item.request.pk, item.agent_name, item.overlaps_published_shift) for item in inbox.time_off] == [
        (on_shift.pk, "Ann Alpha", True),
        (on_draft.pk, "Ben Alpha", False),
    ]
    assert [(s.shift_id, s.is_published, s.starts_at) for s in inbox.time_off[0].overlapping_shifts] == [
        (shift.pk, True, datetime(2030, 6, 3, 1, tzinfo=UTC))
    ]
    assert [(s.shift_id, s.is_published) for s in inbox.time_off[1].overlapping_shifts] == [(draft.pk, False)]
    assert inbox.swaps == ()
    assert inbox.count == 2
    assert {item.request.pk for item in everything.time_off} == {on_shift.pk, on_draft.pk, other_team.pk}
    assert nothing.count == 0


def test_the_inbox_costs_the_same_queries_whatever_the_number(org, django_assert_num_queries):
    add_shift(org.agent_a1, WEEK, 9)
    time_off(org.agent_a1)
    manager = org.manager_a
    selectors.approvals_for(manager)  # roles are cached on the user from here on
    with django_assert_num_queries(4):  # requests, the shifts they overlap, published versions, swaps
        selectors.approvals_for(manager)
    for week in range(1, 6):
        agent = AgentFactory(team=org.team_a)
        add_shift(agent, WEEK + timedelta(weeks=week), 9)
        time_off(agent, WEEK + timedelta(weeks=week))

    with django_assert_num_queries(4):
        assert len(selectors.approvals_for(manager).time_off) == 6


# --- admin -----------------------------------------------------------------------------------------------------


def test_the_admin_approves_selected_requests_through_the_service(org, client, django_capture_on_commit_callbacks):
    pending = time_off(org.agent_a1)
    declined = time_off(org.agent_a2, status=RequestStatus.DECLINED)
    client.force_login(org.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/scheduling/timeoffrequest/",
            {"action": "approve_selected", "_selected_action": [pending.pk, declined.pk]},
            follow=True,
        )

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["1 approved.", f"{declined}: This request is already declined."]
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("approved", org.admin)
    assert mails() == [(["agent_a1@example.com"], "Time off approved: Mon 03 Jun 2030 00:00 – Tue 04 Jun 2030 00:00")]
