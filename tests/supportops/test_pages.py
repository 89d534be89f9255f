"""The pages people use: who sees what, 404 outside one's scope, htmx fragments, filters and query counts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supportops import selectors
from supportops.choices import AgentStatus, AuthorRole, Role
from supportops.models import AgentSkill, AgentStatusChange, ConversationMessage
from tests.factories import (
    PASSWORD,
    AgentFactory,
    ConversationFactory,
    QueueFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def grow(org, *, agents_per_team: int = 3, conversations_per_agent: int = 3) -> None:
    """Add people, skills, status changes, managers and conversations to both teams (for query counts)."""
    skill = SkillFactory(name="Spanish")
    now = timezone.now()
    for team in (org.team_a, org.team_b):
        team.managers.add(UserFactory(roles=[Role.MANAGER]))
        team.qa_reviewers.add(UserFactory(roles=[Role.QA_REVIEWER]))
        for index in range(agents_per_team):
            status = AgentStatus.ONBOARDING if index == 0 else AgentStatus.ACTIVE
            agent = AgentFactory(team=team, manager=org.manager_a, status=status)
            AgentSkill.objects.create(agent_id=agent.pk, skill_id=skill.pk, proficiency=3)
            AgentStatusChange.objects.create(agent_id=agent.pk, status=status, effective_date=date(2025, 1, 6))
            for number in range(conversations_per_agent):
                ConversationFactory(agent=agent, created_at=now - timedelta(days=number, hours=1), csat_score=2)
    for agent in (org.agent_a1, org.agent_b1):
        ConversationFactory(agent=agent, created_at=now - timedelta(hours=3), csat_score=1)


# --- Sign-in, sign-out and the login wall --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("home", {}),
        ("team-list", {}),
        ("team-detail", {"slug": "alpha"}),
        ("agent-list", {}),
        ("agent-detail", {"pk": 1}),
        ("conversation-list", {}),
        ("conversation-detail", {"pk": 1}),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(org, name, kwargs):
    # given an anonymous visitor / when they open a page
    url = reverse(name, kwargs=kwargs)
    response = Client().get(url)
    # then they are redirected to the login page, which brings them back afterwards
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_login_page_shows_the_form_and_signs_in_to_home(org):
    client = Client()
    # given the login page
    page = page_text(client.get(reverse("login")))
    assert "Sign in to your workspace" in page
    assert 'autocomplete="username"' in page
    # when a manager signs in with the right password
    response = client.post(reverse("login"), {"username": "manager_a", "password": PASSWORD})
    # then they land on their home page
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "Your teams" in page_text(client.get("/"))


def test_login_with_a_wrong_password_says_so_and_stays_anonymous(org):
    response = Client().post(reverse("login"), {"username": "manager_a", "password": "wrong"})
    assert "Please enter a correct username and password" in page_text(response)
    assert "_auth_user_id" not in response.wsgi_request.session


def test_logout_is_a_post_that_returns_to_login(org):
    client = client_for(org.manager_a)
    # a GET does not sign out (Django 5 LogoutView)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


# --- Layout and navigation -----------------------------------------------------------------------


def test_navigation_and_user_menu_follow_the_roles(org):
    admin_page = page_text(client_for(org.admin).get("/"))
    agent_page = page_text(client_for(org.agent_a1.user).get("/"))
    # admin: directories plus the admin and the API docs, and an Admin badge
    for label in ("Teams</span>", "Agents</span>", "Conversations</span>", "Admin</span>", "API docs</span>"):
        assert label in admin_page
    assert '<span class="badge role-admin">Admin</span>' in admin_page
    assert 'href="/admin/"' in admin_page
    # agent: their team and conversations only, an Agent badge and their name in the user menu
    assert "My team</span>" in agent_page
    assert "My conversations</span>" in agent_page
    assert "Agents</span>" not in agent_page
    assert 'href="/admin/"' not in agent_page
    assert '<span class="badge role-agent">Agent</span>' in agent_page
    assert f'data-testid="user-name">{org.agent_a1.display_name}<' in agent_page
    # both have a sign-out button posting to logout
    assert f'action="{reverse("logout")}"' in agent_page


def test_current_section_is_marked_in_the_menu(org):
    page = page_text(client_for(org.manager_a).get(reverse("team-detail", args=["alpha"])))
    assert '<a href="/teams/" aria-current="page">' in page
    assert '<a href="/" aria-current="page">' not in page


def test_static_files_and_vendored_htmx_are_linked_without_a_cdn(org):
    page = page_text(client_for(org.admin).get("/"))
    assert '<script src="/static/supportops/vendor/htmx.min.js" defer></script>' in page
    assert '<link rel="stylesheet" href="/static/supportops/app.css">' in page
    assert "https://" not in page.split("</head>")[0]


# --- Home pages ----------------------------------------------------------------------------------


def test_admin_home_counts_the_organisation(org):
    ConversationFactory(agent=org.agent_b1, created_at=timezone.now() - timedelta(days=1))
    page = page_text(client_for(org.admin).get("/"))
    assert "Your organisation at a glance." in page
    assert '<div class="stat-label">Teams</div><div class="stat-value">2</div>' in page
    assert '<div class="stat-label">Agents</div><div class="stat-value">4</div>' in page
    assert '<div class="stat-label">Markets</div><div class="stat-value">1</div>' in page
    assert '<div class="stat-label">Conversations</div><div class="stat-value">1</div>' in page
    assert "Active <strong" not in page  # the legend links each status
    assert '?status=active">Active</a> <strong class="num">4</strong>' in page
    assert "API documentation" in page
    assert "Your teams" not in page
    assert "My work" not in page


def test_manager_home_shows_their_teams_with_last_week_kpis_and_ramping_agents(org):
    now = timezone.now()
    ConversationFactory(agent=org.agent_a1, created_at=now - timedelta(days=1), csat_score=4)
    ConversationFactory(agent=org.agent_a2, created_at=now - timedelta(days=2), csat_score=1)
    newcomer = AgentFactory(
        team=org.team_a, status=AgentStatus.NESTING, user__first_name="Nadia", user__last_name="New"
    )
    far_away = AgentFactory(
        team=org.team_b, status=AgentStatus.ONBOARDING, user__first_name="Oscar", user__last_name="Other"
    )
    page = page_text(client_for(org.manager_a).get("/"))
    assert "Your teams" in page
    assert 'id="pulse-alpha"' in page
    assert 'id="pulse-bravo"' not in page
    assert "2.50" in page  # CSAT of the week: (4 + 1) / 2
    assert newcomer.display_name in page
    assert far_away.display_name not in page
    assert "Schedules and adherence" in page


def test_team_pulse_gives_count_csat_and_median_first_response_per_team(org):
    # given four answered conversations in team A this week (45 s, 60 s, 90 s, 300 s) and an old one
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    for seconds in (45, 60, 90, 300):
        created = now - timedelta(days=1)
        ConversationFactory(
            agent=org.agent_a1, created_at=created, first_response_at=created + timedelta(seconds=seconds), csat_score=3
        )
    ConversationFactory(agent=org.agent_a1, created_at=now - timedelta(days=9), csat_score=1)
    # when the pulse is read
    (pulse,) = selectors.team_pulses(user=org.manager_a, teams=[org.team_a], now=now)
    # then it counts this week only, and the median of an even count is the mean of the middle two
    assert pulse.conversations == 4
    assert pulse.csat_average == 3
    assert pulse.csat_responses == 4
    assert pulse.median_first_response_seconds == 75
    assert [day.count for day in pulse.daily] == [0] * 4 + [1] + [0] * 7 + [4, 0]
    assert pulse.daily[-1].day == date(2026, 11, 20)


def test_qa_home_lists_recent_low_csat_from_assigned_teams_only(org):
    now = timezone.now()
    ConversationFactory(agent=org.agent_a2, created_at=now - timedelta(hours=2), csat_score=1, subject="Angry in Alpha")
    ConversationFactory(agent=org.agent_b1, created_at=now - timedelta(hours=2), csat_score=1, subject="Angry in Bravo")
    ConversationFactory(agent=org.agent_a1, created_at=now - timedelta(hours=2), csat_score=5, subject="Happy in Alpha")
    page = page_text(client_for(org.qa).get("/"))
    assert "Quality review" in page
    assert "Angry in Alpha" in page
    assert "Angry in Bravo" not in page
    assert "Happy in Alpha" not in page
    assert 'id="pulse-alpha"' in page


def test_agent_home_shows_own_profile_and_own_conversations(org):
    skill = SkillFactory(name="Bahasa Melayu")
    AgentSkill.objects.create(agent_id=org.agent_a1.pk, skill_id=skill.pk, proficiency=4)
    ConversationFactory(agent=org.agent_a1, created_at=timezone.now() - timedelta(hours=1), subject="My own case")
    ConversationFactory(agent=org.agent_a2, created_at=timezone.now() - timedelta(hours=1), subject="A teammate's case")
    page = page_text(client_for(org.agent_a1.user).get("/"))
    assert "My work" in page
    assert org.agent_a1.display_name in page
    assert org.manager_a.get_full_name() in page
    assert "Bahasa Melayu · 4/5" in page
    assert "My own case" in page
    assert "A teammate&#x27;s case" not in page
    assert "My shifts" in page
    assert "Your teams" not in page


def test_person_with_two_roles_sees_a_section_for_each(org):
    org.qa.groups.add(*org.manager_a.groups.all())
    org.team_b.managers.add(org.qa)
    page = page_text(client_for(org.qa).get("/"))
    assert "Your teams" in page
    assert "Quality review" in page
    assert page.index("Your teams") < page.index("Quality review")


def test_agent_role_without_an_agent_record_gets_a_friendly_note(org):
    user = UserFactory(roles=[Role.AGENT])
    page = page_text(client_for(user).get("/"))
    assert "Your agent profile is not set up yet" in page


# --- Teams ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees", "hidden"),
    [
        ("admin", ["Alpha", "Bravo"], []),
        ("manager_a", ["Alpha"], ["Bravo"]),
        ("manager_b", ["Bravo"], ["Alpha"]),
        ("qa", ["Alpha"], ["Bravo"]),
        ("agent", ["Alpha"], ["Bravo"]),
    ],
)
def test_team_list_shows_exactly_the_visible_teams(org, who, sees, hidden):
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    page = page_text(client_for(user).get(reverse("team-list")))
    for name in sees:
        assert f'id="team-{name.lower()}"><a href="/teams/{name.lower()}/">{name}</a>' in page
    for name in hidden:
        assert f"/teams/{name.lower()}/" not in page


def test_team_list_card_shows_market_zone_head_count_and_managers(org):
    AgentFactory(team=org.team_a, status=AgentStatus.ONBOARDING)
    AgentFactory(team=org.team_a, status=AgentStatus.EXITED)
    page = page_text(client_for(org.manager_a).get(reverse("team-list")))
    assert "Singapore · Asia/Singapore" in page
    assert '<div class="value">3</div><div class="label">agents</div>' in page
    assert '<div class="value">1</div><div class="label">ramping up</div>' in page
    assert org.manager_a.get_full_name() in page


def test_agents_see_their_own_team_as_my_team(org):
    page = page_text(client_for(org.agent_a1.user).get(reverse("team-list")))
    assert "<h1>My team</h1>" in page


@pytest.mark.parametrize(
    ("who", "status_alpha", "status_bravo"),
    [("admin", 200, 200), ("manager_a", 200, 404), ("manager_b", 404, 200), ("qa", 200, 404), ("agent", 200, 404)],
)
def test_team_detail_answers_404_outside_the_viewers_scope(org, who, status_alpha, status_bravo):
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    client = client_for(user)
    assert client.get(reverse("team-detail", args=["alpha"])).status_code == status_alpha
    assert client.get(reverse("team-detail", args=["bravo"])).status_code == status_bravo
    assert client.get(reverse("team-detail", args=["nowhere"])).status_code == 404


def test_team_detail_lists_agents_managers_and_qa_reviewers(org):
    skill = SkillFactory(name="Tagalog")
    AgentSkill.objects.create(agent_id=org.agent_a2.pk, skill_id=skill.pk, proficiency=5)
    page = page_text(client_for(org.qa).get(reverse("team-detail", args=["alpha"])))
    assert org.agent_a1.display_name in page
    assert org.agent_a2.display_name in page
    assert org.agent_b1.display_name not in page
    assert org.manager_a.get_full_name() in page
    assert org.qa.get_full_name() in page
    assert 'title="Proficiency 5 of 5">Tagalog' in page
    assert '<span class="badge dot status-active">Active</span>' in page


# --- Agents --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("admin", {"agent_a1", "agent_a2", "agent_b1", "agent_b2"}),
        ("manager_a", {"agent_a1", "agent_a2", "agent_b2"}),
        ("manager_b", {"agent_b1", "agent_b2"}),
        ("qa", {"agent_a1", "agent_a2"}),
        ("agent", {"agent_a1", "agent_a2"}),
    ],
)
def test_agent_directory_and_detail_follow_the_viewers_scope(org, who, sees):
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    client = client_for(user)
    page = page_text(client.get(reverse("agent-list")))
    for name in ("agent_a1", "agent_a2", "agent_b1", "agent_b2"):
        agent = getattr(org, name)
        listed = f'href="/agents/{agent.pk}/">{agent.display_name}</a>' in page
        assert listed == (name in sees), (who, name)
        expected = 200 if name in sees else 404
        assert client.get(reverse("agent-detail", args=[agent.pk])).status_code == expected, (who, name)


def test_agent_detail_shows_profile_skills_and_status_history(org):
    skill = SkillFactory(name="Refunds")
    AgentSkill.objects.create(agent_id=org.agent_a1.pk, skill_id=skill.pk, proficiency=2)
    AgentStatusChange.objects.create(agent=org.agent_a1, status=AgentStatus.ONBOARDING, effective_date=date(2025, 1, 6))
    AgentStatusChange.objects.create(
        agent=org.agent_a1,
        status=AgentStatus.NESTING,
        previous_status=AgentStatus.ONBOARDING,
        effective_date=date(2025, 2, 3),
        note="Passed the product quiz",
        changed_by=org.manager_a,
    )
    page = page_text(client_for(org.manager_a).get(reverse("agent-detail", args=[org.agent_a1.pk])))
    assert f"<h1>{org.agent_a1.display_name}</h1>" in page
    assert 'aria-label="Proficiency 2 of 5"' in page
    assert "Passed the product quiz" in page
    assert f"3 Feb 2025 · by {org.manager_a.get_full_name()}" in page
    # newest first
    assert page.index("3 Feb 2025") < page.index("6 Jan 2025")
    assert "30–40 h" in page


def test_agent_detail_shows_conversations_only_to_those_who_may_see_them(org):
    org.conversation_a2.subject = "Teammate conversation"
    org.conversation_a2.save()
    url = reverse("agent-detail", args=[org.agent_a2.pk])
    # the agent's manager sees them
    assert "Teammate conversation" in page_text(client_for(org.manager_a).get(url))
    # a teammate sees the profile but not the conversations section
    teammate_page = page_text(client_for(org.agent_a1.user).get(url))
    assert "Recent conversations" not in teammate_page
    assert "Teammate conversation" not in teammate_page
    # the agent themself sees their own
    assert "Teammate conversation" in page_text(client_for(org.agent_a2.user).get(url))


def test_agent_directory_search_and_filters(org):
    org.agent_a1.user.first_name = "Zelda"
    org.agent_a1.user.save()
    org.agent_a2.tier = "L2"
    org.agent_a2.save()
    org.agent_b1.status = AgentStatus.ON_LEAVE
    org.agent_b1.save()
    client = client_for(org.admin)

    def listed(query: str) -> set[str]:
        page = page_text(client.get(reverse("agent-list") + query))
        return {
            a.user.username
            for a in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_b2)
            if f"/agents/{a.pk}/" in page
        }

    assert listed("?q=zel") == {"agent_a1"}
    assert listed(f"?q=zelda+{org.agent_a1.user.last_name}") == {"agent_a1"}
    assert listed("?team=bravo") == {"agent_b1", "agent_b2"}
    assert listed("?tier=L2") == {"agent_a2"}
    assert listed("?status=on_leave") == {"agent_b1"}
    assert listed("?team=alpha&tier=L1") == {"agent_a1"}


def test_agent_directory_paginates_by_fifty(org):
    for _ in range(51):
        AgentFactory(team=org.team_a)
    client = client_for(org.admin)
    first = page_text(client.get(reverse("agent-list")))
    last = page_text(client.get(reverse("agent-list") + "?page=2"))
    assert "Showing 1–50 of 55 agents" in first
    assert 'href="?page=2"' in first
    assert "Showing 51–55 of 55 agents" in last


def test_agent_directory_answers_htmx_with_the_results_fragment(org):
    response = client_for(org.admin).get(reverse("agent-list") + "?team=alpha", **HTMX)
    fragment = page_text(response)
    assert "<html" not in fragment
    assert "<form" not in fragment
    assert len(re.findall(r'href="/agents/\d+/"', fragment)) == 2
    assert f'href="/agents/{org.agent_a1.pk}/"' in fragment
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(org):
    headers = {**HTMX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
    assert "<html" in page_text(client_for(org.admin).get(reverse("agent-list"), **headers))


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("?team=unknown", "Team: there is no team “unknown” among yours, so it was ignored."),
        ("?team=bravo", "Team: there is no team “bravo” among yours, so it was ignored."),
        ("?tier=L9", "Tier: “L9” is not a tier (L1, L2 or L3), so it was ignored."),
        ("?status=retired", "Status: “retired” is not an agent status, so it was ignored."),
    ],
)
def test_agent_directory_ignores_bad_filters_with_a_notice(org, query, notice):
    # given manager_a, who cannot see team Bravo / when a filter does not validate
    page = page_text(client_for(org.manager_a).get(reverse("agent-list") + query))
    # then the page still lists everything they see, and says which filter was ignored
    assert notice in page
    assert "Showing 1–3 of 3 agents" in page


def test_malformed_page_numbers_fall_back_gracefully(org):
    client = client_for(org.admin)
    assert "Showing 1–4 of 4 agents" in page_text(client.get(reverse("agent-list") + "?page=abc"))
    assert "Showing 1–4 of 4 agents" in page_text(client.get(reverse("agent-list") + "?page=999"))
    assert "Showing 1–4 of 4 conversations" in page_text(client.get(reverse("conversation-list") + "?page=-1"))


# --- Conversations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("admin", {"a1", "a2", "b1", "b2"}),
        ("manager_a", {"a1", "a2", "b2"}),
        ("manager_b", {"b1", "b2"}),
        ("qa", {"a1", "a2"}),
        ("agent", {"a1"}),
    ],
)
def test_conversation_list_and_detail_follow_the_viewers_scope(org, who, sees):
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    client = client_for(user)
    page = page_text(client.get(reverse("conversation-list")))
    for external_id in ("a1", "a2", "b1", "b2"):
        conversation = getattr(org, f"conversation_{external_id}")
        listed = f"API #{external_id}<" in page
        assert listed == (external_id in sees), (who, external_id)
        expected = 200 if external_id in sees else 404
        status = client.get(reverse("conversation-detail", args=[conversation.pk])).status_code
        assert status == expected, (who, external_id)


def test_conversation_filters_by_queue_csat_search_and_dates(org):
    queue = QueueFactory(name="Refunds chat")
    org.conversation_a1.queue = queue
    org.conversation_a1.subject = "Refund never arrived"
    org.conversation_a1.save()
    org.conversation_a2.csat_score = 2
    org.conversation_a2.save()
    org.conversation_b1.csat_score = None
    org.conversation_b1.save()
    org.conversation_b2.created_at = datetime(2026, 2, 10, 15, 59, tzinfo=UTC)  # 23:59 in Singapore
    org.conversation_b2.save()
    client = client_for(org.admin)

    def listed(query: str) -> set[str]:
        page = page_text(client.get(reverse("conversation-list") + query))
        return {external_id for external_id in ("a1", "a2", "b1", "b2") if f"API #{external_id}<" in page}

    assert listed(f"?queue={queue.pk}") == {"a1"}
    assert listed("?q=refund+never") == {"a1"}
    assert listed("?csat=low") == {"a2"}
    assert listed("?csat=2") == {"a2"}
    assert listed("?csat=none") == {"b1"}
    assert listed("?csat=5") == {"a1", "b2"}
    # both teams are in Singapore, so days are Singapore days: 10 Feb 23:59 there is still 10 Feb
    assert listed("?date_from=2026-02-10&date_to=2026-02-10") == {"b2"}
    assert listed("?date_to=2026-02-09") == set()
    assert listed("?date_from=2026-02-11") == {"a1", "a2", "b1"}


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("?csat=9", "CSAT: “9” is not a CSAT filter (1 to 5, low or none), so it was ignored."),
        ("?queue=abc", "Queue: there is no queue “abc”, so it was ignored."),
        ("?date_from=yesterday", "From: give a date as YYYY-MM-DD; it was ignored."),
        ("?date_from=2026-01-05&date_to=2026-01-01", "To: the end date is before the start date; it was ignored."),
    ],
)
def test_conversation_list_ignores_bad_filters_with_a_notice(org, query, notice):
    page = page_text(client_for(org.admin).get(reverse("conversation-list") + query))
    assert notice in page
    assert "Showing 1–4 of 4 conversations" in page


def test_conversation_list_answers_htmx_with_the_results_fragment(org):
    fragment = page_text(client_for(org.manager_b).get(reverse("conversation-list") + "?q=b1", **HTMX))
    assert "<html" not in fragment
    assert "Showing 1–1 of 1 conversation" in fragment
    assert "API #b1<" in fragment


def test_conversation_detail_shows_thread_metadata_and_csat(org):
    conversation = org.conversation_a1
    conversation.subject = "Card blocked abroad"
    conversation.csat_comment = "Quick and kind"
    conversation.save()
    for position, (role, name, body) in enumerate(
        [(AuthorRole.CUSTOMER, "Mei", "My card is blocked"), (AuthorRole.AGENT, "Ana", "Unblocked it for you")]
    ):
        ConversationMessage.objects.create(
            conversation=conversation,
            position=position,
            author_role=role,
            author_name=name,
            body=body,
            sent_at=conversation.created_at + timedelta(minutes=position),
        )
    page = page_text(client_for(org.qa).get(reverse("conversation-detail", args=[conversation.pk])))
    assert "<h1>Card blocked abroad</h1>" in page
    assert '<li class="message customer">' in page
    assert '<li class="message agent">' in page
    assert page.index("My card is blocked") < page.index("Unblocked it for you")
    assert "“Quick and kind”" in page
    assert 'aria-label="CSAT 5 of 5"' in page
    assert "after 45 s" in page


def test_times_are_shown_in_the_team_zone_or_the_viewing_agents_own_zone(org):
    # 2026-03-02 09:00 UTC is 17:00 in Singapore (the team's zone) and 04:00 in Bogotá
    conversation = org.conversation_a1
    conversation.created_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    conversation.save()
    url = reverse("conversation-detail", args=[conversation.pk])
    manager_page = page_text(client_for(org.manager_a).get(url))
    assert '2 Mar 2026, 17:00 <span class="tz">UTC+8</span>' in manager_page
    org.agent_a1.timezone = "America/Bogota"
    org.agent_a1.save()
    agent_page = page_text(client_for(org.agent_a1.user).get(url))
    assert '2 Mar 2026, 04:00 <span class="tz">UTC−5</span>' in agent_page


def test_an_unassigned_conversation_is_shown_in_utc(org):
    conversation = ConversationFactory(agent=None, created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    page = page_text(client_for(org.admin).get(reverse("conversation-detail", args=[conversation.pk])))
    assert '2 Mar 2026, 09:00 <span class="tz">UTC</span>' in page


# --- Fixed query counts --------------------------------------------------------------------------


def assert_same_queries(django_assert_num_queries, client, url, expected, grow_data) -> None:
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    grow_data()
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("who", "expected"),
    # session, user, groups + the page's own queries
    [("admin", 10), ("manager_a", 9), ("qa", 9), ("agent", 9)],
)
def test_home_costs_a_fixed_number_of_queries(org, django_assert_num_queries, who, expected):
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    assert_same_queries(django_assert_num_queries, client_for(user), "/", expected, lambda: grow(org))


@pytest.mark.parametrize("who", ["admin", "manager_a", "qa"])
def test_team_list_costs_a_fixed_number_of_queries(org, django_assert_num_queries, who):
    # session, user, groups, teams, managers
    assert_same_queries(
        django_assert_num_queries, client_for(getattr(org, who)), reverse("team-list"), 5, lambda: grow(org)
    )


def test_team_detail_costs_a_fixed_number_of_queries(org, django_assert_num_queries):
    # session, user, groups, team, managers, QA reviewers, agents, skills
    url = reverse("team-detail", args=["alpha"])
    assert_same_queries(django_assert_num_queries, client_for(org.manager_a), url, 8, lambda: grow(org))


@pytest.mark.parametrize(("headers", "expected"), [({}, 8), (HTMX, 7)])
def test_agent_list_costs_a_fixed_number_of_queries(org, django_assert_num_queries, headers, expected):
    # session, user, groups, the team filter's lookup, count, agents, skills (+ the team choices of the full page)
    client = client_for(org.manager_a)
    url = reverse("agent-list") + "?team=alpha&q=a"
    with django_assert_num_queries(expected):
        assert client.get(url, **headers).status_code == 200
    grow(org)
    with django_assert_num_queries(expected):
        assert client.get(url, **headers).status_code == 200


def test_agent_detail_costs_a_fixed_number_of_queries(org, django_assert_num_queries):
    # session, user, groups, agent, may see their conversations, skills, status history, conversations
    url = reverse("agent-detail", args=[org.agent_a1.pk])
    assert_same_queries(django_assert_num_queries, client_for(org.manager_a), url, 8, lambda: grow(org))


@pytest.mark.parametrize(("who", "expected"), [("admin", 7), ("manager_a", 7), ("agent", 7)])
def test_conversation_list_costs_a_fixed_number_of_queries(org, django_assert_num_queries, who, expected):
    # session, user, groups, the viewer's zone, count, conversations, queue choices
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    url = reverse("conversation-list") + "?date_from=2020-01-01&q=a"
    assert_same_queries(django_assert_num_queries, client_for(user), url, expected, lambda: grow(org))


def test_conversation_detail_costs_a_fixed_number_of_queries(org, django_assert_num_queries):
    url = reverse("conversation-detail", args=[org.conversation_a1.pk])

    def more_messages() -> None:
        for position in range(5):
            ConversationMessage.objects.create(
                conversation=org.conversation_a1,
                position=position,
                author_role=AuthorRole.CUSTOMER,
                body=f"Message {position}",
                sent_at=org.conversation_a1.created_at,
            )

    assert_same_queries(django_assert_num_queries, client_for(org.manager_a), url, 5, more_messages)


def test_lists_of_other_teams_stay_out_of_a_new_managers_pages(org):
    # a manager of a third team sees none of the org's teams, agents or conversations
    manager = UserFactory(roles=[Role.MANAGER])
    TeamFactory(name="Charlie", slug="charlie", market=org.market, managers=[manager])
    client = client_for(manager)
    assert "No agents" in page_text(client.get(reverse("agent-list")))
    assert "No conversations" in page_text(client.get(reverse("conversation-list")))
    teams_page = page_text(client.get(reverse("team-list")))
    assert "/teams/charlie/" in teams_page
    assert "/teams/alpha/" not in teams_page
