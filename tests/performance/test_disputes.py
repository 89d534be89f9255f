"""Disputes: who raises them and when (the window in the team's zone), refused input naming the field, routing to
the reviewer and escalation to a QA lead, resolution criterion by criterion with exact rescoring, history, locking
after rejection, the e-mail to the raiser, and the statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from performance import services
from performance.models import (
    Dispute,
    DisputeItem,
    DisputeStatus,
    QASettings,
    Rating,
    Review,
    ReviewKind,
)
from performance.services import DisputeItemInput, RatingInput
from supportops.choices import Role
from tests.factories import UserFactory
from tests.performance.qa import assign, build_scorecard

# Submitted at 23:30 in Singapore (team Alpha's zone) on 2 November: local day 14 is 16 November.
SUBMITTED = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """A settable ``timezone.now``."""
    current = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: current["now"])
    return current


def reviewed(conversation, reviewer, **values) -> Review:
    """A submitted standard review, submitted at ``SUBMITTED``."""
    assign(conversation, reviewer)
    review = services.review_start(conversation=conversation, reviewer=reviewer)
    ratings = [RatingInput(key.replace("_", "-"), value) for key, value in values.items()]
    services.review_save(review=review, ratings=ratings, user=reviewer)
    services.review_submit(review=review, user=reviewer)
    Review.objects.filter(pk=review.pk).update(submitted_at=SUBMITTED)
    return Review.objects.get(pk=review.pk)


@pytest.fixture
def review(org, clock):
    build_scorecard()
    # greeting yes (100 %, w10), tone 4 of 1-5 (75 %, w30), accuracy 3 of 1-4 (66.667 %, w60, critical) → 72.5
    return reviewed(org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)


def raise_on(review, user, *items: DisputeItemInput, reason="The customer asked twice.") -> Dispute:
    return services.dispute_raise(review=review, user=user, reason=reason, items=list(items))


TONE_5 = DisputeItemInput("tone", 5)
ACCURACY_4 = DisputeItemInput("accuracy", 4)


def test_the_agent_disputes_criteria_and_the_dispute_goes_to_the_original_reviewer(org, review):
    dispute = raise_on(review, org.agent_a1.user, TONE_5, DisputeItemInput("greeting"))

    assert (dispute.status, dispute.assigned_to, dispute.raised_by) == ("open", org.qa, org.agent_a1.user)
    assert dispute.reason == "The customer asked twice."
    items = DisputeItem.objects.filter(dispute=dispute).order_by("criterion__position")
    assert [(i.criterion.key, i.proposed_value, i.proposes_na, i.value_before, i.outcome) for i in items] == [
        ("greeting", None, False, 1, "pending"),
        ("tone", 5, False, 4, "pending"),
    ]


def test_a_manager_of_the_agents_team_may_dispute_and_nobody_else(org, review):
    for user in (org.manager_b, org.qa, org.admin, org.agent_a2.user):
        with pytest.raises(PermissionDenied) as refused:
            raise_on(review, user, TONE_5)
        assert str(refused.value) == "Only the reviewed agent or a manager of their team disputes a review."
    assert Dispute.objects.count() == 0

    dispute = raise_on(review, org.manager_a, TONE_5)

    assert (dispute.raised_by, dispute.assigned_to) == (org.manager_a, org.qa)


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (datetime(2026, 11, 16, 15, 59, 59, tzinfo=UTC), True),  # 16 Nov 23:59:59 in Singapore: day 14
        (datetime(2026, 11, 16, 16, 0, tzinfo=UTC), False),  # 17 Nov 00:00 in Singapore (still 16 Nov in UTC)
    ],
)
def test_the_window_counts_calendar_days_in_the_teams_zone(org, review, clock, now, allowed):
    clock["now"] = now
    if allowed:
        assert raise_on(review, org.agent_a1.user, TONE_5).status == "open"
        return
    with pytest.raises(ValidationError) as refused:
        raise_on(review, org.agent_a1.user, TONE_5)
    assert refused.value.message_dict == {
        "review": ["The dispute window of 14 days closed on 16 Nov 2026 (Alpha time)."]
    }
    assert Dispute.objects.count() == 0


def test_the_window_is_the_teams_setting(org, review, clock):
    QASettings.objects.create(team=org.team_a, dispute_window_days=3)
    clock["now"] = datetime(2026, 11, 5, 16, 0, tzinfo=UTC)  # 6 Nov in Singapore: day 4

    with pytest.raises(ValidationError, match="The dispute window of 3 days closed on 5 Nov 2026"):
        raise_on(review, org.agent_a1.user, TONE_5)


@pytest.mark.parametrize(
    ("reason", "items", "errors"),
    [
        (" ", [TONE_5], {"reason": ["Give a reason for the dispute."]}),
        ("Wrong", [], {"items": ["Dispute at least one criterion."]}),
        (
            "Wrong",
            [
                DisputeItemInput("speed", 3),
                DisputeItemInput("tone", 6),
                DisputeItemInput("accuracy", None, proposes_na=True),
                DisputeItemInput("greeting", 1, proposes_na=True),
                DisputeItemInput("tone", 5),
            ],
            {
                "items": [
                    "Unknown criterion 'speed': it is not on this review's scorecard.",
                    "Tone and empathy: 6 is outside the scale 1 to 5.",
                    "Accurate answer: N/A is not allowed.",
                    "Greets the customer: propose a rating or N/A, not both.",
                    "Tone and empathy: disputed twice.",
                ]
            },
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(org, review, reason, items, errors):
    with pytest.raises(ValidationError) as refused:
        services.dispute_raise(review=review, user=org.agent_a1.user, reason=reason, items=items)

    assert refused.value.message_dict == errors
    assert (Dispute.objects.count(), DisputeItem.objects.count()) == (0, 0)


def test_na_may_be_proposed_where_the_criterion_allows_it(org, review):
    dispute = raise_on(review, org.agent_a1.user, DisputeItemInput("tone", proposes_na=True))

    assert list(dispute.items.values_list("proposed_value", "proposes_na")) == [(None, True)]


def test_only_a_submitted_standard_review_without_an_open_dispute_can_be_disputed(org, review):
    draft_assignment = assign(org.conversation_a2, org.qa)
    draft = services.review_start(conversation=org.conversation_a2, reviewer=org.qa, assignment=draft_assignment)
    with pytest.raises(ValidationError) as refused:
        raise_on(draft, org.agent_a2.user, TONE_5)
    assert refused.value.message_dict == {"review": ["Only a submitted review can be disputed."]}

    raise_on(review, org.agent_a1.user, TONE_5)
    with pytest.raises(ValidationError) as refused:
        raise_on(review, org.manager_a, ACCURACY_4)
    assert refused.value.message_dict == {"review": ["This review already has an open dispute."]}
    assert Dispute.objects.count() == 1


def test_a_self_review_cannot_be_disputed(org, review):
    QASettings.objects.create(team=org.team_a, allow_self_reviews=True)
    own = services.review_start(conversation=org.conversation_a2, reviewer=org.agent_a2.user, kind=ReviewKind.SELF)

    with pytest.raises(ValidationError) as refused:
        raise_on(own, org.agent_a2.user, TONE_5)

    assert refused.value.message_dict == {"review": ["A self-review cannot be disputed."]}


def test_escalation_goes_to_the_first_qa_lead_by_name(org, review, clock):
    zoe = UserFactory(username="zoe", first_name="Zoe", last_name="Lead", roles=[Role.QA_REVIEWER])
    anna = UserFactory(username="anna", first_name="Anna", last_name="Lead", roles=[Role.QA_REVIEWER])
    QASettings.objects.create(team=org.team_a).leads.add(zoe, anna)
    dispute = raise_on(review, org.agent_a1.user, TONE_5)
    clock["now"] = NOW + timedelta(hours=2)

    services.dispute_escalate(dispute=dispute, user=org.agent_a1.user, note="No answer from the reviewer.")

    dispute.refresh_from_db()
    assert (dispute.status, dispute.assigned_to, dispute.escalated_at) == ("escalated", anna, NOW + timedelta(hours=2))
    assert dispute.escalation_note == "No answer from the reviewer."
    assert dispute.history.first().history_change_reason == "Escalated: No answer from the reviewer."
    with pytest.raises(ValidationError) as refused:
        services.dispute_escalate(dispute=dispute, user=org.agent_a1.user, note="Again")
    assert refused.value.message_dict == {"dispute": ["Only an open dispute can be escalated: this one is escalated."]}


def test_without_a_qa_lead_escalation_goes_to_an_admin_and_only_the_reviewer_or_raiser_escalate(org, review):
    dispute = raise_on(review, org.agent_a1.user, TONE_5)
    with pytest.raises(PermissionDenied) as forbidden:
        services.dispute_escalate(dispute=dispute, user=org.manager_a, note="Please")
    assert str(forbidden.value) == "Only the assigned reviewer or the person who raised the dispute escalates it."
    with pytest.raises(ValidationError) as refused:
        services.dispute_escalate(dispute=dispute, user=org.qa, note=" ")
    assert refused.value.message_dict == {"note": ["Say why the dispute is escalated."]}

    services.dispute_escalate(dispute=dispute, user=org.qa, note="I reviewed it myself.")

    dispute.refresh_from_db()
    assert (dispute.status, dispute.assigned_to) == ("escalated", org.admin)


def test_partial_acceptance_changes_the_accepted_rating_rescores_exactly_and_keeps_history(
    org, review, clock, django_capture_on_commit_callbacks
):
    dispute = raise_on(review, org.agent_a1.user, TONE_5, ACCURACY_4)
    clock["now"] = NOW + timedelta(hours=5, minutes=30)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_resolve(
            dispute=dispute,
            user=org.qa,
            outcome_code="reviewer_error",
            note="Tone was great; the answer missed the refund step.",
            decisions={"tone": (True, None), "accuracy": (False, None)},
        )

    dispute.refresh_from_db()
    review.refresh_from_db()
    # tone 5 (100 %): (10·100 + 30·100 + 60·66.667) / 100 = 80
    assert (dispute.status, dispute.score_before, dispute.score_after) == (
        DisputeStatus.PARTIALLY_ACCEPTED,
        Decimal("72.500"),
        Decimal("80.000"),
    )
    assert (dispute.resolved_by, dispute.resolved_at, dispute.outcome_code) == (
        org.qa,
        NOW + timedelta(hours=5, minutes=30),
        "reviewer_error",
    )
    assert (review.score, review.locked_at) == (Decimal("80.000"), None)
    items = {item.criterion.key: item for item in dispute.items.select_related("criterion")}
    assert (items["tone"].outcome, items["tone"].value_before, items["tone"].value_after) == ("accepted", 4, 5)
    assert (items["accuracy"].outcome, items["accuracy"].value_after) == ("rejected", 3)
    tone = Rating.objects.get(review=review, criterion__key="tone")
    assert [row.value for row in tone.history.order_by("history_id")] == [4, 5]
    assert [row.score for row in review.history.order_by("history_id")][-1] == Decimal("80.000")
    assert [message.to for message in mail.outbox] == [[org.agent_a1.user.email]]
    assert mail.outbox[0].subject == "Your dispute of the QA review of API #a1: partially accepted"
    assert mail.outbox[0].body == (
        "Outcome: Partially accepted (Reviewer error).\nScore before: 72.50 %, after: 80.00 %.\n"
        "Tone was great; the answer missed the refund step."
    )


def test_full_acceptance_may_set_another_value_than_proposed(org, review):
    dispute = raise_on(review, org.agent_a1.user, ACCURACY_4)

    services.dispute_resolve(
        dispute=dispute, user=org.qa, outcome_code="new_context", note="", decisions={"accuracy": (True, 2)}
    )

    dispute.refresh_from_db()
    # accuracy 2 of 1-4 is 33.3 %: a critical failure, so 0
    assert (dispute.status, dispute.score_before, dispute.score_after) == ("accepted", Decimal("72.500"), Decimal("0"))


def test_a_rejected_dispute_locks_the_review_against_edits_and_further_disputes(org, review):
    dispute = raise_on(review, org.agent_a1.user, TONE_5)

    services.dispute_resolve(
        dispute=dispute,
        user=org.qa,
        outcome_code="score_correct",
        note="Tone 4 matches the guidance.",
        decisions={"tone": (False, None)},
    )

    dispute.refresh_from_db()
    review.refresh_from_db()
    assert (dispute.status, dispute.score_before, dispute.score_after) == (
        "rejected",
        Decimal("72.500"),
        Decimal("72.500"),
    )
    assert review.locked_at is not None
    with pytest.raises(ValidationError) as refused:
        services.review_save(review=review, ratings=[RatingInput("tone", 5)], user=org.qa)
    assert refused.value.message_dict == {"review": ["This review is locked: a dispute about it was rejected."]}
    with pytest.raises(ValidationError) as refused:
        raise_on(review, org.agent_a1.user, ACCURACY_4)
    assert refused.value.message_dict == {"review": ["This review is locked: a dispute about it was rejected."]}
    assert Rating.objects.get(review=review, criterion__key="tone").value == 4


def test_resolution_refuses_incomplete_or_bad_decisions_naming_the_field_and_changes_nothing(org, review):
    dispute = raise_on(review, org.agent_a1.user, DisputeItemInput("greeting"), TONE_5, ACCURACY_4)

    with pytest.raises(ValidationError) as refused:
        services.dispute_resolve(
            dispute=dispute,
            user=org.qa,
            outcome_code="because",
            note="",
            decisions={"greeting": (True, None), "tone": (True, 9), "speed": (True, 1)},
        )

    assert refused.value.message_dict == {
        "outcome_code": ["Choose a reason code: score_correct, reviewer_error, guidance_unclear, new_context, other."],
        "decisions": [
            "'speed' is not a disputed criterion.",
            "Greets the customer: give the new rating (the dispute proposes none).",
            "Accurate answer: decide to accept or reject it.",
            "Tone and empathy: 9 is outside the scale 1 to 5.",
        ],
    }
    with pytest.raises(ValidationError) as refused:
        services.dispute_resolve(
            dispute=dispute,
            user=org.qa,
            outcome_code="score_correct",
            note=" ",
            decisions={"greeting": (False, None), "tone": (False, None), "accuracy": (False, None)},
        )
    assert refused.value.message_dict == {"note": ["Explain the rejection in a note."]}
    dispute.refresh_from_db()
    review.refresh_from_db()
    assert (dispute.status, review.score, review.locked_at) == ("open", Decimal("72.500"), None)
    assert set(dispute.items.values_list("outcome", flat=True)) == {"pending"}


def test_only_the_assignee_a_qa_lead_or_an_admin_resolves_and_only_once(org, review):
    dispute = raise_on(review, org.agent_a1.user, TONE_5)
    for user in (org.agent_a1.user, org.manager_a):
        with pytest.raises(PermissionDenied) as forbidden:
            services.dispute_resolve(
                dispute=dispute, user=user, outcome_code="other", note="", decisions={"tone": (True, None)}
            )
        assert str(forbidden.value) == (
            "Only the person the dispute is assigned to, a QA lead of the team or an admin resolves it."
        )

    services.dispute_resolve(
        dispute=dispute, user=org.admin, outcome_code="other", note="", decisions={"tone": (True, None)}
    )

    with pytest.raises(ValidationError) as refused:
        services.dispute_resolve(
            dispute=dispute, user=org.qa, outcome_code="other", note="", decisions={"tone": (True, None)}
        )
    assert refused.value.message_dict == {"dispute": ["This dispute is already resolved (accepted)."]}


def _dispute_at(review, user, created, resolved=None, status="open") -> Dispute:
    dispute = raise_on(review, user, TONE_5)
    Dispute.objects.filter(pk=dispute.pk).update(created_at=created, resolved_at=resolved, status=status)
    return dispute


def test_stats_count_acceptance_rate_and_resolution_hours_exactly(org, clock, django_assert_num_queries):
    build_scorecard()
    reviews = [
        reviewed(org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3),
        reviewed(org.conversation_a2, org.qa, greeting=1, tone=4, accuracy=3),
        reviewed(org.conversation_b1, org.admin, greeting=1, tone=4, accuracy=3),
        reviewed(org.conversation_b2, org.admin, greeting=1, tone=4, accuracy=3),
    ]
    day = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 3 Nov 10:00 in Singapore
    _dispute_at(reviews[0], org.agent_a1.user, day, day + timedelta(hours=3), "accepted")
    _dispute_at(reviews[1], org.agent_a2.user, day, day + timedelta(hours=10), "rejected")
    _dispute_at(reviews[2], org.agent_b1.user, day, day + timedelta(hours=5, minutes=30), "partially_accepted")
    _dispute_at(reviews[3], org.agent_b2.user, day + timedelta(days=3))  # 6 Nov, still open
    services.dispute_stats(user=org.admin)  # warm the role cache

    with django_assert_num_queries(1):
        everything = services.dispute_stats(user=org.admin)

    # resolved: 3, hours 3, 10 and 5.5 → mean 6.17, median 5.5; accepted + partially accepted: 2 of 3
    assert everything == services.DisputeStats(
        count=4,
        open=1,
        resolved=3,
        accepted=1,
        partially_accepted=1,
        rejected=1,
        acceptance_rate_percent=Decimal("66.67"),
        mean_resolution_hours=Decimal("6.17"),
        median_resolution_hours=Decimal("5.50"),
    )
    alpha = services.dispute_stats(user=org.admin, team=org.team_a)
    assert (alpha.count, alpha.acceptance_rate_percent, alpha.median_resolution_hours) == (
        2,
        Decimal("50.00"),
        Decimal("6.50"),
    )
    assert services.dispute_stats(user=org.admin, period_start=date(2026, 11, 4)).count == 1
    assert services.dispute_stats(user=org.admin, period_end=date(2026, 11, 5)).count == 3
    assert services.dispute_stats(user=org.manager_b).count == 2
    nothing = services.dispute_stats(user=org.agent_a2.user, team=org.team_b)
    assert (nothing.count, nothing.acceptance_rate_percent, nothing.mean_resolution_hours) == (0, None, None)


def test_stats_period_is_in_the_teams_local_days(org, clock):
    build_scorecard()
    review = reviewed(org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    _dispute_at(review, org.agent_a1.user, datetime(2026, 11, 3, 17, 0, tzinfo=UTC))  # 4 Nov 01:00 in Singapore

    assert services.dispute_stats(user=org.admin, team=org.team_a, period_start=date(2026, 11, 4)).count == 1
    assert services.dispute_stats(user=org.admin, period_start=date(2026, 11, 4)).count == 0  # UTC: 3 Nov
