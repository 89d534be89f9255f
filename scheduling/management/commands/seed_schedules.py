"""``manage.py seed_schedules [--if-empty] [--time-limit S]``: shift-planning demo data for the demo teams."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scheduling.demo import seed_schedules
from scheduling.models import ShiftTemplate
from supportops.demo import TEAMS
from supportops.models import Team


class Command(BaseCommand):
    """Templates, rules, availability, time off and a published next week for every demo team."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any shift template exists.")
        parser.add_argument("--time-limit", type=float, default=4.0, help="Solver seconds per team week (default 4).")

    def handle(self, *args: Any, **options: Any) -> None:
        if ShiftTemplate.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Shift planning data already exists; leaving it as it is (--if-empty).")
                return
            raise CommandError("Shift templates already exist; run seed_demo --force first to start over.")
        if not Team.objects.filter(slug__in=[spec.slug for spec in TEAMS]).exists():
            raise CommandError("The demo organisation is missing: run seed_demo first.")
        summary = seed_schedules(time_limit_seconds=options["time_limit"], say=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Shift planning seeded: {summary.templates} templates, {len(summary.published_weeks)} published weeks."
            )
        )
