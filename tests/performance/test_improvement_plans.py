"""Improvement plans: creating one (refusals named, nothing stored), progress with exact values from the KPIs,
check-ins, outcomes, and who sees a plan through the API (the agent, their managers and admins only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from performance import services
from performance.models import Review
from performance.people_models import ImprovementPlan, PlanCheckIn, PlanGoal
from performance.services import GoalInput, RatingInput
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, ConversationFactory
from tests.performance.qa import assign, build_scorecard
from tests.performance.queries import PERCENTILE_QUERIES

PLANS = "/api/performance/improvement-plans/"
TODAY = date(2026, 3, 28)


def make_plan(org, agent=None, manager=None, user=None, goals=None) -> ImprovementPlan:
    """A March plan with an IQS goal (>= 85 over 28 days)."""
    agent = agent or org.agent_a1
    manager = manager or org.manager_a
    return services.plan_create(
        agent=agent,
        manager=manager,
        title="Lift quality",
        start_date=date(2026, 3, 1),
        end_date=date(2026, 3, 31),
        goals=goals or [("iqs", True, 85, 28, "IQS at 85 % or more")],
        user=user or manager,
    )


def _qa(org, conversation, submitted_at, **values) -> None:
    assign(conversation, org.qa)
    review = services.review_start(conversation=conversation, reviewer=org.qa)
    services.review_save(review=review, ratings=[RatingInput(key, value) for key, value in values.items()], user=org.qa)
    services.review_submit(review=review, user=org.qa)
    Review.objects.filter(pk=review.pk).update(submitted_at=submitted_at)


# --- creating -------------------------------------------------------------------------------------------------------


def test_a_manager_creates_a_plan_with_its_goals(org):
    plan = make_plan(
        org,
        goals=[
            GoalInput("iqs", True, "85", 28, "IQS at 85 % or more"),
            ("aht", False, 400, 14, " Under 400 s "),
        ],
    )

    assert (plan.status, plan.manager, plan.agent) == ("active", org.manager_a, org.agent_a1)
    goals = plan.goals.values_list("metric", "at_least", "target", "window_days", "description")
    assert list(goals) == [
        ("iqs", True, Decimal("85.00"), 28, "IQS at 85 % or more"),
        ("aht", False, Decimal("400.00"), 14, "Under 400 s"),
    ]


def test_a_plan_without_goals_or_with_bad_dates_and_targets_is_refused_naming_each(org):
    with pytest.raises(ValidationError) as no_goals:
        services.plan_create(
            agent=org.agent_a1, manager=org.manager_b, title=" ", start_date=date(2026, 3, 31),
            end_date=date(2026, 3, 31), goals=[], user=org.admin,
        )  # fmt: skip
    with pytest.raises(ValidationError) as bad_goals:
        make_plan(org, goals=[("iqs", True, 120, 28, ""), ("speed", True, 1, 0, ""), ("aht", False, "fast", 7, "")])

    assert no_goals.value.message_dict == {
        "title": ["Give the plan a title."],
        "end_date": ["The plan ends on or before its start."],
        "manager": ["manager_b is not a manager of " + org.agent_a1.display_name + "."],
        "goals": ["Give the plan at least one goal."],
    }
    assert bad_goals.value.message_dict == {
        "goals": [
            "Goal 1: a percentage target is from 0 to 100 (got 120).",
            "Goal 2: choose a metric among iqs, csat, aht, frt, fcr, adherence (got 'speed').",
            "Goal 2: the window is from 1 to 365 days (got 0).",
            "Goal 3: the target is not a number ('fast').",
        ]
    }
    assert (ImprovementPlan.objects.count(), PlanGoal.objects.count()) == (0, 0)


@pytest.mark.parametrize("who", ["manager_b", "qa", "agent_a2"])
def test_only_a_manager_of_the_agent_or_an_admin_creates_a_plan(org, who):
    user = getattr(org, who) if who != "agent_a2" else org.agent_a2.user

    with pytest.raises(PermissionDenied) as refused:
        make_plan(org, user=user)

    assert str(refused.value) == f"{org.agent_a1.display_name} is not one of your reports."
    assert ImprovementPlan.objects.count() == 0


def test_an_admin_creates_a_plan_run_by_the_agents_manager(org):
    plan = make_plan(org, agent=org.agent_b2, manager=org.manager_b, user=org.admin)

    assert plan.manager == org.manager_b


# --- progress -------------------------------------------------------------------------------------------------------


def pin_march_second(conversation) -> None:
    """The org's conversation on 2 March 09:00 UTC (420 s, CSAT 5, answered after 45 s), whatever the factory's
    sequence reached in this run."""
    created = datetime(2026, 3, 2, 9, tzinfo=UTC)
    type(conversation).objects.filter(pk=conversation.pk).update(
        created_at=created, first_response_at=created + timedelta(seconds=45),
        resolved_at=created + timedelta(minutes=12), handle_time_seconds=420, csat_score=5,
    )  # fmt: skip


def test_progress_measures_every_metric_over_its_own_window(org, django_assert_num_queries):
    # given agent_a1's March: conversations of 420 s CSAT 5 (2 March, the org's), 300 s CSAT 3 (20 March), 600 s
    # CSAT 4 (27 March); QA reviews of 100 % (5 March) and 72.5 % (25 March)
    build_scorecard()
    pin_march_second(org.conversation_a1)
    mid = ConversationFactory(
        agent=org.agent_a1, external_id="mid", created_at=datetime(2026, 3, 20, 3, tzinfo=UTC),
        handle_time_seconds=300, csat_score=3,
    )  # fmt: skip
    ConversationFactory(
        agent=org.agent_a1, external_id="late", created_at=datetime(2026, 3, 27, 3, tzinfo=UTC),
        handle_time_seconds=600, csat_score=4,
    )  # fmt: skip
    _qa(org, org.conversation_a1, datetime(2026, 3, 5, 3, tzinfo=UTC), greeting=1, tone=5, accuracy=4)
    _qa(org, mid, datetime(2026, 3, 25, 3, tzinfo=UTC), greeting=1, tone=4, accuracy=3)
    plan = make_plan(
        org,
        goals=[
            ("iqs", True, 85, 28, ""),  # 1-28 March: (100 + 72.5) / 2 = 86.25: met
            ("iqs", True, 85, 7, ""),  # 22-28 March: 72.5: not met
            ("csat", True, 80, 28, ""),  # 2 of 3 rated 4-5: 66.67 %: not met
            ("aht", False, 450, 14, ""),  # 15-28 March: (300 + 600) / 2 = 450: met
            ("frt", False, 60, 28, ""),
            ("fcr", True, 90, 28, ""),  # 3 resolved, none reopened: 100 %: met
        ],
    )
    plan = ImprovementPlan.objects.select_related("agent__team").get(pk=plan.pk)

    # the goals, then per distinct window (28, 7, 14 days): the aggregate (with the percentiles, or three more
    # queries), IQS and adherence
    with django_assert_num_queries(7 + 3 * PERCENTILE_QUERIES):
        progress = services.plan_progress(plan, today=TODAY)

    assert [(row.goal.metric, row.value, row.is_met, row.note) for row in progress] == [
        ("iqs", 86.25, True, "met"),
        ("iqs", 72.5, False, "not met"),
        ("csat", 66.67, False, "not met"),
        ("aht", 450.0, True, "met"),
        ("frt", 45.0, True, "met"),  # every conversation answered after 45 s
        ("fcr", 100.0, True, "met"),
    ]
    assert [(row.window_start, row.window_end) for row in progress][:2] == [
        (date(2026, 3, 1), TODAY),
        (date(2026, 3, 22), TODAY),
    ]
    assert [row.percent_of_target for row in progress] == [100, 85, 83, 100, 100, 100]


def test_progress_stops_at_the_plans_end_and_reports_no_data(org):
    plan = make_plan(org)

    [row] = services.plan_progress(plan, today=date(2026, 5, 10))

    assert (row.window_start, row.window_end, row.value, row.note) == (
        date(2026, 3, 4), date(2026, 3, 31), None, "no data in the window",
    )  # fmt: skip


# --- check-ins and outcomes -----------------------------------------------------------------------------------------


def test_check_ins_are_written_by_managers_with_a_note(org):
    plan = make_plan(org)

    with pytest.raises(PermissionDenied) as agent:
        services.plan_check_in(plan=plan, user=org.agent_a1.user, note="I'm fine")
    with pytest.raises(ValidationError) as blank:
        services.plan_check_in(plan=plan, user=org.manager_a, note="  ")
    check_in = services.plan_check_in(plan=plan, user=org.manager_a, note="IQS up two points")

    assert str(agent.value) == "Only the agent's managers and admins run the plan."
    assert blank.value.message_dict == {"note": ["Write what was discussed."]}
    assert list(PlanCheckIn.objects.values_list("note", flat=True)) == ["IQS up two points"]
    assert check_in.author == org.manager_a


def test_extending_needs_a_later_end_date_and_a_closed_plan_takes_no_more(org):
    plan = make_plan(org)

    with pytest.raises(ValidationError) as no_date:
        services.plan_close(plan=plan, user=org.manager_a, outcome="extended")
    with pytest.raises(ValidationError) as earlier:
        services.plan_close(plan=plan, user=org.manager_a, outcome="extended", new_end_date=date(2026, 3, 31))
    with pytest.raises(ValidationError) as unknown:
        services.plan_close(plan=plan, user=org.manager_a, outcome="active")
    extended = services.plan_close(
        plan=plan, user=org.manager_a, outcome="extended", note="Two more weeks", new_end_date=date(2026, 4, 14)
    )
    assert (extended.status, extended.end_date) == ("extended", date(2026, 4, 14))
    services.plan_check_in(plan=plan, user=org.manager_a, note="Still running")
    passed = services.plan_close(plan=plan, user=org.admin, outcome="passed", note="Targets met")
    with pytest.raises(ValidationError) as closed:
        services.plan_check_in(plan=plan, user=org.manager_a, note="After")

    assert no_date.value.message_dict == {"new_end_date": ["Give the new end date of the extended plan."]}
    assert earlier.value.message_dict == {"new_end_date": ["The new end date comes after 2026-03-31."]}
    assert unknown.value.message_dict == {"outcome": ["Choose passed, extended or ended (got 'active')."]}
    assert (passed.status, passed.outcome_note) == ("passed", "Targets met")
    assert closed.value.message_dict == {"status": ["The plan is passed."]}
    assert PlanCheckIn.objects.count() == 1


# --- API ------------------------------------------------------------------------------------------------------------


def test_only_the_agent_their_managers_and_admins_see_a_plan(org):
    a1 = make_plan(org)
    b2 = make_plan(org, agent=org.agent_b2, manager=org.manager_b)
    b1 = make_plan(org, agent=org.agent_b1, manager=org.manager_b)
    every = {a1.pk, b2.pk, b1.pk}

    assert_role_access(
        list_url=PLANS,
        detail_url=lambda pk: f"{PLANS}{pk}/",
        all_ids=every,
        cases={
            "admin": RoleCase(org.admin, sees=every),
            "manager A (team A; agent_b2 reports to them)": RoleCase(org.manager_a, sees={a1.pk, b2.pk}),
            "manager B (team B)": RoleCase(org.manager_b, sees={b2.pk, b1.pk}),
            "QA reviewer of team A": RoleCase(org.qa, sees=set()),
            "agent a1 (own)": RoleCase(org.agent_a1.user, sees={a1.pk}),
            "agent a2 (teammate)": RoleCase(org.agent_a2.user, sees=set()),
        },
    )
    for who in (org.qa, org.agent_a2.user):
        client = api_client_for(who)
        assert client.get(f"{PLANS}{a1.pk}/progress/").status_code == 404


def test_creating_checking_in_measuring_and_closing_through_the_api(org):
    client = api_client_for(org.manager_a)

    refused = client.post(
        PLANS,
        {"agent_id": org.agent_a1.pk, "title": "Plan", "start_date": "2026-03-01", "end_date": "2026-03-31",
         "goals": []},
        format="json",
    )  # fmt: skip
    created = client.post(
        PLANS,
        {"agent_id": org.agent_a1.pk, "title": "Plan", "start_date": "2026-03-01", "end_date": "2026-03-31",
         "goals": [{"metric": "csat", "at_least": True, "target": "80", "window_days": 14}]},
        format="json",
    )  # fmt: skip
    plan_id = created.json()["id"]
    by_agent = api_client_for(org.agent_a1.user).post(f"{PLANS}{plan_id}/check-ins/", {"note": "Hi"}, format="json")
    checked = client.post(f"{PLANS}{plan_id}/check-ins/", {"note": "Going well"}, format="json")
    progress = client.get(f"{PLANS}{plan_id}/progress/")
    no_end = client.post(f"{PLANS}{plan_id}/close/", {"outcome": "extended"}, format="json")
    ended = client.post(f"{PLANS}{plan_id}/close/", {"outcome": "ended", "note": "Moved on"}, format="json")

    assert (refused.status_code, refused.json()) == (400, {"goals": ["Give the plan at least one goal."]})
    assert created.status_code == 201
    assert created.json()["goals"][0]["metric"] == "csat"
    assert by_agent.status_code == 403
    assert (checked.status_code, checked.json()["note"]) == (201, "Going well")
    assert progress.status_code == 200
    assert [(row["goal"]["metric"], row["is_met"]) for row in progress.json()] == [("csat", False)]
    assert (no_end.status_code, no_end.json()) == (
        400,
        {"new_end_date": ["Give the new end date of the extended plan."]},
    )
    assert (ended.status_code, ended.json()["status"], ended.json()["outcome_note"]) == (200, "ended", "Moved on")
    assert [row["note"] for row in ended.json()["check_ins"]] == ["Going well"]


def test_a_manager_cannot_open_a_plan_for_an_agent_they_do_not_manage(org):
    response = api_client_for(org.manager_b).post(
        PLANS,
        {"agent_id": org.agent_a1.pk, "title": "Plan", "start_date": "2026-03-01", "end_date": "2026-03-31",
         "goals": [{"metric": "iqs", "target": "85"}]},
        format="json",
    )  # fmt: skip

    assert (response.status_code, response.json()) == (
        400, {"agent_id": [f"No agent {org.agent_a1.pk} that you can see."]},
    )  # fmt: skip
    assert ImprovementPlan.objects.count() == 0


def test_the_plan_list_costs_the_same_queries_whatever_its_size(org, django_assert_num_queries):
    make_plan(org)
    client = api_client_for(org.manager_a)
    client.get(PLANS)

    with django_assert_num_queries(4):
        small = client.get(PLANS)
    make_plan(org, agent=org.agent_a2)
    make_plan(org, agent=org.agent_b2)
    with django_assert_num_queries(4):
        large = client.get(PLANS)

    assert (small.json()["count"], large.json()["count"]) == (1, 3)


# --- awkward input and a manager who is also an agent -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        (
            date(1, 1, 1),
            date(1, 1, 5),
            {
                "start_date": ["Choose a date from 2000-01-01 to 2100-12-31 (got 0001-01-01)."],
                "end_date": ["Choose a date from 2000-01-01 to 2100-12-31 (got 0001-01-05)."],
            },
        ),
        (
            date(2026, 3, 1),
            date(9999, 12, 31),
            {"end_date": ["Choose a date from 2000-01-01 to 2100-12-31 (got 9999-12-31)."]},
        ),
    ],
)
def test_a_plan_dated_outside_2000_to_2100_is_refused_naming_the_field(org, start, end, errors):
    # when a plan is created on a date that cannot be measured in every zone
    with pytest.raises(ValidationError) as refused:
        services.plan_create(
            agent=org.agent_a1, manager=org.manager_a, title="Plan", start_date=start, end_date=end,
            goals=[("iqs", True, 85, 28, "")], user=org.manager_a,
        )  # fmt: skip

    # then the dates are named and nothing is stored
    assert refused.value.message_dict == errors
    assert ImprovementPlan.objects.count() == 0


def test_the_api_refuses_a_year_one_plan_instead_of_failing_on_its_progress(org):
    # given a manager's API client
    client = api_client_for(org.manager_a)

    # when they create a plan in year 1, and extend a real plan to year 9999
    response = client.post(
        PLANS,
        {"agent_id": org.agent_a1.pk, "title": "Plan", "start_date": "0001-01-01", "end_date": "0001-01-05",
         "goals": [{"metric": "iqs", "target": "85"}]},
        format="json",
    )  # fmt: skip
    plan = make_plan(org)
    extended = client.post(f"{PLANS}{plan.pk}/close/", {"outcome": "extended", "new_end_date": "9999-12-31"})
    progress = client.get(f"{PLANS}{plan.pk}/progress/")

    # then both are refused with the field named, and the real plan still measures
    assert (response.status_code, response.json()) == (
        400,
        {
            "start_date": ["Choose a date from 2000-01-01 to 2100-12-31 (got 0001-01-01)."],
            "end_date": ["Choose a date from 2000-01-01 to 2100-12-31 (got 0001-01-05)."],
        },
    )
    assert (extended.status_code, extended.json()) == (
        400,
        {"new_end_date": ["Choose a date from 2000-01-01 to 2100-12-31 (got 9999-12-31)."]},
    )
    assert ImprovementPlan.objects.values_list("end_date", "status").get() == (date(2026, 3, 31), "active")
    assert progress.status_code == 200


def test_a_manager_who_is_also_an_agent_never_runs_their_own_plan(org):
    # given manager_b is also an agent of team B (which they manage), managed by manager_a, with a plan
    me = AgentFactory.create(user=org.manager_b, team=org.team_b, manager=org.manager_a)
    plan = make_plan(org, agent=me, manager=org.manager_a)
    client = api_client_for(org.manager_b)

    # when manager_b checks in on it and closes it
    checked = client.post(f"{PLANS}{plan.pk}/check-ins/", {"note": "All good"}, format="json")
    closed = client.post(f"{PLANS}{plan.pk}/close/", {"outcome": "passed", "note": "Done"}, format="json")
    seen = client.get(f"{PLANS}{plan.pk}/")

    # then they see their plan but may not run it; it stays active without check-ins
    assert seen.status_code == 200
    assert (checked.status_code, closed.status_code) == (403, 403)
    assert services.plan_run_by(plan, org.manager_b) is False
    plan.refresh_from_db()
    assert (plan.status, plan.check_ins.count()) == ("active", 0)
