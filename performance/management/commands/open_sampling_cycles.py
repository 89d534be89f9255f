"""Open the due sampling cycle of every active rule (or one rule), as the daily beat task does."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from performance.models import SamplingRule
from performance.services import sampling


class Command(BaseCommand):
    """``open_sampling_cycles [--rule ID] [--day YYYY-MM-DD]``: one line per rule; idempotent."""

    help = "Open the due sampling cycle of every active rule (the period before the one containing the day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", type=int, help="Only this rule (by id), even when paused it is reported.")
        parser.add_argument("--day", help="Open as of this local day, YYYY-MM-DD (default: today in each team's zone).")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError as error:
                raise CommandError(f"--day must be a date as YYYY-MM-DD, not “{options['day']}”.") from error
        rules = None
        if options["rule"] is not None:
            rules = list(SamplingRule.objects.filter(pk=options["rule"]).select_related("team__market"))
            if not rules:
                raise CommandError(f"No sampling rule has id {options['rule']}.")
        outcomes = sampling.sampling_cycles_open_due(rules=rules, day=day)
        for outcome in outcomes:
            label = f"{outcome.rule.team.name} · {outcome.rule.name}"
            if outcome.cycle is None:
                self.stdout.write(f"{label}: refused: {outcome.error}")
                continue
            cycle = outcome.cycle
            state = "opened" if outcome.opened else "already open"
            self.stdout.write(
                f"{label}: {cycle.period_start} to {cycle.period_end} {state}, {outcome.assignments} assignment(s)"
            )
        opened = sum(1 for outcome in outcomes if outcome.opened)
        self.stdout.write(self.style.SUCCESS(f"{opened} cycle(s) opened for {len(outcomes)} rule(s)."))
