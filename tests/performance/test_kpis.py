"""KPI selectors: exact values on small hand-made data, nearest-rank percentiles, local weeks, fixed queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from performance import kpis
from performance.kpis import Backlog, Driver, Slice
from performance.models import Rating, Review, ReviewStatus
from supportops.choices import AgentStatus, Channel
from tests.factories import AgentFactory, ConversationFactory, MarketFactory, QueueFactory, TeamFactory, UserFactory
from tests.performance.qa import build_scorecard
from tests.performance.queries import PERCENTILE_QUERIES

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
END = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)

# (agent 0/1, queue, first response s, resolved after min, handle s, reopens, CSAT, tags)
ROWS = [
    (0, "chat", 10, 10, 100, 1, 5, ["billing", "refund"]),
    (0, "chat", 20, 20, 200, 0, 4, ["billing", "refund"]),
    (0, "chat", 30, 30, 300, 0, 3, ["billing", "refund"]),
    (0, "chat", 40, 40, 400, 0, 1, ["login"]),
    (0, "chat", 50, 50, 500, 0, None, ["login"]),
    (0, "chat", 60, None, 600, 0, None, ["login"]),
    (1, "chat", 70, 60, 700, 0, 5, ["login"]),
    (1, "chat", 80, None, None, 0, None, ["login"]),
    (1, "chat", 90, None, None, 0, None, []),
    (1, "chat", None, None, None, 0, None, ["billing"]),
    (0, "email", 3600, 120, 300, 0, None, []),
    (0, "email", 10800, None, None, 0, None, []),
]


def make_conversation(agent, queue, *, created, response, resolved, handle=None, reopens=0, csat=None, tags=()):
    """A conversation with the given timings in seconds and minutes after ``created``."""
    return ConversationFactory(
        agent=agent,
        queue=queue,
        created_at=created,
        first_response_at=None if response is None else created + timedelta(seconds=response),
        resolved_at=None if resolved is None else created + timedelta(minutes=resolved),
        handle_time_seconds=handle,
        reopen_count=reopens,
        csat_score=csat,
        tags=list(tags),
    )


@pytest.fixture
def team_data(db):
    """A UTC team, a chat queue (80 % in 60 s) and an email queue (90 % in 2 h), the twelve ROWS in the first week
    of March 2026 and one conversation before it."""
    market = MarketFactory(code="uk", name="UK", timezone="UTC")
    team = TeamFactory(market=market, timezone="UTC")
    agents = [AgentFactory(team=team), AgentFactory(team=team, status=AgentStatus.ONBOARDING)]
    queues = {
        "chat": QueueFactory(name="Chat", channel=Channel.CHAT, service_level_seconds=60),
        "email": QueueFactory(
            name="Email", channel=Channel.EMAIL, service_level_seconds=None, response_time_hours=Decimal(2),
            service_level_percent=90, chat_concurrency=1,
        ),
    }  # fmt: skip
    queues["chat"].teams.add(team)
    for index, (who, queue, response, resolved, handle, reopens, csat, tags) in enumerate(ROWS):
        make_conversation(
            agents[who], queues[queue], created=START + timedelta(minutes=10 * index), response=response,
            resolved=resolved, handle=handle, reopens=reopens, csat=csat, tags=tags,
        )  # fmt: skip
    make_conversation(agents[0], queues["chat"], created=START - timedelta(hours=1), response=5, resolved=5, tags=["x"])
    return team, agents, queues


def add_review(agent, conversation, *, score: str, submitted_at: datetime, built, greeting: int | None = None):
    """A submitted standard review with the given score (and a greeting rating)."""
    review = Review.objects.create(
        conversation=conversation, agent=agent, reviewer=UserFactory(), version=built.version,
        status=ReviewStatus.SUBMITTED, score=Decimal(score), submitted_at=submitted_at,
    )  # fmt: skip
    if greeting is not None:
        Rating.objects.create(review=review, criterion=built.criteria["greeting"], value=greeting)
    return review


def test_nearest_rank_table():
    # given / when / then
    assert [kpis.nearest_rank(n, 50) for n in (0, 1, 2, 3, 4, 10)] == [0, 1, 1, 2, 2, 5]
    assert [kpis.nearest_rank(n, 90) for n in (1, 9, 10, 11, 20)] == [1, 9, 9, 10, 18]


def test_slice_kpis_of_a_team_are_exact(team_data):
    # given
    team, agents, _ = team_data
    built = build_scorecard()
    conversation = agents[0].conversations.first()
    add_review(agents[0], conversation, score="80", submitted_at=START + timedelta(days=1), built=built)
    add_review(agents[1], conversation, score="90", submitted_at=START + timedelta(days=2), built=built)
    add_review(agents[1], conversation, score="10", submitted_at=START - timedelta(days=2), built=built)
    # when
    result = kpis.slice_kpis(Slice(team_id=team.pk), start=START, end=END)
    # then: first responses 10..90, 3600, 10800 s → median (6th of 11) 60 s, p90 (10th) 3600 s;
    # resolutions 10, 20, 30, 40, 50, 60, 120 min → median (4th of 7) 40 min
    assert result == kpis.SliceKPIs(
        contacts=12,
        aht_seconds=387.5,
        first_response_median_seconds=60.0,
        first_response_p90_seconds=3600.0,
        resolution_median_seconds=2400.0,
        resolved=7,
        fcr_percent=85.71,
        rated=5,
        csat_percent=60.0,
        csat_mean=3.6,
        iqs=85.0,
        reviews=2,
        adherence_percent=None,
    )


def test_agent_kpis_keep_their_interface(team_data):
    # given
    _, agents, _ = team_data
    # when
    result = kpis.agent_kpis(agent_id=agents[1].pk, start=START, end=END)
    # then
    assert result == kpis.KPISet(contacts=4, aht_seconds=700.0, csat_percent=100.0, csat_mean=5.0, iqs=None, reviews=0)


def test_slice_of_an_agent_and_a_queue(team_data):
    # given
    _, agents, queues = team_data
    # when
    agent = kpis.slice_kpis(Slice(agent_id=agents[0].pk), start=START, end=END)
    email = kpis.slice_kpis(Slice(queue_id=queues["email"].pk), start=START, end=END)
    # then
    assert (agent.contacts, agent.first_response_median_seconds, agent.first_response_p90_seconds) == (8, 40.0, 10800.0)
    assert (email.contacts, email.first_response_median_seconds, email.resolution_median_seconds) == (2, 3600.0, 7200.0)


def test_empty_slice_has_no_values(db):
    # given / when
    result = kpis.slice_kpis(Slice(team_id=999_999), start=START, end=END)
    # then
    assert (result.contacts, result.first_response_median_seconds, result.fcr_percent, result.csat_percent) == (
        0,
        None,
        None,
        None,
    )


def test_service_level_per_queue_against_its_target(team_data):
    # given
    team, *_ = team_data
    # when
    rows = kpis.service_levels(Slice(team_id=team.pk), start=START, end=END)
    # then: chat 6 of 10 answered within 60 s (the unanswered one misses); email 1 of 2 within 2 h
    assert [(r.name, r.target_label, r.contacts, r.met, r.attainment_percent, r.is_met) for r in rows] == [
        ("Chat", "80 % in 60 s", 10, 6, 60.0, False),
        ("Email", "90 % in 2 h", 2, 1, 50.0, False),
    ]


def test_backlog_counts_open_conversations_at_the_end(team_data):
    # given
    team, *_ = team_data
    # when
    result = kpis.backlog(Slice(team_id=team.pk), end=END)
    midway = kpis.backlog(Slice(team_id=team.pk), end=START + timedelta(minutes=25))
    # then: five never resolved, the oldest created 50 minutes after the start; midway two were still open
    assert result == Backlog(open=5, oldest_hours=167.2)
    assert midway.open == 2


def test_top_drivers_by_tag(team_data):
    # given
    team, *_ = team_data
    # when
    result = kpis.top_drivers(Slice(team_id=team.pk), start=START, end=END)
    # then
    assert result == [Driver("login", 5), Driver("billing", 4), Driver("refund", 3)]
    assert kpis.top_drivers(Slice(team_id=team.pk), start=START, end=END, limit=1) == [Driver("login", 5)]


def test_qa_by_criterion_and_onboarding_status(team_data):
    # given
    team, agents, _ = team_data
    built = build_scorecard()
    conversation = agents[0].conversations.first()
    add_review(agents[0], conversation, score="80", submitted_at=START + timedelta(days=1), built=built, greeting=1)
    add_review(agents[1], conversation, score="60", submitted_at=START + timedelta(days=1), built=built, greeting=0)
    # when
    criteria = kpis.qa_by_criterion(Slice(team_id=team.pk), start=START, end=END)
    onboarding = kpis.onboarding_status(team_id=team.pk)
    # then
    assert [(row.key, row.iqs, row.reviews) for row in criteria] == [("greeting", 50.0, 2)]
    assert onboarding["Active"] == 1
    assert onboarding["Onboarding"] == 1
    assert sum(onboarding.values()) == 2


def test_weekly_trend_uses_the_teams_local_weeks(db):
    # given: Singapore is UTC+8; Sunday 8 March 23:00 local and Monday 9 March 01:00 local
    team = TeamFactory(market=MarketFactory(code="sg", timezone="Asia/Singapore"), timezone="Asia/Singapore")
    agent = AgentFactory(team=team)
    queue = QueueFactory(service_level_seconds=60)
    sunday = datetime(2026, 3, 8, 15, 0, tzinfo=UTC)
    make_conversation(agent, queue, created=sunday, response=30, resolved=5, handle=100, csat=5)
    make_conversation(agent, queue, created=sunday + timedelta(hours=2), response=90, resolved=5, handle=300, csat=2)
    period = kpis.weeks_period(weeks=3, today=date(2026, 3, 10), zone=team.zone)
    # when
    weeks = kpis.team_weekly_trend(team=team, start=period.start, end=period.end)
    # then
    assert period.start == datetime(2026, 2, 23, 0, 0, tzinfo=team.zone)
    assert [(w.week, w.contacts, w.aht_seconds, w.csat_percent, w.service_level_percent) for w in weeks] == [
        (date(2026, 2, 23), 0, None, None, None),
        (date(2026, 3, 2), 1, 100.0, 100.0, 100.0),
        (date(2026, 3, 9), 1, 300.0, 0.0, 0.0),
    ]


def test_adherence_is_none_without_published_shifts(team_data):
    # given
    _, agents, _ = team_data
    # when
    result = kpis.slice_kpis(Slice(agent_id=agents[0].pk), start=START, end=END)
    # then
    assert result.adherence_percent is None


def test_agent_adherence_comes_from_the_published_schedule(org):
    # given: a published 09:00-13:00 Singapore shift; available from 09:00, offline from 11:00 (local)
    from scheduling.models import AgentStateEvent
    from tests.scheduling.published import add_shift, at, publish

    zone = org.team_a.zone
    publish(add_shift(org.agent_a1, at(zone, 2026, 3, 2, 9), at(zone, 2026, 3, 2, 13)))
    AgentStateEvent.objects.create(agent=org.agent_a1, state="available", occurred_at=at(zone, 2026, 3, 2, 9))
    AgentStateEvent.objects.create(agent=org.agent_a1, state="offline", occurred_at=at(zone, 2026, 3, 2, 11))
    period = kpis.period_of_days(first_day=date(2026, 3, 2), last_day=date(2026, 3, 8), zone=zone)
    # when
    agent = kpis.slice_kpis(Slice(agent_id=org.agent_a1.pk), start=period.start, end=period.end)
    team = kpis.slice_kpis(Slice(team_id=org.team_a.pk), start=period.start, end=period.end)
    too_long = kpis.agent_adherence_percent(
        agent_id=org.agent_a1.pk, start=period.start, end=period.start + timedelta(days=63)
    )
    # then: two of the four scheduled hours adherent, live; the team's waits for the day to be recorded
    assert agent.adherence_percent == 50.0
    assert team.adherence_percent is None
    assert too_long is None


def _record(agent, day: date, scheduled: float, adherent: float):
    from scheduling.models import AdherenceDay

    zone = agent.zone
    return AdherenceDay.objects.create(
        agent=agent, date=day, day_starts_at=datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC),
        scheduled_minutes=scheduled, adherent_minutes=adherent, present_minutes=adherent,
    )  # fmt: skip


def test_team_market_and_queue_adherence_sum_the_recorded_days(org):
    # given: Alpha (Singapore) a1 120 of 240 min and a2 180 of 240 on Monday 2 March; Bravo b1 60 of 60;
    # a1's Monday 9 March lies outside the week
    from tests.scheduling.published import team_queue

    _record(org.agent_a1, date(2026, 3, 2), 240, 120)
    _record(org.agent_a2, date(2026, 3, 2), 240, 180)
    _record(org.agent_b1, date(2026, 3, 3), 60, 60)
    _record(org.agent_a1, date(2026, 3, 9), 480, 0)
    alpha_queue = team_queue(org.team_a, "Alpha chat")
    bravo_queue = team_queue(org.team_b, "Bravo chat")
    idle_queue = QueueFactory(name="Nobody's queue")
    week = kpis.period_of_days(first_day=date(2026, 3, 2), last_day=date(2026, 3, 8), zone=org.team_a.zone)

    def adherence(scope: Slice) -> float | None:
        return kpis.slice_kpis(scope, start=week.start, end=week.end).adherence_percent

    # then
    assert adherence(Slice(team_id=org.team_a.pk)) == 62.5
    assert adherence(Slice(team_id=org.team_b.pk)) == 100.0
    assert adherence(Slice(market_id=org.team_a.market_id)) == 66.67  # 360 of 540
    assert adherence(Slice(queue_id=alpha_queue.pk)) == 62.5
    assert adherence(Slice(queue_id=bravo_queue.pk)) == 100.0
    assert adherence(Slice(team_id=org.team_a.pk, queue_id=bravo_queue.pk)) is None
    assert adherence(Slice(queue_id=idle_queue.pk)) is None


def test_an_agents_adherence_over_a_long_period_sums_the_recorded_days(org):
    # given: 90 days, beyond the live computation
    _record(org.agent_a1, date(2026, 1, 5), 480, 360)
    _record(org.agent_a1, date(2026, 3, 2), 480, 480)
    _record(org.agent_a2, date(2026, 3, 2), 480, 0)
    period = kpis.period_of_days(first_day=date(2026, 1, 1), last_day=date(2026, 3, 31), zone=org.team_a.zone)
    # when
    result = kpis.slice_kpis(Slice(agent_id=org.agent_a1.pk), start=period.start, end=period.end)
    # then
    assert result.adherence_percent == 87.5


def test_an_agent_whose_state_is_not_tracked_has_no_adherence_rather_than_zero(org):
    # given: a published shift and no state event at all
    from tests.scheduling.published import add_shift, at, publish

    zone = org.team_a.zone
    publish(add_shift(org.agent_a1, at(zone, 2026, 3, 2, 9), at(zone, 2026, 3, 2, 13)))
    period = kpis.period_of_days(first_day=date(2026, 3, 2), last_day=date(2026, 3, 8), zone=zone)
    # when
    result = kpis.slice_kpis(Slice(agent_id=org.agent_a1.pk), start=period.start, end=period.end)
    # then
    assert result.adherence_percent is None


def test_weekly_trend_shows_recorded_adherence_per_local_week(org):
    # given: Singapore Sunday 8 March and Monday 9 March are in different local weeks
    _record(org.agent_a1, date(2026, 3, 8), 100, 50)
    _record(org.agent_a2, date(2026, 3, 8), 100, 100)
    _record(org.agent_a1, date(2026, 3, 9), 200, 50)
    _record(org.agent_b1, date(2026, 3, 9), 200, 0)
    period = kpis.weeks_period(weeks=3, today=date(2026, 3, 10), zone=org.team_a.zone)
    # when
    weeks = kpis.team_weekly_trend(team=org.team_a, start=period.start, end=period.end)
    # then
    assert [(w.week, w.adherence_percent) for w in weeks] == [
        (date(2026, 2, 23), None),
        (date(2026, 3, 2), 75.0),
        (date(2026, 3, 9), 25.0),
    ]


def test_team_dashboard_queries_do_not_grow(team_data, django_assert_num_queries):
    # given
    team, agents, queues = team_data
    today = date(2026, 3, 4)
    with django_assert_num_queries(17 + PERCENTILE_QUERIES):  # the current period's percentiles
        first = kpis.team_dashboard(team=team, weeks=4, today=today)
    for index in range(20):
        make_conversation(
            agents[index % 2], queues["chat"], created=START + timedelta(hours=index), response=5, resolved=5,
            tags=[f"tag{index}"],
        )  # fmt: skip
    # when / then
    with django_assert_num_queries(17 + PERCENTILE_QUERIES):  # the current period's percentiles
        second = kpis.team_dashboard(team=team, weeks=4, today=today)
    assert (first.current.contacts, second.current.contacts) == (13, 33)
    assert len(second.weeks) == 4


def test_slice_kpis_queries_do_not_grow(team_data, django_assert_num_queries):
    # given
    team, agents, queues = team_data
    for index in range(15):
        make_conversation(agents[0], queues["chat"], created=START + timedelta(hours=index), response=5, resolved=5)
    # when / then
    with django_assert_num_queries(4 + PERCENTILE_QUERIES):  # agents, aggregate, IQS, recorded adherence
        kpis.slice_kpis(Slice(team_id=team.pk), start=START, end=END)


def test_analyst_views_derive_seconds_and_flags(team_data):
    # given
    team, *_ = team_data
    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT queue_name, first_response_seconds, resolution_seconds, is_first_contact_resolution, "
            "is_csat_positive, met_service_level FROM supportops_kpi_conversations WHERE team_id = %s "
            "ORDER BY created_at",
            [team.pk],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT COUNT(*) FROM supportops_kpi_reviews")
        reviews = cursor.fetchone()[0]
    # then: the conversation before the period first, then the twelve ROWS
    assert len(rows) == 13
    assert [(name, round(first), resolution and round(resolution)) for name, first, resolution, *_ in rows[1:3]] == [
        ("Chat", 10, 600),
        ("Chat", 20, 1200),
    ]
    assert [row[3:] for row in rows[1:5]] == [(0, 1, 1), (1, 1, 1), (1, 0, 1), (1, 0, 1)]
    assert rows[10][5] == 0  # the unanswered chat misses the target
    assert [row[5] for row in rows[11:]] == [1, 0]  # email: 1 h met, 3 h missed against 2 h
    assert reviews == 0
