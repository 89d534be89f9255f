"""``manage.py seed_demo``: the demo organisation's shape, its realism, its logins and its refusals."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.models import Avg, Count, Max, Min
from django.test import override_settings

from supportops import access, demo
from supportops.choices import (
    AGENT_STATUS_TRANSITIONS,
    LIVE_CHANNELS,
    AgentStatus,
    Channel,
    EmploymentType,
    Role,
    Tier,
)
from supportops.models import Agent, AgentStatusChange, Conversation, ConversationMessage, Market, Queue, Team
from tests.conftest import ensure_role_groups
from tests.factories import MarketFactory, UserFactory

# A Thursday; the week before it (5-11 March 2026) has no public holiday in Singapore, the
# Philippines or São Paulo, so weekday/weekend comparisons are not disturbed.
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def org_digest() -> str:
    """A fingerprint of the demo data that matters: people, their lifecycle, conversations, transcripts."""
    digest = hashlib.sha256()
    for agent_row in Agent.objects.order_by("user__username").values_list(
        "user__username", "user__first_name", "user__last_name", "team__slug", "manager__username", "tier",
        "employment_type", "vendor_name", "status", "start_date", "contracted_hours_min", "contracted_hours_max",
    ):  # fmt: skip
        digest.update(repr(agent_row).encode())
    for change_row in AgentStatusChange.objects.order_by("agent__user__username", "effective_date", "pk").values_list(
        "agent__user__username", "status", "previous_status", "effective_date"
    ):
        digest.update(repr(change_row).encode())
    for conversation_row in Conversation.objects.order_by("source", "external_id").values_list(
        "source", "external_id", "queue__name", "agent__user__username", "subject", "created_at",
        "first_response_at", "resolved_at", "handle_time_seconds", "reopen_count", "csat_score", "csat_comment",
        "tags",
    ):  # fmt: skip
        digest.update(repr(conversation_row).encode())
    for message in ConversationMessage.objects.order_by(
        "conversation__source", "conversation__external_id", "position"
    ):
        digest.update(repr((message.author_role, message.author_name, message.body, message.sent_at)).encode())
    return digest.hexdigest()


def org_counts() -> tuple[int, ...]:
    return (
        Market.objects.count(),
        Team.objects.count(),
        Agent.objects.count(),
        Queue.objects.count(),
        Conversation.objects.count(),
        User.objects.count(),
    )


@dataclass(frozen=True)
class DemoBuild:
    """The output of one ``seed_demo --weeks 1`` run at ``NOW`` and the digest of what it built."""

    output: str
    digest: str


@pytest.fixture(scope="module")
def demo_build(django_db_setup, django_db_blocker) -> Iterator[DemoBuild]:
    """One week of demo organisation built once for the module (building takes seconds), wiped afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        mock.patch("django.utils.timezone.now", return_value=NOW),
    ):
        ensure_role_groups()  # module fixtures run before the per-test autouse one that does this
        output = StringIO()
        call_command("seed_demo", "--weeks", "1", stdout=output)
        build = DemoBuild(output=output.getvalue(), digest=org_digest())
    yield build
    with django_db_blocker.unblock():
        demo.wipe_organisation()
        # After browser tests, Playwright's event loop gives this fixture a connection of its own
        # context; close it so PostgreSQL can drop the test database at the end.
        connections.close_all()


@pytest.fixture
def empty_org(db) -> None:
    """No organisation at all (the module's demo build is wiped inside this test's transaction)."""
    demo.wipe_organisation()


# --- The organisation ---------------------------------------------------------------------------


def test_demo_has_three_markets_in_their_time_zones_with_holiday_calendars(demo_build, db):
    # when
    markets = set(Market.objects.values_list("code", "name", "timezone", "holiday_country", "holiday_subdivision"))

    # then
    assert markets == {
        ("sg", "Singapore", "Asia/Singapore", "SG", ""),
        ("mnl", "Manila", "Asia/Manila", "PH", ""),
        ("sao", "São Paulo", "America/Sao_Paulo", "BR", "SP"),
    }
    sao_paulo = Market.objects.get(code="sao")
    assert sao_paulo.public_holidays(date(2026, 7, 9), date(2026, 7, 9)) == {
        date(2026, 7, 9): "Constitutionalist Revolution"
    }


def test_demo_has_six_teams_with_managers_and_planning_intervals(demo_build, db):
    # when
    teams = {
        team.slug: (team.market.code, team.timezone, team.planning_interval_minutes, team.agent_count)
        for team in Team.objects.select_related("market").annotate(agent_count=Count("agents"))
    }

    # then
    assert teams == {
        "sg-payments-voice": ("sg", "Asia/Singapore", 15, 14),
        "sg-chat": ("sg", "Asia/Singapore", 30, 16),
        "mnl-tier1-chat": ("mnl", "Asia/Manila", 30, 22),
        "mnl-email": ("mnl", "Asia/Manila", 30, 14),
        "sp-tier-2": ("sao", "America/Sao_Paulo", 30, 12),
        "latam-contractors": ("sao", "America/Sao_Paulo", 30, 18),
    }
    assert not Team.objects.filter(managers=None).exists()
    assert not Team.objects.filter(qa_reviewers=None).exists()


def test_demo_has_96_agents_across_tiers_statuses_and_engagements(demo_build, db):
    # when
    statuses = Counter(Agent.objects.values_list("status", flat=True))
    tiers = Counter(Agent.objects.values_list("tier", flat=True))
    engagements = Counter(Agent.objects.values_list("employment_type", "vendor_name"))

    # then
    assert Agent.objects.count() == 96
    assert statuses == {
        AgentStatus.ONBOARDING: 8,
        AgentStatus.NESTING: 9,
        AgentStatus.ACTIVE: 71,
        AgentStatus.ON_LEAVE: 5,
        AgentStatus.EXITED: 3,
    }
    assert set(tiers) == {Tier.L1, Tier.L2, Tier.L3}
    assert engagements == {
        (EmploymentType.EMPLOYEE, ""): 72,
        (EmploymentType.CONTRACTOR, ""): 12,
        (EmploymentType.VENDOR, "Andes Contact Partners"): 12,
    }
    assert not Agent.objects.filter(agent_skills=None).exists()
    assert Agent.objects.filter(contracted_hours_min__gt=0).count() == 96


def test_new_hires_started_recently(demo_build, db):
    # when
    start_dates = Agent.objects.filter(status__in=[AgentStatus.ONBOARDING, AgentStatus.NESTING]).values_list(
        "start_date", flat=True
    )

    # then
    assert all((NOW.date() - start).days <= 40 for start in start_dates)
    assert len(start_dates) == 17


def test_every_agents_status_history_follows_the_lifecycle_and_ends_in_their_status(demo_build, db):
    # given
    history: dict[int, list[AgentStatusChange]] = defaultdict(list)
    for change in AgentStatusChange.objects.order_by("agent", "effective_date", "recorded_at", "pk"):
        history[change.agent_id].append(change)

    # then
    for agent in Agent.objects.all():
        changes = history[agent.pk]
        assert changes[0].status == AgentStatus.ONBOARDING
        assert changes[0].effective_date == agent.start_date
        assert changes[-1].status == agent.status
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.previous_status == before.status
            assert after.status in AGENT_STATUS_TRANSITIONS[before.status]


def test_queues_cover_every_channel_with_valid_service_targets(demo_build, db):
    # when
    queues = list(Queue.objects.all())

    # then
    assert {queue.channel for queue in queues} == set(Channel.values)
    for queue in queues:
        queue.full_clean()
        assert (queue.service_level_seconds is not None) == (queue.channel in LIVE_CHANNELS)
        assert (queue.response_time_hours is not None) == (queue.channel not in LIVE_CHANNELS)
    assert sorted(queue.chat_concurrency for queue in queues if queue.channel == Channel.CHAT) == [2, 2, 3]
    assert Queue.objects.get(name="SG Payments Voice").service_target_label == "80 % in 20 s"
    assert Queue.objects.get(name="PH Email").service_target_label == "90 % in 24 h"


# --- Conversations ------------------------------------------------------------------------------


def test_every_active_queue_and_every_team_has_a_week_of_conversations(demo_build, db):
    # when
    per_queue = dict(Queue.objects.annotate(n=Count("conversations")).values_list("name", "n"))
    per_team = dict(Team.objects.annotate(n=Count("agents__conversations")).values_list("slug", "n"))
    span = Conversation.objects.aggregate(first=Min("created_at"), last=Max("created_at"))

    # then
    assert per_queue.pop("SG Lending Voice (retired)") == 0
    assert min(per_queue.values()) > 100
    assert min(per_team.values()) > 300
    assert 5000 < sum(per_queue.values()) < 8000
    assert span["first"] >= datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # 5 March, 00:00 in Singapore
    assert span["last"] < datetime(2026, 3, 12, 3, 0, tzinfo=UTC)  # 11 March, 24:00 in São Paulo
    assert not Conversation.objects.filter(agent=None).exists()


def test_conversations_are_busier_on_weekdays_and_in_the_daytime_of_each_market(demo_build, db):
    # given
    weekday_per_day: dict[str, float] = {}
    weekend_per_day: dict[str, float] = {}
    daytime: dict[str, int] = {}
    night: dict[str, int] = {}
    for queue in Queue.objects.filter(is_active=True).select_related("market"):
        zone = ZoneInfo(queue.market.timezone if queue.market else "America/Sao_Paulo")
        local = [created.astimezone(zone) for created in queue.conversations.values_list("created_at", flat=True)]
        weekday_per_day[queue.name] = sum(1 for moment in local if moment.weekday() < 5) / 5
        weekend_per_day[queue.name] = sum(1 for moment in local if moment.weekday() >= 5) / 2
        daytime[queue.name] = sum(1 for moment in local if 10 <= moment.hour < 16)
        night[queue.name] = sum(1 for moment in local if 0 <= moment.hour < 6)

    # then
    assert all(weekday_per_day[name] > weekend_per_day[name] for name in weekday_per_day)
    assert all(daytime[name] > 5 * night[name] for name in daytime)
    assert night["SG Payments Voice"] == 0  # the voice line opens 08:00-22:00


def test_conversations_go_to_agents_of_the_serving_team_who_were_working_then(demo_build, db):
    # given
    timelines: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for agent_id, effective, status in AgentStatusChange.objects.order_by("effective_date", "pk").values_list(
        "agent_id", "effective_date", "status"
    ):
        timelines[agent_id].append((effective, status))

    def status_on(agent_id: int, day: date) -> str:
        return [status for effective, status in timelines[agent_id] if effective <= day][-1]

    # then
    teams_of_queue: dict[str, set[str]] = defaultdict(set)
    for conversation in Conversation.objects.select_related("agent__team", "queue__market"):
        zone = ZoneInfo(conversation.queue.market.timezone if conversation.queue.market else "America/Sao_Paulo")
        day = conversation.created_at.astimezone(zone).date()
        assert status_on(conversation.agent_id, day) in {AgentStatus.ACTIVE.value, AgentStatus.NESTING.value}
        teams_of_queue[conversation.queue.name].add(conversation.agent.team.slug)
    assert teams_of_queue["SG Email"] == {"mnl-email"}
    assert teams_of_queue["BR Tier 2 Voice"] == {"sp-tier-2"}
    assert not Conversation.objects.filter(agent__status=AgentStatus.ONBOARDING).exists()
    assert not Conversation.objects.filter(queue__escalation_tier=Tier.L2, agent__tier=Tier.L1).exists()


def test_handle_times_and_first_responses_follow_each_channel(demo_build, db):
    # when
    handle = dict(
        Conversation.objects.values("queue__channel")
        .annotate(average=Avg("handle_time_seconds"))
        .values_list("queue__channel", "average")
    )
    voice = Conversation.objects.filter(queue__channel=Channel.VOICE).exclude(first_response_at=None)
    email = Conversation.objects.filter(queue__channel=Channel.EMAIL).exclude(first_response_at=None)

    # then
    assert 300 < handle[Channel.VOICE] < 600  # about 6 minutes
    assert 480 < handle[Channel.CHAT] < 900  # about 9 minutes, longer with concurrency
    assert 240 < handle[Channel.EMAIL] < 480  # about 5 minutes of work
    assert max(c.first_response_seconds or 0 for c in voice) < 600
    assert sorted(c.first_response_seconds or 0 for c in email)[len(email) // 2] > 3600


def test_csat_is_on_about_a_third_skewed_high_and_lower_after_slow_answers(demo_build, db):
    # given
    rated = Conversation.objects.exclude(csat_score=None)
    scores = Counter(rated.values_list("csat_score", flat=True))
    live = rated.filter(queue__channel__in=LIVE_CHANNELS).select_related("queue")
    fast = [c.csat_score for c in live if (c.first_response_seconds or 0) <= (c.queue.service_level_seconds or 0)]
    slow = [c.csat_score for c in live if (c.first_response_seconds or 0) > 3 * (c.queue.service_level_seconds or 0)]

    # then
    assert set(scores) == {1, 2, 3, 4, 5}
    assert 0.25 < rated.count() / Conversation.objects.exclude(resolved_at=None).count() < 0.35
    assert scores[5] > scores[4] > scores[3]
    assert sum(fast) / len(fast) > sum(slow) / len(slow) + 0.3
    assert rated.exclude(csat_comment="").exists()


def test_conversations_carry_tags_reopens_and_some_transcripts(demo_build, db):
    # given
    tags = Counter(tag for row in Conversation.objects.values_list("tags", flat=True) for tag in row)
    with_transcript = Conversation.objects.filter(messages__isnull=False).distinct().count()
    conversation = Conversation.objects.filter(messages__isnull=False).order_by("created_at", "pk").first()

    # then
    assert {"billing", "refund", "card_declined", "login", "kyc", "dispute"} <= set(tags)
    assert 0.15 < with_transcript / Conversation.objects.count() < 0.25
    assert 0 < Conversation.objects.filter(reopen_count__gt=0).count() < Conversation.objects.count() * 0.1
    messages = list(conversation.messages.order_by("position"))
    assert 2 <= len(messages) <= 6
    assert messages[0].author_role == "customer"
    assert messages[0].sent_at == conversation.created_at
    assert messages[1].author_role == "agent"
    assert [m.sent_at for m in messages] == sorted(m.sent_at for m in messages)


# --- Logins -------------------------------------------------------------------------------------


def test_demo_logins_sign_in_with_the_demo_password_and_hold_their_roles(demo_build, db):
    # when
    signed_in = {
        username: authenticate(username=username, password=demo.DEMO_PASSWORD) for username, _, _ in demo.DEMO_LOGINS
    }

    # then
    assert all(signed_in.values())
    assert {name: access.roles_of(user) for name, user in signed_in.items()} == {
        "admin": {Role.ADMIN},
        "manager": {Role.MANAGER},
        "qa": {Role.QA_REVIEWER},
        "agent": {Role.AGENT},
        "newhire": {Role.AGENT},
    }
    assert Agent.objects.get(user__username="newhire").status == AgentStatus.ONBOARDING
    assert signed_in["admin"].is_superuser
    assert signed_in["admin"].is_staff
    assert not signed_in["manager"].is_staff
    assert set(Team.objects.filter(managers__username="manager").values_list("name", flat=True)) == {
        "SG Payments Voice",
        "SG Chat",
    }
    assert Team.objects.filter(qa_reviewers__username="qa").count() == 3


def test_the_agent_login_is_an_active_l1_on_a_team_of_the_manager(demo_build, db):
    # when
    agent = Agent.objects.select_related("team", "manager").get(user__username="agent")

    # then
    assert (agent.team.name, agent.manager.username, agent.status, agent.tier) == (
        "SG Chat",
        "manager",
        AgentStatus.ACTIVE,
        Tier.L1,
    )
    assert agent.conversations.count() > 20


def test_seed_demo_prints_the_summary_and_the_logins(demo_build):
    # then
    assert "Demo organisation built." in demo_build.output
    assert "96 agents (8 onboarding, 9 nesting, 71 active, 5 on leave, 3 exited)" in demo_build.output
    assert "from 2026-03-05 to 2026-03-11" in demo_build.output
    assert "Demo logins (password for all: supportops)" in demo_build.output
    assert "  agent    Agent        Their own profile" in demo_build.output


def test_demo_logins_prints_the_logins_present_and_nothing_without_them(demo_build, db):
    # when
    present = StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8000/", stdout=present)
    demo.wipe_organisation()
    absent = StringIO()
    call_command("demo_logins", stdout=absent)

    # then
    lines = present.getvalue().splitlines()
    assert lines[0] == "Demo logins (password for all: supportops)"
    assert [line.split()[0] for line in lines[1:6]] == ["admin", "manager", "qa", "agent", "newhire"]
    assert lines[6] == "Open http://127.0.0.1:8000/ and sign in."
    assert absent.getvalue() == "No demo logins in this database (python manage.py seed_demo loads them).\n"


# --- Refusals and modes -------------------------------------------------------------------------


def test_seed_demo_refuses_an_existing_organisation_and_changes_nothing(org):
    # given
    before = org_counts()

    # when
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--weeks", "1", stdout=StringIO())

    # then
    assert str(refused.value) == (
        "The database already holds an organisation (markets, teams, agents, queues or conversations). "
        "Run with --force to wipe it and the demo users and rebuild, or --if-empty to leave it."
    )
    assert refused.value.returncode == 1
    assert org_counts() == before


def test_seed_demo_if_empty_leaves_an_existing_organisation_alone(empty_org, org):
    # given
    before = org_counts()
    output = StringIO()

    # when
    call_command("seed_demo", "--if-empty", "--weeks", "1", stdout=output)

    # then
    assert output.getvalue() == (
        "An organisation already exists; leaving it as it is (--if-empty).\n"
        "No demo logins in this database (python manage.py seed_demo loads them).\n"
    )
    assert org_counts() == before


def test_seed_demo_force_replaces_the_organisation_and_keeps_other_users(demo_build, org):
    # given
    kept_user = UserFactory(username="ops.lead", email="ops.lead@example.com")

    # when
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        call_command("seed_demo", "--force", "--weeks", "1", stdout=StringIO())

    # then
    assert set(Market.objects.values_list("code", flat=True)) == {"sg", "mnl", "sao"}
    assert not Team.objects.filter(slug__in=["alpha", "bravo"]).exists()
    assert Agent.objects.count() == 96
    assert User.objects.filter(pk__in=[kept_user.pk, org.admin.pk, org.manager_a.pk]).count() == 3
    assert org_digest() == demo_build.digest


def demo_build_digest_for(*, seed: int) -> str:
    """The digest of a one-week build at ``NOW`` with ``seed``, built from scratch in this transaction."""
    demo.wipe_organisation()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        demo.build_demo_organisation(weeks=1, seed=seed)
    return org_digest()


def test_seed_demo_refuses_production_settings(empty_org, settings):
    # given
    settings.SUPPORTOPS_DEMO_ALLOWED = False

    # when
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--weeks", "1", stdout=StringIO())

    # then
    assert str(refused.value) == (
        "Refusing to load demo data: these are production settings (SUPPORTOPS_DEMO_ALLOWED is off)."
    )
    assert not Market.objects.exists()
    assert not User.objects.filter(username="admin").exists()


def test_seed_demo_refuses_when_a_real_user_holds_a_demo_login_name(empty_org):
    # given
    UserFactory(username="admin", email="admin@example.com")

    # when
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--weeks", "1", stdout=StringIO())

    # then
    assert str(refused.value) == "Users named admin already exist; rename them to build the demo organisation."
    assert not Market.objects.exists()


@pytest.mark.parametrize("weeks", ["0", "27"])
def test_seed_demo_refuses_weeks_out_of_range(empty_org, weeks):
    # when
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--weeks", weeks, stdout=StringIO())

    # then
    assert str(refused.value) == f"--weeks must be between 1 and 26, not {weeks}."


def test_the_same_seed_and_time_give_the_same_organisation_and_another_seed_does_not(demo_build, db):
    # when
    again = demo_build_digest_for(seed=42)
    other = demo_build_digest_for(seed=7)

    # then
    assert again == demo_build.digest
    assert other != demo_build.digest


def test_wipe_removes_the_organisation_with_its_history(empty_org):
    # given
    MarketFactory(code="xx")

    # when
    demo.wipe_organisation()

    # then
    assert not Market.objects.exists()
    assert not Market.history.exists()
