"""Reviews: who may review what, drafts and submission scored exactly, bad ratings refused naming the criterion,
acknowledgement, coaching and the refresher curriculum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from onboarding.models import Enrollment
from performance import services
from performance.models import AssignmentStatus, QASettings, Rating, Review, ReviewKind
from performance.services import RatingInput
from tests.onboarding.curricula import build_curriculum
from tests.performance.qa import assign, build_scorecard


@pytest.fixture
def card(db):
    return build_scorecard()


def rate(**values) -> list[RatingInput]:
    return [RatingInput(key.replace("_", "-"), value) for key, value in values.items()]


def test_an_assigned_review_is_drafted_then_submitted_with_its_exact_score(
    org, card, django_capture_on_commit_callbacks
):
    # given the conversation is assigned to the QA reviewer
    assignment = assign(org.conversation_a1, org.qa)
    # when they rate greeting yes, tone 4 of 1-5 (75 %), accuracy 3 of 1-4 (66.67 %) and submit
    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    services.review_save(
        review=review, ratings=rate(greeting=1, tone=4, accuracy=3), comment="Clear answer.", user=org.qa
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.review_submit(review=review, user=org.qa)
    # then (10·100 + 30·75 + 60·66.667) / 100 = 72.5
    review.refresh_from_db()
    assert review.assignment == assignment
    assert (review.status, review.score, review.critical_failed) == ("submitted", Decimal("72.500"), False)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REVIEWED
    assert review.coaching_reason == "Scored 72.50 %, under 80 %"
    assert [message.to for message in mail.outbox] == [[org.agent_a1.user.email]]


def test_na_leaves_the_criterion_out_and_a_failed_critical_criterion_zeroes_the_review(org, card):
    assign(org.conversation_a1, org.qa)
    assign(org.conversation_a2, org.qa)
    first = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    services.review_save(review=first, ratings=rate(greeting=1, tone=None, accuracy=4), user=org.qa)
    services.review_submit(review=first, user=org.qa)
    second = services.review_start(conversation=org.conversation_a2, reviewer=org.qa)
    services.review_save(review=second, ratings=rate(greeting=1, tone=5, accuracy=2, wow=1), user=org.qa)
    services.review_submit(review=second, user=org.qa)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.score, first.coaching_flagged_at) == (Decimal("100.000"), None)
    # accuracy 2 of 1-4 is 33.3 % < 50 %: critical, so 0 even with the bonus
    assert (second.score, second.critical_failed) == (Decimal("0.000"), True)
    assert second.coaching_reason == "A critical criterion failed; scored 0.00 %, under 80 %"


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        (rate(greeting=2), "Greets the customer: 2 is outside the scale 0 to 1."),
        (rate(accuracy=None), "Accurate answer: N/A is not allowed."),
        (rate(speed=3), "Unknown criterion 'speed': it is not on this scorecard."),
    ],
)
def test_bad_ratings_are_refused_naming_the_criterion_and_nothing_is_stored(org, card, ratings, message):
    assign(org.conversation_a1, org.qa)
    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    services.review_save(review=review, ratings=rate(greeting=1), user=org.qa)

    with pytest.raises(ValidationError) as refused:
        services.review_save(review=review, ratings=ratings, user=org.qa)

    assert refused.value.message_dict == {"ratings": [message]}
    assert list(Rating.objects.filter(review=review).values_list("criterion__key", "value")) == [("greeting", 1)]


def test_submitting_an_incomplete_review_names_what_is_missing(org, card):
    assign(org.conversation_a1, org.qa)
    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    services.review_save(review=review, ratings=rate(greeting=1), user=org.qa)

    with pytest.raises(ValidationError) as refused:
        services.review_submit(review=review, user=org.qa)

    assert refused.value.message_dict == {
        "ratings": ["Accurate answer: a rating is required.", "Tone and empathy: a rating is required."]
    }
    review.refresh_from_db()
    assert (review.status, review.score) == ("draft", None)


def test_a_conversation_not_assigned_to_the_reviewer_is_refused_unless_they_lead_the_teams_qa(org, card):
    with pytest.raises(PermissionDenied, match="not assigned to you"):
        services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    assign(org.conversation_a2, org.manager_b)
    with pytest.raises(PermissionDenied, match="assigned to another reviewer"):
        services.review_start(
            conversation=org.conversation_a2, reviewer=org.qa, assignment=org.conversation_a2.qa_assignments.get()
        )
    QASettings.objects.create(team=org.team_a).leads.add(org.qa)

    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)

    assert (review.kind, review.assignment) == (ReviewKind.STANDARD, None)
    assert Review.objects.count() == 1


def test_nobody_reviews_their_own_conversation_and_self_reviews_need_the_team_to_allow_them(org, card):
    agent_user = org.agent_a1.user
    with pytest.raises(PermissionDenied, match="Nobody reviews their own conversation"):
        services.review_start(conversation=org.conversation_a1, reviewer=agent_user)
    with pytest.raises(ValidationError, match="does not use self-reviews"):
        services.review_start(conversation=org.conversation_a1, reviewer=agent_user, kind=ReviewKind.SELF)
    QASettings.objects.create(team=org.team_a, allow_self_reviews=True)

    review = services.review_start(conversation=org.conversation_a1, reviewer=agent_user, kind=ReviewKind.SELF)

    assert (review.kind, review.agent) == (ReviewKind.SELF, org.agent_a1)


def test_the_agent_acknowledges_a_submitted_review_once_and_nobody_else_can(org, card):
    assign(org.conversation_a1, org.qa)
    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    services.review_save(review=review, ratings=rate(greeting=1, tone=5, accuracy=4), user=org.qa)
    with pytest.raises(ValidationError, match="Only submitted reviews"):
        services.review_acknowledge(review=review, user=org.agent_a1.user)
    services.review_submit(review=review, user=org.qa)
    with pytest.raises(PermissionDenied):
        services.review_acknowledge(review=review, user=org.agent_a2.user)

    services.review_acknowledge(review=review, user=org.agent_a1.user)
    first = Review.objects.get().acknowledged_at
    services.review_acknowledge(review=review, user=org.agent_a1.user)

    assert first is not None
    assert Review.objects.get().acknowledged_at == first


def test_a_low_review_assigns_the_teams_refresher_curriculum_once(org, card):
    refresher = build_curriculum(name="Accuracy refresher", team=org.team_a)
    QASettings.objects.create(team=org.team_a, refresher_curriculum=refresher.curriculum)
    for conversation in (org.conversation_a1,):
        assign(conversation, org.qa)
    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    services.review_save(review=review, ratings=rate(greeting=0, tone=1, accuracy=1), user=org.qa)

    services.review_submit(review=review, user=org.qa)

    enrollment = Enrollment.objects.get(agent=org.agent_a1)
    assert enrollment.version == refresher.version
    assert enrollment.reason.startswith("QA review of API #a1: A critical criterion failed")


def test_a_submitted_review_edited_by_its_author_is_scored_again_and_the_change_is_kept(org, card):
    assign(org.conversation_a1, org.qa)
    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    services.review_save(review=review, ratings=rate(greeting=1, tone=5, accuracy=4), user=org.qa)
    services.review_submit(review=review, user=org.qa)

    services.review_save(review=review, ratings=rate(greeting=0, tone=5, accuracy=4), user=org.qa)

    review.refresh_from_db()
    assert review.score == Decimal("90.000")
    assert [row.score for row in review.history.order_by("history_id")][-2:] == [Decimal("100.000"), Decimal("90.000")]
    with pytest.raises(PermissionDenied):
        services.review_save(review=review, ratings=rate(greeting=1, tone=5, accuracy=4), user=org.manager_a)


def test_a_closed_calibration_sessions_drafts_no_longer_change(org, card):
    from performance.models import CalibrationSession

    session = CalibrationSession.objects.create(
        name="November", team=org.team_a, version=card.version, facilitator=org.admin
    )
    session.conversations.add(org.conversation_a1)
    session.reviewers.add(org.qa)
    draft = services.review_start(
        conversation=org.conversation_a1, reviewer=org.qa, kind=ReviewKind.CALIBRATION, calibration=session
    )
    CalibrationSession.objects.filter(pk=session.pk).update(status="closed")

    with pytest.raises(ValidationError) as saving:
        services.review_save(review=draft, ratings=rate(greeting=1), user=org.qa)
    with pytest.raises(ValidationError) as submitting:
        services.review_submit(review=draft, user=org.qa)

    assert saving.value.message_dict == {"calibration": ["“November” is closed: its reviews no longer change."]}
    assert submitting.value.message_dict == saving.value.message_dict
    assert Rating.objects.count() == 0


def test_rescoring_checks_coaching_again(org, card):
    assign(org.conversation_a1, org.qa)
    review = services.review_start(conversation=org.conversation_a1, reviewer=org.qa)
    services.review_save(review=review, ratings=rate(greeting=1, tone=5, accuracy=2), user=org.qa)
    services.review_submit(review=review, user=org.qa)
    review.refresh_from_db()
    assert review.coaching_reason == "A critical criterion failed; scored 0.00 %, under 80 %"

    Rating.objects.filter(review=review, criterion__key="accuracy").update(value=4)
    services.review_rescore(review)

    review.refresh_from_db()
    assert (review.score, review.coaching_reason, review.coaching_flagged_at) == (Decimal("100.000"), "", None)
    Rating.objects.filter(review=review, criterion__key="tone").update(value=1)
    services.review_rescore(review)
    review.refresh_from_db()
    assert (review.score, review.coaching_reason) == (Decimal("70.000"), "Scored 70.00 %, under 80 %")


def nesting_agent(org):
    """Agent A1 in nesting, enrolled since 5 January with every module but nesting done (5 reviews averaging
    >= 85 %, AHT within 20 % of the team's)."""
    from datetime import date

    from onboarding import services as onboarding_services
    from onboarding.models import ModuleProgress

    built = build_curriculum(team=org.team_a)
    enrollment = onboarding_services.enrollment_create(
        agent=org.agent_a1, version=built.version, start_date=date(2026, 1, 5), user=org.manager_a
    )
    ModuleProgress.objects.filter(enrollment=enrollment).exclude(module__kind="nesting").update(state="completed")
    org.agent_a1.status = "nesting"
    org.agent_a1.save()
    return enrollment


def test_five_good_reviews_in_nesting_complete_the_curriculum_and_make_the_agent_active(org, card):
    # given agent A1 in nesting with every module but nesting done
    from onboarding.models import ModuleProgress
    from tests.factories import ConversationFactory

    enrollment = nesting_agent(org)
    # the team's AHT: agent A2's 420 s and 900 s → 660 s; A1's: 420 s and five of 660 s → 620 s (0.94 of the team's)
    ConversationFactory(agent=org.agent_a2, external_id="team-aht", handle_time_seconds=900)
    ratings = {"greeting": 1, "tone": 5, "accuracy": 4}
    for index in range(5):
        conversation = ConversationFactory(agent=org.agent_a1, external_id=f"n{index}", handle_time_seconds=660)
        assign(conversation, org.qa)
        review = services.review_start(conversation=conversation, reviewer=org.qa)
        services.review_save(review=review, ratings=rate(**ratings), user=org.qa)
        if index == 3:
            # four reviews are not enough
            assert ModuleProgress.objects.get(enrollment=enrollment, module__kind="nesting").state == "not_started"
        services.review_submit(review=review, user=org.qa)

    # then the nesting module completed with the average, the enrollment completed and the agent is active
    nesting = ModuleProgress.objects.get(enrollment=enrollment, module__kind="nesting")
    enrollment.refresh_from_db()
    org.agent_a1.refresh_from_db()
    assert (nesting.state, nesting.score_percent) == ("completed", 100.0)
    assert enrollment.status == "completed"
    assert org.agent_a1.status == "active"


def test_nesting_waits_while_aht_is_far_above_the_teams(org, card):
    from onboarding.models import ModuleProgress
    from tests.factories import ConversationFactory

    enrollment = nesting_agent(org)
    ConversationFactory(agent=org.agent_a2, external_id="team-aht", handle_time_seconds=600)
    for index in range(5):
        conversation = ConversationFactory(agent=org.agent_a1, external_id=f"n{index}", handle_time_seconds=900)
        assign(conversation, org.qa)
        review = services.review_start(conversation=conversation, reviewer=org.qa)
        services.review_save(review=review, ratings=rate(greeting=1, tone=5, accuracy=4), user=org.qa)
        services.review_submit(review=review, user=org.qa)

    # A1's 820 s (420 s and five of 900 s) against the team's 510 s (420 s and 600 s) is 61 % above: outside 20 %
    assert ModuleProgress.objects.get(enrollment=enrollment, module__kind="nesting").state == "not_started"
