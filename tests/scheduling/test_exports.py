"""CSV and XLSX exports of a team week: exact contents in the team's zone, the schedule state they say they are,
and who may export what."""

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from scheduling import services
from tests.access import api_client_for
from tests.scheduling.published import Part, add_shift, at, edit_after_publishing, name, publish, team_queue

SINGAPORE = ZoneInfo("Asia/Singapore")
EXPORT = "/api/scheduling/exports/schedule/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wall(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time without a zone, as spreadsheet cells hold them."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC).replace(tzinfo=None)


def sg(day: int, hour: int, minute: int = 0) -> datetime:
    """A Singapore wall time in March 2026 (week 2026-W10 runs Monday 2 to Sunday 8)."""
    return at(SINGAPORE, 2026, 3, day, hour, minute)


def week_of_two_agents(org):
    """Ana: Monday 09:00-18:00 on Billing with a break, an unpaid lunch and training, and Wednesday 09:00-13:00;
    Ben: Tuesday 22:00 to Wednesday 06:00 (overnight), no queue."""
    ana = name(org.agent_a1, "Ana", "Lim")
    ben = name(org.agent_a2, "Ben", "Tan")
    billing = team_queue(org.team_a, "Billing")
    monday = add_shift(
        ana,
        sg(2, 9),
        sg(2, 18),
        queue=billing,
        parts=(
            Part("break", sg(2, 11), sg(2, 11, 15)),
            Part("lunch", sg(2, 13), sg(2, 14), is_paid=False),
            Part("training", sg(2, 15), sg(2, 16), title="Product update"),
        ),
    )
    add_shift(ben, sg(3, 22), sg(4, 6))
    add_shift(ana, sg(4, 9), sg(4, 13), queue=billing)
    return ana, ben, monday


def test_the_csv_has_one_row_per_shift_in_the_team_zone_and_names_the_draft(org):
    ana, ben, monday = week_of_two_agents(org)

    body = services.schedule_export_csv(monday.schedule)

    assert body.decode("utf-8").split("\r\n") == [
        "agent,agent_id,date,start,end,paid_hours,queue,activities,schedule_state",
        f"Ana Lim,{ana.pk},2026-03-02,09:00,18:00,8.00,Billing,"
        "11:00-11:15 Break; 13:00-14:00 Lunch; 15:00-16:00 Training: Product update,draft",
        f"Ana Lim,{ana.pk},2026-03-04,09:00,13:00,4.00,Billing,,draft",
        f"Ben Tan,{ben.pk},2026-03-03,22:00,06:00,8.00,,,draft",
        "",
    ]


def test_the_export_is_the_current_state_and_says_which_version_it_is(org):
    ana, _, monday = week_of_two_agents(org)
    client = api_client_for(org.manager_a)
    query = {"team": "alpha", "week": "2026-W10", "format": "csv"}

    draft = client.get(EXPORT, query)
    publish(monday)
    published = client.get(EXPORT, query)
    edit_after_publishing(monday, starts_at=sg(2, 10), ends_at=sg(2, 19))
    changed = client.get(EXPORT, query)

    assert draft.status_code == 200
    assert draft["Content-Type"] == "text/csv; charset=utf-8"
    assert draft["Content-Disposition"] == 'attachment; filename="alpha-2026-W10-draft.csv"'
    assert draft["Cache-Control"] == "private, no-store"
    assert published["Content-Disposition"] == 'attachment; filename="alpha-2026-W10-published-v1.csv"'
    assert published.content.decode().splitlines()[1].endswith(",published v1")
    assert changed["Content-Disposition"] == 'attachment; filename="alpha-2026-W10-v1-changed.csv"'
    first_row = changed.content.decode().splitlines()[1]
    assert first_row.startswith(f"Ana Lim,{ana.pk},2026-03-02,10:00,19:00,8.00,Billing,")
    assert first_row.endswith(",published v1 + unpublished changes")


def test_the_xlsx_has_shifts_activities_and_about_sheets_with_real_dates_and_times(org):
    ana, ben, monday = week_of_two_agents(org)

    response = api_client_for(org.admin).get(EXPORT, {"team": "alpha", "week": "2026-W10", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="alpha-2026-W10-draft.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Shifts", "Activities", "About"]
    shifts = workbook["Shifts"]
    assert shifts.freeze_panes == "A2"
    assert shifts.column_dimensions["A"].width == 24
    assert shifts.column_dimensions["H"].width == 70
    assert [cell.font.bold for cell in shifts[1]] == [True] * 8
    assert [[cell.value for cell in row] for row in shifts.iter_rows()] == [
        ["Agent", "Agent ID", "Date", "Start", "End", "Paid hours", "Queue", "Activities"],
        [
            "Ana Lim",
            ana.pk,
            wall(2026, 3, 2),
            wall(2026, 3, 2, 9),
            wall(2026, 3, 2, 18),
            8,
            "Billing",
            "11:00-11:15 Break; 13:00-14:00 Lunch; 15:00-16:00 Training: Product update",
        ],
        [
            "Ana Lim",
            ana.pk,
            wall(2026, 3, 4),
            wall(2026, 3, 4, 9),
            wall(2026, 3, 4, 13),
            4,
            "Billing",
            None,
        ],
        ["Ben Tan", ben.pk, wall(2026, 3, 3), wall(2026, 3, 3, 22), wall(2026, 3, 4, 6), 8, None, None],
    ]
    assert [shifts.cell(row=2, column=column).number_format for column in (3, 4, 5, 6)] == [
        "yyyy-mm-dd",
        "hh:mm",
        "hh:mm",
        "0.00",
    ]
    activities = workbook["Activities"]
    assert activities.freeze_panes == "A2"
    assert [[cell.value for cell in row] for row in activities.iter_rows()] == [
        ["Agent", "Date", "Activity", "Start", "End", "Minutes", "Queue", "Title", "Paid"],
        [
            "Ana Lim",
            wall(2026, 3, 2),
            "Break",
            wall(2026, 3, 2, 11),
            wall(2026, 3, 2, 11, 15),
            15,
            None,
            None,
            "yes",
        ],
        [
            "Ana Lim",
            wall(2026, 3, 2),
            "Lunch",
            wall(2026, 3, 2, 13),
            wall(2026, 3, 2, 14),
            60,
            None,
            None,
            "no",
        ],
        [
            "Ana Lim",
            wall(2026, 3, 2),
            "Training",
            wall(2026, 3, 2, 15),
            wall(2026, 3, 2, 16),
            60,
            None,
            "Product update",
            "yes",
        ],
    ]
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows()}
    assert {key: value for key, value in about.items() if key != "Exported at (UTC)"} == {
        "Team": "Alpha",
        "Week": "2026-W10",
        "Time zone": "Asia/Singapore",
        "Schedule state": "draft",
        "Version": 0,
    }
    assert isinstance(about["Exported at (UTC)"], datetime)


def test_only_the_teams_managers_and_admins_export_and_bad_input_names_the_field(org):
    week_of_two_agents(org)
    query = {"team": "alpha", "week": "2026-W10"}

    def get(user, **changes):
        return api_client_for(user).get(EXPORT, {**query, **changes})

    assert get(org.agent_a1.user).status_code == 403
    assert get(org.qa).status_code == 403
    other_manager = get(org.manager_b)
    assert other_manager.status_code == 403
    assert other_manager.json() == {"team": "You do not manage this team."}
    assert get(org.admin).status_code == 200
    assert get(org.manager_a).status_code == 200

    unknown = get(org.manager_a, team="nope")
    assert (unknown.status_code, unknown.json()) == (400, {"team": ["No team has the slug “nope”."]})
    bad_week = get(org.manager_a, week="2026-10")
    assert (bad_week.status_code, bad_week.json()) == (
        400,
        {"week": ["Write the week as YYYY-Www, e.g. 2026-W48 (got '2026-10')."]},
    )
    no_such_week = get(org.manager_a, week="2026-W54")
    assert (no_such_week.status_code, no_such_week.json()) == (
        400,
        {"week": ["2026-W54 is not a week: 2026 has no week 54."]},
    )
    bad_format = get(org.manager_a, format="pdf")
    assert (bad_format.status_code, bad_format.json()) == (400, {"format": ['"pdf" is not a valid choice.']})
    missing = api_client_for(org.manager_a).get(EXPORT)
    assert missing.status_code == 400
    assert set(missing.json()) == {"team", "week"}
    empty_week = get(org.manager_a, week="2026-W11")
    assert (empty_week.status_code, empty_week.json()) == (404, {"week": "Alpha has no schedule for 2026-W11."})


def test_the_export_costs_the_same_queries_whatever_the_number_of_shifts(org, django_assert_num_queries):
    _, ben, _ = week_of_two_agents(org)
    client = api_client_for(org.manager_a)
    query = {"team": "alpha", "week": "2026-W10", "format": "xlsx"}

    # token with user, roles, team, manages it, schedule, shifts, their activities
    with django_assert_num_queries(7):
        assert client.get(EXPORT, query).status_code == 200
    for day in (5, 6, 7):
        add_shift(ben, sg(day, 9), sg(day, 17), parts=(Part("break", sg(day, 11), sg(day, 11, 15)),))
    with django_assert_num_queries(7):
        response = client.get(EXPORT, query)
    assert load_workbook(io.BytesIO(response.content))["Shifts"].max_row == 7
