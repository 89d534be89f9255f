"""Shift scheduling: count-level plan vs pyworkforce's MinAbsDifference, then named agents with every rule.

``python -m benchmarks schedule [--agents 50,200,1000] [--time-limit S,S,S] [--pyworkforce-limit S] [--seed N]``

The instance (one skill group, 7 days of 96 fifteen-minute slots, open 07:00-23:00):

* requirement: Erlang C (``scheduling.erlang.required_agents``, 80 % answered within 20 s, AHT 360 s) on a
  synthetic weekly volume curve (a morning and an afternoon peak and an evening shoulder; Monday busiest,
  weekends at 55-60 %), its volume scaled so the week needs about 33 on-queue hours per agent;
* templates: an 8-hour span (7.5 h paid: 15-minute break 2-3 h in, unpaid 30-minute lunch 3.5-5 h in, 15-minute
  break 6-7 h in) and a 9-hour span (8 h paid, unpaid 60-minute lunch) starting every 30 minutes from 07:00 to
  14:00, and a 4-hour part-time shift (15-minute break 1.5-2.5 h in) starting every hour from 07:00 to 19:00:
  43 options a day, 301 a week;
* agents: 32-40 paid hours a week, at most 5 days and 5 in a row (some already worked 1-3 days in a row before
  Monday), 11 hours' rest, about a quarter unavailable one whole day and a tenth not before 10:00 on two days;
  at most one agent in twelve on a break at once.

(a) Count level: pyworkforce's ``MinAbsDifference`` (Σ |scheduled − required| over the slots, no breaks, no
named agents) against our count-plan stage on the same requirement and break-free templates with the same
objective (under- and over-coverage weighted 1:1) and the same per-option cap: time, objective and ratio.

(b) Named agents: ``scheduling.optimizer.solve`` with breaks and every hard rule (default weights: 100 per
agent-slot under, 5 over) for each agent count, against pyworkforce's optimum measured in the same run.
pyworkforce's optimum minimises Σ |difference| with unlimited agents and without breaks, so it is a lower bound
of that sum for any named schedule whose break slots are counted as covered ("span basis"); its own
under-coverage is not a lower bound of under-coverage alone (a schedule can buy under-coverage with
over-coverage, as the default weights do). Both bases are printed: under-coverage with breaks taken (the real
one, which pyworkforce never pays for) and on the span basis, each divided by pyworkforce's under-coverage,
and Σ |difference| on the span basis divided by pyworkforce's optimum. The optimizer's own proven lower bound
(its count plan with breaks and the agents' rules in aggregate) gives the reported gap.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, replace

import numpy as np

from scheduling.erlang import required_agents
from scheduling.optimizer import (
    AgentSpec,
    BreakKind,
    BreakSpec,
    Problem,
    Rules,
    ShiftOption,
    Solution,
    Weights,
    coverage,
    plan,
    solve,
    violations,
)

SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
DAYS = 7
GROUP = "support"
AHT_SECONDS = 360.0
HOURS_PER_AGENT = 33.0
OPEN, CLOSE = 7 * 4, 23 * 4  # slots of the day


def _slots(hours: float) -> int:
    return round(hours * 60 / SLOT_MINUTES)


@dataclass(frozen=True)
class Template:
    """A shift shape: name, span and paid slots, its breaks, and the start slots of the day it is offered at."""

    name: str
    length: int
    paid: int
    breaks: tuple[BreakSpec, ...]
    starts: tuple[int, ...]


TEMPLATES = (
    Template(
        "8h",
        _slots(8),
        _slots(7.5),
        (
            BreakSpec(BreakKind.BREAK, 1, _slots(2), _slots(3)),
            BreakSpec(BreakKind.LUNCH, 2, _slots(3.5), _slots(5)),
            BreakSpec(BreakKind.BREAK, 1, _slots(6), _slots(7)),
        ),
        tuple(range(_slots(7), _slots(14) + 1, 2)),
    ),
    Template(
        "9h",
        _slots(9),
        _slots(8),
        (
            BreakSpec(BreakKind.BREAK, 1, _slots(2), _slots(3)),
            BreakSpec(BreakKind.LUNCH, 4, _slots(3.5), _slots(5)),
            BreakSpec(BreakKind.BREAK, 1, _slots(6.5), _slots(7.5)),
        ),
        tuple(range(_slots(7), _slots(14) + 1, 2)),
    ),
    Template(
        "4h",
        _slots(4),
        _slots(4),
        (BreakSpec(BreakKind.BREAK, 1, _slots(1.5), _slots(2.5)),),
        tuple(range(_slots(7), _slots(19) + 1, 4)),
    ),
)


def volume_curve() -> np.ndarray:
    """Contacts per 15-minute slot over the week (7 × 96), before scaling: intraday shape × weekday level."""
    hours = (np.arange(SLOTS_PER_DAY) + 0.5) / 4
    shape = (
        np.exp(-(((hours - 10.5) / 1.6) ** 2))
        + 0.85 * np.exp(-(((hours - 15.0) / 2.0) ** 2))
        + 0.45 * np.exp(-(((hours - 19.5) / 1.5) ** 2))
    )
    shape[(hours < OPEN / 4) | (hours >= CLOSE / 4)] = 0.0
    levels = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.6, 0.55])
    return levels[:, None] * shape[None, :]


def requirement_for(agents: int) -> np.ndarray:
    """Erlang C agents per slot (7 × 96), the volume scaled so the week needs ~33 on-queue hours per agent."""
    curve = volume_curve()
    target = HOURS_PER_AGENT * agents / (SLOT_MINUTES / 60)

    def required(scale: float) -> np.ndarray:
        result = required_agents(curve * scale, AHT_SECONDS, SLOT_MINUTES * 60, 0.8, 20.0).agents
        return np.asarray(result, dtype=np.int64)

    low, high = 0.0, 1.0
    while required(high).sum() < target:
        high *= 2
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (middle, high) if required(middle).sum() < target else (low, middle)
    return required(high)


def build_problem(agents: int, seed: int, *, breaks: bool = True) -> Problem:
    """The named-agent problem: requirement, 301 options, agents with availability and rules."""
    rng = random.Random(seed)
    need = requirement_for(agents)
    options = []
    for day in range(DAYS):
        for template in TEMPLATES:
            for start in template.starts:
                options.append(
                    ShiftOption(
                        key=f"d{day}-{template.name}-{start // 4:02d}{start % 4 * 15:02d}",
                        day=day,
                        start=day * SLOTS_PER_DAY + start,
                        length=template.length,
                        paid_slots=template.paid,
                        breaks=template.breaks if breaks else (),
                    )
                )
    specs = []
    for number in range(agents):
        unavailable: set[int] = set()
        if rng.random() < 0.25:
            day = rng.randrange(DAYS)
            unavailable |= set(range(day * SLOTS_PER_DAY, (day + 1) * SLOTS_PER_DAY))
        if rng.random() < 0.10:
            for day in rng.sample(range(DAYS), 2):
                unavailable |= set(range(day * SLOTS_PER_DAY, day * SLOTS_PER_DAY + _slots(10)))
        specs.append(
            AgentSpec(
                key=f"agent{number:04d}",
                groups=(GROUP,),
                min_paid_slots=_slots(32),
                max_paid_slots=_slots(40),
                max_days=5,
                max_consecutive_days=5,
                unavailable=frozenset(unavailable),
                consecutive_days_before=rng.choice((0, 0, 0, 1, 2, 3)),
            )
        )
    return Problem(
        slot_minutes=SLOT_MINUTES,
        slot_count=DAYS * SLOTS_PER_DAY,
        day_count=DAYS,
        requirement={GROUP: tuple(int(value) for value in need.ravel())},
        options=tuple(options),
        agents=tuple(specs),
        rules=Rules(min_rest_slots=_slots(11), max_simultaneous_breaks=max(3, agents // 12)),
        weights=Weights(),
    )


def pyworkforce_optimum(problem: Problem, time_limit: float, cap: int) -> tuple[str, float, float, float, float]:
    """pyworkforce ``MinAbsDifference`` on the problem's requirement and break-free templates.

    Returns (status, seconds, Σ |difference| in agent-slots, under-coverage slots, over-coverage slots).
    """
    from pyworkforce.scheduling import MinAbsDifference

    requirement = np.asarray(problem.requirement[GROUP]).reshape(DAYS, SLOTS_PER_DAY)
    coverage: dict[str, list[int]] = {}
    for template in TEMPLATES:
        for start in template.starts:
            row = [0] * SLOTS_PER_DAY
            for slot in range(start, start + template.length):
                row[slot] = 1
            coverage[f"{template.name}-{start}"] = row
    scheduler = MinAbsDifference(
        num_days=DAYS,
        periods=SLOTS_PER_DAY,
        shifts_coverage=coverage,
        required_resources=requirement.tolist(),
        max_period_concurrency=cap,
        max_shift_concurrency=cap,
        max_search_time=time_limit,
        num_search_workers=2,
    )
    started = time.perf_counter()
    result = scheduler.solve()
    seconds = time.perf_counter() - started
    scheduled = np.zeros((DAYS, SLOTS_PER_DAY), dtype=np.int64)
    for row in result["resources_shifts"]:
        if row["day"] < 0:
            continue
        scheduled[row["day"]] += row["resources"] * np.asarray(coverage[row["shift"]])
    difference = scheduled - requirement
    under = float(np.maximum(0, -difference).sum())
    over = float(np.maximum(0, difference).sum())
    return str(result["status"]), seconds, float(result["cost"]), under, over


def unlimited_count_problem(problem: Problem, cap: int) -> Problem:
    """The same requirement and break-free templates, objective Σ |difference| (1:1), ``cap`` free agents."""
    agents = tuple(
        AgentSpec(
            key=f"free{number:05d}",
            groups=(GROUP,),
            min_paid_slots=0,
            max_paid_slots=DAYS * SLOTS_PER_DAY,
            max_days=DAYS,
            max_consecutive_days=DAYS,
        )
        for number in range(cap)
    )
    return replace(
        problem,
        options=tuple(replace(option, breaks=()) for option in problem.options),
        agents=agents,
        rules=Rules(min_rest_slots=0),
        weights=Weights(under_coverage=1, over_coverage=1, preference=0, fairness=0, stability=0),
    )


@dataclass(frozen=True)
class NamedRow:
    """One named-agent run: sizes, time, status and coverage figures (hours)."""

    agents: int
    seconds: float
    status: str
    under: float
    under_span: float
    over: float
    difference_span: float
    gap: float
    violations: int


def like_for_like(problem: Problem) -> Problem:
    """The named problem with pyworkforce's objective (Σ |difference|, 1:1) and break-free templates."""
    return replace(
        problem,
        options=tuple(replace(option, breaks=()) for option in problem.options),
        weights=Weights(under_coverage=1, over_coverage=1, preference=0, fairness=0, stability=0),
    )


def named_run(problem: Problem, time_limit: float, seed: int, gap_limit: float) -> tuple[NamedRow, Solution]:
    solution = solve(problem, time_limit_seconds=time_limit, workers=2, seed=seed, gap_limit=gap_limit)
    report = solution.report
    hours = SLOT_MINUTES / 60
    span = coverage(problem, tuple(replace(assignment, breaks=()) for assignment in solution.assignments))[GROUP]
    required = problem.requirement[GROUP]
    under_span = sum(max(0, need - have) for need, have in zip(required, span, strict=True)) * hours
    difference_span = sum(abs(need - have) for need, have in zip(required, span, strict=True)) * hours
    row = NamedRow(
        agents=len(problem.agents),
        seconds=report.solve_seconds,
        status=report.status,
        under=report.under_coverage_hours,
        under_span=under_span,
        over=report.over_coverage_hours,
        difference_span=difference_span,
        gap=report.gap,
        violations=len(violations(problem, solution.assignments)),
    )
    return row, solution


def _ratio(value: float, reference: float) -> str:
    return f"{value / reference:.3f}×" if reference else ("1.000×" if not value else "∞")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks schedule", description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="50,200,1000", help="agent counts, comma-separated (default 50,200,1000)")
    parser.add_argument(
        "--time-limit",
        default="",
        help="seconds per agent count, comma-separated (default 30 up to 200 agents, 120 above)",
    )
    parser.add_argument(
        "--pyworkforce-limit", type=float, default=120.0, help="pyworkforce's max_search_time (default 120)"
    )
    parser.add_argument("--seed", type=int, default=7, help="instance seed (default 7)")
    parser.add_argument(
        "--gap-limit", type=float, default=0.001, help="stop once the reported gap is at most this (default 0.001)"
    )
    parser.add_argument(
        "--like-for-like",
        action="store_true",
        help="also solve each named problem with pyworkforce's objective (1:1) and no breaks",
    )
    args = parser.parse_args(argv)
    counts = [int(value) for value in args.agents.split(",") if value.strip()]
    limits = [float(value) for value in args.time_limit.split(",") if value.strip()]
    if limits and len(limits) != len(counts):
        parser.error("give one --time-limit per agent count")
    if not limits:
        limits = [30.0 if count <= 200 else 120.0 for count in counts]
    hours = SLOT_MINUTES / 60

    print("Shift scheduling benchmark: 7 days × 96 fifteen-minute slots, one skill group, 301 options a week")
    print(f"  requirement: Erlang C 80/20, AHT {AHT_SECONDS:.0f} s, ~{HOURS_PER_AGENT:g} on-queue hours per agent")
    counted = []
    named: list[tuple[NamedRow, float, float]] = []
    alike: list[tuple[NamedRow, float, float]] = []
    for count, limit in zip(counts, limits, strict=True):
        problem = build_problem(count, args.seed)
        cap = 2 * count
        print(f"\n{count} agents: required {sum(problem.requirement[GROUP]) * hours:,.0f} agent-hours")
        status, seconds, cost, under, over = pyworkforce_optimum(problem, args.pyworkforce_limit, cap)
        print(
            f"  pyworkforce MinAbsDifference: {status} in {seconds:.1f} s, Σ|diff| {cost * hours:,.2f} h "
            f"(under {under * hours:,.2f} h, over {over * hours:,.2f} h)"
        )
        ours = plan(unlimited_count_problem(problem, cap), time_limit_seconds=args.pyworkforce_limit, seed=0)
        print(
            f"  our count plan (same model):  {ours.status} in {ours.solve_seconds:.1f} s, Σ|diff| "
            f"{ours.objective * hours:,.2f} h (proven bound {ours.lower_bound * hours:,.2f} h)"
        )
        counted.append((count, seconds, cost, ours.solve_seconds, ours.objective, ours.lower_bound))
        row, solution = named_run(problem, limit, args.seed, args.gap_limit)
        report = solution.report
        print(
            f"  named ({limit:g} s limit): {row.status} in {row.seconds:.1f} s, under {row.under:,.2f} h "
            f"(span basis {row.under_span:,.2f} h), over {row.over:,.2f} h, objective {report.objective:,.0f}, "
            f"bound {report.lower_bound:,.0f}, gap {row.gap:.2%}, {row.violations} rule violations"
        )
        named.append((row, under * hours, cost * hours))
        if args.like_for_like:
            same, same_solution = named_run(like_for_like(problem), limit, args.seed, args.gap_limit)
            print(
                f"  named, pyworkforce's objective and no breaks: {same.status} in {same.seconds:.1f} s, "
                f"Σ|diff| {same.difference_span:,.2f} h (under {same.under:,.2f} h, over {same.over:,.2f} h), "
                f"gap {same.gap:.2%}, {same.violations} rule violations"
            )
            alike.append((same, under * hours, cost * hours))

    print("\n(a) Count level, Σ |scheduled − required| (agent-hours), break-free templates, same requirement")
    print(
        f"{'agents':>7} | {'pyworkforce s':>13} | {'pyworkforce Σ|diff|':>19} | {'ours s':>7} | {'ours Σ|diff|':>12} |"
    )
    print(f"{'':>7} | {'':>13} | {'':>19} | {'':>7} | {'':>12} | ratio (objective, time)")
    for count, their_seconds, their_cost, our_seconds, our_cost, _ in counted:
        print(
            f"{count:>7} | {their_seconds:>13.1f} | {their_cost * hours:>19,.2f} | {our_seconds:>7.1f} | "
            f"{our_cost * hours:>12,.2f} | {_ratio(our_cost, their_cost)}, {_ratio(our_seconds, their_seconds)}"
        )
    print("\n(b) Named agents with breaks and every hard rule vs pyworkforce's optimum (agent-hours)")
    print(
        f"{'agents':>7} | {'s':>6} | {'status':>8} | {'under':>8} | {'span under':>10} | {'pw under':>8} | "
        f"{'under/pw':>8} | {'span/pw':>8} | {'span Σ|diff|':>12} | {'pw Σ|diff|':>10} | {'Σ ratio':>7} | gap"
    )
    failures = 0
    for row, their_under, their_difference in named:
        print(
            f"{row.agents:>7} | {row.seconds:>6.1f} | {row.status:>8} | {row.under:>8,.2f} | "
            f"{row.under_span:>10,.2f} | "
            f"{their_under:>8,.2f} | {_ratio(row.under, their_under):>8} | {_ratio(row.under_span, their_under):>8} | "
            f"{row.difference_span:>12,.2f} | {their_difference:>10,.2f} | "
            f"{_ratio(row.difference_span, their_difference):>7} | {row.gap:.2%}"
        )
        failures += row.violations
    if alike:
        print("\n(c) Like for like: named agents with every rule, pyworkforce's objective, no breaks (agent-hours)")
        print(f"{'agents':>7} | {'s':>6} | {'status':>8} | {'Σ|diff|':>9} | {'pw Σ|diff|':>10} | {'ratio':>7} | gap")
        for row, _, their_difference in alike:
            print(
                f"{row.agents:>7} | {row.seconds:>6.1f} | {row.status:>8} | {row.difference_span:>9,.2f} | "
                f"{their_difference:>10,.2f} | {_ratio(row.difference_span, their_difference):>7} | {row.gap:.2%}"
            )
            failures += row.violations
    print(f"Stopping rule: gap ≤ {args.gap_limit:.1%} or the time limit.")
    print("Targets: 200 agents in ≤ 30 s with under-coverage ≤ 1.05 × pyworkforce's; 1,000 agents in ≤ 120 s.")
    return 1 if failures else 0
