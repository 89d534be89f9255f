"""Forecast versions: computed in the background from volume history, with requirements, adjustments, what-ifs."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from scheduling import erlang, services
from scheduling.forecasting import METHOD_LABELS
from scheduling.models import Forecast, StaffingSettings
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.scheduling.history import seed_history


def test_a_requested_forecast_is_computed_under_its_job_with_accuracy_and_requirements(computed, queues):
    forecast = computed

    job = forecast.job
    assert (job.status, job.progress, job.message, job.error) == ("succeeded", 1.0, "Done", "")
    assert job.result == {"forecast_id": forecast.pk, "method": "seasonal_naive", "intervals": 336}
    assert forecast.method == "seasonal_naive"
    assert forecast.horizon_start == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)  # Monday 9 March, 00:00 SGT
    # the pattern repeats every week, so last week is a perfect forecast
    assert (forecast.wape, forecast.baseline_wape, forecast.mase) == (0.0, 0.0, 0.0)
    intervals = list(forecast.intervals.order_by("interval_start"))
    assert len(intervals) == 7 * 48
    monday_ten = intervals[20]  # 10:00 local
    assert monday_ten.interval_start == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assert (monday_ten.volume, monday_ten.adjustment_factor, monday_ten.aht_seconds) == (30.0, 1.0, 300.0)


def test_required_agents_are_erlang_for_the_queue_target_with_the_team_shrinkage(computed, queues):
    # Alpha chat: 80 % within 60 s, concurrency 2; default team settings: occupancy 0.85, shrinkage 27 %
    interval = computed.intervals.get(interval_start=datetime(2026, 3, 9, 2, 0, tzinfo=UTC))
    staffed = erlang.required_agents_chat(30.0, 300.0, 1800, 0.8, 60.0, 2, 0.85)
    expected = erlang.apply_shrinkage(staffed.agents, erlang.Shrinkage(0.08, 0.03, 0.03, 0.08, 0.03, 0.02))

    assert int(staffed.agents) == 4  # 5 Erlangs of chat on 2-chat slots; 80 % in 60 s
    assert interval.required_agents == int(expected) == 6  # ceil(4 / 0.73)
    assert interval.required_fte == pytest.approx(float(staffed.fte))


def test_team_staffing_settings_change_the_requirement(org, queues, django_capture_on_commit_callbacks):
    StaffingSettings.objects.create(
        team=org.team_a, breaks=0.5, meetings=0, training=0, time_off=0, sickness=0, other=0, max_occupancy=1
    )
    seed_history(queues.alpha)
    with django_capture_on_commit_callbacks(execute=True):
        forecast = services.forecast_request(queue=queues.alpha, horizon_days=1, method="seasonal_naive")

    interval = forecast.intervals.get(interval_start=datetime(2026, 3, 9, 2, 0, tzinfo=UTC))
    raw = int(erlang.required_agents_chat(30.0, 300.0, 1800, 0.8, 60.0, 2, 1.0).agents)
    assert interval.required_agents == 2 * raw


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        ({"horizon_days": 57}, {"horizon_days": ["Forecast between 1 and 56 days (8 weeks) ahead."]}),
        ({"horizon_days": 0}, {"horizon_days": ["Forecast between 1 and 56 days (8 weeks) ahead."]}),
        (
            {"horizon_days": 7, "method": "crystal_ball"},
            {
                "method": [
                    "Choose auto or one of: seasonal_naive, robust_profile, weekday_smoothed, daily_profile_ets, mstl."
                ]
            },
        ),
    ],
)
def test_a_bad_request_is_refused_and_stores_nothing(queues, arguments, errors):
    with pytest.raises(ValidationError) as refused:
        services.forecast_request(queue=queues.alpha, **arguments)

    assert refused.value.message_dict == errors
    assert Forecast.objects.count() == 0


def test_a_queue_without_history_fails_its_job_with_the_reason(org, queues, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        forecast = services.forecast_request(queue=queues.bravo, horizon_days=7, created_by=org.manager_b)

    forecast.refresh_from_db()
    assert forecast.job.status == "failed"
    assert forecast.job.error == "Bravo chat has no volume history on its 30-minute grid; build or import it first."
    assert forecast.intervals.count() == 0


def test_adjustments_multiply_their_range_only_and_removing_one_restores_it(computed):
    monday = (datetime(2026, 3, 9, 1, 0, tzinfo=UTC), datetime(2026, 3, 9, 3, 0, tzinfo=UTC))  # 09:00-11:00 SGT
    before = {i.interval_start: i.required_agents for i in computed.intervals.all()}

    adjustment = services.forecast_add_adjustment(
        forecast=computed, start=monday[0], end=monday[1], factor=2.0, reason="Launch day"
    )

    adjusted = {i.interval_start: (i.adjusted_volume, i.required_agents) for i in computed.intervals.all()}
    assert adjusted[monday[0]][0] == 60.0
    assert adjusted[monday[0]][1] > before[monday[0]]
    assert adjusted[monday[1]][0] == 30.0  # the end is exclusive
    changed = [start for start in before if adjusted[start][1] != before[start]]
    assert changed == [monday[0] + timedelta(minutes=30 * n) for n in range(4)]
    assert computed.intervals.get(interval_start=monday[0]).volume == 30.0  # the statistical forecast is kept

    services.forecast_remove_adjustment(adjustment=adjustment)
    assert {i.interval_start: i.required_agents for i in computed.intervals.all()} == before


def test_an_adjustment_outside_the_horizon_or_backwards_is_refused(computed):
    with pytest.raises(ValidationError) as outside:
        services.forecast_add_adjustment(
            forecast=computed,
            start=datetime(2027, 1, 1, tzinfo=UTC),
            end=datetime(2027, 1, 2, tzinfo=UTC),
            factor=1.2,
            reason="Too late",
        )
    with pytest.raises(ValidationError) as backwards:
        services.forecast_add_adjustment(
            forecast=computed,
            start=datetime(2026, 3, 10, tzinfo=UTC),
            end=datetime(2026, 3, 9, tzinfo=UTC),
            factor=1.2,
            reason="Backwards",
        )

    assert outside.value.message_dict == {"start": ["The range covers no interval of this forecast."]}
    assert "__all__" in backwards.value.message_dict
    assert computed.adjustments.count() == 0


def test_what_if_recomputes_without_saving(computed):
    before = list(computed.intervals.order_by("interval_start").values_list("required_agents", flat=True))

    same = services.forecast_what_if(forecast=computed, changes={})
    busier = services.forecast_what_if(forecast=computed, changes={"volume_percent": 50, "shrinkage": 0.3})
    stricter = services.forecast_what_if(forecast=computed, changes={"service_level_percent": 95, "concurrency": 1})

    assert same.required_agents == same.baseline_required_agents == before
    assert same.agent_hours == same.baseline_agent_hours == sum(before) * 0.5
    ten = 20 + 48  # Tuesday 10:00
    expected = erlang.apply_shrinkage(
        erlang.required_agents_chat(31.0 * 1.5, 300.0, 1800, 0.8, 60.0, 2, 0.85).agents, 0.3
    )
    assert busier.required_agents[ten] == int(expected)
    assert stricter.agent_hours > same.agent_hours
    assert list(computed.intervals.order_by("interval_start").values_list("required_agents", flat=True)) == before


def test_what_if_refuses_changes_that_do_not_fit_the_channel(org, queues, django_capture_on_commit_callbacks):
    seed_history(queues.london)  # on Singapore's grid: London's 15-minute grid finds no history
    with django_capture_on_commit_callbacks(execute=True):
        forecast = services.forecast_request(queue=queues.london, horizon_days=1, method="seasonal_naive")
    forecast.refresh_from_db()

    with pytest.raises(ValidationError) as concurrency:
        services.forecast_what_if(forecast=forecast, changes={"concurrency": 2})

    assert forecast.job.status == "failed"
    assert concurrency.value.message_dict == {
        "forecast": ["This forecast has no intervals yet (is it still computing?)."]
    }


def test_forecasts_through_the_api_per_role(org, queues, django_capture_on_commit_callbacks):
    seed_history(queues.alpha)
    seed_history(queues.bravo)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(org.manager_a).post(
            "/api/scheduling/forecasts/",
            {"queue_id": queues.alpha.pk, "horizon_days": 3, "method": "seasonal_naive"},
            format="json",
        )
    assert response.status_code == 202, response.json()
    alpha = response.json()["id"]
    assert response.json()["job_id"] == Forecast.objects.get(pk=alpha).job_id
    bravo = services.forecast_request(queue=queues.bravo, horizon_days=3).pk

    assert_role_access(
        list_url="/api/scheduling/forecasts/",
        detail_url=lambda pk: f"/api/scheduling/forecasts/{pk}/",
        all_ids={alpha, bravo},
        cases={
            "admin": RoleCase(org.admin, sees={alpha, bravo}),
            "manager_a": RoleCase(org.manager_a, sees={alpha}),
            "manager_b": RoleCase(org.manager_b, sees={bravo}),
            "qa": RoleCase(org.qa, sees=set(), denied=True),
            "agent": RoleCase(org.agent_a1.user, sees=set(), denied=True),
        },
    )
    client = api_client_for(org.manager_a)
    intervals = client.get(f"/api/scheduling/forecasts/{alpha}/intervals/")
    assert intervals.status_code == 200
    assert len(intervals.json()) == 3 * 48
    assert intervals.json()[20]["adjusted_volume"] == 30.0
    assert client.get(f"/api/scheduling/forecasts/{bravo}/intervals/").status_code == 404


def test_forecast_api_bad_input_is_a_400_naming_the_field(org, queues):
    client = api_client_for(org.manager_a)
    url = "/api/scheduling/forecasts/"

    too_far = client.post(url, {"queue_id": queues.alpha.pk, "horizon_days": 90}, format="json")
    not_mine = client.post(url, {"queue_id": queues.bravo.pk, "horizon_days": 7}, format="json")
    bad_method = client.post(url, {"queue_id": queues.alpha.pk, "horizon_days": 7, "method": "x"}, format="json")

    assert too_far.status_code == 400
    assert too_far.json() == {"horizon_days": ["Ensure this value is less than or equal to 56."]}
    assert not_mine.status_code == 403
    assert bad_method.status_code == 400
    assert list(bad_method.json()) == ["method"]
    assert Forecast.objects.count() == 0


def test_adjustment_and_what_if_through_the_api(computed, org):
    client = api_client_for(org.manager_a)
    base = f"/api/scheduling/forecasts/{computed.pk}/"

    added = client.post(
        base + "adjustments/",
        {"start": "2026-03-09T09:00:00+08:00", "end": "2026-03-09T11:00:00+08:00", "factor": 1.5, "reason": "Promo"},
        format="json",
    )
    bad = client.post(base + "adjustments/", {"start": "soon", "factor": -1}, format="json")
    what_if = client.post(base + "what-if/", {"volume_percent": 10}, format="json")
    bad_what_if = client.post(base + "what-if/", {"shrinkage": 2}, format="json")

    assert added.status_code == 201, added.json()
    assert client.get(base).json()["adjustments"][0]["reason"] == "Promo"
    assert bad.status_code == 400
    assert set(bad.json()) == {"start", "end", "factor", "reason"}
    assert what_if.status_code == 200
    body = what_if.json()
    assert len(body["required_agents"]) == 7 * 48
    assert body["agent_hours"] >= body["baseline_agent_hours"]
    assert bad_what_if.status_code == 400
    assert list(bad_what_if.json()) == ["shrinkage"]
    removed = client.delete(base + f"adjustments/{added.json()['id']}/")
    assert removed.status_code == 204
    assert computed.adjustments.count() == 0
    assert float(np.sum([i.adjustment_factor for i in computed.intervals.all()])) == 7 * 48


def test_the_forecast_list_costs_the_same_queries_whatever_the_number(org, queues, django_assert_num_queries):
    client = api_client_for(org.manager_a)
    services.forecast_request(queue=queues.alpha, horizon_days=3)
    client.get("/api/scheduling/forecasts/")  # warm the token look-up path

    with django_assert_num_queries(5):  # token + user, roles, count, page with queue and job, adjustments
        assert client.get("/api/scheduling/forecasts/").status_code == 200
    for days in (4, 5, 6):
        services.forecast_request(queue=queues.alpha, horizon_days=days)
    with django_assert_num_queries(5):
        assert len(client.get("/api/scheduling/forecasts/").json()["results"]) == 4


def test_scenarios_are_saved_and_compared_side_by_side(computed, org):
    client = api_client_for(org.manager_a)
    url = f"/api/scheduling/forecasts/{computed.pk}/scenarios/"
    baseline_hours = sum(computed.intervals.values_list("required_agents", flat=True)) * 0.5

    saved = client.post(url, {"name": "Launch +20 %", "volume_percent": 20}, format="json")
    duplicate = client.post(url, {"name": "Launch +20 %", "volume_percent": 30}, format="json")
    unnamed = client.post(url, {"volume_percent": 30}, format="json")
    lean = client.post(url, {"name": "Less shrinkage", "shrinkage": 0.1}, format="json")
    compared = client.get(url)

    assert saved.status_code == 201, saved.json()
    assert duplicate.status_code == 400
    assert duplicate.json() == {"name": ["This forecast already has a scenario named “Launch +20 %”."]}
    assert unnamed.status_code == 400
    assert list(unnamed.json()) == ["name"]
    assert lean.status_code == 201
    columns = compared.json()
    assert [(c["name"], c["changes"]) for c in columns] == [
        ("Forecast", {}),
        ("Launch +20 %", {"volume_percent": 20.0}),
        ("Less shrinkage", {"shrinkage": 0.1}),
    ]
    assert columns[0]["agent_hours"] == baseline_hours
    assert columns[0]["agent_hours_change"] == 0
    assert columns[1]["agent_hours"] > baseline_hours
    assert columns[2]["agent_hours"] < baseline_hours
    assert columns[1]["agent_hours_change"] == columns[1]["agent_hours"] - baseline_hours
    assert list(columns[0]["agent_hours_by_day"]) == [f"2026-03-{day:02d}" for day in range(9, 16)]
    assert sum(columns[1]["agent_hours_by_day"].values()) == columns[1]["agent_hours"]
    assert api_client_for(org.manager_b).get(url).status_code == 404
    assert api_client_for(org.agent_a1.user).post(url, {"name": "x"}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "intervals/", None),
        (
            "post",
            "adjustments/",
            {"start": "2026-03-09T09:00:00+08:00", "end": "2026-03-09T10:00:00+08:00", "factor": 2, "reason": "x"},
        ),
        ("delete", "adjustments/1/", None),
        ("post", "what-if/", {"volume_percent": 10}),
        ("get", "scenarios/", None),
        ("post", "scenarios/", {"name": "Busier", "volume_percent": 10}),
    ],
)
def test_every_forecast_action_is_404_for_another_manager_and_403_for_agents_and_reviewers(
    computed, org, method, suffix, body
):
    url = f"/api/scheduling/forecasts/{computed.pk}/{suffix}"

    def call(user):
        return getattr(api_client_for(user), method)(url, body, format="json")

    assert call(org.manager_b).status_code == 404
    assert call(org.agent_a1.user).status_code == 403
    assert call(org.qa).status_code == 403
    assert computed.adjustments.count() == 0
    assert computed.scenarios.count() == 0


def test_a_queue_with_only_quiet_history_is_forecast_with_the_channels_usual_aht(
    org, queues, django_capture_on_commit_callbacks
):
    services.volume_history_build(queue=queues.alpha, first_day=date(2026, 2, 2), last_day=date(2026, 3, 8))

    with django_capture_on_commit_callbacks(execute=True):
        forecast = services.forecast_request(queue=queues.alpha, horizon_days=1, method="seasonal_naive")

    forecast.refresh_from_db()
    assert forecast.job.status == "succeeded"
    assert set(forecast.intervals.values_list("volume", "aht_seconds", "required_agents")) == {(0.0, 540.0, 0)}
    assert forecast.notes[-1].endswith("planned with 540 s, the usual for Chat.")


def test_methods_skipped_for_short_history_are_named_as_on_the_page(org, queues, django_capture_on_commit_callbacks):
    # given: five weeks of history, too short for the 28-day methods' backtests
    services.volume_history_build(queue=queues.alpha, first_day=date(2026, 2, 2), last_day=date(2026, 3, 8))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        forecast = services.forecast_request(queue=queues.alpha, horizon_days=1, method="auto")
    # then
    forecast.refresh_from_db()
    reason = "needs 28 days of history before each of the 3 backtest origins; the earliest has 14"
    assert [note for note in forecast.notes if " skipped: " in note] == [
        f"{METHOD_LABELS['daily_profile_ets']} skipped: {reason}",
        f"{METHOD_LABELS['mstl']} skipped: {reason}",
    ]
    assert METHOD_LABELS["mstl"] == "MSTL (daily and weekly seasonality)"
