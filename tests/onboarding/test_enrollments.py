"""Enrolling agents and cohorts, migrating enrollments to a newer version, and the enrollments API per role."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from onboarding import services
from onboarding.models import Cohort, Enrollment, EnrollmentStatus, ModuleProgress, ProgressState, VersionStatus
from supportops.choices import Role
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.onboarding.curricula import build_curriculum

START = date(2026, 12, 21)  # a Monday; Christmas and New Year's Day are Singapore holidays after it


def _due_dates(enrollment: Enrollment) -> dict[str, date]:
    return {row.module.key: row.due_date for row in enrollment.progress.select_related("module")}


def test_enrollment_create_sets_due_dates_skipping_weekends_and_market_holidays(org):
    # given a published curriculum
    built = build_curriculum()
    # when manager A enrols agent A1
    enrollment = services.enrollment_create(
        agent=org.agent_a1, version=built.version, start_date=START, buddy=org.agent_a2, user=org.manager_a
    )
    # then every module has a due date in business days, Christmas and New Year's Day skipped
    assert _due_dates(enrollment) == {
        "refunds-lesson": date(2026, 12, 23),
        "refunds-quiz": date(2026, 12, 24),
        "shadowing": date(2026, 12, 31),
        "practical-refund": date(2027, 1, 4),
        "sign-off": date(2027, 1, 6),
        "nesting": date(2027, 1, 20),
    }
    assert set(enrollment.progress.values_list("state", flat=True)) == {ProgressState.NOT_STARTED}
    assert enrollment.buddy == org.agent_a2
    assert enrollment.enrolled_by == org.manager_a


def test_enrollment_create_refuses_a_draft_version(org):
    built = build_curriculum(status=VersionStatus.DRAFT)
    with pytest.raises(ValidationError) as error:
        services.enrollment_create(agent=org.agent_a1, version=built.version, start_date=START, user=org.admin)
    assert error.value.message_dict == {"version": ["Only a published curriculum version takes enrollments."]}
    assert Enrollment.objects.count() == 0


def test_enrollment_create_refuses_a_second_active_enrollment_in_the_same_version(org):
    built = build_curriculum()
    services.enrollment_create(agent=org.agent_a1, version=built.version, start_date=START, user=org.admin)
    with pytest.raises(ValidationError) as error:
        services.enrollment_create(agent=org.agent_a1, version=built.version, start_date=START, user=org.admin)
    assert list(error.value.message_dict) == ["agent"]
    assert Enrollment.objects.count() == 1


def test_enrollment_create_is_for_managers_of_the_agents_team_only(org):
    built = build_curriculum()
    # manager A manages team A, not team B (agent B2 only reports to them)
    with pytest.raises(PermissionDenied):
        services.enrollment_create(agent=org.agent_b2, version=built.version, start_date=START, user=org.manager_a)
    with pytest.raises(PermissionDenied):
        services.enrollment_create(agent=org.agent_a1, version=built.version, start_date=START, user=org.qa)
    assert Enrollment.objects.count() == 0


def test_cohort_enroll_is_all_or_nothing(org):
    built = build_curriculum()
    cohort = Cohort.objects.create(name="December class", team=org.team_a, start_date=START)
    services.enrollment_create(agent=org.agent_a2, version=built.version, start_date=START, user=org.admin)
    # when one of the agents is already enrolled
    with pytest.raises(ValidationError) as error:
        services.cohort_enroll(
            cohort=cohort, agents=[org.agent_a1, org.agent_a2], version=built.version, start_date=START, user=org.admin
        )
    # then nobody of the cohort is enrolled
    assert list(error.value.message_dict) == ["agents"]
    assert Enrollment.objects.filter(cohort=cohort).count() == 0
    assert ModuleProgress.objects.count() == 6


def test_cohort_enroll_enrols_every_agent(org):
    built = build_curriculum()
    cohort = Cohort.objects.create(name="December class", team=org.team_a, start_date=START)
    enrollments = services.cohort_enroll(
        cohort=cohort, agents=[org.agent_a1, org.agent_a2], version=built.version, start_date=START, user=org.manager_a
    )
    assert sorted(e.agent.pk for e in enrollments) == sorted([org.agent_a1.pk, org.agent_a2.pk])
    assert ModuleProgress.objects.filter(enrollment__cohort=cohort).count() == 12


def test_enrollment_migrate_keeps_done_modules_that_still_exist(org):
    # given agent A1 finished the lesson and had the quiz waived in version 1
    v1 = build_curriculum()
    enrollment = services.enrollment_create(agent=org.agent_a1, version=v1.version, start_date=START, user=org.admin)
    lesson = enrollment.progress.get(module=v1.modules["lesson"])
    services.lesson_complete(progress=lesson, user=org.agent_a1.user)
    quiz = enrollment.progress.get(module=v1.modules["quiz"])
    services.progress_waive(progress=quiz, reason="Passed it at a previous employer", user=org.manager_a)
    # and version 2 drops the lesson's key and keeps the quiz
    v1.version.status = VersionStatus.RETIRED
    v1.version.save()
    v2 = build_curriculum(curriculum=v1.curriculum, number=2)
    v2.modules["lesson"].key = "refunds-lesson-2026"
    v2.modules["lesson"].save()
    # when the enrollment moves to version 2
    services.enrollment_migrate(enrollments=[enrollment], version=v2.version, user=org.manager_a)
    # then the quiz stays waived, everything else starts again, all on version 2's modules
    enrollment.refresh_from_db()
    assert enrollment.version == v2.version
    states = {
        row.module.key: (row.state, row.module.version_id) for row in enrollment.progress.select_related("module")
    }
    assert states == {
        "refunds-lesson-2026": (ProgressState.NOT_STARTED, v2.version.pk),
        "refunds-quiz": (ProgressState.WAIVED, v2.version.pk),
        "shadowing": (ProgressState.NOT_STARTED, v2.version.pk),
        "practical-refund": (ProgressState.NOT_STARTED, v2.version.pk),
        "sign-off": (ProgressState.NOT_STARTED, v2.version.pk),
        "nesting": (ProgressState.NOT_STARTED, v2.version.pk),
    }


def test_enrollment_migrate_refuses_an_older_or_foreign_version(org):
    v1 = build_curriculum()
    other = build_curriculum(name="Other path")
    enrollment = services.enrollment_create(agent=org.agent_a1, version=v1.version, start_date=START, user=org.admin)
    with pytest.raises(ValidationError) as error:
        services.enrollment_migrate(enrollments=[enrollment], version=other.version, user=org.admin)
    assert list(error.value.message_dict) == ["version"]
    enrollment.refresh_from_db()
    assert enrollment.version == v1.version


# --- API ----------------------------------------------------------------------------------------------------------


def _enrol_everyone(org) -> dict[str, Enrollment]:
    built = build_curriculum()
    return {
        name: services.enrollment_create(
            agent=getattr(org, name), version=built.version, start_date=START, user=org.admin
        )
        for name in ["agent_a1", "agent_a2", "agent_b1", "agent_b2"]
    }


def test_enrollments_api_role_access(org):
    enrollments = _enrol_everyone(org)
    ids = {name: e.pk for name, e in enrollments.items()}
    assert_role_access(
        list_url="/api/onboarding/enrollments/",
        detail_url=lambda pk: f"/api/onboarding/enrollments/{pk}/",
        all_ids=ids.values(),
        cases={
            "agent": RoleCase(user=org.agent_a1.user, sees={ids["agent_a1"]}),
            "manager_a": RoleCase(user=org.manager_a, sees={ids["agent_a1"], ids["agent_a2"]}),
            "manager_b": RoleCase(user=org.manager_b, sees={ids["agent_b1"], ids["agent_b2"]}),
            "qa": RoleCase(user=org.qa, sees=set(), denied=True),
            "admin": RoleCase(user=org.admin, sees=set(ids.values())),
        },
    )


def test_enrollments_api_list_query_count_does_not_grow(org, django_assert_num_queries):
    _enrol_everyone(org)
    client = api_client_for(org.admin)
    client.get("/api/onboarding/enrollments/")  # warm the token and role caches
    with django_assert_num_queries(5):
        response = client.get("/api/onboarding/enrollments/")
    assert response.json()["count"] == 4
    built = build_curriculum(name="Second path")
    for agent in [org.agent_a1, org.agent_a2]:
        services.enrollment_create(agent=agent, version=built.version, start_date=START, user=org.admin)
    with django_assert_num_queries(5):
        response = client.get("/api/onboarding/enrollments/")
    assert response.json()["count"] == 6


def test_enrollments_api_list_shows_progress_and_filters(org):
    enrollments = _enrol_everyone(org)
    services.lesson_complete(
        progress=enrollments["agent_a1"].progress.get(module__key="refunds-lesson"), user=org.admin
    )
    client = api_client_for(org.manager_a)
    body = client.get(f"/api/onboarding/enrollments/?agent_id={org.agent_a1.pk}").json()
    assert [item["id"] for item in body["results"]] == [enrollments["agent_a1"].pk]
    item = body["results"][0]
    # 30 of 965 estimated minutes done
    assert item["percent_done"] == 3.1
    assert item["agent_name"] == org.agent_a1.display_name
    assert client.get("/api/onboarding/enrollments/?status=completed").json()["count"] == 0


def test_enrollments_api_create(org):
    built = build_curriculum()
    client = api_client_for(org.manager_a)
    response = client.post(
        "/api/onboarding/enrollments/",
        {"agent_id": org.agent_a1.pk, "version_id": built.version.pk, "start_date": "2026-12-21"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == EnrollmentStatus.ACTIVE
    assert Enrollment.objects.get().agent == org.agent_a1
    # a second one in the same version is refused, naming the field
    again = client.post(
        "/api/onboarding/enrollments/",
        {"agent_id": org.agent_a1.pk, "version_id": built.version.pk, "start_date": "2026-12-21"},
        format="json",
    )
    assert again.status_code == 400
    assert list(again.json()) == ["agent"]
    assert Enrollment.objects.count() == 1


def test_enrollments_api_create_refuses_an_agent_outside_the_managers_teams(org):
    built = build_curriculum()
    response = api_client_for(org.manager_b).post(
        "/api/onboarding/enrollments/",
        {"agent_id": org.agent_a1.pk, "version_id": built.version.pk, "start_date": "2026-12-21"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["agent_id"]
    assert Enrollment.objects.count() == 0


def test_enrollments_api_migrate_moves_chosen_enrollments(org):
    v1 = build_curriculum()
    first = services.enrollment_create(agent=org.agent_a1, version=v1.version, start_date=START, user=org.admin)
    second = services.enrollment_create(agent=org.agent_a2, version=v1.version, start_date=START, user=org.admin)
    v1.version.status = VersionStatus.RETIRED
    v1.version.save()
    v2 = build_curriculum(curriculum=v1.curriculum, number=2)
    client = api_client_for(org.manager_a)
    response = client.post(
        "/api/onboarding/enrollments/migrate/",
        {"enrollment_ids": [first.pk], "version_id": v2.version.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [(item["id"], item["version_number"]) for item in response.json()] == [(first.pk, 2)]
    second.refresh_from_db()
    assert second.version == v1.version
    # manager B cannot see agent A1's enrollment
    refused = api_client_for(org.manager_b).post(
        "/api/onboarding/enrollments/migrate/",
        {"enrollment_ids": [second.pk], "version_id": v2.version.pk},
        format="json",
    )
    assert refused.status_code == 400
    assert list(refused.json()) == ["enrollment_ids"]


def test_enrollments_api_cohort_proficiency(org):
    built = build_curriculum()
    cohort = Cohort.objects.create(name="December class", team=org.team_a, start_date=START)
    services.cohort_enroll(
        cohort=cohort, agents=[org.agent_a1, org.agent_a2], version=built.version, start_date=START, user=org.admin
    )
    Enrollment.objects.filter(agent=org.agent_a1).update(
        status=EnrollmentStatus.COMPLETED, completed_at=datetime(2027, 1, 22, 9, tzinfo=ZoneInfo("Asia/Singapore"))
    )
    response = api_client_for(org.manager_a).get(f"/api/onboarding/enrollments/cohort-proficiency/?cohort={cohort.pk}")
    assert response.json() == {"cohort_id": cohort.pk, "completed": 1, "enrolled": 2, "average_business_days": 22.0}
    # manager B sees none of the cohort's enrollments
    other = api_client_for(org.manager_b).get(f"/api/onboarding/enrollments/cohort-proficiency/?cohort={cohort.pk}")
    assert other.json() == {"cohort_id": cohort.pk, "completed": 0, "enrolled": 0, "average_business_days": None}
    assert (
        api_client_for(org.qa).get(f"/api/onboarding/enrollments/cohort-proficiency/?cohort={cohort.pk}").status_code
        == 403
    )


def test_a_qa_reviewer_who_is_also_a_manager_sees_their_teams_enrollments(org):
    enrollments = _enrol_everyone(org)
    org.qa.groups.add(Group.objects.get(name=Role.MANAGER))
    org.team_a.managers.add(org.qa)
    listed = api_client_for(org.qa).get("/api/onboarding/enrollments/").json()
    assert sorted(item["id"] for item in listed["results"]) == sorted(
        [enrollments["agent_a1"].pk, enrollments["agent_a2"].pk]
    )


def test_enrollment_migrate_completes_an_enrollment_whose_new_version_is_all_done(org):
    # given every module of version 1 is done but the enrollment was left open (the agent is in nesting)
    v1 = build_curriculum()
    enrollment = services.enrollment_create(agent=org.agent_a1, version=v1.version, start_date=START, user=org.admin)
    ModuleProgress.objects.filter(enrollment=enrollment).update(state=ProgressState.COMPLETED)
    org.agent_a1.status = "nesting"
    org.agent_a1.save()
    v1.version.status = VersionStatus.RETIRED
    v1.version.save()
    v2 = build_curriculum(curriculum=v1.curriculum, number=2)  # the same module keys

    # when it moves to version 2
    services.enrollment_migrate(enrollments=[enrollment], version=v2.version, user=org.manager_a)

    # then it is complete and the agent active
    enrollment.refresh_from_db()
    org.agent_a1.refresh_from_db()
    assert (enrollment.status, enrollment.version_id) == (EnrollmentStatus.COMPLETED, v2.version.pk)
    assert enrollment.completed_at is not None
    assert org.agent_a1.status == "active"


def test_enrollments_api_withdraw_per_role_and_bad_input(org):
    built = build_curriculum()
    enrollment = services.enrollment_create(
        agent=org.agent_a1, version=built.version, start_date=START, user=org.manager_a
    )
    url = f"/api/onboarding/enrollments/{enrollment.pk}/withdraw/"

    statuses = {
        name: api_client_for(user).post(url, {"reason": "Left"}, format="json").status_code
        for name, user in {"agent": org.agent_a1.user, "qa": org.qa, "manager_b": org.manager_b}.items()
    }
    blank = api_client_for(org.manager_a).post(url, {"reason": " "}, format="json")
    missing = api_client_for(org.manager_a).post(url, {}, format="json")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    done = api_client_for(org.manager_a).post(url, {"reason": "Left the company"}, format="json")
    again = api_client_for(org.admin).post(url, {"reason": "Again"}, format="json")

    assert statuses == {"agent": 403, "qa": 403, "manager_b": 404}
    assert (blank.status_code, blank.json()) == (400, {"reason": ["Say why the enrollment is withdrawn."]})
    assert (missing.status_code, list(missing.json())) == (400, ["reason"])
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["withdrawn_reason"]) == ("withdrawn", "Left the company")
    assert again.status_code == 400
    assert list(again.json()) == ["enrollment"]
