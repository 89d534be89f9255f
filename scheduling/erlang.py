"""Staffing maths: Erlang C, Erlang A, chat concurrency, deferred work, fractional FTE and shrinkage.

Pure numpy/scipy (no Django). The queue functions broadcast over numpy arrays and scalars and return arrays
(0-d for scalar inputs); deferred work takes a 1-D sequence of intervals.

Units: ``volume`` is contacts offered per interval, ``aht_seconds`` the average handle time, ``interval_seconds``
the interval length, ``answer_within_seconds`` the service-level threshold t. ``service_level`` targets and
results are fractions (0.8, not 80).

Erlang C (M/M/N: Poisson arrivals, exponential handle times, N agents, infinite patience, first come first
served), with offered load A = volume × AHT / interval (Erlangs) and N agents:

* Erlang B, by the Poisson distribution (no factorials): B(N, A) = pmf(N; A) / cdf(N; A), where
  pmf = exp(N·ln A − A − lnΓ(N + 1)) and cdf = Q(N + 1, A), the regularised upper incomplete gamma function;
  then the stable recursion B(N + 1) = A·B(N) / (N + 1 + A·B(N)) (the same as 1/B(N) = 1 + N/(A·B(N − 1))).
* Wait probability (Erlang C): C(N, A) = N·B / (N − A + A·B) for N > A; C = 1 when N ≤ A (the queue grows
  without bound) and C = 0 when A = 0.
* Service level: SL(N) = P(wait ≤ t) = 1 − C(N, A)·exp(−(N − A)·t / AHT); 0 when N ≤ A.
* Average speed of answer: ASA = C(N, A)·AHT / (N − A) seconds (infinite when N ≤ A).
* Occupancy: A / N.

The walk evaluates the cases still short of the target together, one agent count per step, so a week of
intervals for many queues is one call of a few milliseconds (benchmarks/erlang.py).

``required_agents`` returns the smallest whole N that meets both the service-level target and the maximum
occupancy (A / N ≤ max_occupancy). SL(N) increases with N, so the search starts at the lower bound
max(floor(A) + 1, ceil(A / max_occupancy)) and walks up; it never starts at round(A + 1), which skips the
right answer when the fractional part of A is ≥ .5 and the threshold is long (A = 10.6, 80 % in 1,800 s
needs 11). Results are stable to 100,000 Erlangs and beyond: nothing overflows and nothing is NaN.

Erlang A (abandonment), chat concurrency, deferred (email) work, fractional FTE and shrinkage are documented
on their functions.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# A target met to within rounding noise counts as met (targets are given to a few decimals).
_TARGET_TOLERANCE = 1e-12
# Guards ceil() against float noise: 14 / 0.7 = 20.000000000000004 must round up to 20, not 21.
_CEIL_TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------------


def _as_float(name: str, value: ArrayLike) -> FloatArray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric, got {value!r}") from error
    if np.isnan(array).any():
        raise ValueError(f"{name} must be a number, got NaN")
    return array


def _non_negative(name: str, value: ArrayLike, *, allow_infinite: bool = False) -> FloatArray:
    array = _as_float(name, value)
    if (array < 0).any():
        raise ValueError(f"{name} must be zero or more")
    if not allow_infinite and np.isinf(array).any():
        raise ValueError(f"{name} must be finite")
    return array


def _positive(name: str, value: ArrayLike, *, allow_infinite: bool = False) -> FloatArray:
    array = _non_negative(name, value, allow_infinite=allow_infinite)
    if (array <= 0).any():
        raise ValueError(f"{name} must be greater than zero")
    return array


def _fraction(name: str, value: ArrayLike, *, include_one: bool) -> FloatArray:
    array = _as_float(name, value)
    upper_ok = array <= 1 if include_one else array < 1
    if not ((array > 0) & upper_ok).all():
        interval = "(0, 1]" if include_one else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}")
    return array


def _whole_agents(name: str, value: ArrayLike) -> FloatArray:
    array = _non_negative(name, value)
    if (array != np.floor(array)).any():
        raise ValueError(f"{name} must be whole numbers")
    return array


def _ceil(value: ArrayLike) -> IntArray:
    array = np.asarray(value, dtype=np.float64)
    return np.asarray(np.ceil(array - _CEIL_TOLERANCE * np.maximum(1.0, np.abs(array))), dtype=np.float64).astype(
        np.int64
    )


def offered_load(volume: ArrayLike, aht_seconds: ArrayLike, interval_seconds: ArrayLike) -> FloatArray:
    """Offered load in Erlangs: A = volume × AHT / interval (agents kept busy on average)."""
    return _load(
        _non_negative("volume", volume),
        _non_negative("aht_seconds", aht_seconds),
        _positive("interval_seconds", interval_seconds),
    )


def _load(volume: FloatArray, aht: FloatArray, interval: FloatArray) -> FloatArray:
    return np.asarray(volume * aht / interval, dtype=np.float64)


# --------------------------------------------------------------------------------------------------
# Erlang B / C kernels (arrays already validated and broadcast)
# --------------------------------------------------------------------------------------------------


def _log_erlang_b(agents: FloatArray, load: FloatArray) -> FloatArray:
    """ln B(N, A) for N ≥ 0, A > 0, any N relative to A, without factorials or underflow."""
    agents, load = np.broadcast_arrays(agents, load)
    log_pmf = agents * np.log(load) - load - special.gammaln(agents + 1)
    cdf = special.gammaincc(agents + 1, load)
    with np.errstate(divide="ignore"):
        result = log_pmf - np.log(cdf)
    # Deep overload (N far below A): cdf underflows. Then 1/B = Σ_j N!/((N − j)!·A^j), a fast-shrinking series.
    tiny = cdf < 1e-250
    if tiny.any():
        n, a = agents[tiny], load[tiny]
        total = np.ones_like(n)
        term = np.ones_like(n)
        j = 0
        while True:
            term = term * np.maximum(n - j, 0) / a
            total += term
            j += 1
            if not (term > 1e-17 * total).any():
                break
        result = result.copy()
        result[tiny] = -np.log(total)
    return np.asarray(result, dtype=np.float64)


def _erlang_c(agents: FloatArray, load: FloatArray) -> FloatArray:
    """C(N, A) for arrays of equal shape: 1 when N ≤ A (and A > 0), 0 when A = 0."""
    result = np.where(load > 0, 1.0, 0.0)
    stable = (agents > load) & (load > 0)
    if stable.any():
        n, a = agents[stable], load[stable]
        b = np.exp(_log_erlang_b(n, a))
        result[stable] = n * b / (n - a + a * b)
    return result


def _service_level(agents: FloatArray, load: FloatArray, wait: FloatArray, threshold_in_aht: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", over="ignore"):
        decay = np.exp(-(agents - load) * threshold_in_aht)
        result = np.where(agents > load, 1.0 - wait * decay, 0.0)
    return np.asarray(np.where(load > 0, result, 1.0), dtype=np.float64)


def _asa(agents: FloatArray, load: FloatArray, wait: FloatArray, aht: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(agents > load, wait * aht / (agents - load), np.inf)
    return np.asarray(np.where(load > 0, result, 0.0), dtype=np.float64)


def _occupancy(agents: FloatArray, load: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(agents > 0, np.minimum(load / agents, 1.0), 0.0)
    return np.asarray(np.where(load > 0, result, 0.0), dtype=np.float64)


# --------------------------------------------------------------------------------------------------
# Erlang C: figures at a given agent count
# --------------------------------------------------------------------------------------------------


def wait_probability(agents: ArrayLike, load: ArrayLike) -> FloatArray:
    """Erlang C: probability that a contact waits, C(N, A) = N·B / (N − A + A·B); 1 when N ≤ A, 0 when A = 0.

    ``agents`` are whole agents N, ``load`` is the offered load A in Erlangs.
    """
    n, a = np.broadcast_arrays(_whole_agents("agents", agents), _non_negative("load", load))
    return _erlang_c(np.asarray(n, dtype=np.float64), np.asarray(a, dtype=np.float64))


def service_level(
    agents: ArrayLike,
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    answer_within_seconds: ArrayLike,
) -> FloatArray:
    """Fraction answered within the threshold t: 1 − C(N, A)·exp(−(N − A)·t / AHT); 0 when N ≤ A, 1 when A = 0."""
    n = _whole_agents("agents", agents)
    volume_a = _non_negative("volume", volume)
    aht = _non_negative("aht_seconds", aht_seconds)
    interval = _positive("interval_seconds", interval_seconds)
    threshold = _non_negative("answer_within_seconds", answer_within_seconds)
    n, volume_a, aht, interval, threshold = np.broadcast_arrays(n, volume_a, aht, interval, threshold)
    load = _load(volume_a, aht, interval)
    wait = _erlang_c(n, load)
    with np.errstate(divide="ignore", invalid="ignore"):
        threshold_in_aht = np.where(aht > 0, threshold / np.where(aht > 0, aht, 1.0), np.inf)
    return _service_level(n, load, wait, threshold_in_aht)


# For functions whose ``service_level`` argument (the target) shadows the function above.
_service_level_at = service_level


def average_speed_of_answer(
    agents: ArrayLike,
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
) -> FloatArray:
    """Average speed of answer in seconds: C(N, A)·AHT / (N − A); infinite when N ≤ A, 0 when A = 0."""
    n = _whole_agents("agents", agents)
    volume_a = _non_negative("volume", volume)
    aht = _non_negative("aht_seconds", aht_seconds)
    interval = _positive("interval_seconds", interval_seconds)
    n, volume_a, aht, interval = np.broadcast_arrays(n, volume_a, aht, interval)
    load = _load(volume_a, aht, interval)
    return _asa(n, load, _erlang_c(n, load), aht)


# --------------------------------------------------------------------------------------------------
# Erlang C: required agents
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingResult:
    """Required agents per case and the figures they achieve (arrays shaped like the broadcast inputs).

    ``agents`` is the smallest whole number of agents on the phones (before shrinkage) meeting every target;
    ``service_level``, ``wait_probability``, ``asa_seconds`` (seconds) and ``occupancy`` are the figures at that
    count. ``load`` is the offered load in Erlangs and ``fte`` the workload-based fractional staffing
    load / max_occupancy (the agents the work alone needs, without the queueing margin).
    """

    agents: IntArray
    service_level: FloatArray
    wait_probability: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    load: FloatArray
    fte: FloatArray


def _lower_bound(load: FloatArray, max_occupancy: FloatArray) -> FloatArray:
    """Smallest N worth testing: more agents than the load, and A / N ≤ max occupancy."""
    return np.maximum(np.floor(load) + 1.0, _ceil(load / max_occupancy).astype(np.float64))


def _smallest_erlang_c_agents(
    load: FloatArray, threshold_in_aht: FloatArray, target: FloatArray, max_occupancy: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Walk N up from the lower bound per case; returns (agents, wait probability, service level), 1-D, A > 0.

    Erlang B is computed once at the lower bound by the incomplete gamma function, then each step is the
    recursion B(N + 1) = A·B / (N + 1 + A·B) on the cases still short of the target.
    """
    size = load.size
    agents_out = np.empty(size)
    wait_out = np.empty(size)
    level_out = np.empty(size)
    index = np.arange(size)
    a, goal = load, target - _TARGET_TOLERANCE
    n = _lower_bound(load, max_occupancy)
    b = np.exp(_log_erlang_b(n, a))
    # exp(−(N − A)·t/AHT) kept as a running product: one multiplication per step instead of an exp().
    decay = np.exp(-(n - a) * threshold_in_aht)
    step = np.exp(-threshold_in_aht)
    while True:
        wait = n * b / (n - a + a * b)
        met = wait * decay <= 1.0 - goal
        if met.any():
            done = index[met]
            agents_out[done] = n[met]
            wait_out[done] = wait[met]
            level_out[done] = 1.0 - wait[met] * decay[met]
            short = ~met
            if not short.any():
                break
            index, a, goal, n, b, decay, step = (
                index[short],
                a[short],
                goal[short],
                n[short],
                b[short],
                decay[short],
                step[short],
            )
        n += 1.0
        ab = a * b
        b = ab / (n + ab)
        decay *= step
    return agents_out, wait_out, level_out


def required_agents(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    service_level: ArrayLike,
    answer_within_seconds: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> StaffingResult:
    """Erlang C: the smallest whole agent count meeting the service level and the maximum occupancy.

    Meets SL(N) = 1 − C(N, A)·exp(−(N − A)·t / AHT) ≥ ``service_level`` (t = ``answer_within_seconds``) and
    A / N ≤ ``max_occupancy``. Broadcasts all arguments. Zero volume (or zero AHT) needs 0 agents, with
    service level 1, wait probability 0, ASA 0 and occupancy 0.

    Raises ValueError naming the argument for negative, NaN or non-numeric volume or AHT, a service level
    outside (0, 1), a non-positive interval, a negative threshold or a maximum occupancy outside (0, 1].
    """
    volume_a = _non_negative("volume", volume)
    aht = _non_negative("aht_seconds", aht_seconds)
    interval = _positive("interval_seconds", interval_seconds)
    target = _fraction("service_level", service_level, include_one=False)
    threshold = _non_negative("answer_within_seconds", answer_within_seconds)
    occupancy_cap = _fraction("max_occupancy", max_occupancy, include_one=True)
    volume_a, aht, interval, target, threshold, occupancy_cap = np.broadcast_arrays(
        volume_a, aht, interval, target, threshold, occupancy_cap
    )
    shape = volume_a.shape
    load = _load(volume_a, aht, interval)

    agents = np.zeros(shape)
    wait = np.zeros(shape)
    level = np.ones(shape)
    busy = load > 0
    if busy.any():
        agents[busy], wait[busy], level[busy] = _smallest_erlang_c_agents(
            load[busy], threshold[busy] / aht[busy], target[busy], occupancy_cap[busy]
        )
    return StaffingResult(
        agents=agents.astype(np.int64),
        service_level=level,
        wait_probability=wait,
        asa_seconds=_asa(agents, load, wait, aht),
        occupancy=_occupancy(agents, load),
        load=load,
        fte=np.asarray(load / occupancy_cap, dtype=np.float64),
    )


def required_fte(
    volume: ArrayLike, aht_seconds: ArrayLike, interval_seconds: ArrayLike, max_occupancy: ArrayLike = 1.0
) -> FloatArray:
    """Workload-based fractional staffing: offered load / maximum occupancy, in (fractional) agents.

    The queue-free view of staffing: it ignores waiting (no service-level target) and so is the floor under
    any Erlang answer; useful to add up work across intervals and queues as hours.
    """
    load = offered_load(volume, aht_seconds, interval_seconds)
    return np.asarray(load / _fraction("max_occupancy", max_occupancy, include_one=True), dtype=np.float64)


# --------------------------------------------------------------------------------------------------
# Chat with concurrency
# --------------------------------------------------------------------------------------------------


def required_agents_chat(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    service_level: ArrayLike,
    answer_within_seconds: ArrayLike,
    concurrency: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> StaffingResult:
    """Chat staffing where each agent works ``concurrency`` chats at once (the slot model).

    Model: an agent is ``concurrency`` parallel servers ("slots"); a chat waits for any free slot, and
    ``aht_seconds`` is the elapsed time a chat holds its slot, as helpdesks record it (it already includes
    the slower pace of juggling chats, so no further efficiency factor is applied). The required slots S are
    the exact Erlang C answer for the chat load, and agents = ceil(S / concurrency): the smallest whole
    number of agents whose floor(agents × concurrency) slots meet the targets (concurrency may be fractional,
    e.g. 2.5 on average, and must be ≥ 1).

    Why not "effective AHT = AHT / concurrency": that models an agent as one server working c times faster,
    which misstates the wait for a free slot (one fast server is slower to free up than c slots) and so
    overstaffs, and it needs a per-agent handle time that helpdesks do not record.

    ``service_level``, ``wait_probability``, ``asa_seconds`` are at the agents' slots; ``occupancy`` is the
    fraction of slots busy; ``fte`` = load / (concurrency × max_occupancy).
    """
    slots_per_agent = _as_float("concurrency", concurrency)
    if (slots_per_agent < 1).any() or np.isinf(slots_per_agent).any():
        raise ValueError("concurrency must be a finite number ≥ 1")
    slots = required_agents(volume, aht_seconds, interval_seconds, service_level, answer_within_seconds, max_occupancy)
    shape = np.broadcast_shapes(slots.agents.shape, slots_per_agent.shape)
    per_agent = np.broadcast_to(slots_per_agent, shape)
    agents = _ceil(np.broadcast_to(slots.agents, shape) / per_agent)
    staffed_slots = np.floor(agents * per_agent + _CEIL_TOLERANCE).astype(np.float64)
    load = np.broadcast_to(slots.load, shape)
    return StaffingResult(
        agents=agents,
        service_level=_service_level_at(staffed_slots, volume, aht_seconds, interval_seconds, answer_within_seconds),
        wait_probability=wait_probability(staffed_slots, load),
        asa_seconds=average_speed_of_answer(staffed_slots, volume, aht_seconds, interval_seconds),
        occupancy=_occupancy(staffed_slots, load),
        load=np.asarray(load, dtype=np.float64),
        fte=np.asarray(np.broadcast_to(slots.fte, shape) / per_agent, dtype=np.float64),
    )


# --------------------------------------------------------------------------------------------------
# Erlang A (abandonment)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErlangAResult:
    """Erlang A staffing per case (arrays shaped like the broadcast inputs).

    ``agents``: smallest whole count meeting the targets; at that count: ``service_level`` = P(W ≤ t),
    ``abandonment_probability``, ``wait_probability`` = P(a contact is not answered at once),
    ``asa_seconds`` = mean wait of all offered contacts (answered or abandoned) and ``occupancy`` = carried
    load / agents.
    """

    agents: IntArray
    service_level: FloatArray
    abandonment_probability: FloatArray
    wait_probability: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray


def _log_lower_gamma(shape: FloatArray, x: FloatArray) -> FloatArray:
    """ln γ(s, x), the lower incomplete gamma function, for s > 0, x > 0 without underflow.

    For x < s, γ(s, x) = x^s·e^(−x)·M(1, s + 1, x) / s with Kummer's M between 1 and s / (s − x); otherwise
    γ(s, x) = Γ(s)·P(s, x) with P(s, x) ≥ ~½.
    """
    below = x < shape
    with np.errstate(divide="ignore", invalid="ignore"):
        series = shape * np.log(x) - x - np.log(shape) + np.log(special.hyp1f1(1.0, shape + 1.0, np.where(below, x, 0)))
        direct = special.gammaln(shape) + np.log(special.gammainc(shape, x))
    return np.asarray(np.where(below, series, direct), dtype=np.float64)


def _abandon_given_wait(x: FloatArray, y: FloatArray, log_kummer: FloatArray) -> FloatArray:
    """P(abandon | wait) = 1/(ρA) + 1 − 1/ρ with ρ = y/x, rewritten without cancellation when ρ < 1.

    For ρ < 1 the two terms nearly cancel (long patience); there the same quantity is the all-positive ratio
    M(2, x + 2, y) / ((x + 1)·M(1, x + 1, y)) of Kummer functions (term-by-term difference of the series).
    """
    below = y < x
    safe_y = np.where(below, y, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        series = special.hyp1f1(2.0, x + 2.0, safe_y) / ((x + 1.0) * special.hyp1f1(1.0, x + 1.0, safe_y))
        rho = y / x
        direct = np.exp(-log_kummer) / rho + 1.0 - 1.0 / rho
    return np.asarray(np.where(below, series, direct), dtype=np.float64)


def _erlang_a_figures(
    agents: FloatArray,
    arrival_rate: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    threshold: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(P(W ≤ t), P(abandon), P(wait > 0), E[W]) for N ≥ 1, λ > 0, AHT > 0; 1-D arrays of equal size."""
    load = arrival_rate * aht
    level = np.empty_like(load)
    abandon = np.zeros_like(load)
    waits = np.empty_like(load)
    mean_wait = np.empty_like(load)

    patient = np.isinf(patience)
    if patient.any():  # infinite patience is Erlang C
        n, a = agents[patient], load[patient]
        c = _erlang_c(n, a)
        waits[patient] = c
        level[patient] = _service_level(n, a, c, threshold[patient] / aht[patient])
        mean_wait[patient] = _asa(n, a, c, aht[patient])
    finite = ~patient
    if finite.any():
        n, lam, mu_inv, tau, t = agents[finite], arrival_rate[finite], aht[finite], patience[finite], threshold[finite]
        a = lam * mu_inv
        x = n * tau / mu_inv  # N·μ/θ
        y = lam * tau  # λ/θ
        log_b = _log_erlang_b(n, a)
        log_gamma = _log_lower_gamma(x, y)
        log_kummer = np.log(x) + y - x * np.log(y) + log_gamma  # ln A(x, y) = ln(x·e^y·y^(−x)·γ(x, y))
        with np.errstate(over="ignore"):  # A·E below 1e-308: P(W > 0) is 0 to double precision
            p_wait = 1.0 / (1.0 + (1.0 - np.exp(log_b)) * np.exp(-log_kummer - log_b))
        decay = np.exp(-t / tau)
        ratio = np.exp(_log_lower_gamma(x, y * decay) - log_gamma)
        level[finite] = 1.0 - p_wait * decay * ratio
        p_abandon = np.clip(p_wait * _abandon_given_wait(x, y, log_kummer), 0.0, 1.0)
        abandon[finite] = p_abandon
        waits[finite] = p_wait
        mean_wait[finite] = p_abandon * tau
    return level, abandon, waits, mean_wait


def erlang_a_performance(
    agents: ArrayLike,
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    answer_within_seconds: ArrayLike,
    patience_seconds: ArrayLike,
) -> ErlangAResult:
    """Erlang A figures at a given whole agent count (formulas on ``required_agents_erlang_a``).

    With zero load everything is 0 and the service level 1; with load and no agents nobody is answered, so
    everyone abandons: P(abandon) = 1 and P(W ≤ t) = 1 − e^(−t/patience).
    """
    n = _whole_agents("agents", agents)
    volume_a = _non_negative("volume", volume)
    aht = _non_negative("aht_seconds", aht_seconds)
    interval = _positive("interval_seconds", interval_seconds)
    threshold = _non_negative("answer_within_seconds", answer_within_seconds)
    patience = _positive("patience_seconds", patience_seconds, allow_infinite=True)
    arrays = np.broadcast_arrays(n, volume_a, aht, interval, threshold, patience)
    shape = arrays[0].shape
    n, volume_a, aht, interval, threshold, patience = (np.ravel(array).astype(np.float64) for array in arrays)
    load = volume_a * aht / interval
    level = np.ones(load.size)
    abandon = np.zeros(load.size)
    waits = np.zeros(load.size)
    mean_wait = np.zeros(load.size)
    unstaffed = (load > 0) & (n == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        level[unstaffed] = -np.expm1(-threshold[unstaffed] / patience[unstaffed])
    abandon[unstaffed] = np.where(np.isinf(patience[unstaffed]), 0.0, 1.0)
    waits[unstaffed] = 1.0
    mean_wait[unstaffed] = patience[unstaffed]
    staffed = (load > 0) & (n > 0)
    if staffed.any():
        level[staffed], abandon[staffed], waits[staffed], mean_wait[staffed] = _erlang_a_figures(
            n[staffed], volume_a[staffed] / interval[staffed], aht[staffed], patience[staffed], threshold[staffed]
        )
    return ErlangAResult(
        agents=n.astype(np.int64).reshape(shape),
        service_level=level.reshape(shape),
        abandonment_probability=abandon.reshape(shape),
        wait_probability=waits.reshape(shape),
        asa_seconds=mean_wait.reshape(shape),
        occupancy=_occupancy(n, load * (1.0 - abandon)).reshape(shape),
    )


def required_agents_erlang_a(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    service_level: ArrayLike,
    answer_within_seconds: ArrayLike,
    patience_seconds: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
    max_abandonment: ArrayLike = 1.0,
) -> ErlangAResult:
    """Erlang A (M/M/N+M, Palm): the smallest whole agent count when callers abandon.

    Assumptions: Poisson arrivals at λ = volume / interval, exponential handle times with rate μ = 1 / AHT,
    exponential patience with mean ``patience_seconds`` (θ = 1 / patience; ``np.inf`` gives Erlang C), N
    agents, first come first served, and a contact that abandons never returns. Formulas (Mandelbaum & Zeltyn,
    "Service engineering in action: the Palm/Erlang-A queue", 2007), with x = Nμ/θ, y = λ/θ, the lower
    incomplete gamma γ(s, z) (computed through scipy's regularised functions in log space) and
    E = Erlang B(N, λ/μ):

    * A(x, y) = x·e^y·y^(−x)·γ(x, y)
    * P(W > 0) = A·E / (1 + (A − 1)·E)
    * P(abandon) = P(W > 0)·(1 / (ρA) + 1 − 1/ρ), ρ = λ / (Nμ)
    * P(W > t) = P(W > 0)·e^(−θt)·γ(x, y·e^(−θt)) / γ(x, y)
      (the offered wait V given a wait is −ln(Beta(x, j + 1))/θ for j contacts ahead; W = min(V, patience))
    * E[W] = P(abandon) / θ (Little's law on the abandoning contacts)

    ``service_level`` is P(W ≤ t): the fraction of offered contacts whose wait, ended by an answer or by
    abandonment, is at most t. Contacts that abandon within t therefore count as met; set
    ``max_abandonment`` to also cap P(abandon). The result meets SL ≥ target, P(abandon) ≤ max_abandonment
    and occupancy ≤ max_occupancy; any volume above zero needs at least one agent. Every measure improves
    with N, so the smallest count is found by bisection below an upper bound grown by doubling.
    """
    volume_a = _non_negative("volume", volume)
    aht = _non_negative("aht_seconds", aht_seconds)
    interval = _positive("interval_seconds", interval_seconds)
    target = _fraction("service_level", service_level, include_one=False)
    threshold = _non_negative("answer_within_seconds", answer_within_seconds)
    patience = _positive("patience_seconds", patience_seconds, allow_infinite=True)
    occupancy_cap = _fraction("max_occupancy", max_occupancy, include_one=True)
    abandon_cap = _fraction("max_abandonment", max_abandonment, include_one=True)
    arrays = np.broadcast_arrays(volume_a, aht, interval, target, threshold, patience, occupancy_cap, abandon_cap)
    shape = arrays[0].shape
    volume_a, aht, interval, target, threshold, patience, occupancy_cap, abandon_cap = (
        np.ravel(array) for array in arrays
    )
    load = volume_a * aht / interval
    agents = np.zeros(load.size)
    level = np.ones(load.size)
    abandon = np.zeros(load.size)
    waits = np.zeros(load.size)
    mean_wait = np.zeros(load.size)
    busy = np.flatnonzero(load > 0)
    if busy.size:
        lam, mu_inv, tau, t = volume_a[busy] / interval[busy], aht[busy], patience[busy], threshold[busy]
        goal, occ_cap, ab_cap = target[busy] - _TARGET_TOLERANCE, occupancy_cap[busy], abandon_cap[busy]

        def meets(n: FloatArray, rows: NDArray[np.intp]) -> NDArray[np.bool_]:
            sl, ab, _, _ = _erlang_a_figures(n, lam[rows], mu_inv[rows], tau[rows], t[rows])
            carried = lam[rows] * mu_inv[rows] * (1.0 - ab)
            return np.asarray(
                (sl >= goal[rows])
                & (ab <= ab_cap[rows] + _TARGET_TOLERANCE)
                & (carried / n <= occ_cap[rows] + _TARGET_TOLERANCE)
            )

        everyone = np.arange(busy.size)
        high = np.maximum(np.floor(lam * mu_inv) + 1.0, 1.0)
        failing = everyone[~meets(high, everyone)]
        while failing.size:
            high[failing] *= 2.0
            failing = failing[~meets(high[failing], failing)]
        low = np.zeros_like(high)  # invariant: low fails (or is 0), high meets
        open_rows = everyone[high - low > 1]
        while open_rows.size:
            middle = np.floor((low[open_rows] + high[open_rows]) / 2.0)
            ok = meets(middle, open_rows)
            high[open_rows[ok]] = middle[ok]
            low[open_rows[~ok]] = middle[~ok]
            open_rows = open_rows[high[open_rows] - low[open_rows] > 1]
        agents[busy] = high
        level[busy], abandon[busy], waits[busy], mean_wait[busy] = _erlang_a_figures(high, lam, mu_inv, tau, t)
    carried = load * (1.0 - abandon)
    return ErlangAResult(
        agents=agents.astype(np.int64).reshape(shape),
        service_level=level.reshape(shape),
        abandonment_probability=abandon.reshape(shape),
        wait_probability=waits.reshape(shape),
        asa_seconds=mean_wait.reshape(shape),
        occupancy=_occupancy(agents, carried).reshape(shape),
    )


# --------------------------------------------------------------------------------------------------
# Deferred work (email, async queues)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeferredStaffingResult:
    """Flat staffing for deferred work: ``fte`` (fractional agents), ``agents`` = ceil(fte), and
    ``backlog_seconds``, the agent-seconds of work left at the end of each interval when staffed at ``fte``."""

    fte: float
    agents: int
    backlog_seconds: FloatArray


def required_agents_deferred(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: float,
    response_within_seconds: float,
    backlog_start: float = 0.0,
) -> DeferredStaffingResult:
    """The smallest flat staffing level that answers every deferred item (email, async) within the target.

    Model (fluid, first in first out): interval i's work w_i = volume_i × AHT_i agent-seconds arrives at the
    start of the interval (conservative: the response clock starts at the interval start), ``backlog_start``
    items (at the first interval's AHT) are waiting at time 0, and a constant level of s agents works
    whenever there is work. Idle capacity cannot be banked, so every window of intervals j..k must fit:
    w_j + … + w_k ≤ s·((k − j)·interval + response_within). Hence

        s = max over j ≤ k of (w_j + … + w_k) / ((k − j)·interval + response_within)

    (the same level is assumed to continue after the horizon until the last items are answered). A flat
    level is returned because "the smallest staffing per interval" has no single answer (work can be shifted
    between intervals); ``fte`` is fractional, ``agents`` its ceiling.
    """
    volume_a = np.atleast_1d(_non_negative("volume", volume))
    if volume_a.ndim != 1:
        raise ValueError("volume must be a 1-D sequence of intervals")
    aht = np.broadcast_to(_non_negative("aht_seconds", aht_seconds), volume_a.shape)
    interval = float(_positive("interval_seconds", interval_seconds))
    response = float(_positive("response_within_seconds", response_within_seconds))
    backlog = float(_non_negative("backlog_start", backlog_start))
    work = volume_a * aht
    if work.size:
        work = work.copy()
        work[0] += backlog * aht[0]
    cumulative = np.concatenate(([0.0], np.cumsum(work)))
    fte = 0.0
    for span in range(work.size):  # windows of span + 1 intervals
        window_work = cumulative[span + 1 :] - cumulative[: work.size - span]
        fte = max(fte, float(window_work.max()) / (span * interval + response))
    capacity = fte * interval
    backlog_seconds = np.empty(work.size)
    left = 0.0
    for index, arriving in enumerate(work):
        left = max(0.0, left + arriving - capacity)
        backlog_seconds[index] = left
    return DeferredStaffingResult(fte=fte, agents=int(_ceil(fte)), backlog_seconds=backlog_seconds)


# --------------------------------------------------------------------------------------------------
# Shrinkage
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shrinkage:
    """Itemised shrinkage: fractions of paid time agents are not available for contacts.

    Each item is a fraction ≥ 0 of paid time (0.05 = 5 %); ``total`` is their sum and must stay below 1.
    """

    breaks: float = 0.0
    meetings: float = 0.0
    training: float = 0.0
    time_off: float = 0.0
    sickness: float = 0.0
    other: float = 0.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{item.name} must be a number")
            if not 0 <= float(value) < 1:
                raise ValueError(f"{item.name} must be a fraction in [0, 1)")
        if self.total >= 1:
            raise ValueError(f"total shrinkage must be below 1, got {self.total:g}")

    @property
    def total(self) -> float:
        """Sum of the items, the fraction of paid time lost."""
        return float(sum(getattr(self, item.name) for item in fields(self)))


def apply_shrinkage(raw_agents: ArrayLike, shrinkage: Shrinkage | float) -> IntArray:
    """Agents to schedule so that ``raw_agents`` are available: ceil(raw / (1 − shrinkage total)).

    Guarded against float noise (14 / 0.7 = 20.000000000000004 gives 20, not 21). ``shrinkage`` is a
    ``Shrinkage`` or a total fraction in [0, 1).
    """
    raw = _non_negative("raw_agents", raw_agents)
    if isinstance(shrinkage, Shrinkage):
        total = shrinkage.total
    else:
        total = float(_as_float("shrinkage", shrinkage))
        if not 0 <= total < 1:
            raise ValueError("shrinkage must be a fraction in [0, 1)")
    return _ceil(raw / (1.0 - total))
