"""Due dates in working days: weekends and public holidays skipped (pure, no database)."""

from datetime import date

import pytest

from onboarding.business_days import add_business_days, business_days_between

NATIONAL_DAY = date(2026, 8, 10)  # a Monday holiday in Singapore


@pytest.mark.parametrize(
    ("start", "days", "holidays", "expected"),
    [
        (date(2026, 8, 3), 0, (), date(2026, 8, 3)),  # Monday, same day
        (date(2026, 8, 3), 4, (), date(2026, 8, 7)),  # to Friday
        (date(2026, 8, 3), 5, (), date(2026, 8, 10)),  # over the weekend
        (date(2026, 8, 3), 5, (NATIONAL_DAY,), date(2026, 8, 11)),  # and over the holiday
        (date(2026, 8, 8), 0, (), date(2026, 8, 10)),  # a Saturday start rolls to Monday
        (date(2026, 8, 8), 1, (NATIONAL_DAY,), date(2026, 8, 12)),
    ],
)
def test_adding_business_days(start, days, holidays, expected):
    assert add_business_days(start, days, holidays) == expected


def test_counting_business_days_both_ways():
    assert business_days_between(date(2026, 8, 3), date(2026, 8, 11), {NATIONAL_DAY}) == 5
    assert business_days_between(date(2026, 8, 11), date(2026, 8, 3), {NATIONAL_DAY}) == -5


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_days(date(2026, 8, 3), -1)
