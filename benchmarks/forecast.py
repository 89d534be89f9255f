"""Forecast accuracy: rolling-origin MASE, WAPE and fit time of each method vs statsforecast's MSTL.

``python -m benchmarks forecast --data PATH [--origins N] [--interval-minutes M]`` reads a call-volume CSV
with the columns ``date_assumed_consecutive_weekdays,interval_start,calls`` (the fpp2 ``calls`` data: 5-minute
call counts on weekdays 07:00-21:05), sums it to ``M``-minute intervals (15 by default) and, for each of the
last ``N`` weeks (8 by default), forecasts the next 7 days from the data before it with every method of
``scheduling.forecasting``, the automatic choice (which runs its own backtest on the data before the origin
only), and statsforecast's MSTL with daily and weekly seasons on the observed intervals. Intervals outside
opening hours and weekends are absent, i.e. missing, and are neither forecast by statsforecast nor scored.
MASE is scaled by the in-sample MAE of the weekly seasonal naive before each origin; WAPE is pooled over
all origins.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scheduling import forecasting

SF_MSTL = "statsforecast MSTL"
AUTO = "auto"


@dataclass
class Tally:
    """Accumulated errors of one method over the origins."""

    absolute_error: float = 0.0
    absolute_actual: float = 0.0
    mase: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def add(self, actual: np.ndarray, predicted: np.ndarray, scale: float, seconds: float) -> None:
        self.absolute_error += float(np.abs(actual - predicted).sum())
        self.absolute_actual += float(np.abs(actual).sum())
        self.mase.append(forecasting.mase(actual, predicted, scale))
        self.seconds.append(seconds)

    @property
    def wape(self) -> float:
        return self.absolute_error / self.absolute_actual if self.absolute_actual else math.nan


def read_calls(path: Path, interval_minutes: int) -> forecasting.VolumeSeries:
    """The file's calls summed to ``interval_minutes`` intervals, dated on its assumed weekdays (UTC)."""
    sums: dict[int, float] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = np.datetime64(row["date_assumed_consecutive_weekdays"], "D").astype(np.int64)
            hours, minutes = (int(part) for part in row["interval_start"].split(":"))
            minute = int(day) * 1440 + hours * 60 + minutes
            start = minute - minute % interval_minutes
            sums[start] = sums.get(start, 0.0) + float(row["calls"])
    starts = np.array(sorted(sums), dtype=np.int64)
    values = np.array([sums[start] for start in starts.tolist()])
    return forecasting.volume_series(
        starts.astype("datetime64[m]"), values, interval_minutes=interval_minutes, zone="UTC"
    )


def statsforecast_mstl(
    observed_history: np.ndarray, horizon: int, slots_per_day: int, days_per_week: int
) -> np.ndarray:
    """statsforecast's MSTL (AutoETS trend, its default) on the observed intervals only."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL

    frame = pd.DataFrame({"unique_id": "calls", "ds": np.arange(len(observed_history)), "y": observed_history})
    model = MSTL(season_length=[slots_per_day, slots_per_day * days_per_week])
    predicted = StatsForecast(models=[model], freq=1).forecast(df=frame, h=horizon)
    return np.maximum(predicted["MSTL"].to_numpy(dtype=float), 0.0)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks forecast", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="the fpp2 calls CSV (5-minute counts)")
    parser.add_argument("--origins", type=int, default=8, help="weeks evaluated, each forecast from before it")
    parser.add_argument("--interval-minutes", type=int, default=15, choices=[15, 30, 60])
    args = parser.parse_args(argv)

    series = read_calls(args.data, args.interval_minutes)
    matrix_days = np.unique(series.local_date)
    observed_days = np.unique(series.local_date[~np.isnan(series.values)])
    slots_per_day = int(np.sum(~np.isnan(series.values)) // len(observed_days))
    days_per_week = len(np.unique((observed_days.astype(np.int64) + 3) % 7))
    end = matrix_days[-1] + 1
    print(
        f"data: {len(observed_days)} days, {args.interval_minutes}-minute intervals, {slots_per_day} observed "
        f"per day, {days_per_week} days a week; {args.origins} origins, each forecasting the next 7 days"
    )

    names = [*forecasting.METHODS, AUTO, SF_MSTL]
    tallies = {name: Tally() for name in names}
    choices: list[str] = []
    statsforecast_mstl(np.arange(3 * slots_per_day * days_per_week, dtype=float) % 7, 5, slots_per_day, days_per_week)
    for origin_index in range(args.origins, 0, -1):
        origin = (end - 7 * origin_index).astype("datetime64[m]")
        history = series.before(origin)
        horizon = forecasting.horizon_grid(history, 7)
        stop = len(history) + len(horizon)
        actual_all = series.values[len(history) : stop]
        observed = ~np.isnan(actual_all)
        actual = actual_all[observed]
        scale = forecasting.seasonal_naive_scale(history)
        for name in forecasting.METHODS:
            predicted, seconds = forecasting.timed_fit_predict(name, history, horizon)
            tallies[name].add(actual, predicted[: len(actual_all)][observed], scale, seconds)
        started = time.perf_counter()
        result = forecasting.forecast(history, horizon, method="auto")
        tallies[AUTO].add(actual, result.values[: len(actual_all)][observed], scale, time.perf_counter() - started)
        choices.append(result.method)
        history_observed = history.values[~np.isnan(history.values)]
        started = time.perf_counter()
        predicted_sf = statsforecast_mstl(history_observed, len(actual), slots_per_day, days_per_week)
        tallies[SF_MSTL].add(actual, predicted_sf, scale, time.perf_counter() - started)

    print()
    print(f"{'method':<22} {'MASE':>7} {'WAPE':>8} {'fit s/origin':>13} {'WAPE vs naive':>14}")
    naive_wape = tallies[forecasting.SEASONAL_NAIVE].wape
    for name in names:
        tally = tallies[name]
        print(
            f"{name:<22} {np.mean(tally.mase):>7.3f} {tally.wape:>8.2%} {np.mean(tally.seconds):>13.3f} "
            f"{tally.wape / naive_wape:>13.2f}×"
        )
    print()
    print("automatic choice per origin (oldest first): " + ", ".join(choices))
    auto, naive, reference = tallies[AUTO], tallies[forecasting.SEASONAL_NAIVE], tallies[SF_MSTL]
    beats = all(auto.wape < other.wape and np.mean(auto.mase) < np.mean(other.mase) for other in (naive, reference))
    print(
        f"verdict: the automatic choice {'beats' if beats else 'does NOT beat'} both the seasonal naive and "
        f"statsforecast's MSTL on MASE and WAPE (WAPE {auto.wape:.2%} vs {naive.wape:.2%} and {reference.wape:.2%})"
    )
    return 0
