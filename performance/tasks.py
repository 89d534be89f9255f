"""Celery tasks of conversation QA: a thin daily wrapper that opens the due sampling cycles."""

from __future__ import annotations

from celery import shared_task

from .services import sampling


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
