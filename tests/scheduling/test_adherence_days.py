"""Recorded adherence days: what the periodic task and ``record_adherence`` write, recompute and remove."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from scheduling import services, tasks
from scheduling.models import AdherenceDay, AgentStateEvent, Shift
from tests.scheduling.published import add_shift, at, publish

MONDAY = date(2026, 3, 2)


def _events(agent, *changes):
    for state, instant in changes:
        AgentStateEvent.objects.create(agent=agent, state=state, occurred_at=instant)


def _rows():
    return [
        (row.agent.user.username, row.date, row.scheduled_minutes, row.adherent_minutes, row.present_minutes)
        for row in AdherenceDay.objects.select_related("agent__user").order_by("agent__user__username", "date")
    ]


@pytest.fixture
def monday(org):
    """Alpha's agents on Monday 2 March (Singapore): a1 works 09:00-13:00 and goes offline at 11:00; a2 works
    09:00-13:00 without any state event (not tracked)."""
    zone = org.team_a.zone
    shift = add_shift(org.agent_a1, at(zone, 2026, 3, 2, 9), at(zone, 2026, 3, 2, 13))
    add_shift(org.agent_a2, at(zone, 2026, 3, 2, 9), at(zone, 2026, 3, 2, 13))
    publish(shift)
    _events(org.agent_a1, ("available", at(zone, 2026, 3, 2, 9)), ("offline", at(zone, 2026, 3, 2, 11)))
    return zone


def test_a_finished_day_of_a_tracked_agent_is_recorded_and_an_untracked_agent_has_none(org, monday):
    # when
    result = services.adherence_days_record(
        team=org.team_a, first_day=MONDAY, last_day=MONDAY, now=at(monday, 2026, 3, 3, 0)
    )
    # then: two of four hours adherent; the local day starts at 16:00 UTC the day before
    assert (result.written, result.removed) == (1, 0)
    assert _rows() == [("agent_a1", MONDAY, 240.0, 120.0, 120.0)]
    row = AdherenceDay.objects.get()
    assert row.day_starts_at == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert row.exceptions == 1  # left two hours early
    assert row.adherence_percent == 50.0


def test_a_day_not_over_in_the_agents_zone_waits_for_a_later_run(org, monday):
    # when: 23:59 local on the Monday
    result = services.adherence_days_record(
        team=org.team_a, first_day=MONDAY, last_day=MONDAY, now=at(monday, 2026, 3, 2, 23, 59)
    )
    # then
    assert (result.written, AdherenceDay.objects.count()) == (0, 0)


def test_recording_again_recomputes_late_events_and_removes_days_whose_shift_is_gone(org, monday):
    # given: recorded once
    after = at(monday, 2026, 3, 4, 0)
    services.adherence_days_record(team=org.team_a, first_day=MONDAY, last_day=MONDAY, now=after)
    # when: a late event says a1 came back at 12:00
    _events(org.agent_a1, ("available", at(monday, 2026, 3, 2, 12)))
    again = services.adherence_days_record(team=org.team_a, first_day=MONDAY, last_day=MONDAY, now=after)
    # then: the same row, recomputed
    assert (again.written, again.removed) == (1, 0)
    assert _rows() == [("agent_a1", MONDAY, 240.0, 180.0, 180.0)]
    # when: the shift is deleted and the schedule republished
    shift = Shift.objects.get(agent=org.agent_a1)
    schedule = shift.schedule
    shift.delete()
    services.schedule_publish(schedule=schedule)
    gone = services.adherence_days_record(team=org.team_a, first_day=MONDAY, last_day=MONDAY, now=after)
    # then
    assert (gone.written, gone.removed) == (0, 1)
    assert _rows() == []


def test_recording_leaves_other_teams_and_days_outside_the_range_alone(org, monday):
    # given: a Bravo row and an Alpha row of another day
    AdherenceDay.objects.create(
        agent=org.agent_b1, date=MONDAY, day_starts_at=datetime(2026, 3, 1, 16, tzinfo=UTC),
        scheduled_minutes=60, adherent_minutes=60, present_minutes=60,
    )  # fmt: skip
    AdherenceDay.objects.create(
        agent=org.agent_a2, date=MONDAY - timedelta(days=7), day_starts_at=datetime(2026, 2, 22, 16, tzinfo=UTC),
        scheduled_minutes=60, adherent_minutes=30, present_minutes=60,
    )  # fmt: skip
    # when
    services.adherence_days_record(team=org.team_a, first_day=MONDAY, last_day=MONDAY, now=at(monday, 2026, 3, 9, 0))
    # then
    assert _rows() == [
        ("agent_a1", MONDAY, 240.0, 120.0, 120.0),
        ("agent_a2", date(2026, 2, 23), 60.0, 30.0, 60.0),
        ("agent_b1", MONDAY, 60.0, 60.0, 60.0),
    ]


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (MONDAY, MONDAY - timedelta(days=1), "The last day comes before the first."),
        (MONDAY, MONDAY + timedelta(days=62), "At most 62 days at a time."),
    ],
)
def test_a_bad_range_is_refused_and_nothing_is_written(org, monday, first, last, message):
    # when
    with pytest.raises(ValidationError) as refused:
        services.adherence_days_record(team=org.team_a, first_day=first, last_day=last)
    # then
    assert refused.value.message_dict == {"last_day": [message]}
    assert AdherenceDay.objects.count() == 0


def test_the_periodic_task_records_yesterday_of_every_team(org):
    # given: a1 worked yesterday (Singapore) 09:00-17:00 and was available all along
    zone = org.team_a.zone
    yesterday = timezone.now().astimezone(zone).date() - timedelta(days=1)
    y, m, d = yesterday.year, yesterday.month, yesterday.day
    publish(add_shift(org.agent_a1, at(zone, y, m, d, 9), at(zone, y, m, d, 17)))
    _events(org.agent_a1, ("available", at(zone, y, m, d, 8, 55)), ("offline", at(zone, y, m, d, 17, 5)))
    # when
    first = tasks.record_recent_adherence.delay().get()
    second = tasks.record_recent_adherence.delay().get()
    # then: idempotent
    assert first == second == {"written": 1, "removed": 0}
    assert _rows() == [("agent_a1", yesterday, 480.0, 480.0, 480.0)]


def test_the_command_backfills_and_refuses_bad_arguments(org):
    # given: a1 worked ten days ago
    zone = org.team_a.zone
    day = timezone.now().astimezone(zone).date() - timedelta(days=10)
    publish(
        add_shift(org.agent_a1, at(zone, day.year, day.month, day.day, 9), at(zone, day.year, day.month, day.day, 10))
    )
    _events(org.agent_a1, ("available", at(zone, day.year, day.month, day.day, 9, 30)))
    # when
    call_command("record_adherence", "--team", "alpha", "--days", "90", stdout=(out := _Out()))
    # then: half an hour late
    assert _rows() == [("agent_a1", day, 60.0, 30.0, 30.0)]
    assert "1 agent-days recorded" in out.text
    assert "Adherence recorded for 1 team(s), 90 day(s)." in out.text
    with pytest.raises(CommandError, match="--days must be between 1 and 366, not 0."):
        call_command("record_adherence", "--days", "0")
    with pytest.raises(CommandError, match="No team has the slug “nope”."):
        call_command("record_adherence", "--team", "nope")


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_recorded_days_are_scoped_by_role(org, monday):
    # given
    services.adherence_days_record(team=org.team_a, first_day=MONDAY, last_day=MONDAY, now=at(monday, 2026, 3, 3, 0))
    # then
    assert AdherenceDay.objects.visible_to(org.admin).count() == 1
    assert AdherenceDay.objects.visible_to(org.manager_a).count() == 1
    assert AdherenceDay.objects.visible_to(org.manager_b).count() == 0
    assert AdherenceDay.objects.visible_to(org.agent_a1.user).count() == 1
    assert AdherenceDay.objects.visible_to(org.agent_a2.user).count() == 0
    assert AdherenceDay.objects.visible_to(org.qa).count() == 0


def test_the_admin_lists_recorded_days_read_only_for_admins_only(org, monday, client):
    # given
    services.adherence_days_record(team=org.team_a, first_day=MONDAY, last_day=MONDAY, now=at(monday, 2026, 3, 3, 0))
    row = AdherenceDay.objects.get()
    client.force_login(org.admin)
    # when
    listed = client.get("/admin/scheduling/adherenceday/")
    change = client.post(f"/admin/scheduling/adherenceday/{row.pk}/change/", {"adherent_minutes": "240"})
    add = client.get("/admin/scheduling/adherenceday/add/")
    client.force_login(org.manager_a)
    refused = client.get("/admin/scheduling/adherenceday/")
    # then
    assert listed.status_code == 200
    assert "50.0" in listed.content.decode()
    assert (change.status_code, add.status_code) == (403, 403)
    assert AdherenceDay.objects.get().adherent_minutes == 120.0
    assert (refused.status_code, refused.url) == (302, "/admin/login/?next=/admin/scheduling/adherenceday/")


def test_the_demo_works_a_past_week_from_a_generated_one_and_its_adherence_is_recorded(org):
    # given: next week's 09:00-17:00 shift with a lunch at 12:00 (Singapore), published
    from scheduling.demo import worked_week_seed
    from tests.scheduling.published import Part

    zone = org.team_a.zone
    monday = services.week_start_of(org.team_a, timezone.now()) + timedelta(days=7)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=zone).replace(hour=9).astimezone(UTC)
    lunch = Part("lunch", start + timedelta(hours=3), start + timedelta(hours=4), is_paid=False)
    shift = add_shift(org.agent_a1, start, start + timedelta(hours=8), parts=(lunch,))
    publish(shift)
    # when: copied two weeks back and recorded
    worked = worked_week_seed(Shift.objects.filter(pk=shift.pk), weeks_back=2, team=org.team_a)
    recorded = services.adherence_days_record(
        team=org.team_a, first_day=monday - timedelta(days=14), last_day=monday - timedelta(days=8)
    )
    # then: the copy is published; logged in, lunch, back, logged out; the day is mostly adherent
    copy = Shift.objects.exclude(pk=shift.pk).get()
    assert (copy.starts_at, copy.activities.get().kind) == (start - timedelta(weeks=2), "lunch")
    assert worked.schedule.versions.count() == 1
    assert worked.events == 4
    assert [event.state for event in AgentStateEvent.objects.order_by("occurred_at")] == [
        "available", "break", "available", "offline",
    ]  # fmt: skip
    assert recorded.written == 1
    day = AdherenceDay.objects.get()
    assert day.scheduled_minutes == 480.0
    assert 380 <= day.adherent_minutes <= 480
