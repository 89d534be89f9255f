"""The sampling API: rules (with reviewer goals) per role and their validation, opening a cycle, cycles, review
assignments with remove and replace, and list query counts that do not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from performance.models import QASettings, ReviewAssignment, ReviewerGoal, SamplingCycle, SamplingRule
from performance.services import sampling
from supportops.choices import Role
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import ConversationFactory, QueueFactory, UserFactory

MONDAY = date(2026, 11, 16)  # a cycle opened on it samples 9-15 November 2026
IN_WEEK = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
BASE = "/api/performance"


def talk(agent, hours: int = 0, **extra) -> Any:
    return ConversationFactory(agent=agent, created_at=IN_WEEK + timedelta(hours=hours), **extra)


@dataclass
class World:
    """Rules and opened cycles of both teams: ``qa`` reviews team_a, ``qa_b`` team_b; ``lead`` leads team_a's QA."""

    lead: User
    qa_b: User
    rule_a: SamplingRule
    rule_b: SamplingRule
    cycle_a: SamplingCycle
    cycle_b: SamplingCycle


@pytest.fixture
def world(org) -> World:
    lead = UserFactory(username="qa_lead", roles=[Role.QA_REVIEWER])
    QASettings.objects.create(team=org.team_a).leads.add(lead)
    qa_b = UserFactory(username="qa_b", roles=[Role.QA_REVIEWER])
    org.team_b.qa_reviewers.add(qa_b)
    for agent in [org.agent_a1, org.agent_a2, org.agent_b1, org.agent_b2]:
        talk(agent, subject=f"Refund for {agent.user.username}")
    rule_a = SamplingRule.objects.create(team=org.team_a, name="Weekly", per_agent=3)
    rule_b = SamplingRule.objects.create(team=org.team_b, name="Weekly", per_agent=3)
    return World(
        lead=lead,
        qa_b=qa_b,
        rule_a=rule_a,
        rule_b=rule_b,
        cycle_a=sampling.sampling_cycle_open(rule=rule_a, day=MONDAY, seed=1),
        cycle_b=sampling.sampling_cycle_open(rule=rule_b, day=MONDAY, seed=1),
    )


def _ids(cycle: SamplingCycle) -> set[int]:
    return set(cycle.assignments.values_list("pk", flat=True))


# --- role access ----------------------------------------------------------------------------------------------------


def test_sampling_rules_role_access(org, world):
    a, b = world.rule_a.pk, world.rule_b.pk
    assert_role_access(
        list_url=f"{BASE}/sampling-rules/",
        detail_url=lambda pk: f"{BASE}/sampling-rules/{pk}/",
        all_ids={a, b},
        cases={
            "agent": RoleCase(user=org.agent_a1.user, sees=set(), denied=True),
            "QA reviewer": RoleCase(user=org.qa, sees={a}),
            "QA lead": RoleCase(user=world.lead, sees={a}, may_change={a}),
            "manager of team_a": RoleCase(user=org.manager_a, sees={a}),
            "manager of team_b": RoleCase(user=org.manager_b, sees={b}),
            "admin": RoleCase(user=org.admin, sees={a, b}, may_change={a, b}),
        },
        change={"name": "Renamed"},
    )


def test_sampling_cycles_role_access(org, world):
    a, b = world.cycle_a.pk, world.cycle_b.pk
    assert_role_access(
        list_url=f"{BASE}/sampling-cycles/",
        detail_url=lambda pk: f"{BASE}/sampling-cycles/{pk}/",
        all_ids={a, b},
        cases={
            "agent": RoleCase(user=org.agent_a1.user, sees=set(), denied=True),
            "QA reviewer": RoleCase(user=org.qa, sees={a}),
            "QA lead": RoleCase(user=world.lead, sees={a}),
            "manager of team_a": RoleCase(user=org.manager_a, sees={a}),
            "manager of team_b": RoleCase(user=org.manager_b, sees={b}),
            "admin": RoleCase(user=org.admin, sees={a, b}),
        },
    )


def test_review_assignments_role_access(org, world):
    team_a, team_b = _ids(world.cycle_a), _ids(world.cycle_b)
    assert (len(team_a), len(team_b)) == (2, 2)
    assert_role_access(
        list_url=f"{BASE}/review-assignments/",
        detail_url=lambda pk: f"{BASE}/review-assignments/{pk}/",
        all_ids=team_a | team_b,
        cases={
            "agent": RoleCase(user=org.agent_a1.user, sees=set(), denied=True),
            "QA reviewer of team_a": RoleCase(user=org.qa, sees=team_a),
            "QA reviewer of team_b": RoleCase(user=world.qa_b, sees=team_b),
            "QA lead of team_a": RoleCase(user=world.lead, sees=team_a),
            "manager of team_a": RoleCase(user=org.manager_a, sees=team_a),
            "manager of team_b": RoleCase(user=org.manager_b, sees=team_b),
            "admin": RoleCase(user=org.admin, sees=team_a | team_b),
        },
    )


def test_a_reviewer_sees_only_their_own_assignments_not_a_colleagues(org, world):
    colleague = UserFactory(username="qa_colleague", roles=[Role.QA_REVIEWER])
    org.team_a.qa_reviewers.add(colleague)
    assignment = world.cycle_a.assignments.order_by("pk").first()
    ReviewAssignment.objects.filter(pk=assignment.pk).update(reviewer=colleague)
    body = api_client_for(org.qa).get(f"{BASE}/review-assignments/").json()
    assert [row["id"] for row in body["results"]] == sorted(_ids(world.cycle_a) - {assignment.pk})


# --- rules ----------------------------------------------------------------------------------------------------------


def test_a_qa_lead_creates_a_rule_with_reviewer_goals(org, world):
    chat = QueueFactory(name="Chat", channel="chat")
    response = api_client_for(world.lead).post(
        f"{BASE}/sampling-rules/",
        {
            "team": "alpha",
            "name": "Unhappy chats",
            "cadence": "fortnightly",
            "per_agent": 5,
            "method": "stratified",
            "channels": ["chat"],
            "queue_ids": [chat.pk],
            "csat_max": 2,
            "handle_time_min_seconds": 60,
            "handle_time_max_seconds": 3600,
            "tags": ["refund"],
            "reviewer_goals": [{"reviewer_id": org.qa.pk, "goal": 12}, {"reviewer_id": world.lead.pk, "goal": 4}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    rule = SamplingRule.objects.get(name="Unhappy chats")
    assert body == {
        "id": rule.pk,
        "team": "alpha",
        "team_name": "Alpha",
        "name": "Unhappy chats",
        "cadence": "fortnightly",
        "per_agent": 5,
        "method": "stratified",
        "channels": ["chat"],
        "queue_ids": [chat.pk],
        "csat_max": 2,
        "handle_time_min_seconds": 60,
        "handle_time_max_seconds": 3600,
        "tags": ["refund"],
        "require_transcript": False,
        "is_active": True,
        "reviewer_goals": [
            {"reviewer_id": org.qa.pk, "reviewer_name": org.qa.get_full_name(), "goal": 12},
            {"reviewer_id": world.lead.pk, "reviewer_name": world.lead.get_full_name(), "goal": 4},
        ],
        "created_at": body["created_at"],
    }


def test_changing_reviewer_goals_replaces_them(org, world):
    ReviewerGoal.objects.create(rule=world.rule_a, reviewer=org.qa, goal=3)
    response = api_client_for(world.lead).patch(
        f"{BASE}/sampling-rules/{world.rule_a.pk}/",
        {"reviewer_goals": [{"reviewer_id": world.lead.pk, "goal": 7}], "per_agent": 4},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert list(world.rule_a.reviewer_goals.values_list("reviewer__username", "goal")) == [("qa_lead", 7)]
    world.rule_a.refresh_from_db()
    assert (world.rule_a.per_agent, world.rule_a.name) == (4, "Weekly")


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"channels": ["fax"]}, {"channels": {"0": ['"fax" is not a valid choice.']}}),
        ({"tags": [5]}, {"tags": {"0": ["Not a valid string."]}}),
        (
            {"handle_time_min_seconds": 900, "handle_time_max_seconds": 60},
            {"handle_time_min_seconds": ["The minimum handle time cannot be above the maximum."]},
        ),
        ({"per_agent": 0}, {"per_agent": ["Ensure this value is greater than or equal to 1."]}),
        ({"per_agent": 101}, {"per_agent": ["Ensure this value is less than or equal to 100."]}),
        ({"csat_max": 6}, {"csat_max": ["Ensure this value is less than or equal to 5."]}),
        ({"cadence": "yearly"}, {"cadence": ['"yearly" is not a valid choice.']}),
        ({"name": "Weekly"}, {"name": ["Alpha already has a sampling rule named “Weekly”."]}),
        ({"team": "nowhere"}, {"team": ["Object with slug=nowhere does not exist."]}),
        ({"queue_ids": [999999]}, {"queue_ids": ['Invalid pk "999999" - object does not exist.']}),
        (
            {"reviewer_goals": [{"reviewer_id": 0, "goal": 0}]},
            {"reviewer_goals": {"0": {"goal": ["Ensure this value is greater than or equal to 1."]}}},
        ),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field_and_nothing_is_stored(org, world, change, errors):
    before = SamplingRule.objects.count()
    response = api_client_for(world.lead).post(
        f"{BASE}/sampling-rules/", {"team": "alpha", "name": "New rule", **change}, format="json"
    )
    assert (response.status_code, response.json()) == (400, errors)
    assert SamplingRule.objects.count() == before


def test_a_reviewer_goal_for_someone_who_does_not_review_the_team_is_refused(org, world):
    response = api_client_for(world.lead).post(
        f"{BASE}/sampling-rules/",
        {"team": "alpha", "name": "New rule", "reviewer_goals": [{"reviewer_id": world.qa_b.pk, "goal": 3}]},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"reviewer_goals": [f"User {world.qa_b.pk} is not a QA reviewer or QA lead of Alpha."]},
    )
    assert not SamplingRule.objects.filter(name="New rule").exists()


def test_a_partial_change_keeps_the_handle_time_range_consistent(org, world):
    client = api_client_for(world.lead)
    url = f"{BASE}/sampling-rules/{world.rule_a.pk}/"
    assert client.patch(url, {"handle_time_max_seconds": 300}, format="json").status_code == 200
    response = client.patch(url, {"handle_time_min_seconds": 600}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"handle_time_min_seconds": ["The minimum handle time cannot be above the maximum."]},
    )
    response = client.patch(url, {"team": "bravo"}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"team": ["A rule stays with its team: create one for the other team."]},
    )
    world.rule_a.refresh_from_db()
    assert (world.rule_a.handle_time_min_seconds, world.rule_a.team) == (None, org.team_a)


@pytest.mark.parametrize("who", ["manager_a", "qa", "agent"])
def test_only_qa_leads_and_admins_create_rules(org, world, who):
    user = org.agent_a1.user if who == "agent" else getattr(org, who)
    response = api_client_for(user).post(f"{BASE}/sampling-rules/", {"team": "alpha", "name": "Mine"}, format="json")
    assert response.status_code == 403
    assert not SamplingRule.objects.filter(name="Mine").exists()


def test_a_rule_with_cycles_is_paused_rather_than_deleted(org, world):
    client = api_client_for(world.lead)
    response = client.delete(f"{BASE}/sampling-rules/{world.rule_a.pk}/")
    assert (response.status_code, response.json()) == (
        400,
        {"rule": ["“Weekly” has 1 cycle(s) with their assignments: pause it (is_active) instead."]},
    )
    fresh = SamplingRule.objects.create(team=org.team_a, name="Fresh")
    assert api_client_for(org.manager_a).delete(f"{BASE}/sampling-rules/{fresh.pk}/").status_code == 403
    assert client.delete(f"{BASE}/sampling-rules/{fresh.pk}/").status_code == 204
    assert list(SamplingRule.objects.filter(team=org.team_a).values_list("name", flat=True)) == ["Weekly"]


# --- opening a cycle ------------------------------------------------------------------------------------------------


def test_opening_a_cycle_through_the_api_is_idempotent(org, world):
    client = api_client_for(world.lead)
    url = f"{BASE}/sampling-rules/{world.rule_a.pk}/open-cycle/"
    response = client.post(url, {"day": "2026-11-18"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": world.cycle_a.pk,
        "rule_id": world.rule_a.pk,
        "rule_name": "Weekly",
        "team": "alpha",
        "period_start": "2026-11-09",
        "period_end": "2026-11-15",
        "seed": 1,
        "opened_at": response.json()["opened_at"],
        "assignment_count": 2,
        "assigned_count": 2,
        "reviewed_count": 0,
    }
    earlier = client.post(url, {"day": "2026-11-09"}, format="json").json()
    assert (earlier["period_start"], earlier["period_end"], earlier["assignment_count"]) == (
        "2026-11-02",
        "2026-11-08",
        0,
    )
    assert SamplingCycle.objects.filter(rule=world.rule_a).count() == 2


def test_opening_a_cycle_is_refused_for_a_period_not_over_a_bad_day_or_a_non_lead(org, world):
    url = f"{BASE}/sampling-rules/{world.rule_a.pk}/open-cycle/"
    response = api_client_for(world.lead).post(url, {"day": "2099-01-05"}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"day": ["The period 2098-12-29 to 2099-01-04 has not ended yet."]},
    )
    response = api_client_for(world.lead).post(url, {"day": "05/01/2026"}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["day"])
    assert api_client_for(org.manager_a).post(url, {"day": "2026-11-09"}, format="json").status_code == 403
    assert api_client_for(org.qa).post(url, {"day": "2026-11-09"}, format="json").status_code == 403
    assert api_client_for(org.manager_b).post(url, {"day": "2026-11-09"}, format="json").status_code == 404
    assert SamplingCycle.objects.filter(rule=world.rule_a).count() == 1


# --- assignments ----------------------------------------------------------------------------------------------------


def test_an_assignment_row_shows_the_conversation_agent_and_queue(org, world):
    assignment = world.cycle_a.assignments.select_related("conversation__queue").get(conversation__agent=org.agent_a1)
    row = api_client_for(org.qa).get(f"{BASE}/review-assignments/{assignment.pk}/").json()
    assert row == {
        "id": assignment.pk,
        "cycle_id": world.cycle_a.pk,
        "rule_name": "Weekly",
        "team": "alpha",
        "period_start": "2026-11-09",
        "period_end": "2026-11-15",
        "conversation_id": assignment.conversation_id,
        "subject": "Refund for agent_a1",
        "conversation_created_at": "2026-11-10T02:00:00Z",
        "agent_id": org.agent_a1.pk,
        "agent_name": org.agent_a1.display_name,
        "queue_id": assignment.conversation.queue_id,
        "queue_name": assignment.conversation.queue.name,
        "reviewer_id": org.qa.pk,
        "reviewer_name": org.qa.get_full_name(),
        "status": "assigned",
        "reason": "",
        "replaced_by_id": None,
        "created_at": row["created_at"],
    }


def test_assignments_filter_by_status_cycle_and_reviewer(org, world):
    first = world.cycle_a.assignments.order_by("pk").first()
    sampling.assignment_remove(assignment=first, reason="Spam", user=org.qa)
    client = api_client_for(org.admin)

    def ids(query: str) -> list[int]:
        return sorted(row["id"] for row in client.get(f"{BASE}/review-assignments/?{query}").json()["results"])

    assert ids("status=removed") == [first.pk]
    assert ids(f"cycle={world.cycle_b.pk}") == sorted(_ids(world.cycle_b))
    assert ids(f"reviewer={world.qa_b.pk}") == sorted(_ids(world.cycle_b))
    assert client.get(f"{BASE}/review-assignments/?status=lost").status_code == 400


def test_removing_through_the_api_needs_a_reason_and_the_right_person(org, world):
    assignment = world.cycle_a.assignments.order_by("pk").first()
    url = f"{BASE}/review-assignments/{assignment.pk}/remove/"
    client = api_client_for(org.qa)
    assert (client.post(url, {}, format="json").json()) == {"reason": ["This field is required."]}
    response = client.post(url, {"reason": " "}, format="json")
    assert (response.status_code, response.json()) == (400, {"reason": ["Give a reason."]})
    assert api_client_for(org.manager_a).post(url, {"reason": "No"}, format="json").status_code == 403
    assert api_client_for(org.agent_a1.user).post(url, {"reason": "No"}, format="json").status_code == 403
    assert api_client_for(world.qa_b).post(url, {"reason": "No"}, format="json").status_code == 404
    assignment.refresh_from_db()
    assert (assignment.status, assignment.reason) == ("assigned", "")
    response = client.post(url, {"reason": "Internal test ticket"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("removed", "Internal test ticket")


def test_replacing_through_the_api_answers_the_new_assignment_or_a_clear_400(org, world):
    assignment = world.cycle_a.assignments.get(conversation__agent=org.agent_a1)
    url = f"{BASE}/review-assignments/{assignment.pk}/replace/"
    client = api_client_for(world.lead)
    # agent_a1 had one conversation last week: nothing to replace it with
    response = client.post(url, {"reason": "Spam"}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {
            "assignment": [
                f"No other conversation of {org.agent_a1.display_name} in this cycle's period matches the rule: "
                "remove it."
            ]
        },
    )
    other = talk(org.agent_a1, 5, subject="Another refund")
    response = client.post(url, {"reason": "Spam"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["conversation_id"], body["subject"], body["reviewer_id"], body["status"]) == (
        other.pk,
        "Another refund",
        org.qa.pk,
        "assigned",
    )
    assignment.refresh_from_db()
    assert (assignment.status, assignment.reason, assignment.replaced_by_id) == ("replaced", "Spam", body["id"])


# --- query counts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "count"),
    [("sampling-rules/", 6), ("sampling-cycles/", 4), ("review-assignments/", 4)],
)
def test_list_query_counts_do_not_grow(org, world, django_assert_num_queries, path, count):
    client = api_client_for(org.admin)
    client.get(f"{BASE}/{path}")  # warm the token and role caches
    with django_assert_num_queries(count):
        first = client.get(f"{BASE}/{path}").json()["count"]
    # given more rules with goals and queues, more conversations and cycles
    for n in range(3):
        rule = SamplingRule.objects.create(team=org.team_a, name=f"More {n}", per_agent=5)
        queue = QueueFactory()
        rule.queues.add(queue)
        ReviewerGoal.objects.create(rule=rule, reviewer=org.qa, goal=2)
        talk(org.agent_a1, 10 + n, queue=queue)
        talk(org.agent_a2, 10 + n, queue=queue)
        sampling.sampling_cycle_open(rule=rule, day=MONDAY, seed=n)
    with django_assert_num_queries(count):
        second = client.get(f"{BASE}/{path}").json()["count"]
    assert second > first
