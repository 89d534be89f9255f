"""The weekly snapshot: last week's KPIs against the week before, SLA breaches, escalation drivers, at-risk new hires
and disputes, per manager and for leadership; built and e-mailed once per week; its pages are the recipient's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from performance import services
from performance.models import WeeklySnapshot
from tests.factories import ConversationFactory, QueueFactory
from tests.performance.pages import client_for

MONDAY = date(2026, 11, 16)


@pytest.fixture
def week(org):
    """Team A (Singapore, UTC+8): three conversations last week, one the week before, on a chat queue (60 s target)."""
    queue = QueueFactory(name="Alpha chat", channel="chat", service_level_seconds=60)
    base = datetime(2026, 11, 17, 2, tzinfo=UTC)  # Tue 17 Nov 10:00 in Singapore
    ConversationFactory(
        agent=org.agent_a1, queue=queue, external_id="w1", created_at=base,
        first_response_at=base + timedelta(seconds=30),
        resolved_at=base + timedelta(minutes=5), handle_time_seconds=300, csat_score=5, tags=["refund"],
    )  # fmt: skip
    ConversationFactory(
        agent=org.agent_a1, queue=queue, external_id="w2", created_at=base,
        first_response_at=base + timedelta(minutes=5),
        resolved_at=base + timedelta(minutes=30), handle_time_seconds=500, csat_score=2, reopen_count=1,
        tags=["refund", "card"],
    )  # fmt: skip
    ConversationFactory(
        agent=org.agent_a2, queue=queue, external_id="w3", created_at=base, first_response_at=None, resolved_at=None,
        handle_time_seconds=None, csat_score=None, tags=["escalation", "fraud"],
    )  # fmt: skip
    ConversationFactory(
        agent=org.agent_a2, queue=queue, external_id="w0", created_at=base - timedelta(days=7),
        first_response_at=base - timedelta(days=7) + timedelta(seconds=20), handle_time_seconds=200, csat_score=4,
    )  # fmt: skip
    return queue


def test_a_managers_snapshot_compares_last_week_with_the_week_before(org, week):
    snapshot = services.snapshot_build(recipient=org.manager_a, monday=MONDAY, send=False)

    (team,) = snapshot.data["teams"]
    assert snapshot.is_leadership is False
    assert (team["team"], team["contacts"], team["contacts_before"]) == ("Alpha", 3, 1)
    assert (team["aht_seconds"], team["aht_before"]) == (400.0, 200.0)
    assert (team["csat_percent"], team["csat_before"]) == (50.0, 100.0)
    # w2 answered after 5 minutes and w3 never: 2 breaches of the 60 s target
    assert team["sla_breaches"] == 2
    # w2 reopened and w3 tagged "escalation": drivers are their other tags
    assert team["escalations"] == 2
    assert team["drivers"] == [["card", 1], ["fraud", 1], ["refund", 1]]
    assert (team["adherence_percent"], team["adherence_before"]) == (None, None)
    assert "Alpha" in snapshot.html
    assert "SLA breaches" in snapshot.html


def test_the_snapshot_compares_the_teams_recorded_adherence(org, week):
    # given: recorded days of Alpha's agents last week (Tue 17 and Fri 20 Nov) and the week before (Mon 9 Nov)
    from scheduling.models import AdherenceDay

    def record(agent, day, scheduled, adherent):
        local_midnight = datetime(day.year, day.month, day.day, tzinfo=agent.zone)
        AdherenceDay.objects.create(
            agent=agent, date=day, day_starts_at=local_midnight.astimezone(UTC), scheduled_minutes=scheduled,
            adherent_minutes=adherent, present_minutes=adherent,
        )  # fmt: skip

    record(org.agent_a1, date(2026, 11, 17), 480, 432)
    record(org.agent_a2, date(2026, 11, 20), 480, 384)
    record(org.agent_a1, date(2026, 11, 9), 480, 480)
    record(org.agent_b1, date(2026, 11, 17), 480, 0)
    # when
    snapshot = services.snapshot_build(recipient=org.manager_a, monday=MONDAY, send=False)
    # then
    (team,) = snapshot.data["teams"]
    assert (team["adherence_percent"], team["adherence_before"]) == (85.0, 100.0)
    assert "<tr><td>Adherence (%)</td><td>85.0</td><td>100.0</td></tr>" in snapshot.html


def test_leadership_gets_every_team_and_a_snapshot_is_built_and_sent_once(
    org, week, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.snapshots_build_all(today=MONDAY + timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        again = services.snapshots_build_all(today=MONDAY + timedelta(days=8))

    assert first == {"built": 3, "existing": 0}  # manager_a, manager_b, admin
    assert again == {"built": 0, "existing": 3}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [org.manager_a.email, org.manager_b.email, org.admin.email]
    )
    leadership = WeeklySnapshot.objects.get(recipient=org.admin)
    assert leadership.is_leadership is True
    assert [team["team"] for team in leadership.data["teams"]] == ["Alpha", "Bravo"]
    assert leadership.sent_at is not None
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_the_snapshot_pages_are_the_recipients_only(org, week):
    mine = services.snapshot_build(recipient=org.manager_a, monday=MONDAY, send=False)

    listed = client_for(org.manager_a).get("/snapshots/").content.decode()
    page = client_for(org.manager_a).get(f"/snapshots/{mine.pk}/")
    others = {user.username: client_for(user).get(f"/snapshots/{mine.pk}/").status_code for user in (
        org.manager_b, org.agent_a1.user, org.qa, org.admin)}  # fmt: skip

    assert "Week of 16 Nov 2026" in listed
    assert "3 contacts · 2 SLA breaches" in listed
    assert page.status_code == 200
    assert 'data-testid="snapshot-team"' in page.content.decode()
    assert set(others.values()) == {404}


def test_the_beat_task_builds_last_weeks_snapshots(org, week):
    from performance.tasks import build_weekly_snapshots

    result = build_weekly_snapshots.delay(today="2026-11-23").get()

    assert result == {"built": 3, "existing": 0}
    assert set(WeeklySnapshot.objects.values_list("week_start", flat=True)) == {MONDAY}


def test_each_recipient_gets_the_week_once_it_has_ended_in_all_of_their_teams_zones(org, week):
    # given: a São Paulo team (UTC-3) managed by manager_b, besides Alpha in Singapore (UTC+8)
    from tests.factories import MarketFactory, TeamFactory

    TeamFactory(
        name="BR Chat", slug="br-chat", market=MarketFactory(code="br", timezone="America/Sao_Paulo"),
        timezone="America/Sao_Paulo", managers=[org.manager_b],
    )  # fmt: skip

    def weeks() -> dict[str, list[date]]:
        found: dict[str, list[date]] = {}
        for recipient, start in WeeklySnapshot.objects.order_by("week_start").values_list(
            "recipient__username", "week_start"
        ):
            found.setdefault(recipient, []).append(start)
        return found

    # when: Monday 23 Nov 00:30 UTC: Monday morning in Singapore, still Sunday evening in São Paulo
    first = services.snapshots_build_all(now=datetime(2026, 11, 23, 0, 30, tzinfo=UTC))
    # then: manager_a (Alpha only) gets last week; manager_b and the admin (every team) the week before
    assert weeks() == {
        "manager_a": [MONDAY], "manager_b": [MONDAY - timedelta(days=7)], "admin_user": [MONDAY - timedelta(days=7)],
    }  # fmt: skip
    assert first == {"built": 3, "existing": 0}
    # when: three hours later the week is over in São Paulo too, and the hourly task runs again twice
    later = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)
    second = services.snapshots_build_all(now=later)
    third = services.snapshots_build_all(now=later)
    # then: each got last week once
    assert weeks() == {
        "manager_a": [MONDAY], "manager_b": [MONDAY - timedelta(days=7), MONDAY],
        "admin_user": [MONDAY - timedelta(days=7), MONDAY],
    }  # fmt: skip
    assert (second, third) == ({"built": 2, "existing": 1}, {"built": 0, "existing": 3})
