"""``manage.py seed_onboarding [--if-empty]``: the new-hire curriculum and enrollments for the demo organisation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.demo import seed_onboarding
from onboarding.models import Curriculum
from supportops.models import Agent


class Command(BaseCommand):
    """A realistic curriculum with every module kind, and every onboarding or nesting agent enrolled."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any curriculum exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Curriculum.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Onboarding data already exists; leaving it as it is (--if-empty).")
                return
            raise CommandError("Curricula already exist; run seed_demo --force first to start over.")
        if not Agent.objects.exists():
            raise CommandError("The demo organisation is missing: run seed_demo first.")
        summary = seed_onboarding(say=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Onboarding seeded: {summary.curricula} curriculum, {summary.enrollments} enrollments, "
                f"{summary.completed_modules} modules already done, {summary.graduates} earlier graduates."
            )
        )
