"""A new hire works through the start of a curriculum in a real browser: sees the path, reads the lesson, marks it
complete, takes the quiz and waits for a reviewer; on a phone-sized screen too."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from onboarding import services
from supportops.choices import AgentStatus, Role
from tests.factories import PASSWORD, AgentFactory, MarketFactory, TeamFactory, UserFactory
from tests.onboarding.curricula import build_curriculum

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def shot(page: Page, name: str) -> None:
    """Save a screenshot when SUPPORTOPS_SHOTS names a folder (for looking at the pages by eye)."""
    folder = os.environ.get("SUPPORTOPS_SHOTS")
    if folder:
        page.screenshot(path=f"{folder}/onb-{name}.png", full_page=True)


@pytest.fixture
def new_hire(live_server) -> str:
    """Nina started last Monday in team Alpha (Singapore) on "Support basics"; Tom is a tenured colleague."""
    market = MarketFactory(code="sg", name="Singapore", timezone="Asia/Singapore", holiday_country="SG")
    manager = UserFactory(username="mia", first_name="Mia", last_name="Manager", roles=[Role.MANAGER])
    team = TeamFactory(name="Alpha", slug="alpha", market=market, managers=[manager])
    nina = AgentFactory(
        user__username="nina", user__first_name="Nina", user__last_name="New", team=team, manager=manager,
        status=AgentStatus.ONBOARDING,
    )  # fmt: skip
    tom = AgentFactory(user__username="tom", user__first_name="Tom", user__last_name="Tenured", team=team)
    built = build_curriculum(team=team)
    today = timezone.localdate()
    services.enrollment_create(
        agent=nina, version=built.version, start_date=today - timedelta(days=today.weekday()), user=manager, buddy=tom
    )
    return str(live_server.url)


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_new_hire_reads_the_lesson_and_takes_the_quiz(new_hire, browser: Browser, viewport):
    size = "laptop" if viewport == LAPTOP else "phone"
    page = browser.new_page(viewport=viewport)
    sign_in(page, new_hire, "nina")

    page.goto(f"{new_hire}/onboarding/")
    expect(page.get_by_role("heading", name="Support basics")).to_be_visible()
    expect(page.get_by_test_id("next-up")).to_contain_text("Refund policy")
    shot(page, f"my-{size}")

    page.get_by_test_id("next-up").click()
    expect(page.get_by_test_id("content")).to_contain_text("refund policy")
    shot(page, f"lesson-{size}")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_role("status").first).to_contain_text("is complete")
    expect(page.get_by_test_id("next-up")).to_contain_text("Refund policy quiz")

    page.get_by_test_id("next-up").click()
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("30", exact=True).check()
    page.get_by_label("Refunds over 500 EUR").check()
    page.get_by_label("Refunds to another card").check()
    page.get_by_label("False").check()
    page.get_by_label("Explain to a customer why their refund is late.").fill("The bank needs five days.")
    shot(page, f"quiz-{size}")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_test_id("waiting")).to_be_visible()
    expect(page.get_by_test_id("attempt")).to_contain_text("Waiting for a reviewer")
    shot(page, f"quiz-waiting-{size}")
    page.context.clear_cookies()

    # the manager sees Nina on the dashboard and grades her written answer
    sign_in(page, new_hire, "mia")
    page.goto(f"{new_hire}/onboarding/team/")
    expect(page.get_by_test_id("team-row")).to_contain_text("Nina New")
    shot(page, f"team-{size}")
    page.get_by_role("link", name="reviewer queue").click()
    expect(page.get_by_test_id("answer-item")).to_contain_text("The bank needs five days.")
    shot(page, f"reviews-{size}")
    page.get_by_label("Points (0–2)").fill("2")
    page.get_by_role("button", name="Grade").click()
    expect(page.get_by_role("status").first).to_contain_text("Graded Nina New's answer.")
    expect(page.get_by_test_id("answer-item")).to_have_count(0)
    page.close()
