"""``manage.py generate_schedule --team SLUG --week YYYY-Www [--time-limit SECONDS]``: generate a draft week."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scheduling import services
from supportops.models import Team


class Command(BaseCommand):
    """Generate a team week with the optimizer, save it as the draft, and print the report as one JSON line."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="Team slug.")
        parser.add_argument("--week", required=True, help="ISO week, e.g. 2026-W48.")
        parser.add_argument("--time-limit", type=float, default=None, help="Seconds the solver may search.")

    def handle(self, *args: Any, team: str, week: str, time_limit: float | None, **options: Any) -> None:
        found = Team.objects.filter(slug=team).first()
        if found is None:
            raise CommandError(f"No team with the slug {team!r}.")
        if time_limit is not None and not 1 <= time_limit <= 600:
            raise CommandError("Give a time limit between 1 and 600 seconds.")
        try:
            week_start = services.parse_iso_week(week)
            schedule = services.schedule_for(team=found, week_start=week_start)
            report = services.schedule_generate(schedule=schedule, time_limit_seconds=time_limit)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(json.dumps(report, separators=(",", ":"), default=str))
