"""Module work (lessons, shadowing, tasks, sign-offs, waivers, nesting), completing an enrollment, progress
summaries (percent, health, time-to-proficiency) and the progress, shadowing and task APIs per role."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding import selectors, services
from onboarding.models import (
    Certification,
    CertificationGrant,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    ModuleProgress,
    ProgressState,
    ShadowingSession,
    SignOff,
    SubmissionStatus,
    TaskSubmission,
)
from supportops.choices import AgentStatus
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.onboarding.curricula import BuiltCurriculum, build_curriculum

START = date(2026, 12, 21)
SG = ZoneInfo("Asia/Singapore")


def _enrol(org, agent=None, built: BuiltCurriculum | None = None, cohort=None) -> Enrollment:
    built = built or build_curriculum()
    return services.enrollment_create(
        agent=agent or org.agent_a1, version=built.version, start_date=START, user=org.admin, cohort=cohort
    )


def _row(enrollment: Enrollment, key: str) -> ModuleProgress:
    return enrollment.progress.get(module__key=key)


def _state(enrollment: Enrollment, key: str) -> str:
    return _row(enrollment, key).state


def _work_until_nesting(org, enrollment: Enrollment) -> None:
    agent_user = enrollment.agent.user
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=agent_user)
    services.progress_waive(progress=_row(enrollment, "refunds-quiz"), reason="Done elsewhere", user=org.manager_a)
    services.shadowing_log(
        progress=_row(enrollment, "shadowing"),
        tenured_agent=org.agent_a2,
        started_at=datetime(2026, 12, 28, 9, tzinfo=SG),
        minutes=240,
        user=agent_user,
    )
    submission = services.task_submit(progress=_row(enrollment, "practical-refund"), text="Refund #42", user=agent_user)
    services.task_review(submission=submission, reviewer=org.manager_a, approve=True)
    services.sign_off(progress=_row(enrollment, "sign-off"), manager=org.manager_a, notes="Ready for nesting")


# --- module work ------------------------------------------------------------------------------------------------


def test_lesson_complete_marks_the_lesson_done(org):
    enrollment = _enrol(org)
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a1.user)
    row = _row(enrollment, "refunds-lesson")
    assert row.state == ProgressState.COMPLETED
    assert row.completed_at is not None


def test_another_agent_cannot_complete_my_lesson(org):
    enrollment = _enrol(org)
    with pytest.raises(PermissionDenied):
        services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a2.user)
    assert _state(enrollment, "refunds-lesson") == ProgressState.NOT_STARTED


def test_sign_off_names_every_missing_prerequisite(org):
    enrollment = _enrol(org)
    with pytest.raises(ValidationError) as error:
        services.sign_off(progress=_row(enrollment, "sign-off"), manager=org.manager_a)
    assert error.value.message_dict == {
        "module": ["Finish these first: Shadow a tenured agent, Process a test refund."]
    }
    assert SignOff.objects.count() == 0


def test_shadowing_completes_when_the_required_hours_are_logged(org):
    enrollment = _enrol(org)
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a1.user)
    services.progress_waive(progress=_row(enrollment, "refunds-quiz"), reason="Prior job", user=org.manager_a)
    row = _row(enrollment, "shadowing")
    services.shadowing_log(
        progress=row, tenured_agent=org.agent_a2, started_at=datetime(2026, 12, 22, 9, tzinfo=SG), minutes=180,
        user=org.agent_a1.user,
    )  # fmt: skip
    assert _state(enrollment, "shadowing") == ProgressState.IN_PROGRESS
    services.shadowing_log(
        progress=row, tenured_agent=org.agent_b1, started_at=datetime(2026, 12, 23, 9, tzinfo=SG), minutes=60,
        user=org.agent_a1.user,
    )  # fmt: skip
    assert _state(enrollment, "shadowing") == ProgressState.COMPLETED


def test_shadowing_needs_an_active_agent_other_than_the_learner(org):
    enrollment = _enrol(org)
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a1.user)
    services.progress_waive(progress=_row(enrollment, "refunds-quiz"), reason="Prior job", user=org.manager_a)
    org.agent_a2.status = AgentStatus.ONBOARDING
    org.agent_a2.save()
    for tenured in [org.agent_a1, org.agent_a2]:
        with pytest.raises(ValidationError) as error:
            services.shadowing_log(
                progress=_row(enrollment, "shadowing"), tenured_agent=tenured,
                started_at=datetime(2026, 12, 22, 9, tzinfo=SG), minutes=60, user=org.agent_a1.user,
            )  # fmt: skip
        assert list(error.value.message_dict) == ["tenured_agent"]
    assert ShadowingSession.objects.count() == 0


def test_returned_task_goes_back_to_the_agent_with_feedback(org):
    enrollment = _enrol(org)
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a1.user)
    services.progress_waive(progress=_row(enrollment, "refunds-quiz"), reason="Prior job", user=org.manager_a)
    submission = services.task_submit(
        progress=_row(enrollment, "practical-refund"), link="https://example.com/refund", user=org.agent_a1.user
    )
    assert _state(enrollment, "practical-refund") == ProgressState.SUBMITTED
    with pytest.raises(ValidationError) as error:
        services.task_review(submission=submission, reviewer=org.manager_a, approve=False)
    assert list(error.value.message_dict) == ["feedback"]
    services.task_review(
        submission=submission, reviewer=org.manager_a, approve=False, feedback="Add the ticket", private_note="Slow"
    )
    submission.refresh_from_db()
    assert (submission.status, submission.feedback, submission.private_note) == (
        SubmissionStatus.RETURNED, "Add the ticket", "Slow",
    )  # fmt: skip
    assert _state(enrollment, "practical-refund") == ProgressState.IN_PROGRESS


def test_task_submit_needs_some_evidence(org):
    enrollment = _enrol(org)
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a1.user)
    services.progress_waive(progress=_row(enrollment, "refunds-quiz"), reason="Prior job", user=org.manager_a)
    with pytest.raises(ValidationError) as error:
        services.task_submit(progress=_row(enrollment, "practical-refund"), text="  ", user=org.agent_a1.user)
    assert error.value.message_dict == {"text": ["Give a text, a link or a file as evidence."]}
    assert TaskSubmission.objects.count() == 0


def test_waiver_needs_a_reason_and_a_manager_of_the_team(org):
    enrollment = _enrol(org)
    with pytest.raises(ValidationError) as error:
        services.progress_waive(progress=_row(enrollment, "refunds-lesson"), reason=" ", user=org.manager_a)
    assert error.value.message_dict == {"reason": ["Say why the module is waived."]}
    with pytest.raises(PermissionDenied):
        services.progress_waive(progress=_row(enrollment, "refunds-lesson"), reason="x", user=org.manager_b)
    assert _state(enrollment, "refunds-lesson") == ProgressState.NOT_STARTED


def test_nesting_completes_only_when_the_qa_thresholds_are_met(org):
    enrollment = _enrol(org)
    _work_until_nesting(org, enrollment)
    agent = org.agent_a1
    assert services.nesting_evaluate(agent=agent, reviews_count=4, average_percent=95) == []
    assert services.nesting_evaluate(agent=agent, reviews_count=5, average_percent=84.9, aht_ratio=1.0) == []
    # AHT 25 % above the team's is beyond the 20 % tolerance
    assert services.nesting_evaluate(agent=agent, reviews_count=5, average_percent=90, aht_ratio=1.25) == []
    assert _state(enrollment, "nesting") == ProgressState.NOT_STARTED
    done = services.nesting_evaluate(agent=agent, reviews_count=6, average_percent=90, aht_ratio=1.1)
    assert [row.module.key for row in done] == ["nesting"]
    assert _state(enrollment, "nesting") == ProgressState.COMPLETED


def test_completing_the_curriculum_moves_the_agent_to_active_and_grants_the_certification(org):
    # given a new hire in onboarding, on a curriculum granting a one-year certification
    certification = Certification.objects.create(name="Refunds", validity_days=365)
    built = build_curriculum(certification=certification)
    agent = org.agent_a1
    agent.status = AgentStatus.ONBOARDING
    agent.save()
    enrollment = _enrol(org, agent, built)
    # when everything but nesting is done, the agent is nesting
    _work_until_nesting(org, enrollment)
    agent.refresh_from_db()
    assert agent.status == AgentStatus.NESTING
    # when nesting completes
    services.nesting_evaluate(agent=agent, reviews_count=5, average_percent=88, aht_ratio=1.0)
    # then the enrollment is complete, the agent active and certified for 365 days
    enrollment.refresh_from_db()
    agent.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert agent.status == AgentStatus.ACTIVE
    assert list(agent.status_changes.order_by("recorded_at").values_list("status", flat=True)) == [
        AgentStatus.NESTING,
        AgentStatus.ACTIVE,
    ]
    grant = CertificationGrant.objects.get()
    assert (grant.agent, grant.certification, (grant.expires_on - grant.granted_on).days) == (agent, certification, 365)


# --- summaries ----------------------------------------------------------------------------------------------------


def _summary(enrollment: Enrollment, today: date) -> selectors.ProgressSummary:
    rows = Enrollment.objects.filter(pk=enrollment.pk).select_related("agent__team__market")
    return selectors.enrollment_summaries(rows, today=today)[enrollment.pk]


def test_summary_percent_is_weighted_by_estimated_minutes(org):
    enrollment = _enrol(org)
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a1.user)
    services.progress_waive(progress=_row(enrollment, "refunds-quiz"), reason="Prior job", user=org.manager_a)
    # 30 + 20 of 965 minutes
    assert _summary(enrollment, START).percent_done == 5.2


def test_summary_health_on_track_at_risk_and_overdue(org):
    enrollment = _enrol(org)
    # before the start nothing is due within two business days
    assert _summary(enrollment, date(2026, 12, 16)).health == "on_track"
    # on the start day the lesson (due 23 Dec) is due within two business days and not started
    summary = _summary(enrollment, START)
    assert (summary.health, summary.at_risk_modules) == ("at_risk", ["Refund policy"])
    # on 24 Dec the lesson is overdue
    summary = _summary(enrollment, date(2026, 12, 24))
    assert (summary.health, summary.overdue_modules) == ("overdue", ["Refund policy"])


def test_summary_failed_quiz_is_at_risk(org):
    built = build_curriculum()
    enrollment = _enrol(org, built=built)
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a1.user)
    attempt = services.quiz_attempt_start(progress=_row(enrollment, "refunds-quiz"), user=org.agent_a1.user)
    services.quiz_attempt_submit(attempt=attempt, answers=[], user=org.agent_a1.user)
    summary = _summary(enrollment, date(2026, 12, 16))
    assert (summary.health, summary.at_risk_modules) == ("at_risk", ["Refund policy quiz"])


def test_summaries_take_two_queries_however_many_enrollments(org, django_assert_num_queries):
    built = build_curriculum()
    for agent in [org.agent_a1, org.agent_a2]:
        _enrol(org, agent, built)
    with django_assert_num_queries(2):
        assert len(selectors.enrollment_summaries(Enrollment.objects.select_related("agent__team__market"))) == 2
    for agent in [org.agent_b1, org.agent_b2]:
        _enrol(org, agent, built)
    with django_assert_num_queries(2):
        assert len(selectors.enrollment_summaries(Enrollment.objects.select_related("agent__team__market"))) == 4


def test_time_to_proficiency_per_agent_and_cohort_in_business_days(org):
    built = build_curriculum()
    cohort = Cohort.objects.create(name="December class", team=org.team_a, start_date=START)
    first = _enrol(org, org.agent_a1, built, cohort)
    _enrol(org, org.agent_a2, built, cohort)
    # completed on Friday 22 Jan 2027: 22 business days after 21 Dec (Christmas and New Year's Day skipped)
    first.status = EnrollmentStatus.COMPLETED
    first.completed_at = datetime(2027, 1, 22, 17, tzinfo=SG)
    first.save()
    assert _summary(first, date(2027, 1, 25)).time_to_proficiency_days == 22
    proficiency = selectors.cohort_time_to_proficiency(cohort=cohort)
    assert (proficiency.completed, proficiency.enrolled, proficiency.average_business_days) == (1, 2, 22.0)


# --- API ----------------------------------------------------------------------------------------------------------


def test_progress_api_role_access(org):
    built = build_curriculum()
    for name in ["agent_a1", "agent_b1"]:
        _enrol(org, getattr(org, name), built)
    assert_role_access(
        list_url="/api/onboarding/progress/",
        detail_url=lambda pk: f"/api/onboarding/progress/{pk}/",
        all_ids=ModuleProgress.objects.values_list("pk", flat=True),
        cases={
            "agent": RoleCase(user=org.agent_a1.user, sees=set(
                ModuleProgress.objects.filter(enrollment__agent=org.agent_a1).values_list("pk", flat=True))),
            "manager_a": RoleCase(user=org.manager_a, sees=set(
                ModuleProgress.objects.filter(enrollment__agent=org.agent_a1).values_list("pk", flat=True))),
            "manager_b": RoleCase(user=org.manager_b, sees=set(
                ModuleProgress.objects.filter(enrollment__agent=org.agent_b1).values_list("pk", flat=True))),
            "qa": RoleCase(user=org.qa, sees=set(), denied=True),
            "admin": RoleCase(user=org.admin, sees=set(ModuleProgress.objects.values_list("pk", flat=True))),
        },
    )  # fmt: skip


def test_enrollment_progress_endpoint_lists_modules_in_order(org):
    enrollment = _enrol(org)
    response = api_client_for(org.agent_a1.user).get(f"/api/onboarding/enrollments/{enrollment.pk}/progress/")
    assert response.status_code == 200
    assert [(row["module_key"], row["phase"], row["due_date"]) for row in response.json()] == [
        ("refunds-lesson", "Week 1: product", "2026-12-23"),
        ("refunds-quiz", "Week 1: product", "2026-12-24"),
        ("shadowing", "Week 2: practice", "2026-12-31"),
        ("practical-refund", "Week 2: practice", "2027-01-04"),
        ("sign-off", "Week 2: practice", "2027-01-06"),
        ("nesting", "Nesting", "2027-01-20"),
    ]


def test_complete_action_refuses_missing_prerequisites_with_a_400(org):
    enrollment = _enrol(org)
    response = api_client_for(org.manager_a).post(
        f"/api/onboarding/progress/{_row(enrollment, 'sign-off').pk}/sign-off/"
    )
    assert response.status_code == 400
    assert response.json() == {"module": ["Finish these first: Shadow a tenured agent, Process a test refund."]}


def test_agent_completes_a_lesson_and_a_manager_waives_through_the_api(org):
    enrollment = _enrol(org)
    agent_client = api_client_for(org.agent_a1.user)
    response = agent_client.post(f"/api/onboarding/progress/{_row(enrollment, 'refunds-lesson').pk}/complete/")
    assert response.status_code == 200
    assert response.json()["state"] == ProgressState.COMPLETED
    quiz_id = _row(enrollment, "refunds-quiz").pk
    assert agent_client.post(f"/api/onboarding/progress/{quiz_id}/waive/", {"reason": "x"}).status_code == 403
    manager_client = api_client_for(org.manager_a)
    refused = manager_client.post(f"/api/onboarding/progress/{quiz_id}/waive/", {"reason": ""}, format="json")
    assert (refused.status_code, list(refused.json())) == (400, ["reason"])
    waived = manager_client.post(f"/api/onboarding/progress/{quiz_id}/waive/", {"reason": "Prior job"}, format="json")
    assert (waived.status_code, waived.json()["state"], waived.json()["waived_reason"]) == (200, "waived", "Prior job")


def test_task_evidence_upload_and_review_hide_the_private_note_from_the_agent(org, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    enrollment = _enrol(org)
    services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=org.agent_a1.user)
    services.progress_waive(progress=_row(enrollment, "refunds-quiz"), reason="Prior job", user=org.manager_a)
    agent_client = api_client_for(org.agent_a1.user)
    upload = SimpleUploadedFile("refund.txt", b"refund 42 processed", content_type="text/plain")
    response = agent_client.post(
        f"/api/onboarding/progress/{_row(enrollment, 'practical-refund').pk}/tasks/",
        {"text": "See the file", "file": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    submission_id = response.json()["id"]
    assert TaskSubmission.objects.get().file.read() == b"refund 42 processed"
    reviewed = api_client_for(org.manager_a).post(
        f"/api/onboarding/task-submissions/{submission_id}/review/",
        {"approve": True, "feedback": "Well done", "private_note": "Needed two tries"},
        format="json",
    )
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["private_note"] == "Needed two tries"
    seen_by_agent = agent_client.get(f"/api/onboarding/task-submissions/{submission_id}/").json()
    assert seen_by_agent["feedback"] == "Well done"
    assert "private_note" not in seen_by_agent
    assert _state(enrollment, "practical-refund") == ProgressState.COMPLETED


def test_shadowing_and_task_lists_role_access_and_query_counts(org, django_assert_num_queries):
    built = build_curriculum()
    sessions, submissions = {}, {}
    for name in ["agent_a1", "agent_b1"]:
        agent = getattr(org, name)
        enrollment = _enrol(org, agent, built)
        services.lesson_complete(progress=_row(enrollment, "refunds-lesson"), user=agent.user)
        services.progress_waive(progress=_row(enrollment, "refunds-quiz"), reason="Prior job", user=org.admin)
        sessions[name] = services.shadowing_log(
            progress=_row(enrollment, "shadowing"), tenured_agent=org.agent_a2,
            started_at=datetime(2026, 12, 22, 9, tzinfo=SG), minutes=30, user=agent.user,
        ).pk  # fmt: skip
        submissions[name] = services.task_submit(
            progress=_row(enrollment, "practical-refund"), text="Done", user=agent.user
        ).pk
    for url, ids in [("shadowing-sessions", sessions), ("task-submissions", submissions)]:
        assert_role_access(
            list_url=f"/api/onboarding/{url}/",
            detail_url=lambda pk, url=url: f"/api/onboarding/{url}/{pk}/",
            all_ids=ids.values(),
            cases={
                "agent": RoleCase(user=org.agent_a1.user, sees={ids["agent_a1"]}),
                "manager_a": RoleCase(user=org.manager_a, sees={ids["agent_a1"]}),
                "manager_b": RoleCase(user=org.manager_b, sees={ids["agent_b1"]}),
                "qa": RoleCase(user=org.qa, sees=set(), denied=True),
                "admin": RoleCase(user=org.admin, sees=set(ids.values())),
            },
        )
    client = api_client_for(org.admin)
    for url in ["shadowing-sessions", "task-submissions", "progress"]:
        client.get(f"/api/onboarding/{url}/")
    expected = {"shadowing-sessions": 4, "task-submissions": 4, "progress": 4}
    for url, count in expected.items():
        with django_assert_num_queries(count):
            client.get(f"/api/onboarding/{url}/")
    more = _enrol(org, org.agent_a2, built)
    services.lesson_complete(progress=_row(more, "refunds-lesson"), user=org.admin)
    services.progress_waive(progress=_row(more, "refunds-quiz"), reason="Prior job", user=org.admin)
    services.shadowing_log(
        progress=_row(more, "shadowing"), tenured_agent=org.agent_b1,
        started_at=datetime(2026, 12, 22, 9, tzinfo=SG), minutes=30, user=org.admin,
    )  # fmt: skip
    services.task_submit(progress=_row(more, "practical-refund"), text="Done", user=org.admin)
    for url, count in expected.items():
        with django_assert_num_queries(count):
            client.get(f"/api/onboarding/{url}/")
