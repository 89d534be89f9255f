"""Shift swaps: an agent offers a published shift, the teammate accepts, a manager approves after every hard rule
is checked again for both agents; the shifts then change hands in a new published version."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection, transaction

from scheduling import selectors, services
from scheduling.models import Schedule, Shift, ShiftSwap, SwapStatus, TimeOffRequest
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.conftest import skip_unless
from tests.factories import AgentFactory
from tests.scheduling.requests_helpers import WEEK, add_shift, name_agents, publish, sgt

URL = "/api/scheduling/swaps/"
MONDAY, WEDNESDAY, THURSDAY = WEEK, WEEK + timedelta(days=2), WEEK + timedelta(days=3)


@dataclass
class Week:
    """Published shifts of the week of Mon 3 June 2030 (Singapore times)."""

    a1_monday: Shift  # 09:00-17:00
    a1_wednesday: Shift  # 09:00-17:00
    a2_monday: Shift  # 13:00-21:00, overlapping Ann's Monday
    a2_thursday: Shift  # 09:00-17:00
    b1_monday: Shift
    b2_tuesday: Shift


@pytest.fixture
def week(org) -> Week:
    name_agents(org)
    shifts = Week(
        a1_monday=add_shift(org.agent_a1, MONDAY, 9),
        a1_wednesday=add_shift(org.agent_a1, WEDNESDAY, 9),
        a2_monday=add_shift(org.agent_a2, MONDAY, 13),
        a2_thursday=add_shift(org.agent_a2, THURSDAY, 9),
        b1_monday=add_shift(org.agent_b1, MONDAY, 9),
        b2_tuesday=add_shift(org.agent_b2, WEEK + timedelta(days=1), 9),
    )
    publish(org.agent_a1)
    publish(org.agent_b1)
    return shifts


def swap(org, shift, peer, peer_shift=None, status=SwapStatus.PROPOSED) -> ShiftSwap:
    return ShiftSwap.objects.create(requester=shift.agent, shift=shift, peer=peer, peer_shift=peer_shift, status=status)


def mails() -> list[tuple[list[str], str]]:
    return [(message.to, message.subject) for message in mail.outbox]


def approve_time_off(agent, day, org) -> None:
    request = TimeOffRequest.objects.create(agent=agent, starts_at=sgt(day, 0), ends_at=sgt(day + timedelta(days=1), 0))
    services.time_off_approve(request=request, user=org.admin)


# --- access ----------------------------------------------------------------------------------------------------


def test_each_role_sees_exactly_the_swaps_it_may(org, week):
    alpha = swap(org, week.a1_monday, org.agent_a2).pk
    bravo = swap(org, week.b1_monday, org.agent_b2).pk

    assert_role_access(
        list_url=URL,
        detail_url=lambda pk: f"{URL}{pk}/",
        all_ids={alpha, bravo},
        cases={
            "requester": RoleCase(org.agent_a1.user, sees={alpha}),
            "peer": RoleCase(org.agent_a2.user, sees={alpha}),
            "agent of the other team": RoleCase(org.agent_b1.user, sees={bravo}),
            "qa reviewer": RoleCase(org.qa, sees=set()),
            "manager_a (own team; agent_b2 reports to them but team B is not theirs)": RoleCase(
                org.manager_a, sees={alpha}
            ),
            "manager_b": RoleCase(org.manager_b, sees={bravo}),
            "admin": RoleCase(org.admin, sees={alpha, bravo}),
        },
    )


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (
            "accept",
            {
                "agent_a1": 403,
                "agent_a2": 200,
                "agent_b1": 404,
                "qa": 404,
                "manager_a": 403,
                "manager_b": 404,
                "admin": 403,
            },
        ),
        (
            "refuse",
            {
                "agent_a1": 403,
                "agent_a2": 200,
                "agent_b1": 404,
                "qa": 404,
                "manager_a": 403,
                "manager_b": 404,
                "admin": 403,
            },
        ),
        (
            "cancel",
            {
                "agent_a1": 200,
                "agent_a2": 403,
                "agent_b1": 404,
                "qa": 404,
                "manager_a": 403,
                "manager_b": 404,
                "admin": 403,
            },
        ),
        (
            "approve",
            {
                "agent_a1": 403,
                "agent_a2": 403,
                "agent_b1": 404,
                "qa": 404,
                "manager_a": 200,
                "manager_b": 404,
                "admin": 200,
            },
        ),
        (
            "reject",
            {
                "agent_a1": 403,
                "agent_a2": 403,
                "agent_b1": 404,
                "qa": 404,
                "manager_a": 200,
                "manager_b": 404,
                "admin": 200,
            },
        ),
    ],
)
def test_each_action_is_for_one_party_only(org, week, action, expected):
    users = {
        "agent_a1": org.agent_a1.user,
        "agent_a2": org.agent_a2.user,
        "agent_b1": org.agent_b1.user,
        "qa": org.qa,
        "manager_a": org.manager_a,
        "manager_b": org.manager_b,
        "admin": org.admin,
    }
    status = SwapStatus.ACCEPTED if action in ("approve", "reject") else SwapStatus.PROPOSED
    statuses = {}
    for name, user in users.items():
        with transaction.atomic():  # each user starts from the same swap
            offered = swap(org, week.a1_wednesday, org.agent_a2, status=status)
            statuses[name] = api_client_for(user).post(f"{URL}{offered.pk}/{action}/").status_code
            transaction.set_rollback(True)

    assert statuses == expected


# --- proposing -------------------------------------------------------------------------------------------------


def test_an_agent_proposes_a_trade_and_the_teammate_is_emailed(org, week, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(org.agent_a1.user).post(
            URL,
            {
                "shift_id": week.a1_monday.pk,
                "peer_id": org.agent_a2.pk,
                "peer_shift_id": week.a2_monday.pk,
                "message": "Dinner plans",
            },
        )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "status": "proposed",
        "requester_id": org.agent_a1.pk,
        "requester_name": "Ann Alpha",
        "peer_id": org.agent_a2.pk,
        "peer_name": "Ben Alpha",
        "shift": {
            "id": week.a1_monday.pk,
            "agent_id": org.agent_a1.pk,
            "schedule_id": week.a1_monday.schedule_id,
            "starts_at": "2030-06-03T01:00:00Z",
            "ends_at": "2030-06-03T09:00:00Z",
            "queue_name": "",
        },
        "peer_shift": {
            "id": week.a2_monday.pk,
            "agent_id": org.agent_a2.pk,
            "schedule_id": week.a2_monday.schedule_id,
            "starts_at": "2030-06-03T05:00:00Z",
            "ends_at": "2030-06-03T13:00:00Z",
            "queue_name": "",
        },
        "message": "Dinner plans",
        "created_at": body["created_at"],
        "responded_at": None,
        "decided_by": None,
        "decided_at": None,
        "decision_note": "",
    }
    assert mails() == [(["agent_a2@example.com"], "Shift swap proposed by Ann Alpha")]
    assert mail.outbox[0].body == (
        "Hello Ben,\n\n"
        "Ann Alpha offers you their shift Mon 03 Jun 2030 09:00–17:00 (Asia/Singapore)\n"
        "in exchange for your shift Mon 03 Jun 2030 13:00–21:00.\n\n"
        "Message: Dinner plans\n\n"
        "Accept or refuse it on your schedule page; a manager then approves it."
    )


def test_bad_proposals_are_refused_naming_the_field_and_nothing_is_stored(org, week):
    draft_next_week = add_shift(org.agent_a1, WEEK + timedelta(days=7), 9)
    unpublished_edit = add_shift(org.agent_a1, WEEK + timedelta(days=4), 9)  # added after publishing
    past = add_shift(org.agent_a1, date(2020, 6, 1), 9)
    publish(org.agent_a1, date(2020, 6, 1))
    swap(org, week.a2_thursday, org.agent_a1)
    client = api_client_for(org.agent_a1.user)

    def propose(**body):
        response = client.post(URL, {"peer_id": org.agent_a2.pk, **body})
        assert response.status_code == 400, response.json()
        return response.json()

    assert propose(shift_id=week.a2_monday.pk) == {"shift_id": ["You can only offer your own shifts."]}
    assert propose(shift_id=draft_next_week.pk) == {"shift_id": ["This shift is not published yet."]}
    assert propose(shift_id=unpublished_edit.pk) == {"shift_id": ["This shift is not published yet."]}
    assert propose(shift_id=past.pk) == {"shift_id": ["This shift has already started."]}
    assert propose(shift_id=999999) == {"shift_id": ["No shift has id 999999."]}
    assert propose(shift_id=week.a1_monday.pk, peer_id=org.agent_b1.pk) == {
        "peer_id": ["You can only swap with a colleague of your own team."]
    }
    assert propose(shift_id=week.a1_monday.pk, peer_id=org.agent_a1.pk) == {
        "peer_id": ["Choose a colleague, not yourself."]
    }
    assert propose(shift_id=week.a1_monday.pk, peer_id=999999) == {"peer_id": ["No agent has id 999999."]}
    assert propose(shift_id=week.a1_monday.pk, peer_shift_id=week.a1_wednesday.pk) == {
        "peer_shift_id": ["This shift is not Ben Alpha's."]
    }
    assert propose(shift_id=week.a1_monday.pk, peer_shift_id=week.a2_thursday.pk) == {
        "peer_shift_id": ["This shift is already in an open swap between Ben Alpha and Ann Alpha."]
    }
    assert propose(shift_id=week.a1_monday.pk, message="x" * 501) == {
        "message": ["Ensure this field has no more than 500 characters."]
    }
    assert api_client_for(org.manager_a).post(
        URL, {"shift_id": week.a1_monday.pk, "peer_id": org.agent_a2.pk}
    ).json() == {"shift_id": ["You can only offer your own shifts."]}
    assert ShiftSwap.objects.count() == 1


def test_a_shift_is_in_one_open_swap_at_a_time(org, week):
    client = api_client_for(org.agent_a1.user)
    first = client.post(URL, {"shift_id": week.a1_monday.pk, "peer_id": org.agent_a2.pk})

    second = client.post(URL, {"shift_id": week.a1_monday.pk, "peer_id": org.agent_a2.pk})
    client.post(f"{URL}{first.json()['id']}/cancel/")
    after_cancel = client.post(URL, {"shift_id": week.a1_monday.pk, "peer_id": org.agent_a2.pk})

    assert second.status_code == 400
    assert second.json() == {"shift_id": ["This shift is already in an open swap between Ann Alpha and Ben Alpha."]}
    assert after_cancel.status_code == 201


# --- answering and deciding ------------------------------------------------------------------------------------


def test_the_teammate_accepts_and_the_requester_is_emailed(org, week, django_capture_on_commit_callbacks):
    offered = swap(org, week.a1_wednesday, org.agent_a2)
    client = api_client_for(org.agent_a2.user)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(f"{URL}{offered.pk}/accept/")
    again = client.post(f"{URL}{offered.pk}/accept/")
    refused_after = client.post(f"{URL}{offered.pk}/refuse/")

    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    assert accepted.json()["responded_at"] is not None
    assert mails() == [(["agent_a1@example.com"], "Ben Alpha accepted your shift swap")]
    assert mail.outbox[0].body == (
        "Hello Ann,\n\nBen Alpha accepted the swap: Ann Alpha's shift Wed 05 Jun 2030 09:00–17:00 (Asia/Singapore) "
        "given to Ben Alpha.\n\nA manager now approves or rejects it."
    )
    assert again.json() == {"status": ["This swap is already accepted."]}
    assert refused_after.json() == {"status": ["This swap is already accepted."]}


def test_the_teammate_refuses_and_the_swap_is_closed(org, week, django_capture_on_commit_callbacks):
    offered = swap(org, week.a1_wednesday, org.agent_a2)

    with django_capture_on_commit_callbacks(execute=True):
        refused = api_client_for(org.agent_a2.user).post(f"{URL}{offered.pk}/refuse/")
    approve = api_client_for(org.manager_a).post(f"{URL}{offered.pk}/approve/")

    assert refused.json()["status"] == "refused"
    assert mails() == [(["agent_a1@example.com"], "Ben Alpha refused your shift swap")]
    assert approve.json() == {"status": ["This swap is already refused."]}


def test_a_manager_cannot_decide_before_the_teammate_accepts(org, week):
    offered = swap(org, week.a1_wednesday, org.agent_a2)
    client = api_client_for(org.manager_a)

    approve = client.post(f"{URL}{offered.pk}/approve/")
    reject = client.post(f"{URL}{offered.pk}/reject/")

    assert (approve.status_code, reject.status_code) == (400, 400)
    assert approve.json() == reject.json() == {"status": ["Ben Alpha has not accepted this swap yet."]}


def test_approving_a_trade_swaps_the_shifts_republishes_and_emails_both(org, week, django_capture_on_commit_callbacks):
    traded = swap(org, week.a1_monday, org.agent_a2, week.a2_monday, status=SwapStatus.ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(org.manager_a).post(f"{URL}{traded.pk}/approve/", {"note": "Fine by me"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decided_by"], response.json()["decision_note"]) == (
        "approved",
        "Mia Lead",
        "Fine by me",
    )
    week.a1_monday.refresh_from_db()
    week.a2_monday.refresh_from_db()
    assert (week.a1_monday.agent_id, week.a1_monday.starts_at) == (org.agent_a2.pk, datetime(2030, 6, 3, 1, tzinfo=UTC))
    assert (week.a2_monday.agent_id, week.a2_monday.starts_at) == (org.agent_a1.pk, datetime(2030, 6, 3, 5, tzinfo=UTC))
    schedule = Schedule.objects.get(team=org.team_a, week_start=WEEK)
    assert (schedule.version, schedule.has_unpublished_changes) == (2, False)
    latest = schedule.versions.get(number=2)
    assert latest.reason == "Shift swap between Ann Alpha and Ben Alpha approved"
    assert sorted(change["text"] for change in latest.changes) == [
        "Shift Mon 03 Jun 09:00-17:00 moved from Ann Alpha to Ben Alpha",
        "Shift Mon 03 Jun 09:00-17:00 moved from Ann Alpha to Ben Alpha",
        "Shift Mon 03 Jun 13:00-21:00 moved from Ben Alpha to Ann Alpha",
        "Shift Mon 03 Jun 13:00-21:00 moved from Ben Alpha to Ann Alpha",
    ]
    assert mails() == [
        (["agent_a1@example.com"], "Your shifts changed for the week of 03 Jun 2030"),
        (["agent_a2@example.com"], "Your shifts changed for the week of 03 Jun 2030"),
        (["agent_a1@example.com"], "Shift swap approved"),
        (["agent_a2@example.com"], "Shift swap approved"),
    ]
    assert mail.outbox[3].body == (
        "Hello Ben,\n\nMia Lead approved the shift swap: Ann Alpha's shift Mon 03 Jun 2030 09:00–17:00 for "
        "Ben Alpha's shift Mon 03 Jun 2030 13:00–21:00 (Asia/Singapore).\n\nNote: Fine by me"
    )
    history = list(
        Shift.history.filter(id=week.a2_monday.pk).order_by("history_id").values_list("agent_id", "starts_at")
    )
    assert history == [
        (org.agent_a2.pk, datetime(2030, 6, 3, 5, tzinfo=UTC)),
        (org.agent_a1.pk, datetime(2030, 6, 3, 5, tzinfo=UTC)),
    ]
    again = api_client_for(org.manager_a).post(f"{URL}{traded.pk}/approve/")
    assert again.json() == {"status": ["This swap is already approved."]}
    assert api_client_for(org.agent_a1.user).post(f"{URL}{traded.pk}/cancel/").json() == {
        "status": ["This swap is already approved."]
    }


def test_approving_a_give_away_reassigns_the_shift(org, week, django_capture_on_commit_callbacks):
    given = swap(org, week.a1_wednesday, org.agent_a2, status=SwapStatus.ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(org.admin).post(f"{URL}{given.pk}/approve/")

    assert response.json()["status"] == "approved"
    week.a1_wednesday.refresh_from_db()
    assert week.a1_wednesday.agent_id == org.agent_a2.pk
    assert Schedule.objects.get(team=org.team_a, week_start=WEEK).version == 2
    assert sorted(mails()) == [
        (["agent_a1@example.com"], "Shift swap approved"),
        (["agent_a1@example.com"], "Your shifts changed for the week of 03 Jun 2030"),
        (["agent_a2@example.com"], "Shift swap approved"),
        (["agent_a2@example.com"], "Your shifts changed for the week of 03 Jun 2030"),
    ]


def test_a_swap_joins_other_unpublished_edits_instead_of_publishing_them(org, week):
    add_shift(org.agent_a2, WEEK + timedelta(days=4), 9)  # an edit waiting for publication
    traded = swap(org, week.a1_wednesday, org.agent_a2, week.a2_thursday, status=SwapStatus.ACCEPTED)

    services.swap_approve(swap=traded, user=org.manager_a)

    schedule = Schedule.objects.get(team=org.team_a, week_start=WEEK)
    assert (schedule.version, schedule.has_unpublished_changes) == (1, True)
    week.a1_wednesday.refresh_from_db()
    assert week.a1_wednesday.agent_id == org.agent_a2.pk


def test_a_swap_that_breaks_a_rule_for_the_teammate_is_refused_and_nothing_changes(org, week):
    given = swap(org, week.a1_wednesday, org.agent_a2, status=SwapStatus.ACCEPTED)
    approve_time_off(org.agent_a2, WEDNESDAY, org)

    response = api_client_for(org.manager_a).post(f"{URL}{given.pk}/approve/")

    assert response.status_code == 400
    assert response.json() == {
        "peer_id": ["Ben Alpha has approved time off (Vacation) from Wed 05 Jun 00:00 to Thu 06 Jun 00:00."]
    }
    given.refresh_from_db()
    week.a1_wednesday.refresh_from_db()
    assert (given.status, week.a1_wednesday.agent_id) == ("accepted", org.agent_a1.pk)
    assert Schedule.objects.get(team=org.team_a, week_start=WEEK).version == 1


def test_a_trade_that_breaks_rules_for_both_is_refused_naming_each_agent_and_rule(org, week):
    late = add_shift(org.agent_a2, WEEK + timedelta(days=1), 16)  # Tuesday 16:00-24:00
    publish(org.agent_a2)
    traded = swap(org, week.a1_monday, org.agent_a2, late, status=SwapStatus.ACCEPTED)

    response = api_client_for(org.manager_a).post(f"{URL}{traded.pk}/approve/")

    assert response.status_code == 400
    assert response.json() == {
        "peer_id": ["Ben Alpha already has a shift Mon 03 Jun 13:00-21:00."],
        "requester_id": ["Ann Alpha needs 11 h of rest before the shift starting Wed 05 Jun 09:00."],
    }
    assert services.swap_problems(ShiftSwap.objects.get(pk=traded.pk)) == response.json()
    late.refresh_from_db()
    week.a1_monday.refresh_from_db()
    assert (late.agent_id, week.a1_monday.agent_id) == (org.agent_a2.pk, org.agent_a1.pk)


def test_rejecting_emails_both_and_moves_nothing(org, week, django_capture_on_commit_callbacks):
    offered = swap(org, week.a1_wednesday, org.agent_a2, status=SwapStatus.ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(org.manager_a).post(f"{URL}{offered.pk}/reject/", {"note": "Short on Wednesday"})

    assert (response.json()["status"], response.json()["decision_note"]) == ("rejected", "Short on Wednesday")
    assert mails() == [
        (["agent_a1@example.com"], "Shift swap rejected"),
        (["agent_a2@example.com"], "Shift swap rejected"),
    ]
    week.a1_wednesday.refresh_from_db()
    assert week.a1_wednesday.agent_id == org.agent_a1.pk


def test_the_requester_cancels_an_open_swap_and_the_teammate_is_told(org, week, django_capture_on_commit_callbacks):
    offered = swap(org, week.a1_wednesday, org.agent_a2, status=SwapStatus.ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(org.agent_a1.user).post(f"{URL}{offered.pk}/cancel/")
    again = api_client_for(org.agent_a1.user).post(f"{URL}{offered.pk}/cancel/")

    assert response.json()["status"] == "cancelled"
    assert mails() == [(["agent_a2@example.com"], "Ann Alpha withdrew a shift swap")]
    assert again.json() == {"status": ["This swap is already cancelled."]}


def test_a_swap_whose_shift_has_started_can_no_longer_be_accepted_or_approved(org, week):
    offered = swap(org, week.a1_wednesday, org.agent_a2)
    accepted = swap(org, week.a2_thursday, org.agent_a1, status=SwapStatus.ACCEPTED)
    Shift.objects.filter(pk__in=[week.a1_wednesday.pk, week.a2_thursday.pk]).update(
        starts_at=datetime.now(UTC) - timedelta(hours=1), ends_at=datetime.now(UTC) + timedelta(hours=7)
    )

    accept = api_client_for(org.agent_a2.user).post(f"{URL}{offered.pk}/accept/")
    approve = api_client_for(org.manager_a).post(f"{URL}{accepted.pk}/approve/")
    inbox = selectors.approvals_for(org.manager_a)

    assert accept.json() == {"shift_id": ["This shift has already started; the swap can no longer happen."]}
    assert approve.json() == {"shift_id": ["This shift has already started; the swap can no longer happen."]}
    assert [(item.swap.pk, item.has_started) for item in inbox.swaps] == [(accepted.pk, True)]


def test_unknown_swaps_are_404(org, week):
    client = api_client_for(org.manager_a)

    assert client.post(f"{URL}999999/approve/").status_code == 404
    assert client.get(f"{URL}999999/").status_code == 404


# --- lists, inbox and queries ----------------------------------------------------------------------------------


def test_the_inbox_lists_accepted_swaps_of_the_managers_teams(org, week):
    waiting = swap(org, week.a1_wednesday, org.agent_a2, status=SwapStatus.ACCEPTED)
    swap(org, week.a1_monday, org.agent_a2)  # still waiting for the teammate
    other_team = swap(org, week.b1_monday, org.agent_b2, status=SwapStatus.ACCEPTED)

    inbox = selectors.approvals_for(org.manager_a)

    assert [(item.swap.pk, item.requester_name, item.peer_name, item.has_started) for item in inbox.swaps] == [
        (waiting.pk, "Ann Alpha", "Ben Alpha", False)
    ]
    assert {item.swap.pk for item in selectors.approvals_for(org.admin).swaps} == {waiting.pk, other_team.pk}


def test_the_list_filters_by_status_and_agent(org, week):
    first = swap(org, week.a1_wednesday, org.agent_a2, status=SwapStatus.ACCEPTED)
    second = swap(org, week.a2_thursday, org.agent_a1)
    client = api_client_for(org.manager_a)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in client.get(f"{URL}?{query}").json()["results"]]

    assert ids("") == [second.pk, first.pk]
    assert ids("status=accepted") == [first.pk]
    assert ids(f"agent_id={org.agent_a1.pk}") == [second.pk, first.pk]
    assert client.get(f"{URL}?status=done").status_code == 400


def test_the_swappable_shifts_are_the_agents_published_future_ones_not_in_open_swaps(org, week):
    add_shift(org.agent_a1, WEEK + timedelta(days=4), 9)  # not published yet
    swap(org, week.a1_monday, org.agent_a2)

    offerable = selectors.swappable_shifts(agent=org.agent_a1)

    assert list(offerable) == [week.a1_wednesday]
    assert list(selectors.swap_peer_choices(agent=org.agent_a1)) == [org.agent_a2]


@pytest.mark.parametrize("who", ["agent", "manager", "admin"])
def test_the_swap_list_costs_the_same_queries_whatever_the_number(org, week, django_assert_num_queries, who):
    user = {"agent": org.agent_a1.user, "manager": org.manager_a, "admin": org.admin}[who]
    client = api_client_for(user)
    swap(org, week.a1_wednesday, org.agent_a2, week.a2_thursday, status=SwapStatus.APPROVED)
    client.get(URL)
    # token + user, roles, count, page with agents, shifts, queues, decider, the published versions of its shifts
    with django_assert_num_queries(5):
        assert client.get(URL).status_code == 200
    for _ in range(5):
        swap(org, week.a1_monday, AgentFactory(team=org.team_a), status=SwapStatus.REFUSED)

    with django_assert_num_queries(5):
        assert len(client.get(URL).json()["results"]) >= 6


@pytest.mark.postgres
def test_a_trade_of_overlapping_shifts_passes_the_postgresql_exclusion_constraint(org, week):
    skip_unless(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://...")
    traded = swap(org, week.a1_monday, org.agent_a2, week.a2_monday, status=SwapStatus.ACCEPTED)

    services.swap_approve(swap=traded, user=org.manager_a)

    assert sorted(
        Shift.objects.filter(pk__in=[week.a1_monday.pk, week.a2_monday.pk]).values_list("agent_id", "starts_at")
    ) == sorted(
        [(org.agent_a2.pk, datetime(2030, 6, 3, 1, tzinfo=UTC)), (org.agent_a1.pk, datetime(2030, 6, 3, 5, tzinfo=UTC))]
    )


def test_a_managers_unpublished_edit_never_shows_through_a_swap(org, week, client):
    # given: Ann offers Wednesday 09:00-17:00 to Ben for his Thursday; the manager then moves both shifts, and Ann's
    # Monday, two hours later without publishing
    offered = swap(org, week.a1_wednesday, org.agent_a2, week.a2_thursday)
    for shift in (week.a1_wednesday, week.a2_thursday, week.a1_monday):
        Shift.objects.filter(pk=shift.pk).update(
            starts_at=shift.starts_at + timedelta(hours=2), ends_at=shift.ends_at + timedelta(hours=2)
        )
        Schedule.objects.filter(pk=shift.schedule_id).update(has_unpublished_changes=True)
    # when
    listed = api_client_for(org.agent_a2.user).get(URL).json()["results"]
    one = api_client_for(org.agent_a1.user).get(f"{URL}{offered.pk}/").json()
    client.force_login(org.agent_a2.user)
    page = client.get("/schedule/me/").content.decode()
    client.force_login(org.agent_a1.user)
    my_choices = client.get("/schedule/me/").context["page"].swap_form.fields["shift"].choices[1:]
    # then: the published times, everywhere the agents look
    published = {"starts_at": "2030-06-05T01:00:00Z", "ends_at": "2030-06-05T09:00:00Z"}
    assert {key: listed[0]["shift"][key] for key in published} == published
    assert {key: one["shift"][key] for key in published} == published
    assert one["peer_shift"]["starts_at"] == "2030-06-06T01:00:00Z"
    assert "Wed 5 Jun, 09:00–17:00" in page
    assert "Thu 6 Jun, 09:00–17:00" in page
    assert "11:00–19:00" not in page
    assert my_choices == [(week.a1_monday.pk, "Mon 3 Jun, 09:00–17:00")]  # Wednesday is in the open swap
