"""``manage.py seed_qa``: the QA and people demo (scorecard, QA settings, six weeks of reviews, sampling rules; the
demo manager's 1:1s, a review cycle and an improvement plan) on top of ``seed_demo``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from performance.demo import seed_people, seed_qa
from performance.models import Scorecard
from supportops.models import Agent


class Command(BaseCommand):
    """Seed the QA demo data."""

    help = "Seed a demo scorecard, QA settings per team, six weeks of reviews and a weekly sampling rule per team."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--weeks", type=int, default=6, help="Weeks of past reviews (1-26).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any scorecard exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Scorecard.objects.exists():
            if options["if_empty"]:
                self.stdout.write("QA data already exists; leaving it as it is (--if-empty).")
                return
            raise CommandError("Scorecards already exist; run seed_demo --force first to start over.")
        if not Agent.objects.exists():
            raise CommandError("The demo organisation is missing: run seed_demo first.")
        if not 1 <= options["weeks"] <= 26:
            raise CommandError("--weeks must be from 1 to 26.")
        summary = seed_qa(weeks=options["weeks"], say=self.stdout.write)
        people = seed_people(say=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"QA seeded: 1 scorecard, {summary.teams} teams with QA settings and a sampling rule, "
                f"{summary.reviews} reviews, {summary.assigned} conversations waiting to review; "
                f"{people.series} 1:1 series, {people.reviews} performance reviews, {people.plans} improvement plan."
            )
        )
