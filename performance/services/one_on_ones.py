"""1:1s: a recurring series per manager-agent pair, its meetings (shared agenda, shared notes, manager-private notes),
action items, the pre-filled agenda, carry-over to the next meeting, and the iCalendar invite.

Who may do what:

- the *manager side* of a series is its manager and whoever ``people_models.is_manager_of`` the agent (admins, the
  agent's own manager, managers of the agent's team); the *agent side* is the agent alone (even if they also hold
  another role, the agent of a series is never the manager side of it);
- both sides add and check talking points (on a scheduled meeting), add and complete action items, write shared notes
  and reschedule;
- only the manager side writes (and reads) private notes, completes or cancels a meeting.

Meetings follow the agent's wall clock: the next meeting is ``cadence_days`` later at the same local time in the agent's
zone (so a weekly 10:00 stays at 10:00 across a daylight-saving change), on the first such day with no meeting yet.

Carry-over happens when the next meeting is created (on completion or cancellation of the current one): the previous
meeting's unchecked talking points are copied (``source=CARRIED``, ``carried_from`` set), except the pre-filled points
that describe the present (KPI changes, open disputes, onboarding blockers), which the new agenda recomputes. Action
items belong to the series and show in every meeting until they are done.

The pre-filled agenda compares the agent's KPIs over ``[last 1:1, now)`` with the window of the same length before
(for a first meeting: the last ``cadence_days`` days), lists QA reviews flagged for coaching and not yet discussed,
open disputes, and overdue onboarding modules of active enrollments. A QA point names the review's score and
conversation and links the review; the coaching reason is not copied (the agenda is shared, and the agent's
review API leaves the reason out too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from onboarding.models import Enrollment, EnrollmentStatus
from onboarding.selectors import enrollment_summaries
from supportops import access
from supportops.models import Agent, Team

from ..inputs import person_name
from ..kpis import KPISet, agent_kpis
from ..models import OPEN_DISPUTE_STATUSES, Dispute, Review
from ..people_models import (
    ActionItem,
    MeetingStatus,
    OneOnOne,
    OneOnOneSeries,
    TalkingPoint,
    TalkingPointSource,
    is_manager_of,
)

__all__ = [
    "OneOnOneViewer",
    "action_item_add",
    "action_item_complete",
    "action_items_visible_to",
    "meeting_action_items",
    "meeting_cancel",
    "meeting_complete",
    "meeting_invite_ics",
    "meeting_notes_save",
    "meeting_reschedule",
    "meetings_visible_to",
    "series_start",
    "series_visible_to",
    "talking_point_add",
    "talking_point_check",
]

MINUS = "\u2212"
ICS_PRODID = "-//SupportOps//1:1 invite//EN"
# Pre-filled points that describe the present: recomputed for each new meeting, so never carried.
_RECOMPUTED_SOURCES = (TalkingPointSource.KPI, TalkingPointSource.DISPUTE, TalkingPointSource.ONBOARDING)
_QA_LINK = re.compile(r"^/qa/reviews/(\d+)/$")
# Meetings outside these years are typing mistakes (and year 1 or 9999 overflow once moved to another zone).
EARLIEST_MEETING_YEAR = 2000
LATEST_MEETING_YEAR = 2100


# --- who is who -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OneOnOneViewer:
    """What one user is to 1:1 series, fetched once per request: admin or not, the teams they manage. It answers
    ``people_models.is_manager_of`` for many series without a query each (plus: the series' own manager)."""

    user_id: int | None
    is_admin: bool
    managed_team_ids: frozenset[int]

    @classmethod
    def of(cls, user: Any) -> OneOnOneViewer:
        """The viewer for a user (one query for the managed teams, plus the role check)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls(None, False, frozenset())
        return cls(
            user.pk,
            access.is_admin(user),
            frozenset(Team.objects.filter(managers=user).values_list("pk", flat=True)),
        )

    def is_agent_of(self, series: OneOnOneSeries) -> bool:
        """Whether the viewer is the agent of the series (needs ``series.agent`` loaded)."""
        return self.user_id is not None and series.agent.user_id == self.user_id

    def is_manager_of(self, series: OneOnOneSeries) -> bool:
        """Whether the viewer is on the manager side of the series: its manager, an admin, the agent's own manager or
        a manager of the agent's team; never its agent."""
        if self.user_id is None or self.is_agent_of(series):
            return False
        agent = series.agent
        return (
            self.is_admin
            or series.manager_id == self.user_id
            or agent.manager_id == self.user_id
            or agent.team_id in self.managed_team_ids
        )


def _sides(user: Any, series: OneOnOneSeries) -> tuple[bool, bool]:
    viewer = OneOnOneViewer.of(user)
    return viewer.is_agent_of(series), viewer.is_manager_of(series)


def _require_participant(user: Any, series: OneOnOneSeries) -> bool:
    """Whether the user is the manager side; PermissionDenied when they are neither side."""
    is_agent, is_manager = _sides(user, series)
    if not (is_agent or is_manager):
        raise PermissionDenied("Only the agent and their managers take part in this 1:1.")
    return is_manager


def _require_manager(user: Any, series: OneOnOneSeries, what: str) -> None:
    if not _sides(user, series)[1]:
        raise PermissionDenied(f"Only the agent's manager can {what}.")


def _check_year(moment: datetime, field: str) -> None:
    if not EARLIEST_MEETING_YEAR <= moment.year <= LATEST_MEETING_YEAR:
        raise ValidationError(
            {field: [f"Give a time between the years {EARLIEST_MEETING_YEAR} and {LATEST_MEETING_YEAR}."]}
        )


def _cadence_later(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """``days`` later at the same wall-clock time in ``zone`` (a 24-hour day in UTC would move across DST)."""
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return timezone.make_aware(local, zone)


def _free_start_after(series: OneOnOneSeries, moment: datetime) -> datetime:
    """The first start ``cadence_days`` steps after ``moment`` that no meeting of the series (cancelled ones
    included: one start per series) already has."""
    zone = series.agent.zone
    candidate = _cadence_later(moment, zone, series.cadence_days)
    taken = set(series.meetings.filter(starts_at__gte=candidate).values_list("starts_at", flat=True))
    while candidate in taken:
        candidate = _cadence_later(candidate, zone, series.cadence_days)
    return candidate


# --- reads ----------------------------------------------------------------------------------------------------------


def series_visible_to(user: Any) -> QuerySet[OneOnOneSeries]:
    """The series the user may see, with the next scheduled meeting and the open action items counted."""
    upcoming = OneOnOne.objects.filter(series=OuterRef("pk"), status=MeetingStatus.SCHEDULED).order_by("starts_at")
    open_items = (
        ActionItem.objects.filter(series=OuterRef("pk"), completed_at__isnull=True)
        .order_by()
        .values("series")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return (
        OneOnOneSeries.objects.visible_to(user)
        .select_related("manager", "agent__user", "agent__team")
        .annotate(
            next_meeting_id=Subquery(upcoming.values("pk")[:1]),
            next_meeting_at=Subquery(upcoming.values("starts_at")[:1]),
            open_item_count=Subquery(open_items),
        )
        .order_by("-is_active", "agent__user__first_name", "agent__user__username", "pk")
    )


def meetings_visible_to(user: Any) -> QuerySet[OneOnOne]:
    """The meetings the user may see, with their series, people and talking points (fixed query count)."""
    return (
        OneOnOne.objects.filter(series__in=OneOnOneSeries.objects.visible_to(user).values("pk"))
        .select_related("series__manager", "series__agent__user", "series__agent__team")
        .prefetch_related(
            Prefetch("talking_points", queryset=TalkingPoint.objects.select_related("author")),
            Prefetch(
                "series__action_items",
                queryset=ActionItem.objects.select_related("owner").order_by("completed_at", "due_date", "pk"),
            ),
        )
        .order_by("-starts_at", "pk")
    )


def meeting_action_items(meeting: OneOnOne) -> list[ActionItem]:
    """The items a meeting shows: the series' open items, and those completed while it was the current meeting
    (from its creation until it was completed). Reads ``series.action_items`` (prefetch it for lists)."""
    shown = []
    for item in meeting.series.action_items.all():
        done = item.completed_at
        if done is None or (
            done >= meeting.created_at and (meeting.completed_at is None or done <= meeting.completed_at)
        ):
            shown.append(item)
    return shown


def action_items_visible_to(user: Any) -> QuerySet[ActionItem]:
    """Action items the user owns or whose series they may see."""
    return (
        ActionItem.objects.filter(Q(owner=user) | Q(series__in=OneOnOneSeries.objects.visible_to(user).values("pk")))
        .select_related("owner", "series__agent__user", "series__manager")
        .order_by("completed_at", "due_date", "pk")
    )


# --- the pre-filled agenda ------------------------------------------------------------------------------------------


def _signed(value: float, digits: int) -> str:
    rounded = round(value, digits)
    if rounded == 0:
        return "±0"
    text = f"{abs(rounded):.{digits}f}"
    return f"+{text}" if rounded > 0 else f"{MINUS}{text}"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m {rest}s" if minutes else f"{rest}s"


def _kpi_points(current: KPISet, before: KPISet, since: str) -> list[str]:
    points = []
    if current.iqs is not None:
        change = "" if before.iqs is None else f" ({_signed(current.iqs - before.iqs, 1)} {since})"
        points.append(f"IQS {current.iqs:.1f} %{change}")
    if current.csat_percent is not None:
        change = (
            ""
            if before.csat_percent is None
            else f" ({_signed(current.csat_percent - before.csat_percent, 0)} {since})"
        )
        points.append(f"CSAT {current.csat_percent:.0f} %{change}")
    if current.aht_seconds is not None:
        change = (
            "" if before.aht_seconds is None else f" ({_signed(current.aht_seconds - before.aht_seconds, 0)} s {since})"
        )
        points.append(f"AHT {_duration(current.aht_seconds)}{change}")
    return points


def _prefill(meeting: OneOnOne, *, now: datetime, taken_links: set[str]) -> list[TalkingPoint]:
    """The agenda the app prepares for a new meeting (not saved)."""
    series = meeting.series
    agent = series.agent
    last = (
        series.meetings.filter(status=MeetingStatus.DONE, starts_at__lt=now)
        .exclude(pk=meeting.pk)
        .aggregate(last=Max("starts_at"))["last"]
    )
    if last is not None:
        start, since = last, "since last 1:1"
    else:
        start, since = now - timedelta(days=series.cadence_days), f"vs the {series.cadence_days} days before"
    current = agent_kpis(agent_id=agent.pk, start=start, end=now)
    before = agent_kpis(agent_id=agent.pk, start=start - (now - start), end=start)
    agent_link = reverse("agent-detail", args=[agent.pk])
    points = [
        TalkingPoint(meeting=meeting, text=text, source=TalkingPointSource.KPI, link=agent_link)
        for text in _kpi_points(current, before, since)
    ]
    reviews = (
        Review.objects.counted()
        .filter(agent=agent, coaching_flagged_at__isnull=False, coaching_done_at__isnull=True)
        .select_related("conversation")
        .order_by("submitted_at", "pk")
    )
    for review in reviews:
        link = reverse("qa-review", args=[review.pk])
        if link in taken_links:
            continue
        # The agenda is shared: the coaching reason is not (the agent's review API leaves it out too).
        score = "" if review.score is None else f" {float(review.score):.1f} %"
        text = f"Low QA review{score} on conversation {review.conversation.external_id}"
        points.append(TalkingPoint(meeting=meeting, text=text[:500], source=TalkingPointSource.QA, link=link))
    disputes = (
        Dispute.objects.filter(review__agent=agent, status__in=OPEN_DISPUTE_STATUSES)
        .select_related("review__conversation")
        .order_by("created_at", "pk")
    )
    for dispute in disputes:
        text = f"Open dispute ({dispute.get_status_display().lower()}) of the QA review on conversation "
        text += dispute.review.conversation.external_id
        points.append(
            TalkingPoint(
                meeting=meeting,
                text=text[:500],
                source=TalkingPointSource.DISPUTE,
                link=reverse("qa-dispute", args=[dispute.pk]),
            )
        )
    enrollments = Enrollment.objects.filter(agent=agent, status=EnrollmentStatus.ACTIVE).select_related(
        "agent__team__market", "version__curriculum"
    )
    summaries = enrollment_summaries(enrollments, today=timezone.localdate(now, timezone=agent.zone))
    for enrollment in enrollments:
        summary = summaries.get(enrollment.pk)
        if summary is None or not summary.overdue_modules:
            continue
        text = f"Onboarding overdue: {', '.join(summary.overdue_modules)}"
        points.append(
            TalkingPoint(
                meeting=meeting,
                text=text[:500],
                source=TalkingPointSource.ONBOARDING,
                link=reverse("onboarding-enrollment", args=[enrollment.pk]),
            )
        )
    return points


def _meeting_create(*, series: OneOnOneSeries, starts_at: datetime, previous: OneOnOne | None) -> OneOnOne:
    """A new meeting of the series: carried points first, then the pre-filled agenda; the invite goes out on commit."""
    meeting = OneOnOne(series=series, starts_at=starts_at, duration_minutes=series.duration_minutes)
    meeting.full_clean()
    meeting.save()
    points: list[TalkingPoint] = []
    if previous is not None:
        for point in previous.talking_points.filter(is_checked=False).exclude(source__in=_RECOMPUTED_SOURCES):
            points.append(
                TalkingPoint(
                    meeting=meeting,
                    author_id=point.author_id,
                    text=point.text,
                    source=TalkingPointSource.CARRIED,
                    link=point.link,
                    carried_from=point,
                )
            )
    points += _prefill(meeting, now=timezone.now(), taken_links={point.link for point in points if point.link})
    for position, point in enumerate(points):
        point.position = position
    TalkingPoint.objects.bulk_create(points)
    _send_invite_on_commit(meeting.pk, rescheduled=False)
    return meeting


# --- writes ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def series_start(
    *, manager: Any, agent: Agent, first_at: datetime, cadence_days: int = 7, duration_minutes: int = 30
) -> OneOnOneSeries:
    """Start a 1:1 series between someone on the manager side of the agent (``people_models.is_manager_of``: an
    admin, the agent's own manager or a manager of the agent's team) and the agent, and create its first meeting with
    a pre-filled agenda."""
    if not is_manager_of(manager, agent):  # never the agent themselves: a 1:1 needs two people
        raise PermissionDenied("Only the agent's manager or a manager of their team can start 1:1s with them.")
    if OneOnOneSeries.objects.filter(manager=manager, agent=agent, is_active=True).exists():
        raise ValidationError({"agent": [f"{agent.display_name} already has an active 1:1 series with you."]})
    if timezone.is_naive(first_at):
        raise ValidationError({"first_at": ["Give the time with its time zone."]})
    _check_year(first_at, "first_at")
    series = OneOnOneSeries(manager=manager, agent=agent, cadence_days=cadence_days, duration_minutes=duration_minutes)
    series.full_clean(validate_constraints=False)
    series.save()
    _meeting_create(series=series, starts_at=first_at, previous=None)
    return series


def _require_scheduled(meeting: OneOnOne) -> None:
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError({"status": [f"This 1:1 is {meeting.get_status_display().lower()}."]})


@transaction.atomic
def talking_point_add(*, meeting: OneOnOne, user: Any, text: str) -> TalkingPoint:
    """Add a point to the shared agenda of a scheduled meeting (the agent or the manager side); a held or cancelled
    meeting's agenda is closed, since only the next meeting carries points over."""
    _require_participant(user, meeting.series)
    _require_scheduled(meeting)
    text = text.strip()
    if not text:
        raise ValidationError({"text": ["Write the talking point."]})
    position = meeting.talking_points.aggregate(last=Max("position"))["last"]
    point = TalkingPoint(meeting=meeting, author=user, text=text, position=0 if position is None else position + 1)
    point.full_clean()
    point.save()
    return point


@transaction.atomic
def talking_point_check(*, point: TalkingPoint, user: Any, is_checked: bool = True) -> TalkingPoint:
    """Tick (or untick) a talking point of a scheduled meeting as discussed."""
    _require_participant(user, point.meeting.series)
    _require_scheduled(point.meeting)
    point.is_checked = is_checked
    point.save(update_fields=["is_checked"])
    return point


@transaction.atomic
def action_item_add(*, meeting: OneOnOne, user: Any, text: str, owner: Any, due_date: date | None = None) -> ActionItem:
    """Add an action item to the meeting's series, owned by the agent or the manager of the 1:1."""
    series = meeting.series
    _require_participant(user, series)
    if owner is None or owner.pk not in (series.manager_id, series.agent.user_id):
        raise ValidationError(
            {"owner": ["An action item cannot be owned by someone outside the meeting: pick the agent or the manager."]}
        )
    text = text.strip()
    if not text:
        raise ValidationError({"text": ["Write the action item."]})
    item = ActionItem(series=series, created_in=meeting, owner=owner, text=text, due_date=due_date)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_complete(*, item: ActionItem, user: Any) -> ActionItem:
    """Mark an action item done (once)."""
    _require_participant(user, item.series)
    if item.completed_at is not None:
        raise ValidationError({"completed_at": ["This action item is already done."]})
    item.completed_at = timezone.now()
    item.save(update_fields=["completed_at"])
    return item


@transaction.atomic
def meeting_notes_save(
    *, meeting: OneOnOne, user: Any, shared: str | None = None, private: str | None = None
) -> OneOnOne:
    """Save the shared notes (either side) and/or the private notes (the manager side only)."""
    is_manager = _require_participant(user, meeting.series)
    if private is not None and not is_manager:
        raise PermissionDenied("Only the manager writes private notes.")
    fields = []
    if shared is not None:
        meeting.shared_notes = shared
        fields.append("shared_notes")
    if private is not None:
        meeting.private_notes = private
        fields.append("private_notes")
    if fields:
        meeting.save(update_fields=fields)
    return meeting


def _next_if_none(meeting: OneOnOne) -> OneOnOne | None:
    series = meeting.series
    if not series.is_active:
        return None
    later = series.meetings.filter(starts_at__gt=meeting.starts_at, status=MeetingStatus.SCHEDULED).first()
    if later is not None:
        return later
    return _meeting_create(series=series, starts_at=_free_start_after(series, meeting.starts_at), previous=meeting)


def _lock(meeting: OneOnOne) -> None:
    """Re-read the meeting under a row lock, so two clicks on complete or cancel run one after the other and the
    second sees the first one's status."""
    meeting.refresh_from_db(from_queryset=OneOnOne.objects.select_for_update())


@transaction.atomic
def meeting_complete(*, meeting: OneOnOne, user: Any) -> OneOnOne | None:
    """Mark the meeting held, record coaching as done for the QA reviews whose point was ticked, and create the next
    meeting (carrying over what is left). Returns the next meeting (None when the series has ended)."""
    _require_manager(user, meeting.series, "complete the 1:1")
    _lock(meeting)
    _require_scheduled(meeting)
    now = timezone.now()
    meeting.status = MeetingStatus.DONE
    meeting.completed_at = now
    meeting.save(update_fields=["status", "completed_at"])
    review_ids = [
        int(match.group(1))
        for link in meeting.talking_points.filter(is_checked=True).values_list("link", flat=True)
        if (match := _QA_LINK.match(link))
    ]
    if review_ids:
        Review.objects.filter(pk__in=review_ids, agent=meeting.series.agent, coaching_done_at__isnull=True).update(
            coaching_done_at=now
        )
    return _next_if_none(meeting)


@transaction.atomic
def meeting_cancel(*, meeting: OneOnOne, user: Any) -> OneOnOne | None:
    """Cancel a scheduled meeting and create the next one (its unchecked points carry over). Returns the next."""
    _require_manager(user, meeting.series, "cancel the 1:1")
    _lock(meeting)
    _require_scheduled(meeting)
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["status", "sequence"])
    _send_invite_on_commit(meeting.pk, rescheduled=True)
    return _next_if_none(meeting)


@transaction.atomic
def meeting_reschedule(
    *, meeting: OneOnOne, user: Any, starts_at: datetime, duration_minutes: int | None = None
) -> OneOnOne:
    """Move a scheduled meeting (either side); the invite's ``SEQUENCE`` goes up and the new invite is e-mailed."""
    _require_participant(user, meeting.series)
    _require_scheduled(meeting)
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": ["Give the time with its time zone."]})
    _check_year(starts_at, "starts_at")
    if meeting.series.meetings.filter(starts_at=starts_at).exclude(pk=meeting.pk).exists():
        raise ValidationError({"starts_at": ["Another 1:1 of this series starts then."]})
    meeting.starts_at = starts_at
    if duration_minutes is not None:
        if not 5 <= duration_minutes <= 240:
            raise ValidationError({"duration_minutes": ["Give between 5 and 240 minutes."]})
        meeting.duration_minutes = duration_minutes
    meeting.sequence += 1
    meeting.save(update_fields=["starts_at", "duration_minutes", "sequence"])
    _send_invite_on_commit(meeting.pk, rescheduled=True)
    return meeting


# --- the invite -----------------------------------------------------------------------------------------------------


def _agenda_lines(points: Iterable[TalkingPoint]) -> list[str]:
    return [f"[{'x' if point.is_checked else ' '}] {point.text}" for point in points]


def _agenda_text(meeting: OneOnOne) -> str:
    """What both people may read: the shared agenda and shared notes (never the private notes)."""
    lines = ["Agenda:", *_agenda_lines(meeting.talking_points.all())]
    if meeting.shared_notes:
        lines += ["", "Shared notes:", meeting.shared_notes]
    return "\n".join(lines)


def _address(user: Any) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email or user.username + '@invalid'}")
    address.params["cn"] = vText(person_name(user) or "")
    return address


def meeting_invite_ics(meeting: OneOnOne) -> bytes:
    """The meeting as an iCalendar invite: one VEVENT, stable UID, SEQUENCE, UTC times, organizer and attendee, the
    shared agenda as description (the private notes are never in it)."""
    series = meeting.series
    calendar = Calendar()
    calendar.add("prodid", ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST")
    event = Event()
    event.add("uid", f"oneonone-{meeting.pk}@supportops")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", (meeting.starts_at + timedelta(minutes=meeting.duration_minutes)).astimezone(UTC))
    event.add("summary", f"1:1 {person_name(series.manager)} / {series.agent.display_name}")
    event.add("description", _agenda_text(meeting))
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    event["organizer"] = _address(series.manager)
    attendee = _address(series.agent.user)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _send_invite(meeting_id: int, *, rescheduled: bool) -> None:
    meeting = (
        OneOnOne.objects.select_related("series__manager", "series__agent__user")
        .prefetch_related("talking_points")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return
    series = meeting.series
    recipients = [user.email for user in (series.manager, series.agent.user) if user.email]
    if not recipients:
        return
    verb = "moved" if rescheduled else "scheduled"
    if meeting.status == MeetingStatus.CANCELLED:
        verb = "cancelled"
    when = timezone.localtime(meeting.starts_at, timezone=series.agent.zone)
    subject = f"1:1 {verb}: {person_name(series.manager)} / {series.agent.display_name}, {when:%a %d %b %Y %H:%M}"
    message = EmailMessage(
        subject=subject,
        body=_agenda_text(meeting),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"  # as the calendar's METHOD says
    message.attach("invite.ics", meeting_invite_ics(meeting), f"text/calendar; method={method}; charset=utf-8")
    message.send()


def _send_invite_on_commit(meeting_id: int, *, rescheduled: bool) -> None:
    transaction.on_commit(lambda: _send_invite(meeting_id, rescheduled=rescheduled))
