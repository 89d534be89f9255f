"""The onboarding pages: the agent's "My onboarding" (path by phase, next up, due dates, health) and the module
page (lesson, quiz, shadowing, practical task, sign-off, nesting); who sees what; refused input stores nothing."""

from __future__ import annotations

import html as html_module
import re
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from onboarding import services
from onboarding.models import (
    Enrollment,
    ModuleProgress,
    ProgressState,
    QuizAttempt,
    ShadowingSession,
    SubmissionStatus,
    TaskSubmission,
)
from tests.onboarding.curricula import BuiltCurriculum, build_curriculum

START = date(2030, 6, 3)  # a Monday, far ahead so nothing is overdue
MINE = "/onboarding/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:3000])
    return response.content.decode()


def squashed(html: str) -> str:
    """The page with tags dropped and whitespace collapsed, so assertions read like the rendered text."""
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text).replace(" .", ".").replace(" ,", ",").replace(" %", "%")


def enrol(org, built: BuiltCurriculum, agent=None, start: date = START) -> Enrollment:
    return services.enrollment_create(
        agent=agent or org.agent_a1, version=built.version, start_date=start, user=org.manager_a
    )


def progress_of(enrollment: Enrollment, kind: str) -> ModuleProgress:
    return enrollment.progress.select_related("module").get(module__kind=kind)


def mark_done(enrollment: Enrollment, *kinds: str) -> None:
    ModuleProgress.objects.filter(enrollment=enrollment, module__kind__in=kinds).update(
        state=ProgressState.COMPLETED, completed_at=timezone.now()
    )


@pytest.fixture
def built(org) -> BuiltCurriculum:
    return build_curriculum(team=org.team_a)


# --- My onboarding ------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(MINE)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={MINE}"


def test_my_onboarding_shows_the_path_by_phase_with_next_up_and_due_dates(org, built):
    # given agent_a1 enrolled from Monday 3 June 2030
    enrol(org, built)

    # when they open My onboarding
    page = squashed(text_of(client_for(org.agent_a1.user).get(MINE)))

    # then the curriculum, its progress, the next module and every phase with due dates show
    assert "Support basics" in page
    assert "0% complete · 0 of 6 modules" in page
    assert "Next up Refund policy Lesson · about 30 min · due Wed 5 Jun" in page
    assert "Week 1: product · 0/2" in page
    assert "Week 2: practice · 0/3" in page
    assert "Nesting · 0/1" in page
    assert "Refund policy quiz Quiz · 20 min Not started due Thu 6 Jun" in page
    assert "On track" in page


def test_my_onboarding_progress_is_weighted_by_estimated_minutes(org, built):
    # given the lesson (30 of 965 minutes) and the quiz (20) done
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson", "quiz")

    page = squashed(text_of(client_for(org.agent_a1.user).get(MINE)))

    # then 50/965 = 5.2 % shows as 5 %, and next up is the shadowing
    assert "5% complete · 2 of 6 modules" in page
    assert "Next up Shadow a tenured agent" in page
    assert "Week 1: product · 2/2" in page


def test_my_onboarding_flags_overdue_modules(org):
    # given an enrollment that started long ago
    built = build_curriculum(team=org.team_a)
    enrol(org, built, start=date(2024, 1, 8))

    page = squashed(text_of(client_for(org.agent_a1.user).get(MINE)))

    assert "Overdue" in page
    assert "Overdue · due" in page


def test_my_onboarding_when_everything_is_done(org, built):
    enrollment = enrol(org, built)
    ModuleProgress.objects.filter(enrollment=enrollment).update(state=ProgressState.COMPLETED)

    page = squashed(text_of(client_for(org.agent_a1.user).get(MINE)))

    assert "100% complete · 6 of 6 modules" in page
    assert "Every module is done." in page
    assert "Next up" not in page


def test_my_onboarding_empty_state_for_an_agent_without_enrollment(org):
    page = squashed(text_of(client_for(org.agent_a2.user).get(MINE)))

    assert "You are not enrolled in a curriculum" in page


def test_my_onboarding_for_a_login_without_agent_profile(org):
    page = squashed(text_of(client_for(org.manager_a).get(MINE)))

    assert "No onboarding to show" in page


def test_my_onboarding_shows_only_the_agents_own_enrollments(org, built):
    enrol(org, built, agent=org.agent_a2)
    other = build_curriculum(name="Payments", team=org.team_a)
    enrol(org, other)

    page = squashed(text_of(client_for(org.agent_a1.user).get(MINE)))

    assert "Payments" in page
    assert "Support basics" not in page


def test_my_onboarding_runs_a_fixed_number_of_queries(org, built, django_assert_num_queries):
    enrol(org, built)
    client = client_for(org.agent_a1.user)
    client.get(MINE)  # warm the session
    # session, user, agent, roles, enrollments, their progress, the summaries' progress
    with django_assert_num_queries(NUM_MINE_QUERIES):
        text_of(client.get(MINE))
    enrol(org, build_curriculum(name="Payments", team=org.team_a))
    enrol(org, build_curriculum(name="Escalations", team=org.team_a))
    with django_assert_num_queries(NUM_MINE_QUERIES):
        page = squashed(text_of(client.get(MINE)))
    assert "Escalations" in page


NUM_MINE_QUERIES = 7


# --- the module page ----------------------------------------------------------------------------------------------


def module_url(progress: ModuleProgress, action: str = "") -> str:
    return f"/onboarding/progress/{progress.pk}/{action}"


def test_another_agents_module_is_a_404_for_agents_and_managers(org, built):
    progress = progress_of(enrol(org, built), "lesson")

    for user in (org.agent_a2.user, org.manager_a, org.qa, org.admin):
        assert client_for(user).get(module_url(progress)).status_code == 404
    assert client_for(org.agent_a1.user).get(module_url(progress)).status_code == 200


def test_lesson_renders_sanitised_markdown_and_marks_complete(org, built):
    lesson = built.modules["lesson"]
    lesson.content = "# Refunds\n\nRead **this**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))"
    lesson.save()
    progress = progress_of(enrol(org, built), "lesson")
    client = client_for(org.agent_a1.user)

    html = text_of(client.get(module_url(progress)))

    assert "<h1>Refunds</h1>" in html
    assert "<strong>this</strong>" in html
    assert "alert(1)" not in html
    assert "javascript:" not in html
    response = client.post(module_url(progress, "complete/"))
    assert response.status_code == 302
    progress.refresh_from_db()
    assert progress.state == ProgressState.COMPLETED


def test_quiz_with_missing_prerequisites_says_which_and_refuses_to_start(org, built):
    progress = progress_of(enrol(org, built), "quiz")
    client = client_for(org.agent_a1.user)

    page = squashed(text_of(client.get(module_url(progress))))
    assert "Finish these first: Refund policy." in page

    refused = squashed(text_of(client.post(module_url(progress, "quiz/")), status=400))
    assert "Finish these first: Refund policy." in refused
    assert QuizAttempt.objects.count() == 0


def test_quiz_shows_questions_in_the_attempts_order_without_the_answer_key(org, built):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson")
    progress = progress_of(enrollment, "quiz")
    client = client_for(org.agent_a1.user)

    assert client.post(module_url(progress, "quiz/")).status_code == 302
    attempt = QuizAttempt.objects.get(progress=progress)
    attempt.question_order = list(reversed(attempt.question_order))
    attempt.save()
    html = text_of(client.get(module_url(progress)))

    page = squashed(html)
    assert page.index("1. Explain to a customer why their refund is late.") < page.index(
        "4. How many days does a customer have to ask for a refund?"
    )
    assert "is_correct" not in html
    assert "The policy allows 30 days." not in html


def test_quiz_submission_waits_for_a_reviewer_when_short_answers_exist(org, built):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson")
    progress = progress_of(enrollment, "quiz")
    client = client_for(org.agent_a1.user)
    client.post(module_url(progress, "quiz/"))
    attempt = QuizAttempt.objects.get(progress=progress)
    q = built.questions
    correct = {
        "single": [c.pk for c in q["single"].choices.filter(is_correct=True)],
        "multiple": [c.pk for c in q["multiple"].choices.filter(is_correct=True)],
        "true_false": [c.pk for c in q["true_false"].choices.filter(is_correct=True)],
    }

    response = client.post(
        module_url(progress, f"quiz/{attempt.pk}/"),
        {
            f"q{q['single'].pk}": correct["single"][0],
            f"q{q['multiple'].pk}": correct["multiple"],
            f"q{q['true_false'].pk}": correct["true_false"][0],
            f"q{q['short_text'].pk}": "The bank takes five days.",
        },
        follow=True,
    )

    page = squashed(text_of(response))
    assert "Submitted. A reviewer grades your written answers" in page
    assert "Attempt 1" in page
    assert "Waiting for a reviewer" in page
    progress.refresh_from_db()
    assert progress.state == ProgressState.SUBMITTED
    assert attempt.answers.count() == 4


def test_quiz_beyond_the_maximum_attempts_is_refused(org, built):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson")
    progress = progress_of(enrollment, "quiz")
    ModuleProgress.objects.filter(pk=progress.pk).update(state=ProgressState.FAILED)
    for number in (1, 2):
        QuizAttempt.objects.create(
            progress=progress, number=number, submitted_at=timezone.now(), score_percent=20, passed=False
        )
    client = client_for(org.agent_a1.user)

    page = squashed(text_of(client.get(module_url(progress))))
    assert "All attempts are used." in page

    refused = squashed(text_of(client.post(module_url(progress, "quiz/")), status=400))
    assert "All 2 attempts are used." in refused
    assert QuizAttempt.objects.filter(progress=progress).count() == 2


def test_shadowing_logs_a_session_and_refuses_bad_input(org, built):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson", "quiz")
    progress = progress_of(enrollment, "shadowing")
    client = client_for(org.agent_a1.user)

    refused = squashed(
        text_of(
            client.post(
                module_url(progress, "shadowing/"),
                {"tenured_agent": org.agent_a2.pk, "started_at": "2030-06-04T09:00", "minutes": 0},
            ),
            status=400,
        )
    )
    assert "Ensure this value is greater than or equal to 1." in refused
    assert ShadowingSession.objects.count() == 0

    response = client.post(
        module_url(progress, "shadowing/"),
        {"tenured_agent": org.agent_a2.pk, "started_at": "2030-06-04T09:00", "minutes": 90, "notes": "Refunds"},
        follow=True,
    )

    page = squashed(text_of(response))
    session = ShadowingSession.objects.get()
    assert session.minutes == 90
    assert session.started_at.isoformat() == "2030-06-04T01:00:00+00:00"  # 09:00 in Singapore
    assert "1.5 h of 4 h logged" in page
    assert "Tue 4 Jun, 09:00 · 90 min" in page


def test_practical_task_refuses_an_empty_submission(org, built):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson", "quiz")
    progress = progress_of(enrollment, "practical")

    refused = squashed(text_of(client_for(org.agent_a1.user).post(module_url(progress, "evidence/"), {}), status=400))

    assert "Add a text, a link or a file as evidence." in refused
    assert TaskSubmission.objects.count() == 0


def test_practical_task_shows_feedback_but_never_the_private_note(org, built):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson", "quiz")
    progress = progress_of(enrollment, "practical")
    client = client_for(org.agent_a1.user)
    client.post(module_url(progress, "evidence/"), {"text": "Refunded order 42", "link": "https://example.com/t/42"})
    submission = TaskSubmission.objects.get()
    services.task_review(
        submission=submission, reviewer=org.manager_a, approve=False, feedback="Add the ticket note",
        private_note="Slow learner?",
    )  # fmt: skip

    html = text_of(client.get(module_url(progress)))

    page = squashed(html)
    assert "Refunded order 42" in page
    assert "Feedback: “Add the ticket note”" in page
    assert "Slow learner" not in html
    assert "Returned with feedback" in page
    assert TaskSubmission.objects.get().status == SubmissionStatus.RETURNED


# --- the cohort dashboard -----------------------------------------------------------------------------------------

TEAM = "/onboarding/team/"


@pytest.fixture
def cohort_setup(org):
    """agent_a1 (overdue, cohort "June hires") and agent_a2 (on track, no cohort) in team A; agent_b1 in team B."""
    from onboarding.models import Cohort

    built = build_curriculum(team=org.team_a)
    june = Cohort.objects.create(name="June hires", team=org.team_a, start_date=date(2024, 1, 8))
    services.enrollment_create(
        agent=org.agent_a1, version=built.version, start_date=date(2024, 1, 8), user=org.manager_a, cohort=june
    )
    enrol(org, built, agent=org.agent_a2)
    services.enrollment_create(agent=org.agent_b1, version=built.version, start_date=START, user=org.manager_b)
    return built


def test_dashboard_shows_the_managers_teams_by_cohort_with_overdue_items(org, cohort_setup):
    for agent, first in ((org.agent_a1, "Ann"), (org.agent_a2, "Ben"), (org.agent_b1, "Cat")):
        agent.user.first_name, agent.user.last_name = first, "Doe"
        agent.user.save()

    page = squashed(text_of(client_for(org.manager_a).get(TEAM)))

    assert "June hires 1" in page
    assert "Without a cohort 1" in page
    assert "Ann Doe Alpha · Support basics · since 8 Jan 0% Overdue" in page
    assert "Ben Doe Alpha · Support basics · since 3 Jun 0% On track" in page
    assert "Overdue items 6" in page
    assert "Ann Doe · Refund policy Support basics · Alpha" in page
    assert "Cat Doe" not in page
    assert "Overdue · 1" in page
    assert "On track · 1" in page


def test_dashboard_shows_time_to_proficiency_per_cohort(org, cohort_setup):
    enrollment = Enrollment.objects.get(agent=org.agent_a1)
    ModuleProgress.objects.filter(enrollment=enrollment).update(state=ProgressState.COMPLETED)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status="completed", completed_at=timezone.make_aware(timezone.datetime(2024, 1, 19, 9, 0))
    )

    page = squashed(text_of(client_for(org.manager_a).get(TEAM)))

    # 8 Jan 2024 (Monday) to 19 Jan (Friday): 9 business days
    assert "Time to proficiency: 9 business days on average (1 completed)" in page
    assert "Nobody has completed yet" in page  # the enrollments without a cohort


def test_dashboard_access_per_role(org, cohort_setup):
    assert client_for(org.admin).get(TEAM).status_code == 200
    for user in (org.agent_a1.user, org.qa):
        page = squashed(text_of(client_for(user).get(TEAM), status=403))
        assert "Onboarding is followed by managers" in page
        assert "Support basics" not in page
    other = squashed(text_of(client_for(org.manager_b).get(TEAM)))
    assert org.agent_b1.display_name in other
    assert org.agent_a1.display_name not in other
    admin_page = squashed(text_of(client_for(org.admin).get(TEAM)))
    assert org.agent_a1.display_name in admin_page
    assert org.agent_b1.display_name in admin_page


def test_dashboard_runs_a_fixed_number_of_queries(org, cohort_setup, django_assert_num_queries):
    client = client_for(org.manager_a)
    client.get(TEAM)
    with django_assert_num_queries(NUM_TEAM_QUERIES):
        text_of(client.get(TEAM))
    more = build_curriculum(name="Payments", team=org.team_a)
    enrol(org, more)
    enrol(org, more, agent=org.agent_a2)
    with django_assert_num_queries(NUM_TEAM_QUERIES):
        page = squashed(text_of(client.get(TEAM)))
    assert page.count("Payments") == 2


NUM_TEAM_QUERIES = 6  # session, user, roles, enrollments, the summaries' progress, quiz scores


# --- the reviewer queue -------------------------------------------------------------------------------------------

REVIEWS = "/onboarding/reviews/"


def waiting_task(org, built, agent=None) -> TaskSubmission:
    enrollment = enrol(org, built, agent=agent)
    mark_done(enrollment, "lesson", "quiz")
    return services.task_submit(
        progress=progress_of(enrollment, "practical"), text="Refunded order 42", user=(agent or org.agent_a1).user
    )


def waiting_short_answer(org, built, enrollment: Enrollment):
    mark_done(enrollment, "lesson")
    progress = progress_of(enrollment, "quiz")
    attempt = services.quiz_attempt_start(progress=progress, user=enrollment.agent.user)
    q = built.questions
    services.quiz_attempt_submit(
        attempt=attempt,
        answers=[
            services.AnswerInput(question_id=q["single"].pk, choice_ids=[q["single"].choices.get(text="30").pk]),
            services.AnswerInput(question_id=q["short_text"].pk, text="The bank takes five days."),
        ],
        user=enrollment.agent.user,
    )
    return attempt.answers.get(question=q["short_text"])


def test_reviews_list_tasks_short_answers_and_sign_offs_of_the_managers_teams(org, built):
    waiting_task(org, built)
    enrollment_a2 = enrol(org, built, agent=org.agent_a2)
    waiting_short_answer(org, built, enrollment_a2)
    mark_done(enrollment_a2, "shadowing", "practical")
    services.enrollment_create(agent=org.agent_b1, version=built.version, start_date=START, user=org.manager_b)
    a1, a2 = org.agent_a1.display_name, org.agent_a2.display_name

    page = squashed(text_of(client_for(org.manager_a).get(REVIEWS)))

    assert f"Practical tasks 1 Approve, or return with feedback for the agent {a1} · Process a test refund" in page
    assert "Refunded order 42" in page
    assert f"{a2} · Refund policy quiz, attempt 1 Explain to a customer why their refund is late. (2 points)" in page
    assert "“The bank takes five days.”" in page
    assert f"Sign-offs 2 Checkpoints of your new hires {a1} · Manager sign-off · due 17 Jun" in page
    assert "Waiting for: Shadow a tenured agent, Process a test refund" in page
    assert f"{a2} · Manager sign-off · due 17 Jun Notes Sign off" in page
    assert org.agent_b1.display_name not in page


def test_reviewer_returns_a_task_with_feedback_and_a_private_note(org, built):
    task = waiting_task(org, built)

    response = client_for(org.manager_a).post(
        f"{REVIEWS}tasks/{task.pk}/", {"decision": "return", "feedback": "Add the ticket note", "private_note": "Check"}
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == SubmissionStatus.RETURNED
    assert task.feedback == "Add the ticket note"
    assert task.private_note == "Check"


def test_returning_a_task_without_feedback_is_refused_and_nothing_changes(org, built):
    task = waiting_task(org, built)

    page = squashed(
        text_of(client_for(org.manager_a).post(f"{REVIEWS}tasks/{task.pk}/", {"decision": "return"}), status=400)
    )

    assert "Tell the agent what to change." in page
    task.refresh_from_db()
    assert task.status == SubmissionStatus.SUBMITTED


def test_reviewer_grades_a_short_answer_and_the_attempt_is_scored(org, built):
    enrollment = enrol(org, built)
    answer = waiting_short_answer(org, built, enrollment)
    client = client_for(org.manager_a)

    refused = squashed(text_of(client.post(f"{REVIEWS}answers/{answer.pk}/", {"points": 5}), status=400))
    assert "Give between 0 and 2 points." in refused
    answer.refresh_from_db()
    assert answer.points_awarded is None

    assert client.post(f"{REVIEWS}answers/{answer.pk}/", {"points": 2, "comment": "Clear"}).status_code == 302
    answer.refresh_from_db()
    assert answer.points_awarded == 2.0
    attempt = answer.attempt
    attempt.refresh_from_db()
    assert attempt.score_percent == 60.0  # single 1 + short text 2 of 5 points
    assert attempt.passed is False


def test_manager_signs_off_a_ready_checkpoint(org, built):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson", "quiz", "shadowing", "practical")
    progress = progress_of(enrollment, "sign_off")

    response = client_for(org.manager_a).post(f"{REVIEWS}sign-offs/{progress.pk}/", {"notes": "Ready for nesting"})

    assert response.status_code == 302
    progress.refresh_from_db()
    assert progress.state == ProgressState.COMPLETED
    assert progress.sign_off.notes == "Ready for nesting"


def test_sign_off_with_missing_prerequisites_is_refused(org, built):
    progress = progress_of(enrol(org, built), "sign_off")

    page = squashed(
        text_of(client_for(org.manager_a).post(f"{REVIEWS}sign-offs/{progress.pk}/", {"notes": "x"}), status=400)
    )

    assert "Finish these first: Shadow a tenured agent, Process a test refund." in page
    progress.refresh_from_db()
    assert progress.state == ProgressState.NOT_STARTED


def test_reviews_access_per_role(org, built):
    task = waiting_task(org, built)

    for user in (org.agent_a1.user, org.qa):
        assert client_for(user).get(REVIEWS).status_code == 403
        assert client_for(user).post(f"{REVIEWS}tasks/{task.pk}/", {"decision": "approve"}).status_code == 403
    assert client_for(org.manager_b).post(f"{REVIEWS}tasks/{task.pk}/", {"decision": "approve"}).status_code == 404
    assert "Nothing waits for you" in squashed(text_of(client_for(org.manager_b).get(REVIEWS)))
    assert "Refunded order 42" in squashed(text_of(client_for(org.admin).get(REVIEWS)))
    task.refresh_from_db()
    assert task.status == SubmissionStatus.SUBMITTED


def test_reviews_run_a_fixed_number_of_queries(org, built, django_assert_num_queries):
    waiting_task(org, built)
    client = client_for(org.manager_a)
    client.get(REVIEWS)
    with django_assert_num_queries(NUM_REVIEW_QUERIES):
        text_of(client.get(REVIEWS))
    enrollment = enrol(org, built, agent=org.agent_a2)
    waiting_short_answer(org, built, enrollment)
    waiting_task(org, build_curriculum(name="Payments", team=org.team_a), agent=org.agent_a2)
    with django_assert_num_queries(NUM_REVIEW_QUERIES):
        page = squashed(text_of(client.get(REVIEWS)))
    assert "Practical tasks 2" in page


NUM_REVIEW_QUERIES = 8  # session, user, roles, tasks, answers, sign-offs, their prerequisites and states


def test_a_qa_reviewer_who_also_manages_a_team_sees_that_teams_onboarding(org, cohort_setup):
    from django.contrib.auth.models import Group

    org.qa.groups.add(Group.objects.get(name="Manager"))
    org.team_b.managers.add(org.qa)

    page = squashed(text_of(client_for(org.qa).get(TEAM)))

    assert org.agent_b1.display_name in page
    assert org.agent_a1.display_name not in page


def test_quiz_history_shows_the_score_once_graded(org, built):
    enrollment = enrol(org, built)
    answer = waiting_short_answer(org, built, enrollment)
    services.quiz_answer_grade(answer=answer, reviewer=org.manager_a, points_awarded=1)

    page = squashed(text_of(client_for(org.agent_a1.user).get(module_url(progress_of(enrollment, "quiz")))))

    assert "Attempt 1" in page
    assert "Not passed · 40%" in page
    assert "Try again" in page


def test_module_page_runs_a_fixed_number_of_queries(org, built, django_assert_num_queries):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson")
    progress = progress_of(enrollment, "quiz")
    QuizAttempt.objects.create(progress=progress, number=1, submitted_at=timezone.now(), score_percent=20, passed=False)
    client = client_for(org.agent_a1.user)
    client.get(module_url(progress))
    # session, user, progress, its prerequisites, their states, roles (menu), attempts
    with django_assert_num_queries(NUM_MODULE_QUERIES):
        text_of(client.get(module_url(progress)))
    QuizAttempt.objects.create(progress=progress, number=2, submitted_at=timezone.now(), score_percent=40, passed=False)
    with django_assert_num_queries(NUM_MODULE_QUERIES):
        page = squashed(text_of(client.get(module_url(progress))))
    assert "Attempt 2" in page


NUM_MODULE_QUERIES = 7


def test_dashboard_shows_the_quiz_score_distribution(org, cohort_setup):
    enrollment = Enrollment.objects.get(agent=org.agent_a1)
    progress = progress_of(enrollment, "quiz")
    for number, score in ((1, 40.0), (2, 80.0)):
        QuizAttempt.objects.create(
            progress=progress, number=number, submitted_at=timezone.now(), score_percent=score, passed=score >= 75
        )
    other = progress_of(Enrollment.objects.get(agent=org.agent_b1), "quiz")
    QuizAttempt.objects.create(progress=other, number=1, submitted_at=timezone.now(), score_percent=95, passed=True)

    page = squashed(text_of(client_for(org.manager_a).get(TEAM)))

    assert "Quiz scores Graded attempts of these enrollments Under 50% 1 50–74% 0 75–89% 1 90–100% 0" in page


def test_dashboard_says_when_no_quiz_is_graded(org, cohort_setup):
    page = squashed(text_of(client_for(org.manager_a).get(TEAM)))

    assert "Quiz scores Graded attempts of these enrollments No quiz attempt is graded yet." in page


def test_evidence_file_is_uploaded_and_only_its_agent_and_managers_download_it(org, built, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson", "quiz")
    progress = progress_of(enrollment, "practical")
    upload = SimpleUploadedFile("refund.txt", b"order 42 refunded", content_type="text/plain")

    response = client_for(org.agent_a1.user).post(module_url(progress, "evidence/"), {"file": upload})

    assert response.status_code == 302
    submission = TaskSubmission.objects.get()
    url = f"/onboarding/evidence/{submission.pk}/"
    for user in (org.agent_a1.user, org.manager_a, org.admin):
        download = client_for(user).get(url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"order 42 refunded"
    for user in (org.agent_a2.user, org.qa, org.manager_b):
        assert client_for(user).get(url).status_code == 404


def test_quiz_answer_with_a_choice_of_another_question_is_refused_and_nothing_stored(org, built):
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson")
    progress = progress_of(enrollment, "quiz")
    client = client_for(org.agent_a1.user)
    client.post(module_url(progress, "quiz/"))
    attempt = QuizAttempt.objects.get(progress=progress)
    q = built.questions
    foreign_choice = q["multiple"].choices.first()
    assert foreign_choice is not None

    page = squashed(
        text_of(
            client.post(module_url(progress, f"quiz/{attempt.pk}/"), {f"q{q['single'].pk}": foreign_choice.pk}),
            status=400,
        )
    )

    assert f"Select a valid choice. {foreign_choice.pk} is not one of the available choices." in page
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert attempt.answers.count() == 0


# --- one enrollment for its managers: waive, withdraw ------------------------------------------------------------


def enrollment_url(enrollment: Enrollment, action: str = "") -> str:
    return f"/onboarding/enrollments/{enrollment.pk}/{action}"


def test_manager_sees_an_enrollments_path_and_waives_a_module_with_a_reason(org, built):
    enrollment = enrol(org, built)
    lesson = progress_of(enrollment, "lesson")
    client = client_for(org.manager_a)

    page = squashed(text_of(client.get(enrollment_url(enrollment))))
    response = client.post(enrollment_url(enrollment, f"waive/{lesson.pk}/"), {"reason": "Did this course last year"})

    assert "Support basics (version 1) · Alpha · started 3 Jun 2030" in page
    assert "Refund policy Lesson · 30 min Waive… Reason Waive module Not started due Wed 5 Jun" in page
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.state, lesson.waived_reason) == (ProgressState.WAIVED, "Did this course last year")
    after = squashed(text_of(client.get(enrollment_url(enrollment))))
    assert "Refund policy Lesson · 30 min · waived: Did this course last year Waived Refund policy quiz" in after


def test_waiving_without_a_reason_is_refused_on_the_page_and_nothing_changes(org, built):
    enrollment = enrol(org, built)
    lesson = progress_of(enrollment, "lesson")

    response = client_for(org.manager_a).post(enrollment_url(enrollment, f"waive/{lesson.pk}/"), {"reason": "  "})

    page = squashed(text_of(response, status=400))
    assert "Say why the module is waived." in page
    lesson.refresh_from_db()
    assert lesson.state == ProgressState.NOT_STARTED


def test_manager_withdraws_an_enrollment_and_it_leaves_the_dashboard_and_the_agents_path(org, built):
    enrollment = enrol(org, built)
    client = client_for(org.manager_a)

    response = client.post(enrollment_url(enrollment, "withdraw/"), {"reason": "Left the company"})

    assert response.status_code == 302
    assert response["Location"] == TEAM
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.withdrawn_reason) == ("withdrawn", "Left the company")
    assert enrollment.withdrawn_at is not None
    assert "Support basics" not in squashed(text_of(client.get(TEAM)))
    assert "You are not enrolled in a curriculum" in squashed(text_of(client_for(org.agent_a1.user).get(MINE)))
    record = squashed(text_of(client.get(enrollment_url(enrollment))))
    assert "Withdrawn" in record
    assert "Left the company" in record
    assert "Withdraw enrollment" not in record


def test_withdrawing_twice_or_without_a_reason_is_refused(org, built):
    enrollment = enrol(org, built)
    client = client_for(org.manager_a)

    blank = client.post(enrollment_url(enrollment, "withdraw/"), {"reason": ""})
    assert "Say why the enrollment is withdrawn." in squashed(text_of(blank, status=400))
    enrollment.refresh_from_db()
    assert enrollment.status == "active"
    client.post(enrollment_url(enrollment, "withdraw/"), {"reason": "Left"})
    again = client.post(enrollment_url(enrollment, "withdraw/"), {"reason": "Left again"})
    assert "is not in progress (Withdrawn)" in squashed(text_of(again, status=400))
    enrollment.refresh_from_db()
    assert enrollment.withdrawn_reason == "Left"


def test_enrollment_page_access_per_role(org, built):
    enrollment = enrol(org, built)
    lesson = progress_of(enrollment, "lesson")

    assert client_for(org.manager_a).get(enrollment_url(enrollment)).status_code == 200
    assert client_for(org.admin).get(enrollment_url(enrollment)).status_code == 200
    assert client_for(org.manager_b).get(enrollment_url(enrollment)).status_code == 404
    for user in (org.agent_a1.user, org.qa):
        assert client_for(user).get(enrollment_url(enrollment)).status_code == 403
        assert client_for(user).post(enrollment_url(enrollment, "withdraw/"), {"reason": "x"}).status_code == 403
        assert (
            client_for(user).post(enrollment_url(enrollment, f"waive/{lesson.pk}/"), {"reason": "x"}).status_code == 403
        )
    assert client_for(org.manager_b).post(enrollment_url(enrollment, "withdraw/"), {"reason": "x"}).status_code == 404
    enrollment.refresh_from_db()
    lesson.refresh_from_db()
    assert (enrollment.status, lesson.state) == ("active", ProgressState.NOT_STARTED)


def test_dashboard_charts_time_to_proficiency_per_cohort_and_agent(org, cohort_setup):
    june = Enrollment.objects.get(agent=org.agent_a1)
    ModuleProgress.objects.filter(enrollment=june).update(state=ProgressState.COMPLETED)
    Enrollment.objects.filter(pk=june.pk).update(
        status="completed", completed_at=timezone.make_aware(timezone.datetime(2024, 1, 19, 9, 0))
    )

    html = text_of(client_for(org.manager_a).get(TEAM))

    bars = re.findall(r'data-testid="proficiency-bar">(.*?)</li>', html)
    assert [squashed(bar).strip() for bar in bars] == [
        "June hires · average 9 d",
        f"{org.agent_a1.display_name} 9 d",
    ]
    assert 'style="width: 100%"' in bars[0]


def test_evidence_of_a_refused_type_or_size_is_refused_and_nothing_stored(org, built, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    settings.ONBOARDING_EVIDENCE_MAX_MB = 1
    enrollment = enrol(org, built)
    mark_done(enrollment, "lesson", "quiz")
    progress = progress_of(enrollment, "practical")
    client = client_for(org.agent_a1.user)

    script = SimpleUploadedFile("tool.exe", b"MZ...", content_type="application/octet-stream")
    big = SimpleUploadedFile("notes.pdf", b"%PDF" + b"0" * (1024 * 1024), content_type="application/pdf")
    first = squashed(text_of(client.post(module_url(progress, "evidence/"), {"file": script}), status=400))
    second = squashed(text_of(client.post(module_url(progress, "evidence/"), {"file": big}), status=400))

    assert "“tool.exe” is not a kind of file accepted as evidence (csv, docx, gif," in first
    assert "“notes.pdf” is 1.0 MB; evidence files are at most 1 MB." in second
    assert TaskSubmission.objects.count() == 0
    assert list(tmp_path.rglob("*.*")) == []


def test_enrollment_page_runs_a_fixed_number_of_queries(org, built, django_assert_num_queries):
    enrollment = enrol(org, built)
    client = client_for(org.manager_a)
    client.get(enrollment_url(enrollment))
    with django_assert_num_queries(NUM_ENROLLMENT_QUERIES):
        text_of(client.get(enrollment_url(enrollment)))
    services.progress_waive(progress=progress_of(enrollment, "lesson"), reason="Known", user=org.manager_a)
    with django_assert_num_queries(NUM_ENROLLMENT_QUERIES):
        text_of(client.get(enrollment_url(enrollment)))


NUM_ENROLLMENT_QUERIES = 6  # session, user, roles, the enrollment, its progress, the summary's progress
