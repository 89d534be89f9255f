"""Volume history: built from conversations on the queue's local grid, and imported from CSV all-or-nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from scheduling import services
from scheduling.models import IntervalVolume
from tests.factories import ConversationFactory

SGT = timedelta(hours=8)


def at_sg(day: int, hour: int, minute: int) -> datetime:
    """A Singapore wall-clock time in March 2026, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - SGT


def test_build_counts_each_local_interval_with_its_average_handle_time(org, queues):
    # given three conversations in Alpha's 09:00-09:30 interval and one at 23:59 local, one the next day
    for minute, handle in [(0, 300), (10, 500), (29, None)]:
        ConversationFactory(
            queue=queues.alpha, agent=org.agent_a1, created_at=at_sg(2, 9, minute), handle_time_seconds=handle
        )
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=at_sg(2, 23, 59), handle_time_seconds=60)
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=at_sg(3, 0, 0))
    ConversationFactory(queue=queues.bravo, agent=org.agent_b1, created_at=at_sg(2, 9, 5))

    # when
    result = services.volume_history_build(queue=queues.alpha, first_day=date(2026, 3, 2), last_day=date(2026, 3, 2))

    # then every local interval of the day has a row, and the busy ones hold the counts
    assert (result.intervals, result.contacts, result.kept_imported) == (48, 4, 0)
    rows = {row.interval_start: row for row in IntervalVolume.objects.filter(queue=queues.alpha)}
    assert len(rows) == 48
    assert min(rows) == at_sg(2, 0, 0)
    assert (rows[at_sg(2, 9, 0)].volume, rows[at_sg(2, 9, 0)].aht_seconds) == (3, 400)
    assert (rows[at_sg(2, 23, 30)].volume, rows[at_sg(2, 23, 30)].aht_seconds) == (1, 60)
    assert (rows[at_sg(2, 10, 0)].volume, rows[at_sg(2, 10, 0)].aht_seconds) == (0, None)
    assert {row.interval_minutes for row in rows.values()} == {30}


def test_rebuilding_replaces_the_build_and_keeps_imported_intervals(org, queues):
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=at_sg(2, 9, 0))
    services.volume_history_build(queue=queues.alpha, first_day=date(2026, 3, 2), last_day=date(2026, 3, 2))
    services.volume_history_import_csv(
        content=b"interval_start,queue,volume,aht_seconds\n2026-03-02T10:00:00+08:00,Alpha chat,7,250\n",
        user=org.manager_a,
    )
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=at_sg(2, 9, 15))

    result = services.volume_history_build(queue=queues.alpha, first_day=date(2026, 3, 2), last_day=date(2026, 3, 2))

    assert (result.intervals, result.contacts, result.kept_imported) == (47, 2, 1)
    assert IntervalVolume.objects.filter(queue=queues.alpha).count() == 48
    assert IntervalVolume.objects.get(queue=queues.alpha, interval_start=at_sg(2, 9, 0)).volume == 2
    kept = IntervalVolume.objects.get(queue=queues.alpha, interval_start=at_sg(2, 10, 0))
    assert (kept.volume, kept.aht_seconds, kept.source) == (7, 250, "csv")


def test_a_dst_day_in_london_has_100_quarter_hours(queues):
    result = services.volume_history_build(
        queue=queues.london, first_day=date(2026, 10, 25), last_day=date(2026, 10, 25)
    )

    assert result.intervals == 100


def test_build_refuses_a_reversed_or_huge_range(queues):
    with pytest.raises(ValidationError) as reversed_range:
        services.volume_history_build(queue=queues.alpha, first_day=date(2026, 3, 2), last_day=date(2026, 3, 1))
    with pytest.raises(ValidationError) as huge:
        services.volume_history_build(queue=queues.alpha, first_day=date(2025, 1, 1), last_day=date(2026, 3, 1))

    assert reversed_range.value.message_dict == {"last_day": ["The last day is before the first day."]}
    assert huge.value.message_dict == {"last_day": ["Build at most 400 days at once."]}
    assert IntervalVolume.objects.count() == 0


HEADER = "interval_start,queue,volume,aht_seconds\n"


def import_csv(text: str, user, *, encoding: str = "utf-8"):
    return services.volume_history_import_csv(content=text.encode(encoding), user=user)


def test_import_reads_offsets_and_naive_local_times_and_replaces_stored_intervals(org, queues):
    # given an interval already built from conversations
    services.volume_history_build(queue=queues.alpha, first_day=date(2026, 3, 2), last_day=date(2026, 3, 2))

    # when a manager imports local naive times and then a file with offsets
    first = import_csv(HEADER + "2026-03-02 09:00,Alpha chat,12,300\n2026-03-02 09:30,Alpha chat,4.5,\n", org.manager_a)
    second = import_csv(HEADER + f"2026-03-02T01:00:00Z,{queues.alpha.pk},9,200\n", org.manager_a)

    # then
    assert (first.rows, first.queues, first.first_interval, first.last_interval) == (
        2,
        1,
        at_sg(2, 9, 0),
        at_sg(2, 9, 30),
    )
    assert second.rows == 1
    stored = {
        row.interval_start: (row.volume, row.aht_seconds, row.source)
        for row in IntervalVolume.objects.filter(queue=queues.alpha, source="csv")
    }
    assert stored == {
        at_sg(2, 9, 0): (9, 200, "csv"),
        at_sg(2, 9, 30): (4.5, None, "csv"),
    }
    assert IntervalVolume.objects.filter(queue=queues.alpha).count() == 48


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            "2026-03-02 09:00,Alpha chat,-1,300\n2026-03-02 09:30,Alpha chat,lots,300\n",
            {2: {"volume": ["Cannot be negative."]}, 3: {"volume": ["“lots” is not a number."]}},
        ),
        (
            "2026-03-02 09:00,Nowhere,1,300\n2026-03-02 09:00,Bravo chat,1,300\n",
            {
                2: {"queue": ["No queue is named “Nowhere”."]},
                3: {"queue": ["You do not plan queue “Bravo chat” (it is not staffed by a team you manage)."]},
            },
        ),
        (
            "2026-03-02 09:00,Alpha chat,1,300\n2026-03-02T09:00:00+08:00,Alpha chat,1,300\n",
            {
                3: {
                    "interval_start": [
                        "Mixes times with and without a UTC offset (line 2 is naive); use one style for the whole file."
                    ]
                }
            },
        ),
        (
            "2026-03-02T09:00:00+08:00,Alpha chat,1,300\n2026-03-02T02:00:00-03:00,Alpha chat,1,300\n",
            {
                3: {
                    "interval_start": [
                        "Mixes UTC offsets (+08:00 on line 2, -03:00 here) that are not the queue's zone "
                        "(Asia/Singapore) changing with DST."
                    ]
                }
            },
        ),
        (
            "2026-03-02 09:10,Alpha chat,1,300\nyesterday,Alpha chat,1,300\n2026-03-02 09:00,Alpha chat,1,inf\n",
            {
                2: {
                    "interval_start": [
                        "2026-03-02 09:10 (Asia/Singapore) does not start a 30-minute interval of the queue's "
                        "planning grid."
                    ]
                },
                3: {"interval_start": ["“yesterday” is not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00+08:00)."]},
                4: {"aht_seconds": ["“inf” is not a finite number."]},
            },
        ),
        (
            "2026-03-02 09:00,Alpha chat,1,300\n2026-03-02 09:00,Alpha chat,2,300\n",
            {3: {"interval_start": ["Repeats line 2 (same queue and interval)."]}},
        ),
        (
            "2026-03-02 09:00,Alpha chat,1,300,extra\n",
            {2: {"file": ["Has more values than the 4 columns of the header."]}},
        ),
        ("", {2: {"file": ["The file has a header but no rows."]}}),
    ],
)
def test_a_bad_line_refuses_the_whole_file_naming_line_and_field(org, queues, body, errors):
    import_csv(HEADER + "2026-03-02 08:00,Alpha chat,1,300\n", org.manager_a)  # stored before

    with pytest.raises(services.VolumeImportError) as refused:
        import_csv(HEADER + body, org.manager_a)

    assert refused.value.line_errors == errors
    assert IntervalVolume.objects.count() == 1


def test_dst_gaps_and_repeats_in_naive_local_times_are_refused(org, queues):
    org.manager_a.managed_teams.add(queues.london.teams.get())
    body = (
        "2026-03-29 01:30,London voice,1,\n"
        "2026-10-25 01:30,London voice,1,\n"
        "2026-10-25T01:30:00+01:00,London voice,1,\n"
    )

    with pytest.raises(services.VolumeImportError) as refused:
        import_csv(HEADER + body, org.manager_a)

    assert refused.value.line_errors == {
        2: {"interval_start": ["2026-03-29 01:30 does not exist in Europe/London (the clocks skipped it)."]},
        3: {"interval_start": ["2026-10-25 01:30 happened twice in Europe/London; give a UTC offset to say which."]},
        4: {
            "interval_start": [
                "Mixes times with and without a UTC offset (line 2 is naive); use one style for the whole file."
            ]
        },
    }


@pytest.mark.parametrize(
    ("content", "errors"),
    [
        (b"", {1: {"file": ["The file is empty."]}}),
        (
            b"interval_start,queue,volume\n",
            {1: {"header": ["Missing column(s) aht_seconds; expected interval_start,queue,volume,aht_seconds."]}},
        ),
        (
            "interval_start,queue,volume,aht_seconds\n2026-03-02 09:00,Café,1,2\n".encode("utf-16"),
            {1: {"file": ["The file is not UTF-8 text (byte 1); save it as UTF-8 CSV."]}},
        ),
    ],
)
def test_empty_headerless_and_wrongly_encoded_files_are_refused(org, queues, content, errors):
    with pytest.raises(services.VolumeImportError) as refused:
        services.volume_history_import_csv(content=content, user=org.manager_a)

    assert refused.value.line_errors == errors


def test_a_byte_order_mark_and_upper_case_header_are_accepted(org, queues):
    content = "\ufeffINTERVAL_START,Queue,Volume,AHT_Seconds\r\n2026-03-02T09:00:00+08:00,Alpha chat,3,120\r\n"

    result = services.volume_history_import_csv(content=content.encode(), user=org.manager_a)

    assert result.rows == 1
