"""Planning grids in local wall-clock time: interval starts, flooring and local-time parsing, DST-correct.

Pure module (no Django). A grid is an IANA zone plus an interval length in minutes; its intervals
start where the local clock shows a multiple of the interval (00:00, 00:15, ...). A day on which the
clocks change has 23 or 25 hours of intervals: the grid is walked in UTC (15-minute steps, since
every zone's offset is a multiple of 15 minutes) and an instant is kept when its local time is on
the grid, so a repeated local hour gives two sets of intervals and a skipped hour none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=15)


class NonexistentLocalTime(ValueError):
    """A local time skipped by a DST change (the clocks jumped over it)."""


class AmbiguousLocalTime(ValueError):
    """A local time that happened twice because the clocks went back."""


@dataclass(frozen=True)
class PlanningGrid:
    """Where and how finely a queue is planned: an IANA zone and 15- or 30-minute intervals."""

    zone_name: str
    interval_minutes: int

    def __post_init__(self) -> None:
        if self.interval_minutes not in (15, 30, 60):
            raise ValueError(f"interval_minutes must be 15, 30 or 60, not {self.interval_minutes}.")
        ZoneInfo(self.zone_name)  # raises for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def is_on_grid(self, instant: datetime) -> bool:
        """True when the instant starts an interval of this grid (in local wall-clock time)."""
        local = instant.astimezone(self.zone)
        on_minute = local.second == 0 and local.microsecond == 0
        return on_minute and (local.hour * 60 + local.minute) % self.interval_minutes == 0

    def floor(self, instant: datetime) -> datetime:
        """The UTC start of the interval that holds ``instant``."""
        local = instant.astimezone(self.zone)
        minutes = local.hour * 60 + local.minute
        minutes -= minutes % self.interval_minutes
        # Rebuilt from wall-clock fields with the instant's fold, so a repeated hour stays on its side.
        wall = datetime.combine(local.date(), time(minutes // 60, minutes % 60, fold=local.fold), tzinfo=self.zone)
        return wall.astimezone(UTC)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """UTC instants of the local start of ``day`` and of the next day."""
        return local_midnight(day, self.zone), local_midnight(day + timedelta(days=1), self.zone)

    def interval_starts(self, first_day: date, last_day: date) -> list[datetime]:
        """UTC starts of every interval from local ``first_day`` 00:00 to the end of ``last_day``."""
        if last_day < first_day:
            raise ValueError("last_day is before first_day.")
        start, _ = self.day_bounds(first_day)
        _, end = self.day_bounds(last_day)
        starts: list[datetime] = []
        instant = start
        while instant < end:
            if self.is_on_grid(instant):
                starts.append(instant)
            instant += STEP
        return starts


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone`` (the first valid local time when midnight is skipped)."""
    naive = datetime.combine(day, time(0, 0))
    for minutes in range(0, 24 * 60, 15):
        candidate = naive + timedelta(minutes=minutes)
        try:
            return local_to_utc(candidate, zone)
        except NonexistentLocalTime:
            continue
        except AmbiguousLocalTime:
            return candidate.replace(tzinfo=zone, fold=0).astimezone(UTC)
    raise ValueError(f"No valid local time on {day} in {zone.key}.")  # pragma: no cover - no such zone


def local_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """Interpret a naive local time in ``zone``; refuse times skipped or repeated by a DST change."""
    if naive.tzinfo is not None:
        raise ValueError("Expected a naive local time.")
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks skipped it).")
    raise AmbiguousLocalTime(f"{naive:%Y-%m-%d %H:%M} happened twice in {zone.key}; give a UTC offset to say which.")
