"""Celery tasks of scheduling: thin wrappers that re-fetch by id and call a service."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from celery import shared_task
from django.utils import timezone

from supportops.models import Queue, Team
from supportops.services import job_run

from . import services
from .models import Forecast


@shared_task(name="scheduling.tasks.build_volume_history")
def build_volume_history(queue_id: int, first_day: str, last_day: str) -> dict[str, int]:
    """Build one queue's volume history for local days first..last (ISO dates); safe to repeat."""
    queue = Queue.objects.get(pk=queue_id)
    result = services.volume_history_build(
        queue=queue, first_day=date.fromisoformat(first_day), last_day=date.fromisoformat(last_day)
    )
    return {"intervals": result.intervals, "contacts": result.contacts, "kept_imported": result.kept_imported}


@shared_task(name="scheduling.tasks.rebuild_recent_volume_history")
def rebuild_recent_volume_history(days: int = 2) -> int:
    """Nightly: rebuild the last ``days`` days (and today) of every active queue; returns queues done."""
    today = timezone.now().date()
    queue_ids = list(Queue.objects.filter(is_active=True).values_list("pk", flat=True))
    for queue_id in queue_ids:
        build_volume_history.delay(queue_id, (today - timedelta(days=days)).isoformat(), today.isoformat())
    return len(queue_ids)


@shared_task(name="scheduling.tasks.compute_forecast")
def compute_forecast(forecast_id: int) -> dict[str, Any] | None:
    """Compute a requested forecast under its job (progress, result or failure); redelivery does nothing."""
    forecast = Forecast.objects.select_related("queue__market").filter(pk=forecast_id).first()
    if forecast is None or forecast.job_id is None:
        return None
    job = job_run(
        job_id=forecast.job_id, work=lambda progress: services.forecast_compute(forecast=forecast, progress=progress)
    )
    return job.result


@shared_task(name="scheduling.tasks.generate_schedule")
def generate_schedule(job_id: int) -> dict[str, Any] | None:
    """Generate a team week under its job (progress, report or failure); redelivery does nothing."""
    job = services.schedule_generate_job(job_id=job_id)
    return job.result


@shared_task(name="scheduling.tasks.record_recent_adherence")
def record_recent_adherence(days: int = 3) -> dict[str, int]:
    """Every few hours: record (or recompute) each team's agents' adherence for the last ``days`` local days that
    are over, so late state events and schedule changes are taken in; returns the rows written and removed."""
    written = removed = 0
    now = timezone.now()
    for team in Team.objects.order_by("pk"):
        today = now.astimezone(team.zone).date()
        result = services.adherence_days_record(
            team=team, first_day=today - timedelta(days=days), last_day=today, now=now
        )
        written += result.written
        removed += result.removed
    return {"written": written, "removed": removed}
