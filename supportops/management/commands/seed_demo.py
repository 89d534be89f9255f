"""``manage.py seed_demo``: build the reproducible demo organisation (never under production settings)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from supportops import demo


class Command(BaseCommand):
    """Build three markets, six teams, ~100 people and weeks of conversations; print the demo logins."""

    help = (
        "Build a realistic, reproducible demo organisation. Refuses a database that already holds an "
        "organisation unless --force (wipe and rebuild) or --if-empty (do nothing) is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--weeks", type=int, default=12, help="Weeks of conversation history, 1 to 26 (12).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same data (42).")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--force", action="store_true", help="Wipe the existing organisation and demo users, then rebuild."
        )
        mode.add_argument("--if-empty", action="store_true", help="Do nothing when an organisation already exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        weeks: int = options["weeks"]
        if not demo.demo_is_allowed():
            raise CommandError(
                "Refusing to load demo data: these are production settings (SUPPORTOPS_DEMO_ALLOWED is off)."
            )
        if not 1 <= weeks <= demo.MAX_WEEKS:
            raise CommandError(f"--weeks must be between 1 and {demo.MAX_WEEKS}, not {weeks}.")
        if demo.organisation_has_data():
            if options["if_empty"]:
                self.stdout.write("An organisation already exists; leaving it as it is (--if-empty).")
                call_command("demo_logins", stdout=self.stdout)
                return
            if not options["force"]:
                raise CommandError(
                    "The database already holds an organisation (markets, teams, agents, queues or conversations). "
                    "Run with --force to wipe it and the demo users and rebuild, or --if-empty to leave it."
                )
        try:
            with transaction.atomic():
                if options["force"]:
                    demo.wipe_organisation()
                summary = demo.build_demo_organisation(weeks=weeks, seed=options["seed"])
        except demo.DemoError as error:
            raise CommandError(str(error)) from error
        self._report(summary)

    def _report(self, summary: demo.DemoSummary) -> None:
        statuses = ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in summary.agents_by_status)
        self.stdout.write(self.style.SUCCESS("Demo organisation built."))
        self.stdout.write(
            f"  {summary.markets} markets, {summary.teams} teams, {summary.queues} queues, {summary.skills} skills\n"
            f"  {summary.users} users, {summary.agents} agents ({statuses}), "
            f"{summary.status_changes} status changes\n"
            f"  {summary.conversations} conversations from {summary.first_day} to {summary.last_day} "
            f"({summary.rated_conversations} with CSAT, {summary.messages} transcript messages)"
        )
        self.stdout.write("")
        call_command("demo_logins", stdout=self.stdout)
