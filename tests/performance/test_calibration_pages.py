"""The calibration pages: the sessions list, opening a session (bad input refused and nothing stored), a session's
page (blind to other reviewers' progress except for those who run it), starting calibration and benchmark reviews,
closing, the results (alpha, alignment, answers), who may open what, and fixed query counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from performance import services
from performance.models import CalibrationSession, QASettings, Review, ReviewKind
from performance.services import RatingInput
from supportops.choices import Role
from tests.factories import ConversationFactory, UserFactory
from tests.performance.pages import client_for, squashed, text_of
from tests.performance.qa import BuiltScorecard, build_scorecard


@dataclass
class Calibration:
    """A session on A1 and A2 of Alpha, reviewers ``qa`` (Quinn Able) and ``qa2`` (Robin Baker), facilitated by
    ``lead`` (Lee Lead), a QA lead of Alpha."""

    card: BuiltScorecard
    session: CalibrationSession
    lead: object
    qa2: object

    @property
    def url(self) -> str:
        return f"/qa/calibration/{self.session.pk}/"


@pytest.fixture
def calibration(org) -> Calibration:
    card = build_scorecard()
    org.qa.first_name, org.qa.last_name = "Quinn", "Able"
    org.qa.save()
    lead = UserFactory(username="qa_lead", first_name="Lee", last_name="Lead", roles=[Role.QA_REVIEWER])
    QASettings.objects.create(team=org.team_a).leads.add(lead)
    qa2 = UserFactory(username="qa_two", first_name="Robin", last_name="Baker", roles=[Role.QA_REVIEWER])
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
    services.review_save(review=review, ratings=[RatingInput(k, v) for k, v in values.items()], user=reviewer)
    return services.review_submit(review=review, user=reviewer)


def benchmark(session, conversation, facilitator, **values) -> Review:
    """Start, rate and submit the facilitator's benchmark review."""
    return submit(session, conversation, facilitator, ReviewKind.BENCHMARK, **values)


def benchmarks_submitted(org, c: Calibration) -> None:
    submit(c.session, org.conversation_a1, c.lead, ReviewKind.BENCHMARK, greeting=1, tone=4, accuracy=3)
    submit(c.session, org.conversation_a2, c.lead, ReviewKind.BENCHMARK, greeting=1, tone=None, accuracy=4)


def everything_submitted(org, c: Calibration) -> None:
    """Benchmarks and both reviewers' reviews of A1 and A2 (the numbers of test_calibration_sessions.py)."""
    benchmarks_submitted(org, c)
    submit(c.session, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    submit(c.session, org.conversation_a2, org.qa, greeting=1, tone=None, accuracy=4)
    submit(c.session, org.conversation_a1, c.qa2, greeting=0, tone=5, accuracy=3)
    submit(c.session, org.conversation_a2, c.qa2, greeting=1, tone=3, accuracy=2)


# --- who may open what ------------------------------------------------------------------------------------------------


def test_agents_get_a_403_on_every_calibration_page(org, calibration):
    agent = client_for(org.agent_a1.user)
    base = calibration.url

    pages = [
        agent.get("/qa/calibration/"),
        agent.get("/qa/calibration/new/"),
        agent.get(base),
        agent.get(f"{base}results/"),
        agent.post(f"{base}close/"),
        agent.post(f"{base}conversations/{org.conversation_a1.pk}/review/", {"kind": "calibration"}),
    ]

    assert [response.status_code for response in pages] == [403] * 6
    assert "Calibration is for QA reviewers, QA leads and admins" in squashed(pages[0].content.decode())
    assert "Only QA leads and admins open calibration sessions" in squashed(pages[1].content.decode())
    assert Review.objects.count() == 0
    assert calibration.session.status == "open"


def test_a_manager_or_reviewer_outside_the_session_gets_a_404(org, calibration):
    outsider = UserFactory(username="qa_other", roles=[Role.QA_REVIEWER])
    for user in (org.manager_a, org.manager_b, outsider):
        client = client_for(user)

        listing = squashed(text_of(client.get("/qa/calibration/")))

        assert "No calibration session" in listing
        assert "New session" not in listing
        assert client.get(calibration.url).status_code == 404
        assert client.get(f"{calibration.url}results/").status_code == 404
        assert client.post(f"{calibration.url}close/").status_code == 404
    assert client_for(org.qa).get("/qa/calibration/new/").status_code == 403


# --- the list ---------------------------------------------------------------------------------------------------------


def test_the_list_shows_each_viewer_their_own_progress_and_new_session_to_leads_and_admins(org, calibration):
    submit(calibration.session, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    benchmark(calibration.session, org.conversation_a1, calibration.lead, greeting=1, tone=4, accuracy=3)
    calibration.session.due_date = "2026-11-30"
    calibration.session.save()
    row = "November calibration Facilitated by Lee Lead Alpha Support quality v1 30 Nov 2026 Open"

    reviewer = squashed(text_of(client_for(org.qa).get("/qa/calibration/")))
    second = squashed(text_of(client_for(calibration.qa2).get("/qa/calibration/")))
    lead = squashed(text_of(client_for(calibration.lead).get("/qa/calibration/")))
    admin = squashed(text_of(client_for(org.admin).get("/qa/calibration/")))

    assert f"Sessions 1 Newest first Session Team Scorecard Due Status My progress {row} 1 of 2 reviewed" in reviewer
    assert f"{row} 0 of 2 reviewed" in second
    assert f"{row} 1 of 2 benchmarked" in lead
    assert f"{row} —" in admin
    assert "New session" not in reviewer
    assert "New session" in lead
    assert 'href="/qa/" aria-current="page"' in client_for(org.qa).get("/qa/calibration/").content.decode()
    assert "New session" in admin


# --- a new session ----------------------------------------------------------------------------------------------------


def test_a_qa_lead_opens_a_session_from_the_form(org, calibration):
    org.conversation_a1.subject = "Refund for order 1042"
    # a fixed date (the factory's depends on how many conversations the run made before)
    org.conversation_a1.created_at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    org.conversation_a1.first_response_at = org.conversation_a1.resolved_at = None
    org.conversation_a1.save()
    ConversationFactory(agent=org.agent_b1, external_id="b9", subject="Bravo only")
    client = client_for(calibration.lead)

    form = squashed(text_of(client.get("/qa/calibration/new/")))
    response = client.post(
        "/qa/calibration/new/",
        {
            "team": org.team_a.pk, "name": "December calibration", "due_date": "2026-12-15",
            "conversation": [org.conversation_a1.pk], "conversation_ids": str(org.conversation_a2.pk),
            "reviewer": [org.qa.pk, calibration.qa2.pk],
        },
    )  # fmt: skip

    a1 = org.conversation_a1
    assert f"Refund for order 1042 #{a1.pk} · {org.agent_a1.display_name} · 2 Mar 2026" in form
    assert "Bravo only" not in form
    assert "Reviewers At least two: Alpha's QA reviewers and leads Lee Lead Quinn Able Robin Baker" in form
    session = CalibrationSession.objects.get(name="December calibration")
    assert response["Location"] == f"/qa/calibration/{session.pk}/"
    assert (session.team, session.facilitator, str(session.due_date)) == (org.team_a, calibration.lead, "2026-12-15")
    assert set(session.conversations.all()) == {org.conversation_a1, org.conversation_a2}
    assert set(session.reviewers.all()) == {org.qa, calibration.qa2}
    assert "Session “December calibration” opened." in squashed(text_of(client.get(response["Location"])))


def test_bad_sessions_are_refused_with_the_form_kept_and_nothing_stored(org, calibration):
    lead = client_for(calibration.lead)
    a1, b1 = org.conversation_a1, org.conversation_b1
    base = {"team": org.team_a.pk, "name": "Second", "conversation": [a1.pk]}

    no_reviewers = lead.post("/qa/calibration/new/", base)
    one_reviewer = lead.post("/qa/calibration/new/", {**base, "reviewer": [org.qa.pk]})
    other_team = lead.post(
        "/qa/calibration/new/", {**base, "conversation_ids": f"{b1.pk}", "reviewer": [org.qa.pk, calibration.qa2.pk]}
    )
    by_admin = client_for(org.admin).post(
        "/qa/calibration/new/", {**base, "conversation_ids": f"{b1.pk}", "reviewer": [org.qa.pk, calibration.qa2.pk]}
    )
    garbage = lead.post(
        "/qa/calibration/new/", {**base, "conversation_ids": "a1, 7x", "due_date": "soon", "reviewer": [org.qa.pk]}
    )

    assert "Choose at least two reviewers." in squashed(text_of(no_reviewers, status=400))
    assert "Choose at least two reviewers." in squashed(text_of(one_reviewer, status=400))
    assert f'value="{a1.pk}" checked' in one_reviewer.content.decode()
    assert f'value="{org.qa.pk}" checked' in one_reviewer.content.decode()
    assert 'value="Second"' in one_reviewer.content.decode()
    assert f"No conversation with id {b1.pk}." in squashed(text_of(other_team, status=400))
    assert "API #b1 is not a conversation of Alpha's agents." in squashed(text_of(by_admin, status=400))
    assert "Conversation ids are numbers: a1, 7x is not one. Enter the due date as YYYY-MM-DD." in squashed(
        text_of(garbage, status=400)
    )
    assert list(CalibrationSession.objects.values_list("name", flat=True)) == ["November calibration"]


# --- one session ------------------------------------------------------------------------------------------------------


def test_the_session_page_is_blind_to_other_reviewers_progress_except_for_those_who_run_it(org, calibration):
    submit(calibration.session, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    services.review_start(
        conversation=org.conversation_a2, reviewer=calibration.qa2, kind=ReviewKind.CALIBRATION,
        calibration=calibration.session,
    )  # fmt: skip
    a1, a2 = f"API #a1 {org.agent_a1.display_name}", f"API #a2 {org.agent_a2.display_name}"

    mine = squashed(text_of(client_for(org.qa).get(calibration.url)))
    second = squashed(text_of(client_for(calibration.qa2).get(calibration.url)))
    lead = squashed(text_of(client_for(calibration.lead).get(calibration.url)))
    admin = squashed(text_of(client_for(org.admin).get(calibration.url)))

    assert "Alpha · Support quality v1 · facilitated by Lee Lead · Open" in mine
    assert "You reviewed 1 of 2." in mine
    assert re.search(rf"{a1} · [^·]+ Submitted {a2} · [^·]+ Review", mine)
    assert re.search(rf"{a1} · [^·]+ Review {a2} · [^·]+ Continue", second)
    for page in (mine, second):
        assert "Reviewers' progress" not in page
        assert "Close session" not in page
        assert "Benchmark" not in page
    assert "Robin Baker" not in mine
    assert "Quinn Able" not in second
    progress = (
        "Conversation Quinn Able Robin Baker API #a1 Submitted Not started API #a2 Not started Draft "
        "Submitted 1 of 2 0 of 2 Close session"
    )
    assert progress in lead
    assert progress in admin
    assert re.search(rf"{a1} · [^·]+ Benchmark {a2} · [^·]+ Benchmark", lead)
    assert "0 of 2 benchmarks submitted" in lead
    assert "Benchmark: not started" in admin
    assert "See results" in lead
    assert "See results" not in mine


def test_a_qa_lead_who_does_not_facilitate_runs_the_session_but_writes_no_benchmark(org, calibration):
    other_lead = UserFactory(username="qa_lead_two", first_name="Sam", last_name="Second", roles=[Role.QA_REVIEWER])
    org.team_a.qa_settings.leads.add(other_lead)
    client = client_for(other_lead)
    submit(calibration.session, org.conversation_a1, calibration.qa2, greeting=1, tone=4, accuracy=3)

    listing = squashed(text_of(client.get("/qa/calibration/")))
    page = squashed(text_of(client.get(calibration.url)))
    refused = client.post(f"{calibration.url}conversations/{org.conversation_a1.pk}/review/", {"kind": "benchmark"})

    assert "November calibration Facilitated by Lee Lead Alpha Support quality v1 — Open —" in listing
    assert "New session" in listing
    assert "Conversation Quinn Able Robin Baker API #a1 Not started Submitted" in page
    assert "Benchmark: not started" in page
    assert "Close session" in page
    assert "See results" in page
    assert "Only the session's facilitator writes the benchmark review." in squashed(text_of(refused, status=403))
    assert Review.objects.filter(kind=ReviewKind.BENCHMARK).count() == 0


def test_review_buttons_open_the_calibration_review_and_the_facilitators_benchmark(org, calibration):
    a1 = org.conversation_a1
    url = f"{calibration.url}conversations/{a1.pk}/review/"
    reviewer, lead = client_for(org.qa), client_for(calibration.lead)

    opened = reviewer.post(url, {"kind": "calibration"})
    again = reviewer.post(url, {"kind": "calibration"})
    benchmark = lead.post(url, {"kind": "benchmark"})
    refused = reviewer.post(url, {"kind": "benchmark"})
    not_a_reviewer = lead.post(url, {"kind": "calibration"})
    other_conversation = reviewer.post(
        f"{calibration.url}conversations/{org.conversation_b1.pk}/review/", {"kind": "calibration"}
    )

    review = Review.objects.get(kind=ReviewKind.CALIBRATION)
    final = Review.objects.get(kind=ReviewKind.BENCHMARK)
    assert (opened["Location"], again["Location"]) == (f"/qa/reviews/{review.pk}/", f"/qa/reviews/{review.pk}/")
    assert (review.reviewer, review.calibration, review.conversation) == (org.qa, calibration.session, a1)
    assert (benchmark["Location"], final.reviewer) == (f"/qa/reviews/{final.pk}/", calibration.lead)
    assert "Only the session's facilitator writes the benchmark review." in squashed(text_of(refused, status=403))
    assert "You are not a reviewer of “November calibration”." in squashed(text_of(not_a_reviewer, status=403))
    assert other_conversation.status_code == 404
    assert Review.objects.count() == 2
    assert "Submit review" in squashed(text_of(reviewer.get(opened["Location"])))
    assert re.search(r"API #a1 [^·]+ · [^·]+ Continue", squashed(text_of(reviewer.get(calibration.url))))
    assert re.search(r"API #a1 [^·]+ · [^·]+ Continue benchmark", squashed(text_of(lead.get(calibration.url))))


def test_closing_is_refused_without_every_benchmark_and_only_for_those_who_run_the_session(org, calibration):
    lead = client_for(calibration.lead)
    benchmark(calibration.session, org.conversation_a1, calibration.lead, greeting=1, tone=4, accuracy=3)

    missing = lead.post(f"{calibration.url}close/")
    by_reviewer = client_for(org.qa).post(f"{calibration.url}close/")
    calibration.session.refresh_from_db()
    status_before = calibration.session.status
    benchmark(calibration.session, org.conversation_a2, calibration.lead, greeting=1, tone=None, accuracy=4)
    closed = lead.post(f"{calibration.url}close/")
    page = squashed(text_of(lead.get(calibration.url)))
    reviewer_page = squashed(text_of(client_for(org.qa).get(calibration.url)))

    assert "Submit a benchmark review of every conversation first: missing API #a2." in squashed(
        text_of(missing, status=400)
    )
    assert "Only the session's facilitator, a QA lead of the team or an admin closes it." in squashed(
        text_of(by_reviewer, status=403)
    )
    assert status_before == "open"
    assert closed["Location"] == calibration.url
    calibration.session.refresh_from_db()
    assert calibration.session.status == "closed"
    assert "“November calibration” is closed: every reviewer now sees every review and the results." in page
    assert "· Closed" in page
    assert "Close session" not in page
    assert "Benchmark submitted" in page
    assert re.search(r"API #a1 [^·]+ · [^·]+ Not submitted", reviewer_page)
    assert "See results" in reviewer_page


# --- results ----------------------------------------------------------------------------------------------------------


def test_results_show_alpha_alignment_and_each_criterions_answers_with_the_benchmark_marked(org, calibration):
    everything_submitted(org, calibration)

    page = squashed(text_of(client_for(calibration.lead).get(f"{calibration.url}results/")))

    assert (
        "Krippendorff's alpha 0.435 Krippendorff's alpha (ordinal) measures how far the reviewers agree beyond "
        "chance: 1 is full agreement, 0 what chance gives; above 0.8 is reliable." in page
    )
    assert "Robin Baker 60.2% · 2 reviews Quinn Able 100.0% · 2 reviews" in page
    assert (
        "API #a1 2 reviews submitted · benchmark answer marked ★ Criterion Answers "
        "Greets the customer No: 1 · Yes: 1 ★ "
        "Tone and empathy Very poor: 0 · Poor: 0 · Fair: 0 · Good: 1 ★ · Excellent: 1 · N/A: 0 "
        "Accurate answer Poor: 0 · Fair: 0 · Good: 2 ★ · Excellent: 0 "
        "Shared personal data No: 2 ★ · Yes: 0 "
        "Went the extra mile No: 0 · Yes: 0 · N/A: 2 ★"
    ) in page
    assert "Tone and empathy Very poor: 0 · Poor: 0 · Fair: 1 · Good: 0 · Excellent: 0 · N/A: 1 ★" in page


def test_results_before_a_benchmark_or_a_second_reviewer_say_why_numbers_are_missing(org, calibration):
    submit(calibration.session, org.conversation_a1, org.qa, greeting=0, tone=1, accuracy=1)

    page = squashed(text_of(client_for(org.admin).get(f"{calibration.url}results/")))

    assert "Krippendorff's alpha — Undefined: fewer than two reviewers have submitted a review." in page
    assert "No benchmark yet: alignment is measured against the facilitator's submitted benchmark review." in page
    assert "Robin Baker — · 0 reviews Quinn Able — · 1 review" in page
    assert "API #a1 1 review submitted · no benchmark yet" in page


def test_results_open_to_a_reviewer_only_once_they_submitted_every_conversation(org, calibration):
    reviewer = client_for(org.qa)
    submit(calibration.session, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)

    blind = reviewer.get(f"{calibration.url}results/")
    submit(calibration.session, org.conversation_a2, org.qa, greeting=1, tone=4, accuracy=3)
    opened = reviewer.get(f"{calibration.url}results/")

    assert (
        "Submit your reviews first Calibration is blind: the results open once you submitted your review of every "
        "conversation." in squashed(text_of(blind, status=403))
    )
    assert "Quinn Able — · 2 reviews" in squashed(text_of(opened))
    assert "See results" in squashed(text_of(reviewer.get(calibration.url)))


# --- queries ----------------------------------------------------------------------------------------------------------


def test_the_list_and_session_pages_cost_a_fixed_number_of_queries(org, calibration, django_assert_num_queries):
    lead = client_for(calibration.lead)
    reviewer = client_for(org.qa)
    submit(calibration.session, org.conversation_a1, org.qa, greeting=1, tone=4, accuracy=3)
    with django_assert_num_queries(NUM_LIST_QUERIES):
        lead.get("/qa/calibration/")
    with django_assert_num_queries(NUM_SESSION_QUERIES_MANAGER):
        lead.get(calibration.url)
    with django_assert_num_queries(NUM_SESSION_QUERIES_REVIEWER):
        reviewer.get(calibration.url)

    more = [ConversationFactory(agent=org.agent_a2, external_id=f"more{index}") for index in range(3)]
    for index in range(3):
        services.calibration_session_create(
            name=f"Extra {index}", team=org.team_a, conversations=more, reviewers=[org.qa, calibration.qa2],
            user=calibration.lead,
        )  # fmt: skip
    calibration.session.conversations.add(*more)
    submit(calibration.session, org.conversation_a2, org.qa, greeting=1, tone=4, accuracy=3)
    submit(calibration.session, more[0], calibration.qa2, greeting=1, tone=4, accuracy=3)
    submit(calibration.session, more[1], calibration.lead, ReviewKind.BENCHMARK, greeting=1, tone=4, accuracy=3)

    with django_assert_num_queries(NUM_LIST_QUERIES):
        listing = squashed(text_of(lead.get("/qa/calibration/")))
    with django_assert_num_queries(NUM_SESSION_QUERIES_MANAGER):
        page = squashed(text_of(lead.get(calibration.url)))
    with django_assert_num_queries(NUM_SESSION_QUERIES_REVIEWER):
        mine = squashed(text_of(reviewer.get(calibration.url)))
    assert "Sessions 4" in listing
    assert "Submitted 2 of 5 1 of 5" in page
    assert "You reviewed 2 of 5." in mine


NUM_LIST_QUERIES = 5  # session, user, roles, QA lead check, sessions with counts
# session, user, roles, the session, its conversations, its reviewers, reviews, their ratings
NUM_SESSION_QUERIES_MANAGER = 8
# the same, and two QA lead checks and the reviewer check (a reviewer is no facilitator)
NUM_SESSION_QUERIES_REVIEWER = 11
