"""Shifts through the API: hard rules, local times and DST, publishing with versions and e-mails, role access."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from scheduling import services
from scheduling.models import Availability, RequestStatus, Schedule, Shift, TimeOffRequest
from supportops.models import AgentSkill, Skill
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, MarketFactory, TeamFactory
from tests.scheduling.planning import MONDAY, WEEK, sg, team_queue

URL = "/api/scheduling/shifts/"


def body(agent, day: date, start: str, end: str, **extra):
    end_day = day + timedelta(days=1) if end <= start else day
    return {"agent_id": agent.pk, "starts_at": f"{day}T{start}", "ends_at": f"{end_day}T{end}", **extra}


def add_shift(org, agent, day: date, start_hour: int, hours: int) -> Shift:
    return services.shift_create(
        agent=agent, starts_at=sg(day, start_hour), ends_at=sg(day, start_hour) + timedelta(hours=hours)
    )


@pytest.fixture
def alpha_queue(org):
    return team_queue(org.team_a, "Alpha chat")


def test_a_manager_adds_a_shift_in_the_team_zone_and_it_opens_a_draft_week(org, alpha_queue):
    response = api_client_for(org.manager_a).post(URL, body(org.agent_a1, MONDAY, "09:00", "18:00"), format="json")

    assert response.status_code == 201, response.content
    shift = response.json()
    assert shift["starts_at"] == "2026-12-07T01:00:00Z"
    assert shift["ends_at"] == "2026-12-07T10:00:00Z"
    assert shift["queue_name"] == "Alpha chat"
    assert shift["paid_hours"] == 9.0
    schedule = Schedule.objects.get(pk=shift["schedule_id"])
    assert (schedule.team, schedule.week_start, schedule.version, schedule.status) == (
        org.team_a,
        MONDAY,
        0,
        "draft",
    )


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        ("12:00", "20:00", "starts_at", "already has a shift"),
        ("19:00", "18:00", "ends_at", "A shift lasts at most 16 hours."),
    ],
)
def test_an_overlapping_or_overlong_shift_is_refused_and_nothing_is_stored(org, alpha_queue, start, end, field, words):
    add_shift(org, org.agent_a1, MONDAY, 9, 9)

    response = api_client_for(org.manager_a).post(URL, body(org.agent_a1, MONDAY, start, end), format="json")

    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert Shift.objects.count() == 1


def test_an_end_before_the_start_is_refused(org, alpha_queue):
    response = api_client_for(org.manager_a).post(
        URL,
        {"agent_id": org.agent_a1.pk, "starts_at": "2026-12-07T18:00", "ends_at": "2026-12-07T09:00"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"ends_at": ["The shift ends before it starts."]}


def test_less_than_eleven_hours_of_rest_is_refused(org, alpha_queue):
    add_shift(org, org.agent_a1, MONDAY, 14, 9)  # ends 23:00

    response = api_client_for(org.manager_a).post(
        URL, body(org.agent_a1, MONDAY + timedelta(days=1), "08:00", "16:00"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["starts_at"] == [
        f"{org.agent_a1} needs 11 h of rest after the shift ending Mon 07 Dec 23:00."
    ]


def test_a_shift_inside_approved_time_off_is_refused_but_pending_time_off_does_not_block(org, alpha_queue):
    tuesday = MONDAY + timedelta(days=1)
    request = TimeOffRequest.objects.create(
        agent=org.agent_a1, starts_at=sg(tuesday, 0), ends_at=sg(tuesday + timedelta(days=1), 0)
    )
    client = api_client_for(org.manager_a)

    assert client.post(URL, body(org.agent_a1, tuesday, "09:00", "17:00"), format="json").status_code == 201
    Shift.objects.all().delete()
    TimeOffRequest.objects.filter(pk=request.pk).update(status=RequestStatus.APPROVED)
    response = client.post(URL, body(org.agent_a1, tuesday, "09:00", "17:00"), format="json")

    assert response.status_code == 400
    assert response.json()["starts_at"] == [
        f"{org.agent_a1} has approved time off (Vacation) from Tue 08 Dec 00:00 to Wed 09 Dec 00:00."
    ]
    assert Shift.objects.count() == 0


def test_the_contracted_weekly_maximum_is_a_hard_rule(org, alpha_queue):
    org.agent_a1.contracted_hours_max = 16
    org.agent_a1.contracted_hours_min = 8
    org.agent_a1.save()
    add_shift(org, org.agent_a1, MONDAY, 9, 9)

    response = api_client_for(org.manager_a).post(
        URL, body(org.agent_a1, MONDAY + timedelta(days=1), "09:00", "18:00"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["ends_at"] == [
        f"{org.agent_a1} would work 18 h in the week of 07 Dec, above the contracted 16 h."
    ]


def test_working_days_in_a_row_are_limited(org, alpha_queue):
    for offset in range(5):
        add_shift(org, org.agent_a1, MONDAY + timedelta(days=offset), 9, 6)

    response = api_client_for(org.manager_a).post(
        URL, body(org.agent_a1, MONDAY + timedelta(days=5), "09:00", "13:00"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["starts_at"] == [
        f"{org.agent_a1} would work 6 days in the week, above the 5 allowed.",
        f"{org.agent_a1} would work 6 days in a row, above the 5 allowed.",
    ]


def test_availability_windows_bound_shifts_and_days_outside_the_pattern_are_off(org, alpha_queue):
    Availability.objects.create(agent=org.agent_a1, weekday=0, start_time="09:00", end_time="17:00")
    client = api_client_for(org.manager_a)

    early = client.post(URL, body(org.agent_a1, MONDAY, "08:00", "16:00"), format="json")
    tuesday = client.post(URL, body(org.agent_a1, MONDAY + timedelta(days=1), "09:00", "17:00"), format="json")
    inside = client.post(URL, body(org.agent_a1, MONDAY, "09:00", "17:00"), format="json")

    assert early.status_code == 400
    assert early.json()["starts_at"] == [f"{org.agent_a1} is not available on Mon 07 Dec 08:00-16:00."]
    assert tuesday.json()["starts_at"] == [f"{org.agent_a1} is not available on Tue 08 Dec 09:00-17:00."]
    assert inside.status_code == 201


def test_a_queue_needing_a_skill_the_agent_lacks_is_refused(org, alpha_queue):
    spanish = Skill.objects.create(name="Spanish")
    alpha_queue.required_skills.add(spanish)

    response = api_client_for(org.manager_a).post(
        URL, body(org.agent_a1, MONDAY, "09:00", "17:00", queue_id=alpha_queue.pk), format="json"
    )
    AgentSkill.objects.create(agent=org.agent_a1, skill=spanish)
    accepted = api_client_for(org.manager_a).post(
        URL, body(org.agent_a1, MONDAY, "09:00", "17:00", queue_id=alpha_queue.pk), format="json"
    )

    assert response.status_code == 400
    assert response.json()["queue"] == [f"{org.agent_a1} lacks the skills Spanish that Alpha chat needs."]
    assert accepted.status_code == 201


@pytest.fixture
def london_agent(db):
    admin_market = MarketFactory(code="gb", name="Britain", timezone="Europe/London", holiday_country="GB")
    team = TeamFactory(name="London", slug="london", market=admin_market, planning_interval_minutes=15)
    return AgentFactory(user__username="london_agent", team=team)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("2027-03-28T01:30", "2027-03-28 01:30 does not exist in Europe/London (the clocks skipped it)."),
        ("2027-10-31T01:30", "2027-10-31 01:30 happened twice in Europe/London; give a UTC offset to say which."),
    ],
)
def test_local_times_skipped_or_repeated_by_dst_are_refused(org, london_agent, start, message):
    london_agent.team.managers.add(org.manager_a)

    response = api_client_for(org.manager_a).post(
        URL, {"agent_id": london_agent.pk, "starts_at": start, "ends_at": start[:11] + "09:00"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"starts_at": [message]}
    assert Shift.objects.count() == 0


def test_an_explicit_offset_settles_an_ambiguous_local_time(org, london_agent):
    london_agent.team.managers.add(org.manager_a)

    response = api_client_for(org.manager_a).post(
        URL,
        {"agent_id": london_agent.pk, "starts_at": "2027-10-31T01:30+00:00", "ends_at": "2027-10-31T09:30+00:00"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["starts_at"] == "2027-10-31T01:30:00Z"


def test_a_manager_cannot_add_shifts_for_another_team_and_agents_cannot_add_any(org, alpha_queue):
    other_team = api_client_for(org.manager_b).post(URL, body(org.agent_a1, MONDAY, "09:00", "17:00"), format="json")
    agent = api_client_for(org.agent_a1.user).post(URL, body(org.agent_a1, MONDAY, "09:00", "17:00"), format="json")

    assert other_team.status_code == 400
    assert other_team.json() == {"agent_id": ["No agent with this id in a team you manage."]}
    assert agent.status_code == 403
    assert Shift.objects.count() == 0


# --- publishing -------------------------------------------------------------------------------------------------


def test_publishing_emails_every_agent_then_a_change_makes_a_version_seen_only_after_republishing(
    org, alpha_queue, django_capture_on_commit_callbacks
):
    first = add_shift(org, org.agent_a1, MONDAY, 9, 9)
    add_shift(org, org.agent_a2, MONDAY, 12, 9)
    schedule = first.schedule
    manager = api_client_for(org.manager_a)
    agent = api_client_for(org.agent_a1.user)
    assert agent.get(f"{URL}?week={WEEK}").json()["count"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        published = manager.post(f"/api/scheduling/schedules/{schedule.pk}/publish/", {}, format="json")

    assert published.status_code == 201
    assert published.json()["number"] == 1
    assert sorted(message.to[0] for message in mail.outbox) == ["agent_a1@example.com", "agent_a2@example.com"]
    assert mail.outbox[0].subject == "Your shifts for the week of 07 Dec 2026"
    assert [row["starts_at"] for row in agent.get(f"{URL}?week={WEEK}").json()["results"]] == [
        "2026-12-07T01:00:00Z",
        "2026-12-07T04:00:00Z",
    ]

    mail.outbox.clear()
    moved = manager.put(f"{URL}{first.pk}/", body(org.agent_a1, MONDAY, "10:00", "19:00"), format="json")
    assert moved.status_code == 200, moved.content
    schedule.refresh_from_db()
    assert schedule.has_unpublished_changes is True
    mine = agent.get(f"{URL}?agent_id={org.agent_a1.pk}").json()["results"]
    assert [row["starts_at"] for row in mine] == ["2026-12-07T01:00:00Z"]  # still what was published

    with django_capture_on_commit_callbacks(execute=True):
        second = manager.post(
            f"/api/scheduling/schedules/{schedule.pk}/publish/", {"reason": "Later start"}, format="json"
        )

    assert second.json()["number"] == 2
    assert second.json()["changes"] == [
        {
            "agent_id": org.agent_a1.pk,
            "agent": str(org.agent_a1),
            "text": "Shift Mon 07 Dec 09:00-18:00 on Alpha chat is now Mon 07 Dec 10:00-19:00 on Alpha chat",
        }
    ]
    assert [message.to for message in mail.outbox] == [["agent_a1@example.com"]]
    assert "is now Mon 07 Dec 10:00-19:00" in mail.outbox[0].body
    mine = agent.get(f"{URL}?agent_id={org.agent_a1.pk}").json()["results"]
    assert [row["starts_at"] for row in mine] == ["2026-12-07T02:00:00Z"]

    again = manager.post(f"/api/scheduling/schedules/{schedule.pk}/publish/", {}, format="json")
    assert again.status_code == 400
    assert again.json() == {"schedule": ["Nothing changed since version 2."]}
    versions = manager.get(f"/api/scheduling/schedules/{schedule.pk}/versions/").json()
    assert [(v["number"], v["reason"]) for v in versions] == [(2, "Later start"), (1, "")]


def test_an_empty_week_cannot_be_published(org):
    schedule = services.schedule_for(team=org.team_a, week_start=MONDAY)

    response = api_client_for(org.manager_a).post(f"/api/scheduling/schedules/{schedule.pk}/publish/", {})

    assert response.status_code == 400
    assert response.json() == {"schedule": ["There are no shifts to publish."]}


def test_schedules_are_seen_by_role_and_drafts_only_by_their_managers(org, alpha_queue):
    team_b_queue = team_queue(org.team_b, "Bravo chat")
    published = add_shift(org, org.agent_a1, MONDAY, 9, 8).schedule
    services.schedule_publish(schedule=published)
    draft = add_shift(org, org.agent_b1, MONDAY, 9, 8).schedule
    assert team_b_queue.pk

    assert_role_access(
        list_url="/api/scheduling/schedules/",
        detail_url=lambda pk: f"/api/scheduling/schedules/{pk}/",
        all_ids=[published.pk, draft.pk],
        cases={
            "admin": RoleCase(org.admin, sees={published.pk, draft.pk}),
            "manager_a": RoleCase(org.manager_a, sees={published.pk}),
            "manager_b": RoleCase(org.manager_b, sees={draft.pk}),
            "qa reviewer of alpha": RoleCase(org.qa, sees={published.pk}),
            "agent of alpha": RoleCase(org.agent_a1.user, sees={published.pk}),
            "agent of bravo": RoleCase(org.agent_b1.user, sees=set()),
        },
    )


def test_shifts_are_seen_by_role(org, alpha_queue):
    team_queue(org.team_b, "Bravo chat")
    a1 = add_shift(org, org.agent_a1, MONDAY, 9, 8)
    a2 = add_shift(org, org.agent_a2, MONDAY, 9, 8)
    services.schedule_publish(schedule=a1.schedule)
    b1 = add_shift(org, org.agent_b1, MONDAY, 9, 8)

    assert_role_access(
        list_url=URL,
        detail_url=lambda pk: f"{URL}{pk}/",
        all_ids=[a1.pk, a2.pk, b1.pk],
        cases={
            "admin": RoleCase(org.admin, sees={a1.pk, a2.pk, b1.pk}),
            "manager_a": RoleCase(org.manager_a, sees={a1.pk, a2.pk}),
            "manager_b": RoleCase(org.manager_b, sees={b1.pk}),
            "qa reviewer of alpha": RoleCase(org.qa, sees={a1.pk, a2.pk}),
            "agent of alpha": RoleCase(org.agent_a1.user, sees={a1.pk, a2.pk}),
            "agent of bravo (draft week)": RoleCase(org.agent_b1.user, sees=set()),
        },
    )
    denied = api_client_for(org.agent_a1.user).put(f"{URL}{a1.pk}/", body(org.agent_a1, MONDAY, "10:00", "18:00"))
    hidden = api_client_for(org.manager_b).delete(f"{URL}{a1.pk}/")
    assert (denied.status_code, hidden.status_code) == (403, 404)
    assert Shift.objects.filter(pk=a1.pk, starts_at=sg(MONDAY, 9)).exists()


def test_the_shift_list_costs_the_same_queries_whatever_the_number_of_shifts(
    org, alpha_queue, django_assert_num_queries
):
    add_shift(org, org.agent_a1, MONDAY, 9, 8)
    client = api_client_for(org.manager_a)
    client.get(URL)  # token lookup warm-up is part of every request; count a steady one

    with django_assert_num_queries(6) as few:
        assert client.get(URL).json()["count"] == 1
    for offset in range(1, 5):
        add_shift(org, org.agent_a1, MONDAY + timedelta(days=offset), 9, 7)
        add_shift(org, org.agent_a2, MONDAY + timedelta(days=offset), 9, 7)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(URL).json()["count"] == 9


def test_a_bad_week_or_filter_is_a_400_naming_it(org):
    client = api_client_for(org.manager_a)

    assert client.get(f"{URL}?week=2026-48").json() == {
        "week": ["Write the week as YYYY-Www, e.g. 2026-W48 (got '2026-48')."]
    }
    assert client.get(f"{URL}?week=2026-W54").json() == {"week": ["2026-W54 is not a week: 2026 has no week 54."]}
    assert client.get(f"{URL}?team=nowhere").json() == {"team": ["No team 'nowhere' that you can see."]}
    assert client.get(f"{URL}?start=yesterday").status_code == 400
