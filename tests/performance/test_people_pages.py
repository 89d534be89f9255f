"""The review and plan pages under /people/: what each role sees (agents their own, managers their reports, QA
reviewers nothing), the forms by role with refusals shown and nothing stored, the printable view, calibration, and
fixed query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from performance import services
from performance.people_models import (
    ActionItem,
    ImprovementPlan,
    OneOnOneSeries,
    PerformanceReview,
    PlanCheckIn,
    ReviewAnswer,
)
from supportops.models import Conversation
from tests.factories import AgentFactory, ConversationFactory
from tests.performance.pages import client_for, squashed, text_of
from tests.performance.qa import build_scorecard
from tests.performance.queries import PERCENTILE_QUERIES
from tests.performance.test_review_cycles import (
    _qa_review,
    full_answers,
    make_template,
    open_cycle,
    review_of,
    through_manager,
)


def make_plan(org, agent=None, manager=None) -> ImprovementPlan:
    return services.plan_create(
        agent=agent or org.agent_a1,
        manager=manager or org.manager_a,
        title="Lift quality",
        start_date=date(2026, 3, 1),
        end_date=date(2026, 3, 31),
        goals=[("iqs", True, 85, 28, "IQS at 85 %"), ("frt", False, 60, 28, "")],
        user=manager or org.manager_a,
    )


# --- overview -------------------------------------------------------------------------------------------------------


def test_the_overview_shows_a_manager_their_reports_and_an_agent_their_own(org):
    cycle = open_cycle(org, agents=[org.agent_a1, org.agent_a2, org.agent_b1])
    make_plan(org)
    make_plan(org, agent=org.agent_b1, manager=org.manager_b)

    manager = client_for(org.manager_a).get("/people/")
    agent = client_for(org.agent_a1.user).get("/people/")
    qa = client_for(org.qa).get("/people/")

    assert manager.status_code == 200
    assert [r.agent.user.username for r in manager.context["report_reviews"]] == ["agent_a1", "agent_a2"]
    assert [p.agent.user.username for p in manager.context["report_plans"]] == ["agent_a1"]
    assert [c.pk for c in manager.context["cycles"]] == [cycle.pk]
    assert agent.status_code == 200
    assert [r.agent.user.username for r in agent.context["own_reviews"]] == ["agent_a1"]
    assert [p.title for p in agent.context["own_plans"]] == ["Lift quality"]
    assert agent.context["report_reviews"] == []
    assert qa.status_code == 403
    assert b"seen by the agent, their managers and admins only" in qa.content


def test_the_overview_costs_the_same_queries_whatever_the_data(org, django_assert_num_queries):
    open_cycle(org)
    make_plan(org)
    client = client_for(org.manager_a)
    client.get("/people/")

    with django_assert_num_queries(6):
        client.get("/people/")
    open_cycle(org, agents=[org.agent_a1, org.agent_a2, org.agent_b2], template=make_template("T2"))
    make_plan(org, agent=org.agent_a2)
    with django_assert_num_queries(6):
        response = client.get("/people/")

    assert len(response.context["report_reviews"]) == 5


# --- one review -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("manager_a", 200), ("agent_a1", 200), ("manager_b", 404), ("qa", 404), ("agent_a2", 404)],
)
def test_who_opens_a_review_page(org, who, status):
    cycle = open_cycle(org, agents=[org.agent_a1])
    user = getattr(org, who) if not who.startswith("agent") else getattr(org, who).user

    response = client_for(user).get(f"/people/reviews/{review_of(cycle, org.agent_a1).pk}/")

    assert response.status_code == status


def test_the_agent_answers_on_the_page_and_a_rating_outside_the_scale_is_refused(org):
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = review_of(cycle, org.agent_a1)
    words, quality, teamwork = cycle.template.questions.order_by("position")
    client = client_for(org.agent_a1.user)
    url = f"/people/reviews/{review.pk}/answers/"

    page = client.get(f"/people/reviews/{review.pk}/")
    refused = client.post(
        url, {f"text-{words.pk}": "Fast", f"rating-{quality.pk}": "7", f"rating-{teamwork.pk}": "3", "action": "save"}
    )
    submitted = client.post(
        url, {f"text-{words.pk}": "Fast", f"rating-{quality.pk}": "4", f"rating-{teamwork.pk}": "3", "action": "submit"}
    )

    assert page.context["answering_as"] == "self"
    assert b'data-testid="answer-form"' in page.content
    assert refused.status_code == 400
    assert "“Quality of answers”: rate from 1 to 5 (got 7)." in refused.context["error"]
    assert refused.context["rows"][0].text == "Fast"
    assert (submitted.status_code, submitted["Location"]) == (302, f"/people/reviews/{review.pk}/")
    review.refresh_from_db()
    assert review.status == "manager_review"
    assert ReviewAnswer.objects.filter(author="self").count() == 3


def test_the_agent_page_hides_the_managers_answers_until_sign_off(org):
    cycle = open_cycle(org)
    review = through_manager(org, cycle, org.agent_a1, org.manager_a)

    before = client_for(org.agent_a1.user).get(f"/people/reviews/{review.pk}/")
    manager = client_for(org.manager_a).get(f"/people/reviews/{review.pk}/")
    through_manager(org, cycle, org.agent_a2, org.manager_a)
    services.cycle_to_sign_off(cycle=cycle, user=org.admin)
    after = client_for(org.agent_a1.user).get(f"/people/reviews/{review.pk}/")

    assert b"Good quarter" not in before.content
    assert b'data-testid="rating"' not in before.content
    assert b"Good quarter" in manager.content
    assert b'data-testid="calibrate-form"' in manager.content
    assert b"Good quarter" in after.content
    assert after.context["may_sign"] is True


def test_signing_before_the_manager_review_shows_the_refusal(org):
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = review_of(cycle, org.agent_a1)

    response = client_for(org.agent_a1.user).post(f"/people/reviews/{review.pk}/sign/")

    assert response.status_code == 400
    assert response.context["error"] == "The manager review is not submitted yet."
    review.refresh_from_db()
    assert review.agent_signed_at is None


def test_calibrating_on_the_page_needs_a_reason(org):
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = through_manager(org, cycle, org.agent_a1, org.manager_a)
    client = client_for(org.manager_a)
    url = f"/people/reviews/{review.pk}/calibrate/"

    refused = client.post(url, {"rating": "3", "reason": ""})
    done = client.post(url, {"rating": "3", "reason": "Team norm"})
    agent = client_for(org.agent_a1.user).post(url, {"rating": "5", "reason": "Me"})

    assert (refused.status_code, refused.context["error"]) == (400, "Say why the rating changes.")
    assert done.status_code == 302
    assert agent.status_code == 403
    review.refresh_from_db()
    assert (review.calibrated_rating, review.calibration_reason) == (3, "Team norm")


def test_the_printable_view_has_print_css_and_the_evidence(org):
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = review_of(cycle, org.agent_a1)

    response = client_for(org.manager_a).get(f"/people/reviews/{review.pk}/print/")
    other = client_for(org.qa).get(f"/people/reviews/{review.pk}/print/")

    assert response.status_code == 200
    assert b"@media print" in response.content
    assert b"Evidence (2026-03-01 \xe2\x80\x93 2026-03-31)" in response.content
    assert other.status_code == 404


def test_the_review_page_costs_the_same_queries_whatever_the_evidence(org, django_assert_num_queries):
    # given a submitted self review and one March conversation with a QA review
    build_scorecard()
    Conversation.objects.filter(pk=org.conversation_a1.pk).update(
        created_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        first_response_at=datetime(2026, 3, 2, 9, 1, tzinfo=UTC),
        resolved_at=datetime(2026, 3, 2, 9, 12, tzinfo=UTC),
    )
    _qa_review(org, org.conversation_a1, datetime(2026, 3, 5, 3, tzinfo=UTC), greeting=1, tone=5, accuracy=4)
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = review_of(cycle, org.agent_a1)
    services.review_answers_save(
        review=review, user=org.agent_a1.user, answers=full_answers(cycle.template, "Hi", 3, 3), submit=True
    )
    client = client_for(org.manager_a)
    client.get(f"/people/reviews/{review.pk}/")
    with django_assert_num_queries(13 + PERCENTILE_QUERIES):
        small = client.get(f"/people/reviews/{review.pk}/")

    # when the period holds four more conversations, another QA review and a completed action item
    for number in range(4):
        ConversationFactory(
            agent=org.agent_a1, external_id=f"more-{number}", created_at=datetime(2026, 3, 10 + number, tzinfo=UTC)
        )
    _qa_review(
        org,
        Conversation.objects.get(external_id="more-0"),
        datetime(2026, 3, 12, tzinfo=UTC),
        greeting=1,
        tone=4,
        accuracy=3,
    )
    series = OneOnOneSeries.objects.create(manager=org.manager_a, agent=org.agent_a1)
    ActionItem.objects.create(
        series=series, owner=org.agent_a1.user, text="Read", completed_at=datetime(2026, 3, 15, tzinfo=UTC)
    )

    # then the page costs the same
    with django_assert_num_queries(13 + PERCENTILE_QUERIES):
        large = client.get(f"/people/reviews/{review.pk}/")
    assert (small.context["evidence"]["kpis"]["contacts"], large.context["evidence"]["kpis"]["contacts"]) == (1, 5)
    assert (len(small.context["evidence"]["qa_reviews"]), len(large.context["evidence"]["qa_reviews"])) == (1, 2)
    assert large.context["answering_as"] == "manager"


def test_rating_fields_take_whole_numbers_only_and_name_the_question(org):
    # given the agent's open self review
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = review_of(cycle, org.agent_a1)
    words, quality, teamwork = cycle.template.questions.order_by("position")

    # when they post a double minus, a superscript two and an overall rating of "²"
    response = client_for(org.agent_a1.user).post(
        f"/people/reviews/{review.pk}/answers/",
        {f"text-{words.pk}": "Fast", f"rating-{quality.pk}": "--5", f"rating-{teamwork.pk}": "²",
         "overall_rating": "²", "action": "save"},
    )  # fmt: skip

    # then the form is shown again with each field named, what was typed kept, and nothing stored
    assert response.status_code == 400
    assert response.context["error"] == (
        "“Quality of answers”: Enter a whole number, not “--5”. “Teamwork”: Enter a whole number, not “²”. "
        "Overall rating: Enter a whole number, not “²”."
    )
    assert [(row.text, row.rating) for row in response.context["rows"]] == [("Fast", ""), ("", "--5"), ("", "²")]
    assert ReviewAnswer.objects.count() == 0


@pytest.mark.parametrize("rating", ["²", "--3", "", "3.0"])
def test_a_calibrated_rating_that_is_not_a_whole_number_is_refused_on_the_page(org, rating):
    # given a review in calibration
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = through_manager(org, cycle, org.agent_a1, org.manager_a)

    # when the manager posts an odd rating
    response = client_for(org.manager_a).post(
        f"/people/reviews/{review.pk}/calibrate/", {"rating": rating, "reason": "Team norm"}
    )

    # then the page says so, naming the field, and the rating is unchanged
    expected = f"Enter a whole number, not “{rating}”." if rating else "Enter a whole number."
    assert (response.status_code, response.context["error"]) == (400, f"Adjusted rating: {expected}")
    review.refresh_from_db()
    assert (review.calibrated_rating, review.calibration_reason) == (None, "")


def test_evidence_frozen_before_fcr_and_adherence_shows_dashes_and_local_dates(org):
    # given a review whose evidence was frozen in the older shape: no FCR, first response or adherence, and a QA
    # review submitted 5 March 20:00 UTC (6 March in Singapore)
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = through_manager(org, cycle, org.agent_a1, org.manager_a)
    old = {
        "period": {"start": "2026-03-01", "end": "2026-03-31"},
        "kpis": {"contacts": 3, "aht_seconds": 400.0, "csat_percent": 50.0, "csat_mean": 4.0, "iqs": 90.0,
                 "reviews": 1},
        "qa_reviews": [
            {"id": 1, "url": "/qa/reviews/1/", "score": 90.0, "submitted_at": "2026-03-05T20:00:00+00:00",
             "conversation_id": 1, "conversation_url": "/conversations/1/", "conversation_subject": "Refund"},
        ],
        "action_items": [
            {"id": 1, "text": "Read", "owner": "Ann", "completed_at": "2026-03-15T17:00:00+00:00"},
        ],
        "enrollments": [],
        "certifications": [],
        "frozen": False,
    }  # fmt: skip
    PerformanceReview.objects.filter(pk=review.pk).update(evidence=old)

    # when the manager opens the review and its printable view
    page = squashed(text_of(client_for(org.manager_a).get(f"/people/reviews/{review.pk}/")))
    printed = squashed(text_of(client_for(org.manager_a).get(f"/people/reviews/{review.pk}/print/")))

    # then the missing KPIs read "—" and the dates are Singapore's
    assert "IQS 90.00% 1 QA review First response (median) — FCR — Adherence —" in page
    assert "Submitted 2026-03-06" in page
    assert "Read Ann · 2026-03-16" in page
    assert "First response (median) — FCR — Adherence — IQS 90.00%" in printed
    assert "QA reviews: 90.00% (2026-03-06)" in printed


def test_the_printable_view_shows_signatures_in_the_agents_zone(org):
    # given a review signed by the agent at 20:00 UTC on 2 April (04:00 on 3 April in Singapore)
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = through_manager(org, cycle, org.agent_a1, org.manager_a)
    PerformanceReview.objects.filter(pk=review.pk).update(
        status="sign_off", agent_signed_at=datetime(2026, 4, 2, 20, tzinfo=UTC)
    )

    # when the manager prints it
    printed = squashed(text_of(client_for(org.manager_a).get(f"/people/reviews/{review.pk}/print/")))

    # then the signature shows the agent's local date and time, as on the page
    assert "Agent: 3 Apr 2026, 04:00 UTC+8 · Manager: ________________" in printed


# --- calibration ----------------------------------------------------------------------------------------------------


def test_the_calibration_page_shows_the_distribution_to_managers_only(org, django_assert_num_queries):
    cycle = open_cycle(org)
    first = through_manager(org, cycle, org.agent_a1, org.manager_a, quality=4, teamwork=4)
    through_manager(org, cycle, org.agent_a2, org.manager_a, quality=4, teamwork=4)
    services.review_calibrate(review=first, user=org.manager_a, rating=5, reason="Led the launch")
    client = client_for(org.manager_a)
    client.get(f"/people/cycles/{cycle.pk}/calibration/")

    with django_assert_num_queries(6):
        manager = client.get(f"/people/cycles/{cycle.pk}/calibration/")
    agent = client_for(org.agent_a1.user).get(f"/people/cycles/{cycle.pk}/calibration/")
    qa = client_for(org.qa).get(f"/people/cycles/{cycle.pk}/calibration/")

    bars = [
        (bar["row"].rating, bar["row"].before, bar["row"].after, bar["after_width"]) for bar in manager.context["bars"]
    ]
    assert bars == [(1, 0, 0, 0), (2, 0, 0, 0), (3, 0, 0, 0), (4, 2, 1, 50), (5, 0, 1, 50)]
    assert b"\xe2\x80\x9cLed the launch\xe2\x80\x9d" in manager.content
    assert agent.status_code == 403
    assert qa.status_code == 404


def test_the_calibration_page_costs_the_same_queries_whatever_the_cycle_size(org, django_assert_num_queries):
    # given a one-review cycle and a three-review cycle with two calibrations
    small_cycle = open_cycle(org, agents=[org.agent_a1])
    through_manager(org, small_cycle, org.agent_a1, org.manager_a)
    large_cycle = open_cycle(org, agents=[org.agent_a1, org.agent_a2, org.agent_b2], template=make_template("T2"))
    for agent in (org.agent_a1, org.agent_a2, org.agent_b2):
        review = through_manager(org, large_cycle, agent, org.manager_a)
        if agent != org.agent_a1:
            services.review_calibrate(review=review, user=org.manager_a, rating=3, reason="Team norm")
    client = client_for(org.manager_a)
    client.get(f"/people/cycles/{small_cycle.pk}/calibration/")

    # when the manager opens both calibration pages, then each costs the same
    with django_assert_num_queries(6):
        small = client.get(f"/people/cycles/{small_cycle.pk}/calibration/")
    with django_assert_num_queries(6):
        large = client.get(f"/people/cycles/{large_cycle.pk}/calibration/")
    assert (len(small.context["reviews"]), len(large.context["reviews"])) == (1, 3)


def test_a_manager_who_is_an_agent_does_not_see_or_calibrate_their_own_review_on_the_page(org):
    # given manager_b, also an agent of team B managed by manager_a, in a cycle with agent_b1; both reviews rated
    me = AgentFactory.create(user=org.manager_b, team=org.team_b, manager=org.manager_a)
    cycle = open_cycle(org, agents=[me, org.agent_b1])
    own = through_manager(org, cycle, me, org.manager_a, quality=5, teamwork=5)
    through_manager(org, cycle, org.agent_b1, org.manager_b, quality=3, teamwork=3)
    client = client_for(org.manager_b)

    # when manager_b opens the calibration page, their own review, and posts a calibration of it
    calibration = client.get(f"/people/cycles/{cycle.pk}/calibration/")
    page = client.get(f"/people/reviews/{own.pk}/")
    posted = client.post(f"/people/reviews/{own.pk}/calibrate/", {"rating": "5", "reason": "Me"})

    # then only agent_b1's review is listed and counted, there is no calibration form, and the post is refused
    assert [review.agent.user.username for review in calibration.context["reviews"]] == ["agent_b1"]
    assert [(bar["row"].rating, bar["row"].before) for bar in calibration.context["bars"]] == [
        (1, 0), (2, 0), (3, 1), (4, 0), (5, 0),
    ]  # fmt: skip
    assert page.status_code == 200
    assert page.context["may_calibrate"] is False
    assert b'data-testid="calibrate-form"' not in page.content
    assert posted.status_code == 403
    own.refresh_from_db()
    assert (own.calibrated_rating, own.calibration_reason) == (None, "")


# --- plans ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "forms"),
    [
        ("admin", 200, True),
        ("manager_a", 200, True),
        ("agent_a1", 200, False),
        ("manager_b", 404, False),
        ("qa", 404, False),
        ("agent_a2", 404, False),
    ],
)
def test_who_opens_a_plan_page(org, who, status, forms):
    # the org's conversations fall before the plan's March window, whatever the factory's sequence reached
    Conversation.objects.filter(agent=org.agent_a1).update(
        created_at=datetime(2026, 1, 5, 9, tzinfo=UTC), first_response_at=None, resolved_at=None
    )
    plan = make_plan(org)
    user = getattr(org, who) if not who.startswith("agent") else getattr(org, who).user

    response = client_for(user).get(f"/people/plans/{plan.pk}/")

    assert response.status_code == status
    if status == 200:
        assert (b'data-testid="check-in-form"' in response.content) is forms
        assert [row.note for row in response.context["progress"]] == ["no data in the window", "no data in the window"]


def test_check_ins_and_outcomes_on_the_plan_page(org, django_assert_num_queries):
    plan = make_plan(org)
    client = client_for(org.manager_a)

    blank = client.post(f"/people/plans/{plan.pk}/check-in/", {"note": " "})
    added = client.post(f"/people/plans/{plan.pk}/check-in/", {"note": "Better week"})
    by_agent = client_for(org.agent_a1.user).post(f"/people/plans/{plan.pk}/check-in/", {"note": "Me"})
    no_end = client.post(f"/people/plans/{plan.pk}/close/", {"outcome": "extended", "note": ""})
    extended = client.post(
        f"/people/plans/{plan.pk}/close/", {"outcome": "extended", "new_end_date": "2026-04-30", "note": "More time"}
    )
    with django_assert_num_queries(8):
        page = client.get(f"/people/plans/{plan.pk}/")

    assert (blank.status_code, blank.context["error"]) == (400, "Write what was discussed.")
    assert added.status_code == 302
    assert by_agent.status_code == 403
    assert (no_end.status_code, no_end.context["error"]) == (400, "Give the new end date of the extended plan.")
    assert extended.status_code == 302
    assert list(PlanCheckIn.objects.values_list("note", flat=True)) == ["Better week"]
    plan.refresh_from_db()
    assert (plan.status, plan.end_date, plan.outcome_note) == ("extended", date(2026, 4, 30), "More time")
    assert page.status_code == 200


def test_the_plan_page_costs_the_same_queries_whatever_its_check_ins_and_data(org, django_assert_num_queries):
    # given a plan with one check-in and one March conversation answered after a minute
    Conversation.objects.filter(pk=org.conversation_a1.pk).update(
        created_at=datetime(2026, 3, 20, 9, tzinfo=UTC),
        first_response_at=datetime(2026, 3, 20, 9, 1, tzinfo=UTC),
        resolved_at=datetime(2026, 3, 20, 9, 12, tzinfo=UTC),
    )
    plan = make_plan(org)
    services.plan_check_in(plan=plan, user=org.manager_a, note="First")
    client = client_for(org.manager_a)
    client.get(f"/people/plans/{plan.pk}/")
    with django_assert_num_queries(8 + PERCENTILE_QUERIES):
        small = client.get(f"/people/plans/{plan.pk}/")

    # when three more check-ins by two people and three more conversations come
    for author, note in ((org.manager_a, "Second"), (org.admin, "Third"), (org.admin, "Fourth")):
        services.plan_check_in(plan=plan, user=author, note=note)
    for number in range(3):
        ConversationFactory(
            agent=org.agent_a1, external_id=f"plan-{number}", created_at=datetime(2026, 3, 21 + number, tzinfo=UTC)
        )

    # then the page costs the same
    with django_assert_num_queries(8 + PERCENTILE_QUERIES):
        large = client.get(f"/people/plans/{plan.pk}/")
    assert (len(small.context["check_ins"]), len(large.context["check_ins"])) == (1, 4)
    assert [row.value for row in small.context["progress"]] == [None, 60.0]
    assert [row.value for row in large.context["progress"]] == [None, 45.0]  # median of 60, 45, 45, 45 s


def test_the_plan_page_names_every_measured_metric(org):
    plan = make_plan(org)

    page = squashed(text_of(client_for(org.manager_a).get(f"/people/plans/{plan.pk}/")))

    hint = "Measured from the KPIs over each goal's window in the agent's zone: IQS, CSAT, AHT, first response, FCR"
    assert f"{hint} or adherence" in page


def test_a_manager_who_is_an_agent_cannot_close_their_own_plan_on_the_page(org):
    # given manager_b is also an agent of team B with a plan run by manager_a
    me = AgentFactory.create(user=org.manager_b, team=org.team_b, manager=org.manager_a)
    plan = make_plan(org, agent=me, manager=org.manager_a)
    client = client_for(org.manager_b)

    # when manager_b opens it and posts an outcome and a check-in
    page = client.get(f"/people/plans/{plan.pk}/")
    closed = client.post(f"/people/plans/{plan.pk}/close/", {"outcome": "passed", "note": "Done"})
    checked = client.post(f"/people/plans/{plan.pk}/check-in/", {"note": "Fine"})

    # then they read it without forms and both posts are refused
    assert page.status_code == 200
    assert b'data-testid="close-form"' not in page.content
    assert (closed.status_code, checked.status_code) == (403, 403)
    plan.refresh_from_db()
    assert (plan.status, plan.check_ins.count()) == ("active", 0)
