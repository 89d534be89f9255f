"""The demo manager plans capacity in a real browser: requests a forecast, watches it compute, tries a what-if
and saves it as a scenario to compare."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from supportops.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE = "SG Card Chat"  # the first queue the demo manager plans, by name


@pytest.fixture
def demo_with_history(live_server) -> str:
    """The demo organisation with four weeks of one queue's volume history (enough to backtest), live."""
    call_command("seed_demo", "--weeks", "4")
    call_command("build_volume_history", "--queue", QUEUE, "--days", "28")
    return live_server.url


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def test_manager_requests_a_forecast_sees_it_computed_tries_a_what_if_and_saves_it(demo_with_history, page: Page):
    base_url = demo_with_history
    # given the demo manager on the capacity page, opened from the menu
    sign_in(page, base_url, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Capacity").click()
    page.wait_for_url(f"{base_url}/capacity/")
    expect(page.get_by_label("Queue", exact=True)).to_have_value(re.compile(r"^\d+$"))
    expect(page.get_by_label("Queue", exact=True).locator("option:checked")).to_have_text(QUEUE)
    expect(page.get_by_text("No forecast yet: request one below.")).to_be_visible()

    # when they request a one-week seasonal-naive forecast
    request_form = page.get_by_role("form", name="New forecast")
    request_form.get_by_label("Horizon (days)").fill("7")
    request_form.get_by_label("Method").select_option("seasonal_naive")
    request_form.get_by_role("button", name="Request forecast").click()

    # then a progress bar shows the job, and the page moves on to the computed forecast
    expect(page.get_by_role("progressbar", name="New forecast progress")).to_be_visible()
    page.wait_for_url(re.compile(r"/capacity/\?queue=\d+&forecast=\d+$"))
    expect(page.get_by_test_id("volume-chart")).to_be_visible()
    expect(page.get_by_test_id("requirement-chart")).to_be_visible()
    expect(page.get_by_test_id("method")).to_have_text("Seasonal naive")
    expect(page.get_by_test_id("wape")).to_have_text(re.compile(r"^\d+\.\d %$"))
    baseline = page.get_by_test_id("agent-hours").inner_text()
    assert re.fullmatch(r"[\d,]+\.\d h", baseline)

    # when they try 50 % more volume, the figures update without a reload
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Volume change (%)").fill("50")
    what_if = page.get_by_test_id("what-if-agent-hours")
    expect(what_if).to_be_visible()
    expect(what_if).not_to_have_text(baseline)
    expect(page.get_by_test_id("agent-hours")).to_have_text(baseline)
    assert page.evaluate("window.__notReloaded") is True

    # when they save that what-if as a scenario, its column appears beside the forecast's, without a reload
    expect(page.get_by_text("No scenarios yet")).to_be_visible()
    save_form = page.get_by_role("form", name="Save as scenario")
    save_form.get_by_label("Scenario name").fill("Launch week")
    save_form.get_by_role("button", name="Save as scenario").click()
    expect(page.get_by_test_id("scenario-saved")).to_have_text("Saved “Launch week”: Volume +50 %.")
    expect(save_form.get_by_label("Scenario name")).to_have_value("")
    columns = page.get_by_test_id("scenario-column")
    expect(columns).to_have_count(2)
    expect(columns.nth(1)).to_contain_text("Launch week")
    expect(columns.nth(1)).to_contain_text("Volume +50 %")
    # the whole-forecast agent-hours of both columns are those the what-if showed
    forecast_hours, what_if_hours = page.get_by_test_id("horizon-agent-hours").inner_text().split(" → ")
    expect(page.get_by_test_id("scenario-agent-hours")).to_have_text([forecast_hours, what_if_hours])
    assert page.evaluate("window.__notReloaded") is True
