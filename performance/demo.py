"""QA demo data on top of the demo organisation: a realistic scorecard, QA settings per team, six past weeks of sampled
and reviewed conversations (scored by ``performance.scoring``), and a weekly sampling rule per reviewed team whose
last week is drawn by the real sampler, so each reviewer has a queue to work."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from supportops.models import Agent, Conversation, Team

from . import scoring, services
from .models import (
    AssignmentStatus,
    Criterion,
    QASettings,
    Rating,
    Review,
    ReviewAssignment,
    ReviewerGoal,
    ReviewStatus,
    SamplingCycle,
    SamplingRule,
    Scorecard,
    ScorecardVersion,
    Section,
)

Say = Callable[[str], None]

# (section key, name, kind, [(criterion key, name, scale, weight, allows N/A, critical, guidance)])
SCORECARD = [
    ("opening", "Opening", "normal", [
        ("greeting", "Greets and introduces themselves", "binary", 5, False, False,
         "Yes: a greeting and their name in the first reply."),
        ("verification", "Verifies the customer before account details", "binary", 10, True, False,
         "N/A when no account detail was discussed."),
    ]),
    ("resolution", "Resolution", "normal", [
        ("understanding", "Understands the real question", "4", 20, False, False,
         "4: restates the need; 1: answers another question."),
        ("accuracy", "Gives a correct and complete answer", "4", 35, False, True,
         "Critical: below 'Fair' (a wrong or harmful answer) sets the review to 0."),
        ("next-steps", "Sets clear next steps", "3", 15, True, False,
         "N/A when the conversation is fully resolved in one reply."),
    ]),
    ("tone", "Tone", "normal", [
        ("empathy", "Empathy and tone", "5", 15, False, False, "Acknowledges the customer's situation."),
    ]),
    ("compliance", "Compliance", "auto_fail", [
        ("asked-secrets", "Asked for a full card number, PIN or one-time password", "binary", 0, False, False,
         "Any request for these sets the review to 0."),
    ]),
    ("bonus", "Bonus", "bonus", [
        ("extra-mile", "Went the extra mile", "binary", 5, False, False, "Solved a problem not yet raised."),
    ]),
]  # fmt: skip

COMMENTS = {
    "accuracy": ["Check the fee schedule before quoting.", "Correct and complete.", "The refund timeline was wrong."],
    "empathy": ["Warm and patient.", "A bit abrupt at the start.", "Acknowledge the frustration first."],
    "next-steps": ["Tell the customer when to expect the next update.", "Clear next steps."],
}
OVERALL = [
    "Solid conversation: clear, accurate and friendly.",
    "Good resolution; slow down on verification.",
    "Accurate, but the customer had to ask twice for the timeline.",
    "Great empathy. Double-check fees before quoting.",
]


@dataclass
class QADemoSummary:
    """What the QA demo seeding made."""

    reviews: int = 0
    teams: int = 0
    rules: int = 0
    assigned: int = 0


def _scorecard() -> ScorecardVersion:
    scorecard = Scorecard.objects.create(
        name="Customer conversations",
        slug="customer-conversations",
        description="The scorecard every support conversation is reviewed with.",
        is_default=True,
    )
    version = ScorecardVersion.objects.create(scorecard=scorecard, number=1)
    for position, (key, name, kind, criteria) in enumerate(SCORECARD):
        section = Section.objects.create(version=version, key=key, name=name, kind=kind, position=position)
        Criterion.objects.bulk_create(
            Criterion(
                section=section, key=c_key, name=c_name, scale=scale, weight=weight, allows_na=allows_na,
                is_critical=critical, guidance=guidance, position=index,
            )
            for index, (c_key, c_name, scale, weight, allows_na, critical, guidance) in enumerate(criteria)
        )  # fmt: skip
    return services.scorecard_version_publish(version=version, user=None, notes="First version")


def _ratings(rng: random.Random, skill: float, criteria: list[Criterion]) -> dict[str, int | None]:
    values: dict[str, int | None] = {}
    for criterion in criteria:
        kind = criterion.section.kind
        if kind == "auto_fail":
            values[criterion.key] = 1 if rng.random() < 0.01 else 0
            continue
        if kind == "bonus":
            values[criterion.key] = 1 if rng.random() < 0.08 + skill / 10 else 0
            continue
        if criterion.allows_na and rng.random() < 0.15:
            values[criterion.key] = None
            continue
        level = min(1.0, max(0.0, rng.gauss(skill, 0.18)))
        span = criterion.scale_max - criterion.scale_min
        values[criterion.key] = criterion.scale_min + round(level * span)
    return values


@transaction.atomic
def seed_qa(*, weeks: int = 6, seed: int = 11, say: Say | None = None, now: datetime | None = None) -> QADemoSummary:
    """Seed the scorecard, QA settings, past weekly cycles with submitted reviews, and a sampling rule per team.
    Weeks are each team's local weeks as of ``now`` (default: the present)."""
    say = say or (lambda message: None)
    rng = random.Random(seed)
    summary = QADemoSummary()
    version = _scorecard()
    spec = services.scorecard_spec(services.version_with_criteria(version.pk))
    criteria = list(Criterion.objects.filter(section__version=version).select_related("section"))
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    now = now or timezone.now()
    for team in Team.objects.filter(qa_reviewers__isnull=False).distinct().order_by("name"):
        today = now.astimezone(team.zone).date()  # the team's weeks end at its own midnight
        this_monday = today - timedelta(days=today.weekday())
        reviewer = team.qa_reviewers.order_by("pk").first()
        assert reviewer is not None
        qa_settings = QASettings.objects.create(team=team, coaching_threshold_percent=Decimal(80))
        if admin is not None:
            qa_settings.leads.add(admin)
        rule = SamplingRule.objects.create(team=team, name="Weekly sample", per_agent=2, require_transcript=True)
        ReviewerGoal.objects.create(rule=rule, reviewer=reviewer, goal=40)
        summary.teams += 1
        summary.rules += 1
        agents = list(Agent.objects.filter(team=team).exclude(user=reviewer).select_related("user").order_by("pk"))
        skill = {agent.pk: rng.uniform(0.55, 0.95) for agent in agents}
        reviews: list[Review] = []
        ratings: list[tuple[int, dict[str, int | None]]] = []
        assignments: list[ReviewAssignment] = []
        for week in range(weeks + 1, 1, -1):  # last week is left for the live sampler below
            start = this_monday - timedelta(weeks=week)
            cycle = SamplingCycle.objects.create(
                rule=rule, period_start=start, period_end=start + timedelta(days=6), seed=rng.getrandbits(62)
            )
            window = (
                datetime.combine(start, time(0), tzinfo=team.zone),
                datetime.combine(start + timedelta(days=7), time(0), tzinfo=team.zone),
            )
            for agent in agents:
                picked = list(
                    Conversation.objects.filter(
                        agent=agent, created_at__gte=window[0], created_at__lt=window[1], messages__isnull=False
                    )
                    .distinct()
                    .order_by("pk")[:50]
                )
                if not picked:
                    continue
                conversation = rng.choice(picked)
                assignments.append(
                    ReviewAssignment(
                        cycle=cycle, conversation=conversation, reviewer=reviewer, status=AssignmentStatus.REVIEWED
                    )
                )
                values = _ratings(rng, skill[agent.pk], criteria)
                result = scoring.score_review(spec, values)
                submitted = datetime.combine(start + timedelta(days=7 + rng.randint(0, 3)), time(10), tzinfo=team.zone)
                submitted = min(submitted, now - timedelta(hours=1))
                score = services.score_to_decimal(result.score)
                low = score is not None and score < Decimal(80)
                reviews.append(
                    Review(
                        conversation=conversation,
                        agent=agent,
                        reviewer=reviewer,
                        version=version,
                        status=ReviewStatus.SUBMITTED,
                        comment=rng.choice(OVERALL),
                        score=score,
                        critical_failed=result.critical_failed,
                        auto_failed=result.auto_failed,
                        submitted_at=submitted,
                        acknowledged_at=submitted + timedelta(hours=5) if rng.random() < 0.7 else None,
                        seconds_spent=rng.randint(240, 900),
                        coaching_reason="Scored under 80 %" if low else "",
                        coaching_flagged_at=submitted if low else None,
                    )
                )
                ratings.append((len(reviews) - 1, values))
        ReviewAssignment.objects.bulk_create(assignments)
        for review, assignment in zip(reviews, assignments, strict=True):
            review.assignment = assignment
        Review.objects.bulk_create(reviews)
        by_key = {criterion.key: criterion for criterion in criteria}
        Rating.objects.bulk_create(
            Rating(
                review=reviews[index],
                criterion=by_key[key],
                value=value,
                comment=rng.choice(COMMENTS[key]) if key in COMMENTS and rng.random() < 0.4 else "",
            )
            for index, values in ratings
            for key, value in values.items()
        )
        summary.reviews += len(reviews)
        cycle = services.sampling_cycle_open(rule=rule, day=today, seed=seed)
        waiting = cycle.assignments.count()
        summary.assigned += waiting
        say(f"  {team.name:<22} {len(reviews)} reviews by {reviewer.get_full_name()}, {waiting} waiting to review")
    return summary


@dataclass
class PeopleDemoSummary:
    """What the people demo seeding made."""

    series: int = 0
    meetings: int = 0
    reviews: int = 0
    plans: int = 0


@transaction.atomic
def seed_people(*, say: Say | None = None) -> PeopleDemoSummary:
    """For the demo `manager`: weekly 1:1s with three SG Chat agents (last week's held, with notes and action items;
    this week's with its agenda pre-filled), a review cycle for the half year with self reviews under way, and an
    improvement plan for the agent with the lowest IQS. Everything goes through the services."""
    from datetime import date as date_type

    from .models import ReviewQuestion, ReviewQuestionKind, ReviewTemplate

    say = say or (lambda message: None)
    summary = PeopleDemoSummary()
    manager = User.objects.filter(username="manager").first()
    team = Team.objects.filter(slug="sg-chat").first()
    if manager is None or team is None:
        return summary
    agents = list(Agent.objects.filter(team=team, status="active").select_related("user").order_by("pk")[:3])
    now = timezone.now()
    for index, agent in enumerate(agents):
        first = (
            (now - timedelta(days=7)).astimezone(agent.zone).replace(hour=10 + index, minute=0, second=0, microsecond=0)
        )
        series = services.series_start(manager=manager, agent=agent, first_at=first)
        held = series.meetings.get()
        services.talking_point_add(meeting=held, user=agent.user, text="Shadowing the refunds queue next month?")
        services.meeting_notes_save(
            meeting=held,
            user=manager,
            shared="Good week; refunds still slow. Agreed to pair on two refund cases.",
            private="Seems tired: check workload and time off next time.",
        )
        services.action_item_add(
            meeting=held, user=manager, text="Pair on two refund cases", owner=agent.user,
            due_date=now.date() + timedelta(days=3),
        )  # fmt: skip
        done = services.action_item_add(meeting=held, user=manager, text="Share the fee schedule link", owner=manager)
        services.action_item_complete(item=done, user=manager)
        services.meeting_complete(meeting=held, user=manager)
        summary.series += 1
        summary.meetings += series.meetings.count()
    template, _ = ReviewTemplate.objects.get_or_create(
        name="Support agent review",
        defaults={"rating_labels": ["Below", "Partly meets", "Meets", "Exceeds", "Far exceeds"]},
    )
    if not template.questions.exists():
        for position, (text, kind) in enumerate(
            [
                ("Quality of customer conversations", ReviewQuestionKind.RATING),
                ("Reliability and schedule adherence", ReviewQuestionKind.RATING),
                ("Teamwork", ReviewQuestionKind.RATING),
                ("What went well this period?", ReviewQuestionKind.TEXT),
                ("What will you focus on next?", ReviewQuestionKind.TEXT),
            ]
        ):
            ReviewQuestion.objects.create(template=template, text=text, kind=kind, position=position)
    today = timezone.localdate()
    half_start = date_type(today.year, 1 if today.month <= 6 else 7, 1)
    cycle = services.cycle_create(
        name=f"{'H1' if today.month <= 6 else 'H2'} {today.year} reviews",
        period_start=half_start,
        period_end=today,
        template=template,
        agents=agents,
        user=manager,
        self_review_due=today + timedelta(days=7),
        manager_review_due=today + timedelta(days=14),
    )
    services.cycle_open(cycle=cycle, user=manager)
    summary.reviews = cycle.reviews.count()
    questions = list(template.questions.order_by("position"))
    first_review = cycle.reviews.select_related("agent__user").order_by("agent_id").first()
    if first_review is not None:
        answers = [
            services.AnswerInput(
                question=question.pk,
                rating=4 if question.kind == ReviewQuestionKind.RATING else None,
                text="" if question.kind == ReviewQuestionKind.RATING else "Faster refunds; fewer reopened chats.",
            )
            for question in questions
        ]
        services.review_answers_save(review=first_review, user=first_review.agent.user, answers=answers, submit=True)
    lowest = (
        Review.objects.counted()
        .filter(agent__in=agents)
        .values("agent_id")
        .annotate(average=Avg("score"))
        .order_by("average")
        .first()
    )
    if lowest is not None:
        agent = next(agent for agent in agents if agent.pk == lowest["agent_id"])
        plan = services.plan_create(
            agent=agent,
            manager=manager,
            title="Lift conversation quality",
            start_date=today - timedelta(days=14),
            end_date=today + timedelta(days=42),
            goals=[services.GoalInput(metric="iqs", at_least=True, target=Decimal("85"), window_days=28)],
            user=manager,
        )
        services.plan_check_in(plan=plan, user=manager, note="Two coaching sessions done; accuracy improving.")
        summary.plans = 1
    say(
        f"  SG Chat: {summary.series} 1:1 series, a review cycle with {summary.reviews} reviews, "
        f"{summary.plans} improvement plan"
    )
    return summary
