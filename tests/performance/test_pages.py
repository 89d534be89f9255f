"""The QA pages: the reviewer's queue, the workspace (transcript beside the scorecard, ratings posted, bad input kept
and refused), an agent's reviews with acknowledgement, the dashboard, and who may open what."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from performance import services
from performance.models import Review
from performance.services import RatingInput
from supportops.choices import AuthorRole
from supportops.models import ConversationMessage
from tests.factories import ConversationFactory
from tests.performance.pages import client_for, squashed, text_of
from tests.performance.qa import assign, build_scorecard


@pytest.fixture
def card(db):
    return build_scorecard()


@pytest.fixture
def assigned(org, card):
    org.conversation_a1.subject = "Refund for order 1042"
    org.conversation_a1.save()
    ConversationMessage.objects.create(
        conversation=org.conversation_a1, position=0, author_role=AuthorRole.CUSTOMER, author_name="Pat",
        body="Where is my refund?", sent_at=datetime(2026, 11, 18, 2, tzinfo=UTC),
    )  # fmt: skip
    return assign(org.conversation_a1, org.qa)


def submitted(org, conversation, **values) -> Review:
    assign(conversation, org.qa)
    review = services.review_start(conversation=conversation, reviewer=org.qa)
    services.review_save(review=review, ratings=[RatingInput(k, v) for k, v in values.items()], user=org.qa)
    return services.review_submit(review=review, user=org.qa)


def test_the_queue_lists_assignments_and_review_opens_the_workspace(org, assigned):
    client = client_for(org.qa)

    queue = squashed(text_of(client.get("/qa/")))
    opened = client.post(f"/qa/assignments/{assigned.pk}/review/")
    review = Review.objects.get()
    workspace = squashed(text_of(client.get(opened["Location"])))

    assert "To review 1 Sampled for you, oldest cycle first Refund for order 1042" in queue
    assert opened["Location"] == f"/qa/reviews/{review.pk}/"
    assert "Transcript" in workspace
    assert "Where is my refund?" in workspace
    assert "Greets the customer weight 10 Guidance How to rate greets the customer. No Yes" in workspace
    assert (
        "Tone and empathy weight 30 Guidance How to rate tone and empathy. Very poor Poor Fair Good Excellent N/A"
        in workspace
    )
    assert "Submit review" in workspace


def test_posting_ratings_and_submitting_scores_the_review(org, assigned):
    client = client_for(org.qa)
    client.post(f"/qa/assignments/{assigned.pk}/review/")
    review = Review.objects.get()

    response = client.post(
        f"/qa/reviews/{review.pk}/save/",
        {
            "rating-greeting": "1", "rating-tone": "na", "rating-accuracy": "3", "comment-accuracy": "Fee missed.",
            "comment": "Good start.", "seconds": "300", "action": "submit",
        },
    )  # fmt: skip

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.score, review.seconds_spent) == ("submitted", Decimal("71.429"), 300)
    assert review.ratings.get(criterion__key="accuracy").comment == "Fee missed."
    assert "Review submitted: 71.43%." in squashed(text_of(client.get("/qa/")))


def test_a_refused_submission_keeps_what_was_typed_and_stores_nothing(org, assigned):
    client = client_for(org.qa)
    client.post(f"/qa/assignments/{assigned.pk}/review/")
    review = Review.objects.get()

    missing = client.post(
        f"/qa/reviews/{review.pk}/save/", {"rating-greeting": "1", "comment": "Half done", "action": "submit"}
    )
    tampered = client.post(f"/qa/reviews/{review.pk}/save/", {"rating-tone": "7", "action": "save"})
    garbage = client.post(f"/qa/reviews/{review.pk}/save/", {"rating-tone": "lots", "action": "save"})

    page = squashed(text_of(missing, status=400))
    assert "Accurate answer: a rating is required. Tone and empathy: a rating is required." in page
    assert 'value="1" checked' in missing.content.decode()
    assert "Half done" in page
    assert "Tone and empathy: 7 is outside the scale 1 to 5." in squashed(text_of(tampered, status=400))
    assert "Tone and empathy: choose one of the ratings." in squashed(text_of(garbage, status=400))
    review.refresh_from_db()
    assert (review.status, review.comment, review.ratings.count()) == ("draft", "", 0)


def test_the_agent_reads_acknowledges_and_never_sees_drafts_or_others_reviews(org, card):
    done = submitted(org, org.conversation_a1, greeting=1, tone=4, accuracy=4)
    assign(org.conversation_a2, org.qa)
    draft = services.review_start(conversation=org.conversation_a2, reviewer=org.qa)
    agent = client_for(org.agent_a1.user)

    mine = squashed(text_of(agent.get("/qa/mine/")))
    page = squashed(text_of(agent.get(f"/qa/reviews/{done.pk}/")))
    acknowledged = agent.post(f"/qa/reviews/{done.pk}/acknowledge/")

    assert "IQS over the last 90 days 92.50% from 1 review" in mine
    assert "1 review to read and acknowledge." in mine
    assert "Tone and empathy Good · 75%" in page
    assert "Acknowledge" in page
    assert "Submit review" not in page
    assert acknowledged.status_code == 302
    assert Review.objects.get(pk=done.pk).acknowledged_at is not None
    assert agent.get(f"/qa/reviews/{draft.pk}/").status_code == 404
    assert client_for(org.agent_a2.user).get(f"/qa/reviews/{done.pk}/").status_code == 404
    assert client_for(org.agent_a2.user).get(f"/qa/reviews/{draft.pk}/").status_code == 404


def test_who_may_open_a_review_page(org, card):
    done = submitted(org, org.conversation_a1, greeting=1, tone=4, accuracy=4)
    url = f"/qa/reviews/{done.pk}/"

    statuses = {
        name: client_for(user).get(url).status_code
        for name, user in {
            "author": org.qa, "manager_a": org.manager_a, "manager_b": org.manager_b, "admin": org.admin,
            "agent_a1": org.agent_a1.user, "agent_b1": org.agent_b1.user,
        }.items()
    }  # fmt: skip
    read_only = squashed(text_of(client_for(org.manager_a).get(url)))
    post = client_for(org.manager_a).post(f"{url}save/", {"rating-greeting": "0", "action": "save"})

    assert statuses == {
        "author": 200,
        "manager_a": 200,
        "manager_b": 404,
        "admin": 200,
        "agent_a1": 200,
        "agent_b1": 404,
    }
    assert "Submit review" not in read_only
    assert "Save changes" not in read_only
    assert post.status_code == 403
    assert Review.objects.get().score == Decimal("92.500")


def test_the_dashboard_shows_iqs_by_week_agent_and_criterion(org, card):
    submitted(org, org.conversation_a1, greeting=1, tone=4, accuracy=4)
    submitted(org, org.conversation_a2, greeting=0, tone=3, accuracy=2)

    page = squashed(text_of(client_for(org.manager_a).get("/qa/dashboard/?team=alpha&weeks=4")))

    # a2: accuracy 2 of 1-4 is critical → 0; a1: (10·100 + 30·75 + 60·100) / 100 = 92.5
    assert "IQS 46.25% 2 reviews" in page
    agents = f"{org.agent_a2.display_name} 0.0% · 1 {org.agent_a1.display_name} 92.5% · 1"
    assert f"By agent Lowest first; red under the threshold {agents}" in page
    criteria = "Greets the customer 50.0% Tone and empathy 62.5% Accurate answer 66.7%"
    assert f"By criterion Average rating in%, without the critical zeroing {criteria}" in page
    assert f"{org.qa.get_full_name()} 2 —" in page
    assert "Disputes 0 0 open" in page


def test_the_dashboard_is_for_managers_reviewers_and_admins(org, card):
    for user in (org.manager_a, org.qa, org.admin):
        assert client_for(user).get("/qa/dashboard/").status_code == 200
    page = squashed(text_of(client_for(org.agent_a1.user).get("/qa/dashboard/"), status=403))
    assert "The QA dashboard is for managers and reviewers" in page
    other = squashed(text_of(client_for(org.manager_b).get("/qa/dashboard/?team=alpha")))
    assert "Bravo, last 12 weeks" in other


def test_agents_are_sent_to_their_reviews_from_the_queue(org):
    response = client_for(org.agent_a1.user).get("/qa/")

    assert (response.status_code, response["Location"]) == (302, "/qa/mine/")


def test_the_queue_and_dashboard_cost_a_fixed_number_of_queries(org, card, django_assert_num_queries):
    submitted(org, org.conversation_a1, greeting=1, tone=4, accuracy=4)
    client = client_for(org.qa)
    client.get("/qa/")
    client.get("/qa/dashboard/?team=alpha")
    with django_assert_num_queries(NUM_QUEUE_QUERIES) as queue_few:
        client.get("/qa/")
    with django_assert_num_queries(NUM_DASHBOARD_QUERIES) as dashboard_few:
        client.get("/qa/dashboard/?team=alpha")
    for index in range(3):
        conversation = ConversationFactory(agent=org.agent_a2, external_id=f"more{index}")
        submitted(org, conversation, greeting=1, tone=2, accuracy=4)
        assign(ConversationFactory(agent=org.agent_a1, external_id=f"open{index}"), org.qa)
    with django_assert_num_queries(len(queue_few.captured_queries)):
        page = squashed(text_of(client.get("/qa/")))
    with django_assert_num_queries(len(dashboard_few.captured_queries)):
        client.get("/qa/dashboard/?team=alpha")
    assert "To review 3" in page


NUM_QUEUE_QUERIES = 6  # session, user, roles, assignments, drafts, recent
NUM_DASHBOARD_QUERIES = (
    11  # session, user, roles, teams, QA settings, total, weeks, agents, criteria, reviewers, disputes
)


def test_an_agent_self_reviews_when_the_team_allows_it(org, card):
    from performance.models import QASettings

    agent = client_for(org.agent_a1.user)
    assert "Review yourself" not in squashed(text_of(agent.get("/qa/mine/")))
    QASettings.objects.create(team=org.team_a, allow_self_reviews=True)

    page = squashed(text_of(agent.get("/qa/mine/")))
    opened = agent.post(f"/qa/mine/self-review/{org.conversation_a1.pk}/")
    someone_elses = agent.post(f"/qa/mine/self-review/{org.conversation_a2.pk}/")

    assert "Review yourself" in page
    review = Review.objects.get()
    assert (review.kind, review.reviewer, review.agent) == ("self", org.agent_a1.user, org.agent_a1)
    assert opened["Location"] == f"/qa/reviews/{review.pk}/"
    assert "Submit review" in squashed(text_of(agent.get(opened["Location"])))
    assert someone_elses.status_code == 404


def test_the_dashboard_compares_teams_for_someone_who_sees_several(org, card):
    submitted(org, org.conversation_a1, greeting=1, tone=4, accuracy=4)
    assign(org.conversation_b1, org.admin)
    review = services.review_start(conversation=org.conversation_b1, reviewer=org.admin)
    services.review_save(
        review=review, ratings=[RatingInput("greeting", 0), RatingInput("tone", 5), RatingInput("accuracy", 4)],
        user=org.admin,
    )  # fmt: skip
    services.review_submit(review=review, user=org.admin)

    page = squashed(text_of(client_for(org.admin).get("/qa/dashboard/?team=alpha")))
    single = squashed(text_of(client_for(org.manager_a).get("/qa/dashboard/?team=alpha")))

    # lowest first: Bravo (greeting missed) 90 %, Alpha 92.5 %
    assert "By team Every team you see, same period Bravo 90.0% · 1 Alpha 92.5% · 1" in page
    assert "By team" not in single
