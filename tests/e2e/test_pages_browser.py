"""Each demo role signs in through the real login form, sees its own home page and signs out; phones get a menu."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from supportops.demo import DEMO_PASSWORD
from supportops.models import Agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What each demo login must see: its role badge, its home section and exactly these menu entries.
ROLES = {
    "admin": (
        "Admin",
        "Organisation",
        [
            "Home",
            "Teams",
            "Agents",
            "Conversations",
            "Capacity",
            "Schedule",
            "Approvals",
            "Onboarding",
            "Quality",
            "KPIs",
            "Admin",
            "API docs",
        ],
    ),
    "manager": (
        "Manager",
        "Your teams",
        [
            "Home",
            "Teams",
            "Agents",
            "Conversations",
            "Capacity",
            "Schedule",
            "Approvals",
            "Onboarding",
            "Quality",
            "1:1s",
            "Reviews & plans",
            "KPIs",
        ],
    ),
    "qa": ("QA reviewer", "Quality review", ["Home", "Teams", "Conversations", "Quality"]),
    "agent": (
        "Agent",
        "My work",
        [
            "Home",
            "My schedule",
            "My onboarding",
            "My reviews",
            "1:1s",
            "Reviews & plans",
            "My team",
            "My conversations",
        ],
    ),
}


@pytest.fixture
def demo_organisation(live_server) -> str:
    """The demo organisation (one week of conversations) behind a live server; returns its URL."""
    call_command("seed_demo", "--weeks", "1")
    return live_server.url


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    expect(page.get_by_role("heading", name="Sign in to your workspace")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.parametrize("username", list(ROLES))
def test_each_demo_role_signs_in_sees_its_home_and_signs_out(demo_organisation, page: Page, username):
    badge, section, menu = ROLES[username]
    # given a demo login / when they sign in through the form
    sign_in(page, demo_organisation, username)
    # then their home greets them, shows their role's section, badge and menu
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome back, \S+"))
    expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    expect(page.locator(".user-menu .badge")).to_have_text([badge])
    main_menu = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(main_menu).to_have_text(menu)
    expect(page.get_by_role("link", name="Home", exact=True)).to_have_attribute("aria-current", "page")
    # when they sign out, they are back at the login page and the home page needs a login again
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{demo_organisation}/login/")
    page.goto(f"{demo_organisation}/")
    expect(page).to_have_url(f"{demo_organisation}/login/?next=/")


def test_agent_search_updates_the_table_without_a_reload(demo_organisation, page: Page):
    # given the manager on the agent directory
    someone = Agent.objects.filter(team__managers__username="manager").select_related("user").first()
    assert someone is not None
    sign_in(page, demo_organisation, "manager")
    page.goto(f"{demo_organisation}/agents/")
    page.evaluate("window.__notReloaded = true")
    # when they type a full name into the search box
    page.get_by_role("searchbox", name="Search").fill(someone.display_name)
    # then the results show that agent, the address keeps the search, and the page was not reloaded
    expect(page.get_by_test_id("results-count")).to_have_text("Showing 1–1 of 1 agent")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody")).to_contain_text(someone.display_name)
    expect(page).to_have_url(re.compile(r"/agents/\?q="))
    assert page.evaluate("window.__notReloaded") is True


def test_phone_menu_button_opens_the_navigation(demo_organisation, browser: Browser):
    # given the manager on a phone-sized screen
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, demo_organisation, "manager")
    teams_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams")
    menu_button = page.get_by_role("button", name="Open menu")
    # the menu is folded behind the button
    expect(teams_link).to_be_hidden()
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    # when they tap the menu button
    menu_button.click()
    # then the navigation opens and leads to the pages
    expect(page.get_by_role("button", name="Close menu")).to_have_attribute("aria-expanded", "true")
    expect(teams_link).to_be_visible()
    teams_link.click()
    page.wait_for_url(f"{demo_organisation}/teams/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    expect(teams_link).to_be_hidden()
    context.close()
