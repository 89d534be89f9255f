"""Quiz attempts: prerequisites, attempt limits, seeded shuffling, auto-grading, reviewer grading, and the API."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from onboarding import services
from onboarding.models import ModuleProgress, ProgressState, QuizAnswer, QuizAttempt
from onboarding.services import AnswerInput
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.onboarding.curricula import BuiltCurriculum, build_curriculum

START = date(2026, 12, 21)


def _quiz_progress(
    org, agent=None, *, built: BuiltCurriculum | None = None, lesson_done: bool = True
) -> tuple[BuiltCurriculum, ModuleProgress]:
    built = built or build_curriculum()
    agent = agent or org.agent_a1
    enrollment = services.enrollment_create(agent=agent, version=built.version, start_date=START, user=org.admin)
    if lesson_done:
        services.lesson_complete(progress=enrollment.progress.get(module__key="refunds-lesson"), user=agent.user)
    return built, enrollment.progress.get(module__key="refunds-quiz")


def _choice(built: BuiltCurriculum, kind: str, text: str) -> int:
    return built.questions[kind].choices.get(text=text).pk


def _right_choices(built: BuiltCurriculum) -> list[AnswerInput]:
    return [
        AnswerInput(question_id=built.questions["single"].pk, choice_ids=[_choice(built, "single", "30")]),
        AnswerInput(
            question_id=built.questions["multiple"].pk,
            choice_ids=[
                _choice(built, "multiple", "Refunds over 500 EUR"),
                _choice(built, "multiple", "Refunds to another card"),
            ],
        ),
        AnswerInput(question_id=built.questions["true_false"].pk, choice_ids=[_choice(built, "true_false", "False")]),
    ]


def test_starting_a_quiz_before_its_prerequisites_names_them(org):
    _, progress = _quiz_progress(org, lesson_done=False)
    with pytest.raises(ValidationError) as error:
        services.quiz_attempt_start(progress=progress, user=org.agent_a1.user)
    assert error.value.message_dict == {"module": ["Finish these first: Refund policy."]}
    assert QuizAttempt.objects.count() == 0


def test_short_text_waits_for_a_reviewer_then_the_quiz_completes(org):
    built, progress = _quiz_progress(org)
    attempt = services.quiz_attempt_start(progress=progress, user=org.agent_a1.user)
    # when the agent answers every choice question right and writes a short text
    answers = [*_right_choices(built), AnswerInput(question_id=built.questions["short_text"].pk, text="Bank delay.")]
    services.quiz_attempt_submit(attempt=attempt, answers=answers, user=org.agent_a1.user)
    # then the attempt waits for a reviewer
    progress.refresh_from_db()
    attempt.refresh_from_db()
    assert progress.state == ProgressState.SUBMITTED
    assert attempt.passed is None
    # when manager A gives the short text 1 of 2 points
    short = QuizAnswer.objects.get(attempt=attempt, question=built.questions["short_text"])
    services.quiz_answer_grade(answer=short, reviewer=org.manager_a, points_awarded=1, comment="Say which bank.")
    # then 4 of 5 points = 80 % passes the 75 % mark
    attempt.refresh_from_db()
    progress.refresh_from_db()
    assert (attempt.score_percent, attempt.passed, attempt.graded_by) == (80.0, True, org.manager_a)
    assert (progress.state, progress.score_percent) == (ProgressState.COMPLETED, 80.0)


def test_a_failed_attempt_allows_another_until_the_maximum(org):
    built, progress = _quiz_progress(org)
    wrong = [AnswerInput(question_id=built.questions["single"].pk, choice_ids=[_choice(built, "single", "14")])]
    for _ in range(2):
        attempt = services.quiz_attempt_start(progress=progress, user=org.agent_a1.user)
        services.quiz_attempt_submit(attempt=attempt, answers=wrong, user=org.agent_a1.user)
        progress.refresh_from_db()
        assert progress.state == ProgressState.FAILED
        assert attempt.answers.get().points_awarded == 0.0
    with pytest.raises(ValidationError) as error:
        services.quiz_attempt_start(progress=progress, user=org.agent_a1.user)
    assert error.value.message_dict == {"attempt": ["All 2 attempts are used."]}
    assert QuizAttempt.objects.count() == 2


def test_answers_to_another_quizs_questions_are_refused(org):
    built, progress = _quiz_progress(org)
    other = build_curriculum(name="Other path")
    attempt = services.quiz_attempt_start(progress=progress, user=org.agent_a1.user)
    foreign = other.questions["single"]
    with pytest.raises(ValidationError) as error:
        services.quiz_attempt_submit(
            attempt=attempt,
            answers=[*_right_choices(built), AnswerInput(question_id=foreign.pk, choice_ids=[])],
            user=org.agent_a1.user,
        )
    assert error.value.message_dict == {"answers": [f"Questions {foreign.pk} are not in this quiz."]}
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert QuizAnswer.objects.count() == 0


def test_question_order_is_shuffled_per_attempt_with_a_stored_seeded_order(org):
    built, progress = _quiz_progress(org)
    built.modules["quiz"].shuffle_questions = True
    built.modules["quiz"].save()
    attempt = services.quiz_attempt_start(progress=progress, user=org.agent_a1.user)
    ids = [built.questions[kind].pk for kind in ["single", "multiple", "true_false", "short_text"]]
    expected = list(ids)
    random.Random(f"{progress.pk}:1").shuffle(expected)
    assert attempt.question_order == expected
    assert sorted(attempt.question_order) == sorted(ids)


# --- API ----------------------------------------------------------------------------------------------------------


def test_agent_takes_a_quiz_through_the_api_without_ever_seeing_the_answer_key(org):
    built, progress = _quiz_progress(org)
    client = api_client_for(org.agent_a1.user)
    # when the agent starts an attempt
    started = client.post(f"/api/onboarding/progress/{progress.pk}/quiz-attempts/")
    assert started.status_code == 201, started.content
    body = started.json()
    assert [q["text"] for q in body["questions"]][0] == "How many days does a customer have to ask for a refund?"
    assert "is_correct" not in json.dumps(body)
    # and submits every answer right, short text included
    answers = [
        {"question_id": answer.question_id, "choice_ids": answer.choice_ids} for answer in _right_choices(built)
    ] + [{"question_id": built.questions["short_text"].pk, "text": "The bank takes 5 days."}]
    submitted = client.post(f"/api/onboarding/quiz-attempts/{body['id']}/submit/", {"answers": answers}, format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["passed"] is None
    assert "is_correct" not in submitted.content.decode()
    # and the manager grades the short text
    short_id = QuizAnswer.objects.get(question=built.questions["short_text"]).pk
    graded = api_client_for(org.manager_a).post(
        f"/api/onboarding/quiz-attempts/{body['id']}/grade/",
        {"answer_id": short_id, "points_awarded": 2, "comment": "Good"},
        format="json",
    )
    assert graded.status_code == 200, graded.content
    assert (graded.json()["score_percent"], graded.json()["passed"]) == (100.0, True)


def test_submitting_answers_of_another_quiz_through_the_api_is_a_400(org):
    _, progress = _quiz_progress(org)
    other = build_curriculum(name="Other path")
    client = api_client_for(org.agent_a1.user)
    attempt_id = client.post(f"/api/onboarding/progress/{progress.pk}/quiz-attempts/").json()["id"]
    response = client.post(
        f"/api/onboarding/quiz-attempts/{attempt_id}/submit/",
        {"answers": [{"question_id": other.questions["single"].pk, "choice_ids": []}]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["answers"]
    assert QuizAnswer.objects.count() == 0


def test_quiz_attempt_beyond_the_maximum_through_the_api_is_a_400(org):
    built, progress = _quiz_progress(org)
    client = api_client_for(org.agent_a1.user)
    for _ in range(2):
        attempt_id = client.post(f"/api/onboarding/progress/{progress.pk}/quiz-attempts/").json()["id"]
        client.post(
            f"/api/onboarding/quiz-attempts/{attempt_id}/submit/",
            {"answers": [{"question_id": built.questions["single"].pk, "choice_ids": []}]},
            format="json",
        )
    response = client.post(f"/api/onboarding/progress/{progress.pk}/quiz-attempts/")
    assert response.status_code == 400
    assert response.json() == {"attempt": ["All 2 attempts are used."]}


def test_quiz_attempts_api_role_access_and_query_count(org, django_assert_num_queries):
    attempts = {}
    built = build_curriculum()
    for name in ["agent_a1", "agent_a2", "agent_b1", "agent_b2"]:
        agent = getattr(org, name)
        _, progress = _quiz_progress(org, agent, built=built)
        attempts[name] = services.quiz_attempt_start(progress=progress, user=agent.user).pk
    assert_role_access(
        list_url="/api/onboarding/quiz-attempts/",
        detail_url=lambda pk: f"/api/onboarding/quiz-attempts/{pk}/",
        all_ids=attempts.values(),
        cases={
            "agent": RoleCase(user=org.agent_a1.user, sees={attempts["agent_a1"]}),
            "manager_a": RoleCase(user=org.manager_a, sees={attempts["agent_a1"], attempts["agent_a2"]}),
            "manager_b": RoleCase(user=org.manager_b, sees={attempts["agent_b1"], attempts["agent_b2"]}),
            "qa": RoleCase(user=org.qa, sees=set(), denied=True),
            "admin": RoleCase(user=org.admin, sees=set(attempts.values())),
        },
    )
    client = api_client_for(org.admin)
    client.get("/api/onboarding/quiz-attempts/")
    with django_assert_num_queries(7):
        assert client.get("/api/onboarding/quiz-attempts/").json()["count"] == 4
    _, progress = _quiz_progress(org, org.agent_a1, built=build_curriculum(name="Second path"))
    services.quiz_attempt_start(progress=progress, user=org.admin)  # a fifth attempt, in another curriculum
    with django_assert_num_queries(7):
        assert client.get("/api/onboarding/quiz-attempts/").json()["count"] == 5
