"""Shared fixtures: a small two-team organisation with every role, and the CI no-skip switch.

Tests that need PostgreSQL, Redis or Chromium skip with a reason on a developer's machine that
lacks them. CI sets ``SUPPORTOPS_REQUIRE_SERVICES=1``, which turns every skip into a failure, so
nothing is silently left out there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from supportops.celery import app as celery_app
from supportops.choices import Role
from supportops.models import Agent, Conversation, Market, Team
from tests.factories import AgentFactory, ConversationFactory, MarketFactory, TeamFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("SUPPORTOPS_REQUIRE_SERVICES") == "1"


def skip_unless(condition: bool, reason: str) -> None:
    """Skip the test when ``condition`` is false (a failure when CI requires every service)."""
    if not condition:
        pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _no_persistent_connections():
    """Close database connections after each request in tests, so live-server threads hold none open
    when the test database is dropped (production keeps them, see CONN_MAX_AGE)."""
    from django.db import connections

    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
        connections[alias].settings_dict["CONN_MAX_AGE"] = 0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped, but SUPPORTOPS_REQUIRE_SERVICES=1 forbids skips: {report.longrepr}"


@pytest.fixture(autouse=True)
def _conversation_dates_start_over():
    """Factory conversations are dated from 2 March 2026 on, 7 minutes apart, counted from each test's start: a
    test sees the same dates alone or in the whole suite."""
    ConversationFactory.reset_sequence()


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run inline in tests, except those marked ``redis`` that drive a real worker."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@dataclass
class Org:
    """Two teams in one market, with one user per role and agents reporting across teams.

    - ``team_a``: managed by ``manager_a``, reviewed by ``qa``; agents ``agent_a1`` and ``agent_a2``.
    - ``team_b``: managed by ``manager_b``; agents ``agent_b1`` and ``agent_b2``; ``agent_b2``
      reports to ``manager_a`` (a reporting line across teams).
    - ``admin`` holds the Admin role (not a superuser); each agent handled one conversation.
    """

    market: Market
    team_a: Team
    team_b: Team
    admin: User
    manager_a: User
    manager_b: User
    qa: User
    agent_a1: Agent
    agent_a2: Agent
    agent_b1: Agent
    agent_b2: Agent
    conversation_a1: Conversation
    conversation_a2: Conversation
    conversation_b1: Conversation
    conversation_b2: Conversation


@pytest.fixture
def org(db) -> Org:
    market = MarketFactory(code="sg", name="Singapore", timezone="Asia/Singapore", holiday_country="SG")
    admin = UserFactory(username="admin_user", roles=[Role.ADMIN])
    manager_a = UserFactory(username="manager_a", roles=[Role.MANAGER])
    manager_b = UserFactory(username="manager_b", roles=[Role.MANAGER])
    qa = UserFactory(username="qa_user", roles=[Role.QA_REVIEWER])
    team_a = TeamFactory(name="Alpha", slug="alpha", market=market, managers=[manager_a], qa_reviewers=[qa])
    team_b = TeamFactory(name="Bravo", slug="bravo", market=market, managers=[manager_b])
    agent_a1 = AgentFactory(user__username="agent_a1", team=team_a, manager=manager_a)
    agent_a2 = AgentFactory(user__username="agent_a2", team=team_a, manager=manager_a)
    agent_b1 = AgentFactory(user__username="agent_b1", team=team_b, manager=manager_b)
    agent_b2 = AgentFactory(user__username="agent_b2", team=team_b, manager=manager_a)
    return Org(
        market=market,
        team_a=team_a,
        team_b=team_b,
        admin=admin,
        manager_a=manager_a,
        manager_b=manager_b,
        qa=qa,
        agent_a1=agent_a1,
        agent_a2=agent_a2,
        agent_b1=agent_b1,
        agent_b2=agent_b2,
        conversation_a1=ConversationFactory(agent=agent_a1, external_id="a1"),
        conversation_a2=ConversationFactory(agent=agent_a2, external_id="a2"),
        conversation_b1=ConversationFactory(agent=agent_b1, external_id="b1"),
        conversation_b2=ConversationFactory(agent=agent_b2, external_id="b2"),
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with a fast algorithm; production keeps Django's PBKDF2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (throttle counters live there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


@pytest.fixture(autouse=True)
def _role_groups_exist(request):
    """Make sure the role groups exist before a test that uses the database.

    They come from a data migration, and the flush that ends a ``transaction=True`` or live-server
    test removes them, so the tests after it would otherwise find no roles.
    """
    if not (request.node.get_closest_marker("django_db") or _DATABASE_FIXTURES & set(request.fixturenames)):
        return
    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        ensure_role_groups()


def ensure_role_groups() -> None:
    """Create the role groups the data migration made, where a flush removed them (one query)."""
    from django.contrib.auth.models import Group

    Group.objects.bulk_create([Group(name=role.value) for role in Role], ignore_conflicts=True)


def _database_url_for_worker() -> str:
    """The URL of the database this test process uses (the test database), for the worker."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def celery_worker_queue() -> Iterator[str]:
    """A real Celery worker process on the configured Redis broker, consuming a queue of its own."""
    skip_unless(
        settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")),
        "needs Redis: set CELERY_BROKER_URL (see README, Testing)",
    )
    skip_unless(connection.vendor == "postgresql", "needs PostgreSQL shared with the worker: set DATABASE_URL")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(DATABASE_URL=_database_url_for_worker(), CONN_MAX_AGE="0")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "supportops",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=Path(__file__).resolve().parents[1],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
