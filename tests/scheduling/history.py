"""Synthetic volume history for capacity tests: a noise-free weekly pattern on Singapore's 30-minute grid."""

from datetime import date, datetime, timedelta

from scheduling.grid import PlanningGrid
from scheduling.models import IntervalVolume, VolumeSource

FIRST_DAY = date(2026, 2, 2)  # a Monday; five weeks of history up to Sunday 8 March
WEEKS = 5


def periodic_volume(start: datetime, zone_name: str) -> float:
    """A noise-free weekly pattern: busy office hours on weekdays, quieter weekends, quiet nights."""
    local = start.astimezone(PlanningGrid(zone_name, 30).zone)
    base = 30.0 if 9 <= local.hour < 18 else 4.0
    return base * (0.5 if local.weekday() >= 5 else 1.0) + local.weekday()


def seed_history(queue, *, aht: float = 300.0) -> None:
    grid = PlanningGrid("Asia/Singapore", 30)
    starts = grid.interval_starts(FIRST_DAY, FIRST_DAY + timedelta(days=7 * WEEKS - 1))
    IntervalVolume.objects.bulk_create(
        IntervalVolume(
            queue=queue,
            interval_start=start,
            interval_minutes=30,
            volume=periodic_volume(start, "Asia/Singapore"),
            aht_seconds=aht,
            source=VolumeSource.CSV,
        )
        for start in starts
    )
