"""Background jobs: progress people can watch, success and failure recorded, redelivery harmless."""

import pytest
from django.core.exceptions import ValidationError

from supportops import services
from supportops.models import Job
from tests.access import RoleCase, api_client_for, assert_role_access


def test_a_job_runs_reports_progress_and_keeps_its_result(org):
    job = services.job_create(kind="forecast", created_by=org.manager_a, parameters={"queue_id": 1})
    seen: list[tuple[str, float, str]] = []

    def work(progress):
        progress(0.25, "Backtesting")
        stored = Job.objects.get(pk=job.pk)
        seen.append((stored.status, stored.progress, stored.message))
        progress(1.7, "Clamped")
        seen.append((Job.objects.get(pk=job.pk).status, Job.objects.get(pk=job.pk).progress, "clamped"))
        return {"forecast_id": 9}

    services.job_run(job_id=job.pk, work=work)

    job.refresh_from_db()
    assert seen == [("running", 0.25, "Backtesting"), ("running", 1.0, "clamped")]
    assert (job.status, job.progress, job.message, job.result, job.error) == (
        "succeeded",
        1.0,
        "Done",
        {"forecast_id": 9},
        "",
    )
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.finished_at >= job.started_at


def test_a_refused_job_fails_with_the_reason_and_a_redelivered_one_does_nothing(org):
    job = services.job_create(kind="forecast", created_by=org.manager_a)
    calls: list[int] = []

    def refuse(progress):
        calls.append(1)
        progress(0.4, "Half way")
        raise ValidationError({"horizon_days": ["At most 56 days."]})

    services.job_run(job_id=job.pk, work=refuse)
    services.job_run(job_id=job.pk, work=refuse)  # redelivered: already finished

    job.refresh_from_db()
    assert calls == [1]
    assert (job.status, job.progress, job.message, job.error) == ("failed", 0.4, "Failed", "At most 56 days.")


def test_an_unexpected_error_fails_the_job_and_reaches_the_worker_log(org):
    job = services.job_create(kind="forecast", created_by=org.manager_a)

    def crash(progress):
        raise ZeroDivisionError("division by zero")

    with pytest.raises(ZeroDivisionError):
        services.job_run(job_id=job.pk, work=crash)

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "ZeroDivisionError: division by zero")


def test_people_see_the_jobs_they_started_and_admins_see_all(org):
    mine = services.job_create(kind="forecast", created_by=org.manager_a).pk
    theirs = services.job_create(kind="import", created_by=org.manager_b).pk
    agents = services.job_create(kind="import", created_by=org.agent_a1.user).pk

    assert_role_access(
        list_url="/api/jobs/",
        detail_url=lambda pk: f"/api/jobs/{pk}/",
        all_ids={mine, theirs, agents},
        cases={
            "admin": RoleCase(org.admin, sees={mine, theirs, agents}),
            "manager_a": RoleCase(org.manager_a, sees={mine}),
            "manager_b": RoleCase(org.manager_b, sees={theirs}),
            "qa": RoleCase(org.qa, sees=set()),
            "agent": RoleCase(org.agent_a1.user, sees={agents}),
        },
    )
    assert api_client_for(org.manager_a).get(f"/api/jobs/{mine}/").json()["status"] == "queued"
    assert api_client_for(None).get("/api/jobs/").status_code == 401
