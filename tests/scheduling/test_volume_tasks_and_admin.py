"""Volume history as background work (tasks, the nightly beat, the command) and in the Django admin."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from scheduling import tasks
from scheduling.models import IntervalVolume
from tests.factories import PASSWORD, ConversationFactory


def test_the_build_task_rebuilds_a_queue_and_is_safe_to_repeat(org, queues):
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=datetime(2026, 3, 2, 1, 5, tzinfo=UTC))

    first = tasks.build_volume_history.delay(queues.alpha.pk, "2026-03-02", "2026-03-03").get()
    again = tasks.build_volume_history.delay(queues.alpha.pk, "2026-03-02", "2026-03-03").get()

    assert first == again == {"intervals": 96, "contacts": 1, "kept_imported": 0}
    assert IntervalVolume.objects.filter(queue=queues.alpha).count() == 96


def test_the_nightly_task_rebuilds_the_recent_days_of_every_active_queue(org, queues):
    queues.bravo.is_active = False
    queues.bravo.save()
    ConversationFactory(queue=queues.alpha, agent=org.agent_a1, created_at=timezone.now() - timedelta(hours=30))

    done = tasks.rebuild_recent_volume_history.delay().get()

    assert done == 6  # alpha, london and the org's four conversation queues; bravo is inactive
    assert not IntervalVolume.objects.filter(queue=queues.bravo).exists()
    assert IntervalVolume.objects.filter(queue=queues.alpha).count() == 3 * 48
    assert sum(IntervalVolume.objects.filter(queue=queues.alpha).values_list("volume", flat=True)) == 1
    assert "scheduling-rebuild-recent-volume-history" in settings.CELERY_BEAT_SCHEDULE


def test_the_command_builds_every_active_queue_once_with_if_empty(org, queues):
    output = StringIO()
    call_command("build_volume_history", "--days", "1", stdout=output)
    second = StringIO()
    call_command("build_volume_history", "--days", "1", "--if-empty", stdout=second)

    # alpha, bravo, london and the four queues of the org's conversations
    assert output.getvalue().endswith("Volume history built for 7 queue(s), 1 day(s).\n")
    assert "  Alpha chat                       96 intervals,      0 contacts\n" in output.getvalue()
    assert second.getvalue() == "Volume history already exists; leaving it as it is (--if-empty).\n"
    with pytest.raises(CommandError, match="No active queue is named “Nowhere”"):
        call_command("build_volume_history", "--queue", "Nowhere")
    with pytest.raises(CommandError, match="--days must be between 1 and 399, not 0"):
        call_command("build_volume_history", "--days", "0")


def test_admins_browse_volume_history_in_the_admin_and_managers_cannot(org, queues):
    tasks.build_volume_history.delay(queues.alpha.pk, "2026-03-02", "2026-03-02").get()
    admin_client, manager_client = Client(), Client()
    admin_client.login(username=org.admin.username, password=PASSWORD)
    manager_client.login(username=org.manager_a.username, password=PASSWORD)

    page = admin_client.get("/admin/scheduling/intervalvolume/?source__exact=conversations")
    refused = manager_client.get("/admin/scheduling/intervalvolume/")

    assert page.status_code == 200
    assert "48 interval volumes" in page.content.decode()
    assert refused.status_code == 302
    assert refused["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/scheduling/forecast/",
        "/admin/scheduling/staffingsettings/",
        "/admin/scheduling/staffingsettings/add/",
    ],
)
def test_capacity_admin_pages_load_for_admins(org, queues, url):
    client = Client()
    client.login(username=org.admin.username, password=PASSWORD)

    assert client.get(url).status_code == 200


def test_a_forecast_change_page_shows_its_accuracy(org, queues, django_capture_on_commit_callbacks):
    from scheduling import services

    tasks.build_volume_history.delay(queues.alpha.pk, "2026-02-01", "2026-03-08").get()
    with django_capture_on_commit_callbacks(execute=True):
        forecast = services.forecast_request(queue=queues.alpha, horizon_days=1, method="seasonal_naive")
    client = Client()
    client.login(username=org.admin.username, password=PASSWORD)

    page = client.get(f"/admin/scheduling/forecast/{forecast.pk}/change/")

    assert page.status_code == 200
    assert "seasonal_naive" in page.content.decode()
    intervals = client.get(f"/admin/scheduling/forecastinterval/?forecast__queue__id__exact={queues.alpha.pk}")
    assert intervals.status_code == 200
    assert "48 forecast intervals" in " ".join(intervals.content.decode().split())
    assert client.get("/admin/scheduling/forecastinterval/add/").status_code == 403


def test_admins_read_scenarios_in_the_admin_but_cannot_add_or_change_them(
    org, queues, django_capture_on_commit_callbacks
):
    from scheduling import services
    from tests.scheduling.test_forecasts import seed_history

    seed_history(queues.alpha)
    with django_capture_on_commit_callbacks(execute=True):
        forecast = services.forecast_request(queue=queues.alpha, horizon_days=1, method="seasonal_naive")
    scenario = services.scenario_save(forecast=forecast, name="Launch", changes={"volume_percent": 20.0})
    admin_client, manager_client = Client(), Client()
    admin_client.login(username=org.admin.username, password=PASSWORD)
    manager_client.login(username=org.manager_a.username, password=PASSWORD)

    changelist = admin_client.get(f"/admin/scheduling/scenario/?forecast__queue__id__exact={queues.alpha.pk}")
    detail = admin_client.get(f"/admin/scheduling/scenario/{scenario.pk}/change/")

    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert "1 scenario" in page
    assert '<td class="field-name">Launch</td>' in page
    assert f'<td class="field-peak">{scenario.peak_required_agents}</td>' in page
    assert detail.status_code == 200
    assert "Launch" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()  # view only
    assert admin_client.get("/admin/scheduling/scenario/add/").status_code == 403
    assert manager_client.get("/admin/scheduling/scenario/").status_code == 302
