"""Planning grids: interval starts on DST days, flooring into the right interval, local-time parsing."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduling.grid import AmbiguousLocalTime, NonexistentLocalTime, PlanningGrid, local_to_utc

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("zone", "interval", "day", "count"),
    [
        ("Asia/Singapore", 30, date(2026, 3, 29), 48),
        ("Asia/Singapore", 15, date(2026, 3, 29), 96),
        ("Europe/London", 30, date(2026, 3, 29), 46),  # clocks forward: a 23-hour day
        ("Europe/London", 30, date(2026, 10, 25), 50),  # clocks back: a 25-hour day
        ("Europe/London", 15, date(2026, 10, 25), 100),
        ("America/Sao_Paulo", 30, date(2026, 11, 1), 48),  # no DST there since 2019
        ("Asia/Kathmandu", 30, date(2026, 1, 1), 48),  # +05:45: the grid is in local time, not UTC
    ],
)
def test_a_day_has_one_interval_per_local_slot(zone, interval, day, count):
    assert len(PlanningGrid(zone, interval).interval_starts(day, day)) == count


def test_intervals_of_a_kathmandu_day_start_on_local_half_hours():
    starts = PlanningGrid("Asia/Kathmandu", 30).interval_starts(date(2026, 1, 1), date(2026, 1, 1))

    assert starts[:2] == [datetime(2025, 12, 31, 18, 15, tzinfo=UTC), datetime(2025, 12, 31, 18, 45, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("instant", "start"),
    [
        # 01:40 BST (first 01:xx) and 01:40 GMT (second 01:xx) fall in different intervals
        (datetime(2026, 10, 25, 0, 40, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2026, 10, 25, 1, 40, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, 5, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # 02:05 BST
        (datetime(2026, 1, 1, 9, 30, tzinfo=UTC), datetime(2026, 1, 1, 9, 30, tzinfo=UTC)),
    ],
)
def test_floor_finds_the_local_interval_an_instant_falls_in(instant, start):
    assert PlanningGrid("Europe/London", 30).floor(instant) == start


def test_local_times_skipped_or_repeated_by_dst_are_refused():
    # naive wall-clock times are the input here, by design
    with pytest.raises(NonexistentLocalTime, match="2026-03-29 01:30 does not exist in Europe/London"):
        local_to_utc(datetime(2026, 3, 29, 1, 30), LONDON)  # noqa: DTZ001
    with pytest.raises(AmbiguousLocalTime, match="2026-10-25 01:30 happened twice in Europe/London"):
        local_to_utc(datetime(2026, 10, 25, 1, 30), LONDON)  # noqa: DTZ001
    summer_morning = datetime(2026, 7, 1, 9, 0)  # noqa: DTZ001
    assert local_to_utc(summer_morning, LONDON) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_a_grid_refuses_an_unknown_interval_or_zone():
    with pytest.raises(ValueError, match="interval_minutes must be 15, 30 or 60, not 20"):
        PlanningGrid("UTC", 20)
    with pytest.raises(Exception, match="Mars/Base"):
        PlanningGrid("Mars/Base", 30)
