"""Celery tasks of onboarding: thin daily wrappers around the reminder and re-certification services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="onboarding.tasks.send_reminders")
def send_reminders() -> dict[str, int]:
    """Daily: due and overdue modules to agents, a digest to managers; safe to run twice a day."""
    run = services.reminders_send()
    return {"agent_emails": run.agent_emails, "digest_emails": run.digest_emails, "items": run.items}


@shared_task(name="onboarding.tasks.start_recertifications")
def start_recertifications() -> dict[str, int]:
    """Daily: enrol agents whose certification lapses soon in its re-certification path."""
    run = services.recertifications_start()
    return {"enrolled": run.enrolled, "without_path": run.without_path}
