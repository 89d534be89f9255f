"""Schedule optimizer: assigns named agents to shifts and places their breaks, on OR-Tools CP-SAT.

Pure module (no Django): plain values and frozen dataclasses in, frozen dataclasses out.

Time is a horizon of ``slot_count`` equal slots of ``slot_minutes`` (the team's 15- or 30-minute grid,
walked in UTC so DST days simply have more or fewer slots); slot ``i`` covers
``[i * slot_minutes, (i + 1) * slot_minutes)`` from the horizon start. A horizon is normally one local week
plus the hours a shift that starts late on its last day may run into the next week. Days are numbered
``0 .. day_count - 1`` (local days, Monday first for a week).

The caller turns templates and rules into :class:`ShiftOption` (a template started at one slot of one day)
and agents into :class:`AgentSpec` (which slots they cannot work, which groups they may cover, their weekly
paid-time range, ...). A *group* is what coverage is counted against: a queue or skill group; an agent on a
shift covers exactly one of their groups for the whole shift, except during breaks and fixed off-queue
activities.

Objective (all integers, minimised), with :class:`Weights`:
    under_coverage * Σ_{group, slot} max(0, required - covered)
  + over_coverage  * Σ_{group, slot} max(0, covered - required)
  + preference     * (unpreferred slots worked + preferred slots not worked, per agent)
  + fairness       * (night shifts and weekend days above each agent's fair share)
  + stability      * (days whose shift start differs from last week's, when last week worked that day)

Precisely: a shift's worked slots are its whole span (breaks included) for preferences; the fair share of
night shifts is ceil(night shifts in the schedule / agents who could work one), and likewise for shifts on
``weekend_days``; a day in ``previous_starts`` costs one unless the agent works an option starting at exactly
that slot that day (working another start, or not working, both count as a change).

Hard rules: an agent works only options whose every slot is available and on at most one option per day;
consecutive shifts are at least ``min_rest_slots`` apart (end to start), also against ``earliest_start`` /
``latest_end`` (last week's and next week's fixed shifts); paid slots within ``[min_paid_slots,
max_paid_slots]`` (the minimum is relaxed to what availability allows, and reported); at most ``max_days``
days and ``max_consecutive_days`` in a row (counting ``consecutive_days_before``); each break is placed
wholly inside its window and not on an off-queue slot; at most ``max_simultaneous_breaks`` agents on a
break or lunch in any slot. The breaks of one shift do not overlap and are taken in the order of their
windows. "What availability allows" is the most paid time the agent could work alone under all these rules.

How ``solve`` works (it scales to 1,000 agents × 7 days × 15-minute slots on two cores):

1. **Count plan** (CP-SAT, at most 30 % of the time): integer counts n[g, o] of agents covering group g on
   option o, with each break's placement as counts per offset (Σ over offsets = n), coverage, under/over cost
   and the simultaneous-break limit exactly as in the named problem, plus every agent rule in aggregate form
   (agents able to work each day, total paid time between Σ minimum and Σ maximum, total days, days in every
   window of consecutive days, late-then-early pairs against the rest rule, "week shape" cuts bounding how many
   shifts of each paid length agents who must reach their minimum can take) and off-queue activities as an
   optional loss of coverage. Every named schedule yields counts that satisfy this model, so its optimum — and
   CP-SAT's proven bound on it, which is what is kept — is a **lower bound of the coverage cost of any
   schedule**, hence of the full objective (the other terms are never negative). That is ``lower_bound``. It
   is not the optimum of the named problem: where agents' own rules bite (say, a plan full of short shifts that
   no agent can combine into their minimum hours) the true optimum lies above it and the reported gap
   overstates the distance to it.
2. **Construction**: the plan is filled day by day, each day an assignment problem (``linear_sum_assignment``)
   of the planned shifts to the agents allowed to take them (availability, group, rest after their previous
   shift, days, days in a row, maximum paid time), preferring agents behind on their minimum hours and adding
   each agent's own costs; an agent still short of their minimum is completed by the options covering the most
   uncovered requirement, or re-planned alone by a small CP-SAT model. It is run twice, the second time with
   each agent steered to a week shape (shifts per paid length) chosen so the shapes add up to the plan, and the
   better result (after placing breaks) is kept.
3. **Improvement** (large-neighbourhood search): a CP-SAT model of the whole problem in which only some agents
   are free — a random set over the whole week, or a larger one over two or three consecutive days — while the
   other shifts are constants; coverage is counted through per-(group, option) counts so the model stays small,
   and breaks are placed again. The model gets the current schedule as a complete hint (breaks of changed
   counts water-filled where fewest agents are on a break) and its result is kept when not worse. Here the
   simultaneous-break limit is a heavy cost per agent-slot above it (a schedule still above it at the end is
   not returned). Sets grow when solved to optimality quickly and shrink otherwise. When the set is every agent
   over the whole week the model is the whole problem: an ``OPTIMAL`` answer proves the schedule optimal and its
   bound improves ``lower_bound``. The search stops at the time limit (2 % of it is kept back to build the
   result), at a proof, or once the gap is at most ``gap_limit``.
4. **Breaks**: a shift's break counts per offset are handed to the agents on that (group, option) in sorted
   order; an agent with an off-queue activity inside an option has their own break variables instead.

The objective is recomputed from the final assignments (the same function the tests use), ``gap`` is
``(objective - lower_bound) / objective``. Status is ``OPTIMAL`` when the objective meets the bound,
``FEASIBLE`` otherwise, ``INFEASIBLE`` when the count plan (a relaxation) is infeasible, ``UNKNOWN`` when no
schedule keeping every hard rule was found in time and ``MODEL_INVALID`` for an invalid problem (reasons in the
notes). Runs are reproducible for a given seed and worker count when every
CP-SAT call finishes inside its limit (small problems); under a time limit the best schedule found depends on
how far the search got.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linear_sum_assignment

ProgressCallback = Callable[[float, str], None]


class BreakKind:
    """The kinds of break a shift template may ask for."""

    BREAK = "break"  # short and paid
    LUNCH = "lunch"  # longer and usually unpaid


@dataclass(frozen=True)
class BreakSpec:
    """One break a shift needs: its length and the window (offsets from the shift start) its start must fall in.

    All values are in slots. ``earliest_start`` and ``latest_start`` are inclusive offsets from the first slot of
    the shift.
    """

    kind: str
    length: int
    earliest_start: int
    latest_start: int


@dataclass(frozen=True)
class ShiftOption:
    """One way to work one day: a shift template started at a given slot.

    ``slots`` ``start .. start + length - 1`` are worked (breaks included); ``paid_slots`` count towards contracted
    hours (``length`` minus unpaid lunch). ``key`` is opaque to the optimizer and returned in the assignment.
    """

    key: str
    day: int
    start: int
    length: int
    paid_slots: int
    breaks: tuple[BreakSpec, ...] = ()
    is_night: bool = False


@dataclass(frozen=True)
class AgentSpec:
    """A named agent and every rule that is theirs alone. Slot sets use horizon slot indexes.

    ``earliest_start`` is the first slot a shift may start (the caller adds the rest to last week's last shift
    end) and ``latest_end`` the slot by which every shift must have ended (next week's first fixed shift start
    minus the rest), exclusive. ``off_queue`` slots are fixed activities (training, 1:1s): a shift may contain
    them but they cover nothing and hold no break. ``previous_starts`` maps a day to the slot at which last
    week's shift on the same weekday would start in this horizon. ``excluded_options`` are option keys this agent
    may not work for reasons slots cannot say (a booked activity the shift would only partly hold).
    """

    key: str
    groups: tuple[str, ...]
    min_paid_slots: int
    max_paid_slots: int
    max_days: int = 5
    max_consecutive_days: int = 5
    unavailable: frozenset[int] = frozenset()
    off_queue: frozenset[int] = frozenset()
    preferred: frozenset[int] = frozenset()
    unpreferred: frozenset[int] = frozenset()
    earliest_start: int = 0
    latest_end: int | None = None
    consecutive_days_before: int = 0
    previous_starts: Mapping[int, int] = field(default_factory=dict)
    excluded_options: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rules:
    """Rules that apply to everyone in the problem (slots)."""

    min_rest_slots: int
    max_simultaneous_breaks: int | None = None
    # Agents outside the problem already on a break per slot (shifts fixed beforehand); they count towards
    # the simultaneous-break limit. Shorter than the horizon means zero for the remaining slots.
    breaks_taken: tuple[int, ...] = ()


@dataclass(frozen=True)
class Weights:
    """Costs per unit of each soft goal; see the module docstring for the units."""

    under_coverage: int = 100
    over_coverage: int = 5
    preference: int = 10
    fairness: int = 20
    stability: int = 5


@dataclass(frozen=True)
class Problem:
    """Everything the optimizer needs for one team and week."""

    slot_minutes: int
    slot_count: int
    day_count: int
    requirement: Mapping[str, tuple[int, ...]]
    options: tuple[ShiftOption, ...]
    agents: tuple[AgentSpec, ...]
    rules: Rules
    weights: Weights = Weights()
    weekend_days: frozenset[int] = frozenset({5, 6})


@dataclass(frozen=True)
class PlacedBreak:
    """A break placed in a shift: its kind, first slot (horizon index) and length in slots."""

    kind: str
    start: int
    length: int


@dataclass(frozen=True)
class Assignment:
    """One agent working one option, covering one group, with breaks placed."""

    agent: str
    option: str
    group: str
    breaks: tuple[PlacedBreak, ...] = ()


@dataclass(frozen=True)
class Report:
    """How good the schedule is and how sure the solver is about it.

    Coverage figures are agent-hours. ``lower_bound`` is a proven lower bound of ``objective`` (same units);
    ``gap`` is ``(objective - lower_bound) / objective`` (0 when the objective is 0).
    """

    status: str
    solve_seconds: float
    objective: float
    lower_bound: float
    gap: float
    required_hours: float
    scheduled_hours: float
    under_coverage_hours: float
    over_coverage_hours: float
    preference_violations: int
    unmet_minimum_hours: Mapping[str, float]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Solution:
    """The assignments, the coverage they give per group and slot, and the report."""

    assignments: tuple[Assignment, ...]
    coverage: Mapping[str, tuple[int, ...]]
    report: Report


# --------------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------------


def solve(
    problem: Problem,
    *,
    time_limit_seconds: float = 30.0,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    seed: int = 0,
    gap_limit: float = 0.0,
) -> Solution:
    """Find the best schedule within the time limit (the best found so far when the limit is hit).

    Runs the stages of the module docstring; ``workers`` is CP-SAT's worker count, ``seed`` fixes the solver's and
    the neighbourhood choice's randomness, and the search stops early once ``(objective - lower_bound) /
    objective <= gap_limit`` (0: only at a proof of optimality or the time limit). ``progress(fraction, message)``
    is called between stages and after every improvement (at most four times a second). An invalid problem is not
    raised: the solution is empty with status ``MODEL_INVALID`` and the reasons in ``report.notes``.
    """
    started = time.perf_counter()
    clock = _Clock(started, max(0.1, float(time_limit_seconds)), progress)
    try:
        prep = _prepare(problem)
    except _InvalidProblemError as error:
        return _empty_solution(problem, "MODEL_INVALID", started, tuple(error.reasons))
    clock.report(0.0, "Preparing the agents' options")
    search = _Search(prep, clock, max(1, int(workers)), seed, gap_limit=max(0.0, gap_limit))
    return search.run()


@dataclass(frozen=True)
class CountPlan:
    """The count-level stage alone: agents per (group, option key), its coverage cost and CP-SAT's proven bound.

    ``objective`` and ``lower_bound`` are in the units of the objective (coverage terms only); the bound is a
    lower bound of the full objective of any schedule of the problem.
    """

    status: str
    solve_seconds: float
    objective: float
    lower_bound: float
    counts: Mapping[tuple[str, str], int]


def plan(problem: Problem, *, time_limit_seconds: float = 30.0, workers: int = 2, seed: int = 0) -> CountPlan:
    """Run only the count-level stage (stage 1 of the module docstring) with the whole time limit."""
    started = time.perf_counter()
    try:
        prep = _prepare(problem)
    except _InvalidProblemError:
        return CountPlan("MODEL_INVALID", 0.0, 0.0, 0.0, {})
    search = _Search(prep, _Clock(started, max(0.1, float(time_limit_seconds)), None), max(1, int(workers)), seed)
    search._plan(share=1.0)
    counts = {(prep.groups[g], problem.options[o].key): count for (g, o), count in search.plan.items()}
    return CountPlan(
        status=search.plan_status,
        solve_seconds=time.perf_counter() - started,
        objective=float(search.plan_objective),
        lower_bound=float(search.bound),
        counts=counts,
    )


def violations(problem: Problem, assignments: tuple[Assignment, ...]) -> list[str]:
    """Every hard rule the assignments break, in words (empty when they are valid).

    Checks: known agent, option and group (one of the agent's, with a requirement); one shift per agent per day
    and no two overlapping; availability; ``earliest_start`` / ``latest_end``; rest between consecutive shifts;
    paid time within the agent's range (the minimum only down to what the agent's own rules allow); working
    days; consecutive days (counting ``consecutive_days_before``); every break of the option placed once, in
    its window, inside the shift, not on another break or an off-queue slot; the simultaneous-break limit.
    """
    messages: list[str] = []
    options = {option.key: option for option in problem.options}
    agents = {agent.key: agent for agent in problem.agents}
    by_agent: dict[str, list[tuple[ShiftOption, Assignment]]] = {}
    on_break = _breaks_taken(problem)
    for assignment in assignments:
        agent = agents.get(assignment.agent)
        option = options.get(assignment.option)
        if agent is None:
            messages.append(f"Unknown agent {assignment.agent!r}.")
            continue
        if option is None:
            messages.append(f"{agent.key}: unknown shift option {assignment.option!r}.")
            continue
        by_agent.setdefault(agent.key, []).append((option, assignment))
        if assignment.group not in agent.groups:
            messages.append(f"{agent.key}: {option.key} covers {assignment.group!r}, which is not one of their groups.")
        elif assignment.group not in problem.requirement:
            messages.append(f"{agent.key}: {option.key} covers {assignment.group!r}, which has no requirement.")
        messages.extend(_shift_violations(problem, agent, option, assignment))
        resting = {slot for placed in assignment.breaks for slot in range(placed.start, placed.start + placed.length)}
        for slot in resting:
            if 0 <= slot < problem.slot_count:
                on_break[slot] += 1
    for agent_key, worked in by_agent.items():
        messages.extend(_week_violations(problem, agents[agent_key], worked))
    for agent in problem.agents:
        if agent.key not in by_agent:
            messages.extend(_week_violations(problem, agent, []))
    limit = problem.rules.max_simultaneous_breaks
    if limit is not None:
        for slot, count in enumerate(on_break):
            if count > limit:
                messages.append(f"Slot {slot}: {count} agents on a break at once (at most {limit}).")
    return messages


def coverage(problem: Problem, assignments: tuple[Assignment, ...]) -> dict[str, tuple[int, ...]]:
    """Agents on queue per group and slot: shifts minus their breaks and the agents' off-queue slots."""
    options = {option.key: option for option in problem.options}
    agents = {agent.key: agent for agent in problem.agents}
    covered = {group: [0] * problem.slot_count for group in problem.requirement}
    for assignment in assignments:
        option = options.get(assignment.option)
        row = covered.get(assignment.group)
        agent = agents.get(assignment.agent)
        if option is None or row is None or agent is None:
            continue
        off = set(agent.off_queue)
        for placed in assignment.breaks:
            off.update(range(placed.start, placed.start + placed.length))
        for slot in range(max(0, option.start), min(problem.slot_count, option.start + option.length)):
            if slot not in off:
                row[slot] += 1
    return {group: tuple(row) for group, row in covered.items()}


# --------------------------------------------------------------------------------------------------
# violations() helpers
# --------------------------------------------------------------------------------------------------


def _shift_violations(problem: Problem, agent: AgentSpec, option: ShiftOption, assignment: Assignment) -> list[str]:
    messages = []
    end = option.start + option.length
    blocked = sorted(set(range(option.start, end)) & agent.unavailable)
    if blocked:
        messages.append(f"{agent.key}: {option.key} works slot(s) {_slots_text(blocked)}, when they are unavailable.")
    if option.key in agent.excluded_options:
        messages.append(f"{agent.key}: {option.key} is excluded for them.")
    if option.start < agent.earliest_start:
        messages.append(
            f"{agent.key}: {option.key} starts at slot {option.start}, "
            f"before their earliest start {agent.earliest_start}."
        )
    if agent.latest_end is not None and end > agent.latest_end:
        messages.append(f"{agent.key}: {option.key} ends at slot {end}, after their latest end {agent.latest_end}.")
    placed = list(assignment.breaks)
    wanted = sorted(option.breaks, key=lambda spec: (spec.earliest_start, spec.latest_start))
    unmatched = list(placed)
    for spec in wanted:
        match = next(
            (one for one in unmatched if one.kind == spec.kind and one.length == spec.length),
            None,
        )
        if match is None:
            messages.append(f"{agent.key}: {option.key} needs a {spec.length}-slot {spec.kind}, which is not placed.")
            continue
        unmatched.remove(match)
        offset = match.start - option.start
        if not spec.earliest_start <= offset <= spec.latest_start:
            messages.append(
                f"{agent.key}: {option.key} has its {spec.kind} at slot {match.start}, outside its window "
                f"(slots {option.start + spec.earliest_start}-{option.start + spec.latest_start})."
            )
    for extra in unmatched:
        messages.append(
            f"{agent.key}: {option.key} has a {extra.kind} at slot {extra.start} its template does not ask for."
        )
    taken: set[int] = set()
    for one in placed:
        slots = set(range(one.start, one.start + one.length))
        if one.start < option.start or one.start + one.length > end:
            messages.append(f"{agent.key}: {option.key} has a {one.kind} at slot {one.start} outside the shift.")
        if slots & taken:
            messages.append(f"{agent.key}: {option.key} has breaks that overlap at slot {one.start}.")
        if slots & agent.off_queue:
            messages.append(
                f"{agent.key}: {option.key} has a {one.kind} at slot {one.start} on a fixed off-queue activity."
            )
        taken |= slots
    return messages


def _week_violations(problem: Problem, agent: AgentSpec, worked: list[tuple[ShiftOption, Assignment]]) -> list[str]:
    messages = []
    shifts = sorted((option for option, _ in worked), key=lambda option: (option.start, option.key))
    days: dict[int, list[str]] = {}
    for option in shifts:
        days.setdefault(option.day, []).append(option.key)
    for day, keys in sorted(days.items()):
        if len(keys) > 1:
            messages.append(f"{agent.key}: {len(keys)} shifts on day {day} ({', '.join(keys)}); at most one a day.")
    rest = problem.rules.min_rest_slots
    for first, second in itertools.pairwise(shifts):
        gap = second.start - (first.start + first.length)
        if gap < 0:
            messages.append(f"{agent.key}: {first.key} and {second.key} overlap.")
        elif gap < rest:
            messages.append(
                f"{agent.key}: only {gap} slot(s) of rest between {first.key} and {second.key} (at least {rest})."
            )
    paid = sum(option.paid_slots for option in shifts)
    if paid > agent.max_paid_slots:
        messages.append(f"{agent.key}: {paid} paid slots, more than their maximum of {agent.max_paid_slots}.")
    if paid < min(agent.min_paid_slots, agent.max_paid_slots):
        reachable = _reachable_paid_slots(problem, agent)
        if paid < min(agent.min_paid_slots, agent.max_paid_slots, reachable):
            messages.append(
                f"{agent.key}: {paid} paid slots, fewer than their minimum of {agent.min_paid_slots}"
                + (f" (their rules allow {reachable})." if reachable < agent.min_paid_slots else ".")
            )
    worked_days = sorted(days)
    if len(worked_days) > agent.max_days:
        messages.append(f"{agent.key}: works {len(worked_days)} days, more than {agent.max_days}.")
    longest = _longest_run(worked_days, agent.consecutive_days_before)
    if longest > agent.max_consecutive_days:
        messages.append(
            f"{agent.key}: works {longest} days in a row (counting the days before the week), "
            f"more than {agent.max_consecutive_days}."
        )
    return messages


def _longest_run(days: list[int], before: int) -> int:
    longest, run, previous = 0, before, -1
    for day in days:
        run = run + 1 if day == previous + 1 else 1
        previous = day
        longest = max(longest, run)
    return longest


def _slots_text(slots: list[int]) -> str:
    ranges: list[str] = []
    for _, group in itertools.groupby(enumerate(slots), key=lambda pair: pair[1] - pair[0]):
        run = [slot for _, slot in group]
        ranges.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ", ".join(ranges)


def _reachable_paid_slots(problem: Problem, agent: AgentSpec) -> int:
    """Most paid slots the agent's own rules allow (availability, rest, days), capped at their maximum."""
    try:
        prep = _prepare(problem, agents=(agent,))
    except _InvalidProblemError:
        return agent.max_paid_slots
    return prep.reachable[0]


# --------------------------------------------------------------------------------------------------
# Preparation: validation, each agent's candidate options, effective minimum, linear costs
# --------------------------------------------------------------------------------------------------


class _InvalidProblemError(ValueError):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class _Prepared:
    """Indexes and per-agent facts derived once from a problem (options and agents by position)."""

    problem: Problem
    groups: tuple[str, ...]
    requirement: list[list[int]]
    start: list[int]
    end: list[int]
    day: list[int]
    paid: list[int]
    night: list[bool]
    breaks: list[tuple[BreakSpec, ...]]
    offsets: list[list[list[int]]]
    candidates: list[list[int]]
    eligible: list[tuple[int, ...]]
    # (agent, option) -> per break the offsets that avoid the agent's off-queue slots, for options that meet one.
    special: dict[tuple[int, int], list[list[int]]]
    off_slots: dict[tuple[int, int], list[int]]
    minimum: list[int]
    reachable: list[int]
    witness: list[list[int]]
    cost: list[dict[int, int]]
    constant: list[int]
    night_pool: int
    weekend_pool: int
    notes: list[str]
    staircase: dict[tuple[int, int], bool] = field(default_factory=dict)

    def agent_days(self, agent: int) -> dict[int, list[int]]:
        days: dict[int, list[int]] = {}
        for option in self.candidates[agent]:
            days.setdefault(self.day[option], []).append(option)
        return days


def _validate(problem: Problem) -> list[str]:
    reasons = []
    if problem.slot_minutes <= 0 or problem.slot_count <= 0 or problem.day_count <= 0:
        reasons.append("slot_minutes, slot_count and day_count must be positive.")
    if problem.rules.min_rest_slots < 0:
        reasons.append("min_rest_slots must be zero or more.")
    if problem.rules.max_simultaneous_breaks is not None and problem.rules.max_simultaneous_breaks < 0:
        reasons.append("max_simultaneous_breaks must be zero or more.")
    if any(value < 0 for value in problem.rules.breaks_taken):
        reasons.append("breaks_taken must be zero or more in every slot.")
    weights = problem.weights
    if min(weights.under_coverage, weights.over_coverage, weights.preference, weights.fairness, weights.stability) < 0:
        reasons.append("Weights must be zero or more.")
    for group, row in problem.requirement.items():
        if len(row) != problem.slot_count:
            reasons.append(f"Requirement of {group!r} has {len(row)} slots, not {problem.slot_count}.")
        elif any(value < 0 for value in row):
            reasons.append(f"Requirement of {group!r} has a negative value.")
    keys: set[str] = set()
    for option in problem.options:
        if option.key in keys:
            reasons.append(f"Shift option {option.key!r} is listed twice.")
        keys.add(option.key)
        if not 0 <= option.day < problem.day_count:
            reasons.append(f"Shift option {option.key!r} is on day {option.day}, outside the horizon.")
        if option.length <= 0 or option.start < 0 or option.start + option.length > problem.slot_count:
            reasons.append(f"Shift option {option.key!r} does not fit in the horizon of {problem.slot_count} slots.")
        if not 0 <= option.paid_slots <= option.length:
            reasons.append(f"Shift option {option.key!r} has paid slots outside 0-{option.length}.")
        for spec in option.breaks:
            if spec.length <= 0 or spec.earliest_start < 0 or spec.earliest_start > spec.latest_start:
                reasons.append(f"Shift option {option.key!r} has an empty {spec.kind} window.")
            elif spec.earliest_start + spec.length > option.length:
                reasons.append(f"Shift option {option.key!r}: its {spec.kind} cannot fit inside the shift.")
    names: set[str] = set()
    for agent in problem.agents:
        if agent.key in names:
            reasons.append(f"Agent {agent.key!r} is listed twice.")
        names.add(agent.key)
        if agent.min_paid_slots < 0 or agent.max_paid_slots < 0 or agent.max_days < 0:
            reasons.append(f"Agent {agent.key!r} has a negative limit.")
    return reasons


def _prepare(problem: Problem, agents: tuple[AgentSpec, ...] | None = None) -> _Prepared:
    reasons = _validate(problem)
    if reasons:
        raise _InvalidProblemError(reasons)
    agent_list = problem.agents if agents is None else agents
    groups = tuple(problem.requirement)
    group_of = {group: index for index, group in enumerate(groups)}
    options = problem.options
    start = [option.start for option in options]
    end = [option.start + option.length for option in options]
    breaks = [
        tuple(sorted(option.breaks, key=lambda spec: (spec.earliest_start, spec.latest_start))) for option in options
    ]
    offsets = [
        [list(range(spec.earliest_start, min(spec.latest_start, option.length - spec.length) + 1)) for spec in specs]
        for option, specs in zip(options, breaks, strict=True)
    ]
    weights = problem.weights
    prep = _Prepared(
        problem=problem,
        groups=groups,
        requirement=[list(problem.requirement[group]) for group in groups],
        start=start,
        end=end,
        day=[option.day for option in options],
        paid=[option.paid_slots for option in options],
        night=[option.is_night for option in options],
        breaks=breaks,
        offsets=offsets,
        candidates=[],
        eligible=[],
        special={},
        off_slots={},
        minimum=[],
        reachable=[],
        witness=[],
        cost=[],
        constant=[],
        night_pool=0,
        weekend_pool=0,
        notes=[],
    )
    order = sorted(range(len(options)), key=lambda index: (options[index].day, start[index], end[index], index))
    weekend = problem.weekend_days
    starts_array, ends_array = np.array(start, dtype=np.int64), np.array(end, dtype=np.int64)
    paid_array = np.array(prep.paid, dtype=np.int64)
    day_array = np.array(prep.day, dtype=np.int64)
    order_array = np.array(order, dtype=np.int64)
    fits = np.array([_breaks_fit(specs, allowed) for specs, allowed in zip(breaks, offsets, strict=True)], dtype=bool)

    def in_span(slots: frozenset[int]) -> Any:
        """How many of ``slots`` each option's span holds (prefix sums over the horizon)."""
        marks = np.zeros(problem.slot_count + 1, dtype=np.int64)
        inside = [slot for slot in slots if 0 <= slot < problem.slot_count]
        if inside:
            marks[np.array(inside) + 1] = 1
        total = np.cumsum(marks)
        return total[ends_array] - total[starts_array]

    for agent_index, agent in enumerate(agent_list):
        eligible = tuple(sorted({group_of[group] for group in agent.groups if group in group_of}))
        candidates = []
        costs: dict[int, int] = {}
        if eligible and len(options):
            usable = (starts_array >= agent.earliest_start) & (paid_array <= agent.max_paid_slots)
            if agent.latest_end is not None:
                usable &= ends_array <= agent.latest_end
            if agent.unavailable:
                usable &= in_span(agent.unavailable) == 0
            if agent.excluded_options:
                usable &= np.array([option.key not in agent.excluded_options for option in options], dtype=bool)
            off_counts = in_span(agent.off_queue) if agent.off_queue else np.zeros(len(options), dtype=np.int64)
            usable &= fits | (off_counts > 0)
            cost = np.zeros(len(options), dtype=np.int64)
            if agent.unpreferred:
                cost += weights.preference * in_span(agent.unpreferred)
            if agent.preferred:
                cost -= weights.preference * in_span(agent.preferred)
            for day, first in agent.previous_starts.items():
                cost -= weights.stability * ((day_array == day) & (starts_array == first))
            for index in order_array[usable[order_array]].tolist():
                if off_counts[index]:
                    first, last = start[index], end[index]
                    allowed = [
                        [
                            s
                            for s in allowed_offsets
                            if not any(first + s + k in agent.off_queue for k in range(spec.length))
                        ]
                        for spec, allowed_offsets in zip(breaks[index], offsets[index], strict=True)
                    ]
                    if not _breaks_fit(breaks[index], allowed):
                        continue
                    prep.special[(agent_index, index)] = allowed
                    prep.off_slots[(agent_index, index)] = [s for s in range(first, last) if s in agent.off_queue]
                candidates.append(index)
                costs[index] = int(cost[index])
        prep.candidates.append(candidates)
        prep.eligible.append(eligible)
        prep.cost.append(costs)
        stability_days = sum(1 for day in agent.previous_starts if 0 <= day < problem.day_count)
        prep.constant.append(weights.preference * len(agent.preferred) + weights.stability * stability_days)
        if any(prep.night[index] for index in candidates):
            prep.night_pool += 1
        if any(prep.day[index] in weekend for index in candidates):
            prep.weekend_pool += 1
        if not eligible and agent.groups:
            prep.notes.append(f"{agent.key}: none of their groups has a requirement, so they are not scheduled.")
        witness, reachable = _reachable_week(prep, agent, agent_index)
        prep.witness.append(witness)
        prep.reachable.append(reachable)
        minimum = min(agent.min_paid_slots, agent.max_paid_slots, reachable)
        prep.minimum.append(minimum)
        if minimum < agent.min_paid_slots:
            hours = minimum * problem.slot_minutes / 60
            prep.notes.append(f"{agent.key}: minimum paid time relaxed to {hours:g} h, all their rules allow.")
    return prep


def _breaks_fit(specs: tuple[BreakSpec, ...], allowed: list[list[int]]) -> bool:
    """Whether the breaks can be placed in order without overlapping, each at one of its allowed offsets."""
    earliest_free = 0
    for spec, offsets in zip(specs, allowed, strict=True):
        fitting = [offset for offset in offsets if offset >= earliest_free]
        if not fitting:
            return False
        earliest_free = fitting[0] + spec.length
    return True


def _compatible(prep: _Prepared, agent: AgentSpec, chosen: list[int], option: int) -> bool:
    """Whether the agent may add ``option`` to the options already chosen (one per day, rest, days, paid)."""
    day = prep.day[option]
    rest = prep.problem.rules.min_rest_slots
    paid = prep.paid[option]
    for other in chosen:
        if prep.day[other] == day:
            return False
        if max(prep.start[option] - prep.end[other], prep.start[other] - prep.end[option]) < rest:
            return False
        paid += prep.paid[other]
    if paid > agent.max_paid_slots or len(chosen) + 1 > agent.max_days:
        return False
    days = sorted({prep.day[other] for other in chosen} | {day})
    return _longest_run(days, agent.consecutive_days_before) <= agent.max_consecutive_days


def _reachable_week(prep: _Prepared, agent: AgentSpec, agent_index: int) -> tuple[list[int], int]:
    """A week the agent can work alone reaching their minimum paid time, and the most paid time they can reach.

    The second value is the maximum paid slots when the minimum is reachable (the true reach is then not
    needed), else the most paid time the agent's own rules allow. A greedy pass (each day in turn, the longest
    compatible option, the earliest end on a tie) nearly always reaches the minimum; otherwise a small CP-SAT
    model finds the true maximum.
    """
    target = min(agent.min_paid_slots, agent.max_paid_slots)
    days = prep.agent_days(agent_index)
    chosen: list[int] = []
    paid = 0
    for day in sorted(days):
        if paid >= target:
            break
        ranked = sorted(days[day], key=lambda index: (-prep.paid[index], prep.end[index], index))
        pick = next((index for index in ranked if _compatible(prep, agent, chosen, index)), None)
        if pick is not None:
            chosen.append(pick)
            paid += prep.paid[pick]
    if paid >= target:
        return chosen, agent.max_paid_slots
    model = cp_model.CpModel()
    worked = {index: model.new_bool_var("") for index in prep.candidates[agent_index]}
    _add_agent_rules(model, prep, agent, worked, minimum=0)
    model.maximize(cp_model.LinearExpr.weighted_sum(list(worked.values()), [prep.paid[i] for i in worked]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return chosen, paid
    best = [index for index, var in worked.items() if solver.boolean_value(var)]
    return best, sum(prep.paid[index] for index in best)


def _add_agent_rules(
    model: cp_model.CpModel,
    prep: _Prepared,
    agent: AgentSpec,
    worked: Mapping[int, cp_model.IntVar],
    *,
    minimum: int,
    fixed: tuple[int, ...] = (),
    chosen: set[int] | None = None,
    hint: dict[int, int] | None = None,
) -> dict[int, cp_model.IntVar]:
    """One agent's hard rules on their "works option i" literals; returns the "works day d" literals.

    ``fixed`` are options the agent keeps on other days (constants; ``worked`` must already be compatible with
    them for rest). With ``chosen`` (the options hinted as worked) every auxiliary variable's value is written
    to ``hint``.
    """
    by_day: dict[int, list[int]] = {}
    for index in worked:
        by_day.setdefault(prep.day[index], []).append(index)
    day_worked: dict[int, cp_model.IntVar] = {}
    for day, indexes in by_day.items():
        literal = model.new_bool_var("")
        model.add(cp_model.LinearExpr.sum([worked[index] for index in indexes]) == literal)
        day_worked[day] = literal
        if hint is not None and chosen is not None:
            hint[literal.index] = int(any(index in chosen for index in indexes))
    rest = prep.problem.rules.min_rest_slots
    days = sorted(by_day)
    for position, first_day in enumerate(days):
        firsts = by_day[first_day]
        latest_end = max(prep.end[index] for index in firsts)
        for second_day in days[position + 1 :]:
            seconds = by_day[second_day]
            if min(prep.start[index] for index in seconds) >= latest_end + rest:
                continue
            _add_rest(model, prep, worked, firsts, seconds, rest, chosen, hint)
    fixed_paid = sum(prep.paid[index] for index in fixed)
    paid = cp_model.LinearExpr.weighted_sum([worked[i] for i in worked], [prep.paid[i] for i in worked])
    if minimum > fixed_paid:
        model.add(paid >= minimum - fixed_paid)
    if fixed_paid + sum(prep.paid[index] for index in worked) > agent.max_paid_slots:
        model.add(paid <= agent.max_paid_slots - fixed_paid)
    fixed_days = {prep.day[index] for index in fixed}
    if len(days) + len(fixed_days) > agent.max_days:
        model.add(cp_model.LinearExpr.sum(list(day_worked.values())) <= agent.max_days - len(fixed_days))
    limit = agent.max_consecutive_days
    day_count = prep.problem.day_count
    # Windows of limit + 1 days, starting as early as the run before the horizon (those days count as worked).
    for first in range(-agent.consecutive_days_before, day_count - limit):
        window = range(first, first + limit + 1)
        variables = [day_worked[day] for day in window if day in day_worked]
        constant = sum(1 for day in window if day < 0 or day in fixed_days)
        if variables and len(variables) + constant > limit:
            model.add(cp_model.LinearExpr.sum(variables) <= limit - constant)
    return day_worked


def _add_rest(
    model: cp_model.CpModel,
    prep: _Prepared,
    worked: Mapping[int, cp_model.IntVar],
    firsts: list[int],
    seconds: list[int],
    rest: int,
    chosen: set[int] | None,
    hint: dict[int, int] | None,
) -> None:
    """Forbid pairs of options on two days that leave less than ``rest`` slots between them.

    Conflicts form a staircase (a later start is compatible with more first-day options), covered by the
    cliques {first-day options ending at or after t} ∪ {second-day options starting before t + rest}, one per
    distinct end t; each clique is "at most one", written as a ladder of partial sums. Odd inputs where a
    second-day option lies wholly before a first-day one get plain pairwise constraints instead.
    """
    if not _staircase(prep, firsts, seconds, rest):
        for first in firsts:
            for second in seconds:
                if _conflict(prep, first, second, rest):
                    model.add(worked[first] + worked[second] <= 1)
        return
    ends = sorted({prep.end[first] for first in firsts if any(prep.start[s] < prep.end[first] + rest for s in seconds)})
    if len(ends) <= 2:
        for threshold in ends:
            clique = [worked[f] for f in firsts if prep.end[f] >= threshold]
            clique += [worked[s] for s in seconds if prep.start[s] < threshold + rest]
            model.add_at_most_one(clique)
        return
    firsts = sorted(firsts, key=lambda index: prep.end[index])
    seconds = sorted(seconds, key=lambda index: prep.start[index])
    late: list[Any] = [None] * len(ends)
    suffix: Any = 0
    suffix_value = 0
    cursor = len(firsts)
    for position in range(len(ends) - 1, -1, -1):
        members = []
        while cursor > 0 and prep.end[firsts[cursor - 1]] >= ends[position]:
            cursor -= 1
            members.append(firsts[cursor])
        literal = model.new_bool_var("")
        model.add(literal == suffix + cp_model.LinearExpr.sum([worked[index] for index in members]))
        late[position] = literal
        suffix = literal
        if hint is not None and chosen is not None:
            suffix_value += sum(1 for index in members if index in chosen)
            hint[literal.index] = suffix_value
    prefix: Any = 0
    prefix_value = 0
    cursor = 0
    for position, threshold in enumerate(ends):
        members = []
        while cursor < len(seconds) and prep.start[seconds[cursor]] < threshold + rest:
            members.append(seconds[cursor])
            cursor += 1
        literal = model.new_bool_var("")
        model.add(literal == prefix + cp_model.LinearExpr.sum([worked[index] for index in members]))
        prefix = literal
        if hint is not None and chosen is not None:
            prefix_value += sum(1 for index in members if index in chosen)
            hint[literal.index] = prefix_value
        model.add(late[position] + literal <= 1)


def _conflict(prep: _Prepared, first: int, second: int, rest: int) -> bool:
    """Whether two options (on different days) leave less than ``rest`` slots between them, or overlap."""
    return max(prep.start[second] - prep.end[first], prep.start[first] - prep.end[second]) < rest


# --------------------------------------------------------------------------------------------------
# The coverage layer: counts per (group, option) → breaks, coverage, under/over, break limit
# --------------------------------------------------------------------------------------------------

Count = Any  # an IntVar or a plain int
Shape = tuple[int, ...]  # shifts per distinct paid length in one agent's week


@dataclass
class _SpecialShift:
    """An agent whose fixed off-queue activity falls inside the option: their breaks are placed one by one."""

    agent: int
    option: int
    group: int
    literal: Count
    allowed: list[list[int]]
    off_slots: list[int]


class _Layer:
    """Adds coverage to a model: break placements per count, coverage per (group, slot), its cost, break limit.

    ``counts[(g, i)]`` is how many agents without an off-queue activity in option i cover group g (a variable or a
    constant) and ``caps`` its upper bound; each of their breaks is a count per offset in its window summing to
    it (taken in window order without overlap, see ``_order_breaks``). ``specials`` are single agents whose
    breaks are placed individually. ``loss_caps`` (count stage only) lets coverage drop by up to that many at a
    (group, slot): a relaxation of off-queue activities. With ``break_penalty`` the simultaneous-break limit becomes
    a cost per agent-slot above it, so that any start is a solution and the search drives the excess to zero.
    ``fixed_placements`` keeps the breaks of constant counts where they are (neighbourhoods over a few days).
    """

    def __init__(
        self,
        model: cp_model.CpModel,
        prep: _Prepared,
        counts: Mapping[tuple[int, int], Count],
        caps: Mapping[tuple[int, int], int],
        specials: list[_SpecialShift],
        loss_caps: Mapping[tuple[int, int], int] | None = None,
        *,
        break_penalty: int | None = None,
        fixed_placements: Mapping[tuple[int, int, int], Mapping[int, int]] | None = None,
    ) -> None:
        problem = prep.problem
        slot_count = problem.slot_count
        group_count = len(prep.groups)
        self.model = model
        self.prep = prep
        self.placements: dict[tuple[int, int, int], list[tuple[int, Count]]] = {}
        self.special_placements: dict[tuple[int, int, int], list[list[tuple[int, cp_model.IntVar]]]] = {}
        term_vars: list[list[list[Any]]] = [[[] for _ in range(slot_count)] for _ in range(group_count)]
        term_coefs: list[list[list[int]]] = [[[] for _ in range(slot_count)] for _ in range(group_count)]
        constant = [[0] * slot_count for _ in range(group_count)]
        break_vars: list[list[Any]] = [[] for _ in range(slot_count)]
        break_constant = _breaks_taken(problem)
        self.upper = [[0] * slot_count for _ in range(group_count)]

        def add(group: int, slot: int, term: Count, coefficient: int, upper: int) -> None:
            if isinstance(term, int):
                constant[group][slot] += coefficient * term
            else:
                term_vars[group][slot].append(term)
                term_coefs[group][slot].append(coefficient)
            if coefficient > 0:
                self.upper[group][slot] += upper

        for (group, option), count in counts.items():
            cap = caps[(group, option)]
            first = prep.start[option]
            for slot in range(first, prep.end[option]):
                add(group, slot, count, 1, cap)
            for number, (spec, offsets) in enumerate(zip(prep.breaks[option], prep.offsets[option], strict=True)):
                kept = fixed_placements.get((group, option, number)) if fixed_placements is not None else None
                if isinstance(count, int) and kept is not None and sum(kept.values()) == count:
                    placement: list[tuple[int, Count]] = sorted(kept.items())
                elif len(offsets) == 1:
                    placement = [(offsets[0], count)]
                else:
                    placement = [(offset, model.new_int_var(0, cap, "")) for offset in offsets]
                    model.add(cp_model.LinearExpr.sum([var for _, var in placement]) == count)
                self.placements[(group, option, number)] = placement
                for offset, var in placement:
                    for slot in range(first + offset, first + offset + spec.length):
                        add(group, slot, var, -1, 0)
                        if isinstance(var, int):
                            break_constant[slot] += var
                        else:
                            break_vars[slot].append(var)
            self._order_breaks(group, option)
        for shift in specials:
            first = prep.start[shift.option]
            off = set(shift.off_slots)
            for slot in range(first, prep.end[shift.option]):
                if slot not in off:
                    add(shift.group, slot, shift.literal, 1, 1)
            chosen: list[list[tuple[int, cp_model.IntVar]]] = []
            for spec, offsets in zip(prep.breaks[shift.option], shift.allowed, strict=True):
                literals = [(offset, model.new_bool_var("")) for offset in offsets]
                model.add(cp_model.LinearExpr.sum([var for _, var in literals]) == shift.literal)
                chosen.append(literals)
                for offset, var in literals:
                    for slot in range(first + offset, first + offset + spec.length):
                        add(shift.group, slot, var, -1, 0)
                        break_vars[slot].append(var)
            for (earlier, before), (_, after) in itertools.pairwise(
                zip(prep.breaks[shift.option], chosen, strict=True)
            ):
                model.add(
                    cp_model.LinearExpr.weighted_sum([var for _, var in after], [offset for offset, _ in after])
                    >= cp_model.LinearExpr.weighted_sum(
                        [var for _, var in before], [offset + earlier.length for offset, _ in before]
                    )
                )
            self.special_placements[(shift.agent, shift.option, shift.group)] = chosen
        if loss_caps:
            for (group, slot), cap in loss_caps.items():
                add(group, slot, model.new_int_var(0, cap, ""), -1, 0)
        weights = problem.weights
        self.terms: dict[tuple[int, int], tuple[list[Any], list[int], int]] = {}
        self.fixed_coverage = [[0] * slot_count for _ in range(group_count)]
        objective_vars: list[Any] = []
        objective_coefs: list[int] = []
        self.constant_cost = 0
        for group in range(group_count):
            required = prep.requirement[group]
            for slot in range(slot_count):
                variables = term_vars[group][slot]
                fixed = constant[group][slot]
                self.fixed_coverage[group][slot] = fixed
                if not variables:
                    self.constant_cost += weights.under_coverage * max(0, required[slot] - fixed)
                    self.constant_cost += weights.over_coverage * max(0, fixed - required[slot])
                    continue
                under = model.new_int_var(0, required[slot], "")
                over = model.new_int_var(0, self.upper[group][slot] + 1, "")
                model.add(
                    cp_model.LinearExpr.weighted_sum(variables + [under, over], term_coefs[group][slot] + [1, -1])
                    == required[slot] - fixed
                )
                self.terms[(group, slot)] = (variables, term_coefs[group][slot], fixed)
                objective_vars += [under, over]
                objective_coefs += [weights.under_coverage, weights.over_coverage]
        self.objective = cp_model.LinearExpr.weighted_sum(objective_vars, objective_coefs)
        self.balance = list(zip(objective_vars[::2], objective_vars[1::2], strict=True))
        self.balance_keys = list(self.terms)
        limit = problem.rules.max_simultaneous_breaks
        self.excess: dict[int, tuple[list[Any], int]] = {}
        if limit is not None:
            excess_vars: list[Any] = []
            for slot in range(slot_count):
                if break_penalty is not None and (break_vars[slot] or break_constant[slot] > limit):
                    excess = model.new_int_var(0, 10**7, "")
                    model.add(cp_model.LinearExpr.sum(break_vars[slot]) - excess <= limit - break_constant[slot])
                    excess_vars.append(excess)
                    self.excess[excess.index] = (break_vars[slot], break_constant[slot] - limit)
                elif break_constant[slot] > limit:
                    model.add_bool_or([])  # already over the limit: infeasible
                elif break_vars[slot]:
                    model.add(cp_model.LinearExpr.sum(break_vars[slot]) <= limit - break_constant[slot])
            if excess_vars and break_penalty:
                self.objective = self.objective + break_penalty * cp_model.LinearExpr.sum(excess_vars)

    def _order_breaks(self, group: int, option: int) -> None:
        """Make the counts pairable in window order: the k-th earliest of each break fits after the previous one.

        Needed only when windows overlap: for every offset u, breaks starting at or before u may not outnumber
        earlier breaks ending by u (Hall's condition for pairing both sorted lists).
        """
        specs = self.prep.breaks[option]
        for number in range(1, len(specs)):
            earlier = self.placements[(group, option, number - 1)]
            later = self.placements[(group, option, number)]
            if all(isinstance(var, int) for _, var in earlier + later):
                continue
            length = specs[number - 1].length
            if max(offset for offset, _ in earlier) + length <= min(offset for offset, _ in later):
                continue
            for bound, _ in later:
                left = [var for offset, var in later if offset <= bound]
                right = [var for offset, var in earlier if offset + length <= bound]
                self.model.add(_sum(left) <= _sum(right))

    def hint(self, values: dict[int, int]) -> None:
        """Complete ``values`` (variable index → hinted value) with under-, over-coverage and break excess."""
        for (variables, coefs, fixed), (under, over), key in zip(
            self.terms.values(), self.balance, self.balance_keys, strict=True
        ):
            covered = fixed + sum(coef * values[var.index] for var, coef in zip(variables, coefs, strict=True))
            required = self.prep.requirement[key[0]][key[1]]
            values[under.index] = max(0, required - covered)
            values[over.index] = max(0, covered - required)
        for index, (variables, surplus) in self.excess.items():
            values[index] = max(0, sum(values[var.index] for var in variables) + surplus)


def _sum(terms: list[Any]) -> Any:
    return cp_model.LinearExpr.sum(terms) if terms else 0


# --------------------------------------------------------------------------------------------------
# The search: count plan, construction, neighbourhood improvement
# --------------------------------------------------------------------------------------------------


class _Clock:
    """Wall time since the start, the deadline, and the throttled progress callback."""

    def __init__(self, started: float, limit: float, progress: ProgressCallback | None) -> None:
        self.started = started
        self.limit = limit
        self.progress = progress
        self.last_report = -1.0

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def remaining(self) -> float:
        """Seconds left before the deadline, which keeps 2 % of the limit (+ 50 ms) back for model building."""
        return self.limit * 0.98 - 0.05 - self.elapsed()

    def report(self, fraction: float, message: str, *, force: bool = False) -> None:
        if self.progress is None:
            return
        now = self.elapsed()
        if force or now - self.last_report >= 0.25:
            self.last_report = now
            self.progress(min(1.0, max(0.0, fraction)), message)


class _ProgressCallback(cp_model.CpSolverSolutionCallback):
    def __init__(self, clock: _Clock, message: str, low: float, high: float, budget: float) -> None:
        super().__init__()
        self.clock = clock
        self.message = message
        self.low, self.high, self.budget = low, high, max(budget, 1e-3)
        self.opened = clock.elapsed()

    def on_solution_callback(self) -> None:
        share = min(1.0, (self.clock.elapsed() - self.opened) / self.budget)
        self.clock.report(
            self.low + (self.high - self.low) * share, f"{self.message} (objective {self.objective_value:,.0f})"
        )


@dataclass
class _Measure:
    """A schedule's coverage and costs, computed directly from the assignments."""

    coverage: list[list[int]]
    under: int
    over: int
    preference: int
    fairness: int
    stability: int
    objective: int
    break_excess: int


_SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)


class _Search:
    """Holds the current schedule (options, groups, break counts) and improves it until the deadline."""

    def __init__(self, prep: _Prepared, clock: _Clock, workers: int, seed: int, *, gap_limit: float = 0.0) -> None:
        self.prep = prep
        self.gap_limit = gap_limit
        # Time kept back at the end to build the result (grows with the measured cost of evaluating a schedule).
        self.margin = 0.05
        self.problem = prep.problem
        self.clock = clock
        self.workers = workers
        self.seed = seed
        self.rng = random.Random(seed)
        self.assign: list[dict[int, int]] = [{} for _ in self.problem.agents]
        self.placed: dict[tuple[int, int, int], dict[int, int]] = {}
        self.special_placed: dict[tuple[int, int, int], list[int]] = {}
        self.objective: int | None = None
        self.bound = 0
        self.plan: dict[tuple[int, int], int] = {}
        self.plan_status = "UNKNOWN"
        self.excess = 0
        weights = self.problem.weights
        self.break_penalty = 1000 * max(1, weights.under_coverage, weights.over_coverage)
        self.plan_objective = 0
        self.notes = list(prep.notes)
        self.proven = False
        self.infeasible = False
        self.active = [agent for agent in range(len(self.problem.agents)) if prep.candidates[agent]]

    # -- stage 1 ----------------------------------------------------------------------------------

    def _plan(self, share: float = 0.3) -> None:
        """Count plan: how many agents on each option per group, breaks as counts, agents' rules aggregated.

        Every named schedule gives counts satisfying these constraints, so the optimum of this relaxation (and
        CP-SAT's bound on it) is a lower bound on any schedule's coverage cost, hence on the full objective.
        """
        prep, problem = self.prep, self.problem
        model = cp_model.CpModel()
        caps: Counter[tuple[int, int]] = Counter()
        loss_caps: Counter[tuple[int, int]] = Counter()
        for agent, candidates in enumerate(prep.candidates):
            for option in candidates:
                for group in prep.eligible[agent]:
                    caps[(group, option)] += 1
            if candidates and problem.agents[agent].off_queue:
                for group in prep.eligible[agent]:
                    for slot in problem.agents[agent].off_queue:
                        if 0 <= slot < problem.slot_count:
                            loss_caps[(group, slot)] += 1
        counts = {key: model.new_int_var(0, cap, "") for key, cap in sorted(caps.items())}
        layer = _Layer(model, prep, counts, caps, [], loss_caps)
        self._add_aggregate_rules(model, counts)
        model.minimize(layer.objective + layer.constant_cost)
        budget = max(0.2, min(self.clock.remaining() * share, self.clock.remaining() - 0.5))
        solver = self._solver(budget)
        callback = _ProgressCallback(self.clock, "Planning shift counts", 0.0, 0.3, budget)
        status = solver.solve(model, callback)
        self.plan_status = solver.status_name(status)
        if status == cp_model.INFEASIBLE:
            self.infeasible = True
            self.notes.append("No schedule can meet the hard rules: even the count-level relaxation is infeasible.")
            return
        if status not in _SOLVED:
            self.notes.append("The count plan found no solution in time; agents are placed without it.")
            return
        self.bound = max(0, math.ceil(solver.best_objective_bound - 1e-6))
        self.plan_objective = round(solver.objective_value)
        values = solver.response_proto.solution
        self.plan = {key: values[var.index] for key, var in counts.items() if values[var.index] > 0}
        self.notes.append(
            f"Count plan: {solver.status_name(status)} in {solver.wall_time:.1f} s, coverage cost "
            f"{solver.objective_value:,.0f}, proven lower bound {self.bound:,}."
        )

    def _add_aggregate_rules(self, model: cp_model.CpModel, counts: Mapping[tuple[int, int], Any]) -> None:
        """Valid aggregate forms of the agents' rules: per day, paid time, days, consecutive days, rest."""
        prep, problem = self.prep, self.problem
        agents = problem.agents
        by_day: dict[int, list[Any]] = {}
        by_group_day: dict[tuple[int, int], list[Any]] = {}
        for (group, option), var in counts.items():
            by_day.setdefault(prep.day[option], []).append(var)
            by_group_day.setdefault((group, prep.day[option]), []).append(var)
        agent_days = [set(prep.day[option] for option in candidates) for candidates in prep.candidates]
        for day, variables in by_day.items():
            model.add(cp_model.LinearExpr.sum(variables) <= sum(1 for days in agent_days if day in days))
        if len(prep.groups) > 1:
            for (group, day), variables in by_group_day.items():
                able = sum(1 for a, days in enumerate(agent_days) if day in days and group in prep.eligible[a])
                model.add(cp_model.LinearExpr.sum(variables) <= able)
        keys = list(counts)
        paid = cp_model.LinearExpr.weighted_sum([counts[key] for key in keys], [prep.paid[key[1]] for key in keys])
        model.add(paid <= sum(agents[a].max_paid_slots for a in self.active))
        model.add(paid >= sum(prep.minimum))
        model.add(
            cp_model.LinearExpr.sum([counts[key] for key in keys])
            <= sum(min(agents[a].max_days, len(agent_days[a])) for a in self.active)
        )
        for length in sorted({agents[a].max_consecutive_days + 1 for a in self.active}):
            for first in range(0, problem.day_count - length + 1):
                window = range(first, first + length)
                variables = [var for day in window for var in by_day.get(day, [])]
                most = 0
                for a in self.active:
                    agent = agents[a]
                    run_limit = agent.max_consecutive_days
                    most += min(
                        sum(1 for day in window if day in agent_days[a]),
                        agent.max_days,
                        length - length // (run_limit + 1),
                    )
                if variables:
                    model.add(cp_model.LinearExpr.sum(variables) <= most)
        rest = problem.rules.min_rest_slots
        options_by_day: dict[int, list[tuple[int, int]]] = {}
        for key in keys:
            options_by_day.setdefault(prep.day[key[1]], []).append(key)
        for day in sorted(options_by_day):
            firsts, seconds = options_by_day[day], options_by_day.get(day + 1, [])
            if not seconds or not _staircase(prep, [k[1] for k in firsts], [k[1] for k in seconds], rest):
                continue
            able = sum(1 for a in self.active if day in agent_days[a] and day + 1 in agent_days[a])
            for threshold in sorted({prep.end[k[1]] for k in firsts}):
                late = [counts[k] for k in firsts if prep.end[k[1]] >= threshold]
                early = [counts[k] for k in seconds if prep.start[k[1]] < threshold + rest]
                if early:
                    # Agents able to work only one of the two days add at most one each.
                    single = sum(1 for a in self.active if (day in agent_days[a]) != (day + 1 in agent_days[a]))
                    model.add(cp_model.LinearExpr.sum(late + early) <= able + single)
        self._add_week_shape_cuts(model, counts, agent_days)

    def _add_week_shape_cuts(
        self, model: cp_model.CpModel, counts: Mapping[tuple[int, int], Any], agent_days: list[set[int]]
    ) -> None:
        """Cuts from the shapes of weeks one agent can work: how many shifts of each paid length.

        An agent's week is a vector k (shifts per distinct paid length) with Σ k ≤ their days and Σ paid·k within
        [minimum, maximum]. The plan's totals are a sum over agents of such vectors, so for any direction c,
        Σ c·(totals) ≤ Σ over agents of max c·k over their own vectors (the support function of a Minkowski sum).
        The directions are the facets of each agent class's convex hull (scipy's qhull), rounded to integers; the
        right-hand sides are exact maxima over the enumerated vectors, so every cut is valid whatever the rounding.
        Without them a plan may ask for more short shifts than agents who must reach their minimum can take.
        """
        from scipy.spatial import ConvexHull, QhullError

        prep = self.prep
        lengths = sorted({prep.paid[option] for _, option in counts})
        if not 2 <= len(lengths) <= 6:
            return
        position = {paid: index for index, paid in enumerate(lengths)}
        classes, shapes = self._week_shapes(lengths, agent_days)
        directions: set[tuple[int, ...]] = set()
        for points in shapes.values():
            if len(points) <= len(lengths) + 1:
                continue
            try:
                hull = ConvexHull(np.array(points, dtype=float), qhull_options="QJ")
            except (QhullError, ValueError):
                continue
            for equation in hull.equations:
                direction = _integer_direction(equation[:-1])
                if any(direction):
                    directions.add(direction)
        keys = list(counts)
        for direction in sorted(directions)[:300]:
            right = 0
            for key, number in classes.items():
                points = shapes[key]
                if not points:
                    return  # an agent class with no possible week: leave it to the other constraints
                right += number * max(sum(c * k for c, k in zip(direction, point, strict=True)) for point in points)
            coefficients = [direction[position[prep.paid[option]]] for _, option in keys]
            model.add(cp_model.LinearExpr.weighted_sum([counts[key] for key in keys], coefficients) <= right)

    def _week_shapes(
        self, lengths: list[int], agent_days: list[set[int]]
    ) -> tuple[
        Counter[tuple[int, int, int, tuple[int, ...]]], dict[tuple[int, int, int, tuple[int, ...]], list[Shape]]
    ]:
        """Agents grouped by (minimum, maximum paid, days, paid lengths they can work), with each group's shapes.

        A shape is a vector of shifts per paid length (``lengths``) that one agent of the group could work in
        a week: at most their days, paid time within [minimum, maximum]. Rest and exact days are ignored.
        """
        prep, agents = self.prep, self.problem.agents
        position = {paid: index for index, paid in enumerate(lengths)}
        classes: Counter[tuple[int, int, int, tuple[int, ...]]] = Counter()
        for a in self.active:
            usable = tuple(sorted({position[prep.paid[o]] for o in prep.candidates[a] if prep.paid[o] in position}))
            days = min(agents[a].max_days, len(agent_days[a]))
            classes[(prep.minimum[a], agents[a].max_paid_slots, days, usable)] += 1
        shapes: dict[tuple[int, int, int, tuple[int, ...]], list[Shape]] = {}
        for key in classes:
            minimum, maximum, days, usable = key
            points = set()
            for combination in itertools.combinations_with_replacement(usable, days):
                for size in range(days + 1):
                    vector = [0] * len(lengths)
                    for index in combination[:size]:
                        vector[index] += 1
                    paid = sum(count * lengths[index] for index, count in enumerate(vector))
                    if minimum <= paid <= maximum:
                        points.add(tuple(vector))
            shapes[key] = sorted(points)
        return classes, shapes

    # -- stage 2 ----------------------------------------------------------------------------------

    def _construct(self, *, shaped: bool = True) -> None:
        """Fill the count plan day by day with an assignment problem per day, then repair short weeks.

        Day d's planned shifts (one column per agent the plan puts on a (group, option)) are matched to the agents
        (rows) by ``scipy.optimize.linear_sum_assignment``: a pair is forbidden when the agent cannot work the
        option (availability, group, rest after their previous shift, days, days in a row, maximum paid time),
        and costs favour the agents furthest behind their minimum for the days they have left, penalise those
        already at their share of the plan's paid time and add the agent's own costs (preference, stability,
        coverage lost to an off-queue activity inside the shift). With ``shaped`` each agent is also steered to a
        week shape (``_shape_targets``), which matters when the plan mixes paid lengths that not every agent can
        combine into their minimum. An agent still under their minimum afterwards takes the compatible options
        covering the most uncovered requirement, or else a week re-planned alone.
        """
        prep, problem = self.prep, self.problem
        agents = problem.agents
        active = self.active
        rows = len(active)
        option_count = len(problem.options)
        allowed = np.zeros((rows, option_count), dtype=bool)
        for row, a in enumerate(active):
            allowed[row, prep.candidates[a]] = True
        start = np.array(prep.start)
        paid_of = np.array(prep.paid)
        rest = problem.rules.min_rest_slots
        minimum = np.array([prep.minimum[a] for a in active], dtype=float)
        maximum = np.array([agents[a].max_paid_slots for a in active])
        max_days = np.array([agents[a].max_days for a in active])
        max_run = np.array([agents[a].max_consecutive_days for a in active])
        plan_paid = sum(prep.paid[option] * count for (_, option), count in self.plan.items())
        slack = max(0.0, plan_paid - float(minimum.sum()))
        reach = np.array([min(prep.reachable[a], agents[a].max_paid_slots) for a in active], dtype=float)
        room = np.maximum(0.0, reach - minimum)
        target = minimum + slack * room / (room.sum() or 1.0)
        paid = np.zeros(rows)
        worked_days = np.zeros(rows, dtype=int)
        run = np.array([agents[a].consecutive_days_before for a in active])
        last_end = np.array([-(10**9)] * rows)
        days_with = np.zeros((rows, problem.day_count), dtype=int)
        for row, a in enumerate(active):
            for option in prep.candidates[a]:
                days_with[row, prep.day[option]] = 1
        longest = np.array([max((prep.paid[option] for option in prep.candidates[a]), default=0) for a in active])
        chosen: list[dict[int, int]] = [{} for _ in active]
        can_cover = np.zeros((rows, len(prep.groups)), dtype=bool)
        for row, a in enumerate(active):
            can_cover[row, list(prep.eligible[a])] = True
        own_cost = np.zeros((rows, option_count))
        under_weight = problem.weights.under_coverage
        for row, a in enumerate(active):
            for option, value in prep.cost[a].items():
                own_cost[row, option] = value + under_weight * len(prep.off_slots.get((a, option), ()))
        shape_left, option_type = self._shape_targets(active) if shaped else (None, None)
        by_day: dict[int, list[tuple[int, int]]] = {}
        for (group, option), count in sorted(self.plan.items()):
            by_day.setdefault(prep.day[option], []).extend([(group, option)] * count)
        for day in range(problem.day_count):
            self.clock.report(0.3 + 0.05 * day / problem.day_count, "Placing agents")
            columns = by_day.get(day, [])
            worked_today = np.zeros(rows, dtype=bool)
            if columns:
                options = np.array([option for _, option in columns])
                days_left = np.maximum(1, days_with[:, day:].sum(axis=1))
                behind = np.maximum(0.0, minimum - paid) / days_left
                ok = allowed[:, options]
                ok &= start[options][None, :] >= (last_end + rest)[:, None]
                ok &= (paid[:, None] + paid_of[options][None, :]) <= maximum[:, None]
                ok &= (worked_days < max_days)[:, None] & (run < max_run)[:, None]
                ok &= can_cover[:, [group for group, _ in columns]]
                # Hours: after this shift, the agent must still be able to reach their minimum on the days left.
                need = np.maximum(0.0, minimum - paid)
                later = np.minimum(days_left - 1, max_days - worked_days - 1) * longest
                short_after = need[:, None] - paid_of[options][None, :] > later[:, None]
                idle_short = need > np.minimum(days_left - 1, max_days - worked_days) * longest
                cost = np.where(ok, 0.0, 1e9)
                cost += np.where(short_after, 1e5, 0.0)
                cost -= np.where(idle_short, 1e5, 0.0)[:, None]
                cost -= 1000.0 * behind[:, None]
                cost += 10.0 * np.maximum(0.0, behind[:, None] - paid_of[options][None, :])
                cost += 200.0 * (paid >= target)[:, None]
                if shape_left is not None and option_type is not None:
                    # Keep to the week shape the agent was given (how many shifts of each paid length).
                    cost += 300.0 * (shape_left[:, option_type[options]] <= 0)
                # The agent's own costs in objective units: preference and stability, and the coverage an
                # off-queue activity inside the shift would take away.
                cost += own_cost[:, options]
                picked_rows, picked_columns = linear_sum_assignment(cost)
                for row, column in zip(picked_rows.tolist(), picked_columns.tolist(), strict=True):
                    if not ok[row, column]:
                        continue
                    group, option = columns[column]
                    chosen[row][option] = group
                    paid[row] += prep.paid[option]
                    if shape_left is not None and option_type is not None:
                        shape_left[row, option_type[option]] -= 1
                    last_end[row] = prep.end[option]
                    worked_today[row] = True
            worked_days += worked_today
            run = np.where(worked_today, run + 1, 0)
        residual = [list(row) for row in prep.requirement]
        for picks in chosen:
            for option, group in picks.items():
                for slot in range(prep.start[option], prep.end[option]):
                    residual[group][slot] -= 1
        for row, a in enumerate(active):
            picks = chosen[row]
            while sum(prep.paid[option] for option in picks) < prep.minimum[a]:
                pick = self._most_needed(a, picks, residual)
                if pick is None:
                    break
                picks[pick[1]] = pick[0]
                for slot in range(prep.start[pick[1]], prep.end[pick[1]]):
                    residual[pick[0]][slot] -= 1
            if sum(prep.paid[option] for option in picks) < prep.minimum[a]:
                for option, group in picks.items():
                    for slot in range(prep.start[option], prep.end[option]):
                        residual[group][slot] += 1
                picks = self._repair_week(a, picks, residual)
                for option, group in picks.items():
                    for slot in range(prep.start[option], prep.end[option]):
                        residual[group][slot] -= 1
            self.assign[a] = picks

    def _shape_targets(self, active: list[int]) -> tuple[Any, Any]:
        """Give each agent a week shape so that the shapes add up to the plan's shifts per paid length.

        A small CP-SAT model picks how many agents of each group (see ``_week_shapes``) take each shape, as close
        as possible to the plan's totals; shapes are then dealt to the group's agents in order. Returns the
        shifts left per agent (rows as ``active``) and paid length, and each option's length index; (None, None)
        when the plan has one length or more than six.
        """
        prep = self.prep
        lengths = sorted({prep.paid[option] for _, option in self.plan})
        if not 2 <= len(lengths) <= 6:
            return None, None
        position = {paid: index for index, paid in enumerate(lengths)}
        option_type = np.array([position.get(paid, 0) for paid in prep.paid])
        agent_days = [set(prep.day[option] for option in candidates) for candidates in prep.candidates]
        classes, shapes = self._week_shapes(lengths, agent_days)
        totals = [0] * len(lengths)
        for (_, option), count in self.plan.items():
            totals[position[prep.paid[option]]] += count
        model = cp_model.CpModel()
        taken: dict[tuple[Any, int], cp_model.IntVar] = {}
        for key, number in classes.items():
            for index in range(len(shapes[key])):
                taken[(key, index)] = model.new_int_var(0, number, "")
            if shapes[key]:
                model.add(cp_model.LinearExpr.sum([taken[(key, i)] for i in range(len(shapes[key]))]) == number)
        deviations = []
        for kind, total in enumerate(totals):
            made = cp_model.LinearExpr.weighted_sum(
                list(taken.values()), [shapes[key][index][kind] for key, index in taken]
            )
            deviation = model.new_int_var(0, 10 * (total + len(active)) + 10, "")
            model.add(deviation >= made - total)
            model.add(deviation >= total - made)
            deviations.append(deviation * lengths[kind])
        model.minimize(cp_model.LinearExpr.sum(deviations))
        solver = self._solver(min(2.0, max(0.1, self.clock.remaining() / 20)))
        if solver.solve(model) not in _SOLVED:
            return None, None
        dealt: dict[Any, list[Shape]] = {}
        for (key, index), var in taken.items():
            dealt.setdefault(key, []).extend([shapes[key][index]] * solver.value(var))
        shape_left = np.zeros((len(active), len(lengths)), dtype=np.int64)
        agents = self.problem.agents
        for row, a in enumerate(active):
            usable = tuple(sorted({position[prep.paid[o]] for o in prep.candidates[a] if prep.paid[o] in position}))
            key = (prep.minimum[a], agents[a].max_paid_slots, min(agents[a].max_days, len(agent_days[a])), usable)
            if dealt.get(key):
                shape_left[row] = dealt[key].pop()
            else:
                shape_left[row] = agents[a].max_days
        return shape_left, option_type

    def _repair_week(self, a: int, picks: dict[int, int], residual: list[list[int]]) -> dict[int, int]:
        """A week reaching the agent's minimum that covers the most uncovered requirement (small CP-SAT model)."""
        prep = self.prep
        model = cp_model.CpModel()
        worked = {option: model.new_bool_var("") for option in prep.candidates[a]}
        _add_agent_rules(model, prep, self.problem.agents[a], worked, minimum=prep.minimum[a])
        value = {
            option: max(
                sum(max(0, need) for need in residual[group][prep.start[option] : prep.end[option]])
                for group in prep.eligible[a]
            )
            + (2 if option in picks else 0)
            for option in worked
        }
        model.maximize(cp_model.LinearExpr.weighted_sum(list(worked.values()), [value[o] for o in worked]))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 2.0
        if solver.solve(model) not in _SOLVED:
            return {option: self._group_for(a, option) for option in prep.witness[a]}
        return {
            option: picks.get(option, self._group_for(a, option))
            for option, var in worked.items()
            if solver.boolean_value(var)
        }

    def _most_needed(self, a: int, chosen: dict[int, int], residual: list[list[int]]) -> tuple[int, int] | None:
        """The compatible option and group covering the most still-uncovered requirement."""
        prep = self.prep
        agent = self.problem.agents[a]
        best, best_value = None, -1
        for option in prep.candidates[a]:
            if option in chosen or not _compatible(prep, agent, list(chosen), option):
                continue
            for group in prep.eligible[a]:
                value = sum(max(0, need) for need in residual[group][prep.start[option] : prep.end[option]])
                if value > best_value:
                    best, best_value = (group, option), value
        return best

    def _neighbourhood_size(self) -> int:
        return max(1, min(len(self.active), 40))

    # -- stage 3 ----------------------------------------------------------------------------------

    def _improve(
        self,
        free: list[int],
        time_limit: float,
        *,
        days: set[int] | None = None,
    ) -> str:
        """Re-optimise the agents in ``free`` on ``days`` (all by default), everyone else fixed, and every break.

        The free agents keep their shifts on other days. The objective is the full objective of the whole
        schedule, so when every agent and day is free the model is the problem itself (with the simultaneous-
        break limit as a heavy cost per agent-slot above it, which only relaxes it) and its bound is a bound on
        the problem. A result is kept when (agent-slots above the break limit, objective) is not worse. Free
        agents without shifts start from a week known to reach their minimum. The model gets a complete,
        feasible hint (the current schedule), so CP-SAT starts from it. Returns the CP-SAT status name.
        """
        prep, problem = self.prep, self.problem
        rest = problem.rules.min_rest_slots
        model = cp_model.CpModel()
        free_set = set(free)
        free_days = set(range(problem.day_count)) if days is None else days
        hint: dict[int, int] = {}
        chosen_vars: dict[tuple[int, int, int], cp_model.IntVar] = {}
        free_terms: dict[tuple[int, int], list[Any]] = {}
        fixed_counts: Counter[tuple[int, int]] = Counter()
        specials: list[_SpecialShift] = []
        objective_vars: list[Any] = []
        objective_coefs: list[int] = []
        constant = sum(prep.constant)
        nights: dict[int, tuple[list[Any], int]] = {}
        weekends: dict[int, tuple[list[Any], int]] = {}
        weekend_days = problem.weekend_days
        starts: dict[int, dict[int, int]] = {}
        for a, agent in enumerate(problem.agents):
            current = self.assign[a]
            if a in free_set:
                kept = {option: group for option, group in current.items() if prep.day[option] not in free_days}
                start = {option: group for option, group in current.items() if prep.day[option] in free_days}
                if not current:
                    start = {option: self._group_for(a, option) for option in prep.witness[a]}
                starts[a] = start
            else:
                kept = current
            for option, group in kept.items():
                constant += prep.cost[a][option]
                if (a, option) in prep.special:
                    specials.append(self._special(a, option, group, 1))
                else:
                    fixed_counts[(group, option)] += 1
            night_count = sum(1 for option in kept if prep.night[option])
            weekend_count = sum(1 for option in kept if prep.day[option] in weekend_days)
            if a not in free_set:
                nights[a] = ([], night_count)
                weekends[a] = ([], weekend_count)
                continue
            works: dict[int, cp_model.IntVar] = {}
            eligible = prep.eligible[a]
            for option in prep.candidates[a]:
                if prep.day[option] not in free_days or any(_conflict(prep, option, k, rest) for k in kept):
                    continue
                literal = model.new_bool_var("")
                works[option] = literal
                hint[literal.index] = int(option in start)
                if len(eligible) == 1:
                    per_group = [(eligible[0], literal)]
                else:
                    per_group = [(group, model.new_bool_var("")) for group in eligible]
                    model.add(cp_model.LinearExpr.sum([var for _, var in per_group]) == literal)
                    for group, var in per_group:
                        hint[var.index] = int(start.get(option) == group)
                for group, var in per_group:
                    chosen_vars[(a, option, group)] = var
                    if (a, option) in prep.special:
                        specials.append(self._special(a, option, group, var))
                    else:
                        free_terms.setdefault((group, option), []).append(var)
                cost = prep.cost[a][option]
                if cost:
                    objective_vars.append(literal)
                    objective_coefs.append(cost)
            day_worked = _add_agent_rules(
                model,
                prep,
                agent,
                works,
                minimum=prep.minimum[a],
                fixed=tuple(kept),
                chosen=set(start),
                hint=hint,
            )
            nights[a] = ([works[option] for option in works if prep.night[option]], night_count)
            weekends[a] = ([day_worked[day] for day in day_worked if day in weekend_days], weekend_count)
        counts: dict[tuple[int, int], Any] = {}
        caps: dict[tuple[int, int], int] = {}
        for key in sorted(set(fixed_counts) | set(free_terms)):
            fixed = fixed_counts[key]
            terms = free_terms.get(key)
            if terms:
                count = model.new_int_var(fixed, fixed + len(terms), "")
                model.add(cp_model.LinearExpr.sum(terms) - count == -fixed)
                hint[count.index] = fixed + sum(hint[var.index] for var in terms)
                counts[key], caps[key] = count, fixed + len(terms)
            elif fixed:
                counts[key], caps[key] = fixed, fixed
        layer = _Layer(
            model,
            prep,
            counts,
            caps,
            specials,
            break_penalty=self.break_penalty,
            fixed_placements=self.placed if days is not None else None,
        )
        self._hint_breaks(layer, counts, starts, hint)
        layer.hint(hint)
        fairness_vars, fairness_coefs = self._add_fairness(model, nights, prep.night_pool, hint)
        more_vars, more_coefs = self._add_fairness(model, weekends, prep.weekend_pool, hint)
        model.minimize(
            layer.objective
            + cp_model.LinearExpr.weighted_sum(objective_vars, objective_coefs)
            + cp_model.LinearExpr.weighted_sum(fairness_vars + more_vars, fairness_coefs + more_coefs)
            + (layer.constant_cost + constant)
        )
        model.proto.solution_hint.vars.extend(list(hint))
        model.proto.solution_hint.values.extend(list(hint.values()))
        solver = self._solver(time_limit, light=True)
        status = solver.solve(model)
        if status not in _SOLVED:
            return solver.status_name(status)
        values = solver.response_proto.solution
        candidate = [dict(current) for current in self.assign]
        for a in free_set:
            candidate[a] = {
                option: group for option, group in candidate[a].items() if prep.day[option] not in free_days
            }
        for (a, option, group), var in chosen_vars.items():
            if values[var.index]:
                candidate[a][option] = group
        placed: dict[tuple[int, int, int], dict[int, int]] = {}
        for break_key, placement in layer.placements.items():
            amounts = {offset: _value(values, var) for offset, var in placement}
            amounts = {offset: amount for offset, amount in amounts.items() if amount}
            if amounts:
                placed[break_key] = amounts
        special_placed: dict[tuple[int, int, int], list[int]] = {}
        for (a, option, group), chosen in layer.special_placements.items():
            if candidate[a].get(option) == group:
                special_placed[(a, option, group)] = [
                    next(offset for offset, var in literals if values[var.index]) for literals in chosen
                ]
        measured = time.perf_counter()
        measure = self._measure(self._assignments(candidate, placed, special_placed))
        self.margin = max(self.margin, 3 * (time.perf_counter() - measured))
        if self.objective is None or (measure.break_excess, measure.objective) <= (self.excess, self.objective):
            self.assign, self.placed, self.special_placed = candidate, placed, special_placed
            self.objective, self.excess = measure.objective, measure.break_excess
        if len(free_set) == len(self.active) and len(free_days) == problem.day_count:
            # The whole problem (the break limit as a cost only relaxes it): CP-SAT's bound is a bound on it.
            self.bound = max(self.bound, math.ceil(solver.best_objective_bound - 1e-6))
        return solver.status_name(status)

    def _group_for(self, a: int, option: int) -> int:
        """The agent's group with the most requirement over the option (a starting point only)."""
        prep = self.prep
        first, last = prep.start[option], prep.end[option]
        return max(prep.eligible[a], key=lambda group: (sum(prep.requirement[group][first:last]), -group))

    def _special(self, a: int, option: int, group: int, literal: Count) -> _SpecialShift:
        return _SpecialShift(
            agent=a,
            option=option,
            group=group,
            literal=literal,
            allowed=self.prep.special[(a, option)],
            off_slots=self.prep.off_slots[(a, option)],
        )

    def _hint_breaks(
        self,
        layer: _Layer,
        counts: Mapping[tuple[int, int], Any],
        starts: Mapping[int, Mapping[int, int]],
        hint: dict[int, int],
    ) -> None:
        """Hint break placements: the current ones where the counts did not change, else the earliest in order."""
        prep = self.prep
        load = [0] * self.problem.slot_count
        missing = []
        for (group, option), count in counts.items():
            amount = count if isinstance(count, int) else hint[count.index]
            for number in range(len(prep.breaks[option])):
                current = self.placed.get((group, option, number), {})
                if sum(current.values()) != amount:
                    missing.append((group, option, amount))
                    break
        missing_keys = {(group, option) for group, option, _ in missing}
        for (group, option, number), current in self.placed.items():
            if (group, option) in counts and (group, option) not in missing_keys:
                length = prep.breaks[option][number].length
                for offset, amount in current.items():
                    for slot in range(prep.start[option] + offset, prep.start[option] + offset + length):
                        load[slot] += amount
        fresh: dict[tuple[int, int, int], dict[int, int]] = {}
        # Breaks of changed counts: one at a time where the fewest agents are already on a break (water-filling),
        # each after the previous break of the same shift; overlapping windows keep the earliest order instead.
        for group, option, amount in sorted(missing, key=lambda item: (prep.start[item[1]], item)):
            specs = prep.breaks[option]
            first = prep.start[option]
            earliest = _earliest_offsets(specs, prep.offsets[option])
            ordered = all(
                max(prep.offsets[option][n - 1]) + specs[n - 1].length <= min(prep.offsets[option][n])
                for n in range(1, len(specs))
            )
            for number, spec in enumerate(specs):
                chosen: dict[int, int] = {}
                for _ in range(amount):
                    if ordered:
                        offset = min(
                            prep.offsets[option][number],
                            key=lambda o: (max(load[first + o : first + o + spec.length]), o),
                        )
                    else:
                        offset = earliest[number]
                    chosen[offset] = chosen.get(offset, 0) + 1
                    for slot in range(first + offset, first + offset + spec.length):
                        load[slot] += 1
                fresh[(group, option, number)] = chosen
        for group, option in counts:
            for number in range(len(prep.breaks[option])):
                placement = layer.placements[(group, option, number)]
                if len(placement) == 1 or all(isinstance(var, int) for _, var in placement):
                    continue
                amounts = fresh.get((group, option, number)) or self.placed.get((group, option, number), {})
                for offset, var in placement:
                    hint[var.index] = amounts.get(offset, 0)
        for (a, option, group), literal_lists in layer.special_placements.items():
            working = starts[a].get(option) == group if a in starts else self.assign[a].get(option) == group
            offsets = self.special_placed.get((a, option, group))
            if working and offsets is None:
                offsets = _earliest_offsets(prep.breaks[option], prep.special[(a, option)])
            for number, literals in enumerate(literal_lists):
                for offset, var in literals:
                    hint[var.index] = int(working and offsets is not None and offsets[number] == offset)

    def _add_fairness(
        self,
        model: cp_model.CpModel,
        counts: Mapping[int, tuple[list[Any], int]],
        pool: int,
        hint: dict[int, int],
    ) -> tuple[list[Any], list[int]]:
        """Excess over the fair share ceil(total / pool), per agent: share·pool ≥ total > (share − 1)·pool."""
        weight = self.problem.weights.fairness
        if not weight or not pool:
            return [], []
        variables = [var for terms, _ in counts.values() for var in terms]
        fixed = sum(number for _, number in counts.values())
        if not variables and not fixed:
            return [], []
        day_count = self.problem.day_count
        total = cp_model.LinearExpr.sum(variables) + fixed
        share = model.new_int_var(0, day_count, "")
        model.add(pool * share >= total)
        model.add(pool * share <= total + pool - 1)
        hinted_total = fixed + sum(hint[var.index] for var in variables)
        hint[share.index] = -(-hinted_total // pool)
        excess_vars: list[Any] = []
        for terms, number in counts.values():
            if not terms and not number:
                continue
            excess = model.new_int_var(0, day_count, "")
            model.add(excess >= cp_model.LinearExpr.sum(terms) + number - share)
            hint[excess.index] = max(0, number + sum(hint[var.index] for var in terms) - hint[share.index])
            excess_vars.append(excess)
        return excess_vars, [weight] * len(excess_vars)

    def _solver(self, time_limit: float, *, light: bool = False) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.seed
        # Counts and coverage rows are an LP at heart: with every row in the LP from the start CP-SAT finds the
        # count plan's optimum several times faster than when it adds them lazily.
        solver.parameters.add_lp_constraints_lazily = False
        if self.gap_limit:
            solver.parameters.relative_gap_limit = self.gap_limit
        if light:
            # Neighbourhood models are re-solved many times from a feasible hint: heavy presolve does not pay.
            solver.parameters.cp_model_probing_level = 0
            solver.parameters.symmetry_level = 0
        return solver

    def _local_search(self) -> None:
        """Large-neighbourhood search until the gap limit, proof or deadline.

        Rounds alternate between a random set of agents over the whole week and a larger random set over two or
        three consecutive days (their other days kept); a result is kept when not worse. A set grows after a
        neighbourhood solved to optimality in under half its time and shrinks otherwise. When the set is every
        agent over the whole week, an OPTIMAL answer proves the schedule optimal.
        """
        if not self.active:
            return
        sizes = {"week": self._neighbourhood_size(), "days": min(len(self.active), 2 * self._neighbourhood_size())}
        limit = self.clock.limit
        rounds = improved = 0
        while self.clock.remaining() > self.margin and not self.proven and not self._close_enough():
            kind = "days" if rounds % 2 and self.problem.day_count > 2 else "week"
            size = sizes[kind]
            full = kind == "week" and size >= len(self.active)
            free = list(self.active) if size >= len(self.active) else sorted(self.rng.sample(self.active, size))
            days = None
            if kind == "days":
                width = self.rng.choice((2, 3))
                first = self.rng.randrange(0, self.problem.day_count - width + 1)
                days = set(range(first, first + width))
            remaining = self.clock.remaining() - self.margin
            budget = remaining if full else min(remaining, max(0.5, min(3.0, limit / 15)))
            before = (self.excess, self.objective)
            opened = self.clock.elapsed()
            status = self._improve(free, budget, days=days)
            rounds += 1
            if before[1] is None or (self.excess, self.objective or 0) < (before[0], before[1]):
                improved += 1
            if full and status == "OPTIMAL":
                self.proven = True
                break
            quick = status == "OPTIMAL" and self.clock.elapsed() - opened < budget / 2
            sizes[kind] = min(len(self.active), int(size * 1.25) + 1) if quick else max(5, int(size * 0.85))
            self.clock.report(
                0.5 + 0.5 * self.clock.elapsed() / limit,
                f"Improving the schedule (objective {self.objective or 0:,})",
            )
        self.notes.append(f"Neighbourhood search: {rounds} rounds, {improved} improvements.")
        if self.proven:
            return
        if self._close_enough() and self.objective and self.objective > self.bound:
            self.notes.append(f"Stopped within the gap limit of {self.gap_limit:.2%}.")
        elif not self._close_enough():
            self.notes.append("Stopped at the time limit with the best schedule found.")

    def _close_enough(self) -> bool:
        """The objective meets the bound, or is within the gap limit of it (and keeps the break limit)."""
        if self.objective is None or self.excess:
            return False
        return self.objective - self.bound <= self.gap_limit * self.objective

    def run(self) -> Solution:
        self._plan()
        if self.infeasible:
            return self._finish("INFEASIBLE")
        # Two constructions, with and without week shapes; each gets its breaks placed and the better one stays.
        for shaped in (False, True):
            before = (self.assign, self.placed, self.special_placed, self.objective, self.excess)
            self.assign, self.placed, self.special_placed = [{} for _ in self.problem.agents], {}, {}
            self.objective, self.excess = None, 0
            self._construct(shaped=shaped)
            self.clock.report(0.35 + 0.05 * shaped, "Placing breaks", force=True)
            self._improve([], max(0.1, min(self.clock.remaining() / 4, 5.0)))
            if before[3] is not None and (
                self.objective is None or (before[4], before[3]) <= (self.excess, self.objective)
            ):
                self.assign, self.placed, self.special_placed, self.objective, self.excess = before
        if self.objective is None:
            self._improve([], self.clock.remaining() - self.margin)
        if self.objective is None:
            self.notes.append("No schedule was completed in time.")
            return self._finish("UNKNOWN")
        self._local_search()
        if self.excess:
            self.notes.append(
                "No schedule found that keeps the simultaneous-break limit with every agent's minimum hours."
            )
            return self._finish("UNKNOWN")
        if self.proven:
            self.bound = max(self.bound, self.objective or 0)
        return self._finish("OPTIMAL" if (self.objective or 0) <= self.bound else "FEASIBLE")

    # -- results ----------------------------------------------------------------------------------

    def _assignments(
        self,
        assign: list[dict[int, int]],
        placed: Mapping[tuple[int, int, int], Mapping[int, int]],
        special_placed: Mapping[tuple[int, int, int], list[int]],
    ) -> tuple[Assignment, ...]:
        prep, problem = self.prep, self.problem
        holders: dict[tuple[int, int], list[int]] = {}
        for a, current in enumerate(assign):
            for option, group in current.items():
                if (a, option) not in prep.special:
                    holders.setdefault((group, option), []).append(a)
        breaks_of: dict[tuple[int, int], list[PlacedBreak]] = {}
        for (group, option), agents in holders.items():
            first = prep.start[option]
            lists = []
            for number, spec in enumerate(prep.breaks[option]):
                amounts = placed.get((group, option, number), {})
                offsets = sorted(offset for offset, amount in amounts.items() for _ in range(amount))
                if len(offsets) != len(agents):
                    offsets = (offsets + [prep.offsets[option][number][0]] * len(agents))[: len(agents)]
                lists.append([PlacedBreak(spec.kind, first + offset, spec.length) for offset in offsets])
            for position, a in enumerate(agents):
                breaks_of[(a, option)] = [placements[position] for placements in lists]
        result = []
        for a, current in enumerate(assign):
            agent = problem.agents[a]
            for option, group in sorted(current.items(), key=lambda item: prep.start[item[0]]):
                if (a, option) in prep.special:
                    offsets = special_placed.get((a, option, group), [])
                    breaks = [
                        PlacedBreak(spec.kind, prep.start[option] + offset, spec.length)
                        for spec, offset in zip(prep.breaks[option], offsets, strict=False)
                    ]
                else:
                    breaks = breaks_of[(a, option)]
                result.append(
                    Assignment(
                        agent=agent.key,
                        option=problem.options[option].key,
                        group=prep.groups[group],
                        breaks=tuple(breaks),
                    )
                )
        return tuple(result)

    def _measure(self, assignments: tuple[Assignment, ...]) -> _Measure:
        return _measure(self.prep, assignments)

    def _finish(self, status: str) -> Solution:
        prep, problem = self.prep, self.problem
        solved = status in ("OPTIMAL", "FEASIBLE")
        assignments = self._assignments(self.assign, self.placed, self.special_placed) if solved else ()
        measure = _measure(prep, assignments)
        hours = problem.slot_minutes / 60
        objective = measure.objective if solved else 0
        bound = min(self.bound, objective) if solved else self.bound
        paid_of: Counter[str] = Counter()
        option_of = {option.key: option for option in problem.options}
        for assignment in assignments:
            paid_of[assignment.agent] += option_of[assignment.option].paid_slots
        unmet = {
            agent.key: (min(agent.min_paid_slots, agent.max_paid_slots) - paid_of[agent.key]) * hours
            for agent in problem.agents
            if paid_of[agent.key] < min(agent.min_paid_slots, agent.max_paid_slots)
        }
        self.clock.report(1.0, f"Done: {status.lower()}", force=True)
        report = Report(
            status=status,
            solve_seconds=round(self.clock.elapsed(), 3),
            objective=float(objective),
            lower_bound=float(bound),
            gap=(objective - bound) / objective if objective else 0.0,
            required_hours=sum(map(sum, prep.requirement)) * hours,
            scheduled_hours=sum(map(sum, measure.coverage)) * hours,
            under_coverage_hours=measure.under * hours,
            over_coverage_hours=measure.over * hours,
            preference_violations=measure.preference,
            unmet_minimum_hours=unmet,
            notes=tuple(self.notes),
        )
        return Solution(
            assignments=assignments,
            coverage={group: tuple(row) for group, row in zip(prep.groups, measure.coverage, strict=True)},
            report=report,
        )


def _integer_direction(normal: Any) -> tuple[int, ...]:
    """The smallest integer multiple of a facet normal (facets of integer points have rational normals)."""
    unit = normal / max(1e-12, float(np.abs(normal).max()))
    for multiple in range(1, 61):
        scaled = unit * multiple
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return tuple(int(value) for value in np.round(scaled))
    return tuple(int(value) for value in np.round(unit * 1000))


def _earliest_offsets(specs: tuple[BreakSpec, ...], allowed: list[list[int]]) -> list[int]:
    """Each break at its earliest allowed offset after the previous one (exists when ``_breaks_fit``)."""
    offsets = []
    earliest_free = 0
    for spec, options in zip(specs, allowed, strict=True):
        offset = next((value for value in options if value >= earliest_free), options[-1])
        offsets.append(offset)
        earliest_free = offset + spec.length
    return offsets


def _value(values: Any, term: Count) -> int:
    return term if isinstance(term, int) else int(values[term.index])


def _staircase(prep: _Prepared, firsts: list[int], seconds: list[int], rest: int) -> bool:
    """Whether, between these two days' options, conflict is exactly "starts before the first's end + rest"."""
    key = (prep.day[firsts[0]], prep.day[seconds[0]])
    known = prep.staircase.get(key)
    if known is None:
        day_options: dict[int, list[int]] = {}
        for index, day in enumerate(prep.day):
            day_options.setdefault(day, []).append(index)
        known = all(
            _conflict(prep, f, s, rest) == (prep.start[s] < prep.end[f] + rest)
            for f in day_options[key[0]]
            for s in day_options[key[1]]
        )
        prep.staircase[key] = known
    return known


def _measure(prep: _Prepared, assignments: tuple[Assignment, ...]) -> _Measure:
    """Coverage, under/over, preference, fairness and stability of a schedule, and its objective."""
    problem = prep.problem
    weights = problem.weights
    covered = coverage(problem, assignments)
    rows = [list(covered[group]) for group in prep.groups]
    under = over = 0
    for row, required in zip(rows, prep.requirement, strict=True):
        for have, need in zip(row, required, strict=True):
            if have < need:
                under += need - have
            else:
                over += have - need
    option_of = {option.key: option for option in problem.options}
    worked: dict[str, list[ShiftOption]] = {}
    for assignment in assignments:
        worked.setdefault(assignment.agent, []).append(option_of[assignment.option])
    preference = stability = 0
    nights: list[int] = []
    weekends: list[int] = []
    for agent in problem.agents:
        shifts = worked.get(agent.key, [])
        slots = {slot for option in shifts for slot in range(option.start, option.start + option.length)}
        preference += len(slots & agent.unpreferred) + len(agent.preferred - slots)
        starts = {option.day: option.start for option in shifts}
        stability += sum(
            1
            for day, start in agent.previous_starts.items()
            if 0 <= day < problem.day_count and starts.get(day) != start
        )
        nights.append(sum(1 for option in shifts if option.is_night))
        weekends.append(sum(1 for option in shifts if option.day in problem.weekend_days))
    fairness = _excess(nights, prep.night_pool) + _excess(weekends, prep.weekend_pool)
    break_excess = 0
    limit = problem.rules.max_simultaneous_breaks
    if limit is not None:
        on_break = _breaks_taken(problem)
        for assignment in assignments:
            for placed in assignment.breaks:
                for slot in range(placed.start, placed.start + placed.length):
                    on_break[slot] += 1
        break_excess = sum(max(0, count - limit) for count in on_break)
    objective = (
        weights.under_coverage * under
        + weights.over_coverage * over
        + weights.preference * preference
        + weights.fairness * fairness
        + weights.stability * stability
    )
    return _Measure(rows, under, over, preference, fairness, stability, objective, break_excess)


def _breaks_taken(problem: Problem) -> list[int]:
    """Agents outside the problem on a break per slot, padded to the horizon."""
    taken = list(problem.rules.breaks_taken[: problem.slot_count])
    return taken + [0] * (problem.slot_count - len(taken))


def _excess(counts: list[int], pool: int) -> int:
    if not pool:
        return 0
    share = -(-sum(counts) // pool)
    return sum(max(0, count - share) for count in counts)


def _empty_solution(problem: Problem, status: str, started: float, notes: tuple[str, ...]) -> Solution:
    hours = problem.slot_minutes / 60 if problem.slot_minutes > 0 else 0.0
    required = sum(sum(row) for row in problem.requirement.values()) * hours
    report = Report(
        status=status,
        solve_seconds=round(time.perf_counter() - started, 3),
        objective=0.0,
        lower_bound=0.0,
        gap=0.0,
        required_hours=required,
        scheduled_hours=0.0,
        under_coverage_hours=required,
        over_coverage_hours=0.0,
        preference_violations=0,
        unmet_minimum_hours={},
        notes=notes,
    )
    return Solution(assignments=(), coverage={}, report=report)
