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

Hard rules: an agent works only options whose every slot is available and on at most one option per day;
consecutive shifts are at least ``min_rest_slots`` apart (end to start), also against ``earliest_start`` /
``latest_end`` (last week's and next week's fixed shifts); paid slots within ``[min_paid_slots,
max_paid_slots]`` (the minimum is relaxed to what availability allows, and reported); at most ``max_days``
days and ``max_consecutive_days`` in a row (counting ``consecutive_days_before``); each break is placed
wholly inside its window and not on an off-queue slot; at most ``max_simultaneous_breaks`` agents on a
break or lunch in any slot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

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
    """A named agent and every rule that is theirs alone. Slot sets use horizon slot indexes."""

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


@dataclass(frozen=True)
class Rules:
    """Rules that apply to everyone in the problem (slots)."""

    min_rest_slots: int
    max_simultaneous_breaks: int | None = None


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


def solve(
    problem: Problem,
    *,
    time_limit_seconds: float = 30.0,
    workers: int = 2,
    progress: ProgressCallback | None = None,
) -> Solution:
    """Find the best schedule within the time limit (the best found so far when the limit is hit)."""
    raise NotImplementedError


def violations(problem: Problem, assignments: tuple[Assignment, ...]) -> list[str]:
    """Every hard rule the assignments break, in words (empty when they are valid)."""
    raise NotImplementedError
