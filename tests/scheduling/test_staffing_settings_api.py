"""Staffing settings through the API: managers set their teams' shrinkage; bad values are refused."""

from scheduling.models import StaffingSettings
from tests.access import RoleCase, api_client_for, assert_role_access

URL = "/api/scheduling/staffing-settings/"


def test_each_role_sees_and_changes_the_settings_of_the_teams_it_manages(org):
    api_client_for(org.admin).get(URL)  # the first read gives every team its default row
    a = StaffingSettings.objects.get(team=org.team_a).pk
    b = StaffingSettings.objects.get(team=org.team_b).pk

    assert_role_access(
        list_url=URL,
        detail_url=lambda pk: f"{URL}{pk}/",
        all_ids={a, b},
        cases={
            "admin": RoleCase(org.admin, sees={a, b}, may_change={a, b}),
            "manager_a": RoleCase(org.manager_a, sees={a}, may_change={a}),
            "manager_b": RoleCase(org.manager_b, sees={b}, may_change={b}),
            "qa": RoleCase(org.qa, sees=set(), denied=True),
            "agent": RoleCase(org.agent_a1.user, sees=set(), denied=True),
        },
        change={"breaks": 0.1},
    )


def test_defaults_then_a_change_then_a_refused_total(org):
    client = api_client_for(org.manager_a)

    listed = client.get(URL).json()["results"]
    settings_id = listed[0]["id"]
    changed = client.patch(f"{URL}{settings_id}/", {"breaks": 0.1, "max_occupancy": 0.9}, format="json")
    too_much = client.patch(f"{URL}{settings_id}/", {"time_off": 0.5, "sickness": 0.4}, format="json")
    not_a_number = client.patch(f"{URL}{settings_id}/", {"other": "lots"}, format="json")

    assert [(row["team_name"], row["total_shrinkage"], row["max_occupancy"]) for row in listed] == [
        ("Alpha", 0.27, 0.85)
    ]
    assert changed.status_code == 200
    assert changed.json()["total_shrinkage"] == 0.29
    assert too_much.status_code == 400
    assert too_much.json() == {"other": ["Shrinkage items add up to 108 %; keep them below 100 %."]}
    assert not_a_number.status_code == 400
    assert list(not_a_number.json()) == ["other"]
    stored = StaffingSettings.objects.get(pk=settings_id)
    assert (stored.breaks, stored.time_off, stored.max_occupancy) == (0.1, 0.08, 0.9)
