"""A reviewer works the sampled queue of the demo in a real browser: opens the first conversation, rates it beside
the transcript (the live score follows), submits; the agent reads, acknowledges and disputes one criterion; the
reviewer accepts it and the score changes. On a phone-sized screen the workspace stacks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from performance.models import Dispute, Review, ReviewAssignment
from tests.e2e.demo import sign_in
from tests.e2e.test_onboarding_browser import PHONE, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server) -> str:
    """The demo organisation (two weeks of conversations) with its QA data behind a live server."""
    call_command("seed_demo", "--weeks", "2")
    call_command("seed_qa", "--weeks", "1")
    return str(live_server.url)


def rate(page: Page, criterion: str, label: str) -> None:
    page.get_by_test_id("criterion").filter(has_text=criterion).locator("label.qa-choice", has_text=label).click()


def test_a_reviewer_works_the_sampled_queue_and_a_dispute_is_resolved(demo, page: Page, browser: Browser):
    sign_in(page, demo, "qa")
    page.goto(f"{demo}/qa/")
    first = page.get_by_test_id("assignment").first
    expect(first).to_be_visible()
    shot(page, "qa-queue")
    first.get_by_role("button", name="Review").click()
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()

    rate(page, "Greets and introduces themselves", "Yes")
    rate(page, "Verifies the customer", "N/A")
    rate(page, "Understands the real question", "Excellent")
    rate(page, "Gives a correct and complete answer", "Good")
    rate(page, "Sets clear next steps", "Meets expectations")
    rate(page, "Empathy and tone", "Good")
    # (5·100 + 20·100 + 35·66.67 + 15·50 + 15·75) / 90 = 74.54
    expect(page.get_by_test_id("live-score")).to_have_text("74.54%")
    page.get_by_label("Overall feedback").fill("Clear answer; quote the fee schedule next time.")
    shot(page, "qa-workspace")
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("status").first).to_contain_text("Review submitted: 74.54 %.")

    review = Review.objects.get(status="submitted", comment__startswith="Clear answer")
    assert review.score == Decimal("74.537")
    assert ReviewAssignment.objects.get(pk=review.assignment_id).status == "reviewed"

    # the agent reads it, acknowledges it and disputes the accuracy rating
    sign_in(page, demo, review.agent.user.username)
    page.goto(f"{demo}/qa/mine/")
    page.get_by_test_id("my-review").filter(has_text="74.54%").get_by_role("link").click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status").first).to_contain_text("acknowledged")
    form = page.get_by_test_id("dispute-form")
    form.get_by_role("checkbox", name="Gives a correct and complete answer").check()
    form.get_by_label("Rating you propose for Gives a correct and complete answer").select_option(label="Excellent")
    form.get_by_label("Why").fill("The answer matched the policy page.")
    form.get_by_role("button", name="Send dispute").click()
    expect(page.get_by_test_id("status")).to_have_text("Open")
    shot(page, "qa-dispute")

    # the reviewer accepts it: accuracy becomes Excellent
    sign_in(page, demo, "qa")
    page.goto(f"{demo}/qa/disputes/")
    page.get_by_test_id("waiting").get_by_role("link").first.click()
    page.get_by_test_id("item").locator("label.qa-choice", has_text="Accept").click()
    page.get_by_label("Reason code").select_option(label="Reviewer error")
    page.get_by_role("button", name="Resolve dispute").click()
    expect(page.get_by_test_id("status")).to_have_text("Accepted")
    review.refresh_from_db()
    # accuracy 4 of 4: (5·100 + 20·100 + 35·100 + 15·50 + 15·75) / 90 = 87.5
    assert review.score == Decimal("87.500")
    assert Dispute.objects.get().status == "accepted"

    # the dashboard shows the reviewed team's IQS by week, agent and criterion (the admin sees every team)
    sign_in(page, demo, "admin")
    page.goto(f"{demo}/qa/dashboard/?team={review.agent.team.slug}&weeks=4")
    expect(page.get_by_test_id("kpi-iqs")).to_contain_text("%")
    expect(page.get_by_test_id("agent-bar").first).to_be_visible()
    shot(page, "qa-dashboard")

    # on a phone the workspace stacks: transcript first, then the scorecard
    phone = browser.new_page(viewport=PHONE)
    sign_in(phone, demo, "qa")
    phone.goto(f"{demo}/qa/")
    phone.get_by_test_id("assignment").first.get_by_role("button", name="Review").click()
    transcript = phone.get_by_role("heading", name="Transcript").bounding_box()
    scorecard = phone.get_by_role("heading", name="Scorecard").bounding_box()
    assert transcript is not None
    assert scorecard is not None
    assert transcript["y"] < scorecard["y"]
    shot(phone, "qa-workspace-phone")
    phone.close()
