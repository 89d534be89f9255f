"""Daily onboarding reminders, re-certification before a certification lapses, and training booked into schedules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from onboarding import services, tasks
from onboarding.models import (
    Certification,
    CertificationGrant,
    Curriculum,
    CurriculumVersion,
    Enrollment,
    EnrollmentStatus,
    Module,
    ModuleKind,
    ModuleProgress,
    ProgressState,
    ReminderLog,
    VersionStatus,
)
from scheduling.models import BookedActivity

MONDAY = date(2026, 12, 7)


def published_version(name: str = "Payments basics", **curriculum_fields) -> CurriculumVersion:
    curriculum = Curriculum.objects.create(name=name, slug=name.lower().replace(" ", "-"), **curriculum_fields)
    version = CurriculumVersion.objects.create(curriculum=curriculum, number=1, status=VersionStatus.PUBLISHED)
    for position, title in enumerate(["Refunds", "Card disputes", "Chargebacks"]):
        Module.objects.create(
            version=version, key=title.lower().replace(" ", "-"), title=title, kind=ModuleKind.LESSON, position=position
        )
    return version


def enrol(agent, version, due_dates: dict[str, date], states: dict[str, str] | None = None) -> Enrollment:
    enrollment = Enrollment.objects.create(agent=agent, version=version, start_date=MONDAY - timedelta(days=14))
    for module in version.modules.all():
        ModuleProgress.objects.create(
            enrollment=enrollment,
            module=module,
            due_date=due_dates[module.title],
            state=(states or {}).get(module.title, ProgressState.NOT_STARTED),
            waived_reason="Knows it from a previous job" if (states or {}).get(module.title) == "waived" else "",
        )
    return enrollment


def test_agents_hear_of_due_and_overdue_modules_and_managers_get_one_digest_once_a_day(org):
    version = published_version()
    enrol(
        org.agent_a1,
        version,
        {
            "Refunds": MONDAY - timedelta(days=3),
            "Card disputes": MONDAY + timedelta(days=2),
            "Chargebacks": MONDAY + timedelta(days=7),
        },
    )

    first = services.reminders_send(today=MONDAY)
    again = services.reminders_send(today=MONDAY)

    assert (first.agent_emails, first.digest_emails, first.items) == (1, 1, 2)
    assert (again.agent_emails, again.digest_emails, again.items) == (0, 0, 0)
    to_agent, to_manager = mail.outbox
    assert to_agent.to == ["agent_a1@example.com"]
    assert to_agent.subject == "Onboarding: 2 modules to finish"
    assert "- Refunds: overdue since Fri 04 Dec" in to_agent.body
    assert "- Card disputes: due Wed 09 Dec" in to_agent.body
    assert "Chargebacks" not in to_agent.body
    assert to_manager.to == ["manager_a@example.com"]
    assert to_manager.subject == "Onboarding: 1 new hire behind in Alpha"
    assert f"- {org.agent_a1}: Refunds (due 04 Dec)" in to_manager.body
    assert ReminderLog.objects.count() == 3


def test_the_next_day_reminds_again_and_done_or_withdrawn_work_is_left_alone(org):
    version = published_version()
    enrol(
        org.agent_a1,
        version,
        {"Refunds": MONDAY - timedelta(days=3), "Card disputes": MONDAY, "Chargebacks": MONDAY},
        states={"Card disputes": ProgressState.COMPLETED, "Chargebacks": ProgressState.WAIVED},
    )
    withdrawn = enrol(org.agent_a2, version, dict.fromkeys(["Refunds", "Card disputes", "Chargebacks"], MONDAY))
    withdrawn.status = EnrollmentStatus.WITHDRAWN
    withdrawn.save()

    services.reminders_send(today=MONDAY)
    next_day = services.reminders_send(today=MONDAY + timedelta(days=1))

    assert [message.to for message in mail.outbox] == [
        ["agent_a1@example.com"],
        ["manager_a@example.com"],
        ["agent_a1@example.com"],
        ["manager_a@example.com"],
    ]
    assert next_day.items == 1


def test_the_daily_task_runs_the_service(org):
    version = published_version()
    enrol(org.agent_a1, version, dict.fromkeys(["Refunds", "Card disputes", "Chargebacks"], timezone.localdate()))

    result = tasks.send_reminders.delay().get()

    assert result == {"agent_emails": 1, "digest_emails": 0, "items": 3}


@pytest.fixture
def lapsing(org):
    certification = Certification.objects.create(name="Payments disputes", validity_days=365, renewal_notice_days=30)
    path = published_version("Disputes renewal", certification=certification, is_recertification_path=True)
    grant = CertificationGrant.objects.create(
        agent=org.agent_a1,
        certification=certification,
        granted_on=MONDAY - timedelta(days=345),
        expires_on=MONDAY + timedelta(days=20),
    )
    return grant, path


def test_an_agent_is_enrolled_in_recertification_before_the_grant_lapses_and_told_once(org, lapsing):
    grant, path = lapsing

    run = services.recertifications_start(today=MONDAY)
    again = services.recertifications_start(today=MONDAY)

    grant.refresh_from_db()
    assert (run.enrolled, run.without_path, again.enrolled) == (1, 0, 0)
    enrollment = grant.renewal_enrollment
    assert enrollment is not None
    assert (enrollment.agent, enrollment.version, enrollment.start_date) == (org.agent_a1, path, MONDAY)
    assert sorted(message.to[0] for message in mail.outbox) == ["agent_a1@example.com", "manager_a@example.com"]
    assert {message.subject for message in mail.outbox} == {
        "Your Payments disputes certification lapses on 27 Dec 2026",
        f"{org.agent_a1}'s Payments disputes certification lapses on 27 Dec 2026",
    }


def test_a_grant_far_from_lapsing_or_without_a_renewal_path_is_left_alone(org, lapsing):
    grant, path = lapsing

    early = services.recertifications_start(today=MONDAY - timedelta(days=30))
    path.status = VersionStatus.RETIRED
    path.save()
    no_path = services.recertifications_start(today=MONDAY)

    assert (early.enrolled, early.without_path) == (0, 0)
    assert (no_path.enrolled, no_path.without_path) == (0, 1)
    assert Enrollment.objects.count() == 0
    assert mail.outbox == []


def test_a_training_session_of_a_module_is_booked_into_the_agents_schedule(org):
    version = published_version()
    enrollment = enrol(org.agent_a1, version, dict.fromkeys(["Refunds", "Card disputes", "Chargebacks"], MONDAY))
    progress = enrollment.progress.get(module__title="Refunds")
    starts_at = datetime(2026, 12, 8, 6, tzinfo=UTC)

    booked = services.training_session_book(
        progress=progress, title="", starts_at=starts_at, ends_at=starts_at + timedelta(hours=2)
    )

    assert BookedActivity.objects.get(pk=booked.pk).title == "Refunds"
    assert (booked.agent, booked.kind, booked.source) == (org.agent_a1, "training", "onboarding")


def test_a_failed_review_can_assign_a_refresher_once(org):
    refresher = published_version("Refunds refresher").curriculum

    first = services.refresher_assign(agent=org.agent_a1, curriculum=refresher, reason="QA: refund policy missed")
    second = services.refresher_assign(agent=org.agent_a1, curriculum=refresher, reason="QA: again")

    assert first == second
    assert (first.reason, first.status, first.progress.count()) == ("QA: refund policy missed", "active", 3)


def test_a_refresher_without_a_published_version_is_refused(org):
    draft = Curriculum.objects.create(name="Draft only", slug="draft-only")

    with pytest.raises(ValidationError, match="has no published version to enrol in"):
        services.refresher_assign(agent=org.agent_a1, curriculum=draft, reason="QA")
