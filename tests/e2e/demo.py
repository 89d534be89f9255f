"""Shared by the browser walk-throughs on the demo data: signing a demo login in (with the demo password)."""

from __future__ import annotations

from playwright.sync_api import Page

from supportops.demo import DEMO_PASSWORD


def sign_in(page: Page, base_url: str, username: str) -> None:
    """Sign ``username`` in afresh (any previous session's cookies dropped) and wait for the home page."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
