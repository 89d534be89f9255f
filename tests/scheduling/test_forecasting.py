"""Tests of the pure forecasting module: calendar, methods, holidays, scores, backtest and bad input."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from scheduling import forecasting
from scheduling.forecasting import METHODS

MONDAY = np.datetime64("2024-01-01T00:00", "m")  # a Monday


def hourly(values, *, start=MONDAY, holidays=(), zone="UTC"):
    """A series of hourly volumes starting at ``start`` (UTC)."""
    values = np.asarray(values, dtype=float)
    starts = start + np.arange(len(values)) * 60
    return forecasting.volume_series(starts, values, interval_minutes=60, zone=zone, holidays=holidays)


def weekly_pattern(weeks):
    """Hour of day + 10, plus 5 on weekdays: the same every week."""
    hours = np.arange(weeks * 168)
    return 10.0 + hours % 24 + 5.0 * ((hours // 24) % 7 < 5)


def expected_pattern(grid):
    return 10.0 + grid.local_slot + 5.0 * (grid.local_weekday < 5)


# --- calendar ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("UTC", date(2024, 3, 31), 24),
        ("Europe/London", date(2024, 3, 31), 23),
        ("Europe/London", date(2024, 10, 27), 25),
        ("America/Sao_Paulo", date(2018, 11, 4), 23),
        ("America/Sao_Paulo", date(2019, 2, 16), 25),
    ],
)
def test_a_dst_day_has_23_or_25_hours_of_slots(zone, day, hours):
    # given a 15-minute grid over three days around the day, walked in UTC
    first = np.datetime64(f"{day - timedelta(days=1)}T00:00", "m")
    starts = first + np.arange(3 * 96) * 15

    # when it is placed on the local calendar
    grid = forecasting.interval_grid(starts, interval_minutes=15, zone=zone)

    # then the day holds 4 slots per local hour
    assert int(np.sum(grid.local_date == np.datetime64(day))) == hours * 4


def test_the_repeated_hour_of_a_25_hour_day_gives_two_intervals_per_slot():
    # given the hourly UTC intervals of the day the clocks go back in London
    starts = np.datetime64("2024-10-26T23:00", "m") + np.arange(25) * 60

    # when placed on the local calendar
    grid = forecasting.interval_grid(starts, interval_minutes=60, zone="Europe/London")

    # then 01:00 local appears twice (BST, then GMT) and the day starts at slot 0
    assert grid.local_slot.tolist() == [0, 1, 1, *range(2, 24)]
    assert set(grid.local_date.tolist()) == {date(2024, 10, 27)}
    assert set(grid.local_weekday.tolist()) == {6}


def test_the_horizon_holds_exactly_days_times_intervals_per_day_across_a_dst_change():
    # given a history ending just before the clocks go forward in London
    history = hourly(np.ones(14 * 24), start=np.datetime64("2024-03-17T00:00", "m"), zone="Europe/London")

    # when a 7-day horizon is laid out
    horizon = forecasting.horizon_grid(history, 7)

    # then it holds 7 × 24 UTC intervals, and the local Sunday of the change only 23
    assert len(horizon) == 168
    assert horizon.starts_utc[0] == np.datetime64("2024-03-31T00:00", "m")
    assert int(np.sum(horizon.local_date == np.datetime64("2024-03-31"))) == 23


def test_missing_intervals_become_nan_not_zero():
    # given intervals with a gap of two hours
    starts = [datetime(2024, 1, 1, hour, tzinfo=UTC) for hour in (0, 1, 4)]

    # when the series is built
    series = forecasting.volume_series(starts, [5, 6, 7], interval_minutes=60, zone="UTC")

    # then the gap is there, missing
    assert np.array_equal(series.values, [5, 6, np.nan, np.nan, 7], equal_nan=True)


# --- methods ----------------------------------------------------------------------------------------


def test_the_seasonal_naive_repeats_the_last_week_exactly():
    # given three weeks of irregular volumes
    values = np.random.default_rng(7).integers(0, 50, 3 * 168).astype(float)
    history = hourly(values)

    # when two weeks are forecast
    predicted = METHODS["seasonal_naive"].fit_predict(history, forecasting.horizon_grid(history, 14))

    # then each week is the last week again
    assert predicted.tolist() == values[-168:].tolist() * 2


def test_the_seasonal_naive_reaches_back_a_week_further_for_a_missing_interval():
    # given a last week that lacks its Monday 09:00 interval
    values = np.concatenate([np.full(168, 3.0), np.full(168, 4.0)])
    values[168 + 9] = np.nan

    # when the next week is forecast
    history = hourly(values)
    predicted = METHODS["seasonal_naive"].fit_predict(history, forecasting.horizon_grid(history, 7))

    # then that interval comes from the week before
    assert predicted[9] == 3.0
    assert predicted[10] == 4.0


@pytest.mark.parametrize(
    ("method", "tolerance"),
    [
        ("seasonal_naive", 0.0),
        ("robust_profile", 0.0),
        ("weekday_smoothed", 1e-9),
        ("daily_profile_ets", 1e-6),
        ("mstl", 1.0),
    ],
)
def test_a_noise_free_weekly_pattern_is_forecast_exactly(method, tolerance):
    # given six identical weeks
    history = hourly(weekly_pattern(6))
    horizon = forecasting.horizon_grid(history, 14)

    # when forecast
    predicted = METHODS[method].fit_predict(history, horizon)

    # then the pattern continues (MSTL's loess smoothing makes it approximate)
    assert np.max(np.abs(predicted - expected_pattern(horizon))) <= tolerance


@pytest.mark.parametrize("weeks_at_new_level", [1, 2, 4])
def test_the_robust_profile_follows_a_level_shift(weeks_at_new_level):
    # given a weekly pattern that doubled some weeks ago
    values = weekly_pattern(6)
    values[-weeks_at_new_level * 168 :] *= 2
    history = hourly(values)
    horizon = forecasting.horizon_grid(history, 7)

    # when forecast by the robust profile
    predicted = METHODS["robust_profile"].fit_predict(history, horizon)

    # then it is at the new level
    assert np.allclose(predicted, 2 * expected_pattern(horizon), rtol=1e-12)


def test_the_robust_profile_ignores_an_outlier_day():
    # given a weekly pattern with a Wednesday at ten times the volume last week
    values = weekly_pattern(5)
    values[4 * 168 + 2 * 24 : 4 * 168 + 3 * 24] *= 10
    history = hourly(values)
    horizon = forecasting.horizon_grid(history, 7)

    # when forecast by the robust profile
    predicted = METHODS["robust_profile"].fit_predict(history, horizon)

    # then the outlier leaves no trace
    assert np.array_equal(predicted, expected_pattern(horizon))


def test_a_trimmed_mean_profile_drops_the_extremes():
    # given ten weeks in which one week is triple
    values = weekly_pattern(10)
    values[3 * 168 : 4 * 168] *= 3
    history = hourly(values)
    horizon = forecasting.horizon_grid(history, 7)

    # when forecast by a trimmed-mean profile
    method = forecasting.RobustProfile(name="trimmed", weeks=10, statistic="trimmed")
    predicted = method.fit_predict(history, horizon)

    # then the triple week is trimmed away
    assert np.allclose(predicted, expected_pattern(horizon), rtol=1e-12)


def test_a_queue_closed_at_night_is_forecast_zero_then():
    # given four weeks with rows only from 08:00 to 17:00 (absent rows are missing, not zero)
    values = weekly_pattern(4)
    values[(np.arange(4 * 168) % 24 < 8) | (np.arange(4 * 168) % 24 >= 17)] = np.nan
    history = hourly(values)
    horizon = forecasting.horizon_grid(history, 7)

    # when forecast
    predicted = METHODS["robust_profile"].fit_predict(history, horizon)

    # then the closed hours get 0 and the open hours the pattern
    is_open = (horizon.local_slot >= 8) & (horizon.local_slot < 17)
    assert predicted[~is_open].tolist() == [0.0] * int(np.sum(~is_open))
    assert predicted[is_open].tolist() == expected_pattern(horizon)[is_open].tolist()


# --- holidays ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["robust_profile", "weekday_smoothed", "daily_profile_ets", "mstl"])
def test_a_holiday_is_forecast_at_the_share_past_holidays_had(method):
    # given eight weeks in which a Wednesday holiday had 40 % of an ordinary Wednesday
    values = weekly_pattern(8)
    past_holiday = date(2024, 1, 17)
    values[16 * 24 : 17 * 24] *= 0.4
    next_holiday = date(2024, 3, 6)  # the Wednesday after the history
    history = hourly(values, holidays={past_holiday, next_holiday})
    horizon = forecasting.horizon_grid(history, 7)

    # when forecast
    predicted = METHODS[method].fit_predict(history, horizon)

    # then the holiday gets 40 % and the other days the usual pattern
    is_holiday = horizon.local_date == np.datetime64(next_holiday)
    usual = METHODS[method].fit_predict(hourly(values, holidays={past_holiday}), horizon)
    assert np.allclose(predicted[is_holiday], 0.4 * usual[is_holiday], rtol=1e-9)
    assert np.array_equal(predicted[~is_holiday], usual[~is_holiday])


def test_with_no_past_holiday_a_holiday_is_forecast_like_a_sunday():
    # given four weeks without holidays and a Wednesday holiday ahead
    history = hourly(weekly_pattern(4), holidays={date(2024, 1, 31)})
    horizon = forecasting.horizon_grid(history, 7)

    # when forecast
    predicted = METHODS["robust_profile"].fit_predict(history, horizon)

    # then the holiday follows the Sunday pattern (no weekday uplift)
    is_holiday = horizon.local_date == np.datetime64("2024-01-31")
    assert predicted[is_holiday].tolist() == (10.0 + np.arange(24)).tolist()


# --- scores, backtest and the automatic choice ------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "predicted", "expected"),
    [
        ([10, 20, np.nan, 30], [12, 18, 5, 30], 4 / 60),
        ([0, 0], [0, 0], 0.0),
        ([0, 0], [1, 0], float("inf")),
    ],
)
def test_wape_is_total_absolute_error_over_total_volume(actual, predicted, expected):
    assert forecasting.wape(np.array(actual, dtype=float), np.array(predicted, dtype=float)) == expected


@pytest.mark.parametrize(
    ("actual", "predicted", "scale", "expected"),
    [
        ([10, 20, np.nan, 30], [12, 18, 5, 30], 2.0, 2 / 3),
        ([10, 20], [10, 20], 0.0, 0.0),
        ([10, 20], [11, 20], 0.0, float("inf")),
    ],
)
def test_mase_is_mean_absolute_error_over_the_scale(actual, predicted, scale, expected):
    assert forecasting.mase(np.array(actual, dtype=float), np.array(predicted, dtype=float), scale) == expected


def test_the_mase_scale_is_the_in_sample_error_of_the_weekly_seasonal_naive():
    # given a week of 5s then a day of 8s and a day whose first hours are missing
    values = np.concatenate([np.full(168, 5.0), np.full(24, 8.0), np.full(24, 6.0)])
    values[192:196] = np.nan

    # then the scale is the mean of |8 − 5| (24 hours) and |6 − 5| (20 hours)
    assert forecasting.seasonal_naive_scale(hourly(values)) == (24 * 3 + 20 * 1) / 44


def test_the_backtest_scores_the_seasonal_naive_by_hand():
    # given six flat weeks at 10 × [1, 2, 2, 1, 1, 2]
    values = np.repeat(10.0 * np.array([1, 2, 2, 1, 1, 2]), 168)

    # when backtested from the last four weeks
    result = forecasting.backtest(hourly(values), ["seasonal_naive"])

    # then MASE = mean(0/10, 10/5, 0/6.67, 10/5) and WAPE = (0 + 10 + 0 + 10) / (20 + 10 + 10 + 20)
    assert result.scores == (forecasting.MethodScore("seasonal_naive", mase=1.0, wape=1 / 3, origins=4),)


def test_the_automatic_choice_takes_the_lowest_backtest_wape():
    # given eight weeks of a pattern with one outlier day each week, Monday in the first, Tuesday in the next, …
    values = weekly_pattern(8)
    for week in range(8):
        day = week * 7 + week % 7
        values[day * 24 : (day + 1) * 24] *= 3
    history = hourly(values)
    horizon = forecasting.horizon_grid(history, 7)

    # when forecast automatically
    result = forecasting.forecast(history, horizon)

    # then the outlier-proof profile wins, its forecast is returned and the baseline is scored beside it
    assert [score.method for score in result.scores] == list(METHODS)
    assert result.method == "robust_profile"
    assert result.method == min(result.scores, key=lambda score: score.wape).method
    assert result.baseline == result.score_of("seasonal_naive")
    assert result.baseline.wape > result.score_of("robust_profile").wape
    assert np.array_equal(result.values, METHODS["robust_profile"].fit_predict(history, horizon))


def test_the_automatic_choice_skips_methods_lacking_history_and_says_why():
    # given five weeks of history
    history = hourly(weekly_pattern(5))

    # when forecast automatically
    result = forecasting.forecast(history, forecasting.horizon_grid(history, 7))

    # then the methods needing four weeks before each origin are skipped
    reason = "needs 28 days of history before each of the 3 backtest origins; the earliest has 14"
    assert result.skipped == (
        forecasting.SkippedMethod("daily_profile_ets", reason),
        forecasting.SkippedMethod("mstl", reason),
    )
    assert [score.method for score in result.scores] == ["seasonal_naive", "robust_profile", "weekday_smoothed"]


def test_a_history_too_short_to_backtest_falls_back_to_the_seasonal_naive():
    # given ten days of history
    history = hourly(np.arange(240, dtype=float))

    # when forecast automatically
    result = forecasting.forecast(history, forecasting.horizon_grid(history, 7))

    # then the seasonal naive is used, unscored, with a note
    assert result.method == "seasonal_naive"
    assert result.scores == ()
    assert result.baseline is None
    assert result.notes == (
        "too little history to backtest (the history covers 10 days; a backtest needs at least 21); "
        "using the seasonal naive",
    )


def test_progress_is_reported_up_to_done():
    # given a five-week history and a progress recorder
    history = hourly(weekly_pattern(5))
    reports = []

    # when forecast
    forecasting.forecast(
        history, forecasting.horizon_grid(history, 7), progress=lambda done, message: reports.append((done, message))
    )

    # then the fraction grows to 1 and the messages say what is happening
    fractions = [done for done, _ in reports]
    assert fractions == sorted(fractions)
    assert reports[0] == (0.1, "backtest seasonal_naive, origin 1 of 3")
    assert reports[-2:] == [(0.9, "fitting seasonal_naive"), (1.0, "done")]


# --- AHT and adjustments ----------------------------------------------------------------------------


def test_the_aht_forecast_is_volume_weighted():
    # given two weeks: 10 contacts at 100 s, then 30 contacts at 200 s, in every hour
    volumes = np.concatenate([np.full(168, 10.0), np.full(168, 30.0)])
    aht = np.concatenate([np.full(168, 100.0), np.full(168, 200.0)])
    history = hourly(volumes)

    # when AHT is forecast
    predicted = forecasting.forecast_aht(history, aht, forecasting.horizon_grid(history, 7))

    # then each interval gets (10 × 100 + 30 × 200) / 40 seconds
    assert predicted.tolist() == [175.0] * 168


def test_adjustments_multiply_a_copy_of_the_forecast():
    values = np.array([10.0, 20.0])

    assert forecasting.apply_adjustments(values, np.array([1.2, 1.0])).tolist() == [12.0, 20.0]
    assert values.tolist() == [10.0, 20.0]
    with pytest.raises(ValueError, match="must be finite and not negative"):
        forecasting.apply_adjustments(values, -1.0)


# --- bad input --------------------------------------------------------------------------------------

START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts", "values", "interval", "zone", "message"),
    [
        ([START], [-1], 60, "UTC", "volume -1.0 at 2024-01-01T00:00:00\\+00:00 is negative"),
        ([START], ["many"], 60, "UTC", "volume must be numeric"),
        ([START], [1], 0, "UTC", "interval_minutes must be one of 5, 15, 30, 60, not 0"),
        ([START], [1], 60, "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ([START, START], [1, 2], 60, "UTC", "duplicate interval 2024-01-01T00:00:00\\+00:00"),
        ([START, START.replace(minute=30)], [1, 2], 60, "UTC", "is not on the 60-minute grid"),
        ([START, START.replace(tzinfo=None)], [1, 2], 60, "UTC", "mixes naive and aware timestamps"),
    ],
)
def test_bad_series_input_is_refused_with_the_problem_named(starts, values, interval, zone, message):
    with pytest.raises(ValueError, match=message):
        forecasting.volume_series(starts, values, interval_minutes=interval, zone=zone)


def test_a_horizon_beyond_eight_weeks_is_refused():
    history = hourly(np.ones(168))

    with pytest.raises(ValueError, match="horizon of 57 days is beyond the 8-week limit"):
        forecasting.horizon_grid(history, 57)


def test_a_method_without_enough_history_says_so():
    history = hourly(np.ones(10 * 24))

    with pytest.raises(ValueError, match="mstl needs at least 28 days of history; it has 10"):
        forecasting.forecast(history, forecasting.horizon_grid(history, 7), method="mstl")


@pytest.mark.parametrize(
    ("rows", "row", "message"),
    [
        ([("2024-01-01T00:00", "1"), ("yesterday", "2")], 1, "'yesterday' is not an ISO 8601 timestamp"),
        ([("2024-01-01T00:00", "1"), ("2024-01-01T01:00Z", "2")], 1, "a file must not mix naive and offset"),
        ([("2024-01-01T00:00", "-3")], 0, "volume '-3' is negative"),
        ([("2024-01-01T00:00", "")], 0, "volume is empty"),
        ([("2024-01-01T00:00", "1"), ("2024-01-01T00:00", "2")], 1, "repeats the interval of row 1"),
        ([("2024-03-31T01:30", "1")], 0, "does not exist in Europe/London"),
    ],
)
def test_text_rows_with_bad_input_name_the_row(rows, row, message):
    with pytest.raises(forecasting.RowError, match=message) as raised:
        forecasting.volume_series_from_text(rows, interval_minutes=30, zone="Europe/London")

    assert raised.value.row == row


def test_naive_times_repeated_when_the_clocks_go_back_are_two_instants():
    # given the hour 01:00-02:00 written twice in local time on 27 October 2024 in London
    rows = [(f"2024-10-27T{hour}", "1") for hour in ("00:00", "01:00", "01:00", "02:00")]

    # when read
    series = forecasting.volume_series_from_text(rows, interval_minutes=60, zone="Europe/London")

    # then they are four consecutive UTC hours
    london = ZoneInfo("Europe/London")
    assert [start.astimezone(london).isoformat() for start in series.grid.datetimes()] == [
        "2024-10-27T00:00:00+01:00",
        "2024-10-27T01:00:00+01:00",
        "2024-10-27T01:00:00+00:00",
        "2024-10-27T02:00:00+00:00",
    ]
