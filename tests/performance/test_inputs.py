"""The shared input helpers: whole numbers refused with the field named, names of users."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from performance.inputs import person_name, whole_number
from tests.factories import UserFactory


@pytest.mark.parametrize(("raw", "expected"), [("7", 7), (" 12 ", 12), ("-3", -3), (5, 5)])
def test_whole_numbers_are_read(raw, expected):
    assert whole_number(raw, "rating") == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("²", "Enter a whole number, not “²”."),
        ("--5", "Enter a whole number, not “--5”."),
        ("1_000", "Enter a whole number, not “1_000”."),
        ("4.5", "Enter a whole number, not “4.5”."),
        ("", "Enter a whole number."),
        (None, "Enter a whole number."),
        ("٣", "Enter a whole number, not “٣”."),
    ],
)
def test_anything_else_is_refused_naming_the_field(raw, message):
    with pytest.raises(ValidationError) as refused:
        whole_number(raw, "rating")
    assert refused.value.message_dict == {"rating": [message]}


def test_bounds_are_checked():
    with pytest.raises(ValidationError) as low:
        whole_number("0", "cadence_days", minimum=1, maximum=90)
    with pytest.raises(ValidationError) as high:
        whole_number("91", "cadence_days", minimum=1, maximum=90)
    assert low.value.message_dict == {"cadence_days": ["Enter a number of at least 1."]}
    assert high.value.message_dict == {"cadence_days": ["Enter a number of at most 90."]}
    assert whole_number("90", "cadence_days", minimum=1, maximum=90) == 90


@pytest.mark.django_db
def test_a_person_is_named_by_full_name_else_username():
    named = UserFactory(username="jdoe", first_name="Jane", last_name="Doe")
    bare = UserFactory(username="ops", first_name="", last_name="")
    assert (person_name(named), person_name(bare), person_name(None)) == ("Jane Doe", "ops", None)
