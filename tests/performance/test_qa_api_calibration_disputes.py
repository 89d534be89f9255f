"""The calibration and disputes API: role access on every endpoint, exact query counts on lists, create, close,
blind reviews and results of sessions; raise, escalate and resolve disputes, and their statistics."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from performance import services
from performance.models import CalibrationSession, Dispute, QASettings, Review, ReviewKind
from performance.services import DisputeItemInput, RatingInput
from supportops.choices import Role
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import UserFactory
from tests.performance.qa import assign, build_scorecard

SESSIONS = "/api/performance/calibration-sessions/"
DISPUTES = "/api/performance/disputes/"


@dataclass
class Sessions:
    """Session ``alpha`` (team A: reviewers qa and qa2, facilitated by lead) and ``bravo`` (team B, by the admin)."""

    alpha: CalibrationSession
    bravo: CalibrationSession
    lead: object
    qa2: object


@pytest.fixture
def sessions(org) -> Sessions:
    build_scorecard()
    lead = UserFactory(username="qa_lead", roles=[Role.QA_REVIEWER])
    QASettings.objects.create(team=org.team_a).leads.add(lead)
    qa2 = UserFactory(username="qa_two", roles=[Role.QA_REVIEWER])
    qa3 = UserFactory(username="qa_three", roles=[Role.QA_REVIEWER])
    alpha = services.calibration_session_create(
        name="Alpha November",
        team=org.team_a,
        conversations=[org.conversation_a1, org.conversation_a2],
        reviewers=[org.qa, qa2],
        user=lead,
    )
    bravo = services.calibration_session_create(
        name="Bravo November",
        team=org.team_b,
        conversations=[org.conversation_b1],
        reviewers=[qa2, qa3],
        user=org.admin,
    )
    return Sessions(alpha=alpha, bravo=bravo, lead=lead, qa2=qa2)


def submit(session, conversation, reviewer, kind=ReviewKind.CALIBRATION, **values) -> Review:
    review = services.review_start(conversation=conversation, reviewer=reviewer, kind=kind, calibration=session)
    ratings = [RatingInput(key, value) for key, value in values.items()]
    services.review_save(review=review, ratings=ratings, user=reviewer)
    return services.review_submit(review=review, user=reviewer)


# --- calibration sessions -----------------------------------------------------------------------------------------


def test_calibration_sessions_role_access(org, sessions):
    alpha, bravo = sessions.alpha.pk, sessions.bravo.pk
    assert_role_access(
        list_url=SESSIONS,
        detail_url=lambda pk: f"{SESSIONS}{pk}/",
        all_ids={alpha, bravo},
        cases={
            "agent": RoleCase(user=org.agent_a1.user, sees=set()),
            "qa reviewer": RoleCase(user=org.qa, sees={alpha}),
            "qa reviewer of both": RoleCase(user=sessions.qa2, sees={alpha, bravo}),
            "qa lead": RoleCase(user=sessions.lead, sees={alpha}),
            "manager_a": RoleCase(user=org.manager_a, sees=set()),
            "manager_b": RoleCase(user=org.manager_b, sees=set()),
            "admin": RoleCase(user=org.admin, sees={alpha, bravo}),
        },
    )


def test_calibration_sessions_list_query_count_does_not_grow(org, sessions, django_assert_num_queries):
    client = api_client_for(sessions.qa2)
    client.get(SESSIONS)  # warm the token and role caches
    with django_assert_num_queries(7):
        response = client.get(SESSIONS)
    assert response.json()["count"] == 2
    submit(sessions.alpha, org.conversation_a1, sessions.qa2, greeting=1, tone=4, accuracy=3)
    services.calibration_session_create(
        name="Alpha December",
        team=org.team_a,
        conversations=[org.conversation_a1, org.conversation_a2],
        reviewers=[org.qa, sessions.qa2],
        user=sessions.lead,
    )
    with django_assert_num_queries(7):
        response = client.get(SESSIONS)
    assert response.json()["count"] == 3
    item = next(row for row in response.json()["results"] if row["id"] == sessions.alpha.pk)
    assert item["submitted_conversation_ids"] == [org.conversation_a1.pk]
    assert item["conversation_ids"] == [org.conversation_a1.pk, org.conversation_a2.pk]
    assert (item["facilitator_name"], item["status"], item["scorecard_name"]) == (
        sessions.lead.get_full_name(),
        "open",
        "Support quality",
    )


def test_a_qa_lead_opens_a_session_through_the_api_and_others_may_not(org, sessions):
    body = {
        "name": "Alpha again",
        "team_id": org.team_a.pk,
        "conversation_ids": [org.conversation_a2.pk],
        "reviewer_ids": [org.qa.pk, sessions.qa2.pk],
    }
    forbidden = api_client_for(org.qa).post(SESSIONS, body, format="json")
    assert forbidden.status_code == 403
    assert forbidden.json() == {"detail": "Only a QA lead of Alpha or an admin runs its calibration sessions."}

    response = api_client_for(sessions.lead).post(SESSIONS, body, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["facilitator_id"]) == ("Alpha again", sessions.lead.pk)
    assert CalibrationSession.objects.count() == 3


def test_a_bad_session_is_refused_naming_the_field(org, sessions):
    client = api_client_for(sessions.lead)
    body = {"name": "Mixed", "team_id": org.team_a.pk, "conversation_ids": [org.conversation_b1.pk], "reviewer_ids": []}

    response = client.post(SESSIONS, body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "conversations": ["API #b1 is not a conversation of Alpha's agents."],
        "reviewers": ["Choose at least two reviewers."],
    }
    unknown = client.post(SESSIONS, {**body, "conversation_ids": [999999]}, format="json")
    assert (unknown.status_code, unknown.json()) == (400, {"conversation_ids": ["No conversation has id 999999."]})
    assert CalibrationSession.objects.count() == 2


def test_closing_a_session_through_the_api(org, sessions):
    url = f"{SESSIONS}{sessions.alpha.pk}/close/"
    assert api_client_for(org.qa).post(url).status_code == 403
    assert api_client_for(org.manager_a).post(url).status_code == 404
    missing = api_client_for(sessions.lead).post(url)
    assert (missing.status_code, missing.json()) == (
        400,
        {"session": ["Submit a benchmark review of every conversation first: missing API #a1, API #a2."]},
    )
    for conversation in (org.conversation_a1, org.conversation_a2):
        submit(sessions.alpha, conversation, sessions.lead, ReviewKind.BENCHMARK, greeting=1, tone=4, accuracy=3)

    response = api_client_for(sessions.lead).post(url)

    assert (response.status_code, response.json()["status"]) == (200, "closed")


def test_session_reviews_are_blind_per_conversation_through_the_api(org, sessions):
    url = f"{SESSIONS}{sessions.alpha.pk}/reviews/"
    theirs = submit(sessions.alpha, org.conversation_a1, sessions.qa2, greeting=0, tone=5, accuracy=3)
    assert api_client_for(org.qa).get(url).json() == []

    mine = submit(sessions.alpha, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)

    rows = api_client_for(org.qa).get(url).json()
    assert sorted(row["id"] for row in rows) == sorted([theirs.pk, mine.pk])
    row = next(row for row in rows if row["id"] == theirs.pk)
    assert (row["kind"], row["score"], row["reviewer_id"]) == ("calibration", 70.0, sessions.qa2.pk)
    assert {r["criterion_key"]: r["value"] for r in row["ratings"]} == {"greeting": 0, "tone": 5, "accuracy": 3}
    assert api_client_for(org.agent_a1.user).get(url).status_code == 404


def test_session_results_through_the_api(org, sessions):
    url = f"{SESSIONS}{sessions.alpha.pk}/results/"
    submit(sessions.alpha, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    blind = api_client_for(org.qa).get(url)
    assert (blind.status_code, blind.json()) == (
        403,
        {"detail": "Submit your review of every conversation of the session first: calibration is blind."},
    )
    assert api_client_for(org.agent_a1.user).get(url).status_code == 404
    assert api_client_for(org.manager_a).get(url).status_code == 404
    submit(sessions.alpha, org.conversation_a1, sessions.lead, ReviewKind.BENCHMARK, greeting=1, tone=3, accuracy=3)

    body = api_client_for(sessions.lead).get(url).json()

    assert [c["conversation_id"] for c in body["conversations"]] == [org.conversation_a1.pk, org.conversation_a2.pk]
    tone = next(c for c in body["conversations"][0]["criteria"] if c["key"] == "tone")
    assert tone == {
        "key": "tone",
        "name": "Tone and empathy",
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0, "na": 0},
        "benchmark_value": 3,
    }
    qa_row = next(r for r in body["reviewers"] if r["reviewer_id"] == org.qa.pk)
    # tone 4 vs 3 on 1-5: 75 % at weight 30 of 110 → 100 − 25·30/110 = 93.182
    assert (qa_row["alignment"], qa_row["reviews_submitted"]) == (93.182, 1)
    assert (body["alpha"], body["alpha_reason"]) == (
        None,
        "Undefined: fewer than two reviewers have submitted a review.",
    )
    assert body["alignment_note"] == ""


# --- disputes -----------------------------------------------------------------------------------------------------


def reviewed(conversation, reviewer) -> Review:
    assign(conversation, reviewer)
    review = services.review_start(conversation=conversation, reviewer=reviewer)
    ratings = [RatingInput("greeting", 1), RatingInput("tone", 4), RatingInput("accuracy", 3)]
    services.review_save(review=review, ratings=ratings, user=reviewer)
    return services.review_submit(review=review, user=reviewer)


@dataclass
class Disputes:
    """A dispute of agent A1's review by qa, and one of agent B1's review by the admin."""

    a1: Dispute
    b1: Dispute


@pytest.fixture
def disputes(org) -> Disputes:
    build_scorecard()
    review_a1 = reviewed(org.conversation_a1, org.qa)
    review_b1 = reviewed(org.conversation_b1, org.admin)
    items = [DisputeItemInput("tone", 5), DisputeItemInput("accuracy", 4)]
    return Disputes(
        a1=services.dispute_raise(review=review_a1, user=org.agent_a1.user, reason="Too strict", items=items),
        b1=services.dispute_raise(review=review_b1, user=org.agent_b1.user, reason="Too strict", items=items),
    )


def test_disputes_role_access(org, disputes):
    a1, b1 = disputes.a1.pk, disputes.b1.pk
    assert_role_access(
        list_url=DISPUTES,
        detail_url=lambda pk: f"{DISPUTES}{pk}/",
        all_ids={a1, b1},
        cases={
            "agent": RoleCase(user=org.agent_a1.user, sees={a1}),
            "other agent": RoleCase(user=org.agent_a2.user, sees=set()),
            "qa reviewer": RoleCase(user=org.qa, sees={a1}),
            "manager_a": RoleCase(user=org.manager_a, sees={a1}),
            "manager_b": RoleCase(user=org.manager_b, sees={b1}),
            "admin": RoleCase(user=org.admin, sees={a1, b1}),
        },
    )


def test_disputes_list_query_count_does_not_grow(org, disputes, django_assert_num_queries):
    client = api_client_for(org.admin)
    client.get(DISPUTES)  # warm the token and role caches
    with django_assert_num_queries(5):
        response = client.get(DISPUTES)
    assert response.json()["count"] == 2
    for conversation in (org.conversation_a2, org.conversation_b2):
        review = reviewed(conversation, org.admin)
        services.dispute_raise(
            review=review, user=review.agent.user, reason="Why?", items=[DisputeItemInput("greeting", 0)]
        )
    with django_assert_num_queries(5):
        response = client.get(DISPUTES)
    assert response.json()["count"] == 4
    item = next(row for row in response.json()["results"] if row["id"] == disputes.a1.pk)
    assert (item["status"], item["assigned_to_id"], item["raised_by_id"], item["reason"]) == (
        "open",
        org.qa.pk,
        org.agent_a1.user.pk,
        "Too strict",
    )
    assert [(i["criterion_key"], i["proposed_value"], i["value_before"]) for i in item["items"]] == [
        ("tone", 5, 4),
        ("accuracy", 4, 3),
    ]


def test_raising_a_dispute_through_the_api(org):
    build_scorecard()
    review = reviewed(org.conversation_a1, org.qa)
    body = {
        "review_id": review.pk,
        "reason": "Policy allows it",
        "items": [{"criterion_key": "tone", "proposed_value": 5}],
    }

    forbidden = api_client_for(org.qa).post(DISPUTES, body, format="json")
    assert (forbidden.status_code, forbidden.json()) == (
        403,
        {"detail": "Only the reviewed agent or a manager of their team disputes a review."},
    )
    unseen = api_client_for(org.manager_b).post(DISPUTES, body, format="json")
    assert (unseen.status_code, unseen.json()) == (400, {"review_id": [f"No review has id {review.pk}."]})
    bad = api_client_for(org.agent_a1.user).post(
        DISPUTES, {**body, "reason": "", "items": [{"criterion_key": "accuracy", "proposes_na": True}]}, format="json"
    )
    assert (bad.status_code, bad.json()) == (
        400,
        {"reason": ["Give a reason for the dispute."], "items": ["Accurate answer: N/A is not allowed."]},
    )
    assert Dispute.objects.count() == 0

    response = api_client_for(org.agent_a1.user).post(DISPUTES, body, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["assigned_to_id"]) == ("open", org.qa.pk)


def test_escalating_and_resolving_through_the_api(org, disputes):
    lead = UserFactory(username="qa_lead", roles=[Role.QA_REVIEWER])
    QASettings.objects.create(team=org.team_a).leads.add(lead)
    escalate = f"{DISPUTES}{disputes.a1.pk}/escalate/"
    resolve = f"{DISPUTES}{disputes.a1.pk}/resolve/"
    assert api_client_for(org.manager_b).post(escalate, {"note": "x"}, format="json").status_code == 404
    assert api_client_for(org.manager_a).post(escalate, {"note": "x"}, format="json").status_code == 403
    escalated = api_client_for(org.qa).post(escalate, {"note": "Second opinion"}, format="json")
    assert (escalated.status_code, escalated.json()["status"], escalated.json()["assigned_to_id"]) == (
        200,
        "escalated",
        lead.pk,
    )
    decision = {
        "outcome_code": "reviewer_error",
        "note": "Accuracy stands.",
        "decisions": [
            {"criterion_key": "tone", "accept": True},
            {"criterion_key": "accuracy", "accept": False},
        ],
    }
    assert api_client_for(org.agent_a1.user).post(resolve, decision, format="json").status_code == 403
    bad = api_client_for(lead).post(resolve, {**decision, "outcome_code": "nope"}, format="json")
    assert (bad.status_code, list(bad.json())) == (400, ["outcome_code"])
    twice = api_client_for(lead).post(resolve, {**decision, "decisions": [decision["decisions"][0]] * 2}, format="json")
    assert (twice.status_code, twice.json()) == (400, {"decisions": ["Decide on each criterion once."]})

    response = api_client_for(lead).post(resolve, decision, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["score_before"], body["score_after"]) == ("partially_accepted", 72.5, 80.0)
    assert [(i["criterion_key"], i["outcome"], i["value_after"]) for i in body["items"]] == [
        ("tone", "accepted", 5),
        ("accuracy", "rejected", 3),
    ]


def test_dispute_stats_through_the_api(org, disputes):
    services.dispute_resolve(
        dispute=disputes.a1,
        user=org.qa,
        outcome_code="score_correct",
        note="No.",
        decisions={"tone": (False, None), "accuracy": (False, None)},
    )
    url = f"{DISPUTES}stats/"

    everything = api_client_for(org.admin).get(url).json()
    alpha = api_client_for(org.admin).get(f"{url}?team={org.team_a.pk}").json()

    assert (everything["count"], everything["open"], everything["resolved"]) == (2, 1, 1)
    assert (alpha["count"], alpha["rejected"], alpha["acceptance_rate_percent"]) == (1, 1, 0.0)
    assert api_client_for(org.manager_b).get(url).json()["count"] == 1
    assert api_client_for(org.agent_a2.user).get(url).json()["count"] == 0
    bad = api_client_for(org.admin).get(f"{url}?start=3-11-2026")
    assert (bad.status_code, bad.json()) == (400, {"start": ["Give a date as YYYY-MM-DD, not '3-11-2026'."]})
    unseen = api_client_for(org.manager_b).get(f"{url}?team={org.team_a.pk}")
    assert (unseen.status_code, unseen.json()) == (400, {"team": [f"No team has id {org.team_a.pk}."]})
    dated = api_client_for(org.admin).get(f"{url}?start=2000-01-01&end=2000-01-31").json()
    assert dated["count"] == 0


def test_the_admin_lists_sessions_and_disputes_read_only(org, sessions, client):
    review = reviewed(org.conversation_a1, org.qa)
    dispute = services.dispute_raise(
        review=review, user=org.agent_a1.user, reason="Too strict", items=[DisputeItemInput("tone", 5)]
    )
    client.force_login(org.admin)

    sessions_page = client.get("/admin/performance/calibrationsession/")
    disputes_page = client.get(f"/admin/performance/dispute/{dispute.pk}/change/")

    assert sessions_page.status_code == 200
    assert "Alpha November" in sessions_page.content.decode()
    assert disputes_page.status_code == 200
    assert "Too strict" in disputes_page.content.decode()
    assert client.get("/admin/performance/dispute/add/").status_code == 403
    client.force_login(org.qa)
    assert client.get("/admin/performance/dispute/").status_code == 302
