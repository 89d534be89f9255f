"""Generating a team week: from templates, agents, rules and the requirement to stored draft shifts with breaks."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from scheduling import selectors, services
from scheduling.models import RequestStatus, Schedule, Shift, StaffingSettings, TimeOffRequest
from supportops.choices import AgentStatus, JobStatus
from supportops.models import Job
from tests.access import api_client_for
from tests.scheduling.planning import MONDAY, WEEK, day_template, requirement, sg, team_queue

REPORT_KEYS = {
    "team",
    "week",
    "schedule_id",
    "status",
    "solve_seconds",
    "objective",
    "lower_bound",
    "gap",
    "required_hours",
    "scheduled_hours",
    "under_coverage_hours",
    "over_coverage_hours",
    "preference_violations",
    "unmet_minimum_hours",
    "notes",
    "shifts",
}


@pytest.fixture
def planned(org):
    """Alpha: one queue needing one agent 09:00-18:00 on weekdays, a 09:00 day template, agents a1 and a2."""
    queue = team_queue(org.team_a, "Alpha chat")
    values = {}
    for day in range(5):
        for index in range(18):
            values[sg(MONDAY + timedelta(days=day), 9) + timedelta(minutes=30 * index)] = 1
    requirement(queue, values, first=sg(MONDAY, 0))
    day_template(org.team_a)
    day_template(org.team_a, name="Late", start_hour=13)
    for agent in (org.agent_a1, org.agent_a2):
        agent.contracted_hours_min, agent.contracted_hours_max = 16, 40
        agent.save()
    return queue


def generate(org, **extra) -> dict:
    schedule = services.schedule_for(team=org.team_a, week_start=MONDAY)
    return services.schedule_generate(schedule=schedule, time_limit_seconds=10, **extra)


def test_a_generated_week_keeps_every_hard_rule_and_its_report_matches_the_coverage(org, planned):
    report = generate(org)

    assert set(report) == REPORT_KEYS
    assert report["status"] in {"OPTIMAL", "FEASIBLE"}
    assert report["lower_bound"] <= report["objective"] + 1e-6
    shifts = list(Shift.objects.filter(schedule__team=org.team_a).prefetch_related("activities"))
    assert report["shifts"] == len(shifts) > 0
    for shift in shifts:
        paid = (shift.ends_at - shift.starts_at).total_seconds() / 60 - sum(
            (a.ends_at - a.starts_at).total_seconds() / 60 for a in shift.activities.all() if not a.is_paid
        )
        problems = services.shift_rule_problems(
            agent=shift.agent,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            queue=shift.queue,
            paid_minutes=paid,
            ignore_shift_ids={shift.pk},
        )
        assert problems == {}, (shift, problems)
        kinds = sorted(activity.kind for activity in shift.activities.all())
        assert kinds == ["break", "lunch"]
        assert paid == 480
    coverage = selectors.coverage_for(team=org.team_a, week_start=MONDAY)
    assert coverage.required_hours == report["required_hours"] == 45.0
    assert coverage.under_hours == report["under_coverage_hours"]
    assert coverage.over_hours == report["over_coverage_hours"]
    assert coverage.scheduled_hours == report["scheduled_hours"]


def test_approved_time_off_keeps_the_agent_off_that_day(org, planned):
    wednesday = MONDAY + timedelta(days=2)
    TimeOffRequest.objects.create(
        agent=org.agent_a1,
        starts_at=sg(wednesday, 0),
        ends_at=sg(wednesday + timedelta(days=1), 0),
        status=RequestStatus.APPROVED,
    )

    generate(org)

    days_of_a1 = {
        shift.starts_at.astimezone(org.team_a.zone).date() for shift in Shift.objects.filter(agent=org.agent_a1)
    }
    assert wednesday not in days_of_a1
    assert Shift.objects.filter(agent=org.agent_a2, starts_at__date=wednesday).count() == 1


def test_regenerating_a_published_week_replaces_its_shifts_and_waits_for_republishing(org, planned):
    generate(org)
    schedule = Schedule.objects.get(team=org.team_a, week_start=MONDAY)
    services.schedule_publish(schedule=schedule)

    generate(org)

    schedule.refresh_from_db()
    assert (schedule.version, schedule.has_unpublished_changes) == (1, True)


def test_a_team_without_templates_cannot_be_generated(org):
    team_queue(org.team_a, "Alpha chat")

    with pytest.raises(ValidationError, match="has no active shift templates"):
        generate(org)


def test_managers_generate_through_the_api_and_follow_the_job(org, planned, django_capture_on_commit_callbacks):
    client = api_client_for(org.manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/scheduling/schedules/generate/", {"team": "alpha", "week": WEEK, "time_limit": 5}, format="json"
        )

    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == JobStatus.SUCCEEDED
    assert job.progress == 1.0
    assert job.result is not None
    assert job.result["status"] in {"OPTIMAL", "FEASIBLE"}
    schedule = Schedule.objects.get(pk=response.json()["schedule"]["id"])
    assert schedule.generation_report == job.result
    assert client.get(f"/api/jobs/{job.pk}/").json()["status"] == "succeeded"


@pytest.mark.parametrize(
    ("user_name", "payload", "status", "body"),
    [
        ("agent", {"team": "alpha", "week": WEEK}, 403, {"detail": "Only the team's managers plan its schedules."}),
        ("manager_b", {"team": "alpha", "week": WEEK}, 400, {"team": ["No team 'alpha' that you can see."]}),
        (
            "manager_a",
            {"team": "alpha", "week": "W50"},
            400,
            {"week": ["Write the week as YYYY-Www, e.g. 2026-W48 (got 'W50')."]},
        ),
        (
            "manager_a",
            {"team": "alpha", "week": WEEK, "time_limit": 0},
            400,
            {"time_limit": ["Ensure this value is greater than or equal to 1."]},
        ),
    ],
)
def test_generation_requests_are_checked_before_anything_is_queued(org, planned, user_name, payload, status, body):
    user = {"agent": org.agent_a1.user, "manager_b": org.manager_b, "manager_a": org.manager_a}[user_name]

    response = api_client_for(user).post("/api/scheduling/schedules/generate/", payload, format="json")

    assert response.status_code == status
    assert response.json() == body
    assert Job.objects.count() == 0


def test_the_command_saves_a_draft_and_prints_its_report_as_one_json_line(org, planned):
    out = StringIO()

    call_command("generate_schedule", "--team", "alpha", "--week", WEEK, "--time-limit", "5", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert set(report) == REPORT_KEYS
    assert (report["team"], report["week"]) == ("alpha", WEEK)
    assert Shift.objects.filter(schedule_id=report["schedule_id"]).count() == report["shifts"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--team", "nowhere", "--week", WEEK], "No team with the slug 'nowhere'."),
        (["--team", "alpha", "--week", "2026-W60"], "2026-W60 is not a week: 2026 has no week 60."),
        (["--team", "alpha", "--week", WEEK, "--time-limit", "0"], "Give a time limit between 1 and 600 seconds."),
    ],
)
def test_the_command_names_bad_arguments(org, planned, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_schedule", *arguments, stdout=StringIO())
    assert Shift.objects.count() == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_generates_a_week_through_redis(org, planned, celery_worker_queue):
    from scheduling.tasks import generate_schedule
    from supportops import services as core_services

    schedule = services.schedule_for(team=org.team_a, week_start=MONDAY)
    job = core_services.job_create(
        kind="schedule_generation",
        created_by=org.manager_a,
        parameters={"schedule_id": schedule.pk, "time_limit_seconds": 5},
    )

    result = generate_schedule.apply_async(args=[job.pk], queue=celery_worker_queue).get(timeout=90)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result is not None
    assert result == job.result
    assert Shift.objects.filter(schedule=schedule).count() == job.result["shifts"] > 0


def test_a_booked_activity_is_either_held_whole_by_a_shift_or_left_clear(org, planned):
    from scheduling.models import BookedActivity, ShiftTemplate

    tuesday = MONDAY + timedelta(days=1)
    BookedActivity.objects.create(
        agent=org.agent_a1, kind="training", title="Refunds", starts_at=sg(tuesday, 12), ends_at=sg(tuesday, 14)
    )
    late = ShiftTemplate.objects.get(team=org.team_a, name="Late")
    schedule = services.schedule_for(team=org.team_a, week_start=MONDAY)

    generation = services.build_generation_input(schedule=schedule)

    spec = next(agent for agent in generation.problem.agents if agent.key == str(org.agent_a1.pk))
    assert spec.excluded_options == frozenset({f"t{late.pk}d1"})  # 13:00-22:00 would cut 12:00-14:00
    assert len(spec.off_queue) == 4
    report = services.schedule_generate(schedule=schedule, time_limit_seconds=10)
    assert report["status"] in {"OPTIMAL", "FEASIBLE"}
    for shift in Shift.objects.filter(agent=org.agent_a1, starts_at__date=tuesday):
        assert shift.starts_at <= sg(tuesday, 12)
        assert shift.ends_at >= sg(tuesday, 14)
        assert shift.activities.filter(kind="training", title="Refunds").count() == 1


def test_a_nesting_agent_is_placed_first_at_their_share_and_the_report_counts_them_so(org, planned):
    StaffingSettings.objects.create(team=org.team_a, nesting_productivity=0.5)
    org.agent_a1.status = AgentStatus.NESTING
    org.agent_a1.save()

    report = generate(org)

    assert report["status"] in {"OPTIMAL", "FEASIBLE"}
    assert report["notes"][0] == (
        f"Agents in nesting count for part of an agent and were placed first: {org.agent_a1} (50 %). "
        "Objective, bound and gap are those of placing the others against what remained."
    )
    on_queue_hours = {org.agent_a1.pk: 0.0, org.agent_a2.pk: 0.0}
    for shift in Shift.objects.filter(schedule__team=org.team_a).prefetch_related("activities"):
        off = sum((a.ends_at - a.starts_at).total_seconds() for a in shift.activities.all())
        on_queue_hours[shift.agent_id] += ((shift.ends_at - shift.starts_at).total_seconds() - off) / 3600
    assert on_queue_hours[org.agent_a1.pk] > 0
    assert on_queue_hours[org.agent_a2.pk] > 0
    expected = on_queue_hours[org.agent_a1.pk] * 0.5 + on_queue_hours[org.agent_a2.pk]
    coverage = selectors.coverage_for(team=org.team_a, week_start=MONDAY)
    assert report["scheduled_hours"] == coverage.scheduled_hours == expected
    assert report["required_hours"] == coverage.required_hours == 45.0
    assert report["under_coverage_hours"] == coverage.under_hours
    assert report["over_coverage_hours"] == coverage.over_hours
