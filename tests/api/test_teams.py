"""Teams through the API: each role sees its teams; managers change theirs; admins create and delete."""

import pytest

from supportops.models import Team
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, MarketFactory, TeamFactory, UserFactory


def test_teams_each_role_sees_and_changes_exactly_its_teams(org):
    a, b = org.team_a.pk, org.team_b.pk

    assert_role_access(
        list_url="/api/teams/",
        detail_url=lambda pk: f"/api/teams/{pk}/",
        all_ids={a, b},
        cases={
            "admin": RoleCase(org.admin, sees={a, b}, may_change={a, b}),
            "manager_a": RoleCase(org.manager_a, sees={a}, may_change={a}),
            "manager_b": RoleCase(org.manager_b, sees={b}, may_change={b}),
            "qa": RoleCase(org.qa, sees={a}),
            "agent": RoleCase(org.agent_a1.user, sees={a}),
        },
        change={"name": "Renamed"},
    )


def test_a_manager_cannot_see_another_managers_team(org):
    client = api_client_for(org.manager_a)

    assert client.get(f"/api/teams/{org.team_b.pk}/").status_code == 404
    assert client.patch(f"/api/teams/{org.team_b.pk}/", {"name": "Mine now"}).status_code == 404
    assert Team.objects.get(pk=org.team_b.pk).name == "Bravo"


def test_team_detail_shows_counts_managers_and_the_markets_zone(org):
    response = api_client_for(org.manager_a).get(f"/api/teams/{org.team_a.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": org.team_a.pk,
        "name": "Alpha",
        "slug": "alpha",
        "market": org.market.pk,
        "timezone": "Asia/Singapore",
        "managers": [org.manager_a.pk],
        "qa_reviewers": [org.qa.pk],
        "planning_interval_minutes": 30,
        "agent_count": 2,
        "onboarding_count": 0,
    }


@pytest.mark.parametrize(("role", "expected"), [("admin", 201), ("manager_a", 403), ("qa", 403), ("agent", 403)])
def test_only_admins_create_teams(org, role, expected):
    user = org.agent_a1.user if role == "agent" else getattr(org, role)

    response = api_client_for(user).post(
        "/api/teams/", {"name": "Charlie", "slug": "charlie", "market": org.market.pk, "managers": [org.manager_b.pk]}
    )

    assert response.status_code == expected
    assert Team.objects.filter(slug="charlie").exists() is (expected == 201)


def test_team_created_without_a_time_zone_takes_the_markets(org):
    response = api_client_for(org.admin).post(
        "/api/teams/", {"name": "Charlie", "slug": "charlie", "market": org.market.pk, "managers": [org.manager_b.pk]}
    )

    assert response.status_code == 201
    team = Team.objects.get(slug="charlie")
    assert response.json() == {
        "id": team.pk,
        "name": "Charlie",
        "slug": "charlie",
        "market": org.market.pk,
        "timezone": "Asia/Singapore",
        "managers": [org.manager_b.pk],
        "qa_reviewers": [],
        "planning_interval_minutes": 30,
        "agent_count": 0,
        "onboarding_count": 0,
    }
    # and the new manager now sees it
    assert {t["slug"] for t in api_client_for(org.manager_b).get("/api/teams/").json()["results"]} == {
        "bravo",
        "charlie",
    }


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"timezone": "Asia/Atlantis"},
            {"timezone": ["“Asia/Atlantis” is not a known IANA time zone (for example Asia/Singapore)."]},
        ),
        ({"market": 999999}, {"market": ['Invalid pk "999999" - object does not exist.']}),
        ({"market": "sg"}, {"market": ["Incorrect type. Expected pk value, received str."]}),
        ({"planning_interval_minutes": 20}, {"planning_interval_minutes": ['"20" is not a valid choice.']}),
        ({"slug": "alpha"}, {"slug": ["team with this slug already exists."]}),
        (
            {"slug": "has spaces"},
            {"slug": ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.']},
        ),
        ({"managers": [999999]}, {"managers": ['Invalid pk "999999" - object does not exist.']}),
    ],
)
def test_team_bad_input_is_a_400_naming_the_field(org, body, errors):
    response = api_client_for(org.admin).post(
        "/api/teams/", {"name": "Charlie", "slug": "charlie", "market": org.market.pk, **body}
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert Team.objects.count() == 2


def test_team_missing_fields_are_named(org):
    response = api_client_for(org.admin).post("/api/teams/", {})

    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field is required."],
        "slug": ["This field is required."],
        "market": ["This field is required."],
    }


def test_a_manager_changes_their_teams_time_zone_but_not_to_an_unknown_one(org):
    client = api_client_for(org.manager_a)

    refused = client.patch(f"/api/teams/{org.team_a.pk}/", {"timezone": "Nowhere/Else"})
    accepted = client.patch(f"/api/teams/{org.team_a.pk}/", {"timezone": "Asia/Manila"})

    assert refused.status_code == 400
    assert list(refused.json()) == ["timezone"]
    assert accepted.status_code == 200
    assert accepted.json()["timezone"] == "Asia/Manila"
    assert Team.objects.get(pk=org.team_a.pk).timezone == "Asia/Manila"


@pytest.mark.parametrize(("role", "expected"), [("admin", 204), ("manager_a", 403), ("qa", 403), ("manager_b", 404)])
def test_only_admins_delete_teams(org, role, expected):
    empty = TeamFactory(name="Empty", slug="empty", market=org.market, managers=[org.manager_a], qa_reviewers=[org.qa])

    response = api_client_for(getattr(org, role)).delete(f"/api/teams/{empty.pk}/")

    assert response.status_code == expected
    assert Team.objects.filter(pk=empty.pk).exists() is (expected != 204)


def test_deleting_a_team_with_agents_is_refused_with_a_400(org):
    response = api_client_for(org.admin).delete(f"/api/teams/{org.team_a.pk}/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [f"It is still in use by: {org.agent_a1}, {org.agent_a2}."]}


def test_teams_filter_by_search_market_and_manager(org):
    client = api_client_for(org.admin)

    assert [t["slug"] for t in client.get("/api/teams/", {"q": "brav"}).json()["results"]] == ["bravo"]
    assert [t["slug"] for t in client.get("/api/teams/", {"manager_id": org.manager_a.pk}).json()["results"]] == [
        "alpha"
    ]
    assert len(client.get("/api/teams/", {"market_id": org.market.pk}).json()["results"]) == 2


def make_teams(org, count):
    for _ in range(count):
        team = TeamFactory(market=org.market, managers=[org.manager_a, UserFactory()], qa_reviewers=[org.qa])
        AgentFactory(team=team)
        AgentFactory(team=team, manager=org.manager_a)


@pytest.mark.parametrize(("role", "queries"), [("admin", 6), ("manager_a", 6)])
def test_team_list_costs_a_fixed_number_of_queries(org, role, queries, django_assert_num_queries):
    client = api_client_for(getattr(org, role))
    client.get("/api/teams/")  # the token row now exists; roles are read once per request

    make_teams(org, 2)
    with django_assert_num_queries(queries):
        small = client.get("/api/teams/")

    make_teams(org, 8)
    with django_assert_num_queries(queries):
        large = client.get("/api/teams/")

    assert small.json()["count"] + 8 == large.json()["count"]


def test_a_manager_may_rename_their_team_but_not_change_who_leads_it_or_its_market(org):
    client = api_client_for(org.manager_a)
    other_market = MarketFactory(code="ph", name="Philippines", timezone="Asia/Manila", holiday_country="PH")

    renamed = client.patch(f"/api/teams/{org.team_a.pk}/", {"name": "Alpha Chat", "managers": [org.manager_a.pk]})
    leads = client.patch(f"/api/teams/{org.team_a.pk}/", {"managers": [org.manager_a.pk, org.manager_b.pk]})
    market = client.patch(f"/api/teams/{org.team_a.pk}/", {"market": other_market.pk})

    assert renamed.status_code == 200
    assert leads.status_code == 403
    assert leads.json() == {"managers": "Only an admin changes a team's managers."}
    assert market.status_code == 403
    org.team_a.refresh_from_db()
    assert (org.team_a.name, org.team_a.market_id) == ("Alpha Chat", org.market.pk)
    assert list(org.team_a.managers.values_list("username", flat=True)) == ["manager_a"]
