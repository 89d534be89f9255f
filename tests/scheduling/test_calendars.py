"""Calendar feeds: the iCalendar built from published shifts (zones, DST, activities), the private URL (no login,
revocable, cached), who may create which feed, and the feed API."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from icalendar import Calendar

from scheduling import services
from scheduling.models import CalendarFeed
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, MarketFactory, TeamFactory
from tests.scheduling.published import Part, add_shift, at, edit_after_publishing, name, publish, team_queue

SINGAPORE = ZoneInfo("Asia/Singapore")
LONDON = ZoneInfo("Europe/London")
FEEDS = "/api/scheduling/calendar-feeds/"


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def next_monday() -> date:
    """Monday of next week in Singapore: inside every feed's window whatever day the tests run."""
    today = timezone.now().astimezone(SINGAPORE).date()
    return today + timedelta(days=7 - today.weekday())


def sg(day: date, hour: int, minute: int = 0) -> datetime:
    return at(SINGAPORE, day.year, day.month, day.day, hour, minute)


def feed_path(feed: CalendarFeed) -> str:
    return f"/calendar/{feed.token}.ics"


def test_an_agent_feed_has_one_event_per_published_shift_in_the_agents_zone_with_its_activities(org):
    # given Ana's published Monday 09:00-18:00 (Singapore) on Billing, with a break, an unpaid lunch and training
    name(org.agent_a1, "Ana", "Lim")
    billing = team_queue(org.team_a, "Billing")
    shift = add_shift(
        org.agent_a1,
        at(SINGAPORE, 2026, 3, 2, 9),
        at(SINGAPORE, 2026, 3, 2, 18),
        queue=billing,
        parts=(
            Part("break", at(SINGAPORE, 2026, 3, 2, 11), at(SINGAPORE, 2026, 3, 2, 11, 15)),
            Part("lunch", at(SINGAPORE, 2026, 3, 2, 13), at(SINGAPORE, 2026, 3, 2, 14), is_paid=False),
            Part("training", at(SINGAPORE, 2026, 3, 2, 15), at(SINGAPORE, 2026, 3, 2, 16), title="Product update"),
        ),
    )
    version = publish(shift)
    feed = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)

    # when the feed is rendered on 1 March
    body = services.calendar_feed_ics(feed=feed, now=datetime(2026, 3, 1, tzinfo=UTC))

    # then one event, at 09:00-18:00 Singapore wall time with the zone's VTIMEZONE
    calendar = parse(body)
    assert str(calendar["X-WR-CALNAME"]) == "Shifts · Ana Lim"
    assert str(calendar["PRODID"]) == "-//SupportOps//Shift calendar//EN"
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Singapore"]
    [event] = calendar.events
    assert str(event["SUMMARY"]) == "Shift · Billing"
    assert event["DTSTART"].params["TZID"] == "Asia/Singapore"
    assert event.start == datetime(2026, 3, 2, 9, 0, tzinfo=SINGAPORE)
    assert event.start.tzinfo.key == "Asia/Singapore"
    assert event.end == datetime(2026, 3, 2, 18, 0, tzinfo=SINGAPORE)
    assert b"DTSTART;TZID=Asia/Singapore:20260302T090000" in body
    assert str(event["UID"]) == f"shift-{shift.pk}@supportops"
    assert event["SEQUENCE"] == 1
    assert version.published_at.replace(microsecond=0) == event.DTSTAMP
    assert str(event["DESCRIPTION"]) == (
        "Queue: Billing\n"
        "11:00-11:15 Break\n"
        "13:00-14:00 Lunch\n"
        "15:00-16:00 Training: Product update\n"
        "Times in Asia/Singapore. Published schedule, version 1."
    )


def test_the_feed_follows_dst_in_the_agents_zone(org):
    # given a London team and two published 09:00-17:00 shifts either side of the 29 March 2026 clock change
    london_team = TeamFactory(slug="london", market=MarketFactory(code="uk", timezone="Europe/London"))
    agent = name(AgentFactory(team=london_team), "Lou", "Reed")
    before = add_shift(agent, at(LONDON, 2026, 3, 27, 9), at(LONDON, 2026, 3, 27, 17))
    after = add_shift(agent, at(LONDON, 2026, 3, 30, 9), at(LONDON, 2026, 3, 30, 17))
    publish(before)
    publish(after)
    feed = services.calendar_feed_create(owner=agent.user, agent=agent)

    # when rendered
    body = services.calendar_feed_ics(feed=feed, now=datetime(2026, 3, 20, tzinfo=UTC))

    # then both start at 09:00 London wall time: 09:00 UTC in GMT, 08:00 UTC in BST
    calendar = parse(body)
    events = calendar.events
    assert [str(event["SUMMARY"]) for event in events] == ["Shift", "Shift"]
    assert [event["DTSTART"].params["TZID"] for event in events] == ["Europe/London", "Europe/London"]
    assert [f"{event.start:%Y-%m-%d %H:%M}" for event in events] == ["2026-03-27 09:00", "2026-03-30 09:00"]
    assert [event.start.astimezone(UTC) for event in events] == [
        datetime(2026, 3, 27, 9, tzinfo=UTC),
        datetime(2026, 3, 30, 8, tzinfo=UTC),
    ]
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert b"BEGIN:DAYLIGHT" in body
    assert b"TZOFFSETTO:+0100" in body


def test_an_agent_working_from_another_zone_gets_their_own_zone(org):
    # given agent_a1 of the Singapore team works from India
    org.agent_a1.timezone = "Asia/Kolkata"
    org.agent_a1.save(update_fields=["timezone"])
    publish(add_shift(org.agent_a1, at(SINGAPORE, 2026, 3, 2, 9), at(SINGAPORE, 2026, 3, 2, 17)))
    feed = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)

    body = services.calendar_feed_ics(feed=feed, now=datetime(2026, 3, 1, tzinfo=UTC))

    [event] = parse(body).events
    assert event["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert f"{event.start:%Y-%m-%d %H:%M}" == "2026-03-02 06:30"


def test_only_published_shifts_inside_the_window_are_served(org):
    # given a shift published as v1 then moved (unpublished), a draft week, and a shift 13 weeks ahead
    monday = next_monday()
    published = add_shift(org.agent_a1, sg(monday, 9), sg(monday, 17))
    publish(published)
    edit_after_publishing(published, starts_at=sg(monday, 12), ends_at=sg(monday, 20))
    add_shift(org.agent_a1, sg(monday + timedelta(days=7), 9), sg(monday + timedelta(days=7), 17))  # draft
    far = add_shift(org.agent_a1, sg(monday + timedelta(days=91), 9), sg(monday + timedelta(days=91), 17))
    publish(far)
    feed = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)

    # when the feed URL is fetched without logging in
    response = api_client_for(None).get(feed_path(feed))

    # then only the published times of the first shift show
    assert response.status_code == 200
    [event] = parse(response.content).events
    assert event.start == datetime.combine(monday, datetime.min.time().replace(hour=9), tzinfo=SINGAPORE)
    assert event.end == datetime.combine(monday, datetime.min.time().replace(hour=17), tzinfo=SINGAPORE)


def test_the_feed_url_answers_text_calendar_with_cache_headers_and_an_etag(org):
    monday = next_monday()
    publish(add_shift(org.agent_a1, sg(monday, 9), sg(monday, 17)))
    feed = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)
    client = api_client_for(None)

    response = client.get(feed_path(feed))
    again = client.get(feed_path(feed), HTTP_IF_NONE_MATCH=response["ETag"])
    head = client.head(feed_path(feed))
    post = client.post(feed_path(feed))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=900"
    assert response["Content-Disposition"] == 'inline; filename="shifts.ics"'
    assert response["ETag"].startswith('"')
    assert len(response["ETag"]) == 34
    assert again.status_code == 304
    assert head.status_code == 200
    assert post.status_code == 405


def test_unknown_and_revoked_tokens_are_404_and_a_new_feed_replaces_the_old_url(org):
    first = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)
    client = api_client_for(None)
    assert client.get(feed_path(first)).status_code == 200

    # when the agent makes a new URL, the old one stops working
    second = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert client.get(feed_path(first)).status_code == 404
    assert client.get(feed_path(second)).status_code == 200

    # and a revoked one is a 404 too, like a token nobody issued
    services.calendar_feed_revoke(feed=second, user=org.agent_a1.user)
    assert client.get(feed_path(second)).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert CalendarFeed.objects.active().count() == 0


def test_a_team_feed_lists_every_agents_published_shifts_with_their_names_in_the_team_zone(org):
    monday = next_monday()
    name(org.agent_a1, "Ana", "Lim")
    name(org.agent_a2, "Ben", "Tan")
    chat = team_queue(org.team_a, "Chat")
    add_shift(org.agent_a1, sg(monday, 9), sg(monday, 17), queue=chat)
    publish(add_shift(org.agent_a2, sg(monday, 13), sg(monday, 21)))
    publish(add_shift(org.agent_b1, sg(monday, 9), sg(monday, 17)))  # another team
    client = api_client_for(org.manager_a)

    created = client.post(FEEDS, {"team": "alpha"}, format="json")
    response = api_client_for(None).get(created.json()["url"].replace("http://testserver", ""))

    assert created.status_code == 201, created.json()
    calendar = parse(response.content)
    assert response["Content-Disposition"] == 'inline; filename="team.ics"'
    assert str(calendar["X-WR-CALNAME"]) == "Shifts · Alpha team"
    assert [(str(e["SUMMARY"]), f"{e.start:%H:%M}") for e in calendar.events] == [
        ("Ana Lim · Shift · Chat", "09:00"),
        ("Ben Tan · Shift", "13:00"),
    ]


def test_a_team_feed_stops_when_its_owner_no_longer_manages_the_team(org):
    feed = services.calendar_feed_create(owner=org.manager_a, team=org.team_a)
    client = api_client_for(None)
    assert client.get(feed_path(feed)).status_code == 200

    org.team_a.managers.remove(org.manager_a)

    assert client.get(feed_path(feed)).status_code == 404


def test_who_may_create_which_feed_through_the_api(org):
    agent_client = api_client_for(org.agent_a1.user)

    own = agent_client.post(FEEDS, {}, format="json")
    teammate = agent_client.post(FEEDS, {"agent_id": org.agent_a2.pk}, format="json")
    team = agent_client.post(FEEDS, {"team": "alpha"}, format="json")
    unknown = agent_client.post(FEEDS, {"agent_id": 999999}, format="json")
    both = agent_client.post(FEEDS, {"agent_id": org.agent_a1.pk, "team": "alpha"}, format="json")
    other_team = api_client_for(org.manager_b).post(FEEDS, {"team": "alpha"}, format="json")
    no_team = api_client_for(org.manager_b).post(FEEDS, {"team": "nope"}, format="json")
    reviewer = api_client_for(org.qa).post(FEEDS, {}, format="json")
    admin = api_client_for(org.admin).post(FEEDS, {"agent_id": org.agent_b1.pk}, format="json")

    assert own.status_code == 201
    body = own.json()
    token = CalendarFeed.objects.get(pk=body["id"]).token
    assert body == {
        "id": body["id"],
        "kind": "agent",
        "agent_id": org.agent_a1.pk,
        "agent_name": org.agent_a1.display_name,
        "team": None,
        "team_name": None,
        "is_active": True,
        "url": f"http://testserver/calendar/{token}.ics",
        "webcal_url": f"webcal://testserver/calendar/{token}.ics",
        "created_at": body["created_at"],
        "revoked_at": None,
    }
    assert teammate.status_code == 403
    assert teammate.json() == {"agent_id": "You may only subscribe to your own shifts."}
    assert team.status_code == 403
    assert team.json() == {"team": "Only the team's managers may subscribe to its calendar."}
    assert unknown.status_code == 400
    assert unknown.json() == {"agent_id": ["No agent has id 999999."]}
    assert both.status_code == 400
    assert both.json() == {"team": ["Give an agent_id or a team, not both."]}
    assert other_team.status_code == 403
    assert no_team.status_code == 400
    assert no_team.json() == {"team": ["No team has the slug “nope”."]}
    assert reviewer.status_code == 400
    assert reviewer.json() == {"agent_id": ["You have no agent record: give an agent_id or a team."]}
    assert admin.status_code == 201
    assert set(CalendarFeed.objects.values_list("owner__username", "agent_id", "team_id")) == {
        ("agent_a1", org.agent_a1.pk, None),
        ("admin_user", org.agent_b1.pk, None),
    }


def test_the_service_refuses_other_peoples_feeds_and_a_feed_of_nothing(org):
    with pytest.raises(PermissionDenied):
        services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a2)
    with pytest.raises(PermissionDenied):
        services.calendar_feed_create(owner=org.manager_b, team=org.team_a)
    with pytest.raises(ValidationError, match="Say whose calendar"):
        services.calendar_feed_create(owner=org.admin)
    with pytest.raises(PermissionDenied):
        services.calendar_feed_revoke(
            feed=services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1), user=org.agent_a2.user
        )
    assert CalendarFeed.objects.active().count() == 1


def test_each_user_lists_only_their_own_feeds(org):
    a1 = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)
    b1 = services.calendar_feed_create(owner=org.agent_b1.user, agent=org.agent_b1)
    team_a = services.calendar_feed_create(owner=org.manager_a, team=org.team_a)
    admin_feed = services.calendar_feed_create(owner=org.admin, team=org.team_b)
    everyone = {a1.pk, b1.pk, team_a.pk, admin_feed.pk}

    assert_role_access(
        list_url=FEEDS,
        detail_url=lambda pk: f"{FEEDS}{pk}/",
        all_ids=everyone,
        cases={
            "agent_a1": RoleCase(org.agent_a1.user, sees={a1.pk}),
            "agent_b1": RoleCase(org.agent_b1.user, sees={b1.pk}),
            "manager_a": RoleCase(org.manager_a, sees={team_a.pk}),
            "manager_b": RoleCase(org.manager_b, sees=set()),
            "qa": RoleCase(org.qa, sees=set()),
            "admin": RoleCase(org.admin, sees={admin_feed.pk}),
        },
    )


def test_revoking_through_the_api(org):
    feed = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)
    other = services.calendar_feed_create(owner=org.agent_a2.user, agent=org.agent_a2)
    client = api_client_for(org.agent_a1.user)

    revoked = client.post(f"{FEEDS}{feed.pk}/revoke/")
    not_mine = client.post(f"{FEEDS}{other.pk}/revoke/")

    assert revoked.status_code == 200
    assert (revoked.json()["is_active"], revoked.json()["url"], revoked.json()["webcal_url"]) == (False, None, None)
    assert revoked.json()["revoked_at"] is not None
    assert not_mine.status_code == 404
    assert list(CalendarFeed.objects.active().values_list("pk", flat=True)) == [other.pk]


def test_feed_list_and_feed_url_cost_the_same_queries_whatever_the_data(org, django_assert_num_queries):
    monday = next_monday()
    client = api_client_for(org.manager_a)
    feed = services.calendar_feed_create(owner=org.manager_a, team=org.team_a)
    publish(add_shift(org.agent_a1, sg(monday, 9), sg(monday, 17)))
    anonymous = api_client_for(None)

    # token with its user, count, page
    with django_assert_num_queries(3):
        assert client.get(FEEDS).status_code == 200
    # feed with owner/agent/team, owner's roles, manager check, published versions
    with django_assert_num_queries(4):
        assert anonymous.get(feed_path(feed)).status_code == 200

    for day in range(1, 5):
        publish(
            add_shift(org.agent_a2, sg(monday + timedelta(days=7 * day), 9), sg(monday + timedelta(days=7 * day), 17))
        )
    services.calendar_feed_create(owner=org.manager_a, team=org.team_a)
    feed = CalendarFeed.objects.active().get(owner=org.manager_a)

    with django_assert_num_queries(3):
        assert client.get(FEEDS).status_code == 200
    with django_assert_num_queries(4):
        response = anonymous.get(feed_path(feed))
    assert len(parse(response.content).events) == 5


def test_admin_lists_feeds_without_tokens_and_revokes_them(org, client):
    feed = services.calendar_feed_create(owner=org.agent_a1.user, agent=org.agent_a1)
    client.force_login(org.admin)

    listing = client.get("/admin/scheduling/calendarfeed/")
    change = client.get(f"/admin/scheduling/calendarfeed/{feed.pk}/change/")
    action = client.post(
        "/admin/scheduling/calendarfeed/", {"action": "revoke", "_selected_action": [feed.pk]}, follow=True
    )

    assert listing.status_code == 200
    assert change.status_code == 200
    assert feed.token not in change.content.decode()
    assert action.status_code == 200
    assert "Revoked 1 feed(s)." in action.content.decode()
    feed.refresh_from_db()
    assert feed.revoked_at is not None
