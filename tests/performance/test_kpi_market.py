"""The market KPI view: admins only, the market's KPIs and its teams side by side with exact values, fixed queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from performance import kpis
from scheduling.models import AdherenceDay
from tests.access import api_client_for
from tests.factories import AgentFactory, ConversationFactory, MarketFactory, QueueFactory, TeamFactory
from tests.performance.queries import PERCENTILE_QUERIES


def _this_week(org):
    zone = org.team_a.zone
    return kpis.weeks_period(weeks=1, today=timezone.now().astimezone(zone).date(), zone=zone)


def _conversation(agent, queue, week, *, minute: int, response: int, csat: int | None, reopened: int = 0, tags=()):
    created = week.start.astimezone(UTC) + timedelta(minutes=minute)
    return ConversationFactory(
        agent=agent, queue=queue, created_at=created, first_response_at=created + timedelta(seconds=response),
        resolved_at=created + timedelta(minutes=10), handle_time_seconds=100 * (minute + 1), csat_score=csat,
        reopen_count=reopened, tags=list(tags),
    )  # fmt: skip


@pytest.fixture
def market_week(org):
    """This week in the Singapore market: Alpha three conversations, Bravo one, on a 60-second chat queue; Alpha's
    agents recorded 6 of 8 and 8 of 8 hours adherent on the first day."""
    week = _this_week(org)
    queue = QueueFactory(name="SG chat", service_level_seconds=60)
    _conversation(org.agent_a1, queue, week, minute=0, response=30, csat=5, tags=["refund"])
    _conversation(org.agent_a1, queue, week, minute=1, response=90, csat=2, reopened=1, tags=["refund", "card"])
    _conversation(org.agent_a2, queue, week, minute=2, response=45, csat=None)
    _conversation(org.agent_b1, queue, week, minute=3, response=20, csat=4, tags=["login"])
    for agent, adherent in ((org.agent_a1, 360), (org.agent_a2, 480)):
        AdherenceDay.objects.create(
            agent=agent, date=week.first_day, day_starts_at=week.start, scheduled_minutes=480,
            adherent_minutes=adherent, present_minutes=adherent,
        )  # fmt: skip
    return week


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("manager_a", 403), ("qa", 403), ("agent", 403)])
def test_the_market_view_is_for_admins_only(org, client, who, status):
    # given
    client.force_login(org.agent_a1.user if who == "agent" else getattr(org, who))
    # when
    response = client.get(reverse("kpi-market"))
    # then
    assert response.status_code == status
    if status == 403:
        assert "The market view is for admins" in response.content.decode()
        assert "board" not in response.context


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("kpi-market"))
    assert (response.status_code, response.url) == (302, "/login/?next=/kpis/market/")


def test_the_market_view_shows_the_markets_kpis_and_its_teams_side_by_side(org, client, market_week):
    # given
    client.force_login(org.admin)
    # when
    response = client.get(reverse("kpi-market"), {"market": "sg", "weeks": "4"})
    # then: four contacts, first responses 20, 30, 45, 90 s (median 30, p90 90), three of four within 60 s
    board = response.context["board"]
    assert (board.market, board.current.contacts, board.previous.contacts) == (org.market, 4, 0)
    headlines = {item.label: item.shown for item in response.context["headlines"]}
    assert headlines["Contacts"] == "4"
    assert headlines["First response (median)"] == "30 s"
    assert headlines["First response (p90)"] == "90 s"
    assert headlines["CSAT (4-5)"] == "66.7%"
    assert headlines["Adherence"] == "87.5%"
    assert [
        (row.team.slug, row.contacts, row.aht_seconds, row.fcr_percent, row.csat_percent, row.service_level_percent,
         row.adherence_percent)
        for row in board.teams
    ] == [
        ("alpha", 3, 200.0, 66.67, 50.0, 66.67, 87.5),
        ("bravo", 1, 400.0, 100.0, 100.0, 100.0, None),
    ]  # fmt: skip
    assert [(row.name, row.contacts, row.met) for row in board.queues] == [("SG chat", 4, 3)]
    assert [(driver.tag, driver.contacts) for driver in board.drivers] == [("refund", 2), ("card", 1), ("login", 1)]
    assert len(board.weeks) == 4
    page = response.content.decode()
    assert f'href="{reverse("kpi-dashboard")}?team=alpha&amp;weeks=4"' in page
    assert page.count('data-testid="team-row"') == 2


def test_another_markets_teams_are_not_in_the_view(org, client, market_week):
    # given: a team in another market with a conversation this week
    other = MarketFactory(code="uk", name="United Kingdom", timezone="Europe/London")
    team = TeamFactory(name="London", slug="london", market=other)
    _conversation(AgentFactory(team=team), QueueFactory(name="UK chat"), market_week, minute=5, response=10, csat=5)
    client.force_login(org.admin)
    # when
    singapore = client.get(reverse("kpi-market"), {"market": "sg"})
    london = client.get(reverse("kpi-market"), {"market": "uk"})
    # then
    assert [row.team.slug for row in singapore.context["board"].teams] == ["alpha", "bravo"]
    assert singapore.context["board"].current.contacts == 4
    assert [row.team.slug for row in london.context["board"].teams] == ["london"]
    assert london.context["board"].current.contacts == 1


def test_unknown_market_and_period_fall_back_to_the_first_market_and_twelve_weeks(org, client):
    # given
    client.force_login(org.admin)
    # when
    response = client.get(reverse("kpi-market"), {"market": "nowhere", "weeks": "abc"})
    # then
    assert response.status_code == 200
    assert (response.context["market"], response.context["weeks"]) == (org.market, 12)
    assert len(response.context["board"].weeks) == 12


def test_without_any_market_the_view_says_so(db, client, django_user_model):
    # given
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    # when
    response = client.get(reverse("kpi-market"))
    # then
    assert response.status_code == 200
    assert "No market yet" in response.content.decode()


def test_the_team_dashboard_links_admins_to_the_market_view(org, client):
    # given
    client.force_login(org.admin)
    # when
    admin_page = client.get(reverse("kpi-dashboard"), {"market": "sg", "weeks": "4"}).content.decode()
    client.force_login(org.manager_a)
    manager_page = client.get(reverse("kpi-dashboard")).content.decode()
    # then
    assert f'href="{reverse("kpi-market")}?market=sg&amp;weeks=4"' in admin_page
    assert 'data-testid="market-view"' not in manager_page


def test_the_market_view_costs_the_same_queries_with_more_teams_and_data(
    org, client, market_week, django_assert_num_queries
):
    # given
    client.force_login(org.admin)
    client.get(reverse("kpi-market"), {"market": "sg"})
    expected = 24 + PERCENTILE_QUERIES
    with django_assert_num_queries(expected):
        client.get(reverse("kpi-market"), {"market": "sg"})
    queue = QueueFactory(name="More chat", service_level_seconds=30)
    for index in range(3):
        team = TeamFactory(name=f"Extra {index}", slug=f"extra-{index}", market=org.market)
        agent = AgentFactory(team=team)
        _conversation(agent, queue, market_week, minute=10 + index, response=5, csat=5, tags=[f"tag{index}"])
    # when / then
    with django_assert_num_queries(expected):
        response = client.get(reverse("kpi-market"), {"market": "sg"})
    assert len(response.context["board"].teams) == 5
    assert response.context["board"].current.contacts == 7


# --- API: GET /api/performance/kpis/teams/ --------------------------------------------------------------------------

TEAMS_API = "/api/performance/kpis/teams/"


def _days(week):
    return {"start": week.first_day.isoformat(), "end": week.last_day.isoformat()}


def test_the_teams_api_lists_each_team_side_by_side_for_admins(org, market_week):
    # when
    response = api_client_for(org.admin).get(TEAMS_API, {"market": "sg", **_days(market_week)})
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["market"], body["time_zone"], body["start"]) == (
        "sg",
        "Asia/Singapore",
        market_week.first_day.isoformat(),
    )
    assert body["teams"] == [
        {
            "team": "alpha", "name": "Alpha", "market": "sg", "contacts": 3, "aht_seconds": 200.0, "fcr_percent": 66.67,
            "csat_percent": 50.0, "service_level_percent": 66.67, "iqs": None, "reviews": 0, "adherence_percent": 87.5,
        },
        {
            "team": "bravo", "name": "Bravo", "market": "sg", "contacts": 1, "aht_seconds": 400.0, "fcr_percent": 100.0,
            "csat_percent": 100.0, "service_level_percent": 100.0, "iqs": None, "reviews": 0, "adherence_percent": None,
        },
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "status", "teams"),
    [("admin", 200, ["alpha", "bravo"]), ("manager_a", 200, ["alpha"]), ("manager_b", 200, ["bravo"]),
     ("qa", 403, None), ("agent", 403, None)],
)  # fmt: skip
def test_the_teams_api_shows_each_role_only_its_teams(org, market_week, who, status, teams):
    # given
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    # when
    response = api_client_for(user).get(TEAMS_API, _days(market_week))
    # then
    assert response.status_code == status
    if teams is None:
        assert response.json() == {"detail": "Team KPIs are for managers and admins."}
    else:
        assert [row["team"] for row in response.json()["teams"]] == teams
        assert response.json()["time_zone"] == "UTC"


def test_the_teams_api_refuses_signed_out_callers(db):
    assert api_client_for(None).get(TEAMS_API).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"market": "nowhere"}, {"market": ["No market 'nowhere'."]}),
        ({"start": "2026-13-01"}, {"start": ["Write the date as YYYY-MM-DD (got '2026-13-01')."]}),
        ({"start": "2026-03-10", "end": "2026-03-01"}, {"end": ["The end comes before the start."]}),
        ({"start": "2024-01-01", "end": "2026-01-01"}, {"end": ["Ask for at most 366 days."]}),
    ],
)
def test_the_teams_api_names_the_bad_parameter(org, params, errors):
    # when
    response = api_client_for(org.admin).get(TEAMS_API, params)
    # then
    assert (response.status_code, response.json()) == (400, errors)


def test_the_teams_api_costs_the_same_queries_with_more_teams(org, market_week, django_assert_num_queries):
    # given
    client = api_client_for(org.admin)
    params = {"market": "sg", **_days(market_week)}
    client.get(TEAMS_API, params)
    with django_assert_num_queries(8):
        client.get(TEAMS_API, params)
    for index in range(3):
        agent = AgentFactory(team=TeamFactory(name=f"Extra {index}", slug=f"extra-{index}", market=org.market))
        _conversation(agent, QueueFactory(name=f"Queue {index}"), market_week, minute=20 + index, response=5, csat=5)
    # when / then
    with django_assert_num_queries(8):
        response = client.get(TEAMS_API, params)
    assert [row["contacts"] for row in response.json()["teams"]] == [3, 1, 1, 1, 1]


# --- drill-down and exports of a whole market -----------------------------------------------------------------------


def test_the_market_views_bars_open_the_markets_conversations(org, client, market_week):
    # given
    client.force_login(org.admin)
    page = client.get(reverse("kpi-market"), {"market": "sg", "weeks": "4"})
    refund = next(item for item in page.context["drivers"] if item["driver"].tag == "refund")
    queue = page.context["queues"][0]
    # when
    by_tag = client.get(refund["url"])
    by_queue = client.get(queue["url"])
    backlog = client.get(page.context["backlog_url"])
    # then: the refund tag is a1's two conversations; the queue has all four, Bravo's included; none is open
    assert refund["url"].startswith(f"{reverse('kpi-conversations')}?market=sg&start=")
    assert [(row.agent.user.username, row.tags) for row in by_tag.context["rows"]] == [
        ("agent_a1", ["refund", "card"]),
        ("agent_a1", ["refund"]),
    ]
    assert sorted(row.agent.user.username for row in by_queue.context["rows"]) == [
        "agent_a1", "agent_a1", "agent_a2", "agent_b1",
    ]  # fmt: skip
    assert backlog.context["rows"] == []
    text = by_tag.content.decode()
    assert "Conversations · Singapore" in text
    assert 'href="/kpis/market/?market=sg"' in text
    # times in the market's zone: a1's newest refund conversation began at 00:01 on the week's first day
    first = market_week.first_day
    assert f'{first.day} {first:%b}, 00:01 <span class="tz">UTC+8</span>' in text


@pytest.mark.parametrize("route", ["kpi-conversations", "kpi-export-csv", "kpi-export-xlsx"])
def test_only_admins_drill_into_or_export_a_whole_market(org, client, market_week, route):
    # given
    client.force_login(org.manager_a)
    # when
    response = client.get(reverse(route), {"market": "sg"})
    # then
    assert response.status_code == 403
    assert "The KPI dashboard is for managers and admins" in response.content.decode()


def test_a_markets_weekly_table_exports_as_csv_and_excel(org, client, market_week):
    # given
    client.force_login(org.admin)
    # when
    as_csv = client.get(reverse("kpi-export-csv"), {"market": "sg", "weeks": "4"})
    as_xlsx = client.get(reverse("kpi-export-xlsx"), {"market": "sg", "weeks": "4"})
    unknown = client.get(reverse("kpi-export-csv"), {"market": "nowhere"})
    # then: the last week holds the four conversations, three of them within the 60 s target
    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert as_csv["Content-Disposition"] == 'attachment; filename="kpis-market-sg-4w.csv"'
    assert len(rows) == 5
    assert rows[4][1] == "4"
    assert rows[4][6] == "75.0"
    assert rows[4][9] == "87.5"
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert as_xlsx["Content-Disposition"] == 'attachment; filename="kpis-market-sg-4w.xlsx"'
    assert [row[1] for row in sheet.iter_rows(values_only=True)][1:] == [0, 0, 0, 4]
    assert unknown.status_code == 403
