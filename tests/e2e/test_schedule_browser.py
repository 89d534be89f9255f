"""A week from requirement to trade in a real browser: the manager generates and publishes it, an agent sees their
shifts, subscribes to them, asks for a day off and offers a shift, the colleague accepts, the manager approves."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from scheduling import services
from scheduling.models import Shift, ShiftSwap, SwapStatus, TimeOffRequest
from supportops.choices import Role
from tests.factories import PASSWORD, AgentFactory, MarketFactory, TeamFactory, UserFactory
from tests.scheduling.planning import day_template, requirement, team_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SINGAPORE = ZoneInfo("Asia/Singapore")


@pytest.fixture
def alpha_team(live_server) -> str:
    """Team Alpha (Singapore) managed by Mia: one queue needing one agent 10:00-11:00 on the weekdays of next week
    (before any break), one 09:00 template (8 paid hours, a break and an unpaid lunch), Ann and Ben contracted
    16-40 hours. The cheapest week is one shift a weekday, at least two each, never both on one day."""
    market = MarketFactory(code="sg", name="Singapore", timezone="Asia/Singapore", holiday_country="SG")
    manager = UserFactory(username="mia", first_name="Mia", last_name="Manager", roles=[Role.MANAGER])
    team = TeamFactory(name="Alpha", slug="alpha", market=market, managers=[manager])
    queue = team_queue(team, "Alpha chat")
    for username, first_name in (("ann", "Ann"), ("ben", "Ben")):
        AgentFactory(
            user__username=username,
            user__first_name=first_name,
            user__last_name="Alpha",
            team=team,
            manager=manager,
            contracted_hours_min=16,
            contracted_hours_max=40,
        )
    monday = services.week_start_of(team, timezone.now()) + timedelta(days=7)
    first = datetime(monday.year, monday.month, monday.day, tzinfo=SINGAPORE).astimezone(UTC)
    values = {first + timedelta(days=day, hours=10, minutes=30 * index): 1 for day in range(5) for index in range(2)}
    requirement(queue, values, first=first)
    day_template(team)
    return live_server.url


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def test_a_week_goes_from_generation_to_an_approved_swap(alpha_team, browser: Browser):
    base_url = alpha_team
    manager = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()

    # given the manager on the schedule board, opened from the menu: next week has no shifts yet
    sign_in(manager, base_url, "mia")
    manager.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
    manager.wait_for_url(f"{base_url}/schedule/")
    expect(manager.get_by_test_id("shift")).to_have_count(0)

    # when they generate the week with a 5-second limit
    generate = manager.get_by_role("form", name="Generate the week")
    generate.get_by_label("Time limit (seconds)").fill("5")
    generate.get_by_role("button", name=re.compile(r"^Generate week \d+$")).click()

    # then a progress bar shows the job, and the board comes back with a shift on each weekday and the report
    expect(manager.get_by_role("progressbar", name="Generating the week progress")).to_be_visible()
    expect(manager.get_by_test_id("shift")).to_have_count(5, timeout=20_000)
    expect(manager.get_by_test_id("report-status")).to_contain_text("OPTIMAL")
    expect(manager.get_by_test_id("under-hours")).to_have_text("0.0 h")

    # when they publish it
    manager.get_by_role("form", name="Publish the week").get_by_role("button", name="Publish").click()
    expect(manager.get_by_test_id("published-version")).to_have_text("Published · version 1")
    expect(manager.get_by_role("status").filter(has_text="is published; 2 agents notified by e-mail.")).to_be_visible()

    # then Ann sees her shifts of next week on a phone
    ann = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(ann, base_url, "ann")
    ann.goto(f"{base_url}/schedule/me/")
    ann_shifts = Shift.objects.filter(agent__user__username="ann").count()
    expect(ann.get_by_test_id("my-shift")).to_have_count(ann_shifts)
    expect(ann.get_by_test_id("my-shift").first).to_contain_text("09:00–18:00")

    # when she creates her calendar link, its private URL is shown
    ann.get_by_role("button", name="Create calendar link").click()
    expect(ann.get_by_test_id("feed-url")).to_have_value(re.compile(rf"^{re.escape(base_url)}/calendar/[\w-]+\.ics$"))
    expect(ann.get_by_test_id("webcal-url")).to_have_attribute("href", re.compile(r"^webcal://.+\.ics$"))

    # when she asks for next Saturday off
    saturday = services.week_start_of(Shift.objects.first().schedule.team, timezone.now()) + timedelta(days=12)
    time_off = ann.get_by_role("form", name="Request time off")
    time_off.get_by_label("First day").fill(saturday.isoformat())
    time_off.get_by_role("button", name="Request time off").click()
    expect(ann.get_by_test_id("my-time-off")).to_contain_text("Pending")

    # when she offers her first shift to Ben
    offer = ann.get_by_role("form", name="Offer a shift")
    offer.get_by_label("My shift").select_option(index=1)
    offer.get_by_label("Colleague").select_option(label="Ben Alpha")
    offer.get_by_role("button", name="Propose swap").click()
    expect(ann.get_by_test_id("my-swap")).to_contain_text("Waiting for the colleague")

    # then Ben accepts it
    ben = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(ben, base_url, "ben")
    ben.goto(f"{base_url}/schedule/me/")
    ben.get_by_test_id("swap-offer").get_by_role("button", name="Accept").click()
    expect(ben.get_by_test_id("my-swap")).to_contain_text("Waiting for a manager")

    # and the manager approves the swap and the time off in the inbox
    manager.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    manager.get_by_test_id("swap-request").get_by_role("button", name="Approve").click()
    expect(
        manager.get_by_role("status").filter(has_text="Swap between Ann Alpha and Ben Alpha approved")
    ).to_be_visible()
    manager.get_by_test_id("time-off-request").get_by_role("button", name="Approve").click()
    expect(manager.get_by_test_id("nothing-waiting")).to_be_visible()

    swap = ShiftSwap.objects.get()
    assert swap.status == SwapStatus.APPROVED
    assert Shift.objects.get(pk=swap.shift_id).agent.user.username == "ben"
    assert TimeOffRequest.objects.get().status == "approved"
    # Ben's own schedule now shows the shift he took, from the new published version
    ben.reload()
    expect(ben.get_by_test_id("my-shift")).to_have_count(5 - ann_shifts + 1)
