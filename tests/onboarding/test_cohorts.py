"""Hire classes through the API: who sees and opens them, and enrolling a class at once (all or nothing)."""

from __future__ import annotations

from datetime import date

import pytest

from onboarding.models import Cohort, Enrollment
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.onboarding.curricula import build_curriculum

URL = "/api/onboarding/cohorts/"


@pytest.fixture
def cohorts(org):
    return {
        "alpha": Cohort.objects.create(name="Alpha December class", team=org.team_a, start_date=date(2026, 12, 7)),
        "bravo": Cohort.objects.create(name="Bravo December class", team=org.team_b, start_date=date(2026, 12, 7)),
    }


def test_hire_classes_are_seen_by_their_managers_admins_and_their_members(org, cohorts):
    version = build_curriculum().version
    alpha, bravo = cohorts["alpha"].pk, cohorts["bravo"].pk
    Enrollment.objects.create(
        agent=org.agent_a1, version=version, cohort=cohorts["alpha"], start_date=date(2026, 12, 7)
    )

    assert_role_access(
        list_url=URL,
        detail_url=lambda pk: f"{URL}{pk}/",
        all_ids=[alpha, bravo],
        cases={
            "admin": RoleCase(org.admin, sees={alpha, bravo}),
            "manager_a": RoleCase(org.manager_a, sees={alpha}),
            "manager_b": RoleCase(org.manager_b, sees={bravo}),
            "member agent": RoleCase(org.agent_a1.user, sees={alpha}),
            "other agent": RoleCase(org.agent_a2.user, sees=set()),
            "qa reviewer": RoleCase(org.qa, sees=set(), denied=True),
        },
    )


def test_a_manager_opens_a_class_for_their_team_only(org):
    client = api_client_for(org.manager_a)

    created = client.post(URL, {"name": "Alpha January class", "team": "alpha", "start_date": "2027-01-04"})
    duplicate = client.post(URL, {"name": "Alpha January class", "team": "alpha", "start_date": "2027-01-04"})
    elsewhere = client.post(URL, {"name": "Bravo class", "team": "bravo", "start_date": "2027-01-04"})

    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"],
        "name": "Alpha January class",
        "team": "alpha",
        "start_date": "2027-01-04",
        "active_enrollments": 0,
    }
    assert duplicate.status_code == 400
    assert duplicate.json() == {"name": ["Alpha already has a hire class called “Alpha January class”."]}
    assert elsewhere.status_code == 403
    assert list(Cohort.objects.values_list("name", flat=True)) == ["Alpha January class"]


def test_a_class_is_enrolled_at_once_or_not_at_all(org, cohorts):
    version = build_curriculum().version
    client = api_client_for(org.manager_a)
    url = f"{URL}{cohorts['alpha'].pk}/enroll/"

    refused = client.post(
        url, {"agent_ids": [org.agent_a1.pk, org.agent_b1.pk], "version_id": version.pk}, format="json"
    )
    unknown = client.post(url, {"agent_ids": [org.agent_a1.pk, 999999], "version_id": version.pk}, format="json")
    assert Enrollment.objects.count() == 0
    enrolled = client.post(
        url, {"agent_ids": [org.agent_a1.pk, org.agent_a2.pk], "version_id": version.pk}, format="json"
    )

    assert refused.status_code == 403
    assert unknown.json() == {"agent_ids": ["No agent has id 999999."]}
    assert enrolled.status_code == 201
    assert sorted(Enrollment.objects.values_list("agent__user__username", "cohort__name", "start_date")) == [
        ("agent_a1", "Alpha December class", date(2026, 12, 7)),
        ("agent_a2", "Alpha December class", date(2026, 12, 7)),
    ]
    assert client.get(f"{URL}{cohorts['alpha'].pk}/").json()["active_enrollments"] == 2


def test_the_class_list_costs_the_same_queries_whatever_the_number(org, cohorts, django_assert_num_queries):
    client = api_client_for(org.manager_a)
    client.get(URL)
    with django_assert_num_queries(4) as few:
        assert client.get(URL).json()["count"] == 1
    for month in range(1, 6):
        Cohort.objects.create(name=f"Alpha class {month}", team=org.team_a, start_date=date(2027, month, 4))
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(URL).json()["count"] == 6
