"""Record adherence per agent and local day for the last N days (a backfill of what the periodic task keeps up)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from scheduling import services
from supportops.models import Team


class Command(BaseCommand):
    """``record_adherence [--team SLUG] [--days N]``: each team's last N local days up to today (idempotent)."""

    help = "Record adherence per agent and local day from published shifts and state events (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", help="Only this team (by slug).")
        parser.add_argument("--days", type=int, default=28, help="How many days back from today (default 28).")

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        if not 1 <= days <= 366:
            raise CommandError(f"--days must be between 1 and 366, not {days}.")
        teams = Team.objects.order_by("name")
        if options["team"]:
            teams = teams.filter(slug=options["team"])
            if not teams:
                raise CommandError(f"No team has the slug “{options['team']}”.")
        now = timezone.now()
        step = services.RECORD_ADHERENCE_MAX_DAYS
        for team in teams:
            today = now.astimezone(team.zone).date()
            written = removed = 0
            first = today - timedelta(days=days)
            while first <= today:
                last = min(first + timedelta(days=step - 1), today)
                result = services.adherence_days_record(team=team, first_day=first, last_day=last, now=now)
                written += result.written
                removed += result.removed
                first = last + timedelta(days=1)
            self.stdout.write(f"  {team.name:<28} {written:>6} agent-days recorded, {removed:>4} removed")
        self.stdout.write(self.style.SUCCESS(f"Adherence recorded for {len(teams)} team(s), {days} day(s)."))
