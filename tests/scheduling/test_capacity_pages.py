"""The capacity page: who sees it, the week's chart and figures, forecasts, adjustments, what-ifs, scenarios, jobs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduling import services
from scheduling.forms import AdjustmentForm, VolumeImportForm, WhatIfForm
from scheduling.grid import PlanningGrid
from scheduling.models import Forecast, ForecastAdjustment, ForecastInterval, IntervalVolume, Scenario
from scheduling.templatetags.capacity_charts import scenario_changes
from supportops import services as core_services
from supportops.choices import JobStatus, Role
from supportops.models import Job, Queue
from tests.factories import ConversationFactory, UserFactory
from tests.scheduling.history import seed_history

HTMX = {"HTTP_HX_REQUEST": "true"}
WEEK = "2026-W11"  # Monday 9 March 2026, the forecast's first day


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return response.content.decode()


def squashed(html: str) -> str:
    """The page with runs of whitespace collapsed, so assertions read like the rendered text."""
    return re.sub(r"\s+", " ", html)


def capacity_url(**params) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return reverse("capacity") + (f"?{query}" if query else "")


# --- Who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "queue_shown"),
    [("admin", 200, "Alpha chat"), ("manager_a", 200, "Alpha chat"), ("manager_b", 200, "Bravo chat")],
)
def test_admins_and_managers_see_the_page_with_their_own_queues(org, queues, who, status, queue_shown):
    page = text_of(client_for(getattr(org, who)).get(reverse("capacity")), status)

    options = re.findall(r'<option value="\d+"( selected)?>([^<]+)</option>', page)
    names = [name for _, name in options]
    selected = [name for flag, name in options if flag]
    expected = {
        # admins plan every queue, including the helpdesk queues of the org's conversations
        "admin": list(Queue.objects.order_by("name").values_list("name", flat=True)),
        "manager_a": ["Alpha chat"],
        "manager_b": ["Bravo chat"],
    }[who]
    assert expected[:3] == ["Alpha chat", "Bravo chat", "London voice"] or who != "admin"
    assert names == expected
    assert selected == [queue_shown]
    assert '<a href="/capacity/" aria-current="page">' in page


@pytest.mark.parametrize("who", ["qa", "agent"])
def test_qa_reviewers_and_agents_get_a_403_page_on_every_capacity_url_and_no_menu_entry(org, computed, who):
    user = org.qa if who == "qa" else org.agent_a1.user
    client = client_for(user)
    adjustment = ForecastAdjustment.objects.create(
        forecast=computed,
        start=computed.horizon_start,
        end=computed.horizon_start + timedelta(hours=1),
        factor=2,
        reason="Launch",
    )
    scenario = services.scenario_save(forecast=computed, name="Busy", changes={"volume_percent": 10.0})
    gets = [reverse("capacity"), capacity_url(queue=computed.queue_id, forecast=computed.pk)]
    posts = [
        reverse("capacity-forecast-request"),
        reverse("capacity-what-if", args=[computed.pk]),
        reverse("capacity-adjustment-add", args=[computed.pk]),
        reverse("capacity-adjustment-remove", args=[computed.pk, adjustment.pk]),
        reverse("capacity-history-build"),
        reverse("capacity-history-import"),
        reverse("capacity-scenario-save", args=[computed.pk]),
        reverse("capacity-scenario-delete", args=[computed.pk, scenario.pk]),
    ]

    for url in gets:
        page = text_of(client.get(url), 403)
        assert "Capacity planning is for managers" in page
    for url in posts:
        assert client.post(url, {"queue": computed.queue_id, "horizon_days": 7}).status_code == 403
    home = text_of(client.get("/"))
    assert "Capacity</span>" not in home
    assert 'href="/capacity/"' not in home
    assert ForecastAdjustment.objects.filter(pk=adjustment.pk).exists()
    assert Forecast.objects.count() == 1
    assert list(Scenario.objects.values_list("name", flat=True)) == ["Busy"]


def test_admins_and_managers_have_the_capacity_menu_entry(org):
    for user in (org.admin, org.manager_a):
        assert '<a href="/capacity/"><svg class="icon icon-chart"' in text_of(client_for(user).get("/"))


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = Client().get(reverse("capacity"))
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/capacity/")


def test_a_manager_gets_404_for_a_queue_or_forecast_they_do_not_plan(org, queues, computed):
    manager_b = client_for(org.manager_b)
    manager_a = client_for(org.manager_a)

    assert manager_b.get(capacity_url(queue=queues.alpha.pk)).status_code == 404
    assert manager_b.get(capacity_url(forecast=computed.pk)).status_code == 404
    assert manager_a.get(capacity_url(queue=queues.london.pk)).status_code == 404
    assert manager_a.get(capacity_url(queue="abc")).status_code == 404
    assert manager_a.get(capacity_url(queue=queues.alpha.pk, forecast=999999)).status_code == 404
    # a forecast of one queue asked for under another is no forecast of that queue
    assert client_for(org.admin).get(capacity_url(queue=queues.bravo.pk, forecast=computed.pk)).status_code == 404
    for url in (
        reverse("capacity-what-if", args=[computed.pk]),
        reverse("capacity-adjustment-add", args=[computed.pk]),
    ):
        assert manager_b.post(url, {"volume_percent": 10}).status_code == 404
    assert manager_b.post(reverse("capacity-forecast-request"), {"queue": queues.alpha.pk}).status_code == 404
    assert manager_b.post(reverse("capacity-history-build"), {"queue": queues.alpha.pk}).status_code == 404


# --- The week: chart, figures, accuracy -----------------------------------------------------------


def test_the_page_shows_the_forecast_week_with_legend_zone_accuracy_and_day_totals(org, computed):
    page = squashed(text_of(client_for(org.manager_a).get(reverse("capacity"))))

    # the week of the latest forecast's first day, in the queue's zone
    assert "Week 11 · 9 Mar – 15 Mar 2026" in page
    assert 'value="2026-W11"' in page
    assert "Times in Asia/Singapore (UTC+8)" in page
    assert "Target 80 % in 60 s" in page
    assert "30-minute intervals" in page
    assert "2 chats at once" in page
    assert "Shrinkage 27 % · max occupancy 85 %" in page
    # the legend names every series drawn (no history this week and no adjustment yet)
    assert "History (offered contacts)" not in page
    assert "Forecast (statistical)" in page
    assert "Forecast with adjustments" not in page
    assert "Required agents (forecast)" in page
    assert 'class="series-forecast"' in page
    assert 'class="series-adjusted"' not in page
    assert 'class="series-history-area"' not in page  # the history ends the day before
    assert "No history in this week — it is in the future or was not recorded." in page
    # accuracy: the pattern repeats weekly, so the seasonal naive is perfect
    assert '<div class="kpi-value method" data-testid="method">Seasonal naive</div>' in page
    assert '<div class="kpi-value" data-testid="wape">0.0 %</div>' in page
    assert '<div class="kpi-value" data-testid="mase">0.00</div>' in page
    assert "seasonal naive 0.0 %" in page
    assert "as requested" in page
    # per day: Monday has 18 office half-hours of 30 contacts and 30 quiet ones of 4 (+0 for Monday)
    assert '<th scope="row">Mon 9 Mar</th> <td class="num">660</td> <td class="num">6</td>' in page
    assert '<th scope="row">Sat 14 Mar</th> <td class="num">570</td>' in page
    assert "Agent-hours this week" in page
    # the version list has the one forecast, shown
    assert f"Forecast #{computed.pk}" in page
    assert '<span class="badge role-manager">shown</span>' in page


def test_a_week_of_history_is_drawn_and_totalled(org, computed):
    page = squashed(text_of(client_for(org.manager_a).get(capacity_url(queue=computed.queue_id, week="2026-W10"))))

    assert "Week 10 · 2 Mar – 8 Mar 2026" in page
    assert 'class="series-history-area"' in page
    assert "History (offered contacts)" in page
    assert "Forecast (statistical)" not in page
    assert '<th scope="row">Tue 3 Mar</th> <td class="num">708</td>' in page
    assert "The forecast shown does not cover this week." in page


def test_a_malformed_week_is_named_and_the_forecast_week_shown(org, computed):
    page = squashed(text_of(client_for(org.manager_a).get(capacity_url(queue=computed.queue_id, week="next"))))

    assert "Week: “next” is not a week like 2026-W11, so the first week of the forecast is shown." in page
    assert "Week 11 · 9 Mar – 15 Mar 2026" in page


def test_adjusted_volume_is_drawn_apart_and_listed(org, computed):
    services.forecast_add_adjustment(
        forecast=computed,
        start=datetime(2026, 3, 9, 1, 0, tzinfo=UTC),  # 09:00 SGT
        end=datetime(2026, 3, 9, 3, 0, tzinfo=UTC),
        factor=1.5,
        reason="Card launch",
        created_by=org.manager_a,
    )

    page = squashed(text_of(client_for(org.manager_a).get(reverse("capacity"))))

    assert "Forecast with adjustments" in page
    assert 'class="series-adjusted"' in page
    assert "×1.5 · +50 %" in page
    assert "Card launch" in page
    assert '9 Mar, 09:00 <span class="tz">UTC+8</span></time> – <time' in page
    # Monday: 4 office half-hours of 30 become 45, so 660 + 60 = 720 adjusted
    assert '<th scope="row">Mon 9 Mar</th> <td class="num">660</td> <td class="num">720</td>' in page


def test_empty_states_no_queues_no_history_no_forecast(org, queues):
    lonely = UserFactory(username="lonely", roles=[Role.MANAGER])
    assert "No queues to plan yet" in text_of(client_for(lonely).get(reverse("capacity")))

    page = text_of(client_for(org.manager_a).get(reverse("capacity")))
    assert "No volume history for Alpha chat yet" in page
    assert "Build history from conversations" in page
    assert "No forecast yet" in page
    assert "Forecasts learn from volume history: build it (above) or import it (below) first." in page
    assert "Request forecast" not in page

    seed_history(queues.alpha)
    page = text_of(client_for(org.manager_a).get(reverse("capacity")))
    assert "No volume history" not in page
    assert "No forecast yet: request one below." in page
    assert "Request forecast" in page


def test_build_history_counts_the_last_84_days_of_conversations(org, queues):
    now = timezone.now()
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=now - timedelta(days=2))
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=now - timedelta(days=3))

    response = client_for(org.manager_a).post(
        reverse("capacity-history-build"), {"queue": queues.alpha.pk}, follow=True
    )

    page = text_of(response)
    assert response.redirect_chain == [(f"/capacity/?queue={queues.alpha.pk}", 302)]
    assert "Volume history of Alpha chat built from 2 conversations" in page
    assert "(4,032 intervals)." in page
    assert IntervalVolume.objects.filter(queue=queues.alpha).count() == 84 * 48
    assert sum(IntervalVolume.objects.filter(queue=queues.alpha).values_list("volume", flat=True)) == 2


# --- Importing volume history from CSV ----------------------------------------------------------


def csv_file(*lines: str) -> SimpleUploadedFile:
    content = "\n".join(["interval_start,queue,volume,aht_seconds", *lines]) + "\n"
    return SimpleUploadedFile("volumes.csv", content.encode(), content_type="text/csv")


def post_import(user, queue: Queue, upload: SimpleUploadedFile | None, **extra):
    data: dict = {"queue": queue.pk} | ({"file": upload} if upload is not None else {})
    return client_for(user).post(reverse("capacity-history-import"), data, **extra)


def test_the_volume_history_card_offers_the_import_the_rebuild_and_the_csv_format(org, queues):
    page = squashed(text_of(client_for(org.manager_a).get(reverse("capacity"))))

    assert 'enctype="multipart/form-data" action="/capacity/history/import/#history-heading"' in page
    assert '<input type="file" name="file" accept=".csv,text/csv" required id="id_file">' in page
    assert "Columns <code>interval_start,queue,volume,aht_seconds</code>" in page
    assert '<a href="/api/docs/">format in the API docs</a>' in page
    assert page.count('action="/capacity/history/build/"') == 2  # the empty state's and the card's
    assert 'Rebuild from conversations</button> <span class="hint">Alpha chat, the last 84 complete days' in page


def test_importing_a_csv_stores_its_intervals_and_says_how_many(org, queues):
    upload = csv_file(
        "2026-03-02T09:00:00+08:00,Alpha chat,42,540",
        "2026-03-02T09:30:00+08:00,Alpha chat,51,",
        "2026-03-02T10:00:00+08:00,Alpha chat,7,300",
    )

    response = post_import(org.manager_a, queues.alpha, upload, follow=True)

    page = text_of(response)
    assert response.redirect_chain == [(f"/capacity/?queue={queues.alpha.pk}", 302)]
    assert "Imported 3 intervals for 1 queue." in page
    stored = IntervalVolume.objects.filter(queue=queues.alpha).order_by("interval_start")
    assert [(row.interval_start, row.volume, row.aht_seconds) for row in stored] == [
        (datetime(2026, 3, 2, 1, 0, tzinfo=UTC), 42, 540),
        (datetime(2026, 3, 2, 1, 30, tzinfo=UTC), 51, None),
        (datetime(2026, 3, 2, 2, 0, tzinfo=UTC), 7, 300),
    ]


def test_a_refused_csv_names_each_bad_line_and_stores_nothing(org, queues):
    upload = csv_file(
        "2026-03-02T09:00:00+08:00,Alpha chat,42,540",
        "2026-03-02T09:30:00+08:00,Alpha chat,-3,",
        "yesterday,Nowhere,x,",
    )

    response = post_import(org.manager_a, queues.alpha, upload)

    page = squashed(text_of(response, 400))
    problems = re.findall(r"<li>(Line [^<]+)</li>", page)
    assert problems == [
        "Line 3 · volume: Cannot be negative.",
        "Line 4 · queue: No queue is named “Nowhere”.",
        "Line 4 · interval_start: “yesterday” is not an ISO 8601 date-time (e.g. 2026-03-02T09:30:00+08:00).",
        "Line 4 · volume: “x” is not a number.",
    ]
    assert "Nothing was imported: fix these lines and import the file again." in page
    assert "more</li>" not in page
    assert IntervalVolume.objects.count() == 0


def test_more_than_ten_bad_lines_show_the_first_ten_and_how_many_more(org, queues):
    upload = csv_file(*(f"2026-03-02T{hour:02d}:00:00+08:00,Alpha chat,-1," for hour in range(13)))

    page = squashed(text_of(post_import(org.manager_a, queues.alpha, upload), 400))

    problems = re.findall(r"<li>(Line [^<]+)</li>", page)
    assert problems == [f"Line {line} · volume: Cannot be negative." for line in range(2, 12)]
    assert '<li class="muted">…and 3 more</li>' in page
    assert IntervalVolume.objects.count() == 0


def test_importing_without_a_file_is_a_form_error(org, queues):
    page = text_of(post_import(org.manager_a, queues.alpha, None), 400)

    assert '<p class="field-error" id="id_file_error">Choose a CSV file to import.</p>' in page
    assert IntervalVolume.objects.count() == 0


def test_a_file_over_20_mb_is_refused_before_it_is_read():
    big = SimpleUploadedFile("volumes.csv", b"x" * (20 * 1024 * 1024 + 1), content_type="text/csv")

    form = VolumeImportForm(data={}, files={"file": big})

    assert form.errors == {"file": ["The file is 20.0 MB; import at most 20 MB at once (split it by month)."]}


def test_a_manager_cannot_import_a_line_for_a_queue_they_do_not_plan(org, queues):
    upload = csv_file("2026-03-02T09:00:00+08:00,Alpha chat,42,540", "2026-03-02T09:00:00+08:00,Bravo chat,5,")

    page = squashed(text_of(post_import(org.manager_a, queues.alpha, upload), 400))

    assert re.findall(r"<li>(Line [^<]+)</li>", page) == [
        "Line 3 · queue: You do not plan queue “Bravo chat” (it is not staffed by a team you manage)."
    ]
    assert IntervalVolume.objects.count() == 0


@pytest.mark.parametrize("who", ["qa", "agent"])
def test_qa_reviewers_and_agents_cannot_import(org, queues, who):
    user = org.qa if who == "qa" else org.agent_a1.user

    response = post_import(user, queues.alpha, csv_file("2026-03-02T09:00:00+08:00,Alpha chat,42,540"))

    assert "Capacity planning is for managers" in text_of(response, 403)
    assert IntervalVolume.objects.count() == 0


# --- New forecasts ---------------------------------------------------------------------------------


def test_requesting_a_forecast_through_htmx_shows_its_progress_then_follows_to_it(
    org, queues, django_capture_on_commit_callbacks
):
    seed_history(queues.alpha)
    client = client_for(org.manager_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("capacity-forecast-request"),
            {"queue": queues.alpha.pk, "horizon_days": 7, "method": "seasonal_naive"},
            **HTMX,
        )

    # the request answers at once with the queued job's progress bar, polled every second
    fragment = squashed(text_of(response))
    forecast = Forecast.objects.get()
    next_url = f"/capacity/?queue={queues.alpha.pk}&forecast={forecast.pk}"
    progress_url = (
        f"/jobs/{forecast.job_id}/progress/?next=%2Fcapacity%2F%3Fqueue%3D{queues.alpha.pk}%26forecast%3D{forecast.pk}"
    )
    assert fragment.startswith('<div id="forecast-request"')
    assert f'hx-get="{progress_url}" hx-trigger="every 1s"' in fragment
    assert 'aria-valuenow="0"' in fragment
    assert "Waiting for a worker to pick it up…" in fragment
    assert "Request forecast" in fragment  # the form stays for another request
    # when the worker has run it, the next poll sends the browser to the new forecast
    for callback in callbacks:
        callback()
    poll = client.get(reverse("job-progress", args=[forecast.job_id]), {"next": next_url}, **HTMX)
    assert poll["HX-Redirect"] == next_url
    assert 'aria-valuenow="100"' in text_of(poll)
    forecast.refresh_from_db()
    assert forecast.method == "seasonal_naive"


def test_requesting_a_forecast_without_htmx_redirects_to_it(org, queues, django_capture_on_commit_callbacks):
    seed_history(queues.alpha)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(org.manager_a).post(
            reverse("capacity-forecast-request"), {"queue": queues.alpha.pk, "horizon_days": 7, "method": "auto"}
        )
    forecast = Forecast.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/capacity/?queue={queues.alpha.pk}&forecast={forecast.pk}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"horizon_days": 0, "method": "auto"}, "Forecast at least 1 day ahead."),
        ({"horizon_days": 57, "method": "auto"}, "Forecast at most 56 days (8 weeks) ahead."),
        ({"horizon_days": "soon", "method": "auto"}, "Enter a whole number of days, 1 to 56."),
        ({"horizon_days": 7, "method": "crystal_ball"}, "Choose automatic or one of the listed methods."),
    ],
)
def test_bad_forecast_requests_show_the_field_error_and_store_nothing(org, queues, data, message):
    client = client_for(org.manager_a)
    url = reverse("capacity-forecast-request")

    fragment = text_of(client.post(url, {"queue": queues.alpha.pk, **data}, **HTMX))
    page = text_of(client.post(url, {"queue": queues.alpha.pk, **data}), 400)

    for html in (fragment, page):
        assert '<p class="field-error"' in html
        assert message in html
    assert 'id="forecast-request"' in fragment
    assert "<h1>Capacity</h1>" in page
    assert Forecast.objects.count() == 0
    assert Job.objects.count() == 0


def test_a_forecast_still_computing_shows_its_progress_bar_on_the_page(org, queues):
    seed_history(queues.alpha)
    forecast = services.forecast_request(queue=queues.alpha, horizon_days=7, created_by=org.manager_a)  # not run

    page = text_of(client_for(org.manager_a).get(capacity_url(forecast=forecast.pk)))

    assert "Computing the forecast" in page
    assert 'hx-trigger="every 1s"' in page
    assert "Waiting for a worker to pick it up…" in page


# --- Manual adjustments ----------------------------------------------------------------------------


def test_adding_an_adjustment_in_local_time_stores_it_and_recomputes_requirements(org, computed):
    client = client_for(org.manager_a)
    url = reverse("capacity-adjustment-add", args=[computed.pk])

    response = client.post(
        url,
        {"start": "2026-03-09T09:00", "end": "2026-03-09T12:00", "factor": "2", "reason": "Launch", "week": WEEK},
        follow=True,
    )

    page = text_of(response)
    assert response.redirect_chain == [
        (f"/capacity/?queue={computed.queue_id}&forecast={computed.pk}&week={WEEK}", 302)
    ]
    assert "Adjustment added: ×2 for “Launch”." in page
    adjustment = ForecastAdjustment.objects.get()
    assert (adjustment.start, adjustment.end) == (
        datetime(2026, 3, 9, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 4, 0, tzinfo=UTC),
    )
    assert adjustment.created_by == org.manager_a
    ten = computed.intervals.get(interval_start=datetime(2026, 3, 9, 2, 0, tzinfo=UTC))
    assert (ten.adjustment_factor, ten.adjusted_volume) == (2.0, 60.0)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start": "2026-03-09T12:00", "end": "2026-03-09T09:00", "factor": "1.2"}, "end", "End after the start."),
        (
            {"start": "2026-03-09T09:00", "end": "2026-03-09T12:00", "factor": "-1"},
            "factor",
            "The factor cannot be negative.",
        ),
        (
            {"start": "2026-03-09T09:00", "end": "2026-03-09T12:00", "factor": "lots"},
            "factor",
            "Enter a number such as 1.2 (for +20 %).",
        ),
        (
            {"start": "9 March", "end": "2026-03-09T12:00", "factor": "1.2"},
            "start",
            "Enter a date and time like 2026-03-09 09:00.",
        ),
        # the service refuses a range outside the forecast, on the start field
        (
            {"start": "2026-05-01T09:00", "end": "2026-05-01T12:00", "factor": "1.2"},
            "start",
            "The range covers no interval of this forecast.",
        ),
    ],
)
def test_bad_adjustments_show_the_field_error_and_store_nothing(org, computed, data, field, message):
    response = client_for(org.manager_a).post(
        reverse("capacity-adjustment-add", args=[computed.pk]), {**data, "reason": "Launch", "week": WEEK}
    )

    page = text_of(response, 400)
    assert f'<p class="field-error" id="id_{field}_error">{message}</p>' in page
    assert ForecastAdjustment.objects.count() == 0


def test_a_local_time_skipped_by_dst_is_refused_by_name():
    form = AdjustmentForm(
        {"start": "2026-03-29T01:30", "end": "2026-03-29T04:00", "factor": "1.1", "reason": "Clocks"},
        zone=PlanningGrid("Europe/London", 15).zone,
    )
    assert form.errors == {"start": ["2026-03-29 01:30 does not exist in Europe/London (the clocks skipped it)."]}


def test_removing_an_adjustment_restores_the_forecast(org, computed):
    adjustment = services.forecast_add_adjustment(
        forecast=computed,
        start=datetime(2026, 3, 9, 1, 0, tzinfo=UTC),
        end=datetime(2026, 3, 9, 3, 0, tzinfo=UTC),
        factor=2,
        reason="Launch",
    )
    url = reverse("capacity-adjustment-remove", args=[computed.pk, adjustment.pk])

    assert client_for(org.manager_b).post(url).status_code == 404
    response = client_for(org.manager_a).post(url, {"week": WEEK}, follow=True)

    assert "Adjustment removed: ×2 for “Launch”." in text_of(response)
    assert ForecastAdjustment.objects.count() == 0
    assert computed.intervals.filter(adjustment_factor=1.0).count() == 7 * 48


# --- What-if -----------------------------------------------------------------------------------------


def week_agent_hours(forecast: Forecast) -> float:
    agents = ForecastInterval.objects.filter(forecast=forecast).values_list("required_agents", flat=True)
    return sum(agents) * 0.5


def test_what_if_recomputes_the_requirement_chart_without_saving(org, computed):
    before = list(computed.intervals.values_list("required_agents", flat=True))
    baseline_hours = week_agent_hours(computed)
    expected = services.forecast_what_if(forecast=computed, changes={"volume_percent": 50.0})

    response = client_for(org.manager_a).post(
        reverse("capacity-what-if", args=[computed.pk]),
        {"volume_percent": "50", "aht_seconds": "", "service_level_percent": "80", "week": WEEK},
        **HTMX,
    )

    fragment = squashed(text_of(response))
    assert fragment.startswith('<div id="what-if-result"')
    assert f'data-testid="agent-hours">{baseline_hours:,.1f} h<' in fragment
    assert f'data-testid="what-if-agent-hours">{expected.agent_hours:,.1f} h<' in fragment
    assert expected.agent_hours > baseline_hours
    assert "Required agents (what-if)" in fragment
    assert 'class="series-what-if"' in fragment
    assert list(computed.intervals.values_list("required_agents", flat=True)) == before


def test_what_if_with_the_queue_own_values_changes_nothing(org, computed):
    form = WhatIfForm(
        {
            "volume_percent": "0",
            "service_level_percent": "80",
            "answer_within_seconds": "60",
            "shrinkage_percent": "27",
            "max_occupancy_percent": "85",
            "concurrency": "2",
        },
        queue=computed.queue,
        staffing=services.staffing_settings_for(computed.queue),
    )
    assert form.is_valid()
    assert form.changes() == {}
    form = WhatIfForm(
        {"shrinkage_percent": "30", "max_occupancy_percent": "90", "concurrency": "3"},
        queue=computed.queue,
        staffing=services.staffing_settings_for(computed.queue),
    )
    assert form.is_valid()
    assert form.changes() == pytest.approx({"shrinkage": 0.3, "max_occupancy": 0.9, "concurrency": 3})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"service_level_percent": "150"}, "Service level (%): Ensure this value is less than or equal to 99.9."),
        ({"volume_percent": "abc"}, "Volume change (%): Enter a number."),
        ({"shrinkage_percent": "-5"}, "Shrinkage (%): Ensure this value is greater than or equal to 0."),
    ],
)
def test_what_if_with_bad_values_shows_a_message_and_the_forecast_own_chart(org, computed, data, message):
    response = client_for(org.manager_a).post(
        reverse("capacity-what-if", args=[computed.pk]), {**data, "week": WEEK}, **HTMX
    )

    fragment = text_of(response)
    assert message in fragment
    assert 'role="alert"' in fragment
    assert f'data-testid="agent-hours">{week_agent_hours(computed):,.1f} h<' in fragment
    assert "what-if-agent-hours" not in fragment


def test_what_if_leaves_out_controls_the_channel_does_not_have(org, queues):
    voice = WhatIfForm(queue=queues.london, staffing=services.staffing_settings_for(queues.london))
    chat = WhatIfForm(queue=queues.alpha, staffing=services.staffing_settings_for(queues.alpha))
    assert "concurrency" not in voice.fields
    assert list(chat.fields) == [
        "volume_percent",
        "aht_seconds",
        "service_level_percent",
        "answer_within_seconds",
        "shrinkage_percent",
        "max_occupancy_percent",
        "concurrency",
    ]


# --- Scenarios ----------------------------------------------------------------------------------------

# the what-if controls as the page posts them: every value at the queue's or team's own
OWN_VALUES = {
    "volume_percent": "0",
    "aht_seconds": "",
    "service_level_percent": "80",
    "answer_within_seconds": "60",
    "shrinkage_percent": "27",
    "max_occupancy_percent": "85",
    "concurrency": "2",
}


def save_scenario(client: Client, forecast: Forecast, name: str, **values):
    data = {**OWN_VALUES, **values, "scenario_name": name, "week": WEEK}
    return client.post(reverse("capacity-scenario-save", args=[forecast.pk]), data, **HTMX)


def scenario_cells(page: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}">([^<]+)<', page)


def test_saving_a_what_if_keeps_only_its_changes_and_shows_its_column(org, computed):
    client = client_for(org.manager_a)

    fragment = squashed(text_of(save_scenario(client, computed, "Launch", volume_percent="20")))

    scenario = Scenario.objects.get()
    assert (scenario.name, scenario.changes, scenario.created_by) == ("Launch", {"volume_percent": 20.0}, org.manager_a)
    assert (scenario.agent_hours, scenario.peak_required_agents) == (714.0, 7)
    # the save form comes back with the name cleared and a confirmation...
    assert fragment.startswith('<div id="scenario-save"')
    assert (
        '<input type="text" name="scenario_name" placeholder="Launch week +20 %" autocomplete="off" maxlength="120" '
        'required id="id_scenario_name">'
    ) in fragment
    assert 'value="Launch"' not in fragment
    assert "Saved “Launch”: Volume +20 %." in fragment
    # ...and the comparison card, swapped in out of band, has its column beside the forecast's
    assert 'id="scenarios" class="card section scenarios"' in fragment
    assert 'hx-swap-oob="true"' in fragment
    assert re.findall(r'<div class="scenario-changes">([^<]+)</div>', fragment) == ["As forecast", "Volume +20 %"]
    assert scenario_cells(fragment, "scenario-agent-hours") == ["645.0 h", "714.0 h"]


def test_percent_controls_are_stored_as_the_fractions_the_service_expects(org, computed):
    client = client_for(org.manager_a)

    text_of(save_scenario(client, computed, "Lean", shrinkage_percent="10", max_occupancy_percent="90"))

    assert Scenario.objects.get().changes == pytest.approx({"shrinkage": 0.1, "max_occupancy": 0.9})


def test_the_comparison_shows_each_day_of_the_week_and_the_whole_forecast_side_by_side(org, computed):
    services.scenario_save(forecast=computed, name="Launch", changes={"volume_percent": 20.0})
    services.scenario_save(forecast=computed, name="Lean", changes={"shrinkage": 0.1})

    page = squashed(text_of(client_for(org.manager_a).get(capacity_url(queue=computed.queue_id, week=WEEK))))

    names = re.findall(
        r'<th scope="col" class="num scenario-head" data-testid="scenario-column"> '
        r'<div class="scenario-name"> <span class="title">([^<]+)</span>',
        page,
    )
    assert names == ["Forecast", "Launch", "Lean"]
    assert re.findall(r'<div class="scenario-changes">([^<]+)</div>', page) == [
        "As forecast",
        "Volume +20 %",
        "Shrinkage 10 %",
    ]
    # Monday 9 and Tuesday 10 March in Singapore: agent-hours of the forecast, +20 % volume, 10 % shrinkage
    assert (
        '<th scope="row">Mon 9 Mar</th> <td class="num">84.0 h</td><td class="num">93.0 h</td>'
        '<td class="num">75.0 h</td>'
    ) in page
    assert (
        '<th scope="row">Tue 10 Mar</th> <td class="num">84.0 h</td><td class="num">108.0 h</td>'
        '<td class="num">75.0 h</td>'
    ) in page
    assert scenario_cells(page, "scenario-agent-hours") == ["645.0 h", "714.0 h", "582.0 h"]
    assert '<span class="delta up">+69.0 h <span class="change-percent">(+10.7 %)</span></span>' in page
    assert '<span class="delta down">−63.0 h <span class="change-percent">(−9.8 %)</span></span>' in page
    assert '<th scope="row">Peak agents</th> <td class="num">6</td><td class="num">7</td><td class="num">5</td>' in page
    assert 'aria-label="Delete scenario “Launch”"' in page
    assert "No scenarios yet" not in page


def test_without_scenarios_the_card_invites_saving_one(org, computed):
    page = text_of(client_for(org.manager_a).get(reverse("capacity")))

    assert "No scenarios yet" in page
    assert "Save a what-if to compare it here" in page
    assert 'data-testid="scenario-table"' not in page
    assert "Save as scenario" in page


BAD_NAMES = [
    ("", "Name the scenario."),
    ("   ", "Name the scenario."),
    ("Busy", "This forecast already has a scenario named “Busy”."),
    ("x" * 121, "Use at most 120 characters."),
]


def test_a_bad_name_is_shown_on_the_save_form_and_nothing_is_stored(org, computed):
    services.scenario_save(forecast=computed, name="Busy", changes={"volume_percent": 5.0})
    client = client_for(org.manager_a)
    url = reverse("capacity-scenario-save", args=[computed.pk])

    for name, message in BAD_NAMES:
        fragment = text_of(save_scenario(client, computed, name, volume_percent="20"))
        page = text_of(client.post(url, {**OWN_VALUES, "scenario_name": name, "week": WEEK}), 400)

        assert f'<p class="field-error" id="id_scenario_name_error">{message}</p>' in fragment, name
        assert "hx-swap-oob" not in fragment
        assert f'<p class="field-error" id="id_scenario_name_error">{message}</p>' in page, name
        assert "<h1>Capacity</h1>" in page
    assert list(Scenario.objects.values_list("name", "changes")) == [("Busy", {"volume_percent": 5.0})]


BAD_VALUES = [
    ({"volume_percent": "abc"}, "Volume change (%): Enter a number."),
    ({"service_level_percent": "150"}, "Service level (%): Ensure this value is less than or equal to 99.9."),
    ({"shrinkage_percent": "96"}, "Shrinkage (%): Ensure this value is less than or equal to 95."),
]


def test_bad_what_if_values_are_named_on_the_save_form_and_nothing_is_stored(org, computed):
    client = client_for(org.manager_a)

    for values, message in BAD_VALUES:
        fragment = text_of(save_scenario(client, computed, "Launch", **values))

        assert '<div class="notice error" role="alert">' in fragment
        assert f"<li>{message}</li>" in fragment
        assert 'value="Launch"' in fragment  # the name is kept to try again
    assert Scenario.objects.count() == 0


def test_saving_without_htmx_redirects_to_the_page_with_the_scenario(org, computed):
    response = client_for(org.manager_a).post(
        reverse("capacity-scenario-save", args=[computed.pk]),
        {**OWN_VALUES, "aht_seconds": "600", "scenario_name": "Slow", "week": WEEK},
        follow=True,
    )

    page = squashed(text_of(response))
    assert response.redirect_chain == [
        (f"/capacity/?queue={computed.queue_id}&forecast={computed.pk}&week={WEEK}", 302)
    ]
    assert "Scenario “Slow” saved." in page
    assert '<div class="scenario-changes">AHT 600 s</div>' in page
    assert Scenario.objects.get().changes == {"aht_seconds": 600.0}


def test_deleting_a_scenario_removes_its_column_only(org, computed):
    launch = services.scenario_save(forecast=computed, name="Launch", changes={"volume_percent": 20.0})
    services.scenario_save(forecast=computed, name="Lean", changes={"shrinkage": 0.1})
    url = reverse("capacity-scenario-delete", args=[computed.pk, launch.pk])

    fragment = squashed(text_of(client_for(org.manager_a).post(url, {"week": WEEK}, **HTMX)))

    assert fragment.startswith('<section id="scenarios"')
    assert "hx-swap-oob" not in fragment
    assert "Scenario “Launch” deleted." in fragment
    assert re.findall(r'<div class="scenario-changes">([^<]+)</div>', fragment) == ["As forecast", "Shrinkage 10 %"]
    assert scenario_cells(fragment, "scenario-agent-hours") == ["645.0 h", "582.0 h"]
    assert list(Scenario.objects.values_list("name", flat=True)) == ["Lean"]


def test_deleting_the_last_scenario_without_htmx_shows_the_empty_card(org, computed):
    launch = services.scenario_save(forecast=computed, name="Launch", changes={"volume_percent": 20.0})

    response = client_for(org.manager_a).post(
        reverse("capacity-scenario-delete", args=[computed.pk, launch.pk]), {"week": WEEK}, follow=True
    )

    page = text_of(response)
    assert "Scenario “Launch” deleted." in page
    assert "No scenarios yet" in page
    assert Scenario.objects.count() == 0


def test_scenarios_of_a_forecast_another_manager_plans_are_404(org, queues, computed):
    launch = services.scenario_save(forecast=computed, name="Launch", changes={"volume_percent": 20.0})
    manager_b = client_for(org.manager_b)
    delete_url = reverse("capacity-scenario-delete", args=[computed.pk, launch.pk])

    assert save_scenario(manager_b, computed, "Mine", volume_percent="10").status_code == 404
    assert manager_b.post(delete_url, {"week": WEEK}).status_code == 404
    # a scenario asked for under another forecast is no scenario of that forecast
    other = Forecast.objects.create(
        queue=queues.alpha, method="seasonal_naive", interval_minutes=30, zone_name="Asia/Singapore", horizon_days=7
    )
    assert (
        client_for(org.admin)
        .post(reverse("capacity-scenario-delete", args=[other.pk, launch.pk]), {"week": WEEK})
        .status_code
        == 404
    )
    assert list(Scenario.objects.values_list("name", flat=True)) == ["Launch"]
    # admins plan every queue
    assert save_scenario(client_for(org.admin), computed, "Admin's", volume_percent="10").status_code == 200
    assert Scenario.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({}, "As forecast"),
        ({"volume_percent": 20.0, "shrinkage": 0.1}, "Volume +20 %, shrinkage 10 %"),
        ({"volume_percent": -12.5}, "Volume −12.5 %"),
        ({"aht_seconds": 420.0, "service_level_percent": 90.0}, "AHT 420 s, service level 90 %"),
        ({"answer_within_seconds": 30, "max_occupancy": 0.9}, "Answered within 30 s, max occupancy 90 %"),
        ({"concurrency": 3}, "3 chats at once"),
        ({"concurrency": 1}, "1 chat at once"),
    ],
)
def test_a_scenario_changes_read_as_words(changes, words):
    assert scenario_changes(changes) == words


# --- Job progress ------------------------------------------------------------------------------------


def make_job(owner, *, status: str, progress: float = 0.0, message: str = "", error: str = "") -> Job:
    job = core_services.job_create(kind="forecast", created_by=owner)
    Job.objects.filter(pk=job.pk).update(status=status, progress=progress, message=message, error=error)
    job.refresh_from_db()
    return job


def test_a_running_job_is_polled_every_second(org):
    job = make_job(org.manager_a, status=JobStatus.RUNNING, progress=0.4, message="Backtesting robust_profile")

    fragment = squashed(text_of(client_for(org.manager_a).get(reverse("job-progress", args=[job.pk]), **HTMX)))

    assert f'hx-get="/jobs/{job.pk}/progress/" hx-trigger="every 1s" hx-swap="outerHTML"' in fragment
    assert 'aria-valuenow="40"' in fragment
    assert '<span class="job-percent num">40 %</span>' in fragment
    assert "Backtesting robust_profile" in fragment


def test_a_finished_job_stops_polling_and_leads_to_its_result(org):
    job = make_job(org.manager_a, status=JobStatus.SUCCEEDED, progress=1.0, message="Done")
    client = client_for(org.manager_a)
    url = reverse("job-progress", args=[job.pk])

    htmx = client.get(url, {"next": "/capacity/?queue=1&forecast=2"}, **HTMX)
    plain = client.get(url, {"next": "/capacity/?queue=1&forecast=2"})
    foreign = client.get(url, {"next": "https://evil.example/"}, **HTMX)

    assert htmx["HX-Redirect"] == "/capacity/?queue=1&forecast=2"
    assert "every 1s" not in text_of(htmx)
    assert "HX-Redirect" not in plain
    assert '<a href="/capacity/?queue=1&amp;forecast=2">Show the result' in text_of(plain)
    assert "HX-Redirect" not in foreign
    assert "evil.example" not in text_of(foreign)


def test_a_failed_job_shows_its_error_without_polling(org):
    job = make_job(org.manager_a, status=JobStatus.FAILED, progress=0.3, error="Alpha chat has no volume history.")

    fragment = text_of(client_for(org.manager_a).get(reverse("job-progress", args=[job.pk]), **HTMX))

    assert "Alpha chat has no volume history." in fragment
    assert "hx-trigger" not in fragment
    assert "HX-Redirect" not in client_for(org.manager_a).get(reverse("job-progress", args=[job.pk]), **HTMX)


def test_someone_else_job_is_a_404_but_admins_see_every_job(org):
    job = make_job(org.manager_a, status=JobStatus.RUNNING)
    url = reverse("job-progress", args=[job.pk])

    assert client_for(org.manager_b).get(url).status_code == 404
    assert client_for(org.agent_a1.user).get(url).status_code == 404
    assert client_for(org.admin).get(url).status_code == 200
    assert Client().get(url).status_code == 302


# --- Query counts -------------------------------------------------------------------------------------


def grow(forecast: Forecast, *, copies: int) -> None:
    """More forecast versions (with intervals, adjustments and scenarios) and more history of the queue."""
    intervals = list(forecast.intervals.all())
    first = forecast.horizon_start
    assert first is not None
    for number in range(copies):
        copy = Forecast.objects.create(
            queue=forecast.queue,
            method=forecast.method,
            requested_method=forecast.requested_method,
            interval_minutes=forecast.interval_minutes,
            zone_name=forecast.zone_name,
            horizon_days=forecast.horizon_days,
            horizon_start=forecast.horizon_start,
            scores=forecast.scores,
            mase=forecast.mase,
            wape=forecast.wape,
        )
        ForecastInterval.objects.bulk_create(
            ForecastInterval(
                forecast=copy,
                interval_start=interval.interval_start,
                volume=interval.volume,
                required_agents=interval.required_agents,
            )
            for interval in intervals
        )
        ForecastAdjustment.objects.create(
            forecast=copy,
            start=first + timedelta(hours=number),
            end=first + timedelta(hours=number + 1),
            factor=1.1,
            reason=f"Promo {number}",
        )
        required = [interval.required_agents or 0 for interval in intervals]
        Scenario.objects.bulk_create(
            Scenario(
                forecast=copy,
                name=f"Scenario {index}",
                changes={"volume_percent": 10.0 * index},
                required_agents=required,
                agent_hours=sum(required) * 0.5,
                baseline_agent_hours=sum(required) * 0.5,
                peak_required_agents=max(required),
            )
            for index in range(number + 2)
        )
    # history inside the forecast week too
    grid = PlanningGrid("Asia/Singapore", 30)
    IntervalVolume.objects.bulk_create(
        IntervalVolume(queue=forecast.queue, interval_start=start, interval_minutes=30, volume=5, source="csv")
        for start in grid.interval_starts(date(2026, 3, 9), date(2026, 3, 10))
    )


@pytest.mark.parametrize(("who", "expected"), [("admin", 16), ("manager_a", 16)])
def test_the_capacity_page_costs_a_fixed_number_of_queries(org, computed, django_assert_num_queries, who, expected):
    # session, user, groups, queues + their teams and markets, versions, history of the week, any history,
    # intervals of the week, adjustments, the staffing team and its settings; for the scenario comparison:
    # the forecast's requirement, its scenarios and their ids
    services.scenario_save(forecast=computed, name="Launch", changes={"volume_percent": 20.0})
    client = client_for(getattr(org, who))
    url = capacity_url(queue=computed.queue_id)

    with django_assert_num_queries(expected):
        page = text_of(client.get(url))
    assert page.count('data-testid="scenario-column"') == 2
    grow(computed, copies=3)  # the newest copy, now shown, has 4 scenarios
    with django_assert_num_queries(expected):
        page = text_of(client.get(url))
    assert page.count('data-testid="scenario-column"') == 5
