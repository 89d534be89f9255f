"""Browser tests: a real headless Chromium (the system package) driving pages served by ``live_server``.

They skip with a reason where ``/usr/bin/chromium`` is missing; CI (``SUPPORTOPS_REQUIRE_SERVICES=1``)
turns that skip into a failure. Playwright's sync API runs an event loop in the test thread, so
Django's guard against synchronous database calls from async code is switched off for these tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_unless

# Playwright's sync API leaves an event loop set on the main thread for the rest of the session,
# so Django's guard against ORM calls from async code must stay off from here on. Subprocesses
# started by other tests drop this variable (see tests/supportops/test_settings.py).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium (Playwright's own browsers are never downloaded)."""
    skip_unless(CHROMIUM.exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}
