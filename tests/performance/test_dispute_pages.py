"""The dispute pages: an agent disputes from the review page, the reviewer resolves on the dispute page, escalation,
bad input kept and refused, and who may open what."""

from __future__ import annotations

from decimal import Decimal

import pytest

from performance import services
from performance.models import Dispute, QASettings, Review
from performance.services import RatingInput
from tests.performance.pages import client_for, text_of
from tests.performance.pages import squashed as page_text
from tests.performance.qa import assign, build_scorecard


def squashed(response, status: int = 200) -> str:
    return page_text(text_of(response, status))


@pytest.fixture
def review(org):
    build_scorecard()
    assign(org.conversation_a1, org.qa)
    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    ratings = [RatingInput("greeting", 1), RatingInput("tone", 4), RatingInput("accuracy", 3)]
    services.review_save(review=review, ratings=ratings, user=org.qa)
    return services.review_submit(review=review, user=org.qa)  # 72.5


def test_the_agent_disputes_from_the_review_page_and_the_reviewer_resolves_it(org, review):
    agent = client_for(org.agent_a1.user)
    page = squashed(agent.get(f"/qa/reviews/{review.pk}/"))
    raised = agent.post(
        f"/qa/reviews/{review.pk}/dispute/",
        {"dispute-accuracy": "on", "proposed-accuracy": "4", "dispute-tone": "on", "proposed-tone": "5",
         "reason": "The fee was quoted correctly: see message 3."},
    )  # fmt: skip
    dispute = Dispute.objects.get()
    queue = squashed(client_for(org.qa).get("/qa/disputes/"))
    resolved = client_for(org.qa).post(
        f"/qa/disputes/{dispute.pk}/resolve/",
        {"decision-accuracy": "accept", "decision-tone": "reject", "outcome_code": "reviewer_error",
         "note": "Tone stays: the greeting was curt."},
    )  # fmt: skip
    after = squashed(agent.get(f"/qa/disputes/{dispute.pk}/"))

    assert "Dispute this review" in page
    assert raised["Location"] == f"/qa/disputes/{dispute.pk}/"
    assert "Waiting for you 1" in queue
    assert resolved.status_code == 302
    review.refresh_from_db()
    # accuracy 3 → 4: (10·100 + 30·75 + 60·100) / 100 = 92.5
    assert (review.score, dispute.__class__.objects.get().status) == (Decimal("92.500"), "partially_accepted")
    assert "Review score 72.50% → 92.50%" in after
    assert "Accurate answer Rated Good · proposed Excellent · now Excellent Accepted" in after
    assert "Tone and empathy Rated Good · proposed Excellent Rejected" in after
    assert "Reviewer error: “Tone stays: the greeting was curt.”" in after


def test_a_dispute_without_reason_or_criteria_is_refused_on_the_page_and_nothing_is_stored(org, review):
    agent = client_for(org.agent_a1.user)

    empty = squashed(agent.post(f"/qa/reviews/{review.pk}/dispute/", {"reason": " "}), status=400)
    bad = agent.post(
        f"/qa/reviews/{review.pk}/dispute/", {"dispute-tone": "on", "proposed-tone": "9", "reason": "Too low"}
    )

    assert "Give a reason for the dispute. Dispute at least one criterion." in empty
    bad_page = squashed(bad, status=400)
    assert "Tone and empathy: 9 is outside the scale 1 to 5." in bad_page
    assert "Too low" in bad_page
    assert Dispute.objects.count() == 0


def test_resolving_needs_every_decision_a_reason_code_and_a_note_for_rejections(org, review):
    dispute = services.dispute_raise(
        review=review, user=org.agent_a1.user, reason="Wrong",
        items=[services.DisputeItemInput("accuracy", proposed_value=4)],
    )  # fmt: skip

    response = client_for(org.qa).post(f"/qa/disputes/{dispute.pk}/resolve/", {"decision-accuracy": "reject"})

    page = squashed(response, status=400)
    assert "Choose a reason code" in page
    assert "Explain the rejection in a note." in page
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert Review.objects.get().score == Decimal("72.500")


def test_escalation_goes_to_the_teams_qa_lead(org, review):
    QASettings.objects.create(team=org.team_a).leads.add(org.admin)
    dispute = services.dispute_raise(
        review=review, user=org.agent_a1.user, reason="Wrong",
        items=[services.DisputeItemInput("accuracy", proposed_value=4)],
    )  # fmt: skip

    blank = client_for(org.agent_a1.user).post(f"/qa/disputes/{dispute.pk}/escalate/", {"note": ""})
    done = client_for(org.agent_a1.user).post(f"/qa/disputes/{dispute.pk}/escalate/", {"note": "No answer."})

    assert "Say why the dispute is escalated." in squashed(blank, status=400)
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.assigned_to, dispute.escalation_note) == ("escalated", org.admin, "No answer.")
    assert "Resolve dispute" in squashed(client_for(org.admin).get(f"/qa/disputes/{dispute.pk}/"))
    assert "Resolve dispute" not in squashed(client_for(org.qa).get(f"/qa/disputes/{dispute.pk}/"))


def test_who_may_open_a_dispute(org, review):
    dispute = services.dispute_raise(
        review=review, user=org.agent_a1.user, reason="Wrong",
        items=[services.DisputeItemInput("accuracy", proposed_value=4)],
    )  # fmt: skip
    url = f"/qa/disputes/{dispute.pk}/"

    statuses = {
        name: client_for(user).get(url).status_code
        for name, user in {
            "agent": org.agent_a1.user, "reviewer": org.qa, "manager_a": org.manager_a, "admin": org.admin,
            "other agent": org.agent_a2.user, "manager_b": org.manager_b,
        }.items()
    }  # fmt: skip
    foreign = client_for(org.agent_a2.user).post(f"{url}resolve/", {"decision-accuracy": "accept"})
    self_resolve = squashed(client_for(org.agent_a1.user).post(f"{url}resolve/", {}), status=403)

    assert statuses == {
        "agent": 200, "reviewer": 200, "manager_a": 200, "admin": 200, "other agent": 404, "manager_b": 404,
    }  # fmt: skip
    assert foreign.status_code == 404
    assert "Only the person the dispute is assigned to" in self_resolve
    assert Dispute.objects.get().status == "open"


def test_a_review_cannot_be_disputed_by_someone_else_and_the_form_is_not_offered(org, review):
    page = squashed(client_for(org.manager_b).get(f"/qa/reviews/{review.pk}/"), status=404)
    qa_page = squashed(client_for(org.qa).get(f"/qa/reviews/{review.pk}/"))
    refused = client_for(org.qa).post(
        f"/qa/reviews/{review.pk}/dispute/", {"dispute-tone": "on", "reason": "I changed my mind"}
    )

    assert "Dispute this review" not in page
    assert "Dispute this review" not in qa_page
    assert refused.status_code == 403
    assert Dispute.objects.count() == 0


def test_the_dispute_list_costs_a_fixed_number_of_queries(org, review, django_assert_num_queries):
    services.dispute_raise(
        review=review, user=org.agent_a1.user, reason="Wrong",
        items=[services.DisputeItemInput("accuracy", proposed_value=4)],
    )  # fmt: skip
    client = client_for(org.manager_a)
    client.get("/qa/disputes/")
    with django_assert_num_queries(NUM_LIST_QUERIES) as few:
        client.get("/qa/disputes/")
    assign(org.conversation_a2, org.qa)
    second = services.review_start(conversation=org.conversation_a2, reviewer=org.qa)
    services.review_save(
        review=second, ratings=[RatingInput("greeting", 1), RatingInput("tone", 4), RatingInput("accuracy", 3)],
        user=org.qa,
    )  # fmt: skip
    services.review_submit(review=second, user=org.qa)
    services.dispute_raise(
        review=second, user=org.manager_a, reason="Too harsh",
        items=[services.DisputeItemInput("tone", proposed_value=5)],
    )  # fmt: skip
    with django_assert_num_queries(len(few.captured_queries)):
        page = squashed(client.get("/qa/disputes/"))
    assert "Raised by you 1" in page
    assert "Your teams 1" in page


NUM_LIST_QUERIES = 4  # session, user, roles, disputes
