"""The review and plan pages under /people/: what each role sees (agents their own, managers their reports, QA
reviewers nothing), the forms by role with refusals shown and nothing stored, the printable view, calibration, and
fixed query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from performance import services
from performance.people_models import ImprovementPlan, PlanCheckIn, ReviewAnswer
from supportops.models import Conversation
from tests.performance.pages import client_for
from tests.performance.test_review_cycles import full_answers, make_template, open_cycle, review_of, through_manager


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


def test_the_review_page_costs_a_fixed_number_of_queries(org, django_assert_num_queries):
    cycle = open_cycle(org, agents=[org.agent_a1])
    review = review_of(cycle, org.agent_a1)
    services.review_answers_save(
        review=review, user=org.agent_a1.user, answers=full_answers(cycle.template, "Hi", 3, 3), submit=True
    )
    client = client_for(org.manager_a)
    client.get(f"/people/reviews/{review.pk}/")

    with django_assert_num_queries(12):
        response = client.get(f"/people/reviews/{review.pk}/")

    assert response.context["answering_as"] == "manager"


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
