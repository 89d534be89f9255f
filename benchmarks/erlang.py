"""Erlang C staffing: one vectorised call for 20 queues × 672 intervals against pyworkforce's ErlangC.

``python -m benchmarks erlang [--seed N] [--repeat N] [--queues N] [--intervals N] [--answer-within S]``

Builds 20 queues × 672 fifteen-minute intervals (a week) with volumes uniform in 10-2,000 contacts per interval
and AHT uniform in 180-600 s, target 80 % answered within 20 s, and times:

* SupportOps: ``scheduling.erlang.required_agents`` on the whole 20 × 672 array, best of ``--repeat`` calls;
* pyworkforce: ``ErlangC(...).required_positions(service_level=0.8, max_occupancy=1.0)`` per case in a Python
  loop (its units are minutes), run once (it takes seconds).

Then compares the agent counts case by case and lists every disagreement with both counts and the service
level of each count by the exact function, with a verdict: pyworkforce is "one too many" when our smaller
count already meets the target.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scheduling.erlang import required_agents, service_level

TARGET = 0.8
INTERVAL_MINUTES = 15


def _pyworkforce_agents(volumes: np.ndarray, ahts: np.ndarray, within: float) -> tuple[np.ndarray, float]:
    from pyworkforce.queuing import ErlangC

    counts = np.empty(volumes.size, dtype=np.int64)
    started = time.perf_counter()
    for index, (volume, aht) in enumerate(zip(volumes.ravel().tolist(), ahts.ravel().tolist(), strict=True)):
        erlang = ErlangC(transactions=volume, aht=aht / 60, asa=within / 60, interval=INTERVAL_MINUTES, shrinkage=0.0)
        counts[index] = erlang.required_positions(service_level=TARGET, max_occupancy=1.0)["raw_positions"]
    return counts.reshape(volumes.shape), time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks erlang", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7, help="random seed for volumes and AHT (default 7)")
    parser.add_argument("--repeat", type=int, default=7, help="timed repeats of the vectorised call (default 7)")
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--intervals", type=int, default=672, help="fifteen-minute intervals per queue (default 672)")
    parser.add_argument(
        "--answer-within", type=float, default=20.0, help="service-level threshold in seconds (default 20)"
    )
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    shape = (args.queues, args.intervals)
    volumes = rng.integers(10, 2001, shape).astype(np.float64)
    ahts = rng.uniform(180, 600, shape).round(1)
    interval_seconds = INTERVAL_MINUTES * 60
    within = args.answer_within

    def ours() -> np.ndarray:
        return required_agents(volumes, ahts, interval_seconds, TARGET, within).agents

    ours()  # warm-up: imports and first-call allocations
    timings = []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        our_agents = ours()
        timings.append(time.perf_counter() - started)
    our_seconds = min(timings)

    their_agents, their_seconds = _pyworkforce_agents(volumes, ahts, within)

    cases = volumes.size
    print(f"Erlang C, {args.queues} queues × {args.intervals} intervals of {INTERVAL_MINUTES} min = {cases:,} cases")
    print(f"  volumes 10-2,000 per interval, AHT 180-600 s, {TARGET:.0%} within {within:g} s, seed {args.seed}")
    loads = volumes * ahts / interval_seconds
    print(f"  load {float(loads.min()):.1f}-{float(loads.max()):.1f} Erlangs")
    print(f"SupportOps required_agents (one vectorised call, best of {len(timings)}): {our_seconds * 1e3:9.2f} ms")
    print(f"pyworkforce ErlangC.required_positions (Python loop, once):       {their_seconds * 1e3:9.2f} ms")
    print(f"Speed ratio: {their_seconds / our_seconds:,.0f}× faster (target ≥ 200×)")

    differs = np.argwhere(our_agents != their_agents)
    print(f"Agent counts identical in {cases - len(differs):,} of {cases:,} cases; {len(differs)} disagreement(s)")
    one_too_many = 0
    for queue, interval in differs:
        volume, aht = volumes[queue, interval], ahts[queue, interval]
        mine, theirs = int(our_agents[queue, interval]), int(their_agents[queue, interval])
        level_mine, level_theirs = service_level([mine, theirs], volume, aht, interval_seconds, within).tolist()
        if theirs == mine + 1 and level_mine >= TARGET:
            one_too_many += 1
            verdict = f"pyworkforce one too many: our count already meets the target (SL {level_mine:.4f} ≥ {TARGET})"
        else:
            verdict = "we differ"
        print(
            f"  queue {queue:2d} interval {interval:3d}: volume {volume:6.0f}, AHT {aht:5.1f} s, "
            f"load {volume * aht / interval_seconds:8.3f} | ours {mine} (SL {level_mine:.4f}), "
            f"pyworkforce {theirs} (SL {level_theirs:.4f}) → {verdict}"
        )
    other = len(differs) - one_too_many
    print(f"Verdict: {one_too_many} case(s) where pyworkforce is provably one too many, {other} other disagreement(s)")
    return 0 if other == 0 else 1
