"""The KPI dashboard, its drill-down and exports, and the KPI API: role access, bad parameters, exact contents."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from performance import kpis
from tests.access import api_client_for
from tests.factories import ConversationFactory, QueueFactory
from tests.performance.queries import PERCENTILE_QUERIES

API = "/api/performance/kpis/"


def _recent(org, *, count: int, tag: str = "billing"):
    """``count`` conversations of agent_a1 created this week (Singapore), answered in 30 s, CSAT 5."""
    queue = QueueFactory(name=f"Chat {tag}", service_level_seconds=60)
    monday = kpis.weeks_period(weeks=1, today=timezone.now().astimezone(org.team_a.zone).date(), zone=org.team_a.zone)
    for index in range(count):
        created = monday.start.astimezone(UTC) + timedelta(minutes=index)
        ConversationFactory(
            agent=org.agent_a1, queue=queue, created_at=created, first_response_at=created + timedelta(seconds=30),
            resolved_at=created + timedelta(minutes=5), handle_time_seconds=300, tags=[tag],
        )  # fmt: skip
    return queue


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 200), ("manager_a", 200), ("manager_b", 200), ("qa", 403), ("agent", 403)]
)
def test_dashboard_access_per_role(org, client, who, status):
    # given
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    client.force_login(user)
    # when
    response = client.get(reverse("kpi-dashboard"))
    # then
    assert response.status_code == status
    if status == 403:
        assert "The KPI dashboard is for managers and admins" in response.content.decode()


def test_dashboard_shows_only_managed_teams_to_a_manager(org, client):
    # given
    client.force_login(org.manager_a)
    # when: asking for the other manager's team falls back to their own
    response = client.get(reverse("kpi-dashboard"), {"team": "bravo"})
    # then
    assert [team.slug for team in response.context["selection"].teams] == ["alpha"]
    assert response.context["team"] == org.team_a


def test_admin_sees_every_team_and_filters_by_market(org, client):
    # given
    client.force_login(org.admin)
    # when
    every = client.get(reverse("kpi-dashboard"), {"team": "bravo"})
    other_market = client.get(reverse("kpi-dashboard"), {"market": "nowhere-but-ignored"})
    in_market = client.get(reverse("kpi-dashboard"), {"market": "sg", "team": "bravo"})
    # then
    assert [team.slug for team in every.context["selection"].teams] == ["alpha", "bravo"]
    assert every.context["team"] == org.team_b
    assert other_market.context["selection"].market is None
    assert in_market.context["selection"].market == org.market


def test_dashboard_shows_this_weeks_numbers_and_drill_links(org, client):
    # given
    queue = _recent(org, count=3)
    client.force_login(org.manager_a)
    # when
    response = client.get(reverse("kpi-dashboard"), {"team": "alpha", "weeks": "4"})
    # then
    board = response.context["board"]
    assert (board.current.contacts, board.previous.contacts) == (3, 0)
    headlines = {item.label: (item.shown, item.change_shown) for item in response.context["headlines"]}
    assert headlines["Contacts"] == ("3", "+3")
    assert headlines["AHT"] == ("5.0 min", "")
    assert headlines["First response (median)"] == ("30 s", "")
    assert headlines["CSAT (4-5)"] == ("100.0%", "")
    assert "+3 vs previous 4 weeks" in response.content.decode()
    assert [(item["driver"].tag, item["driver"].contacts) for item in response.context["drivers"]][0] == ("billing", 3)
    queue_item = next(item for item in response.context["queues"] if item["row"].queue_id == queue.pk)
    assert (queue_item["row"].contacts, queue_item["row"].attainment_percent) == (3, 100.0)
    assert f"queue={queue.pk}" in queue_item["url"]
    assert len(board.weeks) == 4
    assert 'data-testid="driver-bar"' in response.content.decode()


def test_dashboard_query_count_does_not_grow(org, client, django_assert_num_queries):
    # given
    _recent(org, count=2)
    client.force_login(org.manager_a)
    url = reverse("kpi-dashboard") + "?team=alpha&weeks=12"
    client.get(url)
    with django_assert_num_queries(21 + PERCENTILE_QUERIES):
        client.get(url)
    _recent(org, count=30, tag="refund")
    # when / then: session and user, roles, teams, the team's agents and the dashboard's selectors
    with django_assert_num_queries(21 + PERCENTILE_QUERIES):
        client.get(url)


def test_drill_down_lists_the_tagged_conversations(org, client):
    # given
    _recent(org, count=2, tag="refund")
    _recent(org, count=1, tag="login")
    client.force_login(org.manager_a)
    period = kpis.weeks_period(weeks=1, today=timezone.now().astimezone(org.team_a.zone).date(), zone=org.team_a.zone)
    # when
    response = client.get(
        reverse("kpi-conversations"),
        {"team": "alpha", "tag": "refund", "start": period.first_day, "end": period.last_day},
    )
    # then
    assert len(response.context["rows"]) == 2
    assert all(row.tags == ["refund"] for row in response.context["rows"])
    assert "tag “refund”" in response.content.decode()


def test_drill_down_is_refused_to_agents(org, client):
    # given
    client.force_login(org.agent_a1.user)
    # when
    response = client.get(reverse("kpi-conversations"), {"team": "alpha", "tag": "billing"})
    # then
    assert response.status_code == 403


def test_csv_export_has_one_row_per_week(org, client):
    # given
    _recent(org, count=2)
    client.force_login(org.manager_a)
    # when
    response = client.get(reverse("kpi-export-csv"), {"team": "alpha", "weeks": "4"})
    # then
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kpis-alpha-4w.csv"'
    assert rows[0] == ["Week", "Contacts", "AHT (s)", "FCR (%)", "CSAT (% 4-5)", "CSAT mean", "Service level (%)",
                       "IQS (%)", "Reviews", "Adherence (%)"]  # fmt: skip
    assert len(rows) == 5
    assert rows[4][1:8] == ["2", "300.0", "100.0", "100.0", "5.0", "100.0", ""]


def test_dashboard_and_export_show_the_teams_recorded_adherence(org, client):
    # given: this week's first local day recorded for both Alpha agents (a1 6 of 8 hours, a2 8 of 8), and a
    # Bravo agent who must not count
    from scheduling.models import AdherenceDay

    week = kpis.weeks_period(weeks=1, today=timezone.now().astimezone(org.team_a.zone).date(), zone=org.team_a.zone)
    for agent, adherent in ((org.agent_a1, 360), (org.agent_a2, 480), (org.agent_b1, 0)):
        AdherenceDay.objects.create(
            agent=agent, date=week.first_day, day_starts_at=week.start, scheduled_minutes=480,
            adherent_minutes=adherent, present_minutes=adherent,
        )  # fmt: skip
    client.force_login(org.manager_a)
    # when
    page = client.get(reverse("kpi-dashboard"), {"team": "alpha", "weeks": "4"})
    export = client.get(reverse("kpi-export-csv"), {"team": "alpha", "weeks": "4"})
    # then
    headlines = {item.label: item.shown for item in page.context["headlines"]}
    assert headlines["Adherence"] == "87.5%"
    assert [chart.title for chart in page.context["charts"]][-1] == "Adherence"
    assert [point["value"] for point in page.context["charts"][-1].points] == [87.5]
    assert [row[-1] for row in csv.reader(io.StringIO(export.content.decode()))][1:] == ["", "", "", "87.5"]


def test_xlsx_export_has_the_same_table(org, client):
    # given
    _recent(org, count=2)
    client.force_login(org.admin)
    # when
    response = client.get(reverse("kpi-export-xlsx"), {"team": "alpha", "weeks": "4"})
    # then
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Week", "Contacts", "AHT (s)"]
    assert len(rows) == 5
    assert rows[4][1:8] == [2, 300.0, 100.0, 100.0, 5.0, 100.0, None]


def test_exports_are_refused_to_qa_reviewers(org, client):
    # given
    client.force_login(org.qa)
    # when / then
    assert client.get(reverse("kpi-export-csv"), {"team": "alpha"}).status_code == 403
    assert client.get(reverse("kpi-export-xlsx"), {"team": "alpha"}).status_code == 403


# --- API ------------------------------------------------------------------------------------------------------------

DAY = {"start": "2026-02-02", "end": "2026-02-02"}


@pytest.mark.parametrize(
    ("who", "params", "status", "message"),
    [
        ("admin", {"team": "bravo"}, 200, None),
        ("admin", {"market": "sg"}, 200, None),
        ("manager_a", {"team": "alpha"}, 200, None),
        ("manager_a", {"agent_id": "b2"}, 200, None),
        ("manager_a", {"team": "bravo"}, 403, kpis.MANAGED_ONLY),
        ("manager_a", {"agent_id": "b1"}, 403, kpis.MANAGED_ONLY),
        ("manager_a", {"market": "sg"}, 403, kpis.WHOLE_SLICE_ADMIN_ONLY),
        ("manager_a", {}, 403, kpis.WHOLE_SLICE_ADMIN_ONLY),
        ("agent", {}, 200, None),
        ("agent", {"agent_id": "a1"}, 200, None),
        ("agent", {"agent_id": "a2"}, 403, kpis.OWN_ONLY),
        ("agent", {"team": "alpha"}, 403, kpis.OWN_ONLY),
        ("qa", {"team": "alpha"}, 403, kpis.OWN_ONLY),
    ],
)
def test_api_role_rules(org, who, params, status, message):
    # given
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    agents = {"a1": org.agent_a1, "a2": org.agent_a2, "b1": org.agent_b1, "b2": org.agent_b2}
    query = {**DAY, **{key: agents[value].pk if key == "agent_id" else value for key, value in params.items()}}
    # when
    response = api_client_for(user).get(API, query)
    # then
    assert response.status_code == status, response.content
    if message:
        assert response.json() == {"detail": message}


def _on_day(agent, minute: int = 0):
    """A conversation on 2 February 2026 at 09:00 in Singapore, before any factory default (45 s FRT, 12 min)."""
    return ConversationFactory(agent=agent, created_at=datetime(2026, 2, 2, 1, minute, tzinfo=UTC))


def test_api_returns_the_kpis_of_an_agent(org):
    # given
    _on_day(org.agent_a1)
    # when
    response = api_client_for(org.agent_a1.user).get(API, DAY)
    # then
    body = response.json()
    assert body["slice"] == {
        "team": None, "agent_id": org.agent_a1.pk, "queue_id": None, "market": None, "start": "2026-02-02",
        "end": "2026-02-02", "time_zone": "Asia/Singapore",
    }  # fmt: skip
    assert (body["contacts"], body["first_response_median_seconds"], body["resolution_median_seconds"]) == (
        1,
        45.0,
        720.0,
    )
    assert (body["aht_seconds"], body["csat_percent"], body["fcr_percent"], body["iqs"]) == (420.0, 100.0, 100.0, None)


def test_api_team_kpis_for_the_manager(org):
    # given
    _on_day(org.agent_a1)
    _on_day(org.agent_a2)
    _on_day(org.agent_b1)
    # when
    response = api_client_for(org.manager_a).get(API, {"team": "alpha", **DAY})
    # then
    assert response.json()["contacts"] == 2


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"agent_id": "x"}, {"agent_id": ["Give a whole number (got 'x')."]}),
        ({"queue_id": "1.5"}, {"queue_id": ["Give a whole number (got '1.5')."]}),
        ({"start": "2026-13-01"}, {"start": ["Write the date as YYYY-MM-DD (got '2026-13-01')."]}),
        ({"start": "2026-03-05", "end": "2026-03-01"}, {"end": ["The end comes before the start."]}),
        ({"start": "2024-01-01", "end": "2026-03-01"}, {"end": ["Ask for at most 366 days."]}),
        ({"team": "nope"}, {"team": ["No team 'nope'."]}),
        ({"market": "zz"}, {"market": ["No market 'zz'."]}),
        ({"agent_id": "999999"}, {"agent_id": ["No agent 999999."]}),
        ({"queue_id": "999999"}, {"queue_id": ["No queue 999999."]}),
    ],
)
def test_api_bad_parameters_are_named(org, params, errors):
    # when
    response = api_client_for(org.admin).get(API, params)
    # then
    assert response.status_code == 400
    assert response.json() == errors


def test_api_requires_login(org):
    # when / then
    assert api_client_for(None).get(API).status_code in (401, 403)


def test_api_query_count_does_not_grow(org, django_assert_num_queries):
    # given
    client = api_client_for(org.manager_a)
    params = {"team": "alpha", **DAY}
    _on_day(org.agent_a1)
    client.get(API, params)
    with django_assert_num_queries(8 + PERCENTILE_QUERIES):
        client.get(API, params)
    for index in range(10):
        _on_day(org.agent_a2, minute=index)
    # when / then
    with django_assert_num_queries(8 + PERCENTILE_QUERIES):
        response = client.get(API, params)
    assert response.json()["contacts"] == 11
