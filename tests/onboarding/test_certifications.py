"""Certifications through the API and the admin: who sees which grants."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from onboarding.models import Certification, CertificationGrant
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import PASSWORD

GRANTS = "/api/onboarding/certification-grants/"


@pytest.fixture
def grants(org):
    certification = Certification.objects.create(name="Payments disputes", validity_days=365)
    return {
        agent: CertificationGrant.objects.create(
            agent=agent, certification=certification, granted_on=date(2026, 1, 5), expires_on=date(2027, 1, 5)
        )
        for agent in (org.agent_a1, org.agent_a2, org.agent_b1)
    }


def test_grants_are_seen_by_their_agent_their_team_managers_and_admins(org, grants):
    a1, a2, b1 = grants[org.agent_a1].pk, grants[org.agent_a2].pk, grants[org.agent_b1].pk

    assert_role_access(
        list_url=GRANTS,
        detail_url=lambda pk: f"{GRANTS}{pk}/",
        all_ids=[a1, a2, b1],
        cases={
            "admin": RoleCase(org.admin, sees={a1, a2, b1}),
            "manager_a": RoleCase(org.manager_a, sees={a1, a2}),
            "manager_b": RoleCase(org.manager_b, sees={b1}),
            "agent_a1": RoleCase(org.agent_a1.user, sees={a1}),
            "qa reviewer": RoleCase(org.qa, sees=set(), denied=True),
        },
    )


def test_a_grant_names_its_agent_certification_and_dates(org, grants):
    body = api_client_for(org.agent_a1.user).get(f"{GRANTS}?agent_id={org.agent_a1.pk}").json()

    assert body["results"] == [
        {
            "id": grants[org.agent_a1].pk,
            "agent": org.agent_a1.pk,
            "agent_name": str(org.agent_a1),
            "certification": "Payments disputes",
            "granted_on": "2026-01-05",
            "expires_on": "2027-01-05",
            "enrollment": None,
            "renewal_enrollment": None,
        }
    ]


def test_the_grant_list_costs_the_same_queries_whatever_the_number(org, grants, django_assert_num_queries):
    client = api_client_for(org.admin)
    client.get(GRANTS)
    with django_assert_num_queries(4) as few:
        assert client.get(GRANTS).json()["count"] == 3
    certification = Certification.objects.create(name="Cards", validity_days=100)
    for agent in (org.agent_a1, org.agent_b2):
        CertificationGrant.objects.create(
            agent=agent, certification=certification, granted_on=date(2026, 2, 1), expires_on=date(2026, 5, 1)
        )
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(GRANTS).json()["count"] == 5


@pytest.mark.parametrize(
    "url",
    [
        "/admin/onboarding/certification/",
        "/admin/onboarding/certificationgrant/",
        "/admin/onboarding/cohort/",
        "/admin/onboarding/reminderlog/",
    ],
)
def test_certification_admin_pages_are_for_admins(org, grants, url):
    admin_client, manager_client = Client(), Client()
    admin_client.login(username=org.admin.username, password=PASSWORD)
    manager_client.login(username=org.manager_a.username, password=PASSWORD)

    assert admin_client.get(url).status_code == 200
    assert manager_client.get(url).status_code == 302
