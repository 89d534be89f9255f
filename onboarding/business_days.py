"""Business-day arithmetic for due dates: weekends and given public holidays are skipped.

Pure module (no Django). ``add_business_days(start, n, holidays)`` is the date ``n`` working days after ``start``
(``start`` itself when ``n`` is 0 and it is a working day, else the next working day).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

WEEKEND = frozenset({5, 6})


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    """True on a weekday that is not a public holiday."""
    return day.weekday() not in WEEKEND and day not in holidays


def add_business_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The working day ``days`` working days after ``start`` (rolled forward first when ``start`` is not one)."""
    if days < 0:
        raise ValueError("days must not be negative.")
    day = start
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            remaining -= 1
    return day


def business_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is before ``start``)."""
    if end < start:
        return -business_days_between(end, start, holidays)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            count += 1
    return count
