"""``manage.py forecast_csv``: forecast an ``interval_start,volume`` CSV file, for analysts with nothing set up."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scheduling import forecasting

COLUMNS = ("interval_start", "volume")


class Command(BaseCommand):
    """Read interval volumes, forecast the days right after them and print the backtest scores."""

    help = (
        "Forecast interval volumes from a CSV file with the columns interval_start,volume (ISO 8601; naive "
        "timestamps are in --tz). Missing intervals are tolerated. Writes interval_start,volume for the "
        "--horizon-days days right after the last input interval and prints the backtest scores."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="CSV file with the columns interval_start,volume")
        parser.add_argument("--interval-minutes", type=int, required=True, help="5, 15, 30 or 60")
        parser.add_argument("--horizon-days", type=int, required=True, help=f"1 to {forecasting.MAX_HORIZON_DAYS}")
        parser.add_argument("--output", type=Path, required=True, help="CSV file to write the forecast to")
        parser.add_argument("--tz", default="UTC", help="IANA zone of naive timestamps and of the output (UTC)")
        parser.add_argument("--country", help="country code whose public holidays shape the forecast, e.g. GB")
        parser.add_argument("--method", default="auto", choices=["auto", *forecasting.METHODS])

    def handle(self, *args: Any, **options: Any) -> None:
        zone_name: str = options["tz"]
        horizon_days: int = options["horizon_days"]
        interval_minutes: int = options["interval_minutes"]
        if interval_minutes not in forecasting.INTERVAL_MINUTES_CHOICES:
            raise CommandError(f"--interval-minutes must be 5, 15, 30 or 60, not {interval_minutes}")
        if not 1 <= horizon_days <= forecasting.MAX_HORIZON_DAYS:
            raise CommandError(
                f"--horizon-days {horizon_days} is outside 1 to {forecasting.MAX_HORIZON_DAYS} (the 8-week limit)"
            )
        rows, line_numbers = _read_rows(options["input"])
        try:
            series = forecasting.volume_series_from_text(rows, interval_minutes=interval_minutes, zone=zone_name)
        except forecasting.RowError as error:
            raise CommandError(f"{options['input']}, line {line_numbers[error.row]}: {error}") from None
        except ValueError as error:
            raise CommandError(f"{options['input']}: {error}") from None
        horizon = forecasting.horizon_grid(series, horizon_days)
        if options["country"]:
            series = _with_holidays(series, options["country"], horizon)
        try:
            result = forecasting.forecast(series, horizon, method=options["method"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        _write_forecast(options["output"], result, ZoneInfo(zone_name))
        self.stdout.write(_scores_table(result))
        self.stdout.write(f"Wrote {len(result.values)} intervals to {options['output']}.")


def _read_rows(path: Path) -> tuple[list[tuple[str, str]], list[int]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            missing = [name for name in COLUMNS if name not in header]
            if missing:
                raise CommandError(f"{path}, line 1: the header lacks the column(s) {', '.join(missing)}")
            start_column, volume_column = header.index(COLUMNS[0]), header.index(COLUMNS[1])
            rows, line_numbers = [], []
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) < len(header):
                    raise CommandError(f"{path}, line {reader.line_num}: expected {len(header)} columns")
                rows.append((cells[start_column], cells[volume_column]))
                line_numbers.append(reader.line_num)
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text") from None
    if not rows:
        raise CommandError(f"{path} has no data rows")
    return rows, line_numbers


def _with_holidays(
    series: forecasting.VolumeSeries, country: str, horizon: forecasting.IntervalGrid
) -> forecasting.VolumeSeries:
    first_year = int(str(series.local_date[0])[:4])
    last_year = int(str(horizon.local_date[-1])[:4])
    try:
        calendar = holiday_calendars.country_holidays(country.upper(), years=range(first_year, last_year + 1))
    except NotImplementedError:
        raise CommandError(f"--country {country!r} is not a country code the holidays library knows") from None
    return forecasting.VolumeSeries(grid=series.grid, values=series.values, holidays=frozenset(calendar))


def _write_forecast(path: Path, result: forecasting.ForecastResult, zone: ZoneInfo) -> None:
    """Write the whole file next to ``path`` first, then move it into place: never a half-written forecast."""
    starts = result.grid.datetimes()
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for start, value in zip(starts, np.round(result.values, 3).tolist(), strict=True):
                writer.writerow((start.astimezone(zone).isoformat(), f"{value:g}"))
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {error.strerror}") from None


def _scores_table(result: forecasting.ForecastResult) -> str:
    lines = [f"Backtest ({BACKTEST}):", f"  {'method':<20} {'MASE':>8} {'WAPE':>8}"]
    for score in result.scores:
        marker = "  <- chosen" if score.method == result.method else ""
        lines.append(f"  {score.method:<20} {score.mase:>8.3f} {score.wape:>8.1%}{marker}")
    lines.extend(f"  {skipped.method:<20} skipped: {skipped.reason}" for skipped in result.skipped)
    lines.extend(f"Note: {note}" for note in result.notes)
    lines.append(f"Method: {result.method}")
    return "\n".join(lines)


BACKTEST = (
    f"{forecasting.BACKTEST_ORIGINS} weekly origins, each forecasting {forecasting.BACKTEST_DAYS} days; "
    "MASE scaled by the weekly seasonal naive's in-sample error, WAPE = Σ|error| ÷ Σ volume"
)
