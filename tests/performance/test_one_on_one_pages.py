"""The 1:1 pages: the list per role, the meeting page (agenda, action items, notes; the private notes box for the
manager only), the forms and their refusals, completing into the next meeting, the .ics download, the admin, and
fixed query counts."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest
from django.test import Client

from performance import services
from performance.people_models import ActionItem, MeetingStatus, OneOnOne, OneOnOneSeries, TalkingPoint
from tests.factories import AgentFactory
from tests.performance.test_one_on_ones import FIRST_AT, SECRET, first_meeting, start, with_secret


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def squashed(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:1500])
    text = re.sub(r"<(script|style).*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", text))).strip()


@pytest.fixture
def meeting(org) -> OneOnOne:
    """manager_a's first 1:1 with agent_a1, with private notes and a point from each side."""
    found = with_secret(org, first_meeting(start(org)))
    services.talking_point_add(meeting=found, user=org.agent_a1.user, text="Shift swap")
    services.talking_point_add(meeting=found, user=org.manager_a, text="Refund macro")
    return found


# --- the list -------------------------------------------------------------------------------------------------------


def test_the_list_shows_the_next_meeting_in_the_agents_own_zone_to_their_manager(org):
    # given: agent_a1 works from New York (their team is in Singapore); the first 1:1 is 1 Dec 02:00 UTC
    type(org.agent_a1).objects.filter(pk=org.agent_a1.pk).update(timezone="America/New_York")
    org.agent_a1.refresh_from_db()
    start(org)
    # when
    manager = squashed(client_for(org.manager_a).get("/one-on-ones/"))
    # then: 30 Nov 21:00 in New York, not 1 Dec 10:00 in Singapore
    assert "next 30 Nov 2026, 21:00 EST" in manager


def test_the_list_shows_a_managers_series_and_the_agents_own(org, meeting):
    start(org, agent=org.agent_b2)
    services.action_item_add(meeting=meeting, user=org.manager_a, text="Read", owner=org.agent_a1.user)

    manager = squashed(client_for(org.manager_a).get("/one-on-ones/"))
    agent = squashed(client_for(org.agent_a1.user).get("/one-on-ones/"))
    other = squashed(client_for(org.agent_a2.user).get("/one-on-ones/"))

    a1, b2 = org.agent_a1.display_name, org.agent_b2.display_name
    assert (
        f"Series 2 in all {a1} with {org.manager_a.get_full_name()} Every 7 days · 30 min · next 1 Dec 2026" in manager
    )
    assert "1 open item" in manager
    assert b2 in manager
    assert "Start 1:1s" in manager
    assert f"Series 1 in all {a1} with" in agent
    assert b2 not in agent
    assert "Start 1:1s" not in agent
    assert "No 1:1 series yet." in other


@pytest.mark.parametrize("extra", [0, 2])
def test_the_list_answers_in_a_fixed_number_of_queries(org, extra, django_assert_num_queries):
    start(org)
    for agent in [org.agent_a2, org.agent_b2][:extra]:
        start(org, agent=agent)
    client = client_for(org.manager_a)
    client.get("/one-on-ones/")  # warm the session

    with django_assert_num_queries(5):
        response = client.get("/one-on-ones/")

    assert response.status_code == 200


def test_a_manager_starts_a_series_from_the_list_in_the_agents_zone(org):
    response = client_for(org.manager_a).post(
        "/one-on-ones/start/",
        {"agent": org.agent_a2.pk, "first_at": "2026-12-01T10:00", "cadence_days": "14", "duration_minutes": "45"},
    )

    meeting = OneOnOne.objects.get()
    assert response["Location"] == f"/one-on-ones/{meeting.pk}/"
    assert (meeting.starts_at, meeting.duration_minutes, meeting.series.cadence_days) == (FIRST_AT, 45, 14)


def test_starting_a_series_with_bad_input_keeps_what_was_typed_and_stores_nothing(org):
    response = client_for(org.manager_a).post(
        "/one-on-ones/start/", {"agent": org.agent_a2.pk, "first_at": "", "cadence_days": "7", "duration_minutes": "30"}
    )

    page = squashed(response, 400)
    assert "Give a date and time." in page
    assert OneOnOneSeries.objects.count() == 0


def test_an_agent_cannot_start_a_series_from_the_page(org):
    response = client_for(org.agent_a1.user).post(
        "/one-on-ones/start/", {"agent": org.agent_a1.pk, "first_at": "2026-12-01T10:00"}
    )

    assert "Pick one of your agents." in squashed(response, 400)
    assert OneOnOneSeries.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"cadence_days": "²"}, "Every (days): Enter a whole number, not “²”."),
        ({"cadence_days": "0"}, "Every (days): Enter a number of at least 1."),
        ({"cadence_days": "91"}, "Every (days): Enter a number of at most 90."),
        ({"duration_minutes": "½"}, "Minutes: Enter a whole number, not “½”."),
        ({"duration_minutes": "1e3"}, "Minutes: Enter a whole number, not “1e3”."),
        ({"first_at": "0001-01-01T00:00"}, "First meeting: Give a time between the years 2000 and 2100."),
        ({"first_at": "9999-12-31T23:59"}, "First meeting: Give a time between the years 2000 and 2100."),
        ({"first_at": "2026-02-30T10:00"}, "First meeting: Give a date and time."),
    ],
)
def test_starting_a_series_with_awkward_input_names_the_field_and_stores_nothing(org, typed, message):
    # given a start form with one awkward value
    posted = {"agent": org.agent_a2.pk, "first_at": "2026-12-01T10:00", "cadence_days": "7", "duration_minutes": "30"}

    # when it is posted
    response = client_for(org.manager_a).post("/one-on-ones/start/", posted | typed)

    # then the form is shown again with the message after the field's label, and nothing is stored
    assert message in squashed(response, 400)
    assert (OneOnOneSeries.objects.count(), OneOnOne.objects.count()) == (0, 0)


def test_the_start_form_offers_a_manager_who_is_also_an_agent_their_agents_but_not_themselves(org):
    AgentFactory(user=org.manager_b, team=org.team_b, manager=org.manager_a)

    page = client_for(org.manager_b).get("/one-on-ones/")

    options = re.findall(r'<option value="(\d+)"', page.content.decode())
    assert sorted(int(option) for option in options) == sorted([org.agent_b1.pk, org.agent_b2.pk])


# --- the meeting page -----------------------------------------------------------------------------------------------


def test_the_manager_sees_the_agenda_items_and_private_notes(org, meeting):
    page = client_for(org.manager_a).get(f"/one-on-ones/{meeting.pk}/")

    text = squashed(page)
    assert "Tue 1 Dec 2026, 10:00 (Asia/Singapore) · 30 min" in text
    assert "Shift swap Added · " in text
    assert "Refund macro" in text
    assert "Private notes" in text
    assert SECRET in page.content.decode()
    assert "Complete and plan the next" in text


def test_the_agent_sees_the_shared_agenda_but_never_the_private_notes(org, meeting):
    page = client_for(org.agent_a1.user).get(f"/one-on-ones/{meeting.pk}/")

    text = squashed(page)
    assert "Shift swap" in text
    assert "Shared words" in page.content.decode()
    assert "Private notes" not in text
    assert SECRET not in page.content.decode()
    assert "Complete and plan the next" not in text


@pytest.mark.parametrize("who", ["agent_a2", "manager_b", "qa"])
def test_people_outside_the_series_get_404(org, meeting, who):
    user = getattr(org, who) if who != "agent_a2" else org.agent_a2.user

    response = client_for(user).get(f"/one-on-ones/{meeting.pk}/")
    invite = client_for(user).get(f"/one-on-ones/{meeting.pk}/invite.ics")

    assert (response.status_code, invite.status_code) == (404, 404)


def test_the_admin_sees_the_meeting_with_private_notes(org, meeting):
    page = client_for(org.admin).get(f"/one-on-ones/{meeting.pk}/")

    assert SECRET in squashed(page)


def test_the_agent_adds_and_checks_a_point_from_the_page(org, meeting):
    client = client_for(org.agent_a1.user)

    added = client.post(f"/one-on-ones/{meeting.pk}/points/", {"text": "Training budget"})
    point = TalkingPoint.objects.get(text="Training budget")
    checked = client.post(f"/one-on-ones/{meeting.pk}/points/{point.pk}/check/", {"is_checked": "1"})

    point.refresh_from_db()
    assert added["Location"] == checked["Location"] == f"/one-on-ones/{meeting.pk}/"
    assert (point.author, point.is_checked) == (org.agent_a1.user, True)


def test_an_action_item_owned_outside_the_meeting_is_refused_on_the_page(org, meeting):
    response = client_for(org.manager_a).post(
        f"/one-on-ones/{meeting.pk}/items/", {"text": "Audit", "owner": org.manager_b.pk, "due_date": "2026-12-10"}
    )

    page = squashed(response, 400)
    assert "An action item cannot be owned by someone outside the meeting: pick the agent or the manager." in page
    assert 'value="Audit"' in response.content.decode()
    assert ActionItem.objects.count() == 0


def test_action_items_are_added_and_completed_from_the_page(org, meeting):
    client = client_for(org.agent_a1.user)

    client.post(
        f"/one-on-ones/{meeting.pk}/items/",
        {"text": "Read the guide", "owner": org.agent_a1.user.pk, "due_date": "2026-12-10"},
    )
    item = ActionItem.objects.get()
    listed = squashed(client.get(f"/one-on-ones/{meeting.pk}/"))
    client.post(f"/one-on-ones/{meeting.pk}/items/{item.pk}/complete/")

    item.refresh_from_db()
    assert f"Read the guide {org.agent_a1.user.get_full_name()} · due 10 Dec 2026 Done" in listed
    assert item.completed_at is not None


def test_the_agent_posting_private_notes_gets_403_and_nothing_is_stored(org, meeting):
    response = client_for(org.agent_a1.user).post(
        f"/one-on-ones/{meeting.pk}/notes/", {"shared_notes": "Mine", "private_notes": "Overwritten"}
    )

    page = squashed(response, 403)
    meeting.refresh_from_db()
    assert "Only the manager writes private notes." in page
    assert SECRET not in response.content.decode()
    assert (meeting.shared_notes, meeting.private_notes) == ("Shared words", SECRET)


def test_the_agent_saves_shared_notes_from_the_page(org, meeting):
    response = client_for(org.agent_a1.user).post(f"/one-on-ones/{meeting.pk}/notes/", {"shared_notes": "We agreed"})

    meeting.refresh_from_db()
    assert response.status_code == 302
    assert (meeting.shared_notes, meeting.private_notes) == ("We agreed", SECRET)


def test_completing_from_the_page_goes_to_the_next_meeting_with_the_carried_points(org, meeting):
    point = meeting.talking_points.get(text="Shift swap")
    services.talking_point_check(point=point, user=org.manager_a)

    response = client_for(org.manager_a).post(f"/one-on-ones/{meeting.pk}/complete/")

    following = OneOnOne.objects.get(status=MeetingStatus.SCHEDULED)
    page = squashed(client_for(org.agent_a1.user).get(response["Location"]))
    assert response["Location"] == f"/one-on-ones/{following.pk}/"
    assert following.starts_at == FIRST_AT + timedelta(days=7)
    assert "Refund macro Carried over" in page
    assert "Shift swap" not in page
    assert SECRET not in page


def test_the_agent_cannot_complete_from_the_page(org, meeting):
    response = client_for(org.agent_a1.user).post(f"/one-on-ones/{meeting.pk}/complete/")

    assert "Only the agent's manager can complete the 1:1." in squashed(response, 403)
    assert list(OneOnOne.objects.values_list("status", flat=True)) == ["scheduled"]


def test_rescheduling_from_the_page_moves_the_meeting_in_the_agents_zone(org, meeting):
    response = client_for(org.agent_a1.user).post(
        f"/one-on-ones/{meeting.pk}/reschedule/", {"starts_at": "2026-12-02T15:30"}
    )

    meeting.refresh_from_db()
    assert response.status_code == 302
    assert (meeting.starts_at, meeting.sequence) == (FIRST_AT + timedelta(days=1, hours=5, minutes=30), 1)


def test_the_invite_download_has_no_private_notes(org, meeting):
    response = client_for(org.agent_a1.user).get(f"/one-on-ones/{meeting.pk}/invite.ics")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f"UID:oneonone-{meeting.pk}@supportops" in body
    assert "Shift swap" in body
    assert SECRET not in body


@pytest.mark.parametrize(
    ("url", "posted", "message"),
    [
        ("items/", {"text": "Audit", "owner": "²"}, "Owner: Enter a whole number, not “²”."),
        ("items/", {"text": "Audit", "owner": "-3"}, "pick the agent or the manager."),
        ("items/", {"text": "Audit", "owner": "1", "due_date": "10/12/2026"}, "Due: Give the due date as a date."),
        ("reschedule/", {"starts_at": "0001-01-01T00:00"}, "Move to: Give a time between the years 2000 and 2100."),
        ("reschedule/", {"starts_at": "9999-12-31T23:59"}, "Move to: Give a time between the years 2000 and 2100."),
        ("reschedule/", {"starts_at": "tomorrow"}, "Move to: Give a date and time."),
    ],
)
def test_awkward_input_on_the_meeting_page_names_the_field_and_stores_nothing(org, meeting, url, posted, message):
    # when the agent posts an awkward value
    response = client_for(org.agent_a1.user).post(f"/one-on-ones/{meeting.pk}/{url}", posted)

    # then the page comes back with the message after the field's label, and nothing changed
    meeting.refresh_from_db()
    assert message in squashed(response, 400)
    assert (ActionItem.objects.count(), meeting.starts_at, meeting.sequence) == (0, FIRST_AT, 0)


def test_a_point_posted_to_a_held_meeting_is_refused_on_the_page(org, meeting):
    services.meeting_complete(meeting=meeting, user=org.manager_a)

    response = client_for(org.agent_a1.user).post(f"/one-on-ones/{meeting.pk}/points/", {"text": "Too late"})

    assert "This 1:1 is done." in squashed(response, 400)
    assert TalkingPoint.objects.filter(text="Too late").count() == 0


@pytest.mark.parametrize("extra", [0, 4])
def test_the_meeting_page_answers_in_a_fixed_number_of_queries(org, meeting, extra, django_assert_num_queries):
    for index in range(extra):
        services.talking_point_add(meeting=meeting, user=org.manager_a, text=f"Point {index}")
        services.action_item_add(meeting=meeting, user=org.manager_a, text=f"Item {index}", owner=org.agent_a1.user)
    client = client_for(org.manager_a)
    client.get(f"/one-on-ones/{meeting.pk}/")

    with django_assert_num_queries(7):
        response = client.get(f"/one-on-ones/{meeting.pk}/")

    assert response.status_code == 200


# --- the admin ------------------------------------------------------------------------------------------------------


def test_the_admin_shows_private_notes_to_admins_only(org, meeting):
    url = f"/admin/performance/oneonone/{meeting.pk}/change/"

    as_admin = client_for(org.admin).get(url)
    as_agent = client_for(org.agent_a1.user).get(url)
    as_manager = client_for(org.manager_a).get(url)

    assert as_admin.status_code == 200
    assert SECRET in as_admin.content.decode()
    assert as_agent.status_code == 302
    assert as_agent["Location"].startswith("/admin/login/")
    assert as_manager.status_code == 302
    assert as_manager["Location"].startswith("/admin/login/")


def test_an_admin_who_is_the_agent_of_a_1_1_never_sees_its_private_notes_in_the_admin(org):
    # given the admin is also an agent, and their manager keeps private notes on their 1:1
    admin_agent = AgentFactory(user=org.admin, team=org.team_a, manager=org.manager_a)
    own = with_secret(org, first_meeting(start(org, agent=admin_agent)))
    other = first_meeting(start(org, agent=org.agent_a2))
    services.meeting_notes_save(meeting=other, user=org.manager_a, private="OTHER-private")
    client = client_for(org.admin)

    # when the admin opens the admin pages of their own meeting and of another
    pages = {
        "change": client.get(f"/admin/performance/oneonone/{own.pk}/change/"),
        "history": client.get(f"/admin/performance/oneonone/{own.pk}/history/"),
        "list": client.get("/admin/performance/oneonone/"),
        "page": client.get(f"/one-on-ones/{own.pk}/"),
    }
    other_change = client.get(f"/admin/performance/oneonone/{other.pk}/change/")

    # then their own private notes are nowhere (not even the field), while other meetings' stay readable
    assert {name: response.status_code for name, response in pages.items()} == {
        "change": 200, "history": 200, "list": 200, "page": 200,
    }  # fmt: skip
    for name, response in pages.items():
        assert SECRET not in response.content.decode(), name
    assert "Private notes" not in squashed(pages["change"])
    assert (other_change.status_code, "OTHER-private" in other_change.content.decode()) == (200, True)


def test_the_history_record_of_an_admins_own_meeting_has_no_private_notes(org):
    admin_agent = AgentFactory(user=org.admin, team=org.team_a, manager=org.manager_a)
    own = with_secret(org, first_meeting(start(org, agent=admin_agent)))
    record = own.history.order_by("-history_id").first()

    response = client_for(org.admin).get(f"/admin/performance/oneonone/{own.pk}/history/{record.history_id}/")

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
