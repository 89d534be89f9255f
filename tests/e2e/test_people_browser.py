"""A lead's week in a real browser on the demo data: the 1:1 with its agenda pre-filled from KPIs and QA, a new
action item, shared and private notes, completing it; the agent sees the shared notes and never the private ones;
then the quarterly review: the manager answers beside the agent's self review with the period's evidence, and
calibrates the rating."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from performance import services
from performance.models import OneOnOne, OneOnOneSeries, PerformanceReview
from tests.e2e.demo import sign_in
from tests.e2e.test_onboarding_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIVATE = "Worried about workload: raise time off gently."


@pytest.fixture
def demo(live_server) -> str:
    """The demo organisation with its QA and people data behind a live server."""
    call_command("seed_demo", "--weeks", "2")
    call_command("seed_qa", "--weeks", "1")
    return str(live_server.url)


def test_a_leads_one_on_one_and_review_with_the_demo_data(demo, page: Page):
    series = OneOnOneSeries.objects.select_related("agent__user").order_by("agent_id").first()
    assert series is not None
    agent = series.agent

    # the manager opens the next 1:1: last week's unchecked point came along, and KPI changes are on the agenda
    sign_in(page, demo, "manager")
    page.goto(f"{demo}/one-on-ones/")
    page.get_by_test_id("series-row").filter(has_text=agent.display_name).get_by_test_id("next").click()
    agenda = page.get_by_test_id("agenda")
    expect(agenda).to_contain_text("Shadowing the refunds queue next month?")
    expect(agenda).to_contain_text("since last 1:1")
    expect(page.get_by_test_id("item").filter(has_text="Pair on two refund cases")).to_be_visible()
    page.get_by_label("Add a talking point").fill("Feedback on the new macros")
    page.get_by_test_id("point-form").get_by_role("button", name="Add").click()
    expect(agenda).to_contain_text("Feedback on the new macros")
    page.get_by_label("New action item").fill("Try the refund macro on five chats")
    page.get_by_label("Owner").select_option(label=agent.display_name)
    page.get_by_test_id("item-form").get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("item").filter(has_text="Try the refund macro")).to_be_visible()
    page.get_by_test_id("shared-notes").fill("Macros help; refunds are faster this week.")
    page.get_by_test_id("private-notes").fill(PRIVATE)
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_test_id("private-notes")).to_have_value(PRIVATE)
    shot(page, "one-on-one")
    meeting_url = page.url
    page.get_by_role("button", name="Complete and plan the next").click()
    expect(page.get_by_test_id("status")).to_have_text("Scheduled")
    held = OneOnOne.objects.get(series=series, shared_notes__startswith="Macros help")
    assert (held.status, held.private_notes) == ("done", PRIVATE)

    # the agent sees the shared notes of that meeting, never the private ones (page and invite)
    sign_in(page, demo, agent.user.username)
    page.goto(meeting_url)
    expect(page.get_by_test_id("shared-notes")).to_have_value("Macros help; refunds are faster this week.")
    expect(page.get_by_test_id("private-notes")).to_have_count(0)
    assert PRIVATE not in page.content()
    invite = page.request.get(f"{demo}/one-on-ones/{held.pk}/invite.ics")
    assert invite.ok
    assert PRIVATE not in invite.text()

    # the manager's review: the agent's self review beside the questions, the period's evidence, then calibration
    review = PerformanceReview.objects.filter(self_submitted_at__isnull=False).select_related("agent").first()
    assert review is not None
    sign_in(page, demo, "manager")
    page.goto(f"{demo}/people/")
    page.get_by_test_id("report-reviews").get_by_test_id("review-row").filter(
        has_text=review.agent.display_name
    ).get_by_role("link").first.click()
    expect(page.get_by_test_id("self-answer").first).to_be_visible()
    expect(page.get_by_test_id("evidence-kpis")).to_be_visible()
    form = page.get_by_test_id("answer-form")
    for select in form.locator("select[name^='rating-']").all():
        select.select_option("4")
    for area in form.locator("textarea").all():
        area.fill("Steady quality; faster refunds.")
    form.get_by_role("button", name="Submit").click()
    expect(page.get_by_test_id("status")).to_have_text("Calibration")
    calibrate = page.get_by_test_id("calibrate-form")
    calibrate.get_by_label("Adjusted rating").select_option("3")
    calibrate.get_by_label("Reason").fill("In line with the team's distribution.")
    calibrate.get_by_role("button", name="Save calibration").click()
    shot(page, "performance-review")
    review.refresh_from_db()
    assert (review.rating, review.calibrated_rating) == (4, 3)
    # the evidence frozen at the manager's submission is the period's, as computed from the data
    live = services.review_evidence(PerformanceReview.objects.select_related("cycle", "agent__team").get(pk=review.pk))
    assert review.evidence["kpis"] == live["kpis"]
    assert review.evidence["kpis"]["contacts"] > 0


def test_an_admin_goes_from_a_team_dashboard_to_its_market_and_back_to_another_team(demo, page: Page):
    from supportops.models import Team

    team = Team.objects.select_related("market").order_by("name").first()
    assert team is not None
    market_teams = list(Team.objects.filter(market=team.market).order_by("name").values_list("name", flat=True))
    sign_in(page, demo, "admin")
    page.goto(f"{demo}/kpis/?market={team.market.code}&team={team.slug}&weeks=4")
    page.get_by_test_id("market-view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(team.market.name)
    rows = page.get_by_test_id("team-row")
    expect(rows).to_have_count(len(market_teams))
    expect(page.get_by_test_id("headline").first).to_contain_text("Contacts")
    shot(page, "market-view")
    rows.filter(has_text=market_teams[-1]).get_by_role("link").click()
    expect(page.locator("#team")).to_have_value(Team.objects.get(name=market_teams[-1]).slug)
    expect(page.get_by_test_id("weekly-table")).to_be_visible()
