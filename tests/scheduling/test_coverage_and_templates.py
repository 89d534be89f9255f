"""Coverage of a team week (required vs scheduled on queue) and shift templates with their break rules."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from scheduling import services
from scheduling.models import Schedule, Shift, ShiftTemplate, StaffingSettings
from supportops.choices import AgentStatus
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.conftest import skip_unless
from tests.scheduling.planning import MONDAY, WEEK, day_template, requirement, sg, team_queue

COVERAGE = "/api/scheduling/coverage/"


@pytest.fixture
def alpha_queue(org):
    return team_queue(org.team_a, "Alpha chat")


def test_coverage_counts_agents_on_queue_per_interval_against_the_requirement(org, alpha_queue):
    requirement(alpha_queue, {sg(MONDAY, 9) + timedelta(minutes=30 * i): 2 for i in range(4)}, first=sg(MONDAY, 0))
    services.shift_create(
        agent=org.agent_a1,
        starts_at=sg(MONDAY, 9),
        ends_at=sg(MONDAY, 18),
        activities=[services.ActivityInput(kind="break", starts_at=sg(MONDAY, 10), ends_at=sg(MONDAY, 10, 30))],
    )

    response = api_client_for(org.manager_a).get(f"{COVERAGE}?team=alpha&week={WEEK}")

    assert response.status_code == 200
    coverage = response.json()
    assert coverage["interval_minutes"] == 30
    assert len(coverage["intervals"]) == 7 * 48
    by_start = {row["start"]: (row["required"], row["scheduled"]) for row in coverage["intervals"]}
    assert by_start["2026-12-07T00:30:00Z"] == (0, 0)
    assert by_start["2026-12-07T01:00:00Z"] == (2, 1)
    assert by_start["2026-12-07T01:30:00Z"] == (2, 1)
    assert by_start["2026-12-07T02:00:00Z"] == (2, 0)  # the break
    assert by_start["2026-12-07T02:30:00Z"] == (2, 1)
    assert by_start["2026-12-07T09:30:00Z"] == (0, 1)
    assert by_start["2026-12-07T10:00:00Z"] == (0, 0)
    assert (coverage["required_hours"], coverage["scheduled_hours"]) == (4.0, 8.5)
    assert (coverage["under_hours"], coverage["over_hours"]) == (2.5, 7.0)
    assert [queue["queue"] for queue in coverage["queues"]] == ["Alpha chat"]
    assert coverage["notes"] == []


def test_a_queue_shared_with_another_team_counts_their_agents_against_the_requirement(org, alpha_queue):
    alpha_queue.teams.add(org.team_b)
    requirement(alpha_queue, {sg(MONDAY, 9): 3, sg(MONDAY, 9, 30): 3}, first=sg(MONDAY, 0))
    services.shift_create(agent=org.agent_b1, starts_at=sg(MONDAY, 9), ends_at=sg(MONDAY, 17), queue=alpha_queue)

    coverage = api_client_for(org.manager_a).get(f"{COVERAGE}?team=alpha&week={WEEK}").json()

    by_start = {row["start"]: row["required"] for row in coverage["intervals"]}
    assert (by_start["2026-12-07T01:00:00Z"], by_start["2026-12-07T01:30:00Z"]) == (2, 2)
    assert coverage["notes"] == ["Alpha chat is also staffed by other teams: their 1 agent-hours on it are deducted."]


def test_agents_in_onboarding_and_nesting_count_for_their_teams_productivity_share(org, alpha_queue):
    StaffingSettings.objects.create(team=org.team_a, onboarding_productivity=0.2, nesting_productivity=0.6)
    requirement(alpha_queue, {sg(MONDAY, 9): 2, sg(MONDAY, 9, 30): 2}, first=sg(MONDAY, 0))
    org.agent_a1.status = AgentStatus.ONBOARDING
    org.agent_a1.save()
    org.agent_a2.status = AgentStatus.NESTING
    org.agent_a2.save()
    services.shift_create(agent=org.agent_a1, starts_at=sg(MONDAY, 9), ends_at=sg(MONDAY, 9, 30))
    services.shift_create(agent=org.agent_a2, starts_at=sg(MONDAY, 9), ends_at=sg(MONDAY, 10))

    coverage = api_client_for(org.manager_a).get(f"{COVERAGE}?team=alpha&week={WEEK}").json()

    by_start = {row["start"]: (row["required"], row["scheduled"]) for row in coverage["intervals"]}
    assert by_start["2026-12-07T01:00:00Z"] == (2, 0.8)
    assert by_start["2026-12-07T01:30:00Z"] == (2, 0.6)
    assert (coverage["scheduled_hours"], coverage["under_hours"]) == (0.7, 1.3)
    assert coverage["notes"] == [
        f"Agents in onboarding or nesting count for part of an agent: {org.agent_a1} (20 %), {org.agent_a2} (60 %)."
    ]


def test_productivity_shares_outside_zero_to_one_are_refused_naming_the_field(org):
    client = api_client_for(org.admin)
    settings_id = client.get("/api/scheduling/staffing-settings/").json()["results"][0]["id"]

    response = client.patch(
        f"/api/scheduling/staffing-settings/{settings_id}/", {"nesting_productivity": 1.5}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["nesting_productivity"]


def test_coverage_without_a_forecast_says_so(org, alpha_queue):
    coverage = api_client_for(org.admin).get(f"{COVERAGE}?team=alpha&week={WEEK}").json()

    assert coverage["required_hours"] == 0
    assert coverage["notes"] == ["No forecast covers the week for Alpha chat: its requirement is taken as zero."]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"team": ["Give the team's slug."], "week": ["Give the ISO week, e.g. 2026-W48."]}),
        ("?team=alpha&week=next", {"week": ["Write the week as YYYY-Www, e.g. 2026-W48 (got 'next')."]}),
        (f"?team=nowhere&week={WEEK}", {"team": ["No team 'nowhere' that you can see."]}),
    ],
)
def test_coverage_bad_input_is_a_400_naming_the_parameter(org, query, expected):
    response = api_client_for(org.manager_a).get(f"{COVERAGE}{query}")

    assert response.status_code == 400
    assert response.json() == expected


def test_coverage_is_for_the_team_managers_and_admins_and_other_teams_are_unknown(org, alpha_queue):
    statuses = {
        name: api_client_for(user).get(f"{COVERAGE}?team=alpha&week={WEEK}").status_code
        for name, user in {
            "admin": org.admin,
            "manager_a": org.manager_a,
            "manager_b": org.manager_b,
            "qa": org.qa,
            "agent": org.agent_a1.user,
        }.items()
    }

    assert statuses == {"admin": 200, "manager_a": 200, "manager_b": 400, "qa": 403, "agent": 403}


def test_coverage_costs_the_same_queries_whatever_the_schedule_size(org, alpha_queue, django_assert_num_queries):
    requirement(alpha_queue, {sg(MONDAY, 9): 1}, first=sg(MONDAY, 0))
    services.shift_create(agent=org.agent_a1, starts_at=sg(MONDAY, 9), ends_at=sg(MONDAY, 17))
    client = api_client_for(org.manager_a)
    url = f"{COVERAGE}?team=alpha&week={WEEK}"

    with django_assert_num_queries(13) as few:
        client.get(url)
    for offset in range(1, 5):
        for agent in (org.agent_a1, org.agent_a2):
            services.shift_create(
                agent=agent,
                starts_at=sg(MONDAY + timedelta(days=offset), 9),
                ends_at=sg(MONDAY + timedelta(days=offset), 17),
            )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


# --- templates --------------------------------------------------------------------------------------------------

TEMPLATES = "/api/scheduling/shift-templates/"


def test_a_manager_creates_a_template_with_breaks_and_its_length_includes_the_unpaid_lunch(org):
    response = api_client_for(org.manager_a).post(
        TEMPLATES,
        {
            "team": "alpha",
            "name": "Early",
            "start_time": "07:00",
            "paid_minutes": 480,
            "weekdays": [0, 1, 2, 3, 4],
            "break_rules": [
                {"kind": "break", "duration_minutes": 30, "earliest_start_minutes": 120, "latest_start_minutes": 180},
                {
                    "kind": "lunch",
                    "duration_minutes": 60,
                    "earliest_start_minutes": 210,
                    "latest_start_minutes": 300,
                    "is_paid": False,
                },
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["length_minutes"] == 540
    template = ShiftTemplate.objects.get(name="Early")
    assert [(rule.kind, rule.is_paid) for rule in template.break_rules.all()] == [("break", True), ("lunch", False)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"start_time": "07:10"}, {"start_time": ["Start on the team's 30-minute grid."]}),
        ({"weekdays": [0, 7]}, {"weekdays": ["Give a list of weekday numbers from 0 (Monday) to 6 (Sunday)."]}),
        (
            {
                "break_rules": [
                    {
                        "kind": "lunch",
                        "duration_minutes": 60,
                        "earliest_start_minutes": 390,
                        "latest_start_minutes": 450,
                    }
                ]
            },
            {"break_rules": ["Break 1 could end after the shift (8 h 00 min)."]},
        ),
        (
            {
                "break_rules": [
                    {"kind": "break", "duration_minutes": 15, "earliest_start_minutes": 60, "latest_start_minutes": 90}
                ]
            },
            {"break_rules": ["Break 1, duration_minutes: Use a multiple of the team's 30-minute interval."]},
        ),
    ],
)
def test_a_template_off_the_grid_or_with_a_break_past_its_end_is_refused(org, change, expected):
    payload = {"team": "alpha", "name": "Bad", "start_time": "07:00", "paid_minutes": 480, **change}

    response = api_client_for(org.manager_a).post(TEMPLATES, payload, format="json")

    assert response.status_code == 400
    assert response.json() == expected
    assert not ShiftTemplate.objects.filter(name="Bad").exists()


def test_templates_are_read_by_the_team_and_changed_by_its_managers(org):
    alpha = day_template(org.team_a)
    bravo = day_template(org.team_b)

    assert_role_access(
        list_url=TEMPLATES,
        detail_url=lambda pk: f"{TEMPLATES}{pk}/",
        all_ids=[alpha.pk, bravo.pk],
        cases={
            "admin": RoleCase(org.admin, sees={alpha.pk, bravo.pk}, may_change={alpha.pk, bravo.pk}),
            "manager_a": RoleCase(org.manager_a, sees={alpha.pk}, may_change={alpha.pk}),
            "manager_b": RoleCase(org.manager_b, sees={bravo.pk}, may_change={bravo.pk}),
            "agent of alpha": RoleCase(org.agent_a1.user, sees={alpha.pk}),
            "qa": RoleCase(org.qa, sees=set()),
        },
        change={"name": "Renamed"},
    )
    assert api_client_for(org.agent_a1.user).post(TEMPLATES, {"team": "alpha"}).status_code == 403
    assert api_client_for(org.manager_b).post(
        TEMPLATES, {"team": "alpha", "name": "X", "start_time": "07:00", "paid_minutes": 480}, format="json"
    ).json() == {"team": ["You can only add templates to teams you manage."]}


# --- no double booking on PostgreSQL --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_cannot_double_book_an_agent_on_postgresql(org):
    skip_unless(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    schedule = Schedule.objects.create(team=org.team_a, week_start=MONDAY)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def insert(start_hour: int) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                Shift.objects.create(
                    schedule=schedule,
                    agent=org.agent_a1,
                    starts_at=sg(MONDAY, start_hour),
                    ends_at=sg(MONDAY, start_hour + 8),
                )
            outcomes.append("stored")
        except (IntegrityError, OperationalError) as error:
            # PostgreSQL refuses the second writer either as an exclusion violation or, when both rows went in
            # before either check finished, by aborting one of the two waiting transactions as a deadlock.
            refused = "shift_no_overlap_per_agent" in str(error) or "deadlock detected" in str(error)
            outcomes.append("refused" if refused else f"other: {error}")
        finally:
            connections.close_all()

    writers = [threading.Thread(target=insert, args=(hour,)) for hour in (9, 12)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert sorted(outcomes) == ["refused", "stored"]
    assert Shift.objects.filter(agent=org.agent_a1).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_shift_services_leave_one_shift_and_a_clear_error_on_postgresql(org):
    skip_unless(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    team_queue(org.team_a, "Alpha chat")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(start_hour: int) -> None:
        from django.core.exceptions import ValidationError

        try:
            barrier.wait(timeout=10)
            services.shift_create(
                agent=org.agent_a1, starts_at=sg(MONDAY, start_hour), ends_at=sg(MONDAY, start_hour + 8)
            )
            outcomes.append("stored")
        except ValidationError as error:
            outcomes.append(error.message_dict["starts_at"][0])
        finally:
            connections.close_all()

    writers = [threading.Thread(target=create, args=(hour,)) for hour in (9, 12)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert "stored" in outcomes
    assert len(outcomes) == 2
    assert Shift.objects.filter(agent=org.agent_a1).count() == 1
