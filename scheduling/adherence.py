"""Schedule adherence and conformance of one agent's day, and its exceptions: pure (no Django).

Inputs are the day's published shifts (each tiled by its activities; time not covered by an activity is on
queue) and the agent's state changes (``available``, ``on_contact``, ``break``, ``offline``; a state lasts until
the next change). Everything is computed on exact time intervals (seconds), then reported in minutes rounded to
0.1 and percentages rounded to 0.1.

What each scheduled activity expects of the agent's state:

=====================================  ===============================  =====================================
scheduled activity                     expected state                   counts as present (conformance)
=====================================  ===============================  =====================================
on queue                               ``available`` or ``on_contact``  logged in (any state but ``offline``)
break, lunch                           ``break``                        logged in
training, meeting, coaching            ``break`` or ``offline``         always (the agent is at work, but the
                                       (off the queue)                  contact system cannot see a classroom)
=====================================  ===============================  =====================================

- scheduled minutes: the length of the day's shifts, breaks included;
- adherence % = minutes in the expected state / scheduled minutes × 100;
- conformance % = minutes present / scheduled minutes × 100, where present is as in the table; only time inside
  scheduled shifts counts, so both figures are at most 100;
- a shift with time on queue in which the agent never logged in is ``absent``: none of its minutes count as
  adherent or present (being offline through its training is no credit);
- the state before the agent's first known change is ``initial_state``, or ``offline`` when unknown.

Exceptions (each with the instant it starts and its length in minutes), per shift; "late" and "long" mean
strictly more than the grace:

- ``absent``: never logged in during a shift that has time on queue (its other exceptions are not listed);
- ``late_start``: the first log-in at or after the start of the shift's first on-queue time came later than
  that start + grace (minutes: the delay);
- ``early_leave``: the agent logged out for good before the end of the shift's last on-queue time - grace
  (minutes: the time left);
- ``long_break``: a stretch away from the queue (``break`` or ``offline``) that overlaps a scheduled break or
  lunch lasted longer than the off-queue time it overlaps + grace (minutes: the excess);
- ``out_of_adherence``: on-queue time spent in another state for longer than the grace, outside the time
  already explained by a late start, an early leave or a long break.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

ON_QUEUE = "on_queue"
BREAK_KINDS = frozenset({"break", "lunch"})
OFF_QUEUE_WORK_KINDS = frozenset({"training", "meeting", "coaching"})
ACTIVITY_KINDS = frozenset({ON_QUEUE}) | BREAK_KINDS | OFF_QUEUE_WORK_KINDS

STATES = ("available", "on_contact", "break", "offline")
OFFLINE = "offline"
ON_QUEUE_STATES = frozenset({"available", "on_contact"})
AWAY_STATES = frozenset({"break", "offline"})

EXPECTED_STATES: dict[str, frozenset[str]] = {
    ON_QUEUE: ON_QUEUE_STATES,
    "break": frozenset({"break"}),
    "lunch": frozenset({"break"}),
    "training": AWAY_STATES,
    "meeting": AWAY_STATES,
    "coaching": AWAY_STATES,
}

DEFAULT_GRACE_MINUTES = 5


class ExceptionKind:
    """The kinds of adherence exception."""

    ABSENT = "absent"
    LATE_START = "late_start"
    EARLY_LEAVE = "early_leave"
    LONG_BREAK = "long_break"
    OUT_OF_ADHERENCE = "out_of_adherence"


@dataclass(frozen=True)
class AdherenceRules:
    """Tolerances, in minutes, before a deviation becomes an exception."""

    late_start_grace_minutes: float = DEFAULT_GRACE_MINUTES
    early_leave_grace_minutes: float = DEFAULT_GRACE_MINUTES
    long_break_grace_minutes: float = DEFAULT_GRACE_MINUTES
    out_of_adherence_grace_minutes: float = DEFAULT_GRACE_MINUTES

    @classmethod
    def with_grace(cls, minutes: float) -> AdherenceRules:
        """The same grace for every kind of exception."""
        return cls(minutes, minutes, minutes, minutes)


@dataclass(frozen=True)
class ScheduledActivity:
    """Part of a shift spent on one activity kind (``on_queue``, ``break``, ``lunch``, ``training``, …)."""

    kind: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ScheduledShift:
    """A published shift; time not covered by an activity is on queue."""

    starts_at: datetime
    ends_at: datetime
    activities: tuple[ScheduledActivity, ...] = ()


@dataclass(frozen=True)
class StateChange:
    """The agent entered ``state`` at ``occurred_at``."""

    occurred_at: datetime
    state: str


@dataclass(frozen=True)
class Block:
    """One piece of a shift's tiling: what was scheduled from ``starts_at`` to ``ends_at``."""

    kind: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Span:
    """The agent's actual state from ``starts_at`` to ``ends_at``."""

    state: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class AdherenceException:
    """A deviation from the schedule: its kind, when it began, and how many minutes it cost."""

    kind: str
    starts_at: datetime
    minutes: float


@dataclass(frozen=True)
class DayAdherence:
    """One agent's day: minutes scheduled, in the expected state, present; the percentages and exceptions.

    The percentages are None when nothing was scheduled.
    """

    scheduled_minutes: float
    adherent_minutes: float
    present_minutes: float
    adherence_percent: float | None
    conformance_percent: float | None
    exceptions: tuple[AdherenceException, ...] = field(default=())


# --- Building blocks --------------------------------------------------------------------------------


def shift_blocks(shift: ScheduledShift) -> list[Block]:
    """Tile the shift: its activities clipped to it in time order, the gaps on queue.

    An activity that overlaps an earlier one starts where the earlier one ends; unknown kinds are on queue.
    """
    blocks: list[Block] = []
    cursor = shift.starts_at
    for activity in sorted(shift.activities, key=lambda item: (item.starts_at, item.ends_at)):
        start = max(activity.starts_at, cursor, shift.starts_at)
        end = min(activity.ends_at, shift.ends_at)
        if end <= start:
            continue
        if start > cursor:
            blocks.append(Block(ON_QUEUE, cursor, start))
        kind = activity.kind if activity.kind in ACTIVITY_KINDS else ON_QUEUE
        blocks.append(Block(kind, start, end))
        cursor = end
    if cursor < shift.ends_at:
        blocks.append(Block(ON_QUEUE, cursor, shift.ends_at))
    return _merge_blocks(blocks)


def _merge_blocks(blocks: list[Block]) -> list[Block]:
    merged: list[Block] = []
    for block in blocks:
        if merged and merged[-1].kind == block.kind and merged[-1].ends_at == block.starts_at:
            merged[-1] = Block(block.kind, merged[-1].starts_at, block.ends_at)
        else:
            merged.append(block)
    return merged


def state_spans(
    changes: Sequence[StateChange], *, starts_at: datetime, ends_at: datetime, initial_state: str | None = None
) -> list[Span]:
    """The agent's states from ``starts_at`` to ``ends_at``, from changes sorted by time.

    The state at ``starts_at`` is the last change at or before it, else ``initial_state``, else ``offline``.
    """
    state = initial_state or OFFLINE
    spans: list[Span] = []
    cursor = starts_at
    for change in changes:
        if change.occurred_at <= starts_at:
            state = change.state
            continue
        if change.occurred_at >= ends_at:
            break
        if change.state != state:
            spans.append(Span(state, cursor, change.occurred_at))
            state, cursor = change.state, change.occurred_at
    if cursor < ends_at:
        spans.append(Span(state, cursor, ends_at))
    return spans


def _overlap(start_a: datetime, end_a: datetime, start_b: datetime, end_b: datetime) -> timedelta:
    return max(timedelta(0), min(end_a, end_b) - max(start_a, start_b))


def _minutes(duration: timedelta) -> float:
    return round(duration.total_seconds() / 60, 1)


def _percent(part: timedelta, whole: timedelta) -> float | None:
    if whole <= timedelta(0):
        return None
    return round(100 * part.total_seconds() / whole.total_seconds(), 1)


def _subtract(
    intervals: list[tuple[datetime, datetime]], removed: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """``intervals`` minus ``removed`` (both lists of half-open intervals)."""
    result = intervals
    for cut_start, cut_end in removed:
        next_result: list[tuple[datetime, datetime]] = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                next_result.append((start, end))
                continue
            if start < cut_start:
                next_result.append((start, cut_start))
            if cut_end < end:
                next_result.append((cut_end, end))
        result = next_result
    return result


def _merge_touching(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


# --- One shift --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ShiftResult:
    scheduled: timedelta
    adherent: timedelta
    present: timedelta
    exceptions: tuple[AdherenceException, ...]


def _evaluate_shift(shift: ScheduledShift, spans: list[Span], rules: AdherenceRules) -> _ShiftResult:
    blocks = shift_blocks(shift)
    adherent = timedelta(0)
    present = timedelta(0)
    for block in blocks:
        expected = EXPECTED_STATES[block.kind]
        for span in spans:
            overlap = _overlap(block.starts_at, block.ends_at, span.starts_at, span.ends_at)
            if not overlap:
                continue
            if span.state in expected:
                adherent += overlap
            if block.kind in OFF_QUEUE_WORK_KINDS or span.state != OFFLINE:
                present += overlap
    scheduled = shift.ends_at - shift.starts_at
    exceptions = _shift_exceptions(shift, blocks, spans, rules)
    if any(item.kind == ExceptionKind.ABSENT for item in exceptions):
        adherent = present = timedelta(0)  # offline through a scheduled training is no credit when absent
    return _ShiftResult(scheduled, adherent, present, tuple(exceptions))


def _shift_exceptions(
    shift: ScheduledShift, blocks: list[Block], spans: list[Span], rules: AdherenceRules
) -> list[AdherenceException]:
    on_queue = [block for block in blocks if block.kind == ON_QUEUE]
    if not on_queue:
        return []
    logged_in = [span for span in spans if span.state != OFFLINE]
    if not logged_in:
        return [AdherenceException(ExceptionKind.ABSENT, shift.starts_at, _minutes(shift.ends_at - shift.starts_at))]

    exceptions: list[AdherenceException] = []
    explained: list[tuple[datetime, datetime]] = []

    expected_login = on_queue[0].starts_at
    first_login = next(
        (max(span.starts_at, expected_login) for span in logged_in if span.ends_at > expected_login), shift.ends_at
    )
    if first_login > expected_login:
        explained.append((expected_login, first_login))
        if first_login - expected_login > timedelta(minutes=rules.late_start_grace_minutes):
            exceptions.append(
                AdherenceException(ExceptionKind.LATE_START, expected_login, _minutes(first_login - expected_login))
            )

    expected_logout = on_queue[-1].ends_at
    last_present = max(
        (min(span.ends_at, expected_logout) for span in logged_in if span.starts_at < expected_logout),
        default=shift.starts_at,
    )
    if first_login < last_present < expected_logout:  # never on queue at all is a late start, not also a leave
        explained.append((last_present, expected_logout))
        if expected_logout - last_present > timedelta(minutes=rules.early_leave_grace_minutes):
            exceptions.append(
                AdherenceException(ExceptionKind.EARLY_LEAVE, last_present, _minutes(expected_logout - last_present))
            )

    for run_start, run_end in _away_runs(spans, first_login, last_present):
        breaks = [
            block
            for block in blocks
            if block.kind in BREAK_KINDS and _overlap(run_start, run_end, block.starts_at, block.ends_at)
        ]
        if not breaks:
            continue
        allowed = sum(
            (
                block.ends_at - block.starts_at
                for block in blocks
                if block.kind != ON_QUEUE and _overlap(run_start, run_end, block.starts_at, block.ends_at)
            ),
            timedelta(0),
        )
        excess = (run_end - run_start) - allowed
        if excess > timedelta(minutes=rules.long_break_grace_minutes):
            explained.append((run_start, run_end))
            exceptions.append(AdherenceException(ExceptionKind.LONG_BREAK, run_start, _minutes(excess)))

    out_of_state = [
        (max(block.starts_at, span.starts_at), min(block.ends_at, span.ends_at))
        for block in on_queue
        for span in spans
        if span.state not in ON_QUEUE_STATES and _overlap(block.starts_at, block.ends_at, span.starts_at, span.ends_at)
    ]
    for start, end in _merge_touching(_subtract(out_of_state, explained)):
        if end - start > timedelta(minutes=rules.out_of_adherence_grace_minutes):
            exceptions.append(AdherenceException(ExceptionKind.OUT_OF_ADHERENCE, start, _minutes(end - start)))
    return exceptions


def _away_runs(spans: list[Span], starts_at: datetime, ends_at: datetime) -> list[tuple[datetime, datetime]]:
    """Stretches away from the queue (break or offline), clipped to the agent's logged-in part of the shift."""
    runs = [
        (max(span.starts_at, starts_at), min(span.ends_at, ends_at))
        for span in spans
        if span.state in AWAY_STATES and _overlap(span.starts_at, span.ends_at, starts_at, ends_at)
    ]
    return _merge_touching(runs)


# --- One day ----------------------------------------------------------------------------------------


def evaluate_day(
    shifts: Sequence[ScheduledShift],
    changes: Sequence[StateChange],
    *,
    initial_state: str | None = None,
    rules: AdherenceRules | None = None,
) -> DayAdherence:
    """Adherence, conformance and exceptions of an agent's shifts of one day (see the module docstring).

    ``changes`` are the agent's state changes sorted by time (they may reach beyond the shifts);
    ``initial_state`` is the state before the first of them (None: unknown, taken as ``offline``).
    """
    rules = rules or AdherenceRules()
    ordered = sorted(changes, key=lambda change: change.occurred_at)
    scheduled = adherent = present = timedelta(0)
    exceptions: list[AdherenceException] = []
    for shift in sorted(shifts, key=lambda item: item.starts_at):
        spans = state_spans(ordered, starts_at=shift.starts_at, ends_at=shift.ends_at, initial_state=initial_state)
        result = _evaluate_shift(shift, spans, rules)
        scheduled += result.scheduled
        adherent += result.adherent
        present += result.present
        exceptions.extend(result.exceptions)
    return DayAdherence(
        scheduled_minutes=_minutes(scheduled),
        adherent_minutes=_minutes(adherent),
        present_minutes=_minutes(present),
        adherence_percent=_percent(adherent, scheduled),
        conformance_percent=_percent(present, scheduled),
        exceptions=tuple(sorted(exceptions, key=lambda item: (item.starts_at, item.kind))),
    )
