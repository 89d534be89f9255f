"""Shift planning in the Django admin: pages load for admins only, and publishing from the list works."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from scheduling import services
from scheduling.models import Schedule
from tests.factories import PASSWORD
from tests.scheduling.planning import MONDAY, day_template, sg, team_queue


def logged_in(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def week(org):
    team_queue(org.team_a, "Alpha chat")
    day_template(org.team_a)
    return services.shift_create(agent=org.agent_a1, starts_at=sg(MONDAY, 9), ends_at=sg(MONDAY, 18))


@pytest.mark.parametrize(
    "url",
    [
        "/admin/scheduling/schedule/",
        "/admin/scheduling/shift/",
        "/admin/scheduling/shifttemplate/",
        "/admin/scheduling/shifttemplate/add/",
        "/admin/scheduling/schedulerules/add/",
    ],
)
def test_shift_planning_admin_pages_load_for_admins_and_not_for_managers(org, week, url):
    assert logged_in(org.admin).get(url).status_code == 200
    refused = logged_in(org.manager_a).get(url)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/admin/login/")


def test_a_shift_and_a_template_open_with_their_inlines(org, week):
    client = logged_in(org.admin)

    shift_page = client.get(f"/admin/scheduling/shift/{week.pk}/change/")
    template_page = client.get(f"/admin/scheduling/shifttemplate/{week.schedule.team.shift_templates.get().pk}/change/")

    assert shift_page.status_code == 200
    assert b"Shift activities" in shift_page.content
    assert template_page.status_code == 200
    assert b"Break rules" in template_page.content


def test_admins_publish_schedules_from_the_list_and_an_empty_one_is_reported(
    org, week, django_capture_on_commit_callbacks
):
    empty = Schedule.objects.create(team=org.team_b, week_start=MONDAY)

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(org.admin).post(
            "/admin/scheduling/schedule/",
            {"action": "publish", "_selected_action": [week.schedule.pk, empty.pk]},
            follow=True,
        )

    texts = [str(message) for message in response.context["messages"]]
    assert f"{week.schedule}: published version 1." in texts
    assert f"{empty}: There are no shifts to publish." in texts
    assert Schedule.objects.get(pk=week.schedule.pk).version == 1
    assert [message.to for message in mail.outbox] == [["agent_a1@example.com"]]
