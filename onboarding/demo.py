"""Onboarding demo data on top of the demo organisation: a realistic new-hire curriculum with every module kind,
a certification, and every onboarding or nesting agent enrolled in their team's hire class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from supportops.choices import AgentStatus
from supportops.models import Agent, Team

from . import services
from .business_days import add_business_days
from .models import (
    Certification,
    Cohort,
    CurriculumVersion,
    Enrollment,
    EnrollmentStatus,
    Module,
    ModuleKind,
    ModuleProgress,
    Phase,
    QuestionKind,
)

Say = Callable[[str], None]

WELCOME = """# Welcome to support

Over the next weeks you will learn our products, our policies and our tools, then practise on real
conversations with a buddy at your side.

**How this path works**

- Each module has a due date; the ones marked *next up* are the ones to do now.
- Lessons are short reads. Quizzes check the policies you will use every day.
- Ask your buddy anything: that is what they are for.
"""

CARDS = """# Cards and payments

Customers write to us about three things most of the time:

1. **Card payments that failed.** Check the decline reason first; *insufficient funds* and *suspected fraud*
   need very different answers.
2. **Transfers that have not arrived.** Domestic transfers settle the same business day; international ones
   can take up to three.
3. **Fees they did not expect.** Open the fee schedule before answering and quote the exact line.

> Never ask a customer for their full card number or one-time password. We never need them.
"""

REFUNDS = """# Refunds and disputes

- A **refund** is the merchant giving money back. We cannot force it, but we can tell the customer how long
  it usually takes (5-10 business days).
- A **dispute** (chargeback) is us asking the merchant's bank for the money back. Open one when the customer
  did not receive what they paid for, or does not recognise the payment, **within 120 days**.
- Always confirm the customer has contacted the merchant first, unless the payment looks fraudulent: then
  freeze the card and open the dispute straight away.
"""

TASK = """Handle the test conversation *Refund for a cancelled order* in the training helpdesk:
verify the customer, check the payment, explain the merchant refund timeline, and write the internal note.
Paste the link to your handled conversation."""


@dataclass
class OnboardingDemoSummary:
    """What the onboarding demo seeding made."""

    curricula: int = 0
    enrollments: int = 0
    completed_modules: int = 0
    graduates: int = 0


@transaction.atomic
def seed_onboarding(*, say: Say | None = None) -> OnboardingDemoSummary:
    """Seed the new-hire curriculum and enrol the demo organisation's onboarding and nesting agents."""
    say = say or (lambda message: None)
    summary = OnboardingDemoSummary()
    certification = Certification.objects.create(
        name="Payments support", description="Cards, transfers, refunds and disputes.", validity_days=365
    )
    curriculum = services.curriculum_create(
        user=None,
        name="Customer support foundations",
        slug="support-foundations",
        description="The path every new support agent follows, from day one to the live queue.",
        certification=certification,
    )
    version = CurriculumVersion.objects.get(curriculum=curriculum, number=1)
    week1 = services.phase_save(version=version, user=None, name="Week 1: products and tools", position=0)
    week2 = services.phase_save(version=version, user=None, name="Week 2: policies", position=1)
    practice = services.phase_save(version=version, user=None, name="Weeks 3-4: supervised practice", position=2)
    live = services.phase_save(version=version, user=None, name="Nesting on the live queue", position=3)

    def module(
        key: str, title: str, kind: str, phase: Phase, position: int, minutes: int, due: int, **fields: Any
    ) -> Module:
        return services.module_save(
            version=version,
            user=None,
            key=key,
            title=title,
            kind=kind,
            phase=phase,
            position=position,
            estimated_minutes=minutes,
            due_business_days=due,
            **fields,
        )

    welcome = module("welcome", "Welcome and how this path works", ModuleKind.LESSON, week1, 0, 20, 0, content=WELCOME)
    cards = module("cards-payments", "Cards and payments", ModuleKind.LESSON, week1, 1, 45, 2, content=CARDS)
    refunds = module("refunds-disputes", "Refunds and disputes", ModuleKind.LESSON, week2, 2, 45, 5, content=REFUNDS)
    quiz = module("policy-quiz", "Policy quiz", ModuleKind.QUIZ, week2, 3, 30, 7, pass_mark_percent=75, max_attempts=3)
    shadow = module(
        "shadowing", "Shadow a tenured agent", ModuleKind.SHADOWING, practice, 4, 240, 10, required_shadowing_hours=4
    )
    task = module("test-refund", "Handle a test refund", ModuleKind.PRACTICAL, practice, 5, 60, 12, content=TASK)
    ready = module("ready-for-live", "Ready for the live queue", ModuleKind.SIGN_OFF, practice, 6, 15, 13)
    nesting = module(
        "nesting", "Nesting on live chat", ModuleKind.NESTING, live, 7, 2400, 20,
        nesting_min_reviews=5, nesting_min_average_percent=85,
    )  # fmt: skip
    services.module_set_prerequisites(module=cards, prerequisites=[welcome], user=None)
    services.module_set_prerequisites(module=quiz, prerequisites=[cards, refunds], user=None)
    services.module_set_prerequisites(module=task, prerequisites=[quiz, shadow], user=None)
    services.module_set_prerequisites(module=ready, prerequisites=[task], user=None)
    services.module_set_prerequisites(module=nesting, prerequisites=[ready], user=None)
    choice = services.ChoiceInput
    services.question_save(
        module=quiz,
        user=None,
        position=0,
        text="A customer does not recognise a card payment from last week. What do you do first?",
        choices=[
            choice("Tell them to contact the merchant"),
            choice("Freeze the card and open a dispute", is_correct=True),
            choice("Ask for the card number to check it"),
        ],
        explanation="An unrecognised payment may be fraud: protect the card first.",
    )
    services.question_save(
        module=quiz,
        user=None,
        position=1,
        kind=QuestionKind.MULTIPLE,
        text="Which of these may we never ask a customer for?",
        choices=[
            choice("Their one-time password", is_correct=True),
            choice("Their full card number", is_correct=True),
            choice("The date of the payment"),
        ],
    )
    services.question_save(
        module=quiz,
        user=None,
        position=2,
        kind=QuestionKind.TRUE_FALSE,
        text="A dispute can be opened up to 120 days after the payment.",
        choices=[choice("True", is_correct=True), choice("False")],
    )
    services.question_save(
        module=quiz,
        user=None,
        position=3,
        kind=QuestionKind.SHORT_TEXT,
        text="In one or two sentences: how do you explain a merchant refund timeline to a customer?",
    )
    version = services.curriculum_version_publish(version=version, user=None, notes="First version")
    summary.curricula = 1

    today = timezone.localdate()
    for team in Team.objects.order_by("name"):
        learners = list(
            Agent.objects.filter(team=team, status__in=[AgentStatus.ONBOARDING, AgentStatus.NESTING]).order_by("pk")
        )
        if not learners:
            continue
        buddy = Agent.objects.filter(team=team, status=AgentStatus.ACTIVE).order_by("start_date", "pk").first()
        cohort = Cohort.objects.create(name=f"{team.name} hire class", team=team, start_date=today - timedelta(days=9))
        for learner in learners:
            start = learner.start_date if learner.start_date <= today else cohort.start_date
            enrollment = services.enrollment_create(
                agent=learner, version=version, start_date=start, user=None, buddy=buddy, cohort=cohort
            )
            summary.enrollments += 1
            done = ["welcome", "cards-payments"]
            if learner.status == AgentStatus.NESTING:
                done += ["refunds-disputes", "policy-quiz", "shadowing", "test-refund", "ready-for-live"]
            progress = ModuleProgress.objects.filter(enrollment=enrollment, module__key__in=done)
            summary.completed_modules += progress.update(
                state="completed", started_at=timezone.now(), completed_at=timezone.now()
            )
        graduates = _seed_graduates(team, version, exclude=[buddy.pk] if buddy else [])
        summary.graduates += graduates
        say(f"  {team.name:<22} {len(learners)} enrolled in {cohort.name}, {graduates} graduated earlier")
    return summary


# Business days the earlier hire class took to finish, per graduate: the time-to-proficiency chart has data.
GRADUATE_DAYS = (18, 23, 27)


def _seed_graduates(team: Team, version: CurriculumVersion, *, exclude: list[int]) -> int:
    """An earlier hire class of the team's most recent active agents, every module done, completed."""
    graduates = list(
        Agent.objects.filter(team=team, status=AgentStatus.ACTIVE)
        .exclude(pk__in=exclude)
        .order_by("-start_date", "-pk")[: len(GRADUATE_DAYS)]
    )
    if not graduates:
        return 0
    today = timezone.localdate()
    starts = {agent.pk: min(agent.start_date, today - timedelta(days=60)) for agent in graduates}
    cohort = Cohort.objects.create(name=f"{team.name} earlier class", team=team, start_date=min(starts.values()))
    for agent, days in zip(graduates, GRADUATE_DAYS, strict=False):
        start = starts[agent.pk]
        enrollment = services.enrollment_create(
            agent=agent, version=version, start_date=start, user=None, cohort=cohort, reason="new hire"
        )
        holidays = services.agent_holidays(agent, start, start + timedelta(days=90))
        finished = datetime.combine(add_business_days(start, days, holidays), time(17), tzinfo=agent.zone)
        enrollment.progress.update(state="completed", started_at=finished, completed_at=finished)
        Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.COMPLETED, completed_at=finished)
    return len(graduates)
