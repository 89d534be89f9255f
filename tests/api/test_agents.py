"""Agents through the API: who sees and changes whom, creating the login, skills, status and bad input."""

from datetime import date

import pytest
from django.contrib.auth.models import User

from supportops import access
from supportops.choices import AgentStatus, Role
from supportops.models import Agent, AgentSkill, AgentStatusChange, Skill
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, TeamFactory


def agent_ids(org):
    return org.agent_a1.pk, org.agent_a2.pk, org.agent_b1.pk, org.agent_b2.pk


def test_agents_each_role_sees_and_changes_exactly_its_agents(org):
    a1, a2, b1, b2 = agent_ids(org)

    assert_role_access(
        list_url="/api/agents/",
        detail_url=lambda pk: f"/api/agents/{pk}/",
        all_ids={a1, a2, b1, b2},
        cases={
            "admin": RoleCase(org.admin, sees={a1, a2, b1, b2}, may_change={a1, a2, b1, b2}),
            # manager_a: their team plus agent_b2, who reports to them from team_b
            "manager_a": RoleCase(org.manager_a, sees={a1, a2, b2}, may_change={a1, a2, b2}),
            "manager_b": RoleCase(org.manager_b, sees={b1, b2}, may_change={b1, b2}),
            "qa": RoleCase(org.qa, sees={a1, a2}),
            "agent": RoleCase(org.agent_a1.user, sees={a1, a2}),
        },
        change={"tier": "L2"},
    )


def test_an_agents_token_cannot_list_other_teams_agents(org):
    client = api_client_for(org.agent_b1.user)

    listed = client.get("/api/agents/").json()["results"]

    assert [agent["username"] for agent in listed] == ["agent_b1", "agent_b2"]
    assert client.get(f"/api/agents/{org.agent_a1.pk}/").status_code == 404
    assert client.get("/api/agents/", {"team_id": org.team_a.pk}).json()["results"] == []


def test_agent_detail_has_login_skills_and_status_history(org):
    english = Skill.objects.create(name="English")
    AgentSkill.objects.create(agent=org.agent_a1, skill=english, proficiency=4)

    response = api_client_for(org.manager_a).get(f"/api/agents/{org.agent_a1.pk}/")

    assert response.status_code == 200
    user = org.agent_a1.user
    assert response.json() == {
        "id": org.agent_a1.pk,
        "username": "agent_a1",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "agent_a1@example.com",
        "display_name": f"{user.first_name} {user.last_name}",
        "team": org.team_a.pk,
        "team_name": "Alpha",
        "market_id": org.market.pk,
        "manager": org.manager_a.pk,
        "tier": "L1",
        "employment_type": "employee",
        "vendor_name": "",
        "status": "active",
        "start_date": "2025-01-06",
        "contracted_hours_min": "30.0",
        "contracted_hours_max": "40.0",
        "timezone": "",
        "skills": [{"skill_id": english.pk, "skill_name": "English", "proficiency": 4}],
        "status_history": [],
    }


def new_agent(team, /, **extra):
    body = {
        "username": "new_agent",
        "first_name": "Nadia",
        "last_name": "Tan",
        "email": "nadia@example.com",
        "team": team.pk,
        "start_date": "2026-03-02",
    }
    return {**body, **extra}


def test_creating_an_agent_creates_their_login_role_and_first_status(org):
    english = Skill.objects.create(name="English")

    response = api_client_for(org.admin).post(
        "/api/agents/",
        new_agent(
            org.team_a, password="a-long-and-unusual-passphrase", skills=[{"skill_id": english.pk, "proficiency": 2}]
        ),
    )

    assert response.status_code == 201, response.json()
    agent = Agent.objects.get(user__username="new_agent")
    assert agent.user.check_password("a-long-and-unusual-passphrase")
    assert (agent.user.first_name, agent.user.last_name, agent.user.email) == ("Nadia", "Tan", "nadia@example.com")
    assert access.roles_of(agent.user) == {Role.AGENT.value}
    body = response.json()
    assert body["status"] == "onboarding"
    assert body["skills"] == [{"skill_id": english.pk, "skill_name": "English", "proficiency": 2}]
    assert [
        (c["status"], c["previous_status"], c["effective_date"], c["note"], c["changed_by"])
        for c in body["status_history"]
    ] == [("onboarding", "", "2026-03-02", "Created", "admin_user")]
    assert "password" not in body


def test_an_agent_created_without_a_password_cannot_sign_in_yet(org):
    response = api_client_for(org.admin).post("/api/agents/", new_agent(org.team_a))

    assert response.status_code == 201
    assert not User.objects.get(username="new_agent").has_usable_password()


@pytest.mark.parametrize(
    ("role", "team", "expected"),
    [
        ("admin", "team_b", 201),
        ("manager_a", "team_a", 201),
        ("manager_a", "team_b", 400),
        ("manager_b", "team_a", 400),
        ("qa", "team_a", 403),
        ("agent", "team_a", 403),
    ],
)
def test_who_may_create_agents_and_into_which_team(org, role, team, expected):
    user = org.agent_a1.user if role == "agent" else getattr(org, role)

    response = api_client_for(user).post("/api/agents/", new_agent(getattr(org, team)))

    assert response.status_code == expected
    if expected == 400:
        assert list(response.json()) == ["team"]
    assert User.objects.filter(username="new_agent").exists() is (expected == 201)


def test_a_manager_cannot_move_an_agent_into_a_team_they_do_not_manage(org):
    # given agent_b2, in team_b, who reports to manager_a (so manager_a may change them)
    client = api_client_for(org.manager_a)

    # when manager_a moves an agent of their own team into team_b
    response = client.patch(f"/api/agents/{org.agent_a1.pk}/", {"team": org.team_b.pk})

    # then the move is refused, naming the team, and nothing changed
    assert response.status_code == 400
    assert response.json() == {"team": ["You can place agents only in teams you manage, and “Bravo” is not one."]}
    assert Agent.objects.get(pk=org.agent_a1.pk).team == org.team_a
    # while a change of their direct report that keeps the team is fine
    assert client.patch(f"/api/agents/{org.agent_b2.pk}/", {"team": org.team_b.pk, "tier": "L2"}).status_code == 200


def test_a_manager_moves_an_agent_between_two_teams_they_manage(org):
    team_c = TeamFactory(name="Charlie", slug="charlie", market=org.market, managers=[org.manager_a])

    response = api_client_for(org.manager_a).patch(f"/api/agents/{org.agent_a1.pk}/", {"team": team_c.pk})

    assert response.status_code == 200
    assert response.json()["team_name"] == "Charlie"
    assert Agent.objects.get(pk=org.agent_a1.pk).team == team_c


def test_patch_changes_login_names_and_replaces_skills(org):
    english, billing = Skill.objects.create(name="English"), Skill.objects.create(name="Billing")
    AgentSkill.objects.create(agent=org.agent_a1, skill=english, proficiency=2)

    response = api_client_for(org.manager_a).patch(
        f"/api/agents/{org.agent_a1.pk}/",
        {
            "first_name": "Aisha",
            "skills": [{"skill_id": english.pk, "proficiency": 5}, {"skill_id": billing.pk, "proficiency": 1}],
        },
    )

    assert response.status_code == 200, response.json()
    assert response.json()["first_name"] == "Aisha"
    assert response.json()["skills"] == [
        {"skill_id": billing.pk, "skill_name": "Billing", "proficiency": 1},
        {"skill_id": english.pk, "skill_name": "English", "proficiency": 5},
    ]
    assert User.objects.get(pk=org.agent_a1.user.pk).first_name == "Aisha"
    assert sorted(org.agent_a1.agent_skills.values_list("skill__name", "proficiency")) == [
        ("Billing", 1),
        ("English", 5),
    ]


def test_status_cannot_be_patched_directly(org):
    client = api_client_for(org.admin)

    response = client.patch(f"/api/agents/{org.agent_a1.pk}/", {"status": "exited", "tier": "L3"})
    unchanged = client.patch(f"/api/agents/{org.agent_a1.pk}/", {"status": "active", "tier": "L2"})

    assert response.status_code == 400
    assert response.json() == {
        "status": ["Change an agent's status with POST /api/agents/{id}/status/, which keeps its dated history."]
    }
    assert unchanged.status_code == 200
    agent = Agent.objects.get(pk=org.agent_a1.pk)
    assert (agent.status, agent.tier) == (AgentStatus.ACTIVE, "L2")
    assert agent.status_changes.count() == 0


def test_a_tenured_agent_can_be_created_as_active_with_that_first_status(org):
    response = api_client_for(org.admin).post("/api/agents/", new_agent(org.team_a, status="active"))

    assert response.status_code == 201, response.json()
    assert [(c["status"], c["effective_date"]) for c in response.json()["status_history"]] == [("active", "2026-03-02")]


def test_status_action_records_the_change_and_history(org):
    client = api_client_for(org.manager_a)

    response = client.post(
        f"/api/agents/{org.agent_a1.pk}/status/",
        {"status": "on_leave", "effective_date": "2026-04-01", "note": "Parental leave"},
    )

    assert response.status_code == 201, response.json()
    change = AgentStatusChange.objects.get(agent=org.agent_a1)
    assert response.json() == {
        "id": change.pk,
        "status": "on_leave",
        "previous_status": "active",
        "effective_date": "2026-04-01",
        "note": "Parental leave",
        "changed_by": "manager_a",
        "recorded_at": response.json()["recorded_at"],
    }
    detail = client.get(f"/api/agents/{org.agent_a1.pk}/").json()
    assert detail["status"] == "on_leave"
    assert [(c["status"], c["effective_date"]) for c in detail["status_history"]] == [("on_leave", "2026-04-01")]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"status": "onboarding"}, {"status": ["An agent who is active can move only to: exited, on leave."]}),
        ({"status": "active"}, {"status": ["The agent is already active."]}),
        ({"status": "retired"}, {"status": ['"retired" is not a valid choice.']}),
        (
            {"status": "on_leave", "effective_date": "01/04/2026"},
            {"effective_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({}, {"status": ["This field is required."]}),
    ],
)
def test_status_action_bad_input_is_a_400_naming_the_field(org, body, errors):
    response = api_client_for(org.admin).post(f"/api/agents/{org.agent_a1.pk}/status/", body)

    assert response.status_code == 400
    assert response.json() == errors
    assert Agent.objects.get(pk=org.agent_a1.pk).status == AgentStatus.ACTIVE


def test_status_action_refuses_a_date_before_the_last_change(org):
    client = api_client_for(org.admin)
    client.post(f"/api/agents/{org.agent_a1.pk}/status/", {"status": "on_leave", "effective_date": "2026-04-01"})

    response = client.post(
        f"/api/agents/{org.agent_a1.pk}/status/", {"status": "active", "effective_date": "2026-03-01"}
    )

    assert response.status_code == 400
    assert response.json() == {"effective_date": ["Must be on or after the last change (2026-04-01)."]}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", {"a1": 201, "a2": 201, "b1": 201, "b2": 201}),
        ("manager_a", {"a1": 201, "a2": 201, "b1": 404, "b2": 201}),
        ("manager_b", {"a1": 404, "a2": 404, "b1": 201, "b2": 201}),
        ("qa", {"a1": 403, "a2": 403, "b1": 404, "b2": 404}),
        ("agent", {"a1": 403, "a2": 403, "b1": 404, "b2": 404}),
    ],
)
def test_status_action_access_by_role(org, role, expected):
    client = api_client_for(org.agent_a1.user if role == "agent" else getattr(org, role))
    agents = {"a1": org.agent_a1, "a2": org.agent_a2, "b1": org.agent_b1, "b2": org.agent_b2}

    statuses = {
        name: client.post(f"/api/agents/{agent.pk}/status/", {"status": "on_leave"}).status_code
        for name, agent in agents.items()
    }

    assert statuses == expected
    assert AgentStatusChange.objects.count() == list(expected.values()).count(201)


@pytest.mark.parametrize(
    ("role", "expected"), [("admin", 204), ("manager_a", 403), ("qa", 403), ("agent", 403), ("manager_b", 404)]
)
def test_only_admins_delete_agents(org, role, expected):
    user = org.agent_a2.user if role == "agent" else getattr(org, role)

    response = api_client_for(user).delete(f"/api/agents/{org.agent_a1.pk}/")

    assert response.status_code == expected
    assert Agent.objects.filter(pk=org.agent_a1.pk).exists() is (expected != 204)


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({"team": 999999}, {"team": ['Invalid pk "999999" - object does not exist.']}),
        ({"team": "alpha"}, {"team": ["Incorrect type. Expected pk value, received str."]}),
        (
            {"start_date": "next monday"},
            {"start_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"tier": "L9"}, {"tier": ['"L9" is not a valid choice.']}),
        ({"contracted_hours_max": "90"}, {"contracted_hours_max": ["Ensure this value is less than or equal to 80."]}),
        (
            {"contracted_hours_min": "35", "contracted_hours_max": "20"},
            {"contracted_hours_min": ["Minimum weekly hours cannot be above the maximum."]},
        ),
        ({"employment_type": "vendor"}, {"vendor_name": ["Name the vendor of an outsourced agent."]}),
        (
            {"timezone": "Asia/Nowhere"},
            {"timezone": ["“Asia/Nowhere” is not a known IANA time zone (for example Asia/Singapore)."]},
        ),
        ({"username": "agent_a1"}, {"username": ["A user with that username already exists."]}),
        (
            {"username": "bad name!"},
            {
                "username": [
                    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
                ]
            },
        ),
        ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        (
            {"password": "123"},
            {
                "password": [
                    "This password is too short. It must contain at least 8 characters.",
                    "This password is too common.",
                    "This password is entirely numeric.",
                ]
            },
        ),
        (
            {"skills": [{"skill_id": 999999, "proficiency": 3}]},
            {"skills": {"0": {"skill_id": ['Invalid pk "999999" - object does not exist.']}}},
        ),
        ({"skills": "English"}, {"skills": {"non_field_errors": ['Expected a list of items but got type "str".']}}),
        ({"manager": 999999}, {"manager": ['Invalid pk "999999" - object does not exist.']}),
    ],
)
def test_agent_create_bad_input_is_a_400_naming_the_field_and_stores_nothing(org, extra, errors):
    response = api_client_for(org.admin).post("/api/agents/", new_agent(org.team_a, **extra))

    assert response.status_code == 400
    assert response.json() == errors
    assert not User.objects.filter(username="new_agent").exists()
    assert Agent.objects.count() == 4


def test_agent_create_with_bad_proficiency_or_repeated_skill(org):
    english = Skill.objects.create(name="English")
    client = api_client_for(org.admin)

    too_high = client.post("/api/agents/", new_agent(org.team_a, skills=[{"skill_id": english.pk, "proficiency": 6}]))
    repeated = client.post(
        "/api/agents/",
        new_agent(
            org.team_a, skills=[{"skill_id": english.pk, "proficiency": 2}, {"skill_id": english.pk, "proficiency": 3}]
        ),
    )

    assert too_high.status_code == 400
    assert too_high.json() == {"skills": {"0": {"proficiency": ["Ensure this value is less than or equal to 5."]}}}
    assert repeated.status_code == 400
    assert repeated.json() == {"skills": ["List each skill once."]}
    assert not User.objects.filter(username="new_agent").exists()


def test_agent_create_names_every_missing_field(org):
    response = api_client_for(org.admin).post("/api/agents/", {})

    assert response.status_code == 400
    assert response.json() == {
        "username": ["This field is required."],
        "team": ["This field is required."],
        "start_date": ["This field is required."],
    }


def test_a_password_cannot_be_changed_through_patch(org):
    response = api_client_for(org.manager_a).patch(
        f"/api/agents/{org.agent_a1.pk}/", {"password": "a-new-passphrase-1"}
    )

    assert response.status_code == 400
    assert response.json() == {"password": ["A password is set only when the agent is created."]}


def test_agents_filter_by_team_status_skill_and_search(org):
    english = Skill.objects.create(name="English")
    AgentSkill.objects.create(agent=org.agent_b1, skill=english, proficiency=3)
    Agent.objects.filter(pk=org.agent_a2.pk).update(status=AgentStatus.NESTING)
    client = api_client_for(org.admin)

    def usernames(**params):
        return [agent["username"] for agent in client.get("/api/agents/", params).json()["results"]]

    assert usernames(team_id=org.team_b.pk) == ["agent_b1", "agent_b2"]
    assert usernames(status="nesting") == ["agent_a2"]
    assert usernames(skill_id=english.pk) == ["agent_b1"]
    assert usernames(manager_id=org.manager_a.pk) == ["agent_a1", "agent_a2", "agent_b2"]
    assert usernames(q="a1@example") == ["agent_a1"]
    assert usernames(q="agent_b", team_id=org.team_a.pk) == []


def make_agents(org, count):
    skills = [Skill.objects.get_or_create(name=name)[0] for name in ("English", "Billing")]
    for _ in range(count):
        agent = AgentFactory(team=org.team_a, manager=org.manager_a, start_date=date(2025, 6, 2))
        for skill in skills:
            agent.agent_skills.create(skill=skill, proficiency=3)


@pytest.mark.parametrize(("role", "queries"), [("admin", 5), ("manager_a", 5), ("qa", 5)])
def test_agent_list_costs_a_fixed_number_of_queries(org, role, queries, django_assert_num_queries):
    client = api_client_for(getattr(org, role))

    make_agents(org, 2)
    with django_assert_num_queries(queries):
        small = client.get("/api/agents/")

    make_agents(org, 10)
    with django_assert_num_queries(queries):
        large = client.get("/api/agents/")

    assert large.json()["count"] == small.json()["count"] + 10
