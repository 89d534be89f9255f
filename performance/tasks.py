"""Celery tasks of the performance app: opening the due sampling cycles (hourly) and the weekly snapshot (Mondays)."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from .services import sampling, snapshots


@shared_task(name="performance.tasks.open_sampling_cycles")
def open_sampling_cycles() -> dict[str, int]:
    """Daily: open the cycle each active rule has due (the period that just ended in its team's zone); a cycle
    already open is left as it is, so running twice opens nothing more."""
    outcomes = sampling.sampling_cycles_open_due()
    return {
        "rules": len(outcomes),
        "opened": sum(1 for outcome in outcomes if outcome.opened),
        "already_open": sum(1 for outcome in outcomes if outcome.cycle is not None and not outcome.opened),
        "refused": sum(1 for outcome in outcomes if outcome.cycle is None),
        "assignments": sum(outcome.assignments for outcome in outcomes if outcome.opened),
    }


@shared_task(name="performance.tasks.build_weekly_snapshots")
def build_weekly_snapshots(today: str | None = None) -> dict[str, int]:
    """Hourly: each team manager's and admin's snapshot of the latest week that has ended in all of their teams'
    zones, e-mailed once (idempotent per week). ``today`` (YYYY-MM-DD, a Monday) replays the week before it."""
    return snapshots.snapshots_build_all(today=date.fromisoformat(today) if today else None)
