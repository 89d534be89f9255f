"""Availability through the API: agents keep their own windows, managers their teams'; overlaps are refused."""

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied

from scheduling import services
from scheduling.models import Availability
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory
from tests.scheduling.requests_helpers import name_agents

URL = "/api/scheduling/availability/"


@pytest.fixture(autouse=True)
def _named(org):
    name_agents(org)


def window(agent, weekday=0, start=time(9), end=time(17), **fields) -> Availability:
    return Availability.objects.create(agent=agent, weekday=weekday, start_time=start, end_time=end, **fields)


def test_each_role_sees_and_changes_exactly_the_availability_it_may(org):
    a1, a2 = window(org.agent_a1).pk, window(org.agent_a2).pk
    b1, b2 = window(org.agent_b1).pk, window(org.agent_b2).pk

    assert_role_access(
        list_url=URL,
        detail_url=lambda pk: f"{URL}{pk}/",
        all_ids={a1, a2, b1, b2},
        cases={
            "agent_a1 (own only)": RoleCase(org.agent_a1.user, sees={a1}, may_change={a1}),
            "agent_b1 (own only)": RoleCase(org.agent_b1.user, sees={b1}, may_change={b1}),
            "qa reviewer": RoleCase(org.qa, sees=set()),
            "manager_a (own team)": RoleCase(org.manager_a, sees={a1, a2}, may_change={a1, a2}),
            "manager_b (own team)": RoleCase(org.manager_b, sees={b1, b2}, may_change={b1, b2}),
            "admin": RoleCase(org.admin, sees={a1, a2, b1, b2}, may_change={a1, a2, b1, b2}),
        },
        change={"note": "Changed"},
    )


def test_an_agent_adds_a_weekly_window_and_a_dated_exception_for_themself(org):
    client = api_client_for(org.agent_a1.user)

    weekly = client.post(URL, {"weekday": 0, "start_time": "09:00", "end_time": "17:00", "kind": "preferred"})
    dated = client.post(URL, {"on_date": "2030-06-04", "start_time": "18:00", "end_time": "00:00", "note": "Late"})

    assert weekly.status_code == 201
    body = weekly.json()
    assert body == {
        "id": body["id"],
        "agent_id": org.agent_a1.pk,
        "agent_name": org.agent_a1.display_name,
        "weekday": 0,
        "on_date": None,
        "start_time": "09:00:00",
        "end_time": "17:00:00",
        "kind": "preferred",
        "note": "",
    }
    assert dated.status_code == 201
    assert (dated.json()["on_date"], dated.json()["end_time"], dated.json()["kind"]) == (
        "2030-06-04",
        "00:00:00",
        "available",
    )
    assert list(Availability.objects.filter(agent=org.agent_a1).order_by("pk").values_list("weekday", "on_date")) == [
        (0, None),
        (None, date(2030, 6, 4)),
    ]


def test_a_manager_adds_windows_for_their_teams_agents_only(org):
    manager_a = api_client_for(org.manager_a)
    window_body = {"weekday": 2, "start_time": "08:00", "end_time": "12:00"}

    own_team = manager_a.post(URL, {**window_body, "agent_id": org.agent_a2.pk})
    direct_report_elsewhere = manager_a.post(URL, {**window_body, "agent_id": org.agent_b2.pk})
    other_team = manager_a.post(URL, {**window_body, "agent_id": org.agent_b1.pk})
    teammate = api_client_for(org.agent_a1.user).post(URL, {**window_body, "agent_id": org.agent_a2.pk})
    no_profile = api_client_for(org.qa).post(URL, window_body)
    unknown = manager_a.post(URL, {**window_body, "agent_id": 999999})

    assert own_team.status_code == 201
    assert direct_report_elsewhere.status_code == 403  # sees agent_b2 (a direct report) but does not manage team B
    assert direct_report_elsewhere.json() == {
        "detail": "Only Dan Bravo, a manager of Bravo or an admin may change this availability."
    }
    assert other_team.status_code == 400
    assert other_team.json() == {"agent_id": [f"No agent has id {org.agent_b1.pk}."]}
    assert teammate.status_code == 403
    assert no_profile.status_code == 400
    assert no_profile.json() == {"agent_id": ["Say which agent (you have no agent profile)."]}
    assert unknown.json() == {"agent_id": ["No agent has id 999999."]}
    assert Availability.objects.filter(weekday=2).count() == 1


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"weekday": 0, "start_time": "16:00", "end_time": "20:00"},
            {"start_time": ["It overlaps the window 09:00–17:00 (Available) on Mondays."]},
        ),
        (
            {"weekday": 0, "start_time": "17:00", "end_time": "09:00"},
            {"end_time": ["The window ends before it starts."]},
        ),
        (
            {"weekday": 0, "on_date": "2030-06-03", "start_time": "18:00", "end_time": "20:00"},
            {"weekday": ["Give either a weekday or a date, not both."]},
        ),
        ({"start_time": "18:00", "end_time": "20:00"}, {"weekday": ["Give either a weekday or a date, not both."]}),
        (
            {"on_date": "2030-06-05", "start_time": "07:00", "end_time": "10:00"},
            {"start_time": ["It overlaps the window 09:00–12:00 (Unavailable) on Wed 05 Jun 2030."]},
        ),
        (
            {"weekday": 7, "start_time": "09:00", "end_time": "10:00"},
            {"weekday": ["Ensure this value is less than or equal to 6."]},
        ),
        (
            {"weekday": 1, "start_time": "9h", "end_time": "10:00"},
            {"start_time": ["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."]},
        ),
    ],
)
def test_bad_windows_are_refused_naming_the_field_and_nothing_is_stored(org, body, errors):
    window(org.agent_a1)  # Mondays 09:00-17:00
    Availability.objects.create(
        agent=org.agent_a1, on_date=date(2030, 6, 5), start_time=time(9), end_time=time(12), kind="unavailable"
    )

    response = api_client_for(org.agent_a1.user).post(URL, body)

    assert response.status_code == 400
    assert response.json() == errors
    assert Availability.objects.count() == 2


def test_touching_windows_and_other_agents_or_days_do_not_overlap(org):
    window(org.agent_a1)  # Mondays 09:00-17:00
    window(org.agent_a2, start=time(12), end=time(20))
    client = api_client_for(org.agent_a1.user)

    after = client.post(URL, {"weekday": 0, "start_time": "17:00", "end_time": "00:00"})
    before = client.post(URL, {"weekday": 0, "start_time": "00:00", "end_time": "09:00", "kind": "unavailable"})
    tuesday = client.post(URL, {"weekday": 1, "start_time": "10:00", "end_time": "18:00"})
    monday_date = client.post(URL, {"on_date": "2030-06-03", "start_time": "10:00", "end_time": "18:00"})

    assert [r.status_code for r in (after, before, tuesday, monday_date)] == [201, 201, 201, 201]


def test_a_change_that_overlaps_is_refused_and_the_window_stays(org):
    monday = window(org.agent_a1)
    evening = window(org.agent_a1, start=time(18), end=time(22))
    client = api_client_for(org.agent_a1.user)

    moved = client.patch(f"{URL}{evening.pk}/", {"start_time": "16:30"}, format="json")
    to_tuesday = client.patch(f"{URL}{evening.pk}/", {"weekday": 1, "start_time": "16:30"}, format="json")
    to_another_agent = client.patch(f"{URL}{monday.pk}/", {"agent_id": org.agent_a2.pk}, format="json")

    assert moved.status_code == 400
    assert moved.json() == {"start_time": ["It overlaps the window 09:00–17:00 (Available) on Mondays."]}
    assert to_tuesday.status_code == 200
    assert (to_tuesday.json()["weekday"], to_tuesday.json()["start_time"]) == (1, "16:30:00")
    assert to_another_agent.status_code == 400
    assert to_another_agent.json() == {"agent_id": ["A window stays with its agent; add a new one."]}
    monday.refresh_from_db()
    assert monday.agent_id == org.agent_a1.pk


def test_windows_are_deleted_by_their_agent_or_manager_only(org):
    own, managed, other = window(org.agent_a1), window(org.agent_a2), window(org.agent_b1)

    assert api_client_for(org.agent_a1.user).delete(f"{URL}{own.pk}/").status_code == 204
    assert api_client_for(org.manager_a).delete(f"{URL}{managed.pk}/").status_code == 204
    assert api_client_for(org.manager_a).delete(f"{URL}{other.pk}/").status_code == 404
    assert api_client_for(org.agent_a1.user).delete(f"{URL}{other.pk}/").status_code == 404
    assert list(Availability.objects.values_list("pk", flat=True)) == [other.pk]


def test_the_list_filters_by_agent_weekday_and_date(org):
    monday = window(org.agent_a1)
    tuesday = window(org.agent_a2, weekday=1)
    dated = Availability.objects.create(
        agent=org.agent_a2, on_date=date(2030, 6, 4), start_time=time(8), end_time=time(9)
    )
    client = api_client_for(org.manager_a)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in client.get(f"{URL}?{query}").json()["results"]]

    assert ids(f"agent_id={org.agent_a2.pk}") == [tuesday.pk, dated.pk]
    assert ids("weekday=0") == [monday.pk]
    assert ids("on_date=2030-06-04") == [dated.pk]
    assert client.get(f"{URL}?weekday=monday").status_code == 400


def test_the_service_refuses_someone_who_may_not_change_the_agent(org):
    with pytest.raises(PermissionDenied, match="^Only Ann Alpha, a manager of Alpha or an admin may change"):
        services.availability_create(
            agent=org.agent_a1, user=org.manager_b, weekday=0, start_time=time(9), end_time=time(10)
        )


@pytest.mark.parametrize("who", ["agent", "manager", "admin"])
def test_the_availability_list_costs_the_same_queries_whatever_the_number(org, django_assert_num_queries, who):
    user = {"agent": org.agent_a1.user, "manager": org.manager_a, "admin": org.admin}[who]
    client = api_client_for(user)
    window(org.agent_a1)
    client.get(URL)  # warm the token
    with django_assert_num_queries(4):  # token + user, roles, count, page with agents
        assert client.get(URL).status_code == 200
    for weekday in range(1, 7):
        window(org.agent_a1, weekday=weekday)
        window(AgentFactory(team=org.team_a), weekday=weekday)

    with django_assert_num_queries(4):
        assert len(client.get(URL).json()["results"]) >= 7


# --- admin -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["availability", "timeoffrequest", "shiftswap", "bookedactivity"])
def test_the_admin_lists_agents_requests_for_admins_only(org, client, model):
    window(org.agent_a1)
    client.force_login(org.admin)

    listed = client.get(f"/admin/scheduling/{model}/")
    client.force_login(org.manager_a)
    refused = client.get(f"/admin/scheduling/{model}/")

    assert listed.status_code == 200
    assert (refused.status_code, refused.url) == (302, f"/admin/login/?next=/admin/scheduling/{model}/")


def test_the_admin_refuses_an_overlapping_window_like_the_api(org, client):
    window(org.agent_a1)  # Mondays 09:00-17:00
    client.force_login(org.admin)
    form = {"agent": org.agent_a1.pk, "weekday": 0, "start_time": "12:00", "end_time": "18:00", "kind": "available"}

    overlapping = client.post("/admin/scheduling/availability/add/", form)
    later = client.post("/admin/scheduling/availability/add/", {**form, "start_time": "17:00", "end_time": "20:00"})

    assert overlapping.status_code == 200  # the form again, with the error
    assert overlapping.context["adminform"].form.errors == {
        "start_time": ["It overlaps the window 09:00–17:00 (Available) on Mondays."]
    }
    assert later.status_code == 302
    assert Availability.objects.count() == 2
