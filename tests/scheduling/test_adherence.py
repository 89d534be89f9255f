"""Adherence: the pure computation (a table of hand-computed days), state events pushed as JSON or CSV
(all-or-nothing, idempotent), and adherence per agent per day through the API, by role."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scheduling import adherence, selectors
from scheduling.adherence import (
    AdherenceException,
    AdherenceRules,
    Block,
    DayAdherence,
    ScheduledActivity,
    ScheduledShift,
    Span,
    StateChange,
    evaluate_day,
    shift_blocks,
    state_spans,
)
from scheduling.models import AgentStateEvent
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.scheduling.published import Part, add_shift, at, edit_after_publishing, name, publish

SINGAPORE = ZoneInfo("Asia/Singapore")
STATES = "/api/scheduling/agent-states/"
ADHERENCE = "/api/scheduling/adherence/"


def t(hour: int, minute: int = 0) -> datetime:
    """A UTC instant on 2 March 2026."""
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def changes(*pairs: tuple[datetime, str]) -> list[StateChange]:
    return [StateChange(instant, state) for instant, state in pairs]


# A 09:00-17:00 shift: break 11:00-11:15, lunch 13:00-13:30, training 15:00-16:00; the rest on queue.
FULL_DAY = ScheduledShift(
    t(9),
    t(17),
    (
        ScheduledActivity("break", t(11), t(11, 15)),
        ScheduledActivity("lunch", t(13), t(13, 30)),
        ScheduledActivity("training", t(15), t(16)),
    ),
)
# A 09:00-13:00 shift with a break 11:00-11:15.
MORNING = ScheduledShift(t(9), t(13), (ScheduledActivity("break", t(11), t(11, 15)),))


def exception(kind: str, starts_at: datetime, minutes: float) -> AdherenceException:
    return AdherenceException(kind, starts_at, minutes)


# --- the pure computation ---------------------------------------------------------------------------------------


def test_a_shift_is_tiled_by_its_activities_and_on_queue_time_fills_the_gaps():
    shift = ScheduledShift(
        t(9),
        t(13),
        (
            ScheduledActivity("lunch", t(11, 30), t(14)),  # runs past the end: clipped
            ScheduledActivity("break", t(10), t(10, 15)),
            ScheduledActivity("on_queue", t(10, 15), t(11)),  # merges with the gap after it
            ScheduledActivity("meeting", t(8), t(8, 30)),  # outside: dropped
        ),
    )

    assert shift_blocks(shift) == [
        Block("on_queue", t(9), t(10)),
        Block("break", t(10), t(10, 15)),
        Block("on_queue", t(10, 15), t(11, 30)),
        Block("lunch", t(11, 30), t(13)),
    ]


def test_state_spans_start_from_the_last_change_before_the_window():
    events = changes((t(8), "available"), (t(9, 30), "break"), (t(9, 30), "break"), (t(9, 45), "on_contact"))

    assert state_spans(events, starts_at=t(9), ends_at=t(10)) == [
        Span("available", t(9), t(9, 30)),
        Span("break", t(9, 30), t(9, 45)),
        Span("on_contact", t(9, 45), t(10)),
    ]
    assert state_spans([], starts_at=t(9), ends_at=t(10), initial_state="break") == [Span("break", t(9), t(10))]
    assert state_spans([], starts_at=t(9), ends_at=t(10)) == [Span("offline", t(9), t(10))]


PERFECT = changes(
    (t(8, 55), "available"),
    (t(11), "break"),
    (t(11, 15), "available"),
    (t(13), "break"),
    (t(13, 30), "on_contact"),
    (t(15), "offline"),
    (t(16), "available"),
    (t(17), "offline"),
)
# Logs in 12 minutes late, takes a 50-minute lunch for 30, and leaves 20 minutes early.
LATE_LONG_EARLY = changes(
    (t(9, 12), "available"),
    (t(11), "break"),
    (t(11, 15), "available"),
    (t(13), "break"),
    (t(13, 50), "available"),
    (t(15), "offline"),
    (t(16), "available"),
    (t(16, 40), "offline"),
)
# Logged in since before the shift; goes on a break at 10:00 for 20 minutes while on queue; never logs out.
UNPLANNED_BREAK = changes(
    (t(10), "break"),
    (t(10, 20), "available"),
    (t(11), "break"),
    (t(11, 15), "available"),
    (t(13), "break"),
    (t(13, 30), "available"),
    (t(15), "break"),
    (t(16), "available"),
)
# 5 minutes late (not more than the grace), a 21-minute break for 15, and 5 minutes away on queue at 12:00.
AT_THE_GRACE = changes(
    (t(9, 5), "available"),
    (t(11), "break"),
    (t(11, 21), "available"),
    (t(12), "break"),
    (t(12, 5), "available"),
    (t(13), "offline"),
)


@pytest.mark.parametrize(
    ("shifts", "events", "initial_state", "rules", "expected"),
    [
        pytest.param(
            [FULL_DAY],
            PERFECT,
            None,
            AdherenceRules(),
            DayAdherence(480.0, 480.0, 480.0, 100.0, 100.0, ()),
            id="perfect day: offline in training is adherent and present",
        ),
        pytest.param(
            [FULL_DAY],
            LATE_LONG_EARLY,
            None,
            AdherenceRules(),
            # adherent 108 + 15 + 105 + 30 + 70 + 60 + 40 = 428; present 108 + 15 + 105 + 50 + 70 + 60 + 40 = 448
            DayAdherence(
                480.0,
                428.0,
                448.0,
                89.2,
                93.3,
                (
                    exception("late_start", t(9), 12.0),
                    exception("long_break", t(13), 20.0),
                    exception("early_leave", t(16, 40), 20.0),
                ),
            ),
            id="late start, long lunch, early leave",
        ),
        pytest.param(
            [FULL_DAY],
            [],
            None,
            AdherenceRules(),
            DayAdherence(480.0, 0.0, 0.0, 0.0, 0.0, (exception("absent", t(9), 480.0),)),
            id="never logged in: absent, no credit for the training",
        ),
        pytest.param(
            [FULL_DAY],
            UNPLANNED_BREAK,
            "available",
            AdherenceRules(),
            # 20 minutes of break on queue: 460 adherent; logged in throughout
            DayAdherence(480.0, 460.0, 480.0, 95.8, 100.0, (exception("out_of_adherence", t(10), 20.0),)),
            id="state carried over from before the day; an unplanned break on queue",
        ),
        pytest.param(
            [MORNING],
            AT_THE_GRACE,
            None,
            AdherenceRules(),
            # adherent 115 + 15 + 39 + 55 = 224 of 240; present 235
            DayAdherence(240.0, 224.0, 235.0, 93.3, 97.9, (exception("long_break", t(11), 6.0),)),
            id="exactly at the grace is not an exception",
        ),
        pytest.param(
            [MORNING],
            AT_THE_GRACE,
            None,
            AdherenceRules.with_grace(0),
            DayAdherence(
                240.0,
                224.0,
                235.0,
                93.3,
                97.9,
                (
                    exception("late_start", t(9), 5.0),
                    exception("long_break", t(11), 6.0),
                    exception("out_of_adherence", t(12), 5.0),
                ),
            ),
            id="no grace",
        ),
        pytest.param(
            [MORNING],
            AT_THE_GRACE,
            None,
            AdherenceRules.with_grace(10),
            DayAdherence(240.0, 224.0, 235.0, 93.3, 97.9, ()),
            id="a wider grace",
        ),
        pytest.param(
            [ScheduledShift(t(6), t(8)), MORNING],
            changes((t(6), "available"), (t(7, 30), "offline"), (t(9), "available"), (t(13), "offline")),
            None,
            AdherenceRules(),
            # split day: 90 of 120, then 225 of 240 (the break spent available: not adherent, but not on queue
            # either, so no exception); the first shift ends 30 minutes early
            DayAdherence(360.0, 315.0, 330.0, 87.5, 91.7, (exception("early_leave", t(7, 30), 30.0),)),
            id="two shifts in a day",
        ),
        pytest.param(
            [ScheduledShift(t(9), t(11), (ScheduledActivity("training", t(9), t(11)),))],
            [],
            None,
            AdherenceRules(),
            DayAdherence(120.0, 120.0, 120.0, 100.0, 100.0, ()),
            id="a training-only shift needs no log-in",
        ),
        pytest.param(
            [ScheduledShift(t(9), t(13), (ScheduledActivity("training", t(9), t(10)),))],
            changes((t(9), "available"), (t(9, 30), "offline")),
            None,
            AdherenceRules(),
            # adherent: offline 09:30-10:00 in training (30); present: the training hour (60); never on queue
            DayAdherence(240.0, 30.0, 60.0, 12.5, 25.0, (exception("late_start", t(10), 180.0),)),
            id="logged in only before the queue time: a late start, not also an early leave",
        ),
        pytest.param([], PERFECT, None, AdherenceRules(), DayAdherence(0.0, 0.0, 0.0, None, None, ()), id="no shift"),
    ],
)
def test_adherence_of_a_day(shifts, events, initial_state, rules, expected):
    assert evaluate_day(shifts, events, initial_state=initial_state, rules=rules) == expected


def test_the_pure_module_imports_no_django():
    with open(adherence.__file__, encoding="utf-8") as module:
        source = module.read()
    assert "django" not in source


# --- pushing states ---------------------------------------------------------------------------------------------


def test_a_manager_pushes_a_json_batch_and_sending_it_again_stores_nothing_new(org):
    client = api_client_for(org.manager_a)
    batch = [
        {"agent": "agent_a1", "state": "available", "occurred_at": "2026-03-02T09:00:00+08:00"},
        {"agent": org.agent_a2.pk, "state": "break", "occurred_at": "2026-03-02T01:15:00Z"},
        {"agent": str(org.agent_a2.pk), "state": "On_Contact", "occurred_at": "2026-03-02T01:30:00Z"},
    ]

    first = client.post(STATES, batch, format="json")
    again = client.post(STATES, batch, format="json")

    assert first.status_code == 201, first.json()
    assert first.json() == {
        "created": 3,
        "unchanged": 0,
        "agents": 2,
        "first_occurred_at": "2026-03-02T01:00:00Z",
        "last_occurred_at": "2026-03-02T01:30:00Z",
    }
    assert again.status_code == 201
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)
    assert sorted(AgentStateEvent.objects.values_list("agent__user__username", "state", "occurred_at", "source")) == [
        ("agent_a1", "available", datetime(2026, 3, 2, 1, tzinfo=UTC), "api"),
        ("agent_a2", "break", datetime(2026, 3, 2, 1, 15, tzinfo=UTC), "api"),
        ("agent_a2", "on_contact", datetime(2026, 3, 2, 1, 30, tzinfo=UTC), "api"),
    ]


def test_a_bad_json_batch_names_every_bad_row_and_stores_nothing(org):
    AgentStateEvent.objects.create(agent=org.agent_a1, state="break", occurred_at=datetime(2026, 3, 2, 2, tzinfo=UTC))
    client = api_client_for(org.manager_a)
    batch = [
        {"agent": "agent_a1", "state": "available", "occurred_at": "2026-03-02T01:00:00Z"},  # fine
        {"agent": "agent_b1", "state": "available", "occurred_at": "2026-03-02T01:00:00Z"},  # not theirs
        {"agent": "ghost", "state": "asleep", "occurred_at": "2026-03-02 09:00"},  # three problems
        {"agent": "agent_a1", "state": "break", "occurred_at": "2026-03-02T09:00:00+08:00"},  # repeats row 0
        {"agent": "agent_a2", "state": "available", "occurred_at": "2999-01-01T00:00:00Z"},  # future
        "agent_a2,available",
    ]

    response = client.post(STATES, batch, format="json")
    conflict = client.post(
        STATES, [{"agent": "agent_a1", "state": "available", "occurred_at": "2026-03-02T02:00:00Z"}], format="json"
    )
    not_a_list = client.post(STATES, {"agent": "agent_a1"}, format="json")
    empty = client.post(STATES, [], format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Row 5: non_field_errors: Each event is an object with agent, state and occurred_at.",
        "rows": {"5": {"non_field_errors": ["Each event is an object with agent, state and occurred_at."]}},
    }
    batch.pop()
    response = client.post(STATES, batch, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Row 1: agent: You do not manage the team of agent “agent_b1”.",
        "rows": {
            "1": {"agent": ["You do not manage the team of agent “agent_b1”."]},
            "2": {
                "agent": ["No agent has the username or id “ghost”."],
                "state": ["“asleep” is not a state; use one of available, on_contact, break, offline."],
                "occurred_at": ["“2026-03-02 09:00” has no UTC offset; add one (e.g. Z or +08:00)."],
            },
            "3": {"occurred_at": ["Repeats row 0 (same agent and time)."]},
            "4": {"occurred_at": ["“2999-01-01T00:00:00Z” is in the future."]},
        },
    }
    assert conflict.status_code == 400
    assert conflict.json()["rows"] == {
        "0": {"state": [f"{org.agent_a1} already has the state “break” stored at 2026-03-02 02:00:00 UTC."]}
    }
    assert not_a_list.status_code == 400
    assert not_a_list.json()["rows"] == {"0": {"non_field_errors": ["Send a JSON list of state events."]}}
    assert empty.status_code == 400
    assert empty.json()["rows"] == {"0": {"non_field_errors": ["Send at least one state event."]}}
    assert AgentStateEvent.objects.count() == 1


def test_a_csv_upload_names_file_lines_and_refuses_bad_files(org):
    client = api_client_for(org.admin)
    good = (
        "agent,state,occurred_at\n"
        "agent_a1,available,2026-03-02T09:00:00+08:00\n"
        f"{org.agent_b1.pk},offline,2026-03-02T10:00:00+08:00\n"
    )
    bad = "occurred_at,agent,state\n2026-03-02T09:00:00+08:00,agent_a1,available\n\nnope,agent_a1,break\n"

    def upload(content: bytes):
        return client.post(
            STATES + "import/", {"file": SimpleUploadedFile("s.csv", content, "text/csv")}, format="multipart"
        )

    stored = upload(good.encode())
    raw = client.generic(
        "POST",
        STATES + "import/",
        good.replace("available", "break").encode(),
        content_type="text/csv",
        HTTP_CONTENT_DISPOSITION="attachment; filename=s.csv",
    )
    refused = upload(bad.encode())
    latin1 = upload("agent,state,occurred_at\nJosé,available,2026-03-02T09:00:00Z\n".encode("latin-1"))
    empty = upload(b"")
    header_only = upload(b"agent,state,occurred_at\n")
    wrong_header = upload(b"who,state,when\nagent_a1,available,2026-03-02T09:00:00Z\n")
    missing = client.post(STATES + "import/", {}, format="multipart")

    assert stored.status_code == 201, stored.json()
    assert stored.json()["created"] == 2
    assert raw.status_code == 400  # the same instants with another state
    assert raw.json()["lines"] == {
        "2": {"state": [f"{org.agent_a1} already has the state “available” stored at 2026-03-02 01:00:00 UTC."]}
    }
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Line 4: occurred_at: “nope” is not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00+08:00).",
        "lines": {"4": {"occurred_at": ["“nope” is not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00+08:00)."]}},
    }
    assert latin1.status_code == 400
    assert latin1.json()["lines"] == {"1": {"file": ["The file is not UTF-8 text (byte 28); save it as UTF-8 CSV."]}}
    assert empty.json()["lines"] == {"1": {"file": ["The file is empty."]}}
    assert header_only.json()["lines"] == {"2": {"file": ["The file has a header but no rows."]}}
    assert wrong_header.json()["lines"] == {
        "1": {"header": ["Missing column(s) agent, occurred_at; expected agent,state,occurred_at."]}
    }
    assert missing.json()["lines"] == {"1": {"file": ["Send a CSV file (multipart field “file”)."]}}
    assert [r.status_code for r in (empty, header_only, wrong_header, missing)] == [400] * 4
    assert AgentStateEvent.objects.filter(source="csv").count() == 2


def test_agents_and_reviewers_cannot_push_states(org):
    row = [{"agent": "agent_a1", "state": "available", "occurred_at": "2026-03-02T01:00:00Z"}]
    for user in (org.agent_a1.user, org.qa):
        client = api_client_for(user)
        assert client.post(STATES, row, format="json").status_code == 403
        assert client.post(STATES + "import/", {}, format="multipart").status_code == 403
    assert AgentStateEvent.objects.count() == 0


def test_each_role_reads_exactly_the_state_events_it_may_see(org):
    events = {
        agent.pk: AgentStateEvent.objects.create(
            agent=agent, state="available", occurred_at=datetime(2026, 3, 2, 1, tzinfo=UTC)
        ).pk
        for agent in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_b2)
    }
    a1, a2, b1, b2 = (events[agent.pk] for agent in (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_b2))

    assert_role_access(
        list_url=STATES,
        detail_url=lambda pk: f"{STATES}{pk}/",
        all_ids=set(events.values()),
        cases={
            "admin": RoleCase(org.admin, sees={a1, a2, b1, b2}),
            "manager_a": RoleCase(org.manager_a, sees={a1, a2}),
            "manager_b": RoleCase(org.manager_b, sees={b1, b2}),
            "agent_a1": RoleCase(org.agent_a1.user, sees={a1}),
            "qa": RoleCase(org.qa, sees=set(), denied=True),
        },
    )


def test_state_events_filter_by_agent_and_time_and_cost_fixed_queries(org, django_assert_num_queries):
    for minute in range(0, 60, 10):
        AgentStateEvent.objects.create(
            agent=org.agent_a1, state="available", occurred_at=datetime(2026, 3, 2, 1, minute, tzinfo=UTC)
        )
    AgentStateEvent.objects.create(agent=org.agent_a2, state="break", occurred_at=datetime(2026, 3, 2, 1, tzinfo=UTC))
    client = api_client_for(org.manager_a)

    # token with user, roles, count, page
    with django_assert_num_queries(4):
        response = client.get(
            STATES,
            {"agent_id": org.agent_a1.pk, "start": "2026-03-02T09:10:00+08:00", "end": "2026-03-02T01:40:00Z"},
        )

    assert [row["occurred_at"] for row in response.json()["results"]] == [
        "2026-03-02T01:30:00Z",
        "2026-03-02T01:20:00Z",
        "2026-03-02T01:10:00Z",
    ]
    assert response.json()["results"][0]["agent_name"] == org.agent_a1.display_name
    with django_assert_num_queries(4):
        assert len(client.get(STATES).json()["results"]) == 7


# --- adherence through the API ----------------------------------------------------------------------------------


def sg(day: int, hour: int, minute: int = 0) -> datetime:
    return at(SINGAPORE, 2026, 3, day, hour, minute)


def push(agent, *pairs: tuple[datetime, str]) -> None:
    AgentStateEvent.objects.bulk_create(
        AgentStateEvent(agent=agent, state=state, occurred_at=instant) for instant, state in pairs
    )


@pytest.fixture
def monday_shifts(org):
    """Ana and Ben work Monday 2 March 09:00-13:00 Singapore with a break 11:00-11:15, published; Ana logs in
    12 minutes late and takes a 25-minute break; Ben is on time and takes his break on time."""
    ana = name(org.agent_a1, "Ana", "Lim")
    ben = name(org.agent_a2, "Ben", "Tan")
    for agent in (ana, ben):
        shift = add_shift(agent, sg(2, 9), sg(2, 13), parts=(Part("break", sg(2, 11), sg(2, 11, 15)),))
    publish(shift)
    push(ana, (sg(2, 9, 12), "available"), (sg(2, 11), "break"), (sg(2, 11, 25), "on_contact"), (sg(2, 13), "offline"))
    push(ben, (sg(2, 8, 58), "available"), (sg(2, 11), "break"), (sg(2, 11, 15), "available"), (sg(2, 13), "offline"))
    return ana, ben


def test_adherence_per_agent_per_day_against_the_published_schedule(org, monday_shifts):
    ana, ben = monday_shifts

    response = api_client_for(org.manager_a).get(
        ADHERENCE, {"team": "alpha", "start": "2026-03-02", "end": "2026-03-08"}
    )

    # Ana: adherent 108 (09:12-11:00) + 15 (break) + 95 (11:25-13:00) = 218 of 240; present 228
    assert response.status_code == 200
    assert response.json() == [
        {
            "agent": ana.pk,
            "agent_name": "Ana Lim",
            "date": "2026-03-02",
            "zone_name": "Asia/Singapore",
            "scheduled_minutes": 240.0,
            "adherent_minutes": 218.0,
            "present_minutes": 228.0,
            "adherence_percent": 90.8,
            "conformance_percent": 95.0,
            "exceptions": [
                {"kind": "late_start", "starts_at": "2026-03-02T01:00:00Z", "minutes": 12.0},
                {"kind": "long_break", "starts_at": "2026-03-02T03:00:00Z", "minutes": 10.0},
            ],
        },
        {
            "agent": ben.pk,
            "agent_name": "Ben Tan",
            "date": "2026-03-02",
            "zone_name": "Asia/Singapore",
            "scheduled_minutes": 240.0,
            "adherent_minutes": 240.0,
            "present_minutes": 240.0,
            "adherence_percent": 100.0,
            "conformance_percent": 100.0,
            "exceptions": [],
        },
    ]


def test_adherence_reads_the_published_version_not_unpublished_edits(org, monday_shifts):
    ana, _ = monday_shifts
    shift = ana.shifts.get()
    edit_after_publishing(shift, starts_at=sg(2, 9, 30), ends_at=sg(2, 13, 30))

    [row] = selectors.adherence_by_agent_day(
        team=org.team_a, first_day=date(2026, 3, 2), last_day=date(2026, 3, 2), agent_ids={ana.pk}
    )

    assert (row.scheduled_minutes, row.adherent_minutes) == (240.0, 218.0)
    assert [item.kind for item in row.exceptions] == ["late_start", "long_break"]


def test_the_grace_comes_from_settings(org, monday_shifts, settings):
    ana, _ = monday_shifts
    settings.ADHERENCE_GRACE_MINUTES = 15

    [row] = selectors.adherence_by_agent_day(
        team=org.team_a, first_day=date(2026, 3, 2), last_day=date(2026, 3, 2), agent_ids={ana.pk}
    )
    exceptions = selectors.adherence_exception_list(
        team=org.team_a, first_day=date(2026, 3, 2), last_day=date(2026, 3, 8)
    )

    assert row.exceptions == ()
    assert exceptions == []


def test_the_exception_list_flattens_days_in_time_order(org, monday_shifts):
    ana, _ = monday_shifts

    rows = selectors.adherence_exception_list(team=org.team_a, first_day=date(2026, 3, 2), last_day=date(2026, 3, 8))

    assert [(row.agent_name, row.date, row.kind, row.starts_at, row.minutes) for row in rows] == [
        ("Ana Lim", date(2026, 3, 2), "late_start", sg(2, 9), 12.0),
        ("Ana Lim", date(2026, 3, 2), "long_break", sg(2, 11), 10.0),
    ]


def test_a_shift_counts_on_the_local_day_it_starts(org):
    # an overnight shift Monday 22:00 to Tuesday 06:00 Singapore (Monday 14:00 to 22:00 UTC)
    ana = org.agent_a1
    publish(add_shift(ana, sg(2, 22), sg(3, 6)))
    push(ana, (sg(2, 22), "available"), (sg(3, 6), "offline"))

    monday = selectors.adherence_by_agent_day(team=org.team_a, first_day=date(2026, 3, 2), last_day=date(2026, 3, 2))
    tuesday = selectors.adherence_by_agent_day(team=org.team_a, first_day=date(2026, 3, 3), last_day=date(2026, 3, 3))

    assert [(row.date, row.scheduled_minutes, row.adherence_percent) for row in monday] == [
        (date(2026, 3, 2), 480.0, 100.0)
    ]
    assert tuesday == []


def test_who_sees_whose_adherence(org, monday_shifts):
    ana, ben = monday_shifts
    query = {"team": "alpha", "start": "2026-03-02", "end": "2026-03-02"}

    def agents_seen(user, **extra):
        response = api_client_for(user).get(ADHERENCE, {**query, **extra})
        return response.status_code, [row["agent"] for row in response.json()] if response.status_code == 200 else None

    assert agents_seen(org.admin) == (200, [ana.pk, ben.pk])
    assert agents_seen(org.manager_a) == (200, [ana.pk, ben.pk])
    assert agents_seen(org.manager_a, agent=ben.pk) == (200, [ben.pk])
    assert agents_seen(ana.user) == (200, [ana.pk])
    assert agents_seen(ana.user, agent=ana.pk) == (200, [ana.pk])
    assert agents_seen(ana.user, agent=ben.pk) == (403, None)
    assert agents_seen(org.manager_b) == (403, None)
    assert agents_seen(org.agent_b1.user) == (403, None)
    assert agents_seen(org.qa) == (403, None)
    assert agents_seen(None) == (401, None)


def test_bad_adherence_queries_name_the_field(org):
    client = api_client_for(org.manager_a)

    def get(**params):
        response = client.get(ADHERENCE, params)
        return response.status_code, response.json()

    assert get(team="nope", start="2026-03-02", end="2026-03-02") == (400, {"team": ["No team has the slug “nope”."]})
    assert get(team="alpha", start="2026-03-05", end="2026-03-02") == (400, {"end": ["The end is before the start."]})
    assert get(team="alpha", start="2026-01-01", end="2026-03-31") == (400, {"end": ["Ask for at most 62 days."]})
    assert get(team="alpha", start="March", end="2026-03-02")[0] == 400
    assert get(team="alpha", start="2026-03-02", end="2026-03-02", agent="999999") == (
        400,
        {"agent": ["No agent has id 999999."]},
    )
    assert set(get()[1]) == {"team", "start", "end"}


def test_adherence_costs_the_same_queries_whatever_the_number_of_agents_and_days(
    org, monday_shifts, django_assert_num_queries
):
    client = api_client_for(org.manager_a)
    query = {"team": "alpha", "start": "2026-03-02", "end": "2026-03-08"}

    # token with user, roles, team, manages it, published versions, agents with their prior state, events
    with django_assert_num_queries(7):
        assert len(client.get(ADHERENCE, query).json()) == 2

    for day in (3, 4, 5):
        for agent in (org.agent_a1, org.agent_a2):
            shift = add_shift(agent, sg(day, 9), sg(day, 17))
            push(agent, (sg(day, 9), "available"), (sg(day, 17), "offline"))
    publish(shift)
    with django_assert_num_queries(7):
        assert len(client.get(ADHERENCE, query).json()) == 8
