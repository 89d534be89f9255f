"""1:1s: starting a series, carry-over to the next meeting, the pre-filled agenda, action items, notes, the invite and
its e-mail, and the API per role, with private notes checked on every route that serialises a meeting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from icalendar import Calendar

from onboarding import services as onboarding_services
from performance import services
from performance.models import Dispute, Review, ReviewStatus
from performance.people_models import ActionItem, MeetingStatus, OneOnOne, OneOnOneSeries, TalkingPoint
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import AgentFactory, ConversationFactory
from tests.onboarding.curricula import build_curriculum
from tests.performance.qa import build_scorecard

SECRET = "SECRET-private-plan"
FIRST_AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
API = "/api/performance"


def start(org, agent=None, manager=None, first_at: datetime = FIRST_AT, **kwargs) -> OneOnOneSeries:
    """A weekly 30-minute series (manager_a with agent_a1 unless told)."""
    return services.series_start(
        manager=manager or org.manager_a, agent=agent or org.agent_a1, first_at=first_at, **kwargs
    )


def first_meeting(series: OneOnOneSeries) -> OneOnOne:
    return series.meetings.order_by("starts_at")[0]


def agenda(meeting: OneOnOne) -> list[tuple[str, str, str]]:
    return [(point.source, point.text, point.link) for point in meeting.talking_points.order_by("position", "pk")]


def with_secret(org, meeting: OneOnOne) -> OneOnOne:
    return services.meeting_notes_save(meeting=meeting, user=org.manager_a, shared="Shared words", private=SECRET)


# --- starting a series ----------------------------------------------------------------------------------------------


def test_a_manager_starts_a_series_and_its_first_meeting_is_created(org):
    series = start(org, cadence_days=14, duration_minutes=45)

    meeting = first_meeting(series)
    assert (series.manager, series.agent, series.cadence_days, series.is_active) == (
        org.manager_a,
        org.agent_a1,
        14,
        True,
    )
    assert (meeting.starts_at, meeting.duration_minutes, meeting.status, meeting.sequence) == (
        FIRST_AT,
        45,
        MeetingStatus.SCHEDULED,
        0,
    )
    assert agenda(meeting) == []  # agent_a1 has no recent data


def test_a_manager_of_the_agents_team_who_is_not_their_manager_may_start_a_series(org):
    series = start(org, agent=org.agent_b2, manager=org.manager_b)  # agent_b2's manager is manager_a

    assert series.manager == org.manager_b


def test_a_manager_of_another_team_cannot_start_a_series_and_nothing_is_stored(org):
    with pytest.raises(PermissionDenied) as refused:
        start(org, manager=org.manager_b)

    assert str(refused.value) == "Only the agent's manager or a manager of their team can start 1:1s with them."
    assert OneOnOneSeries.objects.count() == 0
    assert OneOnOne.objects.count() == 0


def test_a_second_active_series_for_the_same_pair_is_refused(org):
    start(org)

    with pytest.raises(ValidationError) as refused:
        start(org, first_at=FIRST_AT + timedelta(days=2))

    assert refused.value.message_dict == {
        "agent": [f"{org.agent_a1.display_name} already has an active 1:1 series with you."]
    }
    assert OneOnOneSeries.objects.count() == 1
    assert OneOnOne.objects.count() == 1


# --- carry-over -----------------------------------------------------------------------------------------------------


def test_unchecked_points_carry_over_checked_ones_do_not_and_open_items_stay_until_done(org):
    series = start(org, agent=org.agent_a2)
    one = first_meeting(series)
    agent_user = org.agent_a2.user
    discussed = services.talking_point_add(meeting=one, user=agent_user, text="Career path")
    holidays = services.talking_point_add(meeting=one, user=agent_user, text="Holiday plans")
    macro = services.talking_point_add(meeting=one, user=org.manager_a, text="Refund macro")
    services.talking_point_check(point=discussed, user=org.manager_a)
    done_item = services.action_item_add(meeting=one, user=org.manager_a, text="Send the course", owner=org.manager_a)
    open_item = services.action_item_add(
        meeting=one, user=agent_user, text="Read the refund guide", owner=agent_user, due_date=date(2026, 12, 5)
    )
    services.action_item_complete(item=done_item, user=org.manager_a)

    two = services.meeting_complete(meeting=one, user=org.manager_a)
    three = services.meeting_complete(meeting=two, user=org.manager_a)
    services.action_item_complete(item=open_item, user=agent_user)
    four = services.meeting_complete(meeting=three, user=org.manager_a)

    one.refresh_from_db()
    assert (one.status, two.starts_at, three.starts_at, four.starts_at) == (
        MeetingStatus.DONE,
        FIRST_AT + timedelta(days=7),
        FIRST_AT + timedelta(days=14),
        FIRST_AT + timedelta(days=21),
    )
    two_points = list(two.talking_points.order_by("position"))
    assert [(p.text, p.source, p.carried_from_id, p.author_id, p.is_checked) for p in two_points] == [
        ("Holiday plans", "carried", holidays.pk, agent_user.pk, False),
        ("Refund macro", "carried", macro.pk, org.manager_a.pk, False),
    ]
    assert [(p.text, p.carried_from_id) for p in three.talking_points.order_by("position")] == [
        ("Holiday plans", two_points[0].pk),
        ("Refund macro", two_points[1].pk),
    ]
    assert ActionItem.objects.count() == 2  # items are not copied: they belong to the series
    shown = {
        meeting.pk: [item.text for item in services.meeting_action_items(meeting)]
        for meeting in (one, two, three, four)
    }
    assert shown == {
        one.pk: ["Send the course"],
        two.pk: [],
        three.pk: ["Read the refund guide"],
        four.pk: [],
    }


def test_open_action_items_show_in_every_meeting_until_done(org):
    series = start(org, agent=org.agent_a2)
    one = first_meeting(series)
    item = services.action_item_add(meeting=one, user=org.manager_a, text="Book the training", owner=org.manager_a)
    two = services.meeting_complete(meeting=one, user=org.manager_a)
    three = services.meeting_complete(meeting=two, user=org.manager_a)

    open_in = [[i.text for i in services.meeting_action_items(m)] for m in (one, two, three)]
    services.action_item_complete(item=item, user=org.manager_a)
    one.refresh_from_db()
    three.refresh_from_db()
    done_in = [[i.text for i in services.meeting_action_items(m)] for m in (one, two, three)]

    assert open_in == [["Book the training"], ["Book the training"], ["Book the training"]]
    assert done_in == [[], [], ["Book the training"]]  # done while the third meeting was the current one


def test_a_cancelled_meeting_creates_the_next_one_with_its_unchecked_points(org):
    series = start(org, agent=org.agent_a2)
    one = first_meeting(series)
    point = services.talking_point_add(meeting=one, user=org.manager_a, text="Shift preferences")

    two = services.meeting_cancel(meeting=one, user=org.manager_a)

    one.refresh_from_db()
    assert (one.status, one.sequence) == (MeetingStatus.CANCELLED, 1)
    assert [(p.text, p.carried_from_id) for p in two.talking_points.all()] == [("Shift preferences", point.pk)]


def test_only_the_manager_side_completes_a_meeting(org):
    one = first_meeting(start(org))

    with pytest.raises(PermissionDenied) as refused:
        services.meeting_complete(meeting=one, user=org.agent_a1.user)

    one.refresh_from_db()
    assert str(refused.value) == "Only the agent's manager can complete the 1:1."
    assert (one.status, OneOnOne.objects.count()) == (MeetingStatus.SCHEDULED, 1)


# --- the pre-filled agenda ------------------------------------------------------------------------------------------


def _conversation(org, external_id: str, created_at: datetime, handle: int, csat: int):
    return ConversationFactory(
        agent=org.agent_a1, external_id=external_id, created_at=created_at, handle_time_seconds=handle, csat_score=csat
    )


def _review(org, version, conversation, *, score: str, submitted_at: datetime, flagged: bool) -> Review:
    return Review.objects.create(
        conversation=conversation,
        agent=org.agent_a1,
        reviewer=org.qa,
        version=version,
        status=ReviewStatus.SUBMITTED,
        score=Decimal(score),
        submitted_at=submitted_at,
        coaching_flagged_at=submitted_at if flagged else None,
        coaching_reason="Wrong refund policy" if flagged else "",
    )


def _evidence(org) -> dict:
    """KPIs now vs the 7 days before, a low QA review flagged for coaching, an open dispute, an overdue module."""
    now = timezone.now()
    _conversation(org, "now-1", now - timedelta(days=2), 420, 5)
    _conversation(org, "now-2", now - timedelta(days=2, hours=1), 440, 3)
    _conversation(org, "before-1", now - timedelta(days=9), 390, 5)
    version = build_scorecard().version
    low = _review(org, version, org.conversation_a1, score="62.5", submitted_at=now - timedelta(days=1), flagged=True)
    older = ConversationFactory(agent=org.agent_a1, external_id="old-review")
    _review(org, version, older, score="80", submitted_at=now - timedelta(days=9), flagged=False)
    dispute = Dispute.objects.create(
        review=low, raised_by=org.agent_a1.user, reason="Policy changed", assigned_to=org.qa
    )
    enrollment = onboarding_services.enrollment_create(
        agent=org.agent_a1,
        version=build_curriculum().version,
        start_date=timezone.localdate() - timedelta(days=40),
        user=org.admin,
    )
    enrollment.progress.update(due_date=timezone.localdate() + timedelta(days=30))
    late = enrollment.progress.select_related("module").order_by("module__position").first()
    late.due_date = timezone.localdate() - timedelta(days=3)
    late.save(update_fields=["due_date"])
    return {"low": low, "dispute": dispute, "enrollment": enrollment, "late_title": late.module.title}


def test_the_first_agenda_is_pre_filled_with_kpis_low_qa_reviews_open_disputes_and_onboarding_blockers(org):
    evidence = _evidence(org)

    meeting = first_meeting(start(org))

    agent_link = f"/agents/{org.agent_a1.pk}/"
    assert agenda(meeting) == [
        ("kpi", "IQS 62.5 % (\u221217.5 vs the 7 days before)", agent_link),
        ("kpi", "CSAT 50 % (\u221250 vs the 7 days before)", agent_link),
        ("kpi", "AHT 7m 10s (+40 s vs the 7 days before)", agent_link),
        ("qa", "Low QA review 62.5 % on conversation a1", f"/qa/reviews/{evidence['low'].pk}/"),
        (
            "dispute",
            "Open dispute (open) of the QA review on conversation a1",
            f"/qa/disputes/{evidence['dispute'].pk}/",
        ),
        (
            "onboarding",
            f"Onboarding overdue: {evidence['late_title']}",
            f"/onboarding/enrollments/{evidence['enrollment'].pk}/",
        ),
    ]
    assert "Wrong refund policy" not in " ".join(text for _, text, _ in agenda(meeting))  # the reason is not shared


def test_the_next_agenda_compares_kpis_since_the_last_1_1_and_recomputes_instead_of_carrying_them(org):
    now = timezone.now()
    series = start(org, first_at=now - timedelta(days=4))
    one = first_meeting(series)
    _conversation(org, "since-1", now - timedelta(days=1), 500, 4)
    _conversation(org, "before-1", now - timedelta(days=6), 450, 2)

    two = services.meeting_complete(meeting=one, user=org.manager_a)

    assert [text for _, text, _ in agenda(two)] == [
        "CSAT 100 % (+100 since last 1:1)",
        "AHT 8m 20s (+50 s since last 1:1)",
    ]
    assert agenda(one) == []  # the first agenda was built before these conversations


def test_a_qa_point_ticked_in_a_completed_meeting_marks_the_coaching_done_and_an_unticked_one_carries_over(org):
    evidence = _evidence(org)
    one = first_meeting(start(org))
    qa_point = one.talking_points.get(source="qa")

    two = services.meeting_complete(meeting=one, user=org.manager_a)
    carried = two.talking_points.get(source="carried")
    services.talking_point_check(point=carried, user=org.agent_a1.user)
    three = services.meeting_complete(meeting=two, user=org.manager_a)

    evidence["low"].refresh_from_db()
    assert (carried.text, carried.link, carried.carried_from_id) == (qa_point.text, qa_point.link, qa_point.pk)
    assert two.talking_points.filter(source="qa").count() == 0  # not listed twice
    assert evidence["low"].coaching_done_at == two.__class__.objects.get(pk=two.pk).completed_at
    assert three.talking_points.filter(link=qa_point.link).count() == 0


# --- action items and notes -----------------------------------------------------------------------------------------


def test_an_action_item_owned_by_someone_outside_the_meeting_is_refused_and_nothing_is_stored(org):
    meeting = first_meeting(start(org))

    with pytest.raises(ValidationError) as refused:
        services.action_item_add(meeting=meeting, user=org.manager_a, text="Audit", owner=org.manager_b)

    assert refused.value.message_dict == {
        "owner": ["An action item cannot be owned by someone outside the meeting: pick the agent or the manager."]
    }
    assert ActionItem.objects.count() == 0


def test_the_agent_cannot_write_private_notes_and_nothing_is_stored(org):
    meeting = with_secret(org, first_meeting(start(org)))

    with pytest.raises(PermissionDenied) as refused:
        services.meeting_notes_save(meeting=meeting, user=org.agent_a1.user, shared="Mine", private="Overwritten")

    meeting.refresh_from_db()
    assert str(refused.value) == "Only the manager writes private notes."
    assert (meeting.shared_notes, meeting.private_notes) == ("Shared words", SECRET)


def test_someone_outside_the_1_1_cannot_add_a_talking_point(org):
    meeting = first_meeting(start(org))

    with pytest.raises(PermissionDenied) as refused:
        services.talking_point_add(meeting=meeting, user=org.agent_a2.user, text="Hello")

    assert str(refused.value) == "Only the agent and their managers take part in this 1:1."
    assert TalkingPoint.objects.count() == 0


# --- the invite -----------------------------------------------------------------------------------------------------


def test_the_invite_is_an_ical_event_with_a_stable_uid_its_sequence_utc_times_and_no_private_notes(org):
    meeting = with_secret(org, first_meeting(start(org)))
    services.talking_point_add(meeting=meeting, user=org.agent_a1.user, text="Shift swap")
    services.meeting_reschedule(meeting=meeting, user=org.agent_a1.user, starts_at=FIRST_AT + timedelta(hours=3))

    ics = services.meeting_invite_ics(meeting)

    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["UID"]) == f"oneonone-{meeting.pk}@supportops"
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 1, 5, 30, tzinfo=UTC)
    assert str(event["ORGANIZER"]) == "mailto:manager_a@example.com"
    assert str(event["ATTENDEE"]) == "mailto:agent_a1@example.com"
    assert str(event["DESCRIPTION"]) == "Agenda:\n[ ] Shift swap\n\nShared notes:\nShared words"
    assert SECRET.encode() not in ics


def test_the_invite_is_e_mailed_to_both_when_created_and_rescheduled_without_private_notes(
    org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = first_meeting(start(org))
    with django_capture_on_commit_callbacks(execute=True):
        with_secret(org, meeting)
        services.meeting_reschedule(meeting=meeting, user=org.manager_a, starts_at=FIRST_AT + timedelta(days=1))

    subjects = [message.subject for message in mail.outbox]
    assert subjects == [
        f"1:1 scheduled: {org.manager_a.get_full_name()} / {org.agent_a1.display_name}, Tue 01 Dec 2026 10:00",
        f"1:1 moved: {org.manager_a.get_full_name()} / {org.agent_a1.display_name}, Wed 02 Dec 2026 10:00",
    ]
    assert mail.outbox[1].to == ["manager_a@example.com", "agent_a1@example.com"]
    name, content, mimetype = mail.outbox[1].attachments[0]
    assert (name, mimetype) == ("invite.ics", "text/calendar; method=REQUEST; charset=utf-8")
    assert "SEQUENCE:1" in content
    assert mail.outbox[1].body == "Agenda:\n\nShared notes:\nShared words"
    assert all(SECRET not in message.body and SECRET not in message.attachments[0][1] for message in mail.outbox)


# --- the API --------------------------------------------------------------------------------------------------------


def _three_series(org) -> dict[str, OneOnOneSeries]:
    return {
        "a1": start(org),
        "b1": start(org, agent=org.agent_b1, manager=org.manager_b),
        "b2": start(org, agent=org.agent_b2),  # manager_a's report in manager_b's team
    }


def test_meetings_per_role_through_the_api(org):
    series = _three_series(org)
    ids = {key: first_meeting(value).pk for key, value in series.items()}

    assert_role_access(
        list_url=f"{API}/one-on-ones/",
        detail_url=lambda pk: f"{API}/one-on-ones/{pk}/",
        all_ids=set(ids.values()),
        cases={
            "admin": RoleCase(org.admin, sees=set(ids.values())),
            "manager_a": RoleCase(org.manager_a, sees={ids["a1"], ids["b2"]}),
            "manager_b": RoleCase(org.manager_b, sees={ids["b1"], ids["b2"]}),
            "qa": RoleCase(org.qa, sees=set()),
            "agent_a1": RoleCase(org.agent_a1.user, sees={ids["a1"]}),
            "agent_a2": RoleCase(org.agent_a2.user, sees=set()),
        },
    )


def test_series_per_role_through_the_api(org):
    series = _three_series(org)

    seen = {
        name: sorted(row["id"] for row in api_client_for(user).get(f"{API}/one-on-one-series/").json()["results"])
        for name, user in [("manager_a", org.manager_a), ("agent_b2", org.agent_b2.user), ("qa", org.qa)]
    }

    assert seen == {
        "manager_a": sorted([series["a1"].pk, series["b2"].pk]),
        "agent_b2": [series["b2"].pk],
        "qa": [],
    }


def test_action_items_per_role_through_the_api(org):
    series = _three_series(org)
    items = {
        key: services.action_item_add(
            meeting=first_meeting(value), user=value.manager, text=f"Item {key}", owner=value.agent.user
        ).pk
        for key, value in series.items()
    }

    assert_role_access(
        list_url=f"{API}/action-items/",
        detail_url=lambda pk: f"{API}/action-items/{pk}/",
        all_ids=set(items.values()),
        cases={
            "admin": RoleCase(org.admin, sees=set(items.values())),
            "manager_a": RoleCase(org.manager_a, sees={items["a1"], items["b2"]}),
            "agent_b1": RoleCase(org.agent_b1.user, sees={items["b1"]}),
            "qa": RoleCase(org.qa, sees=set()),
        },
    )


def test_a_manager_starts_a_series_through_the_api(org):
    response = api_client_for(org.manager_a).post(
        f"{API}/one-on-one-series/",
        {"agent_id": org.agent_a2.pk, "first_at": "2026-12-01T10:00:00+08:00", "cadence_days": 14},
        format="json",
    )

    series = OneOnOneSeries.objects.get()
    assert response.status_code == 201
    assert response.json() | {"created_at": None} == {
        "id": series.pk,
        "manager_id": org.manager_a.pk,
        "manager_name": org.manager_a.get_full_name(),
        "agent_id": org.agent_a2.pk,
        "agent_name": org.agent_a2.display_name,
        "cadence_days": 14,
        "duration_minutes": 30,
        "is_active": True,
        "next_meeting_id": first_meeting(series).pk,
        "next_meeting_at": "2026-12-01T02:00:00Z",
        "open_item_count": 0,
        "created_at": None,
    }


def test_an_agent_cannot_start_a_series_through_the_api_and_nothing_is_stored(org):
    response = api_client_for(org.agent_a1.user).post(
        f"{API}/one-on-one-series/", {"agent_id": org.agent_a1.pk, "first_at": "2026-12-01T10:00:00+08:00"}
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only the agent's manager or a manager of their team can start 1:1s with them."
    }
    assert OneOnOneSeries.objects.count() == 0


def test_an_action_item_owned_outside_the_meeting_is_refused_through_the_api(org):
    meeting = first_meeting(start(org))

    response = api_client_for(org.agent_a1.user).post(
        f"{API}/one-on-ones/{meeting.pk}/action-items/", {"text": "Audit", "owner_id": org.qa.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "owner": ["An action item cannot be owned by someone outside the meeting: pick the agent or the manager."]
    }
    assert ActionItem.objects.count() == 0


def test_the_agent_writing_private_notes_through_the_api_gets_403_and_nothing_is_stored(org):
    meeting = with_secret(org, first_meeting(start(org)))

    response = api_client_for(org.agent_a1.user).post(
        f"{API}/one-on-ones/{meeting.pk}/notes/", {"shared_notes": "Mine", "private_notes": "Mine too"}, format="json"
    )

    meeting.refresh_from_db()
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the manager writes private notes."}
    assert (meeting.shared_notes, meeting.private_notes) == ("Shared words", SECRET)


def test_the_manager_reads_private_notes_in_the_api(org):
    meeting = with_secret(org, first_meeting(start(org)))

    detail = api_client_for(org.manager_a).get(f"{API}/one-on-ones/{meeting.pk}/").json()
    listed = api_client_for(org.manager_a).get(f"{API}/one-on-ones/").json()["results"][0]

    assert (detail["private_notes"], listed["private_notes"]) == (SECRET, SECRET)
    assert detail["shared_notes"] == "Shared words"


def test_the_agent_never_receives_private_notes_from_any_api_route(org, django_capture_on_commit_callbacks):
    meeting = with_secret(org, first_meeting(start(org)))
    point = services.talking_point_add(meeting=meeting, user=org.manager_a, text="Attendance")
    client = api_client_for(org.agent_a1.user)
    base = f"{API}/one-on-ones/{meeting.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        responses = {
            "list": client.get(f"{API}/one-on-ones/"),
            "detail": client.get(f"{base}/"),
            "talking-points": client.post(f"{base}/talking-points/", {"text": "My point"}, format="json"),
            "check": client.post(f"{base}/check/", {"talking_point_id": point.pk}, format="json"),
            "action-items": client.post(
                f"{base}/action-items/", {"text": "Do it", "owner_id": org.agent_a1.user.pk}, format="json"
            ),
            "notes": client.post(f"{base}/notes/", {"shared_notes": "Agreed"}, format="json"),
            "reschedule": client.post(f"{base}/reschedule/", {"starts_at": "2026-12-03T10:00:00+08:00"}, format="json"),
            "series": client.get(f"{API}/one-on-one-series/"),
            "items": client.get(f"{API}/action-items/"),
        }

    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses == {
        "list": 200, "detail": 200, "talking-points": 201, "check": 200, "action-items": 201, "notes": 200,
        "reschedule": 200, "series": 200, "items": 200,
    }  # fmt: skip
    for name, response in responses.items():
        assert SECRET not in response.content.decode(), name
        assert "private_notes" not in response.content.decode(), name
    assert responses["notes"].json()["shared_notes"] == "Agreed"
    assert [message.body for message in mail.outbox] == [
        "Agenda:\n[x] Attendance\n[ ] My point\n\nShared notes:\nAgreed"
    ]


def test_manager_actions_answer_with_the_meeting_and_private_notes_for_the_manager(org):
    meeting = with_secret(org, first_meeting(start(org)))
    client = api_client_for(org.manager_a)

    cancelled = client.post(f"{API}/one-on-ones/{meeting.pk}/cancel/")
    following = OneOnOne.objects.get(status=MeetingStatus.SCHEDULED)
    completed = client.post(f"{API}/one-on-ones/{following.pk}/complete/")

    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["private_notes"]) == (
        200,
        "cancelled",
        SECRET,
    )
    assert completed.status_code == 200
    assert completed.json()["starts_at"] == "2026-12-15T02:00:00Z"  # the meeting after the completed one
    assert completed.json()["private_notes"] == ""


def test_the_agent_cannot_complete_or_cancel_through_the_api(org):
    meeting = first_meeting(start(org))
    client = api_client_for(org.agent_a1.user)

    completed = client.post(f"{API}/one-on-ones/{meeting.pk}/complete/")
    cancelled = client.post(f"{API}/one-on-ones/{meeting.pk}/cancel/")

    assert (completed.status_code, completed.json()) == (
        403,
        {"detail": "Only the agent's manager can complete the 1:1."},
    )
    assert (cancelled.status_code, cancelled.json()) == (
        403,
        {"detail": "Only the agent's manager can cancel the 1:1."},
    )
    assert list(OneOnOne.objects.values_list("status", flat=True)) == ["scheduled"]


def _busy_series(org, count: int) -> None:
    for index in range(count):
        agent = [org.agent_a1, org.agent_a2, org.agent_b2][index % 3]
        series = OneOnOneSeries.objects.filter(agent=agent, manager=org.manager_a).first() or start(org, agent=agent)
        meeting = series.meetings.order_by("-starts_at").first()
        services.talking_point_add(meeting=meeting, user=org.manager_a, text=f"Point {index}")
        services.action_item_add(meeting=meeting, user=org.manager_a, text=f"Item {index}", owner=org.manager_a)
        services.meeting_complete(meeting=meeting, user=org.manager_a)


@pytest.mark.parametrize("count", [1, 6])
def test_the_api_lists_answer_in_a_fixed_number_of_queries(org, count, django_assert_num_queries):
    _busy_series(org, count)
    client = api_client_for(org.manager_a)

    with django_assert_num_queries(7):
        meetings = client.get(f"{API}/one-on-ones/")
    with django_assert_num_queries(4):
        series = client.get(f"{API}/one-on-one-series/")
    with django_assert_num_queries(4):
        items = client.get(f"{API}/action-items/")

    assert (meetings.status_code, series.status_code, items.status_code) == (200, 200, 200)
    assert items.json()["count"] == count


# --- the agent's wall clock, taken slots and double clicks ----------------------------------------------------------


def test_weekly_meetings_keep_the_agents_wall_clock_across_the_berlin_summer_time_change(org):
    # given an agent in Berlin with a weekly 1:1 on Thursday 26 March 2026 at 10:00 CET (UTC+1)
    org.agent_a1.timezone = "Europe/Berlin"
    org.agent_a1.save(update_fields=["timezone"])
    one = first_meeting(start(org, first_at=datetime(2026, 3, 26, 9, 0, tzinfo=UTC)))

    # when it is held, and the next one (after the clocks go forward on 29 March) is cancelled
    two = services.meeting_complete(meeting=one, user=org.manager_a)
    three = services.meeting_cancel(meeting=two, user=org.manager_a)

    # then both later meetings are still at 10:00 in Berlin, now CEST (UTC+2)
    assert (two.starts_at, three.starts_at) == (
        datetime(2026, 4, 2, 8, 0, tzinfo=UTC),
        datetime(2026, 4, 9, 8, 0, tzinfo=UTC),
    )


def test_the_next_meeting_moves_on_by_the_cadence_when_a_cancelled_meeting_holds_its_slot(org):
    # given a first meeting cancelled (its slot stays taken), and the next one moved to a week before it
    one = first_meeting(start(org))
    two = services.meeting_cancel(meeting=one, user=org.manager_a)
    services.meeting_reschedule(meeting=two, user=org.manager_a, starts_at=FIRST_AT - timedelta(days=7))

    # when the moved meeting is held, one week later is the cancelled meeting's start
    three = services.meeting_complete(meeting=two, user=org.manager_a)

    # then the next meeting goes one more week on, and the series is not stuck
    assert three.starts_at == FIRST_AT + timedelta(days=7)
    assert sorted(OneOnOne.objects.values_list("starts_at", "status")) == [
        (FIRST_AT - timedelta(days=7), MeetingStatus.DONE),
        (FIRST_AT, MeetingStatus.CANCELLED),
        (FIRST_AT + timedelta(days=7), MeetingStatus.SCHEDULED),
    ]


def test_a_second_click_on_complete_or_cancel_from_a_stale_page_is_refused_and_changes_nothing(org):
    # given one meeting loaded twice (two tabs, or a double click)
    one = first_meeting(start(org))
    stale = OneOnOne.objects.get(pk=one.pk)
    services.meeting_complete(meeting=one, user=org.manager_a)

    # when the stale copy is cancelled, then completed
    with pytest.raises(ValidationError) as cancelled:
        services.meeting_cancel(meeting=stale, user=org.manager_a)
    with pytest.raises(ValidationError) as completed:
        services.meeting_complete(meeting=stale, user=org.manager_a)

    # then both are refused and the meeting stays held, with one next meeting
    assert cancelled.value.message_dict == completed.value.message_dict == {"status": ["This 1:1 is done."]}
    assert sorted(OneOnOne.objects.values_list("status", "sequence")) == [
        (MeetingStatus.DONE, 0),
        (MeetingStatus.SCHEDULED, 0),
    ]


def test_a_held_or_cancelled_meetings_agenda_is_closed_and_nothing_is_stored(org):
    # given a held meeting with one point, and a cancelled one
    one = first_meeting(start(org))
    point = services.talking_point_add(meeting=one, user=org.manager_a, text="Career path")
    two = services.meeting_complete(meeting=one, user=org.manager_a)
    services.meeting_cancel(meeting=two, user=org.manager_a)
    two.refresh_from_db()

    # when points are added to them or the held one's point is ticked
    refusals = []
    for write in (
        lambda: services.talking_point_add(meeting=one, user=org.agent_a1.user, text="Too late"),
        lambda: services.talking_point_add(meeting=two, user=org.manager_a, text="Too late"),
        lambda: services.talking_point_check(point=point, user=org.agent_a1.user),
    ):
        with pytest.raises(ValidationError) as refused:
            write()
        refusals.append(refused.value.message_dict)

    # then each is refused on the status and nothing changed
    point.refresh_from_db()
    assert refusals == [
        {"status": ["This 1:1 is done."]},
        {"status": ["This 1:1 is cancelled."]},
        {"status": ["This 1:1 is done."]},
    ]
    assert point.is_checked is False
    assert TalkingPoint.objects.filter(text="Too late").count() == 0


def test_the_cancellation_e_mail_says_method_cancel_in_its_mime_type_as_its_calendar_does(
    org, django_capture_on_commit_callbacks
):
    # given a scheduled meeting
    meeting = first_meeting(start(org))

    # when it is cancelled
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, user=org.manager_a)

    # then the cancellation e-mail's invite is a CANCEL both in its MIME type and inside, and the next one a REQUEST
    parts = {message.subject.split(": ")[0]: message.attachments[0] for message in mail.outbox}
    _, content, mimetype = parts["1:1 cancelled"]
    assert mimetype == "text/calendar; method=CANCEL; charset=utf-8"
    assert "METHOD:CANCEL" in content
    assert parts["1:1 scheduled"][2] == "text/calendar; method=REQUEST; charset=utf-8"


# --- who is on the manager side -------------------------------------------------------------------------------------


def test_the_agents_own_manager_is_on_the_manager_side_of_a_series_another_manager_runs(org):
    # given manager_b's series with agent_b2, whose own manager is manager_a (who does not manage team Bravo)
    meeting = with_secret(org, first_meeting(start(org, agent=org.agent_b2, manager=org.manager_b)))

    # when manager_a reads the meeting through the API and completes it
    detail = api_client_for(org.manager_a).get(f"{API}/one-on-ones/{meeting.pk}/")
    following = services.meeting_complete(meeting=meeting, user=org.manager_a)

    # then manager_a reads the private notes and the next meeting is planned
    assert (detail.status_code, detail.json()["private_notes"]) == (200, SECRET)
    assert following.starts_at == FIRST_AT + timedelta(days=7)


def test_an_admin_may_start_a_series_with_any_agent(org):
    series = start(org, agent=org.agent_b1, manager=org.admin)

    assert (series.manager, series.agent, first_meeting(series).starts_at) == (org.admin, org.agent_b1, FIRST_AT)


def test_a_manager_who_is_also_an_agent_is_only_the_agent_side_of_their_own_series(org):
    # given manager_b, who manages team Bravo, is also an agent of Bravo reporting to manager_a
    agent_b3 = AgentFactory(user=org.manager_b, team=org.team_b, manager=org.manager_a)
    meeting = with_secret(org, first_meeting(start(org, agent=agent_b3)))

    # when manager_b tries the manager side's actions on their own 1:1 and to start a series with themselves
    with pytest.raises(PermissionDenied) as completing:
        services.meeting_complete(meeting=meeting, user=org.manager_b)
    with pytest.raises(PermissionDenied) as writing:
        services.meeting_notes_save(meeting=meeting, user=org.manager_b, private="Mine")
    with pytest.raises(PermissionDenied) as starting:
        start(org, agent=agent_b3, manager=org.manager_b)
    detail = api_client_for(org.manager_b).get(f"{API}/one-on-ones/{meeting.pk}/")

    # then all are refused, and the API answers them as the agent: without the private notes
    assert [str(refused.value) for refused in (completing, writing, starting)] == [
        "Only the agent's manager can complete the 1:1.",
        "Only the manager writes private notes.",
        "Only the agent's manager or a manager of their team can start 1:1s with them.",
    ]
    assert detail.status_code == 200
    assert "private_notes" not in detail.json()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.private_notes, OneOnOneSeries.objects.count()) == (
        MeetingStatus.SCHEDULED,
        SECRET,
        1,
    )


# --- awkward input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_at", "message"),
    [
        (datetime(1, 1, 5, 2, 0, tzinfo=UTC), "Give a time between the years 2000 and 2100."),
        (datetime(9999, 12, 1, 2, 0, tzinfo=UTC), "Give a time between the years 2000 and 2100."),
        (datetime(2026, 12, 1, 10, 0), "Give the time with its time zone."),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_a_series_starting_at_an_impossible_time_is_refused_and_nothing_is_stored(org, first_at, message):
    with pytest.raises(ValidationError) as refused:
        start(org, first_at=first_at)

    assert refused.value.message_dict == {"first_at": [message]}
    assert (OneOnOneSeries.objects.count(), OneOnOne.objects.count()) == (0, 0)


def test_far_off_years_are_refused_through_the_api_naming_the_field(org):
    meeting = first_meeting(start(org))
    client = api_client_for(org.manager_a)

    started = client.post(
        f"{API}/one-on-one-series/",
        {"agent_id": org.agent_a2.pk, "first_at": "0001-01-05T10:00:00+08:00"},
        format="json",
    )
    moved = client.post(f"{API}/one-on-ones/{meeting.pk}/reschedule/", {"starts_at": "2101-01-01T10:00:00+08:00"})

    meeting.refresh_from_db()
    assert (started.status_code, started.json()) == (
        400,
        {"first_at": ["Give a time between the years 2000 and 2100."]},
    )
    assert (moved.status_code, moved.json()) == (400, {"starts_at": ["Give a time between the years 2000 and 2100."]})
    assert (OneOnOneSeries.objects.count(), meeting.starts_at, meeting.sequence) == (1, FIRST_AT, 0)
