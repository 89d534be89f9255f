"""Celery: tasks run inline by default, and through a real Redis broker and worker when configured."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from supportops import tasks
from supportops.celery import app as celery_app
from tests.conftest import skip_unless
from tests.factories import AgentFactory, ConversationFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_tasks_run_inline_in_the_default_eager_mode():
    agent = AgentFactory()
    ConversationFactory.create_batch(3, agent=agent)
    ConversationFactory()

    assert tasks.count_conversations.delay(agent.pk).get() == 3
    assert tasks.count_conversations.delay().get() == 4


def test_beat_schedule_names_registered_tasks():
    celery_app.loader.import_default_modules()  # what a worker or beat does at start: autodiscovery
    registered = set(celery_app.tasks.keys())

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered


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
        cwd=ROOT,
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


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_tasks_through_redis_against_the_database(celery_worker_queue):
    # Given conversations committed to the database the worker also connects to
    agent = AgentFactory()
    ConversationFactory.create_batch(2, agent=agent)
    ConversationFactory()
    assert not celery_app.conf.task_always_eager

    # When tasks are sent through the broker to the worker process
    beat = tasks.heartbeat.apply_async(queue=celery_worker_queue)
    per_agent = tasks.count_conversations.apply_async(args=[agent.pk], queue=celery_worker_queue)
    everything = tasks.count_conversations.apply_async(queue=celery_worker_queue)

    # Then their results come back from the worker
    worker_time = beat.get(timeout=60)
    assert abs((timezone.now() - timezone.datetime.fromisoformat(worker_time)).total_seconds()) < 60
    assert per_agent.get(timeout=30) == 2
    assert everything.get(timeout=30) == 3
