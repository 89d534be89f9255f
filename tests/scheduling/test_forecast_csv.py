"""Tests of ``manage.py forecast_csv`` on small synthetic CSV files."""

import csv
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from scheduling.management.commands.forecast_csv import Command


def wall_clock(year, month, day):
    """A naive local time: what an export's timestamps without offset are."""
    return datetime(year, month, day)  # noqa: DTZ001


def volume(moment):
    """Hour of day + 10, plus 5 on weekdays."""
    return 10 + moment.hour + (5 if moment.weekday() < 5 else 0)


def write_history(path, start, *, weeks, step_minutes=60, skip=(), value=volume, offset=""):
    """Rows of naive (or ``offset``-suffixed) timestamps every ``step_minutes`` from ``start``."""
    lines = ["interval_start,volume"]
    moment = start
    while moment < start + timedelta(weeks=weeks):
        if moment not in skip:
            lines.append(f"{moment.isoformat()}{offset},{value(moment)}")
        moment += timedelta(minutes=step_minutes)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(input_path, output_path, *args):
    stdout = StringIO()
    call_command("forecast_csv", str(input_path), "--output", str(output_path), *args, stdout=stdout)
    return stdout.getvalue()


def read_output(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize(
    ("zone", "start", "minutes", "days", "first", "last"),
    [
        # history up to Saturday 30 March 2024; London's clocks go forward on Sunday 31 March
        ("Europe/London", wall_clock(2024, 2, 25), 15, 14, "2024-03-31T00:00:00+00:00", "2024-04-14T00:45:00+01:00"),
        # history across London's clocks going back on 27 October 2024 (its repeated hour written once)
        ("Europe/London", wall_clock(2024, 10, 5), 60, 7, "2024-11-09T00:00:00+00:00", "2024-11-15T23:00:00+00:00"),
        # São Paulo's clocks went forward on Sunday 4 November 2018
        ("America/Sao_Paulo", wall_clock(2018, 9, 29), 30, 7, "2018-11-03T00:00:00-03:00", "2018-11-10T00:30:00-02:00"),
        # and back on Saturday 16 February 2019 (midnight Sunday became 23:00 Saturday)
        ("America/Sao_Paulo", wall_clock(2019, 1, 12), 60, 3, "2019-02-16T00:00:00-02:00", "2019-02-18T22:00:00-03:00"),
    ],
)
def test_the_forecast_has_exactly_days_times_intervals_rows_across_a_dst_change(
    tmp_path, zone, start, minutes, days, first, last
):
    # given five weeks of naive local timestamps
    history = write_history(tmp_path / "history.csv", start, weeks=5, step_minutes=minutes)

    # when forecast
    output = tmp_path / "forecast.csv"
    run(history, output, "--interval-minutes", str(minutes), "--horizon-days", str(days), "--tz", zone)

    # then the file holds D × 24 × 60 / N rows of UTC instants written in the zone
    rows = read_output(output)
    assert rows[0] == ["interval_start", "volume"]
    assert len(rows) - 1 == days * 24 * 60 // minutes
    assert (rows[1][0], rows[-1][0]) == (first, last)


def test_the_scores_are_printed_with_the_chosen_method_marked(tmp_path):
    # given five weeks of hourly volumes in UTC
    history = write_history(tmp_path / "history.csv", wall_clock(2024, 1, 1), weeks=5)

    # when forecast automatically
    printed = run(history, tmp_path / "forecast.csv", "--interval-minutes", "60", "--horizon-days", "7")

    # then every method is scored or skipped, and the winner marked
    lines = printed.splitlines()
    assert lines[1].split() == ["method", "MASE", "WAPE"]
    assert lines[2].split() == ["seasonal_naive", "0.000", "0.0%", "<-", "chosen"]
    assert lines[3].split() == ["robust_profile", "0.000", "0.0%"]
    assert lines[4].split() == ["weekday_smoothed", "0.000", "0.0%"]
    assert lines[5].startswith("  daily_profile_ets    skipped: needs 28 days of history")
    assert lines[-2:] == ["Method: seasonal_naive", f"Wrote 168 intervals to {tmp_path / 'forecast.csv'}."]


def test_missing_intervals_are_tolerated(tmp_path):
    # given five weeks of hourly volumes lacking a few hours, and the same complete
    start = wall_clock(2024, 1, 1)
    skip = {start + timedelta(hours=hours) for hours in (0, 200, 201, 700, 838)}
    gappy = write_history(tmp_path / "gappy.csv", start, weeks=5, skip=skip)
    complete = write_history(tmp_path / "complete.csv", start, weeks=5)

    # when both are forecast by the robust profile
    arguments = ("--interval-minutes", "60", "--horizon-days", "7", "--method", "robust_profile")
    run(gappy, tmp_path / "from_gappy.csv", *arguments)
    run(complete, tmp_path / "from_complete.csv", *arguments)

    # then the gaps change nothing
    from_gappy = read_output(tmp_path / "from_gappy.csv")
    assert len(from_gappy) == 169
    assert from_gappy == read_output(tmp_path / "from_complete.csv")


def test_a_public_holiday_of_the_country_is_forecast_like_past_holidays(tmp_path):
    # given six weeks up to Sunday 5 May 2024, in which Good Friday (a GB holiday) had 30 % of the volume
    def with_quiet_good_friday(moment):
        return volume(moment) * (0.3 if moment.date() == date(2024, 3, 29) else 1)

    history = write_history(tmp_path / "history.csv", wall_clock(2024, 3, 25), weeks=6, value=with_quiet_good_friday)
    arguments = ("--interval-minutes", "60", "--horizon-days", "1", "--method", "robust_profile")

    # when the Early May bank holiday (Monday 6 May) is forecast with and without GB holidays
    run(history, tmp_path / "with.csv", *arguments, "--country", "GB")
    run(history, tmp_path / "without.csv", *arguments)

    # then with them it is 30 % of an ordinary Monday
    with_holidays = [float(row[1]) for row in read_output(tmp_path / "with.csv")[1:]]
    without = [float(row[1]) for row in read_output(tmp_path / "without.csv")[1:]]
    assert without == [15.0 + hour for hour in range(24)]
    assert with_holidays == [round(0.3 * (15.0 + hour), 3) for hour in range(24)]


def test_aware_timestamps_with_different_offsets_are_accepted(tmp_path):
    # given two weeks of hourly rows whose offsets alternate between +00:00 and +01:00 (the same instants)
    lines = ["interval_start,volume"]
    for hour in range(14 * 24):
        moment = wall_clock(2024, 1, 1) + timedelta(hours=hour)
        if hour % 2:
            lines.append(f"{(moment + timedelta(hours=1)).isoformat()}+01:00,{volume(moment)}")
        else:
            lines.append(f"{moment.isoformat()}+00:00,{volume(moment)}")
    history = tmp_path / "history.csv"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # when forecast by the seasonal naive
    output = tmp_path / "forecast.csv"
    run(history, output, "--interval-minutes", "60", "--horizon-days", "1", "--method", "seasonal_naive")

    # then the forecast repeats last Monday
    assert [float(row[1]) for row in read_output(output)[1:]] == [15.0 + hour for hour in range(24)]


GOOD = "2024-01-01T00:00,5\n2024-01-01T01:00,6\n"


@pytest.mark.parametrize(
    ("content", "arguments", "message"),
    [
        ("interval_start,volume\n" + GOOD + "soon,7\n", (), "line 4: interval_start 'soon' is not an ISO 8601"),
        (
            "interval_start,volume\n" + GOOD + "2024-01-01T02:00+00:00,7\n",
            (),
            "line 4: interval_start '2024-01-01T02:00+00:00' is with an offset but the first row's is naive",
        ),
        ("interval_start,volume\n" + GOOD + "2024-01-01T02:00,-7\n", (), "line 4: volume '-7' is negative"),
        ("interval_start,volume\n" + GOOD + "2024-01-01T02:00,seven\n", (), "line 4: volume 'seven' is not a number"),
        (
            "interval_start,volume\n" + GOOD + "2024-01-01T01:00,7\n",
            (),
            "line 4: interval_start '2024-01-01T01:00' rep",
        ),
        (
            "interval_start,volume\n" + GOOD + "2024-01-01T02:30,7\n",
            (),
            "line 4: interval_start '2024-01-01T02:30' is ",
        ),
        ("start,calls\n" + GOOD, (), "line 1: the header lacks the column(s) interval_start, volume"),
        ("interval_start,volume\n", (), "has no data rows"),
        ("interval_start,volume\n" + GOOD, ("--horizon-days", "57"), "--horizon-days 57 is outside 1 to 56"),
        ("interval_start,volume\n" + GOOD, ("--interval-minutes", "0"), "--interval-minutes must be 5, 15, 30 or 60"),
        ("interval_start,volume\n" + GOOD, ("--tz", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        ("interval_start,volume\n" + GOOD, ("--country", "XX"), "--country 'XX' is not a country code"),
        ("interval_start,volume\n" + GOOD, (), "seasonal_naive needs at least 7 days of history; it has 0"),
    ],
)
def test_bad_input_names_the_line_and_writes_nothing(tmp_path, content, arguments, message):
    # given a bad file or argument
    history = tmp_path / "history.csv"
    history.write_text(content, encoding="utf-8")
    output = tmp_path / "forecast.csv"
    defaults = {"--interval-minutes": "60", "--horizon-days": "7"}
    for name, value in zip(arguments[::2], arguments[1::2], strict=True):
        defaults[name] = value

    # when forecast
    with pytest.raises(CommandError) as raised:
        run(history, output, *[item for pair in defaults.items() for item in pair])

    # then the error names the problem and no file is written
    assert message in str(raised.value)
    assert not output.exists()


def test_bad_input_exits_non_zero_from_the_command_line(tmp_path, capsys):
    # given a file with a negative volume
    history = tmp_path / "history.csv"
    history.write_text("interval_start,volume\n2024-01-01T00:00,-1\n", encoding="utf-8")

    # when run as from manage.py
    argv = ["manage.py", "forecast_csv", str(history), "--interval-minutes", "60", "--horizon-days", "7"]
    with pytest.raises(SystemExit) as raised:
        Command().run_from_argv([*argv, "--output", str(tmp_path / "forecast.csv")])

    # then it exits with 1 and says why
    assert raised.value.code == 1
    assert "line 2: volume '-1' is negative" in capsys.readouterr().err
