"""The demo new hire works through the demo curriculum in a real browser, with the demo manager reviewing, until
only nesting on the live queue is left: the whole onboarding path on the data ``make run`` seeds."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from onboarding.models import Enrollment, EnrollmentStatus, ProgressState
from supportops.choices import AgentStatus
from supportops.models import Agent
from tests.e2e.demo import sign_in
from tests.e2e.test_onboarding_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server) -> str:
    """The demo organisation (one week of conversations) and its onboarding curriculum behind a live server."""
    call_command("seed_demo", "--weeks", "1")
    call_command("seed_onboarding")
    return str(live_server.url)


def flash(page: Page, text: str) -> None:
    expect(page.get_by_role("status").first).to_contain_text(text)


def test_the_demo_new_hire_works_through_the_curriculum_to_nesting(demo, page: Page):
    newhire = Agent.objects.get(user__username="newhire")
    yesterday = (timezone.now().astimezone(newhire.zone) - timedelta(days=1)).strftime("%Y-%m-%dT09:00")

    # the new hire: the path shows the two lessons of week 1 done and the refunds lesson next
    sign_in(page, demo, "newhire")
    page.goto(f"{demo}/onboarding/")
    expect(page.get_by_role("heading", name="Customer support foundations")).to_be_visible()
    expect(page.get_by_test_id("next-up")).to_contain_text("Refunds and disputes")
    page.get_by_test_id("next-up").click()
    expect(page.get_by_test_id("content")).to_contain_text("within 120 days")
    page.get_by_role("button", name="Mark complete").click()
    flash(page, "“Refunds and disputes” is complete.")

    # the policy quiz: three questions graded at once, one written answer for the manager
    page.get_by_test_id("next-up").click()
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("Freeze the card and open a dispute").check()
    page.get_by_label("Their one-time password").check()
    page.get_by_label("Their full card number").check()
    page.get_by_label("True", exact=True).check()
    page.get_by_label(re.compile("how do you explain a merchant refund timeline")).fill(
        "The merchant sends the money back; it usually reaches the card in 5 to 10 business days."
    )
    page.get_by_role("button", name="Submit answers").click()
    flash(page, "A reviewer grades your written answers")

    # four hours shadowing a tenured colleague
    page.goto(f"{demo}/onboarding/")
    page.get_by_role("link", name=re.compile("Shadow a tenured agent")).click()
    page.get_by_label("Tenured agent").select_option(index=1)
    page.get_by_label("Started").fill(yesterday)
    page.get_by_label("Minutes").fill("240")
    page.get_by_role("button", name="Log session").click()
    flash(page, "Session logged.")
    expect(page.get_by_test_id("shadowing-logged")).to_have_text("4 h")
    shot(page, "demo-shadowing")

    # the manager grades the written answer: the quiz is passed
    sign_in(page, demo, "manager")
    page.goto(f"{demo}/onboarding/reviews/")
    expect(page.get_by_test_id("answer-item")).to_contain_text("5 to 10 business days")
    page.get_by_label(re.compile(r"Points \(0–")).fill("1")
    page.get_by_role("button", name="Grade").click()
    flash(page, "Graded")

    # the new hire hands in the practical task
    sign_in(page, demo, "newhire")
    page.goto(f"{demo}/onboarding/")
    expect(page.get_by_test_id("next-up")).to_contain_text("Handle a test refund")
    page.get_by_test_id("next-up").click()
    page.get_by_label("What you did").fill("Verified the customer, explained the timeline, wrote the note.")
    page.get_by_label("Link").fill("https://helpdesk.example.com/training/refund-cancelled-order")
    page.get_by_role("button", name="Hand in").click()
    flash(page, "Evidence handed in.")

    # the manager approves it and signs the checkpoint off, then looks at the new hire's page
    sign_in(page, demo, "manager")
    page.goto(f"{demo}/onboarding/reviews/")
    page.get_by_test_id("task-item").filter(has_text="Handle a test refund").get_by_role(
        "button", name="Approve"
    ).click()
    flash(page, "is approved")
    page.get_by_test_id("sign-off-item").filter(has_text="Ready for the live queue").get_by_label("Notes").fill(
        "Ready: clear, careful answers."
    )
    page.get_by_test_id("sign-off-item").filter(has_text="Ready for the live queue").get_by_role(
        "button", name="Sign off"
    ).click()
    flash(page, "Signed off")
    page.goto(f"{demo}/onboarding/team/")
    expect(page.get_by_test_id("proficiency-bar").filter(has_text="SG Chat earlier class · average")).to_have_count(1)
    shot(page, "demo-team")
    page.get_by_test_id("team-row").filter(has_text=newhire.display_name).get_by_role("link").click()
    expect(page.get_by_test_id("module").filter(has_text="Policy quiz")).to_contain_text("Completed")
    shot(page, "demo-enrollment")

    # only nesting is left: the new hire is now in nesting and sees it next
    sign_in(page, demo, "newhire")
    page.goto(f"{demo}/onboarding/")
    expect(page.get_by_test_id("next-up")).to_contain_text("Nesting on live chat")
    shot(page, "demo-nesting")
    newhire.refresh_from_db()
    enrollment = Enrollment.objects.get(agent=newhire, status=EnrollmentStatus.ACTIVE)
    open_modules = enrollment.progress.exclude(state__in=[ProgressState.COMPLETED, ProgressState.WAIVED])
    assert newhire.status == AgentStatus.NESTING
    assert [row.module.key for row in open_modules.select_related("module")] == ["nesting"]
