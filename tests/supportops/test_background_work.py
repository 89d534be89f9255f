"""Celery: tasks run inline by default, and through a real Redis broker and worker when configured."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from supportops import tasks
from supportops.celery import app as celery_app
from tests.factories import AgentFactory, ConversationFactory


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
