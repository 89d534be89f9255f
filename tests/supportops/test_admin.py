"""The Django admin: open to admins only, every page loads, history names who changed what, fixed query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supportops import services
from supportops.choices import AgentStatus, Role, Tier
from supportops.models import Agent, AgentStatusChange, Conversation, Market, Queue, Skill, Team
from tests.factories import AgentFactory, ConversationFactory, SkillFactory, UserFactory

MODEL_NAMES = ["market", "team", "skill", "agent", "agentstatuschange", "queue", "conversation"]


def admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def objects_of(org) -> dict[str, int]:
    """One object of each admin model, keyed by model name."""
    skill = SkillFactory(name="Payments")
    change = services.agent_change_status(
        agent=org.agent_a1, status=AgentStatus.ON_LEAVE, effective_date=date(2026, 3, 2), changed_by=org.admin
    )
    return {
        "market": org.market.pk,
        "team": org.team_a.pk,
        "skill": skill.pk,
        "agent": org.agent_a1.pk,
        "agentstatuschange": change.pk,
        "queue": org.conversation_a1.queue_id,
        "conversation": org.conversation_a1.pk,
    }


def agent_form_data(agent: Agent, **changes: object) -> dict[str, object]:
    """What the agent change form posts, with the two inline formsets left empty."""
    data: dict[str, object] = {
        "user": agent.user_id,
        "team": agent.team_id,
        "manager": agent.manager_id or "",
        "tier": agent.tier,
        "employment_type": agent.employment_type,
        "vendor_name": agent.vendor_name,
        "start_date": agent.start_date.isoformat(),
        "contracted_hours_min": agent.contracted_hours_min,
        "contracted_hours_max": agent.contracted_hours_max,
        "timezone": agent.timezone,
    }
    for prefix in ("agent_skills", "status_changes"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
    data.update(changes)
    return data


# --- Who gets in --------------------------------------------------------------------------------


@pytest.mark.parametrize("model_name", MODEL_NAMES)
def test_an_admin_role_user_opens_every_changelist_and_change_page(org, model_name):
    # given
    client = admin_client(org.admin)
    pk = objects_of(org)[model_name]

    # when
    listing = client.get(reverse(f"admin:supportops_{model_name}_changelist"))
    detail = client.get(reverse(f"admin:supportops_{model_name}_change", args=[pk]))

    # then
    assert not org.admin.is_superuser
    assert listing.status_code == 200
    assert detail.status_code == 200


@pytest.mark.parametrize(
    ("model_name", "status_code"),
    [
        ("market", 200),
        ("team", 200),
        ("skill", 200),
        ("agent", 200),
        ("queue", 200),
        ("conversation", 200),
        ("agentstatuschange", 403),  # lifecycle steps come only from the status-change service
    ],
)
def test_an_admin_role_user_opens_the_add_pages(org, model_name, status_code):
    # when
    response = admin_client(org.admin).get(reverse(f"admin:supportops_{model_name}_add"))

    # then
    assert response.status_code == status_code


@pytest.mark.parametrize("model_name", ["market", "team", "skill", "agent", "queue"])
def test_an_admin_role_user_opens_the_history_pages(org, model_name):
    # given
    pk = objects_of(org)[model_name]

    # when
    response = admin_client(org.admin).get(reverse(f"admin:supportops_{model_name}_history", args=[pk]))

    # then
    assert response.status_code == 200


def test_the_admin_index_lists_the_org_models_and_users_for_an_admin(org):
    # when
    response = admin_client(org.admin).get(reverse("admin:index"))

    # then
    assert response.status_code == 200
    for url_name in [f"admin:supportops_{name}_changelist" for name in MODEL_NAMES] + ["admin:auth_user_changelist"]:
        assert reverse(url_name) in response.content.decode()


@pytest.mark.parametrize("who", ["manager_a", "qa", "agent"])
def test_people_without_the_admin_role_are_sent_to_the_admin_login(org, who):
    # given
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    client = admin_client(user)

    # when
    index = client.get(reverse("admin:index"))
    agents = client.get(reverse("admin:supportops_agent_changelist"))

    # then
    assert index.status_code == 302
    assert index["Location"] == "/admin/login/?next=/admin/"
    assert agents.status_code == 302
    assert agents["Location"] == "/admin/login/?next=/admin/supportops/agent/"


def test_staff_without_the_admin_role_cannot_open_org_models(org):
    # given
    staff = UserFactory(username="helpdesk_staff")
    staff.is_staff = True
    staff.save()
    client = admin_client(staff)

    # when
    index = client.get(reverse("admin:index"))
    agents = client.get(reverse("admin:supportops_agent_changelist"))

    # then
    assert index.status_code == 200
    assert reverse("admin:supportops_agent_changelist") not in index.content.decode()
    assert agents.status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_admin_login(org):
    # when
    response = Client().get(reverse("admin:supportops_conversation_changelist"))

    # then
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/supportops/conversation/"


# --- Changes and their history ------------------------------------------------------------------


def test_an_agent_changed_in_the_admin_shows_who_changed_what_in_its_history(org):
    # given
    client = admin_client(org.admin)
    agent = org.agent_a1

    # when
    saved = client.post(reverse("admin:supportops_agent_change", args=[agent.pk]), agent_form_data(agent, tier=Tier.L2))
    history = client.get(reverse("admin:supportops_agent_history", args=[agent.pk]))

    # then
    assert saved.status_code == 302
    agent.refresh_from_db()
    assert agent.tier == Tier.L2
    last = agent.history.latest()
    assert (last.history_type, last.history_user) == ("~", org.admin)
    page = " ".join(history.content.decode().split())
    assert f'<a href="/admin/auth/user/{org.admin.pk}/change/">admin_user</a>' in page
    assert "<strong>Tier:</strong> L1 &nbsp;&rarr;&nbsp;&nbsp;L2" in page


def test_the_agent_status_is_read_only_in_the_admin(org):
    # given
    client = admin_client(org.admin)
    agent = org.agent_a1

    # when
    client.post(
        reverse("admin:supportops_agent_change", args=[agent.pk]),
        agent_form_data(agent, status=AgentStatus.EXITED),
    )

    # then
    agent.refresh_from_db()
    assert agent.status == AgentStatus.ACTIVE
    assert not agent.status_changes.exists()


def test_an_agent_added_in_the_admin_gets_the_agent_role_and_a_first_status(org):
    # given
    client = admin_client(org.admin)
    login = UserFactory(username="new_hire")
    data = {
        "user": login.pk,
        "team": org.team_a.pk,
        "manager": org.manager_a.pk,
        "tier": Tier.L1,
        "employment_type": "employee",
        "vendor_name": "",
        "status": AgentStatus.ONBOARDING,
        "start_date": "2026-03-02",
        "contracted_hours_min": "40",
        "contracted_hours_max": "40",
        "timezone": "",
        "agent_skills-TOTAL_FORMS": 0,
        "agent_skills-INITIAL_FORMS": 0,
        "status_changes-TOTAL_FORMS": 0,
        "status_changes-INITIAL_FORMS": 0,
    }

    # when
    response = client.post(reverse("admin:supportops_agent_add"), data)

    # then
    assert response.status_code == 302
    agent = Agent.objects.get(user_id=login.pk)
    assert list(agent.status_changes.values_list("status", "effective_date", "changed_by")) == [
        (AgentStatus.ONBOARDING, date(2026, 3, 2), org.admin.pk)
    ]
    assert login.groups.filter(name=Role.AGENT).exists()


def test_roles_given_in_the_user_admin_keep_admin_access_in_step(org):
    # given
    client = admin_client(org.admin)
    user = org.manager_b
    changelist = client.get(reverse("admin:auth_user_changelist"))
    admin_group = user.groups.model.objects.get(name=Role.ADMIN)
    manager_group = user.groups.model.objects.get(name=Role.MANAGER)

    # when
    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_active": "on",
            "groups": [admin_group.pk, manager_group.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )

    # then
    assert changelist.status_code == 200
    assert '<td class="field-role_names">Manager</td>' in changelist.content.decode()
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff
    assert not user.is_superuser
    assert set(user.groups.values_list("name", flat=True)) == {Role.ADMIN, Role.MANAGER}


# --- Query counts -------------------------------------------------------------------------------


def test_the_agent_changelist_costs_the_same_queries_with_more_agents(org, django_assert_num_queries):
    # given
    client = admin_client(org.admin)
    url = reverse("admin:supportops_agent_changelist")
    client.get(url)  # warm the session and content types
    with django_assert_num_queries(13):
        assert client.get(url).status_code == 200

    # when
    for index in range(6):
        AgentFactory(team=org.team_b if index % 2 else org.team_a, manager=org.manager_b)

    # then
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.context["cl"].result_count == 10


def test_the_conversation_changelist_costs_the_same_queries_with_more_conversations(org, django_assert_num_queries):
    # given conversations over two years, so the date hierarchy lists years before and after
    ConversationFactory(agent=org.agent_a1, external_id="last-year", created_at=datetime(2025, 6, 2, 9, tzinfo=UTC))
    client = admin_client(org.admin)
    url = reverse("admin:supportops_conversation_changelist")
    client.get(url)
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200

    # when
    for index in range(8):
        ConversationFactory(agent=org.agent_b1 if index % 2 else org.agent_a2, external_id=f"more-{index}")

    # then
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.context["cl"].result_count == 13


def test_changelists_of_the_other_models_cost_fixed_queries(org, django_assert_num_queries):
    # given
    client = admin_client(org.admin)
    for url_name in ["market", "team", "skill", "queue", "agentstatuschange"]:
        client.get(reverse(f"admin:supportops_{url_name}_changelist"))
    counts_before = {
        name: _count_queries(client, reverse(f"admin:supportops_{name}_changelist"))
        for name in ["team", "queue", "agentstatuschange"]
    }

    # when
    extra_market = Market.objects.create(code="mnl", name="Manila", timezone="Asia/Manila", holiday_country="PH")
    Team.objects.create(name="Charlie", slug="charlie", market=extra_market).managers.add(org.manager_b)
    Queue.objects.create(name="PH Email", channel="email", response_time_hours=24, market=extra_market)
    for agent in (org.agent_a2, org.agent_b1):
        services.agent_change_status(agent=agent, status=AgentStatus.ON_LEAVE, effective_date=date(2026, 3, 2))

    # then
    counts_after = {
        name: _count_queries(client, reverse(f"admin:supportops_{name}_changelist"))
        for name in ["team", "queue", "agentstatuschange"]
    }
    assert counts_before == {"team": 10, "queue": 10, "agentstatuschange": 11}
    assert counts_after == counts_before
    assert Skill.objects.count() == 0
    assert AgentStatusChange.objects.count() == 2


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_conversation_search_finds_by_external_id(org):
    # when
    response = admin_client(org.admin).get(reverse("admin:supportops_conversation_changelist"), {"q": "b1"})

    # then
    assert [conversation.pk for conversation in response.context["cl"].result_list] == [org.conversation_b1.pk]
    assert Conversation.objects.count() == 4


def test_an_admin_role_user_can_search_agents_in_the_conversation_form(org):
    # when
    response = admin_client(org.admin).get(
        reverse("admin:autocomplete"),
        {"app_label": "supportops", "model_name": "conversation", "field_name": "agent", "term": "agent_b"},
    )

    # then
    assert response.status_code == 200
    assert sorted(int(result["id"]) for result in response.json()["results"]) == sorted(
        [org.agent_b1.pk, org.agent_b2.pk]
    )
