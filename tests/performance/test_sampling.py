"""QA sampling: periods in the team's zone (DST-safe), the deterministic draw (random and stratified), every filter,
reviewers balanced by goals and never given their own conversations, idempotent cycles, the beat task and command,
and removing or replacing an assignment with a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from performance import tasks
from performance.models import (
    AssignmentStatus,
    QASettings,
    Review,
    ReviewAssignment,
    ReviewerGoal,
    SamplingCycle,
    SamplingRule,
)
from performance.services import sampling
from performance.services.sampling import ReviewerSlot, SampleCandidate
from supportops.choices import AgentStatus, Role
from supportops.models import Conversation
from tests.factories import PASSWORD, AgentFactory, ConversationFactory, QueueFactory, TeamFactory, UserFactory
from tests.performance.qa import build_scorecard

MONDAY = date(2026, 11, 16)  # a cycle opened on it samples Monday 9 to Sunday 15 November 2026 (Singapore)
IN_WEEK = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def talk(agent, hours: int = 0, **extra):
    """A conversation of the agent created ``hours`` after Tuesday 10 Nov 2026 02:00 UTC (in the sampled week)."""
    extra.setdefault("created_at", IN_WEEK + timedelta(hours=hours))
    return ConversationFactory(agent=agent, **extra)


def rule_of(team, **fields) -> SamplingRule:
    fields.setdefault("name", "Weekly sample")
    fields.setdefault("per_agent", 3)
    return SamplingRule.objects.create(team=team, **fields)


def sampled(cycle: SamplingCycle) -> dict[str, str]:
    """External id → reviewer username of the cycle's assignments to review."""
    return {
        row.conversation.external_id: row.reviewer.username
        for row in cycle.assignments.filter(status=AssignmentStatus.ASSIGNED).select_related("conversation", "reviewer")
    }


# --- periods --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "day", "bounds"),
    [
        ("daily", date(2026, 11, 18), (date(2026, 11, 18), date(2026, 11, 18))),
        ("weekly", date(2026, 11, 18), (date(2026, 11, 16), date(2026, 11, 22))),
        ("weekly", date(2026, 11, 16), (date(2026, 11, 16), date(2026, 11, 22))),
        ("weekly", date(2026, 11, 22), (date(2026, 11, 16), date(2026, 11, 22))),
        ("fortnightly", date(2024, 1, 1), (date(2024, 1, 1), date(2024, 1, 14))),
        ("fortnightly", date(2024, 1, 15), (date(2024, 1, 15), date(2024, 1, 28))),
        ("fortnightly", date(2026, 11, 22), (date(2026, 11, 16), date(2026, 11, 29))),
        ("fortnightly", date(2023, 12, 31), (date(2023, 12, 18), date(2023, 12, 31))),
        ("monthly", date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        ("monthly", date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),
        ("monthly", date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
    ],
)
def test_cycle_bounds_per_cadence(cadence, day, bounds):
    assert sampling.cycle_bounds(cadence, day) == bounds


@pytest.mark.parametrize(
    ("cadence", "opened_on", "period"),
    [
        ("daily", date(2026, 11, 16), (date(2026, 11, 15), date(2026, 11, 15))),
        ("weekly", date(2026, 11, 16), (date(2026, 11, 9), date(2026, 11, 15))),
        ("weekly", date(2026, 11, 20), (date(2026, 11, 9), date(2026, 11, 15))),
        ("fortnightly", date(2026, 11, 16), (date(2026, 11, 2), date(2026, 11, 15))),
        ("monthly", date(2026, 3, 1), (date(2026, 2, 1), date(2026, 2, 28))),
        ("monthly", date(2026, 1, 5), (date(2025, 12, 1), date(2025, 12, 31))),
    ],
)
def test_a_cycle_opened_on_a_day_samples_the_previous_completed_period(cadence, opened_on, period):
    assert sampling.due_period(cadence, opened_on) == period


def test_period_instants_run_from_local_midnight_to_local_midnight_across_the_dst_change(db):
    # given a team in Berlin, where summer time ends at 03:00 on Sunday 25 October 2026
    team = TeamFactory(timezone="Europe/Berlin")
    # then that local day lasts 25 hours, and its week starts at CEST midnight and ends at CET midnight
    assert sampling.period_instants(team, date(2026, 10, 25), date(2026, 10, 25)) == (
        datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 23, 0, tzinfo=UTC),
    )
    assert sampling.period_instants(team, date(2026, 10, 19), date(2026, 10, 25)) == (
        datetime(2026, 10, 18, 22, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 23, 0, tzinfo=UTC),
    )


def test_a_berlin_cycle_samples_exactly_the_local_week_around_the_dst_change(org):
    # given a Berlin team's conversations just inside and just outside the local week 19-25 October 2026
    team = TeamFactory(timezone="Europe/Berlin", market=org.market, qa_reviewers=[org.qa])
    agent = AgentFactory(team=team)
    times = {
        "sunday-before-2330": datetime(2026, 10, 18, 21, 30, tzinfo=UTC),  # 23:30 CEST on the 18th: out
        "monday-0030": datetime(2026, 10, 18, 22, 30, tzinfo=UTC),  # 00:30 CEST on the 19th: in
        "sunday-2330": datetime(2026, 10, 25, 22, 30, tzinfo=UTC),  # 23:30 CET on the 25th: in
        "monday-after-0030": datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 00:30 CET on the 26th: out
    }
    for name, when in times.items():
        ConversationFactory(agent=agent, external_id=name, created_at=when)
    rule = rule_of(team, per_agent=10)
    # when the cycle is opened on Monday 26 October
    cycle = sampling.sampling_cycle_open(rule=rule, day=date(2026, 10, 26), seed=1)
    # then it covers 19-25 October and exactly the two conversations of that local week
    assert (cycle.period_start, cycle.period_end) == (date(2026, 10, 19), date(2026, 10, 25))
    assert sorted(sampled(cycle)) == ["monday-0030", "sunday-2330"]


# --- the draw -------------------------------------------------------------------------------------------------------


def _candidates(agent_id: int, queues: dict[int | None, int], first_id: int = 1) -> list[SampleCandidate]:
    rows = []
    next_id = first_id
    for queue_id, count in queues.items():
        for _ in range(count):
            rows.append(
                SampleCandidate(conversation_id=next_id, agent_id=agent_id, agent_user_id=100, queue_id=queue_id)
            )
            next_id += 1
    return rows


def test_draw_sample_is_deterministic_for_a_seed():
    candidates = _candidates(agent_id=7, queues={1: 10})
    first = sampling.draw_sample(candidates, seed=42, per_agent=3)
    # the same seed draws the same conversations, whatever order the candidates come in
    assert [row.conversation_id for row in first] == [3, 8, 9]
    assert sampling.draw_sample(list(reversed(candidates)), seed=42, per_agent=3) == first
    assert [row.conversation_id for row in sampling.draw_sample(candidates, seed=43, per_agent=3)] == [4, 6, 9]


def test_draw_sample_takes_n_per_agent_and_all_of_an_agent_with_fewer():
    candidates = _candidates(agent_id=1, queues={1: 5}) + _candidates(agent_id=2, queues={1: 2}, first_id=6)
    drawn = sampling.draw_sample(candidates, seed=5, per_agent=3)
    assert [row.agent_id for row in drawn].count(1) == 3
    assert [row.conversation_id for row in drawn if row.agent_id == 2] == [6, 7]


def test_one_agents_volume_does_not_change_another_agents_sample():
    base = _candidates(agent_id=1, queues={1: 8})
    alone = sampling.draw_sample(base, seed=9, per_agent=2)
    with_other = sampling.draw_sample(base + _candidates(agent_id=2, queues={1: 30}, first_id=50), seed=9, per_agent=2)
    assert [row for row in with_other if row.agent_id == 1] == alone


@pytest.mark.parametrize(
    ("queues", "per_agent", "split"),
    [
        ({1: 6, 2: 2}, 4, {1: 3, 2: 1}),
        ({1: 5, 2: 3, 3: 2}, 5, {1: 3, 2: 1, 3: 1}),  # 2.5 / 1.5 / 1.0: remainders .5 and .5, tie to queue 1
        ({1: 1, 2: 1, 3: 1}, 2, {1: 1, 2: 1, 3: 0}),
        ({None: 3, 4: 3}, 3, {None: 2, 4: 1}),  # no queue sorts first on a tie
        ({1: 2, 2: 1}, 5, {1: 2, 2: 1}),  # fewer than N: all of them
    ],
)
def test_stratified_draw_splits_n_across_queues_by_largest_remainder(queues, per_agent, split):
    drawn = sampling.draw_sample(
        _candidates(agent_id=3, queues=queues), seed=11, per_agent=per_agent, method="stratified"
    )
    assert {queue: [row.queue_id for row in drawn].count(queue) for queue in queues} == split


def test_balance_gives_each_conversation_to_the_lowest_ratio_below_goal_and_never_the_agent_themself():
    # given reviewers 1 (goal 6) and 2 (goal 2); conversation 5 was handled by reviewer 1
    slots = [ReviewerSlot(reviewer_id=1, goal=6), ReviewerSlot(reviewer_id=2, goal=2)]
    sample = [SampleCandidate(conversation_id=n, agent_id=9, agent_user_id=50, queue_id=None) for n in range(1, 9)]
    owners = sampling.balance_reviewers(sample, slots)
    # then the eight are split 6 / 2, interleaved by ratio (ties to the lower id)
    assert owners == {1: 1, 2: 2, 3: 1, 4: 1, 5: 1, 6: 2, 7: 1, 8: 1}
    # and past both goals the next ones go to the lowest ratio among all: 7/6 and then 3/2
    more = sample + [SampleCandidate(conversation_id=n, agent_id=9, agent_user_id=50, queue_id=None) for n in (9, 10)]
    assert list(sampling.balance_reviewers(more, slots).values()).count(1) == 7
    own = [SampleCandidate(conversation_id=1, agent_id=9, agent_user_id=1, queue_id=None)]
    assert sampling.balance_reviewers(own, slots) == {1: 2}
    assert sampling.balance_reviewers(own, [ReviewerSlot(reviewer_id=1, goal=5)]) == {1: None}


def test_a_reviewer_at_goal_gets_work_only_when_nobody_below_goal_is_eligible():
    slots = [ReviewerSlot(reviewer_id=1, goal=1), ReviewerSlot(reviewer_id=2, goal=5)]
    # conversations 2 and 3 were handled by reviewer 2, so reviewer 1 (at goal after the first) takes them
    sample = [
        SampleCandidate(conversation_id=1, agent_id=9, agent_user_id=50, queue_id=None),
        SampleCandidate(conversation_id=2, agent_id=8, agent_user_id=2, queue_id=None),
        SampleCandidate(conversation_id=3, agent_id=8, agent_user_id=2, queue_id=None),
        SampleCandidate(conversation_id=4, agent_id=9, agent_user_id=50, queue_id=None),
    ]
    assert sampling.balance_reviewers(sample, slots) == {1: 1, 2: 1, 3: 1, 4: 2}


# --- opening a cycle ------------------------------------------------------------------------------------------------


def test_opening_a_cycle_samples_n_per_agent_of_last_week_with_the_stored_seed(org):
    # given agent_a1 handled 6 conversations last week, agent_a2 two, and a team_b agent one
    for n in range(6):
        talk(org.agent_a1, n, external_id=f"a1-{n}")
    for n in range(2):
        talk(org.agent_a2, n, external_id=f"a2-{n}")
    talk(org.agent_b1, 0, external_id="b1-0")
    rule = rule_of(org.team_a, per_agent=3)
    # when the cycle is opened on Monday with seed 42
    cycle = sampling.sampling_cycle_open(rule=rule, day=MONDAY, seed=42)
    # then it covers last week and holds 3 of agent_a1's and both of agent_a2's, all for the QA reviewer
    assert (cycle.period_start, cycle.period_end, cycle.seed) == (date(2026, 11, 9), date(2026, 11, 15), 42)
    got = sampled(cycle)
    assert sorted(name[:2] for name in got) == ["a1", "a1", "a1", "a2", "a2"]
    assert set(got.values()) == {"qa_user"}
    # and exactly the conversations the pure draw gives for the stored seed (ids differ per database)
    candidates = sampling.sampling_candidates(
        rule=rule, period_start=cycle.period_start, period_end=cycle.period_end, cycle=cycle
    )
    assert [row.conversation_id for row in candidates] == sorted(
        Conversation.objects.filter(agent__team=org.team_a, external_id__contains="-").values_list("pk", flat=True)
    )
    drawn = sampling.draw_sample(candidates, seed=42, per_agent=3)
    assert sorted(cycle.assignments.values_list("conversation_id", flat=True)) == [row.conversation_id for row in drawn]


def test_opening_a_cycle_again_returns_it_unchanged_and_the_stored_seed_redraws_the_same_sample(org):
    for n in range(8):
        talk(org.agent_a1, n, external_id=f"a1-{n}")
    rule = rule_of(org.team_a, per_agent=3)
    cycle = sampling.sampling_cycle_open(rule=rule, day=MONDAY)
    first = sampled(cycle)
    # when it is opened again later in the week
    again = sampling.sampling_cycle_open(rule=rule, day=MONDAY + timedelta(days=3))
    # then it is the same cycle, with the same 3 assignments
    assert (again.pk, sampled(again)) == (cycle.pk, first)
    assert ReviewAssignment.objects.count() == 3
    assert SamplingCycle.objects.count() == 1
    # and drawing again with its stored seed after deleting the assignments gives the same conversations
    cycle.assignments.all().delete()
    candidates = sampling.sampling_candidates(
        rule=rule, period_start=cycle.period_start, period_end=cycle.period_end, cycle=cycle
    )
    redrawn = sampling.draw_sample(candidates, seed=cycle.seed, per_agent=3)
    ids = [row.conversation_id for row in redrawn]
    assert set(Conversation.objects.filter(pk__in=ids).values_list("external_id", flat=True)) == set(first)


def test_a_stratified_cycle_splits_an_agents_sample_across_queues(org):
    # given 6 chat and 2 email conversations of agent_a1
    chat, email = QueueFactory(name="Chat", channel="chat"), QueueFactory(name="Email", channel="email")
    for n in range(6):
        talk(org.agent_a1, n, queue=chat, external_id=f"chat-{n}")
    for n in range(2):
        talk(org.agent_a1, 10 + n, queue=email, external_id=f"email-{n}")
    rule = rule_of(org.team_a, per_agent=4, method="stratified")
    cycle = sampling.sampling_cycle_open(rule=rule, day=MONDAY, seed=3)
    names = sorted(sampled(cycle))
    assert [name.split("-")[0] for name in names] == ["chat", "chat", "chat", "email"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["chat-csat2", "chat-csat5", "email-nocsat", "email-vip-long", "chat-short"]),
        ({"channels": ["email"]}, ["email-nocsat", "email-vip-long"]),
        ({"csat_max": 3}, ["chat-csat2", "chat-short"]),
        ({"handle_time_min_seconds": 300}, ["chat-csat2", "chat-csat5", "email-nocsat", "email-vip-long"]),
        ({"handle_time_max_seconds": 900}, ["chat-csat2", "chat-csat5", "email-nocsat", "chat-short"]),
        (
            {"handle_time_min_seconds": 300, "handle_time_max_seconds": 900},
            ["chat-csat2", "chat-csat5", "email-nocsat"],
        ),
        ({"tags": ["vip", "refund"]}, ["chat-csat2", "email-vip-long"]),
        ({"queues": "email"}, ["email-nocsat", "email-vip-long"]),
    ],
)
def test_every_filter_narrows_the_candidates(org, filters, expected):
    # given five conversations of agent_a1 last week with different channels, CSAT, handle times and tags
    chat, email = QueueFactory(name="Chat", channel="chat"), QueueFactory(name="Email", channel="email")
    talk(org.agent_a1, 0, external_id="chat-csat2", queue=chat, csat_score=2, handle_time_seconds=420, tags=["refund"])
    talk(org.agent_a1, 1, external_id="chat-csat5", queue=chat, csat_score=5, handle_time_seconds=420, tags=[])
    talk(org.agent_a1, 2, external_id="email-nocsat", queue=email, csat_score=None, handle_time_seconds=600)
    talk(
        org.agent_a1, 3, external_id="email-vip-long", queue=email, csat_score=4, handle_time_seconds=1800, tags=["vip"]
    )
    talk(org.agent_a1, 4, external_id="chat-short", queue=chat, csat_score=1, handle_time_seconds=60, tags=["billing"])
    queues = filters.pop("queues", None)
    rule = rule_of(org.team_a, per_agent=100, **filters)
    if queues:
        rule.queues.set([email.pk])
    cycle = sampling.sampling_cycle_open(rule=rule, day=MONDAY, seed=1)
    assert sorted(sampled(cycle)) == sorted(expected)


def test_exited_agents_other_teams_earlier_assignments_and_reviewed_conversations_are_not_candidates(org):
    card = build_scorecard()
    exited = AgentFactory(team=org.team_a, status=AgentStatus.EXITED)
    talk(exited, 0, external_id="exited")
    talk(org.agent_b1, 0, external_id="other-team")
    talk(org.agent_a1, 0, external_id="fresh")
    reviewed = talk(org.agent_a1, 1, external_id="reviewed")
    Review.objects.create(conversation=reviewed, agent=org.agent_a1, reviewer=org.qa, version=card.version)
    taken = talk(org.agent_a2, 0, external_id="taken")
    other_rule = rule_of(org.team_a, name="Escalations", per_agent=5)
    other_cycle = SamplingCycle.objects.create(
        rule=other_rule, period_start=date(2026, 11, 9), period_end=date(2026, 11, 15), seed=1
    )
    ReviewAssignment.objects.create(cycle=other_cycle, conversation=taken, reviewer=org.qa)
    talk(org.agent_a2, 2, external_id="before", created_at=datetime(2026, 11, 8, 15, 59, tzinfo=UTC))
    talk(org.agent_a2, 3, external_id="first-minute", created_at=datetime(2026, 11, 8, 16, 0, tzinfo=UTC))
    cycle = sampling.sampling_cycle_open(rule=rule_of(org.team_a, per_agent=10), day=MONDAY, seed=1)
    assert sorted(sampled(cycle)) == ["first-minute", "fresh"]


def test_reviewers_come_from_the_goals_are_balanced_and_never_get_their_own_conversations(org):
    # given reviewers qa (goal 4) and agent_a1's login (goal 2), who is also a QA reviewer
    other = UserFactory(username="qa_two", roles=[Role.QA_REVIEWER])
    for n in range(3):
        talk(org.agent_a1, n, external_id=f"a1-{n}")
        talk(org.agent_a2, n, external_id=f"a2-{n}")
    rule = rule_of(org.team_a, per_agent=3)
    ReviewerGoal.objects.create(rule=rule, reviewer=org.qa, goal=4)
    ReviewerGoal.objects.create(rule=rule, reviewer=org.agent_a1.user, goal=2)
    ReviewerGoal.objects.create(rule=rule, reviewer=other, goal=1)
    other.is_active = False
    other.save()
    cycle = sampling.sampling_cycle_open(rule=rule, day=MONDAY, seed=1)
    # then agent_a1's login reviews only agent_a2's conversations; the inactive reviewer gets none
    assert sampled(cycle) == {
        "a1-0": "qa_user",
        "a1-1": "qa_user",
        "a1-2": "qa_user",
        "a2-0": "agent_a1",
        "a2-1": "qa_user",
        "a2-2": "agent_a1",
    }


def test_opening_is_refused_for_a_paused_rule_a_period_not_over_no_reviewers_or_a_non_lead(org):
    talk(org.agent_a1, 0)
    paused = rule_of(org.team_a, name="Paused", is_active=False)
    with pytest.raises(ValidationError) as error:
        sampling.sampling_cycle_open(rule=paused, day=MONDAY)
    assert error.value.message_dict == {"rule": ["“Paused” is paused: activate it to open a cycle."]}
    rule = rule_of(org.team_a)
    today = timezone.now().astimezone(org.team_a.zone).date()
    with pytest.raises(ValidationError) as error:
        sampling.sampling_cycle_open(rule=rule, day=today + timedelta(days=7))
    assert list(error.value.message_dict) == ["day"]
    no_reviewers = rule_of(org.team_b)
    with pytest.raises(ValidationError) as error:
        sampling.sampling_cycle_open(rule=no_reviewers, day=MONDAY)
    assert error.value.message_dict == {
        "reviewer_goals": ["“Weekly sample” has no reviewers: add reviewer goals or QA reviewers to the team."]
    }
    with pytest.raises(PermissionDenied):
        sampling.sampling_cycle_open(rule=rule, day=MONDAY, user=org.manager_a)
    assert SamplingCycle.objects.count() == 0
    assert ReviewAssignment.objects.count() == 0
    QASettings.objects.create(team=org.team_a).leads.add(org.manager_a)
    assert sampling.sampling_cycle_open(rule=rule, day=MONDAY, user=org.manager_a).assignments.count() == 1


# --- the beat task and the command ----------------------------------------------------------------------------------


def test_the_beat_task_opens_each_due_cycle_once(org, monkeypatch):
    # given it is Monday 16 Nov 2026 00:45 UTC (08:45 in Singapore), a weekly rule with 2 conversations last week and
    # a daily rule of team_b without reviewers, and a paused rule
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 16, 0, 45, tzinfo=UTC))
    talk(org.agent_a1, 0)
    talk(org.agent_a2, 0)
    rule_of(org.team_a)
    rule_of(org.team_b, name="Daily", cadence="daily")
    rule_of(org.team_a, name="Paused", is_active=False)
    # when the task runs twice
    first = tasks.open_sampling_cycles.delay().get()
    second = tasks.open_sampling_cycles.delay().get()
    # then the first opens the week 9-15 Nov with 2 assignments, the second nothing new
    assert first == {"rules": 2, "opened": 1, "already_open": 0, "refused": 1, "assignments": 2}
    assert second == {"rules": 2, "opened": 0, "already_open": 1, "refused": 1, "assignments": 0}
    assert list(SamplingCycle.objects.values_list("period_start", "period_end")) == [
        (date(2026, 11, 9), date(2026, 11, 15))
    ]


def test_the_command_prints_one_line_per_rule(org):
    talk(org.agent_a1, 0)
    rule = rule_of(org.team_a)
    out = StringIO()
    call_command("open_sampling_cycles", "--rule", str(rule.pk), "--day", "2026-11-16", stdout=out)
    call_command("open_sampling_cycles", "--rule", str(rule.pk), "--day", "2026-11-18", stdout=out)
    assert out.getvalue().splitlines() == [
        "Alpha · Weekly sample: 2026-11-09 to 2026-11-15 opened, 1 assignment(s)",
        "1 cycle(s) opened for 1 rule(s).",
        "Alpha · Weekly sample: 2026-11-09 to 2026-11-15 already open, 1 assignment(s)",
        "0 cycle(s) opened for 1 rule(s).",
    ]


# --- removing and replacing -----------------------------------------------------------------------------------------


@pytest.fixture
def opened(org):
    """A cycle with 2 of agent_a1's 3 conversations last week for the QA reviewer."""
    for n in range(3):
        talk(org.agent_a1, n, external_id=f"a1-{n}")
    rule = rule_of(org.team_a, per_agent=2)
    return sampling.sampling_cycle_open(rule=rule, day=MONDAY, seed=42)


def test_removing_an_assignment_needs_a_reason(org, opened):
    assignment = opened.assignments.order_by("pk").first()
    with pytest.raises(ValidationError) as error:
        sampling.assignment_remove(assignment=assignment, reason="  ", user=org.qa)
    assert error.value.message_dict == {"reason": ["Give a reason."]}
    assignment.refresh_from_db()
    assert (assignment.status, assignment.reason) == ("assigned", "")
    removed = sampling.assignment_remove(assignment=assignment, reason="Test ticket", user=org.qa)
    assert (removed.status, removed.reason) == ("removed", "Test ticket")
    with pytest.raises(ValidationError) as error:
        sampling.assignment_remove(assignment=assignment, reason="Again", user=org.qa)
    assert error.value.message_dict == {"assignment": ["This assignment is removed: only one to review changes."]}


def test_replacing_draws_the_agents_other_conversation_then_refuses_when_none_is_left(org, opened):
    # given two of the three conversations are sampled
    left_out = ({"a1-0", "a1-1", "a1-2"} - set(sampled(opened))).pop()
    first = opened.assignments.order_by("pk").first()
    # when the reviewer replaces one with a reason
    replacement = sampling.assignment_replace(assignment=first, reason="Spam", user=org.qa)
    # then the one left out takes its place, for the same reviewer, and the old one links to it
    first.refresh_from_db()
    assert (first.status, first.reason, first.replaced_by) == ("replaced", "Spam", replacement)
    assert (replacement.conversation.external_id, replacement.reviewer, replacement.status) == (
        left_out,
        org.qa,
        "assigned",
    )
    # and replacing again finds nothing left: a clear refusal, nothing changed
    with pytest.raises(ValidationError) as error:
        sampling.assignment_replace(assignment=replacement, reason="Again", user=org.qa)
    assert error.value.message_dict == {
        "assignment": [
            f"No other conversation of {org.agent_a1.display_name} in this cycle's period matches the rule: remove it."
        ]
    }
    replacement.refresh_from_db()
    assert replacement.status == "assigned"
    assert opened.assignments.count() == 3


def test_a_replacement_is_deterministic_from_the_cycle_seed_and_the_assignment(org):
    # given agent_a1 has 6 conversations and 1 is sampled
    for n in range(6):
        talk(org.agent_a1, n, external_id=f"a1-{n}")
    cycle = sampling.sampling_cycle_open(rule=rule_of(org.team_a, per_agent=1), day=MONDAY, seed=5)
    assignment = cycle.assignments.get()
    # when it is replaced, undone and replaced again
    first = sampling.assignment_replace(assignment=assignment, reason="Spam", user=org.qa).conversation_id
    ReviewAssignment.objects.filter(pk=assignment.pk).update(status="assigned", replaced_by=None, reason="")
    ReviewAssignment.objects.filter(conversation_id=first).delete()
    second = sampling.assignment_replace(assignment=assignment, reason="Spam", user=org.qa).conversation_id
    # then the same conversation is drawn, and it is not the replaced one
    assert first == second
    assert first != assignment.conversation_id


def test_replacing_without_a_reason_is_refused_and_nothing_changes(org, opened):
    first = opened.assignments.order_by("pk").first()
    with pytest.raises(ValidationError) as error:
        sampling.assignment_replace(assignment=first, reason="", user=org.qa)
    assert error.value.message_dict == {"reason": ["Give a reason."]}
    assert opened.assignments.count() == 2
    first.refresh_from_db()
    assert first.status == "assigned"


def test_only_the_reviewer_a_qa_lead_or_an_admin_change_an_assignment(org, opened):
    first, second = opened.assignments.order_by("pk")
    for outsider in [org.manager_a, UserFactory(username="qa_other", roles=[Role.QA_REVIEWER]), org.agent_a1.user]:
        with pytest.raises(PermissionDenied):
            sampling.assignment_remove(assignment=first, reason="No", user=outsider)
    lead = UserFactory(username="lead", roles=[Role.QA_REVIEWER])
    QASettings.objects.create(team=org.team_a).leads.add(lead)
    assert sampling.assignment_remove(assignment=first, reason="Lead says", user=lead).status == "removed"
    assert sampling.assignment_remove(assignment=second, reason="Admin says", user=org.admin).status == "removed"


# --- admin ----------------------------------------------------------------------------------------------------------


def test_sampling_admin_pages_are_for_admins_and_the_rule_form_checks_channels_and_tags(org, opened):
    admin_client, manager_client = Client(), Client()
    admin_client.login(username=org.admin.username, password=PASSWORD)
    manager_client.login(username=org.manager_a.username, password=PASSWORD)
    assignment = opened.assignments.order_by("pk").first()
    urls = [
        "/admin/performance/samplingrule/",
        f"/admin/performance/samplingrule/{opened.rule_id}/change/",
        "/admin/performance/samplingcycle/",
        f"/admin/performance/samplingcycle/{opened.pk}/change/",
        "/admin/performance/reviewassignment/?status__exact=assigned",
        f"/admin/performance/reviewassignment/{assignment.pk}/change/",
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url
        assert manager_client.get(url).status_code == 302, url
    listing = admin_client.get("/admin/performance/samplingcycle/").content.decode()
    assert '<td class="field-assignment_count">2</td>' in listing
    response = admin_client.post(
        "/admin/performance/samplingrule/add/",
        {
            "team": org.team_a.pk,
            "name": "Admin rule",
            "cadence": "weekly",
            "per_agent": 3,
            "method": "random",
            "channels": '["fax"]',
            "tags": "[5]",
            "handle_time_min_seconds": 900,
            "handle_time_max_seconds": 60,
            "is_active": "on",
            "reviewer_goals-TOTAL_FORMS": 0,
            "reviewer_goals-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "channels": ["Unknown channel 'fax': use voice, chat, email, social, messaging."],
        "tags": ["Give tags as a list of non-empty texts."],
        "handle_time_min_seconds": ["The minimum handle time cannot be above the maximum."],
    }
    assert not SamplingRule.objects.filter(name="Admin rule").exists()


def test_a_rule_can_ask_for_conversations_with_a_transcript(org):
    from datetime import UTC, date, datetime

    from performance.models import SamplingRule
    from performance.services.sampling import sampling_candidates
    from supportops.choices import AuthorRole
    from supportops.models import ConversationMessage
    from tests.factories import ConversationFactory

    rule = SamplingRule.objects.create(team=org.team_a, name="With transcripts", require_transcript=True)
    read = ConversationFactory(agent=org.agent_a1, external_id="t1", created_at=datetime(2026, 11, 10, 3, tzinfo=UTC))
    ConversationFactory(agent=org.agent_a1, external_id="t2", created_at=datetime(2026, 11, 10, 4, tzinfo=UTC))
    ConversationMessage.objects.create(
        conversation=read, position=0, author_role=AuthorRole.CUSTOMER, body="Hi", sent_at=read.created_at
    )

    candidates = sampling_candidates(rule=rule, period_start=date(2026, 11, 9), period_end=date(2026, 11, 15))

    assert [candidate.conversation_id for candidate in candidates] == [read.pk]
