"""The sampling services of conversation QA: cycle periods in the team's zone, candidates, a deterministic draw
(random or stratified by queue), reviewers balanced against their goals, cycles opened once per period, and
assignments removed or replaced with a reason.

Decisions (see docs/qa-sampling.md):

- A cycle opened on a day samples the PREVIOUS completed period (a weekly cycle opened on Monday samples last week's
  conversations), so reviewers always work on finished conversations. The period's instants run from local
  midnight to local midnight in the team's zone (DST-safe).
- Fortnights are two-week blocks counted from Monday 2024-01-01.
- Each agent's draw uses its own random stream derived from the cycle seed and the agent's id, over candidates
  sorted by id: one agent's volume never changes another agent's sample, and the same seed always draws the same
  sample.
- A reviewer at their goal still gets work, but only when no eligible reviewer is below their goal.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from supportops import access
from supportops.choices import AgentStatus, Channel
from supportops.models import Conversation, ConversationMessage, Queue, Team

from ..models import (
    AssignmentStatus,
    Cadence,
    QASettings,
    Review,
    ReviewAssignment,
    ReviewerGoal,
    ReviewKind,
    SamplingCycle,
    SamplingMethod,
    SamplingRule,
    is_qa_lead,
)

__all__ = [
    "DEFAULT_REVIEWER_GOAL",
    "FORTNIGHT_ANCHOR",
    "CycleOutcome",
    "ReviewerGoalInput",
    "ReviewerSlot",
    "SampleCandidate",
    "assignment_remove",
    "assignment_replace",
    "balance_reviewers",
    "cycle_bounds",
    "draw_sample",
    "due_period",
    "period_instants",
    "review_assignment_list",
    "sampling_candidates",
    "sampling_cycle_list",
    "sampling_cycle_open",
    "sampling_cycles_open_due",
    "sampling_rule_create",
    "sampling_rule_delete",
    "sampling_rule_errors",
    "sampling_rule_list",
    "sampling_rule_update",
]

FORTNIGHT_ANCHOR = date(2024, 1, 1)  # a Monday: fortnights are the two-week blocks counted from it
DEFAULT_REVIEWER_GOAL = 20  # per cycle, for a team's QA reviewers when the rule names none

# --- periods --------------------------------------------------------------------------------------------------------


def cycle_bounds(rule: SamplingRule | str, day: date) -> tuple[date, date]:
    """The local period (first day, last day inclusive) of the rule's cadence (or a ``Cadence`` value) that contains
    ``day``: the day; its Monday-Sunday week; its fortnight counted from Monday 2024-01-01; its calendar month."""
    cadence = rule if isinstance(rule, str) else rule.cadence
    if cadence == Cadence.DAILY:
        return day, day
    if cadence == Cadence.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if cadence == Cadence.FORTNIGHTLY:
        start = FORTNIGHT_ANCHOR + timedelta(days=14 * ((day - FORTNIGHT_ANCHOR).days // 14))
        return start, start + timedelta(days=13)
    if cadence == Cadence.MONTHLY:
        start = day.replace(day=1)
        next_month = (start + timedelta(days=32)).replace(day=1)
        return start, next_month - timedelta(days=1)
    raise ValueError(f"Unknown cadence {cadence!r}.")


def due_period(rule: SamplingRule | str, day: date) -> tuple[date, date]:
    """The period a cycle opened on ``day`` samples: the one that ended just before ``day``'s period began."""
    start, _ = cycle_bounds(rule, day)
    return cycle_bounds(rule, start - timedelta(days=1))


def period_instants(team: Team, period_start: date, period_end: date) -> tuple[datetime, datetime]:
    """The aware instants [start, end) of local dates ``period_start``..``period_end`` (inclusive) in the team's
    zone: local midnight to the local midnight after the last day, whatever DST does in between."""
    zone = team.zone
    start = datetime.combine(period_start, time.min, tzinfo=zone)
    end = datetime.combine(period_end + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _local_today(team: Team) -> date:
    return timezone.now().astimezone(team.zone).date()


# --- the pure draw and balance --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleCandidate:
    """A conversation that may be sampled: its id, its agent (and the agent's login) and its queue."""

    conversation_id: int
    agent_id: int
    agent_user_id: int
    queue_id: int | None


@dataclass(frozen=True)
class ReviewerSlot:
    """A reviewer and their goal (conversations per cycle)."""

    reviewer_id: int
    goal: int


def _agent_stream(seed: int, agent_id: int, salt: str = "") -> random.Random:
    # A string seed is hashed with SHA-512 by ``random``: stable across runs and Python processes.
    return random.Random(f"{seed}:{agent_id}{salt}")


def _largest_remainder(sizes: dict[Any, int], total: int) -> dict[Any, int]:
    """Split ``total`` seats across groups in proportion to ``sizes``: floors first, then one more seat each for the
    largest remainders (ties by the group key's order). Assumes total ≤ sum(sizes)."""
    volume = sum(sizes.values())
    seats = {key: total * size // volume for key, size in sizes.items()}
    left = total - sum(seats.values())
    by_remainder = sorted(sizes, key=lambda key: (-(total * sizes[key] % volume), _sort_key(key)))
    for key in by_remainder[:left]:
        seats[key] += 1
    return seats


def _sort_key(queue_id: int | None) -> int:
    return -1 if queue_id is None else queue_id


def draw_sample(
    candidates: Iterable[SampleCandidate], *, seed: int, per_agent: int, method: str = SamplingMethod.RANDOM
) -> list[SampleCandidate]:
    """Up to ``per_agent`` candidates per agent, deterministic for a seed; sorted by conversation id.

    Random: ``random.Random`` seeded from (seed, agent id) samples the agent's candidates sorted by id. Stratified:
    the agent's N is split across their queues in proportion to each queue's volume (largest remainder; e.g. 6 of
    queue A and 2 of queue B with N = 4 gives 3 and 1), then drawn at random within each queue (queues in id order,
    no queue first). An agent with N or fewer candidates gives all of them.
    """
    by_agent: dict[int, list[SampleCandidate]] = defaultdict(list)
    for candidate in candidates:
        by_agent[candidate.agent_id].append(candidate)
    drawn: list[SampleCandidate] = []
    for agent_id in sorted(by_agent):
        pool = sorted(by_agent[agent_id], key=lambda candidate: candidate.conversation_id)
        if len(pool) <= per_agent:
            drawn.extend(pool)
            continue
        stream = _agent_stream(seed, agent_id)
        if method != SamplingMethod.STRATIFIED:
            drawn.extend(stream.sample(pool, per_agent))
            continue
        by_queue: dict[int | None, list[SampleCandidate]] = defaultdict(list)
        for candidate in pool:
            by_queue[candidate.queue_id].append(candidate)
        seats = _largest_remainder({queue: len(rows) for queue, rows in by_queue.items()}, per_agent)
        for queue_id in sorted(by_queue, key=_sort_key):
            drawn.extend(stream.sample(by_queue[queue_id], seats[queue_id]))
    return sorted(drawn, key=lambda candidate: candidate.conversation_id)


def balance_reviewers(sample: Sequence[SampleCandidate], reviewers: Sequence[ReviewerSlot]) -> dict[int, int | None]:
    """Conversation id → reviewer id (None when no reviewer is eligible), in the sample's order.

    A reviewer is eligible unless they handled the conversation (it is their own agent's). Each conversation goes
    to the eligible reviewer below their goal with the lowest assigned/goal ratio (ties by reviewer id); when every
    eligible reviewer is at or over their goal, to the one with the lowest ratio among them.
    """
    assigned = {slot.reviewer_id: 0 for slot in reviewers}
    result: dict[int, int | None] = {}
    for candidate in sample:
        eligible = [slot for slot in reviewers if slot.reviewer_id != candidate.agent_user_id]
        below = [slot for slot in eligible if assigned[slot.reviewer_id] < slot.goal]
        pool = below or eligible
        if not pool:
            result[candidate.conversation_id] = None
            continue
        chosen = min(pool, key=lambda slot: (Fraction(assigned[slot.reviewer_id], slot.goal), slot.reviewer_id))
        assigned[chosen.reviewer_id] += 1
        result[candidate.conversation_id] = chosen.reviewer_id
    return result


# --- candidates -----------------------------------------------------------------------------------------------------


def sampling_candidates(
    *, rule: SamplingRule, period_start: date, period_end: date, cycle: SamplingCycle | None = None
) -> list[SampleCandidate]:
    """Conversations of the rule's team's agents (not exited) created in the local period, matching the rule's
    filters, not assigned in any cycle other than ``cycle`` and without a standard review; sorted by id.

    Filters: channels (the queue's channel), queues, CSAT at most (no CSAT: left out), handle time between min and
    max (no handle time: left out when either is set), tags (any of them; matched in Python, as SQLite has no JSON
    containment), and, when the rule asks for it, a transcript (at least one message).
    """
    start, end = period_instants(rule.team, period_start, period_end)
    elsewhere = ReviewAssignment.objects.filter(conversation=OuterRef("pk"))
    if cycle is not None:
        elsewhere = elsewhere.exclude(cycle=cycle)
    reviewed = Review.objects.filter(conversation=OuterRef("pk"), kind=ReviewKind.STANDARD)
    rows = (
        Conversation.objects.filter(agent__team_id=rule.team_id, created_at__gte=start, created_at__lt=end)
        .exclude(agent__status=AgentStatus.EXITED)
        .exclude(Exists(elsewhere))
        .exclude(Exists(reviewed))
    )
    if rule.channels:
        rows = rows.filter(queue__channel__in=rule.channels)
    queue_ids = [queue.pk for queue in rule.queues.all()] if rule.pk else []
    if queue_ids:
        rows = rows.filter(queue_id__in=queue_ids)
    if rule.csat_max is not None:
        rows = rows.filter(csat_score__lte=rule.csat_max)
    if rule.handle_time_min_seconds is not None:
        rows = rows.filter(handle_time_seconds__gte=rule.handle_time_min_seconds)
    if rule.handle_time_max_seconds is not None:
        rows = rows.filter(handle_time_seconds__lte=rule.handle_time_max_seconds)
    if rule.require_transcript:
        rows = rows.filter(Exists(ConversationMessage.objects.filter(conversation=OuterRef("pk"))))
    wanted_tags = set(rule.tags or [])
    return [
        SampleCandidate(conversation_id=pk, agent_id=agent_id, agent_user_id=user_id, queue_id=queue_id)
        for pk, agent_id, user_id, queue_id, tags in rows.order_by("pk").values_list(
            "pk", "agent_id", "agent__user_id", "queue_id", "tags"
        )
        if not wanted_tags or wanted_tags & set(tags if isinstance(tags, list) else [])
    ]


def _reviewer_slots(rule: SamplingRule) -> list[ReviewerSlot]:
    goals = [
        ReviewerSlot(reviewer_id=goal.reviewer_id, goal=goal.goal)
        for goal in ReviewerGoal.objects.filter(rule=rule, reviewer__is_active=True).order_by("reviewer_id")
    ]
    if goals:
        return goals
    reviewers = rule.team.qa_reviewers.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    return [ReviewerSlot(reviewer_id=pk, goal=DEFAULT_REVIEWER_GOAL) for pk in reviewers]


# --- cycles ---------------------------------------------------------------------------------------------------------


def _check_lead(user: Any, team_id: int, action: str) -> None:
    if user is not None and not is_qa_lead(user, team_id):
        raise PermissionDenied(f"Only a QA lead of the team or an admin may {action}.")


def _open(*, rule: SamplingRule, day: date | None, user: Any, seed: int | None) -> tuple[SamplingCycle, bool]:
    _check_lead(user, rule.team_id, "open a sampling cycle")
    today = _local_today(rule.team)
    day = day or today
    period_start, period_end = due_period(rule, day)
    with transaction.atomic():
        # The rule's row lock keeps two openings of the same period from racing (PostgreSQL).
        SamplingRule.objects.select_for_update().filter(pk=rule.pk).first()
        existing = SamplingCycle.objects.filter(rule=rule, period_start=period_start).first()
        if existing is not None:
            return existing, False
        if not rule.is_active:
            raise ValidationError({"rule": f"“{rule.name}” is paused: activate it to open a cycle."})
        if period_end >= today:
            raise ValidationError({"day": f"The period {period_start} to {period_end} has not ended yet."})
        reviewers = _reviewer_slots(rule)
        if not reviewers:
            raise ValidationError(
                {"reviewer_goals": f"“{rule.name}” has no reviewers: add reviewer goals or QA reviewers to the team."}
            )
        cycle = SamplingCycle.objects.create(
            rule=rule,
            period_start=period_start,
            period_end=period_end,
            seed=secrets.randbits(62) if seed is None else seed,
        )
        candidates = sampling_candidates(rule=rule, period_start=period_start, period_end=period_end, cycle=cycle)
        sample = draw_sample(candidates, seed=cycle.seed, per_agent=rule.per_agent, method=rule.method)
        owners = balance_reviewers(sample, reviewers)
        ReviewAssignment.objects.bulk_create(
            [
                ReviewAssignment(cycle=cycle, conversation_id=candidate.conversation_id, reviewer_id=reviewer_id)
                for candidate in sample
                if (reviewer_id := owners[candidate.conversation_id]) is not None
            ]
        )
    return cycle, True


def sampling_cycle_open(
    *, rule: SamplingRule, day: date | None = None, user: Any = None, seed: int | None = None
) -> SamplingCycle:
    """Open the cycle a rule has due on ``day`` (default: today in the team's zone) — the previous completed period
    — drawing its sample and giving it to reviewers in one transaction; return the existing cycle untouched when
    that period already has one. ``user`` None is the scheduler; a person must be a QA lead of the team or an
    admin. ``seed`` (tests) replaces the stored random 62-bit seed. Refuses a paused rule, a period not yet over
    and a rule without reviewers."""
    cycle, _ = _open(rule=rule, day=day, user=user, seed=seed)
    return cycle


@dataclass(frozen=True)
class CycleOutcome:
    """What opening one rule's due cycle did: ``opened`` (new), the cycle (None when refused) and why it was
    refused."""

    rule: SamplingRule
    cycle: SamplingCycle | None
    opened: bool
    assignments: int = 0
    error: str = ""


def sampling_cycles_open_due(
    *, rules: Iterable[SamplingRule] | None = None, day: date | None = None
) -> list[CycleOutcome]:
    """Open the due cycle of every active rule (or of the rules given, active or not refused as paused), each as
    of ``day`` or today in its team's zone; idempotent, and one rule's refusal does not stop the others."""
    if rules is None:
        rules = SamplingRule.objects.filter(is_active=True).select_related("team__market").order_by("team", "name")
    outcomes: list[CycleOutcome] = []
    for rule in rules:
        try:
            cycle, opened = _open(rule=rule, day=day, user=None, seed=None)
        except ValidationError as error:
            outcomes.append(CycleOutcome(rule=rule, cycle=None, opened=False, error=" ".join(error.messages)))
            continue
        outcomes.append(CycleOutcome(rule=rule, cycle=cycle, opened=opened, assignments=cycle.assignments.count()))
    return outcomes


# --- assignments ----------------------------------------------------------------------------------------------------


def _check_assignment_change(assignment: ReviewAssignment, reason: str, user: Any) -> str:
    team_id = assignment.cycle.rule.team_id
    if assignment.reviewer_id != getattr(user, "pk", None) and not is_qa_lead(user, team_id):
        raise PermissionDenied("Only the assignment's reviewer, a QA lead of the team or an admin may change it.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    if len(reason) > 300:
        raise ValidationError({"reason": "Keep the reason to 300 characters."})
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise ValidationError(
            {"assignment": f"This assignment is {assignment.get_status_display().lower()}: only one to review changes."}
        )
    return reason


def _locked(assignment: ReviewAssignment) -> ReviewAssignment:
    return (
        ReviewAssignment.objects.select_for_update(of=("self",))
        .select_related("cycle__rule__team__market", "conversation__agent__user")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def assignment_remove(*, assignment: ReviewAssignment, reason: str, user: Any) -> ReviewAssignment:
    """Take a sampled conversation out of the reviewer's queue with a reason (the reviewer, a QA lead of the team or
    an admin; only while it is to review)."""
    assignment = _locked(assignment)
    assignment.reason = _check_assignment_change(assignment, reason, user)
    assignment.status = AssignmentStatus.REMOVED
    assignment.save(update_fields=["status", "reason"])
    return assignment


@transaction.atomic
def assignment_replace(*, assignment: ReviewAssignment, reason: str, user: Any) -> ReviewAssignment:
    """Replace a sampled conversation with another of the same agent in the same period matching the rule, for the
    same reviewer; deterministic from the cycle seed and the assignment id (a stratified rule prefers the same
    queue). Returns the new assignment; the old one is marked replaced and linked to it."""
    assignment = _locked(assignment)
    reason = _check_assignment_change(assignment, reason, user)
    cycle = assignment.cycle
    agent = assignment.conversation.agent
    in_cycle = set(cycle.assignments.values_list("conversation_id", flat=True))
    pool = [
        candidate
        for candidate in sampling_candidates(
            rule=cycle.rule, period_start=cycle.period_start, period_end=cycle.period_end, cycle=cycle
        )
        if agent is not None and candidate.agent_id == agent.pk and candidate.conversation_id not in in_cycle
    ]
    if cycle.rule.method == SamplingMethod.STRATIFIED:
        same_queue = [candidate for candidate in pool if candidate.queue_id == assignment.conversation.queue_id]
        pool = same_queue or pool
    if not pool:
        who = agent.display_name if agent is not None else "this agent"
        raise ValidationError(
            {"assignment": f"No other conversation of {who} in this cycle's period matches the rule: remove it."}
        )
    chosen = _agent_stream(cycle.seed, assignment.pk, ":replace").choice(pool)
    replacement = ReviewAssignment.objects.create(
        cycle=cycle, conversation_id=chosen.conversation_id, reviewer_id=assignment.reviewer_id
    )
    assignment.status = AssignmentStatus.REPLACED
    assignment.reason = reason
    assignment.replaced_by = replacement
    assignment.save(update_fields=["status", "reason", "replaced_by"])
    return replacement


# --- rules ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerGoalInput:
    """A reviewer of a rule (user id) and their goal per cycle."""

    reviewer_id: int
    goal: int = DEFAULT_REVIEWER_GOAL


_RULE_FIELDS = (
    "name",
    "cadence",
    "per_agent",
    "method",
    "channels",
    "csat_max",
    "handle_time_min_seconds",
    "handle_time_max_seconds",
    "tags",
    "require_transcript",
    "is_active",
)


def sampling_rule_errors(rule: SamplingRule) -> dict[str, list[str]]:
    """What is wrong with a rule's own fields, by field (also used by the admin form)."""
    errors: dict[str, list[str]] = {}
    channels = rule.channels
    if not isinstance(channels, list) or not all(isinstance(value, str) for value in channels):
        errors["channels"] = ["Give a list of channels."]
    elif unknown := [value for value in channels if value not in Channel.values]:
        errors["channels"] = [f"Unknown channel {unknown[0]!r}: use {', '.join(Channel.values)}."]
    tags = rule.tags
    if not isinstance(tags, list) or not all(isinstance(value, str) and value.strip() for value in tags):
        errors["tags"] = ["Give tags as a list of non-empty texts."]
    low, high = rule.handle_time_min_seconds, rule.handle_time_max_seconds
    if low is not None and high is not None and low > high:
        errors["handle_time_min_seconds"] = ["The minimum handle time cannot be above the maximum."]
    if rule.per_agent is not None and not 1 <= rule.per_agent <= 100:
        errors["per_agent"] = ["Sample between 1 and 100 conversations per agent."]
    return errors


def _check_goals(team: Team, goals: Sequence[ReviewerGoalInput]) -> None:
    ids = [goal.reviewer_id for goal in goals]
    if len(ids) != len(set(ids)):
        raise ValidationError({"reviewer_goals": "Name each reviewer once."})
    if any(goal.goal < 1 for goal in goals):
        raise ValidationError({"reviewer_goals": "A goal is at least 1 conversation per cycle."})
    allowed = set(team.qa_reviewers.filter(is_active=True).values_list("pk", flat=True))
    allowed |= set(QASettings.objects.filter(team=team, leads__is_active=True).values_list("leads", flat=True))
    refused = sorted(set(ids) - allowed)
    if refused:
        raise ValidationError({"reviewer_goals": f"User {refused[0]} is not a QA reviewer or QA lead of {team.name}."})


def _save_rule(
    rule: SamplingRule, *, queues: Sequence[Queue] | None, reviewer_goals: Sequence[ReviewerGoalInput] | None
) -> SamplingRule:
    errors = sampling_rule_errors(rule)
    taken = SamplingRule.objects.filter(team_id=rule.team_id, name=rule.name).exclude(pk=rule.pk).exists()
    if taken:
        errors["name"] = [f"{rule.team.name} already has a sampling rule named “{rule.name}”."]
    try:
        rule.full_clean(exclude=list(errors))
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if reviewer_goals is not None:
        _check_goals(rule.team, reviewer_goals)
    rule.save()
    if queues is not None:
        rule.queues.set(queues)
    if reviewer_goals is not None:
        rule.reviewer_goals.exclude(reviewer_id__in=[goal.reviewer_id for goal in reviewer_goals]).delete()
        for goal in reviewer_goals:
            ReviewerGoal.objects.update_or_create(rule=rule, reviewer_id=goal.reviewer_id, defaults={"goal": goal.goal})
    return rule


@transaction.atomic
def sampling_rule_create(
    *,
    team: Team,
    user: Any,
    queues: Sequence[Queue] = (),
    reviewer_goals: Sequence[ReviewerGoalInput] = (),
    **fields: Any,
) -> SamplingRule:
    """A new sampling rule of the team (a QA lead of the team or an admin); fields are the rule's own
    (name, cadence, per_agent, method, channels, csat_max, handle times, tags, is_active)."""
    _check_lead(user, team.pk, "change sampling rules")
    unknown = sorted(set(fields) - set(_RULE_FIELDS))
    if unknown:
        raise ValueError(f"Unknown sampling rule fields: {', '.join(unknown)}.")
    return _save_rule(SamplingRule(team=team, **fields), queues=queues, reviewer_goals=reviewer_goals)


@transaction.atomic
def sampling_rule_update(
    *,
    rule: SamplingRule,
    user: Any,
    queues: Sequence[Queue] | None = None,
    reviewer_goals: Sequence[ReviewerGoalInput] | None = None,
    **fields: Any,
) -> SamplingRule:
    """Change a rule's fields, and its queues and reviewer goals when given (replacing them); open cycles keep
    their sample."""
    _check_lead(user, rule.team_id, "change sampling rules")
    unknown = sorted(set(fields) - set(_RULE_FIELDS))
    if unknown:
        raise ValueError(f"Unknown sampling rule fields: {', '.join(unknown)}.")
    for name, value in fields.items():
        setattr(rule, name, value)
    return _save_rule(rule, queues=queues, reviewer_goals=reviewer_goals)


@transaction.atomic
def sampling_rule_delete(*, rule: SamplingRule, user: Any) -> None:
    """Delete a rule that never opened a cycle; one with cycles is paused instead (its history stays)."""
    _check_lead(user, rule.team_id, "change sampling rules")
    cycles = rule.cycles.count()
    if cycles:
        raise ValidationError(
            {"rule": f"“{rule.name}” has {cycles} cycle(s) with their assignments: pause it (is_active) instead."}
        )
    rule.delete()


# --- reads ----------------------------------------------------------------------------------------------------------


def _visible_team_ids(user: Any) -> Q:
    """Teams whose sampling a non-admin sees: managed, reviewed (QA reviewer of the team) or led."""
    condition = Q(pk__in=QASettings.objects.filter(leads=user).values("team_id"))
    if access.is_manager(user):
        condition |= Q(managers=user)
    if access.is_qa_reviewer(user):
        condition |= Q(qa_reviewers=user)
    return condition


def _rules_visible_to(user: Any) -> QuerySet[SamplingRule]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return SamplingRule.objects.none()
    if access.is_admin(user):
        return SamplingRule.objects.all()
    return SamplingRule.objects.filter(team_id__in=Team.objects.filter(_visible_team_ids(user)).values("pk"))


def sampling_rule_list(*, user: Any) -> QuerySet[SamplingRule]:
    """Rules the user may see (admins: all; managers, QA reviewers and QA leads: their teams'), with their team,
    queues and reviewer goals."""
    return (
        _rules_visible_to(user)
        .select_related("team")
        .prefetch_related(
            "queues", Prefetch("reviewer_goals", queryset=ReviewerGoal.objects.select_related("reviewer"))
        )
        .order_by("team__name", "name")
    )


def sampling_cycle_list(*, user: Any) -> QuerySet[SamplingCycle]:
    """Cycles of the rules the user may see, newest first, with their assignment counts by status."""
    return (
        SamplingCycle.objects.filter(rule__in=_rules_visible_to(user).values("pk"))
        .select_related("rule__team")
        .annotate(
            assignment_count=Count("assignments"),
            assigned_count=Count("assignments", filter=Q(assignments__status=AssignmentStatus.ASSIGNED)),
            reviewed_count=Count("assignments", filter=Q(assignments__status=AssignmentStatus.REVIEWED)),
        )
        .order_by("-period_start", "rule__name", "pk")
    )


def review_assignment_list(*, user: Any) -> QuerySet[ReviewAssignment]:
    """Assignments the user may see: their own; QA leads (and admins) their teams' (all); managers their teams'
    (read-only). Agents see none. With the conversation, its agent and queue, the reviewer and the cycle."""
    rows = ReviewAssignment.objects.select_related(
        "conversation__queue", "conversation__agent__user", "reviewer", "cycle__rule__team"
    ).order_by("-cycle__period_start", "reviewer__username", "pk")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return rows.none()
    if access.is_admin(user):
        return rows
    condition = Q(reviewer=user) | Q(cycle__rule__team_id__in=QASettings.objects.filter(leads=user).values("team_id"))
    if access.is_manager(user):
        condition |= Q(cycle__rule__team_id__in=Team.objects.filter(managers=user).values("pk"))
    return rows.filter(condition)
