"""Build volume history from conversations for every active queue (or one), e.g. after loading the demo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from scheduling import services
from scheduling.models import IntervalVolume
from supportops.models import Queue


class Command(BaseCommand):
    """``build_volume_history [--queue NAME] [--days N] [--if-empty]``: the last N days up to today."""

    help = "Build interval volume history from conversations (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", help="Only this queue (by name).")
        parser.add_argument("--days", type=int, default=84, help="How many days back from today (default 84).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any history exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        if not 1 <= days <= services.MAX_BUILD_DAYS - 1:
            raise CommandError(f"--days must be between 1 and {services.MAX_BUILD_DAYS - 1}, not {days}.")
        if options["if_empty"] and IntervalVolume.objects.exists():
            self.stdout.write("Volume history already exists; leaving it as it is (--if-empty).")
            return
        queues = Queue.objects.filter(is_active=True).order_by("name")
        if options["queue"]:
            queues = queues.filter(name=options["queue"])
            if not queues:
                raise CommandError(f"No active queue is named “{options['queue']}”.")
        today = timezone.now().date()
        for queue in queues:
            result = services.volume_history_build(queue=queue, first_day=today - timedelta(days=days), last_day=today)
            self.stdout.write(f"  {queue.name:<28} {result.intervals:>6} intervals, {result.contacts:>6} contacts")
        self.stdout.write(self.style.SUCCESS(f"Volume history built for {len(queues)} queue(s), {days} day(s)."))
