"""The reviews API: who sees which review (drafts and calibration never reach agents), opening, rating and
submitting through the API with bad input named, acknowledging, scorecards, and IQS over slices."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from performance import services
from performance.models import Review, ReviewKind, ReviewStatus
from performance.services import RatingInput
from supportops.choices import Role
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import ConversationFactory, UserFactory
from tests.performance.qa import assign, build_scorecard

REVIEWS = "/api/performance/reviews/"


@pytest.fixture
def card(db):
    return build_scorecard()


def submitted(conversation, reviewer, **values) -> Review:
    assign(conversation, reviewer)
    review = services.review_start(conversation=conversation, reviewer=reviewer)
    ratings = [RatingInput(key, value) for key, value in values.items()]
    services.review_save(review=review, ratings=ratings, user=reviewer)
    return services.review_submit(review=review, user=reviewer)


def test_who_sees_which_review(org, card):
    other_qa = UserFactory(username="qa_b", roles=[Role.QA_REVIEWER])
    org.team_b.qa_reviewers.add(other_qa)
    done_a1 = submitted(org.conversation_a1, org.qa, greeting=1, tone=5, accuracy=4)
    assign(org.conversation_a2, org.qa)
    draft_a2 = services.review_start(conversation=org.conversation_a2, reviewer=org.qa)
    done_b1 = submitted(org.conversation_b1, other_qa, greeting=1, tone=5, accuracy=4)
    every = {done_a1.pk, draft_a2.pk, done_b1.pk}

    assert_role_access(
        list_url=REVIEWS,
        detail_url=lambda pk: f"{REVIEWS}{pk}/",
        all_ids=every,
        cases={
            "admin": RoleCase(org.admin, sees=every),
            "qa (author, team A)": RoleCase(org.qa, sees={done_a1.pk, draft_a2.pk}),
            "qa of team B": RoleCase(other_qa, sees={done_b1.pk}),
            "manager A (submitted only)": RoleCase(org.manager_a, sees={done_a1.pk}),
            "manager B": RoleCase(org.manager_b, sees={done_b1.pk}),
            "agent a1 (own submitted)": RoleCase(org.agent_a1.user, sees={done_a1.pk}),
            "agent a2 (own draft: nothing)": RoleCase(org.agent_a2.user, sees=set()),
        },
    )


def test_a_reviewer_opens_rates_and_submits_through_the_api(org, card):
    assign(org.conversation_a1, org.qa)
    client = api_client_for(org.qa)

    opened = client.post(REVIEWS, {"conversation_id": org.conversation_a1.pk}, format="json")
    review_id = opened.json()["id"]
    rated = client.put(
        f"{REVIEWS}{review_id}/ratings/",
        {
            "ratings": [
                {"criterion": "greeting", "value": 1},
                {"criterion": "tone", "value": None, "comment": "Not a tone question."},
                {"criterion": "accuracy", "value": 3, "comment": "Missed the fee."},
            ],
            "comment": "Good, check the fee schedule.",
            "seconds_spent": 240,
        },
        format="json",
    )
    done = client.post(f"{REVIEWS}{review_id}/submit/")

    assert opened.status_code == 201
    assert (opened.json()["status"], opened.json()["scorecard"]) == ("draft", "Support quality")
    assert rated.status_code == 200, rated.content
    assert done.status_code == 200
    body = done.json()
    # (10·100 + 60·66.667) / 70 = 71.429
    assert (body["status"], body["score"], body["critical_failed"]) == ("submitted", "71.429", False)
    assert [(row["criterion"], row["value"], row["comment"]) for row in body["ratings"]] == [
        ("greeting", 1, ""),
        ("tone", None, "Not a tone question."),
        ("accuracy", 3, "Missed the fee."),
    ]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"ratings": [{"criterion": "tone", "value": 9}]},
            {"ratings": ["Tone and empathy: 9 is outside the scale 1 to 5."]},
        ),
        (
            {"ratings": [{"criterion": "accuracy", "value": None}]},
            {"ratings": ["Accurate answer: N/A is not allowed."]},
        ),
        (
            {"ratings": [{"criterion": "greeting", "value": "yes"}]},
            {"ratings": {"0": {"value": ["A valid integer is required."]}}},
        ),
        ({}, {"ratings": ["This field is required."]}),
    ],
)
def test_bad_ratings_through_the_api_are_a_400_and_nothing_changes(org, card, payload, expected):
    assign(org.conversation_a1, org.qa)
    client = api_client_for(org.qa)
    review_id = client.post(REVIEWS, {"conversation_id": org.conversation_a1.pk}, format="json").json()["id"]

    response = client.put(f"{REVIEWS}{review_id}/ratings/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == expected
    assert Review.objects.get().ratings.count() == 0


def test_reviewing_what_is_not_yours_is_refused(org, card):
    other = ConversationFactory(agent=org.agent_b1, external_id="b9")

    not_assigned = api_client_for(org.qa).post(REVIEWS, {"conversation_id": org.conversation_a1.pk}, format="json")
    unseen = api_client_for(org.qa).post(REVIEWS, {"conversation_id": other.pk}, format="json")
    own = api_client_for(org.agent_a1.user).post(REVIEWS, {"conversation_id": org.conversation_a1.pk}, format="json")

    assert not_assigned.status_code == 403
    assert (unseen.status_code, unseen.json()) == (
        400,
        {"conversation_id": [f"No conversation {other.pk} that you can see."]},
    )
    assert own.status_code == 403
    assert Review.objects.count() == 0


def test_a_submitted_review_is_edited_only_by_its_author_and_not_once_locked(org, card):
    review = submitted(org.conversation_a1, org.qa, greeting=1, tone=5, accuracy=4)
    payload = {
        "ratings": [
            {"criterion": "greeting", "value": 0},
            {"criterion": "tone", "value": 5},
            {"criterion": "accuracy", "value": 4},
        ]
    }

    by_manager = api_client_for(org.manager_a).put(f"{REVIEWS}{review.pk}/ratings/", payload, format="json")
    Review.objects.filter(pk=review.pk).update(locked_at=datetime(2026, 11, 20, tzinfo=UTC))
    locked = api_client_for(org.qa).put(f"{REVIEWS}{review.pk}/ratings/", payload, format="json")

    assert by_manager.status_code == 403
    assert (locked.status_code, locked.json()) == (
        400,
        {"review": ["This review is locked: a dispute about it was rejected."]},
    )
    assert Review.objects.get().score == Decimal("100.000")


def test_the_agent_acknowledges_and_never_sees_coaching_notes(org, card):
    review = submitted(org.conversation_a1, org.qa, greeting=0, tone=2, accuracy=3)

    seen = api_client_for(org.agent_a1.user).get(f"{REVIEWS}{review.pk}/").json()
    acknowledged = api_client_for(org.agent_a1.user).post(f"{REVIEWS}{review.pk}/acknowledge/")
    by_other = api_client_for(org.manager_a).post(f"{REVIEWS}{review.pk}/acknowledge/")

    assert "coaching_reason" not in seen
    assert api_client_for(org.manager_a).get(f"{REVIEWS}{review.pk}/").json()["coaching_reason"].startswith("Scored")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_at"] is not None
    assert by_other.status_code == 403


def test_calibration_reviews_are_never_listed_for_agents_or_managers(org, card):
    from performance.models import CalibrationSession

    session = CalibrationSession.objects.create(
        name="November", team=org.team_a, version=card.version, facilitator=org.admin
    )
    session.conversations.add(org.conversation_a1)
    session.reviewers.add(org.qa)
    review = services.review_start(
        conversation=org.conversation_a1, reviewer=org.qa, kind=ReviewKind.CALIBRATION, calibration=session
    )
    services.review_save(
        review=review,
        ratings=[RatingInput("greeting", 1), RatingInput("tone", 5), RatingInput("accuracy", 4)],
        user=org.qa,
    )
    services.review_submit(review=review, user=org.qa)

    for user in (org.agent_a1.user, org.manager_a):
        assert api_client_for(user).get(REVIEWS).json()["results"] == []
    assert Review.objects.counted().count() == 0


def test_the_review_list_costs_the_same_queries_whatever_its_length(org, card, django_assert_num_queries):
    submitted(org.conversation_a1, org.qa, greeting=1, tone=5, accuracy=4)
    client = api_client_for(org.manager_a)
    with django_assert_num_queries(NUM_LIST_QUERIES) as few:
        client.get(REVIEWS)
    submitted(org.conversation_a2, org.qa, greeting=1, tone=4, accuracy=4)
    submitted(ConversationFactory(agent=org.agent_a2, external_id="a9"), org.qa, greeting=0, tone=4, accuracy=4)
    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(REVIEWS).json()
    assert body["count"] == 3


NUM_LIST_QUERIES = 4  # token, roles, count, page


# --- scorecards -----------------------------------------------------------------------------------------------------


def test_scorecards_are_read_by_everyone_and_drafted_and_published_by_admins(org, card):
    version = api_client_for(org.agent_a1.user).get(f"/api/performance/scorecard-versions/{card.version.pk}/").json()
    refused = api_client_for(org.manager_a).post(f"/api/performance/scorecards/{card.scorecard.pk}/draft/")
    draft = api_client_for(org.admin).post(f"/api/performance/scorecards/{card.scorecard.pk}/draft/")
    again = api_client_for(org.admin).post(f"/api/performance/scorecards/{card.scorecard.pk}/draft/")
    published = api_client_for(org.admin).post(
        f"/api/performance/scorecard-versions/{draft.json()['id']}/publish/", {"notes": "Same criteria"}, format="json"
    )

    assert [criterion["key"] for section in version["sections"] for criterion in section["criteria"]] == [
        "greeting",
        "tone",
        "accuracy",
        "data-leak",
        "wow",
    ]
    assert version["sections"][0]["criteria"][1]["labels"] == ["Very poor", "Poor", "Fair", "Good", "Excellent"]
    assert refused.status_code == 403
    assert (draft.status_code, draft.json()["number"], draft.json()["status"]) == (201, 2, "draft")
    assert (again.status_code, again.json()) == (
        400,
        {"scorecard": ["Support quality already has a draft: edit that one."]},
    )
    assert (published.status_code, published.json()["status"]) == (200, "published")
    card.version.refresh_from_db()
    assert card.version.status == "retired"


def test_old_reviews_keep_the_version_they_used(org, card):
    review = submitted(org.conversation_a1, org.qa, greeting=1, tone=5, accuracy=4)
    draft = services.scorecard_draft_next(scorecard=card.scorecard, user=org.admin)
    draft.sections.get(key="communication").criteria.filter(key="greeting").update(weight=90)
    services.scorecard_version_publish(version=draft, user=org.admin)

    second = submitted(org.conversation_a2, org.qa, greeting=0, tone=5, accuracy=4)

    review.refresh_from_db()
    assert (review.version_id, review.score) == (card.version.pk, Decimal("100.000"))
    assert (second.version_id, second.score) == (draft.pk, Decimal("50.000"))  # greeting's 90 of 180 lost


# --- IQS ------------------------------------------------------------------------------------------------------------


def test_iqs_of_five_reviews_is_their_mean(org, card):
    agents = [org.agent_a1, org.agent_a2]
    for index, score in enumerate(["100", "9.91", "63.96", "90.99", "0"]):
        conversation = ConversationFactory(agent=agents[index % 2], external_id=f"iqs{index}")
        Review.objects.create(
            conversation=conversation, agent=conversation.agent, reviewer=org.qa, version=card.version,
            status=ReviewStatus.SUBMITTED, score=Decimal(score), submitted_at=datetime(2026, 11, 18, 5, tzinfo=UTC),
        )  # fmt: skip

    body = api_client_for(org.manager_a).get("/api/performance/iqs/?team=alpha&start=2026-11-16&end=2026-11-22").json()
    by_week = api_client_for(org.manager_a).get("/api/performance/iqs/?team=alpha&group_by=week").json()
    other = api_client_for(org.manager_b).get("/api/performance/iqs/?team=bravo").json()

    assert body["total"] == {"key": "all", "label": "All reviews", "iqs": 52.97, "reviews": 5}
    assert [(row["label"], row["iqs"], row["reviews"]) for row in body["rows"]] == [
        (org.agent_a2.display_name, 50.45, 2),  # 9.91 and 90.99
        (org.agent_a1.display_name, 54.65, 3),  # 100, 63.96 and 0
    ]
    assert [(row["key"], row["iqs"]) for row in by_week["rows"]] == [("2026-11-16", 52.97)]
    assert other["total"]["reviews"] == 0


def test_criterion_averages_do_not_apply_the_critical_zeroing(org, card):
    submitted(org.conversation_a1, org.qa, greeting=1, tone=5, accuracy=1)  # critical: review 0
    submitted(org.conversation_a2, org.qa, greeting=0, tone=3, accuracy=4)

    body = api_client_for(org.admin).get("/api/performance/iqs/?group_by=criterion").json()

    # the first review is 0 (accuracy 1 of 1-4 is critical), the second (10·0 + 30·50 + 60·100) / 100 = 75
    assert body["total"]["iqs"] == 37.5
    assert [(row["key"], row["iqs"], row["reviews"]) for row in body["rows"]] == [
        ("accuracy", 50.0, 2),
        ("greeting", 50.0, 2),
        ("tone", 75.0, 2),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?team=nowhere", {"team": ["No team 'nowhere' that you can see."]}),
        ("?start=tomorrow", {"start": ["Write the date as YYYY-MM-DD (got 'tomorrow')."]}),
        ("?start=2026-11-20&end=2026-11-01", {"end": ["The end comes before the start."]}),
        ("?group_by=queue", {"group_by": ["Choose one of agent, week, criterion, reviewer."]}),
        ("?agent_id=x", {"agent_id": ["Give a whole number."]}),
    ],
)
def test_iqs_bad_parameters_are_a_400_naming_them(org, query, expected):
    response = api_client_for(org.manager_a).get(f"/api/performance/iqs/{query}")

    assert (response.status_code, response.json()) == (400, expected)


def test_an_agent_gets_the_iqs_of_their_own_reviews_only(org, card):
    submitted(org.conversation_a1, org.qa, greeting=1, tone=5, accuracy=4)
    submitted(org.conversation_a2, org.qa, greeting=0, tone=5, accuracy=4)

    mine = api_client_for(org.agent_a1.user).get("/api/performance/iqs/").json()
    theirs = api_client_for(org.agent_a1.user).get(f"/api/performance/iqs/?agent_id={org.agent_a2.pk}").json()

    assert (mine["total"]["iqs"], mine["total"]["reviews"]) == (100.0, 1)
    assert theirs["total"]["reviews"] == 0
