"""Vendor-shaped fixture files (written from Zendesk's and Intercom's API documentation) and signing helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    """The raw bytes of a fixture file."""
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    """A JSON fixture, parsed (a fresh copy each call, safe to change)."""
    return json.loads(fixture_bytes(name))
