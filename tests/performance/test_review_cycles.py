"""Review cycles: creating one per role, self and manager answers with their refusals, evidence with exact numbers
(frozen at the manager's submission), calibration and its distribution, signatures, and the API with who sees
which review and which answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from onboarding.models import Certification, CertificationGrant, Curriculum, CurriculumVersion, Enrollment
from performance import services
from performance.models import Review
from performance.people_models import (
    ActionItem,
    OneOnOneSeries,
    PerformanceReview,
    ReviewAnswer,
    ReviewCycle,
    ReviewQuestion,
    ReviewTemplate,
)
from performance.services import AnswerInput, RatingInput
from supportops.models import Conversation
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, ConversationFactory
from tests.performance.pages import client_for
from tests.performance.qa import assign, build_scorecard
from tests.performance.queries import PERCENTILE_QUERIES

CYCLES = "/api/performance/review-cycles/"
REVIEWS = "/api/performance/performance-reviews/"
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def make_template(name: str = "Quarterly") -> ReviewTemplate:
    """A 1-5 template: one text question, then two rating questions."""
    template = ReviewTemplate.objects.create(name=name, rating_labels=["Poor", "Fair", "Good", "Strong", "Outstanding"])
    ReviewQuestion.objects.create(template=template, text="What went well?", kind="text", position=0)
    ReviewQuestion.objects.create(template=template, text="Quality of answers", kind="rating", position=1)
    ReviewQuestion.objects.create(template=template, text="Teamwork", kind="rating", position=2)
    return template


def full_answers(template: ReviewTemplate, text: str, quality: int, teamwork: int) -> list[AnswerInput]:
    """An answer to each question of ``make_template``'s template."""
    words, first, second = template.questions.order_by("position")
    return [AnswerInput(words.pk, text), AnswerInput(first.pk, rating=quality), AnswerInput(second.pk, rating=teamwork)]


def open_cycle(org, agents=None, user=None, **extra) -> ReviewCycle:
    """An open March cycle created by the admin (by default for agent_a1 and agent_a2)."""
    user = user or org.admin
    cycle = services.cycle_create(
        name="Q1 2026",
        period_start=MARCH[0],
        period_end=MARCH[1],
        template=extra.pop("template", None) or make_template(),
        agents=agents or [org.agent_a1, org.agent_a2],
        user=user,
        **extra,
    )
    return services.cycle_open(cycle=cycle, user=user)


def review_of(cycle: ReviewCycle, agent) -> PerformanceReview:
    return PerformanceReview.objects.select_related("cycle__template", "agent__team").get(cycle=cycle, agent=agent)


def through_manager(org, cycle, agent, manager, quality=4, teamwork=5) -> PerformanceReview:
    """Self review and manager review submitted."""
    review = review_of(cycle, agent)
    template = cycle.template
    services.review_answers_save(
        review=review, user=agent.user, answers=full_answers(template, "Steady", 4, 4), submit=True
    )
    return services.review_answers_save(
        review=review, user=manager, answers=full_answers(template, "Good quarter", quality, teamwork), submit=True
    )


# --- creating and opening -------------------------------------------------------------------------------------------


def test_a_cycle_gives_each_agent_a_review_with_their_manager(org):
    # given an agent without a manager of their own in team B
    loner = AgentFactory.create(user__username="loner", team=org.team_b, manager=None)

    # when the admin creates a cycle for three agents
    cycle = services.cycle_create(
        name="Q1 2026",
        period_start=MARCH[0],
        period_end=MARCH[1],
        template=make_template(),
        agents=[org.agent_a1, org.agent_b2, loner],
        user=org.admin,
        self_review_due=date(2026, 4, 7),
        manager_review_due=date(2026, 4, 14),
    )

    # then it is a draft with one review each, written by the agent's manager or else the team's first manager
    assert cycle.status == "draft"
    rows = cycle.reviews.order_by("agent__user__username").values_list("agent__user__username", "manager__username")
    assert list(rows) == [("agent_a1", "manager_a"), ("agent_b2", "manager_a"), ("loner", "manager_b")]
    assert set(cycle.reviews.values_list("status", flat=True)) == {"self_review"}


def test_a_manager_creates_a_cycle_for_their_reports_across_teams(org):
    cycle = services.cycle_create(
        name="Q1",
        period_start=MARCH[0],
        period_end=MARCH[1],
        template=make_template(),
        agents=[org.agent_a1, org.agent_b2],
        user=org.manager_a,
    )

    assert cycle.reviews.count() == 2
    assert cycle.created_by == org.manager_a


@pytest.mark.parametrize(
    ("who", "agents", "message"),
    [
        ("manager_b", ["agent_a1"], "{name} is not one of your reports."),
        ("qa", ["agent_a1"], "Only managers and admins run review cycles."),
        ("agent_a1", ["agent_a1"], "Only managers and admins run review cycles."),
    ],
)
def test_creating_a_cycle_for_someone_elses_agents_is_refused(org, who, agents, message):
    user = getattr(org, who) if who in ("manager_b", "qa") else getattr(org, who).user
    template = make_template()

    with pytest.raises(PermissionDenied) as refused:
        services.cycle_create(
            name="Q1",
            period_start=MARCH[0],
            period_end=MARCH[1],
            template=template,
            agents=[getattr(org, name) for name in agents],
            user=user,
        )

    assert str(refused.value) == message.format(name=org.agent_a1.display_name)
    assert (ReviewCycle.objects.count(), PerformanceReview.objects.count()) == (0, 0)


def test_a_cycle_with_bad_dates_and_no_agents_is_refused_naming_the_fields(org):
    empty = ReviewTemplate.objects.create(name="Empty")

    with pytest.raises(ValidationError) as refused:
        services.cycle_create(
            name=" ",
            period_start=date(2026, 3, 31),
            period_end=date(2026, 3, 1),
            template=empty,
            agents=[],
            user=org.admin,
            self_review_due=date(2026, 4, 10),
            manager_review_due=date(2026, 4, 1),
        )

    assert refused.value.message_dict == {
        "name": ["Give the cycle a name."],
        "period_end": ["The period ends before it starts."],
        "manager_review_due": ["The manager review is due before the self review."],
        "agents": ["Choose at least one agent."],
        "template": ["“Empty” has no questions."],
    }
    assert ReviewCycle.objects.count() == 0


def test_only_the_creator_or_an_admin_opens_a_cycle_and_only_once(org):
    cycle = services.cycle_create(
        name="Q1", period_start=MARCH[0], period_end=MARCH[1], template=make_template(), agents=[org.agent_a1],
        user=org.manager_a,
    )  # fmt: skip

    with pytest.raises(PermissionDenied) as refused:
        services.cycle_open(cycle=cycle, user=org.manager_b)
    assert str(refused.value) == "Only the cycle's creator or an admin moves it on."

    services.cycle_open(cycle=cycle, user=org.manager_a)
    with pytest.raises(ValidationError) as again:
        services.cycle_open(cycle=cycle, user=org.admin)
    assert again.value.message_dict == {"status": ["“Q1” is open."]}


# --- answers --------------------------------------------------------------------------------------------------------


def test_the_agent_saves_then_submits_the_self_review(org):
    cycle = open_cycle(org)
    review = review_of(cycle, org.agent_a1)
    words, quality, _ = cycle.template.questions.order_by("position")

    services.review_answers_save(
        review=review,
        user=org.agent_a1.user,
        answers=[AnswerInput(words.pk, "Fast replies"), AnswerInput(quality.pk, rating=4)],
    )
    with pytest.raises(ValidationError) as incomplete:
        services.review_answers_save(review=review, user=org.agent_a1.user, answers=[], submit=True)
    assert incomplete.value.message_dict == {"answers": ["“Teamwork” is not answered yet."]}

    done = services.review_answers_save(
        review=review, user=org.agent_a1.user, answers=full_answers(cycle.template, "Fast replies", 4, 3), submit=True
    )

    assert done.status == "manager_review"
    assert done.self_submitted_at is not None
    stored = review.answers.order_by("question__position").values_list("author", "text", "rating")
    assert list(stored) == [("self", "Fast replies", None), ("self", "", 4), ("self", "", 3)]


def test_a_rating_outside_the_scale_names_the_question_and_stores_nothing(org):
    cycle = open_cycle(org)
    review = review_of(cycle, org.agent_a1)
    words, quality, teamwork = cycle.template.questions.order_by("position")

    with pytest.raises(ValidationError) as refused:
        services.review_answers_save(
            review=review,
            user=org.agent_a1.user,
            answers=[
                AnswerInput(words.pk, "Hi", rating=3),
                AnswerInput(quality.pk, rating=6),
                AnswerInput(999999, "x"),
            ],
        )

    assert refused.value.message_dict == {
        "answers": [
            "“What went well?” is answered in words, not with a rating.",
            "“Quality of answers”: rate from 1 to 5 (got 6).",
            "Question 999999 is not part of “Quarterly”.",
        ]
    }
    assert ReviewAnswer.objects.count() == 0


def test_the_agent_cannot_change_a_submitted_self_review_or_answer_in_a_draft_cycle(org):
    draft = services.cycle_create(
        name="Draft", period_start=MARCH[0], period_end=MARCH[1], template=make_template("T2"),
        agents=[org.agent_a2], user=org.admin,
    )  # fmt: skip
    with pytest.raises(ValidationError) as closed:
        services.review_answers_save(review=review_of(draft, org.agent_a2), user=org.agent_a2.user, answers=[])
    assert closed.value.message_dict == {"status": ["“Draft” is draft: answers are closed."]}

    cycle = open_cycle(org)
    review = review_of(cycle, org.agent_a1)
    services.review_answers_save(
        review=review, user=org.agent_a1.user, answers=full_answers(cycle.template, "Done", 4, 4), submit=True
    )
    with pytest.raises(ValidationError) as again:
        services.review_answers_save(
            review=review, user=org.agent_a1.user, answers=full_answers(cycle.template, "Changed", 5, 5)
        )
    assert again.value.message_dict == {
        "status": ["Your self review is closed: it was submitted or the manager took over."]
    }
    assert list(review.answers.values_list("text", flat=True).exclude(text="")) == ["Done"]


def test_the_manager_waits_for_the_self_review_unless_it_is_overdue(org):
    today = timezone.localdate(timezone=org.agent_a1.zone)
    cycle = open_cycle(org, self_review_due=today - timedelta(days=1))
    waiting = open_cycle(org, template=make_template("T2"), self_review_due=today)
    answers = full_answers(cycle.template, "Good", 4, 4)

    with pytest.raises(ValidationError) as refused:
        services.review_answers_save(
            review=review_of(waiting, org.agent_a1), user=org.manager_a,
            answers=full_answers(waiting.template, "Good", 4, 4),
        )  # fmt: skip
    assert refused.value.message_dict == {"status": ["The self review is not submitted yet (nor past its due date)."]}

    overdue = services.review_answers_save(
        review=review_of(cycle, org.agent_a1), user=org.manager_a, answers=answers, submit=True
    )
    assert (overdue.status, overdue.rating, overdue.self_submitted_at) == ("calibration", 4, None)


@pytest.mark.parametrize("who", ["manager_b", "qa", "agent_a2"])
def test_nobody_else_answers_a_review(org, who):
    cycle = open_cycle(org)
    user = getattr(org, who) if who != "agent_a2" else org.agent_a2.user

    with pytest.raises(PermissionDenied) as refused:
        services.review_answers_save(
            review=review_of(cycle, org.agent_a1), user=user, answers=full_answers(cycle.template, "x", 1, 1)
        )

    assert str(refused.value) == "Only the agent and their manager answer this review."
    assert ReviewAnswer.objects.count() == 0


def test_the_manager_submission_rates_by_the_rounded_mean_or_the_overall_rating(org):
    cycle = open_cycle(org)

    rounded = through_manager(org, cycle, org.agent_a1, org.manager_a, quality=4, teamwork=5)
    review = review_of(cycle, org.agent_a2)
    services.review_answers_save(
        review=review, user=org.agent_a2.user, answers=full_answers(cycle.template, "Ok", 3, 3), submit=True
    )
    with pytest.raises(ValidationError) as refused:
        services.review_answers_save(
            review=review, user=org.manager_a, answers=full_answers(cycle.template, "Ok", 3, 3), submit=True,
            overall_rating=0,
        )  # fmt: skip
    given = services.review_answers_save(
        review=review, user=org.manager_a, answers=full_answers(cycle.template, "Ok", 3, 3), submit=True,
        overall_rating=2,
    )  # fmt: skip

    assert (rounded.rating, rounded.status) == (5, "calibration")
    assert refused.value.message_dict == {"rating": ["Rate from 1 to 5 (got 0)."]}
    assert given.rating == 2


# --- evidence -------------------------------------------------------------------------------------------------------


def _qa_review(org, conversation, submitted_at, **values) -> Review:
    assign(conversation, org.qa)
    review = services.review_start(conversation=conversation, reviewer=org.qa)
    services.review_save(review=review, ratings=[RatingInput(key, value) for key, value in values.items()], user=org.qa)
    services.review_submit(review=review, user=org.qa)
    Review.objects.filter(pk=review.pk).update(submitted_at=submitted_at)
    return review


def evidence_data(org):
    """In March (Singapore time) agent_a1 has: conversations of 420 s CSAT 5 answered after 45 s (org's), 300 s CSAT 3
    answered after 120 s and reopened (first hour of 1 March in Singapore), both resolved after 12 minutes, QA
    reviews of 100 % and 72.5 %, one completed action item, one completed enrollment and one certification; outside
    March: a conversation, a QA review, an action item, an enrollment and a grant."""
    build_scorecard()
    early = ConversationFactory(
        agent=org.agent_a1, external_id="early", created_at=datetime(2026, 2, 28, 16, 30, tzinfo=UTC),
        first_response_at=datetime(2026, 2, 28, 16, 32, tzinfo=UTC), handle_time_seconds=300, csat_score=3,
        reopen_count=1, subject="Refund",
    )  # fmt: skip
    april = ConversationFactory(
        agent=org.agent_a1, external_id="april", created_at=datetime(2026, 3, 31, 16, 0, tzinfo=UTC),
        handle_time_seconds=900, csat_score=1,
    )  # fmt: skip
    first = _qa_review(org, org.conversation_a1, datetime(2026, 3, 5, 3, 0, tzinfo=UTC), greeting=1, tone=5, accuracy=4)
    second = _qa_review(org, early, datetime(2026, 3, 20, 3, 0, tzinfo=UTC), greeting=1, tone=4, accuracy=3)
    _qa_review(org, april, datetime(2026, 4, 2, 3, 0, tzinfo=UTC), greeting=0, tone=1, accuracy=1)
    series = OneOnOneSeries.objects.create(manager=org.manager_a, agent=org.agent_a1)
    ActionItem.objects.create(
        series=series, owner=org.agent_a1.user, text="Read the refund policy",
        completed_at=datetime(2026, 3, 15, 2, 0, tzinfo=UTC),
    )  # fmt: skip
    ActionItem.objects.create(
        series=series, owner=org.agent_a1.user, text="Later", completed_at=datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
    )
    ActionItem.objects.create(series=series, owner=org.manager_a, text="Open item")
    curriculum = Curriculum.objects.create(name="Payments", slug="payments")
    version = CurriculumVersion.objects.create(curriculum=curriculum, number=1, status="published")
    Enrollment.objects.create(
        agent=org.agent_a1, version=version, start_date=date(2026, 2, 1), status="completed",
        completed_at=datetime(2026, 3, 20, 1, 0, tzinfo=UTC),
    )  # fmt: skip
    Enrollment.objects.create(agent=org.agent_a1, version=version, start_date=date(2026, 3, 25))
    certification = Certification.objects.create(name="Refunds", validity_days=365)
    CertificationGrant.objects.create(
        agent=org.agent_a1, certification=certification, granted_on=date(2026, 3, 20), expires_on=date(2027, 3, 20)
    )
    CertificationGrant.objects.create(
        agent=org.agent_a1, certification=certification, granted_on=date(2026, 2, 27), expires_on=date(2027, 2, 27)
    )
    return first, second, early


def test_the_evidence_holds_the_periods_kpis_links_action_items_and_onboarding(org, django_assert_num_queries):
    first, second, early = evidence_data(org)
    cycle = open_cycle(org)
    review = review_of(cycle, org.agent_a1)

    # the KPIs (aggregate, three percentiles, IQS, adherence's agent), then QA reviews, items, enrollments, grants
    with django_assert_num_queries(7 + PERCENTILE_QUERIES):
        evidence = services.review_evidence(review)

    assert evidence["kpis"] == {
        "contacts": 2, "aht_seconds": 360.0, "first_response_median_seconds": 45.0,
        "first_response_p90_seconds": 120.0, "resolution_median_seconds": 720.0, "resolved": 2, "fcr_percent": 50.0,
        "rated": 2, "csat_percent": 50.0, "csat_mean": 4.0, "iqs": 86.25, "reviews": 2, "adherence_percent": None,
    }  # fmt: skip
    assert evidence["qa_reviews"] == [
        {
            "id": first.pk, "url": f"/qa/reviews/{first.pk}/", "score": 100.0,
            "submitted_at": "2026-03-05T03:00:00+00:00", "conversation_id": org.conversation_a1.pk,
            "conversation_url": f"/conversations/{org.conversation_a1.pk}/",
            "conversation_subject": org.conversation_a1.subject,
        },
        {
            "id": second.pk, "url": f"/qa/reviews/{second.pk}/", "score": 72.5,
            "submitted_at": "2026-03-20T03:00:00+00:00", "conversation_id": early.pk,
            "conversation_url": f"/conversations/{early.pk}/", "conversation_subject": "Refund",
        },
    ]  # fmt: skip
    assert [(item["text"], item["owner"]) for item in evidence["action_items"]] == [
        ("Read the refund policy", org.agent_a1.display_name)
    ]
    assert [row["curriculum"] for row in evidence["enrollments"]] == ["Payments"]
    assert [(row["certification"], row["granted_on"]) for row in evidence["certifications"]] == [
        ("Refunds", "2026-03-20")
    ]
    assert evidence["period"] == {"start": "2026-03-01", "end": "2026-03-31"}


def test_the_evidence_is_frozen_when_the_manager_submits(org):
    evidence_data(org)
    cycle = open_cycle(org)
    review = through_manager(org, cycle, org.agent_a1, org.manager_a)

    # when another March conversation arrives after the submission
    ConversationFactory(agent=org.agent_a1, external_id="late", created_at=datetime(2026, 3, 10, tzinfo=UTC))

    review.refresh_from_db()
    assert review.evidence["kpis"]["contacts"] == 2
    shown = services.review_evidence_for(review)
    assert (shown["kpis"]["contacts"], shown["frozen"]) == (2, True)
    assert services.review_evidence_for(review_of(cycle, org.agent_a2))["frozen"] is False


# --- calibration and signatures -------------------------------------------------------------------------------------


def test_calibration_adjusts_the_rating_with_a_reason_and_the_distribution_shows_both(org, django_assert_num_queries):
    cycle = open_cycle(org)
    one = through_manager(org, cycle, org.agent_a1, org.manager_a, quality=4, teamwork=4)
    two = through_manager(org, cycle, org.agent_a2, org.manager_a, quality=4, teamwork=4)

    services.review_calibrate(review=two, user=org.manager_a, rating=3, reason="Below the team on IQS")

    with django_assert_num_queries(1):
        counts = services.cycle_distribution(cycle)
    assert [(row.rating, row.label, row.before, row.after) for row in counts] == [
        (1, "Poor", 0, 0), (2, "Fair", 0, 0), (3, "Good", 0, 1), (4, "Strong", 2, 1), (5, "Outstanding", 0, 0),
    ]  # fmt: skip
    two.refresh_from_db()
    assert (two.rating, two.calibrated_rating, two.final_rating, two.calibration_reason) == (
        4, 3, 3, "Below the team on IQS",
    )  # fmt: skip
    assert one.final_rating == 4


def test_calibration_refusals_are_named_and_change_nothing(org):
    cycle = open_cycle(org)
    submitted = through_manager(org, cycle, org.agent_a1, org.manager_a)
    waiting = review_of(cycle, org.agent_a2)

    with pytest.raises(PermissionDenied) as outsider:
        services.review_calibrate(review=submitted, user=org.manager_b, rating=3, reason="x")
    with pytest.raises(ValidationError) as bad:
        services.review_calibrate(review=submitted, user=org.manager_a, rating=6, reason=" ")
    with pytest.raises(ValidationError) as early:
        services.review_calibrate(review=waiting, user=org.admin, rating=3, reason="x")

    assert str(outsider.value) == "Only admins and managers of the agent's team calibrate ratings."
    assert bad.value.message_dict == {
        "rating": ["Rate from 1 to 5 (got 6)."],
        "reason": ["Say why the rating changes."],
    }
    assert early.value.message_dict == {"status": ["The manager review is not submitted yet."]}
    assert list(PerformanceReview.objects.values_list("calibrated_rating", flat=True)) == [None, None]


def test_signing_before_the_manager_review_is_refused_then_both_sign(org):
    cycle = open_cycle(org)
    review = review_of(cycle, org.agent_a1)

    with pytest.raises(ValidationError) as early:
        services.review_sign(review=review, user=org.agent_a1.user)
    assert early.value.message_dict == {"status": ["The manager review is not submitted yet."]}

    through_manager(org, cycle, org.agent_a1, org.manager_a)
    with pytest.raises(ValidationError) as in_calibration:
        services.review_sign(review=review, user=org.agent_a1.user)
    assert in_calibration.value.message_dict == {
        "status": ["The review is still in calibration; sign once the cycle moves to sign-off."]
    }
    with pytest.raises(ValidationError) as unsubmitted:
        services.cycle_to_sign_off(cycle=cycle, user=org.admin)
    assert unsubmitted.value.message_dict == {"status": ["1 manager review(s) are not submitted yet."]}

    through_manager(org, cycle, org.agent_a2, org.manager_a)
    services.cycle_to_sign_off(cycle=cycle, user=org.admin)
    with pytest.raises(PermissionDenied) as outsider:
        services.review_sign(review=review, user=org.manager_b)
    services.review_sign(review=review, user=org.agent_a1.user)
    with pytest.raises(ValidationError) as twice:
        services.review_sign(review=review, user=org.agent_a1.user)
    signed = services.review_sign(review=review, user=org.manager_a)

    assert str(outsider.value) == "Only the agent and the review's manager sign it."
    assert twice.value.message_dict == {"status": ["You already signed this review."]}
    assert signed.status == "signed"
    assert (signed.agent_signed_at is not None, signed.manager_signed_at is not None) == (True, True)
    cycle.refresh_from_db()
    assert cycle.status == "closed"
    with pytest.raises(ValidationError) as over:
        services.review_calibrate(review=review_of(cycle, org.agent_a2), user=org.admin, rating=2, reason="Late")
    assert over.value.message_dict == {"status": ["Calibration is over for this review."]}


# --- API ------------------------------------------------------------------------------------------------------------


def test_who_sees_which_review_and_cycle(org):
    cycle = open_cycle(org, agents=[org.agent_a1, org.agent_a2, org.agent_b1, org.agent_b2])
    other = open_cycle(org, agents=[org.agent_b1], template=make_template("T2"))
    ids = {
        agent: review_of(cycle, getattr(org, agent)).pk for agent in ("agent_a1", "agent_a2", "agent_b1", "agent_b2")
    }
    b1_other = review_of(other, org.agent_b1).pk
    every = {*ids.values(), b1_other}

    assert_role_access(
        list_url=REVIEWS,
        detail_url=lambda pk: f"{REVIEWS}{pk}/",
        all_ids=every,
        cases={
            "admin": RoleCase(org.admin, sees=every),
            "manager A (team A and agent_b2)": RoleCase(
                org.manager_a, sees={ids["agent_a1"], ids["agent_a2"], ids["agent_b2"]}
            ),
            "manager B (team B)": RoleCase(org.manager_b, sees={ids["agent_b1"], ids["agent_b2"], b1_other}),
            "QA reviewer": RoleCase(org.qa, sees=set()),
            "agent a1 (own)": RoleCase(org.agent_a1.user, sees={ids["agent_a1"]}),
        },
    )
    assert_role_access(
        list_url=CYCLES,
        detail_url=lambda pk: f"{CYCLES}{pk}/",
        all_ids={cycle.pk, other.pk},
        cases={
            "admin": RoleCase(org.admin, sees={cycle.pk, other.pk}),
            "manager A": RoleCase(org.manager_a, sees={cycle.pk}),
            "QA reviewer": RoleCase(org.qa, sees=set()),
            "agent b1": RoleCase(org.agent_b1.user, sees={cycle.pk, other.pk}),
        },
    )


def test_creating_and_opening_a_cycle_through_the_api(org):
    template = make_template()
    client = api_client_for(org.manager_a)

    refused = client.post(
        CYCLES,
        {"name": "Q1", "period_start": "2026-03-31", "period_end": "2026-03-01", "template": template.pk,
         "agent_ids": [org.agent_a1.pk, 424242]},
        format="json",
    )  # fmt: skip
    created = client.post(
        CYCLES,
        {"name": "Q1", "period_start": "2026-03-01", "period_end": "2026-03-31", "template": template.pk,
         "agent_ids": [org.agent_a1.pk]},
        format="json",
    )  # fmt: skip
    forbidden = api_client_for(org.manager_b).post(f"{CYCLES}{created.json()['id']}/open/")
    opened = client.post(f"{CYCLES}{created.json()['id']}/open/")

    assert (refused.status_code, refused.json()) == (400, {"agent_ids": ["No agent 424242."]})
    assert created.status_code == 201
    assert forbidden.status_code == 404
    assert (opened.status_code, opened.json()["status"]) == (200, "open")
    assert ReviewCycle.objects.count() == 1


def test_the_agent_never_sees_the_managers_side_before_sign_off(org):
    cycle = open_cycle(org)
    review = through_manager(org, cycle, org.agent_a1, org.manager_a, quality=4, teamwork=5)
    agent = api_client_for(org.agent_a1.user)

    before = agent.get(f"{REVIEWS}{review.pk}/").json()
    manager_view = api_client_for(org.manager_a).get(f"{REVIEWS}{review.pk}/").json()

    assert {answer["author"] for answer in before["answers"]} == {"self"}
    assert (before["rating"], before["final_rating"], before["calibration_reason"]) == (None, None, "")
    assert [(a["author"], a["rating"]) for a in manager_view["answers"]] == [
        ("manager", None), ("self", None), ("manager", 4), ("self", 4), ("manager", 5), ("self", 4),
    ]  # fmt: skip
    assert manager_view["rating"] == 5


def test_the_agent_sees_the_managers_side_at_sign_off(org):
    cycle = open_cycle(org)
    review = through_manager(org, cycle, org.agent_a1, org.manager_a, quality=4, teamwork=5)
    through_manager(org, cycle, org.agent_a2, org.manager_a)
    services.review_calibrate(review=review, user=org.manager_a, rating=4, reason="In line with the team")
    services.cycle_to_sign_off(cycle=cycle, user=org.admin)

    shown = api_client_for(org.agent_a1.user).get(f"{REVIEWS}{review.pk}/").json()

    assert {answer["author"] for answer in shown["answers"]} == {"self", "manager"}
    assert (shown["rating"], shown["calibrated_rating"], shown["final_rating"]) == (5, 4, 4)
    assert shown["calibration_reason"] == "In line with the team"


def test_the_manager_does_not_see_a_self_review_draft(org):
    cycle = open_cycle(org)
    review = review_of(cycle, org.agent_a1)
    services.review_answers_save(
        review=review, user=org.agent_a1.user, answers=full_answers(cycle.template, "Draft thoughts", 3, 3)
    )

    manager_view = api_client_for(org.manager_a).get(f"{REVIEWS}{review.pk}/").json()
    agent_view = api_client_for(org.agent_a1.user).get(f"{REVIEWS}{review.pk}/").json()

    assert manager_view["answers"] == []
    assert [answer["text"] for answer in agent_view["answers"]] == ["Draft thoughts", "", ""]


def test_answers_calibrate_and_sign_through_the_api_with_refusals_named(org):
    cycle = open_cycle(org)
    review = review_of(cycle, org.agent_a1)
    words, quality, teamwork = cycle.template.questions.order_by("position")
    agent = api_client_for(org.agent_a1.user)
    manager = api_client_for(org.manager_a)

    out_of_scale = agent.put(
        f"{REVIEWS}{review.pk}/answers/",
        {"answers": [{"question": quality.pk, "rating": 9}], "submit": False},
        format="json",
    )
    early_sign = agent.post(f"{REVIEWS}{review.pk}/sign/")
    self_done = agent.put(
        f"{REVIEWS}{review.pk}/answers/",
        {
            "answers": [
                {"question": words.pk, "text": "Quick"},
                {"question": quality.pk, "rating": 4},
                {"question": teamwork.pk, "rating": 4},
            ],
            "submit": True,
        },
        format="json",
    )
    manager_done = manager.put(
        f"{REVIEWS}{review.pk}/answers/",
        {
            "answers": [
                {"question": words.pk, "text": "Solid"},
                {"question": quality.pk, "rating": 3},
                {"question": teamwork.pk, "rating": 4},
            ],
            "submit": True,
        },
        format="json",
    )
    qa_calibrate = api_client_for(org.qa).post(f"{REVIEWS}{review.pk}/calibrate/", {"rating": 3, "reason": "x"})
    no_reason = manager.post(f"{REVIEWS}{review.pk}/calibrate/", {"rating": 3, "reason": ""}, format="json")
    calibrated = manager.post(f"{REVIEWS}{review.pk}/calibrate/", {"rating": 3, "reason": "Team norm"}, format="json")
    agent_calibrates = agent.post(f"{REVIEWS}{review.pk}/calibrate/", {"rating": 5, "reason": "Me"}, format="json")

    assert (out_of_scale.status_code, out_of_scale.json()) == (
        400, {"answers": ["“Quality of answers”: rate from 1 to 5 (got 9)."]},
    )  # fmt: skip
    assert (early_sign.status_code, early_sign.json()) == (
        400,
        {"status": ["The manager review is not submitted yet."]},
    )
    assert (self_done.status_code, self_done.json()["status"]) == (200, "manager_review")
    assert (manager_done.status_code, manager_done.json()["status"], manager_done.json()["rating"]) == (
        200, "calibration", 4,
    )  # fmt: skip
    assert manager_done.json()["evidence"]["frozen"] is True
    assert qa_calibrate.status_code == 404
    assert (no_reason.status_code, no_reason.json()) == (400, {"reason": ["Say why the rating changes."]})
    assert (calibrated.status_code, calibrated.json()["final_rating"]) == (200, 3)
    assert agent_calibrates.status_code == 403
    review.refresh_from_db()
    assert (review.calibrated_rating, review.calibration_reason) == (3, "Team norm")


def test_the_distribution_is_for_managers_and_admins(org):
    cycle = open_cycle(org)
    through_manager(org, cycle, org.agent_a1, org.manager_a, quality=5, teamwork=5)

    manager = api_client_for(org.manager_a).get(f"{CYCLES}{cycle.pk}/distribution/")
    agent = api_client_for(org.agent_a1.user).get(f"{CYCLES}{cycle.pk}/distribution/")

    assert manager.status_code == 200
    assert [(row["rating"], row["before"], row["after"]) for row in manager.json()] == [
        (1, 0, 0), (2, 0, 0), (3, 0, 0), (4, 0, 0), (5, 1, 1),
    ]  # fmt: skip
    assert agent.status_code == 403


def test_review_and_cycle_lists_cost_the_same_queries_whatever_their_size(org, django_assert_num_queries):
    open_cycle(org)
    client = api_client_for(org.manager_a)
    client.get(REVIEWS)

    with django_assert_num_queries(4):
        small = client.get(REVIEWS)
    with django_assert_num_queries(4):
        client.get(CYCLES)
    open_cycle(org, agents=[org.agent_a1, org.agent_a2, org.agent_b2], template=make_template("T2"))
    open_cycle(org, agents=[org.agent_a1, org.agent_a2], template=make_template("T3"))
    with django_assert_num_queries(4):
        large = client.get(REVIEWS)
    with django_assert_num_queries(4):
        client.get(CYCLES)

    assert (small.json()["count"], large.json()["count"]) == (2, 7)


# --- admin ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/performance/reviewtemplate/",
        "/admin/performance/reviewcycle/",
        "/admin/performance/performancereview/",
        "/admin/performance/improvementplan/",
    ],
)
def test_the_cycles_and_plans_admin_is_for_admins(org, path):
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = review_of(cycle, org.agent_a1)
    services.review_answers_save(
        review=review, user=org.agent_a1.user, answers=full_answers(cycle.template, "Hi", 3, 3), submit=True
    )

    assert client_for(org.admin).get(path).status_code == 200
    assert client_for(org.admin).get(f"/admin/performance/performancereview/{review.pk}/change/").status_code == 200
    for user in (org.manager_a, org.qa, org.agent_a1.user):
        response = client_for(user).get(path)
        assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={path}")


def test_an_admin_creates_a_cycle_in_the_admin_through_the_service(org):
    template = make_template()
    form = {
        "name": "Q1", "period_start": "2026-03-01", "period_end": "2026-03-31", "template": template.pk,
        "self_review_due": "", "manager_review_due": "", "agents": [org.agent_a1.pk, org.agent_b1.pk],
        "reviews-TOTAL_FORMS": "0", "reviews-INITIAL_FORMS": "0",
    }  # fmt: skip
    client = client_for(org.admin)

    refused = client.post("/admin/performance/reviewcycle/add/", {**form, "agents": []})
    created = client.post("/admin/performance/reviewcycle/add/", form)

    assert refused.status_code == 200
    assert "Choose at least one agent." in refused.content.decode()
    assert created.status_code == 302
    cycle = ReviewCycle.objects.get()
    assert (cycle.created_by, cycle.status) == (org.admin, "draft")
    assert sorted(cycle.reviews.values_list("manager__username", flat=True)) == ["manager_a", "manager_b"]


# --- dates, zones and history ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "errors"),
    [
        (
            {"period_start": date(1, 1, 1)},
            {"period_start": ["Choose a date from 2000-01-01 to 2100-12-31 (got 0001-01-01)."]},
        ),
        (
            {"period_end": date(9999, 12, 31), "manager_review_due": date(2101, 1, 1)},
            {
                "period_end": ["Choose a date from 2000-01-01 to 2100-12-31 (got 9999-12-31)."],
                "manager_review_due": ["Choose a date from 2000-01-01 to 2100-12-31 (got 2101-01-01)."],
            },
        ),
        (
            {"self_review_due": date(1999, 12, 31)},
            {"self_review_due": ["Choose a date from 2000-01-01 to 2100-12-31 (got 1999-12-31)."]},
        ),
    ],
)
def test_a_cycle_dated_outside_2000_to_2100_is_refused_naming_the_field(org, dates, errors):
    # given a March cycle's values with one or two dates out of range
    values = {"period_start": MARCH[0], "period_end": MARCH[1], **dates}

    # when the admin creates it
    with pytest.raises(ValidationError) as refused:
        services.cycle_create(name="Q1", template=make_template(), agents=[org.agent_a1], user=org.admin, **values)

    # then each date is named and nothing is stored
    assert refused.value.message_dict == errors
    assert (ReviewCycle.objects.count(), PerformanceReview.objects.count()) == (0, 0)


def test_the_api_refuses_a_year_one_cycle_instead_of_failing_on_its_reviews(org):
    # when a manager posts a cycle starting in year 1
    response = api_client_for(org.manager_a).post(
        CYCLES,
        {"name": "Q1", "period_start": "0001-01-01", "period_end": "2026-03-31", "template": make_template().pk,
         "agent_ids": [org.agent_a1.pk]},
        format="json",
    )  # fmt: skip

    # then it is a 400 naming the field, and no cycle exists whose review page could fail
    assert (response.status_code, response.json()) == (
        400,
        {"period_start": ["Choose a date from 2000-01-01 to 2100-12-31 (got 0001-01-01)."]},
    )
    assert ReviewCycle.objects.count() == 0


def test_the_self_review_due_date_passes_in_the_agents_zone_not_the_servers(org):
    # given agent_a1 in Kiritimati (UTC+14) and agent_a2 in Pago Pago (UTC-11), 25 hours apart, and a cycle whose
    # self review was due yesterday in Kiritimati: over in Kiritimati, still today (or tomorrow) in Pago Pago
    type(org.agent_a1).objects.filter(pk=org.agent_a1.pk).update(timezone="Pacific/Kiritimati")
    type(org.agent_a2).objects.filter(pk=org.agent_a2.pk).update(timezone="Pacific/Pago_Pago")
    kiritimati_today = timezone.localdate(timezone=ZoneInfo("Pacific/Kiritimati"))
    cycle = open_cycle(org, self_review_due=kiritimati_today - timedelta(days=1))
    answers = full_answers(cycle.template, "Good", 4, 4)

    # when the manager answers both reviews without a self review
    overdue = services.review_answers_save(review=review_of(cycle, org.agent_a1), user=org.manager_a, answers=answers)
    with pytest.raises(ValidationError) as refused:
        services.review_answers_save(review=review_of(cycle, org.agent_a2), user=org.manager_a, answers=answers)

    # then the Kiritimati review is open to the manager, the Pago Pago one waits for the agent
    assert overdue.answers.filter(author="manager").count() == 3
    assert refused.value.message_dict == {"status": ["The self review is not submitted yet (nor past its due date)."]}
    assert review_of(cycle, org.agent_a2).answers.count() == 0


def test_moving_a_cycle_to_sign_off_records_each_review_in_its_history(org):
    # given two reviews in calibration
    cycle = open_cycle(org)
    through_manager(org, cycle, org.agent_a1, org.manager_a)
    through_manager(org, cycle, org.agent_a2, org.manager_a)

    # when the admin moves the cycle to sign-off
    services.cycle_to_sign_off(cycle=cycle, user=org.admin)

    # then each review's latest history record is the sign-off, by the admin
    for agent in (org.agent_a1, org.agent_a2):
        latest = review_of(cycle, agent).history.order_by("-history_id").first()
        assert (latest.status, latest.history_user) == ("sign_off", org.admin)
    assert set(cycle.reviews.values_list("status", flat=True)) == {"sign_off"}


def test_creating_a_cycle_records_each_new_review_in_its_history(org):
    # when
    cycle = open_cycle(org)
    # then: each review starts its history with its creation, by the cycle's creator
    first = [review_of(cycle, agent).history.order_by("history_id").first() for agent in (org.agent_a1, org.agent_a2)]
    assert [(record.history_type, record.status, record.history_user) for record in first] == [
        ("+", "self_review", cycle.created_by),
        ("+", "self_review", cycle.created_by),
    ]


def test_the_evidence_uses_the_agents_own_zone_for_its_period(org):
    # given agent_a1 in New York (their team is in Singapore) and a conversation on 31 March 20:00 New York time
    type(org.agent_a1).objects.filter(pk=org.agent_a1.pk).update(timezone="America/New_York")
    ConversationFactory(
        agent=org.agent_a1, external_id="evening", created_at=datetime(2026, 4, 1, 0, 0, tzinfo=UTC),
        handle_time_seconds=100,
    )  # fmt: skip
    Conversation.objects.filter(agent=org.agent_a1).exclude(external_id="evening").update(
        created_at=datetime(2026, 1, 5, tzinfo=UTC)
    )
    cycle = open_cycle(org, agents=[org.agent_a1])

    # when the evidence is read
    evidence = services.review_evidence(review_of(cycle, org.agent_a1))

    # then the conversation counts in March (it is 1 April 08:00 in Singapore)
    assert (evidence["kpis"]["contacts"], evidence["kpis"]["aht_seconds"]) == (1, 100.0)


# --- a manager who is also an agent ---------------------------------------------------------------------------------


def manager_who_is_an_agent(org):
    """manager_b, manager of team B, is also an agent of team B managed by manager_a."""
    return AgentFactory.create(user=org.manager_b, team=org.team_b, manager=org.manager_a)


def test_a_manager_who_is_an_agent_answers_their_own_review_as_themselves_and_never_calibrates_it(org):
    # given manager_b's own review, submitted by them and by manager_a, next to agent_b1's rated 3 by manager_b
    me = manager_who_is_an_agent(org)
    cycle = open_cycle(org, agents=[me, org.agent_b1])
    own = review_of(cycle, me)
    services.review_answers_save(
        review=own, user=org.manager_b, answers=full_answers(cycle.template, "Mine", 5, 5), submit=True
    )
    services.review_answers_save(
        review=own, user=org.manager_a, answers=full_answers(cycle.template, "Good", 4, 4), submit=True
    )
    through_manager(org, cycle, org.agent_b1, org.manager_b, quality=3, teamwork=3)
    client = api_client_for(org.manager_b)

    # when manager_b calibrates their own review and reads the distribution
    calibrated = client.post(f"{REVIEWS}{own.pk}/calibrate/", {"rating": 5, "reason": "Me"}, format="json")
    distribution = client.get(f"{CYCLES}{cycle.pk}/distribution/")
    everyone = api_client_for(org.admin).get(f"{CYCLES}{cycle.pk}/distribution/")

    # then the calibration is refused and only agent_b1's rating is counted for them (the admin sees both)
    assert calibrated.status_code == 403
    own.refresh_from_db()
    assert (own.status, own.rating, own.calibrated_rating) == ("calibration", 4, None)
    assert [(row["rating"], row["before"]) for row in distribution.json()] == [(1, 0), (2, 0), (3, 1), (4, 0), (5, 0)]
    assert [(row["rating"], row["before"]) for row in everyone.json()] == [(1, 0), (2, 0), (3, 1), (4, 1), (5, 0)]
    assert services.review_answering_as(own, org.manager_b) is None
    assert list(own.answers.filter(author="self").values_list("text", flat=True)) == ["Mine", "", ""]


def test_the_admin_change_form_refuses_a_cycle_date_outside_2000_to_2100(org):
    # given a draft cycle
    template = make_template()
    cycle = services.cycle_create(
        name="Q1", period_start=MARCH[0], period_end=MARCH[1], template=template, agents=[org.agent_a1], user=org.admin
    )
    form = {
        "name": "Q1", "period_start": "0001-01-01", "period_end": "2026-03-31", "template": template.pk,
        "self_review_due": "", "manager_review_due": "", "reviews-TOTAL_FORMS": "1", "reviews-INITIAL_FORMS": "1",
    }  # fmt: skip

    # when the admin moves its start to year 1 in the admin
    response = client_for(org.admin).post(f"/admin/performance/reviewcycle/{cycle.pk}/change/", form)

    # then the form is shown again naming the date, and the cycle keeps its period
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "period_start": ["Choose a date from 2000-01-01 to 2100-12-31 (got 0001-01-01)."]
    }
    cycle.refresh_from_db()
    assert cycle.period_start == MARCH[0]
