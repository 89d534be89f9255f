"""Celery tasks of the core app: thin wrappers around services."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="supportops.tasks.heartbeat")
def heartbeat() -> str:
    """Periodic liveness beat; returns the worker's UTC time so a round trip can be checked."""
    return timezone.now().isoformat()


@shared_task(name="supportops.tasks.count_conversations")
def count_conversations(agent_id: int | None = None) -> int:
    """How many conversations exist (for one agent when given): a database round trip through a worker."""
    from .models import Conversation

    queryset = Conversation.objects.all()
    if agent_id is not None:
        queryset = queryset.filter(agent_id=agent_id)
    return queryset.count()
