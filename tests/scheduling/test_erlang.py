"""Staffing maths (scheduling.erlang): published worked examples, exactness, stability, bad input."""

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.linalg import expm

from scheduling.erlang import (
    DeferredStaffingResult,
    Shrinkage,
    apply_shrinkage,
    average_speed_of_answer,
    erlang_a_performance,
    offered_load,
    required_agents,
    required_agents_chat,
    required_agents_deferred,
    required_agents_erlang_a,
    required_fte,
    service_level,
    wait_probability,
)

# --------------------------------------------------------------------------------------------------
# Erlang C: worked examples
# --------------------------------------------------------------------------------------------------


def test_call_centre_helper_worked_example():
    # given 100 contacts per 30 minutes, AHT 180 s, target 80 % answered within 20 s
    # when
    result = required_agents(
        volume=100, aht_seconds=180, interval_seconds=1800, service_level=0.8, answer_within_seconds=20
    )

    # then
    assert int(result.agents) == 14
    assert round(float(result.wait_probability), 4) == 0.1741
    assert round(float(result.service_level), 3) == 0.888
    assert round(float(result.asa_seconds), 1) == 7.8
    assert round(float(result.occupancy), 3) == 0.714
    assert float(result.load) == 10.0
    assert float(result.fte) == 10.0
    assert int(apply_shrinkage(result.agents, 0.3)) == 20


@pytest.mark.parametrize(
    ("volume", "aht", "interval", "target", "within", "expected"),
    [
        (100, 180, 1800, 0.8, 20, 14),  # Call Centre Helper
        (250, 330, 3600, 0.8, 30, 28),  # 250 per hour, AHT 5.5 min
        (106, 180, 1800, 0.8, 1800, 11),  # A = 10.6 with a long threshold: round(A + 1) = 12 overstaffs
        (105, 180, 1800, 0.8, 1800, 11),  # A = 10.5
        (100, 180, 1800, 0.8, 1800, 11),  # A = 10 exactly: N must exceed the load
        (1, 180, 1800, 0.8, 20, 1),  # A = 0.1
        (0, 180, 1800, 0.8, 20, 0),  # nothing to answer
        (100, 0, 1800, 0.8, 20, 0),  # no work per contact
    ],
)
def test_required_agents_table(volume, aht, interval, target, within, expected):
    # given / when
    result = required_agents(volume, aht, interval, target, within)

    # then
    assert int(result.agents) == expected


def test_fractional_load_with_long_threshold_needs_the_first_count_above_the_load():
    # given A = 10.6 Erlangs and 80 % within 1,800 s
    # when
    result = required_agents(106, 180, 1800, 0.8, 1800)

    # then 11 agents already answer 98.4 % within the threshold, and 10 cannot keep up at all
    assert int(result.agents) == 11
    assert round(float(result.service_level), 4) == 0.9842
    assert float(service_level(10, 106, 180, 1800, 1800)) == 0.0


def test_figures_at_a_given_agent_count():
    # given the Call Centre Helper queue (A = 10)
    agents = np.array([10, 11, 13, 14, 15])

    # when
    levels = service_level(agents, 100, 180, 1800, 20)
    waits = wait_probability(agents, 10.0)
    asa = average_speed_of_answer(agents, 100, 180, 1800)

    # then
    assert np.round(levels, 4).tolist() == [0.0, 0.3896, 0.7956, 0.8884, 0.9415]
    assert np.round(waits, 4).tolist() == [1.0, 0.6821, 0.2853, 0.1741, 0.1020]
    assert asa[0] == math.inf
    assert np.round(asa[1:], 1).tolist() == [122.8, 17.1, 7.8, 3.7]


def test_max_occupancy_raises_the_count_when_binding():
    # given A = 10 and at most 70 % occupancy (the service level alone needs 14 at 71.4 %)
    # when
    result = required_agents(100, 180, 1800, 0.8, 20, max_occupancy=0.7)

    # then ceil(10 / 0.7) = 15, with the figures at 15
    assert int(result.agents) == 15
    assert round(float(result.occupancy), 4) == 0.6667
    assert round(float(result.service_level), 4) == 0.9415
    assert round(float(result.fte), 4) == 14.2857


def test_max_occupancy_exactly_on_a_whole_count_is_not_rounded_up():
    # given A = 8 and 80 % maximum occupancy: 8 / 0.8 = 10.000000000000002 in floats
    # when
    result = required_agents(80, 180, 1800, 0.01, 0, max_occupancy=0.8)

    # then
    assert int(result.agents) == 10


def test_zero_volume_needs_no_agents():
    # given / when
    result = required_agents([0, 0], 180, 1800, 0.8, 20)

    # then
    assert result.agents.tolist() == [0, 0]
    assert result.service_level.tolist() == [1.0, 1.0]
    assert result.wait_probability.tolist() == [0.0, 0.0]
    assert result.asa_seconds.tolist() == [0.0, 0.0]
    assert result.occupancy.tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------------------------------
# Erlang C: stability and broadcasting
# --------------------------------------------------------------------------------------------------


def test_one_hundred_thousand_erlangs_is_finite_and_just_above_the_load():
    # given 100,000 Erlangs (1,000,000 contacts per 30 minutes at 180 s)
    # when
    result = required_agents(1_000_000, 180, 1800, 0.8, 20)

    # then
    assert int(result.agents) == 100_014
    assert round(float(result.service_level), 4) == 0.8004
    assert round(float(result.wait_probability), 4) == 0.9457
    assert round(float(result.asa_seconds), 2) == 12.16
    assert float(service_level(100_013, 1_000_000, 180, 1800, 20)) < 0.8


def test_at_or_below_the_load_service_level_is_zero_and_everyone_waits():
    # given 100,000 Erlangs and counts at and below it
    agents = np.array([0, 1, 99_999, 100_000])

    # when
    levels = service_level(agents, 1_000_000, 180, 1800, 20)
    waits = wait_probability(agents, 100_000.0)

    # then
    assert levels.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert waits.tolist() == [1.0, 1.0, 1.0, 1.0]


def test_no_nan_or_overflow_across_six_orders_of_magnitude():
    # given loads from a tenth of an Erlang to 100,000 and thresholds from 0 to an hour
    loads = np.logspace(-1, 5, 61)
    thresholds = np.array([[0.0], [20.0], [3600.0]])

    # when
    result = required_agents(loads * 1800 / 180, 180, 1800, 0.95, thresholds)

    # then
    assert result.agents.shape == (3, 61)
    assert np.isfinite(result.service_level).all()
    assert np.isfinite(result.asa_seconds).all()
    assert (result.agents > loads).all()
    assert (result.service_level >= 0.95).all()
    assert (service_level(result.agents - 1, loads * 1800 / 180, 180, 1800, thresholds) < 0.95).all()


@pytest.mark.parametrize(
    ("volume", "aht", "expected_shape"),
    [
        (100, 180, ()),
        ([100, 200, 300], 180, (3,)),
        ([100, 200, 300], [[180], [360]], (2, 3)),
        (np.full((4, 5), 100.0), 180, (4, 5)),
    ],
)
def test_broadcasting_shapes(volume, aht, expected_shape):
    # given / when
    result = required_agents(volume, aht, 1800, 0.8, 20)

    # then
    for figure in (result.agents, result.service_level, result.wait_probability, result.asa_seconds, result.occupancy):
        assert isinstance(figure, np.ndarray)
        assert figure.shape == expected_shape
    assert result.agents.dtype == np.int64


def test_broadcast_values_match_one_by_one_calls():
    # given
    volumes = np.array([100, 250, 1000])
    ahts = np.array([[180], [330]])

    # when
    together = required_agents(volumes, ahts, 1800, 0.8, 20).agents

    # then
    one_by_one = [[int(required_agents(v, a, 1800, 0.8, 20).agents) for v in volumes] for a in (180, 330)]
    assert together.tolist() == one_by_one == [[14, 30, 107], [23, 52, 194]]


# --------------------------------------------------------------------------------------------------
# Erlang C: brute-force cross-check
# --------------------------------------------------------------------------------------------------


def reference_agents(volume: int, aht: int, interval: int, target: float, within: int) -> int:
    """Slow exact reference: Erlang B by the recursion in exact fractions, then the service level in floats."""
    load = Fraction(volume * aht, interval)
    blocking = Fraction(1)
    agents = 0
    while True:
        agents += 1
        blocking = load * blocking / (agents + load * blocking)
        if agents <= load:
            continue
        wait = agents * blocking / (agents - load + load * blocking)
        level = 1.0 - float(wait) * math.exp(-float(agents - load) * within / aht)
        if level >= target:
            return agents


def test_two_hundred_random_cases_match_the_exact_reference():
    # given
    rng = np.random.default_rng(20240607)
    volumes = rng.integers(1, 200, 200)
    ahts = rng.integers(30, 360, 200)
    targets = rng.choice([0.5, 0.7, 0.8, 0.9, 0.95, 0.99], 200)
    withins = rng.choice([0, 10, 20, 30, 60, 120, 300, 1800], 200)

    # when
    agents = required_agents(volumes, ahts, 1800, targets, withins).agents

    # then
    expected = [
        reference_agents(int(v), int(a), 1800, float(t), int(w))
        for v, a, t, w in zip(volumes, ahts, targets, withins, strict=True)
    ]
    assert agents.tolist() == expected


# --------------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------------


GOOD = {"volume": 100, "aht_seconds": 180, "interval_seconds": 1800, "service_level": 0.8, "answer_within_seconds": 20}


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("volume", -1),
        ("volume", float("nan")),
        ("volume", "many"),
        ("volume", [10, -5]),
        ("volume", math.inf),
        ("aht_seconds", -180),
        ("aht_seconds", float("nan")),
        ("interval_seconds", 0),
        ("interval_seconds", -900),
        ("service_level", 0),
        ("service_level", 1),
        ("service_level", 1.2),
        ("service_level", -0.1),
        ("answer_within_seconds", -1),
        ("max_occupancy", 0),
        ("max_occupancy", 1.01),
    ],
)
def test_bad_input_names_the_argument(argument, value):
    # given
    arguments = {**GOOD, argument: value}

    # when / then
    with pytest.raises(ValueError, match=f"^{argument} "):
        required_agents(**arguments)


def test_agent_counts_must_be_whole():
    # when / then
    with pytest.raises(ValueError, match="^agents "):
        service_level(13.5, 100, 180, 1800, 20)


# --------------------------------------------------------------------------------------------------
# Fractional FTE, chat, deferred work
# --------------------------------------------------------------------------------------------------


def test_required_fte_is_workload_over_occupancy():
    # given / when
    fte = required_fte([100, 250], [180, 330], [1800, 3600], max_occupancy=0.8)

    # then 10 / 0.8 and 22.916... / 0.8
    assert np.round(fte, 4).tolist() == [12.5, 28.6458]
    assert np.round(offered_load(250, 330, 3600), 4) == 22.9167


def test_chat_agents_are_the_erlang_c_slots_divided_by_concurrency():
    # given 100 chats per 30 minutes holding a slot 600 s, 80 % within 60 s: 39 slots (A = 33.3)
    slots = required_agents(100, 600, 1800, 0.8, 60)

    # when
    chat = required_agents_chat(100, 600, 1800, 0.8, 60, concurrency=[1, 2, 3, 2.5])

    # then
    assert int(slots.agents) == 39
    assert chat.agents.tolist() == [39, 20, 13, 16]
    # at 39, 40, 39 and 40 slots
    assert np.round(chat.service_level, 4).tolist() == [0.8559, 0.9021, 0.8559, 0.9021]
    assert np.round(chat.fte, 4).tolist() == [33.3333, 16.6667, 11.1111, 13.3333]


def test_chat_concurrency_below_one_is_refused():
    # when / then
    with pytest.raises(ValueError, match="^concurrency "):
        required_agents_chat(100, 600, 1800, 0.8, 60, concurrency=0.5)


def test_deferred_work_flat_level_clears_every_item_within_the_target():
    # given hourly email volumes 10, 0, 30 at 360 s each (1, 0, 3 agent-hours), answered within 2 hours
    # when
    result = required_agents_deferred([10, 0, 30], 360, 3600, response_within_seconds=7200)

    # then the last hour's 3 agent-hours in its 2-hour window bind: 1.5 agents, 1.5 agent-hours left at the end
    assert result == DeferredStaffingResult(fte=1.5, agents=2, backlog_seconds=result.backlog_seconds)
    assert result.backlog_seconds.tolist() == [0.0, 0.0, 5400.0]


def test_deferred_work_counts_the_starting_backlog():
    # given 20 items (2 agent-hours) waiting at the start and 4 items per hour, answered within 1 hour
    # when
    result = required_agents_deferred([4, 4, 4], 360, 3600, response_within_seconds=3600, backlog_start=20)

    # then the first hour needs 2.4 agent-hours in 1 hour: 2.4 agents, which then clears 2 hours' arrivals early
    assert round(result.fte, 9) == 2.4
    assert result.agents == 3
    assert result.backlog_seconds.tolist() == [0.0, 0.0, 0.0]


def test_deferred_work_spreads_a_burst_over_the_response_window():
    # given one burst of 48 items (8 agent-hours at 600 s) then quiet hours, answered within 4 hours
    # when
    result = required_agents_deferred([48, 0, 0, 0], 600, 3600, response_within_seconds=4 * 3600)

    # then 2 agents work it off over the 4 hours
    assert result.fte == 2.0
    assert result.backlog_seconds.tolist() == [21600.0, 14400.0, 7200.0, 0.0]


# --------------------------------------------------------------------------------------------------
# Erlang A
# --------------------------------------------------------------------------------------------------


def test_erlang_a_converges_to_erlang_c_as_patience_grows():
    # given
    volumes = np.array([20, 100, 250, 1000])

    # when
    patient = required_agents_erlang_a(volumes, 180, 1800, 0.8, 20, patience_seconds=1e9)
    erlang_c = required_agents(volumes, 180, 1800, 0.8, 20)

    # then
    assert patient.agents.tolist() == erlang_c.agents.tolist() == [4, 14, 30, 107]
    assert np.allclose(patient.service_level, erlang_c.service_level, atol=1e-6)
    assert np.allclose(patient.wait_probability, erlang_c.wait_probability, atol=1e-6)
    assert np.allclose(patient.asa_seconds, erlang_c.asa_seconds, atol=1e-4)
    assert (patient.abandonment_probability < 1e-6).all()


def test_erlang_a_with_infinite_patience_is_erlang_c():
    # when
    result = required_agents_erlang_a(100, 180, 1800, 0.8, 20, patience_seconds=math.inf)

    # then
    assert int(result.agents) == 14
    assert round(float(result.service_level), 4) == 0.8884
    assert float(result.abandonment_probability) == 0.0


def test_erlang_a_needs_fewer_agents_as_patience_shortens():
    # given the Call Centre Helper queue, callers abandoning after a mean of an hour down to 5 seconds
    patience = np.array([math.inf, 3600, 600, 60, 5])

    # when
    result = required_agents_erlang_a(100, 180, 1800, 0.8, 20, patience)

    # then
    assert result.agents.tolist() == [14, 13, 13, 10, 1]
    assert np.round(result.abandonment_probability, 4).tolist() == [0.0, 0.0041, 0.0165, 0.1575, 0.9071]


def test_erlang_a_abandonment_cap():
    # given 5 s mean patience, where almost everyone gives up and the wait-based target is met by 1 agent
    # when
    result = required_agents_erlang_a(100, 180, 1800, 0.8, 20, 5, max_abandonment=0.05)

    # then
    assert int(result.agents) == 15
    assert round(float(result.abandonment_probability), 4) == 0.0322


def birth_death_reference(agents, arrival, aht, patience, within, cap=400):
    """M/M/N+M by brute force: truncated stationary distribution, and each waiting contact's offered wait
    as a pure-death chain solved with a matrix exponential."""
    mu, theta = 1 / aht, 1 / patience
    weights = [1.0]
    for n in range(1, agents + cap):
        weights.append(weights[-1] * arrival / (min(n, agents) * mu + max(n - agents, 0) * theta))
    total = sum(weights)
    pi = [w / total for w in weights]
    p_wait = sum(pi[agents:])
    p_abandon = theta * sum((n - agents) * pi[n] for n in range(agents, len(pi))) / arrival
    # offered wait with j contacts ahead: states k = j..0 ahead, leaving at rate Nμ + kθ, absorbed after k = 0
    size = cap
    generator = np.zeros((size + 1, size + 1))
    for k in range(size):
        rate = agents * mu + k * theta
        generator[k, k] = -rate
        generator[k, k - 1 if k > 0 else size] = rate
    transition = expm(generator * within)
    p_long_wait = sum(pi[agents + j] * (1 - transition[j, size]) for j in range(size)) * math.exp(-theta * within)
    return p_wait, p_abandon, 1 - p_long_wait


@pytest.mark.parametrize(
    ("agents", "volume", "aht", "patience", "within"),
    [(3, 60, 180, 120, 20), (5, 100, 120, 60, 30), (2, 30, 300, 600, 60), (4, 150, 90, 30, 15)],
)
def test_erlang_a_matches_a_brute_force_birth_death_chain(agents, volume, aht, patience, within):
    # given
    expected_wait, expected_abandon, expected_level = birth_death_reference(
        agents, volume / 1800, aht, patience, within
    )

    # when
    result = erlang_a_performance(agents, volume, aht, 1800, within, patience)

    # then
    assert float(result.wait_probability) == pytest.approx(expected_wait, abs=1e-9)
    assert float(result.abandonment_probability) == pytest.approx(expected_abandon, abs=1e-9)
    assert float(result.service_level) == pytest.approx(expected_level, abs=1e-9)
    assert float(result.asa_seconds) == pytest.approx(expected_abandon * patience, abs=1e-6)


def test_erlang_a_bad_patience_is_refused():
    # when / then
    with pytest.raises(ValueError, match="^patience_seconds "):
        required_agents_erlang_a(100, 180, 1800, 0.8, 20, 0)


# --------------------------------------------------------------------------------------------------
# Shrinkage
# --------------------------------------------------------------------------------------------------


def test_itemised_shrinkage_total_and_rounding():
    # given 30 % shrinkage in six items
    shrinkage = Shrinkage(breaks=0.1, meetings=0.05, training=0.05, time_off=0.05, sickness=0.04, other=0.01)

    # when
    required = apply_shrinkage(np.array([14, 7, 10, 0]), shrinkage)

    # then 14 / 0.7 = 20 exactly (no float-noise 21), 7 / 0.7 = 10, 10 / 0.7 = 14.3 → 15
    assert round(shrinkage.total, 12) == 0.3
    assert required.tolist() == [20, 10, 15, 0]


@pytest.mark.parametrize(("raw", "total", "expected"), [(14, 0.3, 20), (19, 0.05, 20), (9, 0.1, 10), (10.2, 0.15, 12)])
def test_apply_shrinkage_table(raw, total, expected):
    # when / then
    assert int(apply_shrinkage(raw, total)) == expected


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ({"breaks": -0.1}, "^breaks "),
        ({"sickness": 1.0}, "^sickness "),
        ({"other": float("nan")}, "^other "),
        ({"breaks": 0.5, "time_off": 0.5}, "^total shrinkage "),
    ],
)
def test_bad_shrinkage_names_the_item(items, message):
    # when / then
    with pytest.raises(ValueError, match=message):
        Shrinkage(**items)
