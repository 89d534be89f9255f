"""Calibration sessions: who opens and closes them, blind reviews per conversation, calibration reviews kept out of
IQS and out of agents' and managers' sight, and the results (distributions, alignment, Krippendorff's alpha)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from performance import services
from performance.models import (
    CalibrationSession,
    CalibrationStatus,
    QASettings,
    Review,
    ReviewKind,
    ScorecardStatus,
    ScorecardVersion,
)
from performance.services import RatingInput
from supportops.choices import Role
from tests.factories import UserFactory
from tests.performance.qa import BuiltScorecard, build_scorecard


@dataclass
class Calibration:
    """A session on conversations A1 and A2 of team Alpha, reviewers ``qa`` and ``qa2``, facilitated by ``lead``."""

    card: BuiltScorecard
    session: CalibrationSession
    lead: object
    qa2: object


@pytest.fixture
def calibration(org) -> Calibration:
    card = build_scorecard()
    lead = UserFactory(username="qa_lead", roles=[Role.QA_REVIEWER])
    QASettings.objects.create(team=org.team_a).leads.add(lead)
    qa2 = UserFactory(username="qa_two", roles=[Role.QA_REVIEWER])
    org.team_a.qa_reviewers.add(qa2)
    session = services.calibration_session_create(
        name="November calibration",
        team=org.team_a,
        conversations=[org.conversation_a1, org.conversation_a2],
        reviewers=[org.qa, qa2],
        user=lead,
    )
    return Calibration(card=card, session=session, lead=lead, qa2=qa2)


def submit(session, conversation, reviewer, kind=ReviewKind.CALIBRATION, **values) -> Review:
    """Start, rate and submit a calibration (or benchmark) review."""
    review = services.review_start(conversation=conversation, reviewer=reviewer, kind=kind, calibration=session)
    ratings = [RatingInput(key.replace("_", "-"), value) for key, value in values.items()]
    services.review_save(review=review, ratings=ratings, user=reviewer)
    return services.review_submit(review=review, user=reviewer)


def everything_submitted(org, c: Calibration) -> None:
    """Benchmarks and both reviewers' reviews of A1 and A2."""
    s = c.session
    submit(s, org.conversation_a1, c.lead, ReviewKind.BENCHMARK, greeting=1, tone=4, accuracy=3)
    submit(s, org.conversation_a2, c.lead, ReviewKind.BENCHMARK, greeting=1, tone=None, accuracy=4)
    submit(s, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    submit(s, org.conversation_a2, org.qa, greeting=1, tone=None, accuracy=4)
    submit(s, org.conversation_a1, c.qa2, greeting=0, tone=5, accuracy=3)
    submit(s, org.conversation_a2, c.qa2, greeting=1, tone=3, accuracy=2)


def test_a_qa_lead_opens_a_session_on_the_scorecard_that_applies_to_the_first_conversation(org, calibration):
    session = CalibrationSession.objects.get()

    assert (session.name, session.team, session.facilitator) == ("November calibration", org.team_a, calibration.lead)
    assert (session.version, session.status, session.due_date) == (calibration.card.version, "open", None)
    assert set(session.conversations.all()) == {org.conversation_a1, org.conversation_a2}
    assert set(session.reviewers.all()) == {org.qa, calibration.qa2}


def test_only_a_qa_lead_of_the_team_or_an_admin_opens_a_session(org, calibration):
    for user in (org.qa, org.manager_a, org.agent_a1.user):
        with pytest.raises(PermissionDenied) as refused:
            services.calibration_session_create(
                name="Again", team=org.team_a, conversations=[org.conversation_a1], reviewers=[org.qa], user=user
            )
        assert str(refused.value) == "Only a QA lead of Alpha or an admin runs its calibration sessions."

    by_admin = services.calibration_session_create(
        name="By admin",
        team=org.team_b,
        conversations=[org.conversation_b1],
        reviewers=[org.qa, calibration.qa2],
        user=org.admin,
    )

    assert (by_admin.facilitator, by_admin.version) == (org.admin, calibration.card.version)


def test_a_session_without_name_conversations_or_two_reviewers_is_refused_and_nothing_is_stored(org, calibration):
    with pytest.raises(ValidationError) as refused:
        services.calibration_session_create(
            name=" ", team=org.team_a, conversations=[], reviewers=[org.qa, org.qa], user=calibration.lead
        )

    assert refused.value.message_dict == {
        "name": ["Give the session a name."],
        "conversations": ["Choose at least one conversation."],
        "reviewers": ["Choose at least two reviewers."],
    }
    assert CalibrationSession.objects.count() == 1


def test_conversations_of_other_teams_reviewers_without_the_role_and_a_draft_version_are_refused(org, calibration):
    draft = ScorecardVersion.objects.create(
        scorecard=calibration.card.scorecard, number=2, status=ScorecardStatus.DRAFT
    )
    agent_reviewer = UserFactory(username="handles_a1", first_name="Ann", last_name="Agent", roles=[Role.AGENT])

    with pytest.raises(ValidationError) as refused:
        services.calibration_session_create(
            name="Mixed",
            team=org.team_a,
            conversations=[org.conversation_a1, org.conversation_b1],
            reviewers=[org.qa, agent_reviewer, org.agent_a1.user],
            user=calibration.lead,
            version=draft,
        )

    a1_name = org.agent_a1.user.get_full_name()
    assert refused.value.message_dict == {
        "conversations": ["API #b1 is not a conversation of Alpha's agents."],
        "reviewers": ["Ann Agent is not a QA reviewer.", f"{a1_name} is not a QA reviewer."],
        "version": ["Support quality v2 (draft) is a draft: calibrate on a published version."],
    }
    assert CalibrationSession.objects.count() == 1


def test_calibration_reviews_never_count_towards_iqs_and_agents_and_managers_never_see_them(org, calibration):
    everything_submitted(org, calibration)

    assert Review.objects.filter(calibration=calibration.session).count() == 6
    assert Review.objects.counted().count() == 0
    for user in (org.agent_a1.user, org.agent_a2.user, org.manager_a, org.manager_b):
        assert Review.objects.visible_to(user).count() == 0


def test_a_reviewer_sees_others_reviews_of_a_conversation_only_after_submitting_their_own(org, calibration):
    s = calibration.session
    theirs_a1 = submit(s, org.conversation_a1, calibration.qa2, greeting=0, tone=5, accuracy=3)
    theirs_a2 = submit(s, org.conversation_a2, calibration.qa2, greeting=1, tone=3, accuracy=2)
    assert services.calibration_session_reviews(session=s, user=org.qa) == []

    mine_a1 = submit(s, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    mine_a2 = services.review_start(
        conversation=org.conversation_a2, reviewer=org.qa, kind=ReviewKind.CALIBRATION, calibration=s
    )

    # then A1 is open to qa (they submitted it), A2 is not: only their own draft of it
    assert set(services.calibration_session_reviews(session=s, user=org.qa)) == {theirs_a1, mine_a1, mine_a2}
    # the same rule holds everywhere reviews are read (the reviews API and pages use Review.visible_to)
    assert set(Review.objects.visible_to(org.qa).filter(calibration=s)) == {theirs_a1, mine_a1, mine_a2}
    assert set(services.calibration_session_reviews(session=s, user=calibration.lead)) == {
        theirs_a1,
        theirs_a2,
        mine_a1,
        mine_a2,
    }
    assert services.calibration_session_reviews(session=s, user=org.manager_a) == []


def test_closing_needs_a_benchmark_of_every_conversation_and_the_facilitator_a_lead_or_an_admin(org, calibration):
    s = calibration.session
    submit(s, org.conversation_a1, calibration.lead, ReviewKind.BENCHMARK, greeting=1, tone=4, accuracy=3)
    with pytest.raises(PermissionDenied) as forbidden:
        services.calibration_session_close(session=s, user=org.qa)
    assert str(forbidden.value) == "Only the session's facilitator, a QA lead of the team or an admin closes it."
    with pytest.raises(ValidationError) as refused:
        services.calibration_session_close(session=s, user=calibration.lead)
    assert refused.value.message_dict == {
        "session": ["Submit a benchmark review of every conversation first: missing API #a2."]
    }
    s.refresh_from_db()
    assert (s.status, s.closed_at) == ("open", None)

    submit(s, org.conversation_a2, calibration.lead, ReviewKind.BENCHMARK, greeting=1, tone=None, accuracy=4)
    services.calibration_session_close(session=s, user=org.admin)

    s.refresh_from_db()
    assert s.status == CalibrationStatus.CLOSED
    assert s.closed_at is not None
    with pytest.raises(ValidationError, match="“November calibration” is already closed."):
        services.calibration_session_close(session=s, user=calibration.lead)
    with pytest.raises(ValidationError, match="is closed"):
        services.review_start(
            conversation=org.conversation_a1, reviewer=org.qa, kind=ReviewKind.CALIBRATION, calibration=s
        )


def test_results_give_distributions_benchmark_values_exact_alignment_and_alpha(org, calibration):
    everything_submitted(org, calibration)

    results = services.calibration_results(calibration.session)

    a1, a2 = results.conversations
    assert (a1.conversation_id, a1.title, a1.reviews_submitted, a1.has_benchmark) == (
        org.conversation_a1.pk,
        "API #a1",
        2,
        True,
    )
    assert {c.key: c.distribution for c in a1.criteria} == {
        "greeting": {0: 1, 1: 1},
        "tone": {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, None: 0},
        "accuracy": {1: 0, 2: 0, 3: 2, 4: 0},
        "data-leak": {0: 2, 1: 0},
        "wow": {0: 0, 1: 0, None: 2},
    }
    assert {c.key: c.benchmark_value for c in a1.criteria} == {
        "greeting": 1,
        "tone": 4,
        "accuracy": 3,
        "data-leak": 0,
        "wow": None,
    }
    assert {c.key: c.benchmark_value for c in a2.criteria}["tone"] is None
    assert {c.key: c.distribution for c in a2.criteria}["tone"] == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0, None: 1}
    qa_two, qa_user = results.reviewers  # by username
    assert (qa_two.name, qa_user.name) == (
        calibration.qa2.get_full_name(),
        org.qa.get_full_name(),
    )
    # qa2 on A1: greeting 0 vs 1 (0 %, w10), tone 5 vs 4 (75 %, w30), accuracy equal (w60), bonus both N/A (w10)
    # → 9250 / 110; on A2: tone 3 vs N/A (0 %), accuracy 2 vs 4 (33.3 %) → 4000 / 110; mean 1325 / 22
    assert [(a.conversation_id, a.alignment) for a in qa_two.conversations] == [
        (org.conversation_a1.pk, Fraction(925, 11)),
        (org.conversation_a2.pk, Fraction(400, 11)),
    ]
    assert (qa_two.reviews_submitted, qa_two.alignment) == (2, Fraction(1325, 22))
    assert (qa_user.alignment, qa_user.reviews_submitted) == (Fraction(100), 2)
    # ordinal alpha over 10 units (2 conversations × 5 criteria), computed by the krippendorff package
    assert results.alpha == pytest.approx(10 / 23, abs=1e-12)
    assert (results.alpha_reason, results.alignment_note) == ("", "")


def test_results_before_a_benchmark_or_a_second_reviewer_say_why_alignment_and_alpha_are_missing(org, calibration):
    submit(calibration.session, org.conversation_a1, org.qa, greeting=0, tone=1, accuracy=1)

    results = services.calibration_results(calibration.session)

    assert [r.alignment for r in results.reviewers] == [None, None]
    assert results.alignment_note == (
        "No benchmark yet: alignment is measured against the facilitator's submitted benchmark review."
    )
    assert results.alpha is None
    assert results.alpha_reason == "Undefined: fewer than two reviewers have submitted a review."

    submit(calibration.session, org.conversation_a2, calibration.qa2, greeting=0, tone=1, accuracy=1)
    assert services.calibration_results(calibration.session).alpha_reason == (
        "Undefined: no conversation has been reviewed by two reviewers yet."
    )
    # every criterion of A1 scored 0 % by both: nothing varies, so agreement beyond chance is 0 / 0
    submit(calibration.session, org.conversation_a1, calibration.qa2, greeting=0, tone=1, accuracy=1)
    assert services.calibration_results(calibration.session).alpha_reason == (
        "Undefined: the reviewers' answers show no variation to measure agreement on (every answer is the same)."
    )


def test_results_open_to_a_reviewer_once_they_submitted_every_conversation(org, calibration):
    s = calibration.session
    submit(s, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    for user in (org.qa, org.agent_a1.user, org.manager_a):
        with pytest.raises(PermissionDenied) as refused:
            services.calibration_results(s, user=user)
        assert str(refused.value) == (
            "Submit your review of every conversation of the session first: calibration is blind."
        )
    assert services.calibration_results(s, user=calibration.lead).session_id == s.pk

    submit(s, org.conversation_a2, org.qa, greeting=1, tone=4, accuracy=3)

    assert services.calibration_results(s, user=org.qa).reviewers[1].reviews_submitted == 2


def test_results_take_a_fixed_number_of_queries(org, calibration, django_assert_num_queries):
    s = calibration.session
    submit(s, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    with django_assert_num_queries(8):
        services.calibration_results(s)

    everything_submitted_after_first = [
        (org.conversation_a2, org.qa),
        (org.conversation_a1, calibration.qa2),
        (org.conversation_a2, calibration.qa2),
    ]
    for conversation, reviewer in everything_submitted_after_first:
        submit(s, conversation, reviewer, greeting=1, tone=3, accuracy=2)
    with django_assert_num_queries(8):
        results = services.calibration_results(s)
    assert [r.reviews_submitted for r in results.reviewers] == [2, 2]
