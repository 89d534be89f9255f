"""Small parsing and naming helpers shared by the performance pages and API (one place, one message)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def person_name(user: Any) -> str | None:
    """A user's full name, else their username; None for no user."""
    if user is None:
        return None
    return str(user.get_full_name() or user.get_username())


def whole_number(raw: Any, field: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``raw`` (a form or query value) as an int within the bounds, or ``ValidationError`` naming ``field``.

    Only ASCII digits with an optional leading minus are numbers here: ``int()`` alone would also take "²" (and
    ``str.isdigit`` would pass it), spaces or underscores.
    """
    text = str(raw).strip() if raw is not None else ""
    digits = text[1:] if text.startswith("-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValidationError({field: [f"Enter a whole number, not “{text}”." if text else "Enter a whole number."]})
    value = int(text)
    if minimum is not None and value < minimum:
        raise ValidationError({field: [f"Enter a number of at least {minimum}."]})
    if maximum is not None and value > maximum:
        raise ValidationError({field: [f"Enter a number of at most {maximum}."]})
    return value
