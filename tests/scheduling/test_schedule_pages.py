"""The schedule pages: the manager's board (grid, coverage, editing with live rule checks, generation, publishing),
the agent's "My schedule" (shifts, time off, swaps, calendar link) and the approvals inbox; who sees what."""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduling import services
from scheduling.models import (
    ActivityKind,
    CalendarFeed,
    RequestStatus,
    Schedule,
    Shift,
    ShiftSwap,
    SwapStatus,
    TimeOffRequest,
)
from scheduling.services import ActivityInput
from supportops.choices import JobStatus, Role
from supportops.models import Agent, Job, Queue
from tests.factories import AgentFactory, MarketFactory, TeamFactory, UserFactory
from tests.scheduling.planning import day_template, requirement, team_queue
from tests.scheduling.requests_helpers import add_shift, name_agents, publish, sgt

HTMX = {"HTTP_HX_REQUEST": "true"}
MONDAY = date(2030, 6, 3)  # ISO week 2030-W23, far enough ahead to stay in the future
WEEK = "2030-W23"
BOARD = "/schedule/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:3000])
    return response.content.decode()


def squashed(html: str) -> str:
    """The page with tags dropped and runs of whitespace collapsed, so assertions read like the rendered text."""
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text).replace(" .", ".").replace(" ,", ",")


def board_url(team: str = "alpha", week: str = WEEK, **extra) -> str:
    query = "&".join(f"{name}={value}" for name, value in {"team": team, "week": week, **extra}.items())
    return f"{BOARD}?{query}"


def messages_of(response) -> list[str]:
    """The messages waiting to be shown after the response (those of earlier redirects not yet shown too)."""
    return [str(message) for message in response.wsgi_request._messages]


@dataclass
class Plan:
    """``alpha`` is the queue of team_a (agents Ann and Ben), ``bravo`` of team_b (Cat and Dan)."""

    alpha: Queue
    bravo: Queue


@pytest.fixture
def plan(org) -> Plan:
    name_agents(org)
    return Plan(alpha=team_queue(org.team_a, "Alpha chat"), bravo=team_queue(org.team_b, "Bravo chat"))


def shift_with_breaks(agent: Agent, day: date) -> Shift:
    """09:00-18:00 with a paid break at 11:00 and an unpaid lunch at 13:00 (8 paid hours)."""
    return services.shift_create(
        agent=agent,
        starts_at=sgt(day, 9),
        ends_at=sgt(day, 18),
        activities=[
            ActivityInput(kind=ActivityKind.BREAK, starts_at=sgt(day, 11), ends_at=sgt(day, 11, 15)),
            ActivityInput(kind=ActivityKind.LUNCH, starts_at=sgt(day, 13), ends_at=sgt(day, 14), is_paid=False),
        ],
    )


# --- Who sees what -----------------------------------------------------------------------------------------------

MANAGER_POSTS = [
    ("schedule-generate", []),
    ("schedule-publish", []),
    ("schedule-shift-new", []),
    ("schedule-shift-check", []),
    ("schedule-shift-edit", [1]),
    ("schedule-shift-delete", [1]),
    ("schedule-time-off-decide", [1]),
    ("schedule-swap-decide", [1]),
]


@pytest.mark.parametrize("who", ["agent", "qa"])
def test_agents_and_qa_reviewers_get_a_403_page_on_the_board_and_the_inbox(org, plan, who):
    user = org.agent_a1.user if who == "agent" else org.qa
    client = client_for(user)
    shift = add_shift(org.agent_a1, MONDAY, 9)

    for url in (BOARD, board_url(), reverse("schedule-approvals")):
        page = squashed(text_of(client.get(url), 403))
        assert "Schedules are built by managers" in page
        # agents are pointed to their own schedule, reviewers (who have none) only home
        assert ("See my schedule" in page) is (who == "agent")
    for name, args in MANAGER_POSTS:
        url = reverse(name, args=[shift.pk] if args else [])
        assert client.post(url, {"team": "alpha", "week": WEEK, "starts_at": "2030-06-03T10:00"}).status_code == 403
    assert Shift.objects.get().starts_at == sgt(MONDAY, 9)


@pytest.mark.parametrize(
    ("who", "teams", "shown"),
    [("admin", ["Alpha", "Bravo"], "Alpha"), ("manager_a", ["Alpha"], "Alpha"), ("manager_b", ["Bravo"], "Bravo")],
)
def test_admins_and_managers_get_the_board_of_their_own_teams(org, plan, who, teams, shown):
    page = text_of(client_for(getattr(org, who)).get(BOARD))

    options = re.findall(r'<option value="[a-z]+"( selected)?>([^<]+)</option>', page)
    assert [name for _, name in options] == teams
    assert [name for flag, name in options if flag] == [shown]
    assert '<a href="/schedule/" aria-current="page">' in page


def test_a_manager_of_no_team_is_told_so(org):
    newcomer = UserFactory(username="new_manager", roles=[Role.MANAGER])

    page = squashed(text_of(client_for(newcomer).get(BOARD)))

    assert "No teams to schedule yet" in page
    assert "Nothing waits for you" in squashed(text_of(client_for(newcomer).get("/schedule/approvals/")))


def test_a_manager_gets_404_for_another_teams_board_shift_or_request(org, plan):
    shift_b = add_shift(org.agent_b1, MONDAY, 9)
    time_off = TimeOffRequest.objects.create(agent=org.agent_b1, starts_at=sgt(MONDAY, 0), ends_at=sgt(MONDAY, 23))
    client = client_for(org.manager_a)

    assert client.get(board_url("bravo")).status_code == 404
    assert client.get(board_url("nosuchteam")).status_code == 404
    assert client.get(reverse("schedule-shift-edit", args=[shift_b.pk]), **HTMX).status_code == 404
    assert client.post(reverse("schedule-shift-delete", args=[shift_b.pk])).status_code == 404
    assert client.post(reverse("schedule-generate"), {"team": "bravo", "week": WEEK}).status_code == 404
    assert client.post(reverse("schedule-publish"), {"team": "bravo", "week": WEEK}).status_code == 404
    response = client.post(reverse("schedule-time-off-decide", args=[time_off.pk]), {"decision": "approve"})
    assert response.status_code == 404
    assert Shift.objects.filter(pk=shift_b.pk).exists()
    assert TimeOffRequest.objects.get().status == RequestStatus.PENDING
    assert Schedule.objects.filter(team=org.team_b, generation_job__isnull=False).count() == 0


def test_the_menu_has_schedule_and_approvals_for_managers_and_my_schedule_for_agents(org):
    manager_home = text_of(client_for(org.manager_a).get("/"))
    agent_home = text_of(client_for(org.agent_a1.user).get("/"))
    qa_home = text_of(client_for(org.qa).get("/"))

    assert re.findall(r'<a href="(/schedule/[a-z/]*)">', manager_home) == ["/schedule/", "/schedule/approvals/"]
    assert re.findall(r'<a href="(/schedule/[a-z/]*)">', agent_home) == ["/schedule/me/"]
    assert re.findall(r'<a href="(/schedule/[a-z/]*)">', qa_home) == []


def test_signed_out_visitors_are_sent_to_sign_in(db):
    for url in (BOARD, "/schedule/me/", "/schedule/approvals/"):
        response = Client().get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


# --- The board: grid, coverage, report --------------------------------------------------------------------------


def test_the_board_defaults_to_next_week_of_the_first_team(org, plan):
    today = timezone.now().astimezone(ZoneInfo("Asia/Singapore")).date()
    next_monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    year, number, _ = next_monday.isocalendar()

    page = squashed(text_of(client_for(org.manager_a).get(BOARD)))

    assert f'value="{year}-W{number:02d}"' in text_of(client_for(org.manager_a).get(BOARD))
    assert f"Week {number} · {next_monday.day} {next_monday:%b} –" in page


def test_a_malformed_week_is_named_and_next_week_shown(org, plan):
    page = squashed(text_of(client_for(org.manager_a).get(board_url(week="soon"))))

    assert "Week: “soon” is not a week like 2026-W11, so next week is shown." in page


def test_the_grid_shows_each_agents_shifts_in_the_team_zone_with_queue_breaks_and_hours(org, plan):
    shift_with_breaks(org.agent_a1, MONDAY)
    add_shift(org.agent_a2, MONDAY + timedelta(days=6), 22)  # Sunday 22:00 to Monday 06:00

    html = text_of(client_for(org.manager_a).get(board_url()))
    page = squashed(html)

    assert "Week 23 · 3 Jun – 9 Jun 2030" in page
    assert "Alpha · 2 agents · 2 shifts" in page
    assert "Times in Asia/Singapore (UTC+8)" in page
    assert "Draft · not published" in page
    # rows by name: Ann with her Monday and 8 paid hours, Ben with his Sunday night (8 h, ending the next day)
    assert "Ann Alpha 8 h / 30–40 h 09:00–18:00 Alpha chat Break 11:00 Lunch 13:00" in page
    assert "Ben Alpha 8 h / 30–40 h" in page
    assert "22:00–06:00 +1 Alpha chat" in page
    assert "Agents working 1 0 0 0 0 0 1" in page
    # every empty day offers to add a shift for that agent and day
    assert html.count('aria-label="Add a shift for Ann Alpha on') == 6
    assert 'aria-label="Add a shift for Ben Alpha on Mon 3 Jun"' in html
    assert "Export CSV · XLSX" in page


def test_the_export_links_point_at_the_team_week(org, plan):
    add_shift(org.agent_a1, MONDAY, 9)

    page = text_of(client_for(org.manager_a).get(board_url()))

    assert 'href="/api/scheduling/exports/schedule/?team=alpha&amp;week=2030-W23&amp;format=csv"' in page
    assert 'href="/api/scheduling/exports/schedule/?team=alpha&amp;week=2030-W23&amp;format=xlsx"' in page


def test_the_coverage_chart_and_totals_compare_required_and_scheduled_agents_on_queue(org, plan):
    # one agent required 09:00-13:00 on Monday (8 half-hours = 4 agent-hours)
    values = {sgt(MONDAY, 9) + timedelta(minutes=30 * index): 1 for index in range(8)}
    requirement(plan.alpha, values, first=sgt(MONDAY, 0))
    # Ann works 11:00-19:00: 2 hours short in the morning, her lunch is off queue, 5 hours over in the afternoon
    services.shift_create(
        agent=org.agent_a1,
        starts_at=sgt(MONDAY, 11),
        ends_at=sgt(MONDAY, 19),
        activities=[ActivityInput(kind=ActivityKind.LUNCH, starts_at=sgt(MONDAY, 12), ends_at=sgt(MONDAY, 13))],
    )

    html = text_of(client_for(org.manager_a).get(board_url()))
    page = squashed(html)

    assert "Required 4.0 h agent-hours on queue" in page
    assert "Scheduled 7.0 h agent-hours on queue" in page
    assert "Under 3.0 h short of the requirement" in page
    assert "Over 6.0 h above the requirement" in page
    assert 'data-testid="coverage-chart"' in html
    assert 'class="series-scheduled"' in html
    assert 'class="series-required-line"' in html
    assert 'class="series-under"' in html
    assert "<title>Mon 3 Jun, 09:00–09:30 · required 1 · scheduled 0 · short 1</title>" in html
    assert "<title>Mon 3 Jun, 12:00–12:30 · required 1 · scheduled 0 · short 1</title>" in html
    assert "<title>Mon 3 Jun, 14:00–14:30 · required 0 · scheduled 1 · over 1</title>" in html
    assert "No forecast covers the week" not in page


def test_a_week_without_forecast_says_so_under_the_chart(org, plan):
    page = squashed(text_of(client_for(org.manager_a).get(board_url())))

    assert "No forecast covers the week for Alpha chat: its requirement is taken as zero." in page
    assert "Not generated yet" in page
    assert "Not published yet" in page


def test_the_last_generation_report_is_shown_in_words_and_figures(org, plan):
    add_shift(org.agent_a1, MONDAY, 9)
    Schedule.objects.filter(team=org.team_a).update(
        generation_report={
            "status": "FEASIBLE",
            "solve_seconds": 12.345,
            "objective": 1234.5,
            "lower_bound": 1200,
            "gap": 0.0279,
            "required_hours": 420.0,
            "scheduled_hours": 410.5,
            "under_coverage_hours": 3.5,
            "over_coverage_hours": 10.0,
            "shifts": 1,
            "notes": ["Ben Alpha has no availability on Sunday."],
        }
    )

    page = squashed(text_of(client_for(org.manager_a).get(board_url())))

    assert "Last run: Best found in the time limit in 12.3 s · 1 shift · short 3.5 h · gap 2.8 %" in page
    assert "Result FEASIBLE Best found in the time limit" in page
    assert "Solve time 12.3 s" in page
    assert "Under-coverage 3.5 h of 420.0 h required" in page
    assert "Over-coverage 10.0 h" in page
    assert "Cost 1,234.5 · proven lower bound 1,200" in page
    assert "Gap 2.8 % from the best possible" in page
    assert "Ben Alpha has no availability on Sunday." in page


@pytest.mark.parametrize(("who", "expected"), [("manager_a", 18), ("admin", 18)])
def test_the_board_costs_a_fixed_number_of_queries(org, plan, django_assert_num_queries, who, expected):
    # session, user, roles (2), teams, schedule, shifts + activities, agents, coverage (queues, skills, forecast rows,
    # schedule, shifts + activities), versions; the menu's roles
    values = {sgt(MONDAY, 9) + timedelta(minutes=30 * index): 1 for index in range(8)}
    requirement(plan.alpha, values, first=sgt(MONDAY, 0))
    shift_with_breaks(org.agent_a1, MONDAY)
    publish(org.agent_a1, MONDAY)
    client = client_for(getattr(org, who))

    with django_assert_num_queries(expected):
        page = text_of(client.get(board_url()))
    assert page.count('data-testid="shift"') == 1
    more = [AgentFactory(team=org.team_a, manager=org.manager_a) for _ in range(3)]
    for index, agent in enumerate([org.agent_a2, *more]):
        shift_with_breaks(agent, MONDAY + timedelta(days=index))
    services.schedule_publish(schedule=Schedule.objects.get(team=org.team_a), reason="More")
    with django_assert_num_queries(expected):
        page = text_of(client.get(board_url()))
    assert page.count('data-testid="shift"') == 5


# --- Editing shifts: the editor, the live rule check, saving, bad input ------------------------------------------


def post_shift(client, url, **fields):
    return client.post(url, {"team": "alpha", "week": WEEK, **fields})


def test_the_editor_of_a_shift_opens_as_a_fragment_in_the_team_zone(org, plan):
    shift = shift_with_breaks(org.agent_a1, MONDAY)

    html = text_of(client_for(org.manager_a).get(reverse("schedule-shift-edit", args=[shift.pk]), **HTMX))
    page = squashed(html)

    assert html.lstrip().startswith('<section class="shift-drawer"')  # a fragment, not a page
    assert "Ann Alpha's shift Times in Asia/Singapore (UTC+8) · now Mon 3 Jun, 09:00–18:00" in page
    assert 'name="starts_at" value="2030-06-03T09:00"' in html
    assert 'name="ends_at" value="2030-06-03T18:00"' in html
    assert f'<option value="{plan.alpha.pk}" selected>Alpha chat</option>' in html
    assert "Breaks and activities that still fit are kept: Break 11:00, Lunch 13:00." in page
    assert 'hx-post="/schedule/shifts/check/"' in html
    assert f'formaction="/schedule/shifts/{shift.pk}/delete/"' in html


def test_without_htmx_a_shift_link_opens_the_board_with_the_editor(org, plan):
    shift = shift_with_breaks(org.agent_a1, MONDAY)
    client = client_for(org.manager_a)

    response = client.get(reverse("schedule-shift-edit", args=[shift.pk]))
    assert (response.status_code, response["Location"]) == (
        302,
        f"{BOARD}?team=alpha&week={WEEK}&shift={shift.pk}#shift-editor",
    )
    page = squashed(text_of(client.get(board_url(shift=shift.pk))))

    assert "Ann Alpha's shift" in page
    assert "Week 23 · 3 Jun – 9 Jun 2030" in page


def test_the_editor_of_a_new_shift_suggests_the_teams_first_template(org, plan):
    day_template(org.team_a, name="Early", start_hour=7)  # 8 paid hours + 1 unpaid lunch: 07:00-16:00

    html = text_of(
        client_for(org.manager_a).get(
            reverse("schedule-shift-new") + f"?team=alpha&agent={org.agent_a2.pk}&day=2030-06-05", **HTMX
        )
    )

    assert "New shift for Ben Alpha" in html
    assert f'<option value="{org.agent_a2.pk}" selected>Ben Alpha</option>' in html
    assert 'name="starts_at" value="2030-06-05T07:00"' in html
    assert 'name="ends_at" value="2030-06-05T16:00"' in html
    assert "formaction" not in html


def check(client, **fields) -> str:
    return squashed(text_of(client.post(reverse("schedule-shift-check"), {"team": "alpha", **fields}, **HTMX)))


def test_the_live_check_lists_every_rule_the_shift_as_typed_would_break_and_saves_nothing(org, plan):
    shift = shift_with_breaks(org.agent_a1, MONDAY)
    add_shift(org.agent_a1, MONDAY + timedelta(days=1), 9)
    client = client_for(org.manager_a)

    # unchanged: every rule holds (the unpaid lunch does not count towards the weekly hours)
    assert "Every rule holds" in check(
        client, shift=shift.pk, starts_at="2030-06-03T09:00", ends_at="2030-06-03T18:00", queue=plan.alpha.pk
    )
    # ending late leaves too little rest before Tuesday 09:00
    assert check(client, shift=shift.pk, starts_at="2030-06-03T14:00", ends_at="2030-06-03T23:00") == (
        " This shift breaks 1 rule: Ann Alpha needs 11 h of rest before the shift starting Tue 04 Jun 09:00. "
    )
    # a new shift for Ann on Tuesday overlaps the one she has
    assert "Ann Alpha already has a shift Tue 04 Jun 09:00-17:00." in check(
        client, agent=org.agent_a1.pk, starts_at="2030-06-04T12:00", ends_at="2030-06-04T20:00"
    )
    # a queue the team does not staff, and an end before the start
    assert (
        check(client, shift=shift.pk, starts_at="2030-06-03T09:00", ends_at="2030-06-03T18:00", queue=plan.bravo.pk)
        == " This shift breaks 1 rule: Queue: Choose a queue this team staffs. "
    )
    assert check(client, shift=shift.pk, starts_at="2030-06-03T18:00", ends_at="2030-06-03T09:00") == (
        " This shift breaks 1 rule: Ends: The shift ends before it starts. "
    )
    assert "A shift stays in its week" in check(
        client, shift=shift.pk, starts_at="2030-06-10T09:00", ends_at="2030-06-10T18:00"
    )
    assert Shift.objects.get(pk=shift.pk).starts_at == sgt(MONDAY, 9)
    assert Shift.objects.count() == 2


def test_a_manager_moves_a_shift_and_the_board_shows_it(org, plan):
    shift = shift_with_breaks(org.agent_a1, MONDAY)
    client = client_for(org.manager_a)

    response = post_shift(
        client,
        reverse("schedule-shift-edit", args=[shift.pk]),
        starts_at="2030-06-03T10:00",
        ends_at="2030-06-03T19:00",
        queue=plan.alpha.pk,
    )

    assert (response.status_code, response["Location"]) == (302, board_url())
    assert messages_of(response) == ["Shift saved: Ann Alpha, Mon 3 Jun, 10:00–19:00."]
    shift.refresh_from_db()
    assert (shift.starts_at, shift.ends_at) == (sgt(MONDAY, 10), sgt(MONDAY, 19))
    # the break and lunch still fit, so they are kept
    assert sorted(shift.activities.values_list("kind", flat=True)) == ["break", "lunch"]
    assert "10:00–19:00 Alpha chat Break 11:00 Lunch 13:00" in squashed(text_of(client.get(board_url())))


def test_a_manager_adds_and_deletes_a_shift(org, plan):
    client = client_for(org.manager_a)

    response = post_shift(
        client,
        reverse("schedule-shift-new"),
        agent=org.agent_a2.pk,
        starts_at="2030-06-06T22:00",
        ends_at="2030-06-07T06:00",
    )
    assert (response.status_code, messages_of(response)) == (
        302,
        ["Shift added: Ben Alpha, Thu 6 Jun, 22:00–06:00 (+1)."],
    )
    shift = Shift.objects.get()
    assert (shift.agent, shift.starts_at, shift.queue) == (org.agent_a2, sgt(date(2030, 6, 6), 22), plan.alpha)

    response = client.post(reverse("schedule-shift-delete", args=[shift.pk]))
    assert (response.status_code, response["Location"]) == (302, board_url())
    assert messages_of(response)[-1] == "Shift removed: Ben Alpha, Thu 6 Jun, 22:00–06:00 (+1)."
    assert Shift.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"starts_at": "2030-06-03T18:00", "ends_at": "2030-06-03T09:00"},
            "ends_at",
            "The shift ends before it starts.",
        ),
        (
            {"starts_at": "2030-06-03T12:00", "ends_at": "2030-06-03T20:00"},
            "starts_at",
            "Ann Alpha already has a shift Mon 03 Jun 09:00-18:00.",
        ),
        (
            {"starts_at": "3 June", "ends_at": "2030-06-03T20:00"},
            "starts_at",
            "Enter a date and time like 2026-03-09 09:00.",
        ),
        ({"starts_at": "2030-06-03T12:00"}, "ends_at", "This field is required."),
    ],
)
def test_bad_input_for_a_new_shift_is_shown_on_its_field_and_nothing_is_stored(org, plan, fields, field, message):
    shift_with_breaks(org.agent_a1, MONDAY)

    response = post_shift(client_for(org.manager_a), reverse("schedule-shift-new"), agent=org.agent_a1.pk, **fields)

    html = text_of(response, 400)
    assert f'<p class="field-error" id="id_{field}_error">{message}</p>' in html
    assert "New shift for Ann Alpha" in html  # the editor stays open with what was typed
    assert Shift.objects.count() == 1


@pytest.fixture
def london(org):
    """A London team managed by manager_a, with one agent (Eve): DST changes on 31 Mar and 27 Oct 2030."""
    market = MarketFactory(code="uk", name="United Kingdom", timezone="Europe/London", holiday_country="GB")
    team = TeamFactory(name="London", slug="london", market=market, managers=[org.manager_a])
    team_queue(team, "London chat")
    return AgentFactory(user__username="eve", user__first_name="Eve", user__last_name="London", team=team)


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("2030-03-31T01:30", "2030-03-31 01:30 does not exist in Europe/London (the clocks skipped it)."),
        ("2030-10-27T01:30", "2030-10-27 01:30 happened twice in Europe/London; give a UTC offset to say which."),
    ],
)
def test_a_local_time_skipped_or_repeated_by_dst_is_refused_on_its_field(org, london, starts_at, message):
    client = client_for(org.manager_a)
    week = "2030-W13" if starts_at.startswith("2030-03") else "2030-W43"

    response = client.post(
        reverse("schedule-shift-new"),
        {
            "team": "london",
            "week": week,
            "agent": london.pk,
            "starts_at": starts_at,
            "ends_at": starts_at[:11] + "09:00",
        },
    )

    assert f'<p class="field-error" id="id_starts_at_error">{message}</p>' in text_of(response, 400)
    assert Shift.objects.count() == 0
    assert check(client, agent=london.pk, starts_at=starts_at, ends_at=starts_at[:11] + "09:00", team="london") == (
        f" This shift breaks 1 rule: Starts: {message} "
    )


def test_the_london_board_shows_a_dst_week_in_local_time(org, london):
    # Sunday 31 March 2030 has 23 hours in London; 09:00-17:00 BST is 08:00-16:00 UTC
    services.shift_create(
        agent=london,
        starts_at=services.local_instant(date(2030, 3, 31), time(9), london.zone, field="starts_at"),
        ends_at=services.local_instant(date(2030, 3, 31), time(17), london.zone, field="ends_at"),
    )

    page = squashed(text_of(client_for(org.manager_a).get(board_url("london", "2030-W13"))))

    assert "Week 13 · 25 Mar – 31 Mar 2030" in page
    assert "Eve London 8 h / 30–40 h" in page
    assert "09:00–17:00 London chat" in page


# --- Generating and publishing -----------------------------------------------------------------------------------


@pytest.fixture
def generatable(org, plan):
    """Alpha needs one agent on queue 09:00-18:00 on weekdays; a 09:00 and a 13:00 template; Ann and Ben may work
    16-40 hours."""
    values = {}
    for day in range(5):
        for index in range(18):
            values[sgt(MONDAY + timedelta(days=day), 9) + timedelta(minutes=30 * index)] = 1
    requirement(plan.alpha, values, first=sgt(MONDAY, 0))
    day_template(org.team_a)
    day_template(org.team_a, name="Late", start_hour=13)
    for agent in (org.agent_a1, org.agent_a2):
        agent.contracted_hours_min, agent.contracted_hours_max = 16, 40
        agent.save()


def test_generating_shows_the_progress_bar_then_the_board_has_the_shifts_and_the_report(
    org, generatable, django_capture_on_commit_callbacks
):
    client = client_for(org.manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("schedule-generate"), {"team": "alpha", "week": WEEK, "time_limit_seconds": "5"}, **HTMX
        )

    html = text_of(response)
    job = Job.objects.get()
    # the fragment polls the job's progress (the request answered before its commit ran the task here)
    assert 'data-testid="job-progress"' in html
    assert "Generating the week" in html
    progress_url = f"/jobs/{job.pk}/progress/?next=%2Fschedule%2F%3Fteam%3Dalpha%26week%3D2030-W23"
    assert f'hx-get="{progress_url}"' in html
    assert 'hx-trigger="every 1s"' in html
    # the task ran (eagerly) once the request committed; the next poll sends the browser to the board
    job.refresh_from_db()
    assert (job.kind, job.status, job.parameters["time_limit_seconds"]) == ("schedule_generation", "succeeded", 5)
    poll = client.get(progress_url, **HTMX)
    assert poll["HX-Redirect"] == board_url()
    schedule = Schedule.objects.get(team=org.team_a, week_start=MONDAY)
    report = schedule.generation_report
    assert report is not None
    page = squashed(text_of(client.get(board_url())))
    assert page.count("Lunch") == report["shifts"] == Shift.objects.count() > 0
    assert "Result OPTIMAL Optimal" in page
    assert "Under-coverage 0.0 h of 45.0 h required" in page
    assert "Required 45.0 h" in page
    assert "Under 0.0 h" in page
    # a finished job's bar is not shown again on the board
    assert 'data-testid="job-progress"' not in text_of(client.get(board_url()))


def test_a_plain_post_to_generate_returns_to_the_board_showing_the_queued_job(org, generatable):
    client = client_for(org.manager_a)

    response = client.post(reverse("schedule-generate"), {"team": "alpha", "week": WEEK})

    assert (response.status_code, response["Location"]) == (302, board_url())
    job = Job.objects.get()
    assert (job.status, job.parameters["time_limit_seconds"]) == (JobStatus.QUEUED, None)
    page = text_of(client.get(board_url()))
    assert f'hx-get="/jobs/{job.pk}/progress/?next=%2Fschedule%2F%3Fteam%3Dalpha%26week%3D2030-W23"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "Waiting for a worker to pick it up…" in page


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("0", "Give the search at least 1 second."),
        ("601", "Search at most 600 seconds (10 minutes)."),
        ("x", "Enter a whole number of seconds, 1 to 600."),
    ],
)
def test_a_bad_time_limit_is_refused_and_no_job_is_queued(org, generatable, limit, message):
    client = client_for(org.manager_a)

    htmx = client.post(
        reverse("schedule-generate"), {"team": "alpha", "week": WEEK, "time_limit_seconds": limit}, **HTMX
    )
    plain = client.post(reverse("schedule-generate"), {"team": "alpha", "week": WEEK, "time_limit_seconds": limit})

    assert f'<p class="field-error" id="id_time_limit_seconds_error">{message}</p>' in text_of(htmx)
    assert f'<p class="field-error" id="id_time_limit_seconds_error">{message}</p>' in text_of(plain, 400)
    assert Job.objects.count() == 0


def test_a_week_being_generated_cannot_be_generated_again(org, generatable):
    client = client_for(org.manager_a)
    client.post(reverse("schedule-generate"), {"team": "alpha", "week": WEEK})

    response = client.post(reverse("schedule-generate"), {"team": "alpha", "week": WEEK}, **HTMX)

    assert "This week is already being generated; wait for it to finish." in text_of(response)
    assert Job.objects.count() == 1


def test_a_failed_generation_shows_its_reason_on_the_board(org, plan, django_capture_on_commit_callbacks):
    client = client_for(org.manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("schedule-generate"), {"team": "alpha", "week": WEEK})

    page = squashed(text_of(client.get(board_url())))
    assert "Alpha has no active shift templates: add some before generating." in page
    assert Shift.objects.count() == 0


def test_publishing_makes_version_1_and_e_mails_the_agents_with_shifts(org, plan, django_capture_on_commit_callbacks):
    shift_with_breaks(org.agent_a1, MONDAY)
    client = client_for(org.manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("schedule-publish"), {"team": "alpha", "week": WEEK, "reason": "First cut"})

    assert (response.status_code, response["Location"]) == (302, board_url())
    assert messages_of(response) == ["Version 1 of Alpha's week 23 is published; 1 agent notified by e-mail."]
    assert [message.subject for message in mail.outbox] == ["Your shifts for the week of 03 Jun 2030"]
    page = squashed(text_of(client.get(board_url())))
    assert "Published · version 1" in page
    assert "Unpublished changes" not in page
    assert "Version 1 published" in page
    assert "Nothing changed since." in page
    assert "Version 1" in page
    assert "“First cut”" in page


def test_a_change_after_publishing_is_flagged_and_republished_with_a_readable_diff(org, plan):
    shift = shift_with_breaks(org.agent_a1, MONDAY)
    publish(org.agent_a1, MONDAY)
    client = client_for(org.manager_a)
    post_shift(
        client,
        reverse("schedule-shift-edit", args=[shift.pk]),
        starts_at="2030-06-03T10:00",
        ends_at="2030-06-03T19:00",
    )

    page = squashed(text_of(client.get(board_url())))
    assert "Published · version 1 Unpublished changes" in page
    assert "Publish version 2" in page

    response = client.post(reverse("schedule-publish"), {"team": "alpha", "week": WEEK, "reason": "Later start"})
    assert messages_of(response)[-1] == "Version 2 of Alpha's week 23 is published; 1 agent notified by e-mail."
    page = squashed(text_of(client.get(board_url())))
    assert "Published · version 2" in page
    assert "Unpublished changes" not in page
    assert "Version 2" in page
    assert "1 change" in page
    assert (
        "“Later start” Ann Alpha Shift Mon 03 Jun 09:00-18:00 on Alpha chat is now Mon 03 Jun 10:00-19:00 on Alpha chat"
        in page
    )


@pytest.mark.parametrize("with_schedule", [False, True])
def test_publishing_nothing_is_refused_and_stores_nothing(org, plan, with_schedule):
    if with_schedule:
        shift_with_breaks(org.agent_a1, MONDAY)
        publish(org.agent_a1, MONDAY)
    client = client_for(org.manager_a)

    response = client.post(reverse("schedule-publish"), {"team": "alpha", "week": WEEK})

    expected = "Nothing changed since version 1." if with_schedule else "There are no shifts to publish."
    assert expected in squashed(text_of(response, 400))
    assert Schedule.objects.filter(team=org.team_a).count() == (1 if with_schedule else 0)
    assert Schedule.objects.filter(version__gt=1).count() == 0


# --- My schedule -------------------------------------------------------------------------------------------------

ME = "/schedule/me/"


@pytest.mark.parametrize(("who", "board_link"), [("admin", True), ("manager_a", True), ("qa", False)])
def test_people_without_an_agent_profile_get_a_friendly_empty_state(org, who, board_link):
    page = squashed(text_of(client_for(getattr(org, who)).get(ME)))

    assert "You have no shifts to show" in page
    assert ("Open the schedule board" in page) is board_link
    assert client_for(getattr(org, who)).post(reverse("my-calendar-create")).status_code == 404
    assert CalendarFeed.objects.count() == 0


@pytest.fixture
def published_week(org, plan):
    """Ann works Monday 09:00-18:00 (with breaks), Ben Tuesday 09:00-17:00; the week is published."""
    ann = shift_with_breaks(org.agent_a1, MONDAY)
    ben = add_shift(org.agent_a2, MONDAY + timedelta(days=1), 9)
    publish(org.agent_a1, MONDAY)
    return ann, ben


def test_an_agent_sees_what_was_last_published_in_their_own_zone(org, published_week):
    ann_shift, _ = published_week
    org.agent_a1.timezone = "Europe/London"  # BST in June: Singapore 09:00 is London 02:00
    org.agent_a1.save()
    # an edit not published yet is not shown
    services.shift_update(shift=ann_shift, starts_at=sgt(MONDAY, 10), ends_at=sgt(MONDAY, 19))

    html = text_of(client_for(org.agent_a1.user).get(ME))
    page = squashed(html)

    now_abbreviation = "BST" if timezone.now().astimezone(ZoneInfo("Europe/London")).dst() else "GMT"
    assert f"times in Europe/London ({now_abbreviation})" in page
    assert "This week No shifts this week." in page
    assert "Next week No shifts next week." in page
    assert "Later Mon 3 Jun Mon 3 Jun, 02:00–11:00 Alpha chat · 8 h paid Break 04:00 · Lunch 06:00 Shift swaps" in page
    assert html.count('data-testid="my-shift"') == 1  # not Ben's


def test_an_agent_requests_whole_days_off_in_their_own_zone(org, published_week):
    client = client_for(org.agent_a1.user)

    response = client.post(
        reverse("my-time-off-request"),
        {"kind": "vacation", "first_day": "2030-06-03", "last_day": "2030-06-04", "reason": "Family"},
    )

    assert (response.status_code, response["Location"]) == (302, "/schedule/me/#time-off")
    assert messages_of(response) == [
        "Time off requested; your manager decides. It falls on a published shift: your manager will see that."
    ]
    request = TimeOffRequest.objects.get()
    assert (request.starts_at, request.ends_at, request.reason) == (
        sgt(MONDAY, 0),
        sgt(MONDAY + timedelta(days=2), 0),
        "Family",
    )
    assert request.overlaps_published_shift is True
    page = squashed(text_of(client.get(ME)))
    assert "Vacation · Mon 3 Jun – Tue 4 Jun 2030 (whole days) Pending On a published shift Cancel" in page


def test_an_agent_asks_for_part_of_a_day_and_cancels_it(org, plan):
    client = client_for(org.agent_a1.user)

    client.post(
        reverse("my-time-off-request"),
        {"kind": "personal", "first_day": "2030-06-05", "from_time": "13:00", "until_time": "17:00"},
    )
    request = TimeOffRequest.objects.get()
    assert (request.kind, request.starts_at, request.ends_at) == (
        "personal",
        sgt(date(2030, 6, 5), 13),
        sgt(date(2030, 6, 5), 17),
    )
    assert request.overlaps_published_shift is False
    assert "Personal · Wed 5 Jun 2030, 13:00–17:00 Pending" in squashed(text_of(client.get(ME)))

    response = client.post(reverse("my-time-off-cancel", args=[request.pk]))

    assert messages_of(response)[-1] == "Time-off request cancelled."
    assert TimeOffRequest.objects.get().status == RequestStatus.CANCELLED
    # someone else's request is not theirs to cancel
    other = TimeOffRequest.objects.create(agent=org.agent_a2, starts_at=sgt(MONDAY, 0), ends_at=sgt(MONDAY, 12))
    assert client.post(reverse("my-time-off-cancel", args=[other.pk])).status_code == 404
    assert TimeOffRequest.objects.get(pk=other.pk).status == RequestStatus.PENDING


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"first_day": "2030-06-05", "last_day": "2030-06-04"}, "last_day", "The last day is before the first day."),
        (
            {"first_day": "2030-06-05", "from_time": "17:00", "until_time": "13:00"},
            "until_time",
            "The time off ends before it starts.",
        ),
        ({"first_day": ""}, "first_day", "Choose the first day."),
        (
            {"first_day": "2030-06-03"},
            "first_day",
            "It overlaps the pending time off Mon 03 Jun 2030 00:00–12:00 (Asia/Singapore).",
        ),
    ],
)
def test_bad_time_off_is_shown_on_its_field_and_nothing_is_stored(org, plan, fields, field, message):
    TimeOffRequest.objects.create(agent=org.agent_a1, starts_at=sgt(MONDAY, 0), ends_at=sgt(MONDAY, 12))

    response = client_for(org.agent_a1.user).post(reverse("my-time-off-request"), {"kind": "vacation", **fields})

    assert f'<p class="field-error" id="id_{field}_error">{message}</p>' in text_of(response, 400)
    assert TimeOffRequest.objects.count() == 1


def test_time_off_at_a_time_skipped_by_dst_is_refused_on_its_field(org, london):
    response = client_for(london.user).post(
        reverse("my-time-off-request"), {"kind": "personal", "first_day": "2030-03-31", "from_time": "01:30"}
    )

    html = text_of(response, 400)
    assert (
        '<p class="field-error" id="id_from_time_error">2030-03-31 01:30 does not exist in Europe/London'
        " (the clocks skipped it).</p>" in html
    )
    assert TimeOffRequest.objects.count() == 0


def swap_fields(shift, peer, peer_shift=None, message=""):
    return {"shift": shift.pk, "peer": peer.pk, "peer_shift": peer_shift.pk if peer_shift else "", "message": message}


def test_an_agent_proposes_a_trade_and_the_colleague_accepts_it(org, published_week):
    ann_shift, ben_shift = published_week
    ann, ben = client_for(org.agent_a1.user), client_for(org.agent_a2.user)
    form = text_of(ann.get(ME))
    assert f'<option value="{ann_shift.pk}">Mon 3 Jun, 09:00–18:00 · Alpha chat</option>' in form
    assert '<optgroup label="Ben Alpha">' in form
    assert f'<option value="{ben_shift.pk}">Tue 4 Jun, 09:00–17:00 · Alpha chat</option>' in form

    response = ann.post(
        reverse("my-swap-propose"), swap_fields(ann_shift, org.agent_a2, ben_shift, "Dentist on Monday")
    )

    assert (response.status_code, messages_of(response)) == (
        302,
        ["Swap proposed to Ben Alpha; they accept or refuse it."],
    )
    swap = ShiftSwap.objects.get()
    assert (swap.shift, swap.peer, swap.peer_shift, swap.status) == (
        ann_shift,
        org.agent_a2,
        ben_shift,
        SwapStatus.PROPOSED,
    )
    assert (
        "You offer Mon 3 Jun, 09:00–18:00 · Alpha chat to Ben Alpha "
        "For Ben Alpha's Tue 4 Jun, 09:00–17:00 · Alpha chat Waiting for the colleague Withdraw"
        in squashed(text_of(ann.get(ME)))
    )
    ben_page = squashed(text_of(ben.get(ME)))
    assert (
        "Offered to you Ann Alpha offers you Mon 3 Jun, 09:00–18:00 · Alpha chat In exchange for your Tue 4 Jun, "
        "09:00–17:00 · Alpha chat “Dentist on Monday” Accept Refuse" in ben_page
    )

    response = ben.post(reverse("my-swap-accept", args=[swap.pk]))

    assert messages_of(response)[-1] == "Swap accepted; a manager now approves it."
    assert ShiftSwap.objects.get().status == SwapStatus.ACCEPTED
    assert "Ann Alpha gives you Mon 3 Jun, 09:00–18:00 · Alpha chat" in squashed(text_of(ben.get(ME)))


def test_a_colleague_refuses_and_a_requester_withdraws(org, published_week):
    ann_shift, ben_shift = published_week
    ann, ben = client_for(org.agent_a1.user), client_for(org.agent_a2.user)
    ann.post(reverse("my-swap-propose"), swap_fields(ann_shift, org.agent_a2))
    first = ShiftSwap.objects.get()

    # only the colleague answers, only the requester withdraws
    assert ann.post(reverse("my-swap-accept", args=[first.pk])).status_code == 404
    assert ben.post(reverse("my-swap-cancel", args=[first.pk])).status_code == 404
    ben.post(reverse("my-swap-refuse", args=[first.pk]))
    assert ShiftSwap.objects.get(pk=first.pk).status == SwapStatus.REFUSED

    ann.post(reverse("my-swap-propose"), swap_fields(ann_shift, org.agent_a2))
    second = ShiftSwap.objects.latest("pk")
    response = ann.post(reverse("my-swap-cancel", args=[second.pk]))
    assert messages_of(response)[-1] == "Swap withdrawn."
    assert ShiftSwap.objects.get(pk=second.pk).status == SwapStatus.CANCELLED


def test_a_swap_with_a_shift_of_someone_else_or_of_another_agent_is_refused(org, published_week):
    ann_shift, ben_shift = published_week
    cid = AgentFactory(user__username="cid", user__first_name="Cid", user__last_name="Alpha", team=org.team_a)
    cid_shift = add_shift(cid, MONDAY + timedelta(days=2), 9)
    publish(org.agent_a1, MONDAY)
    ann = client_for(org.agent_a1.user)

    wrong_peer = ann.post(reverse("my-swap-propose"), swap_fields(ann_shift, org.agent_a2, cid_shift))
    not_mine = ann.post(reverse("my-swap-propose"), swap_fields(ben_shift, org.agent_a2))
    other_team = ann.post(reverse("my-swap-propose"), swap_fields(ann_shift, org.agent_b1))

    assert '<p class="field-error" id="id_peer_shift_error">This shift is not Ben Alpha&#x27;s.</p>' in text_of(
        wrong_peer, 400
    )
    assert '<p class="field-error" id="id_shift_error">Choose one of your shifts.</p>' in text_of(not_mine, 400)
    assert '<p class="field-error" id="id_peer_error">Choose a colleague of your team.</p>' in text_of(other_team, 400)
    assert ShiftSwap.objects.count() == 0


def test_an_agent_creates_and_revokes_their_calendar_link(org, published_week):
    client = client_for(org.agent_a1.user)
    assert "Create calendar link" in squashed(text_of(client.get(ME)))

    response = client.post(reverse("my-calendar-create"))

    assert (response.status_code, response["Location"]) == (302, "/schedule/me/#calendar")
    feed = CalendarFeed.objects.get()
    assert (feed.owner, feed.agent, feed.revoked_at) == (org.agent_a1.user, org.agent_a1, None)
    html = text_of(client.get(ME))
    assert f'value="http://testserver/calendar/{feed.token}.ics"' in html
    assert f'href="webcal://testserver/calendar/{feed.token}.ics"' in html
    feed_response = Client().get(f"/calendar/{feed.token}.ics")
    assert (feed_response.status_code, feed_response["Content-Type"]) == (200, "text/calendar; charset=utf-8")

    response = client.post(reverse("my-calendar-revoke", args=[feed.pk]))

    assert messages_of(response)[-1] == "Calendar link revoked: calendar apps can no longer read it."
    assert CalendarFeed.objects.get().revoked_at is not None
    assert Client().get(f"/calendar/{feed.token}.ics").status_code == 404
    assert "Create calendar link" in squashed(text_of(client.get(ME)))
    # another person's link is not theirs to revoke
    other = services.calendar_feed_create(owner=org.agent_a2.user, agent=org.agent_a2)
    assert client.post(reverse("my-calendar-revoke", args=[other.pk])).status_code == 404


def test_my_schedule_costs_a_fixed_number_of_queries(org, published_week, django_assert_num_queries):
    ann_shift, ben_shift = published_week
    services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)
    client = client_for(org.agent_a1.user)
    # session, user, roles, agent, published versions, swaps offered to me, my swaps, their shifts as published,
    # time off, my feed; the swap form: shifts in open swaps, the team's published versions, my shift candidates,
    # their snapshots, my swappable shifts, their published versions, my teammates
    expected = 17

    with django_assert_num_queries(expected - 1):  # no swap yet: none of their shifts to look up as published
        page = text_of(client.get(ME))
    assert page.count('data-testid="my-shift"') == 1
    for index in range(2, 5):
        shift = add_shift(org.agent_a1, MONDAY + timedelta(days=index), 9)
        TimeOffRequest.objects.create(
            agent=org.agent_a1,
            starts_at=sgt(MONDAY, 0) + timedelta(days=20 + index),
            ends_at=sgt(MONDAY, 0) + timedelta(days=21 + index),
        )
    publish(org.agent_a1, MONDAY)
    services.swap_propose(requester_user=org.agent_a1.user, shift=shift, peer=org.agent_a2)
    services.swap_propose(requester_user=org.agent_a2.user, shift=ben_shift, peer=org.agent_a1)
    with django_assert_num_queries(expected):
        page = text_of(client.get(ME))
    assert page.count('data-testid="my-shift"') == 4
    assert page.count('data-testid="my-time-off"') == 3
    assert page.count('data-testid="swap-offer"') == 1
    assert page.count('data-testid="my-swap"') == 1


# --- Approvals ---------------------------------------------------------------------------------------------------

INBOX = "/schedule/approvals/"


@pytest.fixture
def requests(org, published_week):
    """Ann asks for Monday off (on her published shift), Cat (team B) for a Friday; Ann offers Ben her Monday for
    his Tuesday and Ben accepted."""
    ann_shift, ben_shift = published_week
    ann_off = services.time_off_request(
        agent=org.agent_a1, starts_at=sgt(MONDAY, 0), ends_at=sgt(MONDAY + timedelta(days=1), 0), user=org.agent_a1.user
    )
    cat_off = services.time_off_request(
        agent=org.agent_b1,
        starts_at=sgt(date(2030, 6, 7), 13),
        ends_at=sgt(date(2030, 6, 7), 17),
        user=org.agent_b1.user,
        kind="personal",
        reason="School play",
    )
    swap = services.swap_propose(
        requester_user=org.agent_a1.user, shift=ann_shift, peer=org.agent_a2, peer_shift=ben_shift
    )
    services.swap_accept(swap=swap, user=org.agent_a2.user)
    return ann_off, cat_off, swap


@pytest.mark.parametrize(
    ("who", "time_off", "swaps"),
    [
        ("manager_a", ["Ann Alpha"], ["Ann Alpha"]),
        ("manager_b", ["Cat Bravo"], []),
        ("admin", ["Ann Alpha", "Cat Bravo"], ["Ann Alpha"]),
    ],
)
def test_a_manager_sees_the_requests_of_their_teams_and_an_admin_all(org, requests, who, time_off, swaps):
    html = text_of(client_for(getattr(org, who)).get(INBOX))

    assert re.findall(r'data-testid="time-off-request".*?<strong>([^<]+)</strong>', html, re.S) == time_off
    assert re.findall(r'data-testid="swap-request".*?<strong>([^<]+)</strong>', html, re.S) == swaps
    # team names are only worth showing when the inbox spans teams
    assert ("· Bravo" in squashed(html)) is (who == "admin")


def test_the_inbox_flags_time_off_on_a_published_shift_and_describes_the_swap(org, requests):
    page = squashed(text_of(client_for(org.manager_a).get(INBOX)))

    assert "Time off 1" in page
    assert (
        "Ann Alpha · Vacation Mon 3 Jun 2030 (whole day) Asia/Singapore Overlaps a published shift "
        "Mon 3 Jun, 09:00–18:00 · Alpha chat · published" in page
    )
    assert "Shift swaps 1" in page
    assert (
        "Ann Alpha ⇄ Ben Alpha Ann Alpha's Mon 3 Jun, 09:00–18:00 · Alpha chat for Ben Alpha's Tue 4 Jun, "
        "09:00–17:00 · Alpha chat" in page
    )


def test_a_manager_approves_time_off_with_a_note_and_is_told_about_the_shift_in_it(org, requests):
    ann_off, _, _ = requests
    client = client_for(org.manager_a)

    response = client.post(
        reverse("schedule-time-off-decide", args=[ann_off.pk]), {"decision": "approve", "note": "Enjoy"}
    )

    assert (response.status_code, response["Location"]) == (302, INBOX)
    assert messages_of(response) == [
        "Time off approved for Ann Alpha. Ann Alpha still has 1 shift in that time: move or remove it on the board."
    ]
    ann_off.refresh_from_db()
    assert (ann_off.status, ann_off.decided_by, ann_off.decision_note) == (
        RequestStatus.APPROVED,
        org.manager_a,
        "Enjoy",
    )
    assert "Time off 0" in squashed(text_of(client.get(INBOX)))


def test_a_manager_declines_time_off(org, requests):
    _, cat_off, _ = requests

    response = client_for(org.manager_b).post(
        reverse("schedule-time-off-decide", args=[cat_off.pk]), {"decision": "decline"}
    )

    assert messages_of(response) == ["Time off declined for Cat Bravo."]
    assert TimeOffRequest.objects.get(pk=cat_off.pk).status == RequestStatus.DECLINED


def test_a_decision_already_taken_or_unknown_is_shown_and_changes_nothing(org, requests):
    ann_off, _, swap = requests
    client = client_for(org.manager_a)
    services.time_off_decline(request=ann_off, user=org.admin)

    unknown = client.post(reverse("schedule-time-off-decide", args=[ann_off.pk]), {"decision": "maybe"})
    taken = client.post(reverse("schedule-time-off-decide", args=[ann_off.pk]), {"decision": "approve"})
    wrong = client.post(reverse("schedule-swap-decide", args=[swap.pk]), {"decision": "decline"})

    assert "Approve or decline." in text_of(unknown, 400)
    assert "This request is already declined." in text_of(taken, 400)
    assert "Approve or reject." in text_of(wrong, 400)
    assert TimeOffRequest.objects.get(pk=ann_off.pk).status == RequestStatus.DECLINED
    assert ShiftSwap.objects.get().status == SwapStatus.ACCEPTED


def test_a_manager_approves_a_swap_and_the_shifts_change_hands_in_a_new_version(org, requests):
    _, _, swap = requests
    ann_shift, ben_shift = swap.shift, swap.peer_shift

    response = client_for(org.manager_a).post(reverse("schedule-swap-decide", args=[swap.pk]), {"decision": "approve"})

    assert messages_of(response) == [
        "Swap between Ann Alpha and Ben Alpha approved; the schedule is updated and both are e-mailed."
    ]
    assert ShiftSwap.objects.get().status == SwapStatus.APPROVED
    assert Shift.objects.get(pk=ann_shift.pk).agent == org.agent_a2
    assert Shift.objects.get(pk=ben_shift.pk).agent == org.agent_a1
    assert Schedule.objects.get(team=org.team_a).version == 2


def test_a_swap_that_breaks_a_rule_is_not_approved_and_nothing_changes(org, requests):
    _, _, swap = requests
    # Ben may now work at most 6 hours a week: taking Ann's Monday (8 paid hours) for his Tuesday breaks that
    org.agent_a2.contracted_hours_min, org.agent_a2.contracted_hours_max = 0, 6
    org.agent_a2.save()
    client = client_for(org.manager_a)

    response = client.post(reverse("schedule-swap-decide", args=[swap.pk]), {"decision": "approve"})

    page = squashed(text_of(response, 400))
    assert "Ben Alpha would work 8 h in the week of 03 Jun, above the contracted 6 h." in page
    assert ShiftSwap.objects.get().status == SwapStatus.ACCEPTED
    assert Shift.objects.get(pk=swap.shift_id).agent == org.agent_a1
    assert Schedule.objects.get(team=org.team_a).version == 1

    response = client.post(reverse("schedule-swap-decide", args=[swap.pk]), {"decision": "reject", "note": "Hours"})
    assert messages_of(response) == ["Swap between Ann Alpha and Ben Alpha rejected."]
    assert (ShiftSwap.objects.get().status, ShiftSwap.objects.get().decision_note) == (SwapStatus.REJECTED, "Hours")


def test_an_empty_inbox_says_so(org, plan):
    assert "Nothing waits for you" in squashed(text_of(client_for(org.manager_a).get(INBOX)))


def test_the_inbox_costs_a_fixed_number_of_queries(org, requests, django_assert_num_queries):
    client = client_for(org.admin)
    # session, user, roles, pending time off, the shifts they overlap and the published versions of their
    # schedules, accepted swaps, the agents' teams
    expected = 8

    with django_assert_num_queries(expected):
        page = text_of(client.get(INBOX))
    assert (page.count('data-testid="time-off-request"'), page.count('data-testid="swap-request"')) == (2, 1)
    for index, agent in enumerate([org.agent_a2, org.agent_b2]):
        services.time_off_request(
            agent=agent,
            starts_at=sgt(MONDAY, 0) + timedelta(days=10 + index),
            ends_at=sgt(MONDAY, 0) + timedelta(days=11 + index),
            user=agent.user,
        )
    with django_assert_num_queries(expected):
        page = text_of(client.get(INBOX))
    assert page.count('data-testid="time-off-request"') == 4
