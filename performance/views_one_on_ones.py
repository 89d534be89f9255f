"""1:1 pages: the list of series (a manager's reports, or the agent's own) with a form to start one, and the meeting
page (shared agenda with checkboxes, action items, shared notes, the manager's private notes, complete, cancel,
reschedule) plus its iCalendar invite.

Who sees what follows ``OneOnOneSeries.objects.visible_to`` (404 otherwise). The private notes box and the private
notes themselves are only in the page of the manager side. Refused writes show the service's message on the page
(400 or 403), prefixed with the label of the field it is about, and store nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from supportops import access
from supportops.models import Agent

from . import services
from .inputs import person_name, whole_number
from .people_models import MeetingStatus, OneOnOne

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# The form labels, so that a refusal names the box it is about.
_FIELD_LABELS = {
    "first_at": "First meeting",
    "cadence_days": "Every (days)",
    "duration_minutes": "Minutes",
    "starts_at": "Move to",
    "owner": "Owner",
    "due_date": "Due",
}


def _startable_agents(user: Any) -> list[Agent]:
    """Agents the user may start a 1:1 series with, by ``people_models.is_manager_of``: all of them for admins, else
    their own reports and their teams' agents; never themselves."""
    agents: QuerySet[Agent] = Agent.objects.all()
    if not access.is_admin(user):
        agents = agents.filter(Q(manager=user) | Q(team__managers=user))
    return list(
        agents.exclude(user=user).select_related("user").distinct().order_by("user__first_name", "user__username")
    )


def _refusal(error: ValidationError) -> str:
    """The refusal's messages, each after the label of its field when it has one."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for field, field_messages in error.message_dict.items():
        label = _FIELD_LABELS.get(field)
        parts += [f"{label}: {message}" if label else message for message in field_messages]
    return " ".join(parts)


def _render_list(request: HttpRequest, *, status: int = 200, error: str = "", posted: Any = None) -> HttpResponse:
    series = list(services.series_visible_to(request.user))
    return render(
        request,
        "performance/oneonone_list.html",
        {
            "series_rows": series,
            "agents": _startable_agents(request.user),
            "error": error,
            "posted": posted or {"cadence_days": "7", "duration_minutes": "30"},
        },
        status=status,
    )


@login_required
@require_GET
def oneonone_list(request: HttpRequest) -> HttpResponse:
    """The series you run or take part in, with the next meeting and the open action items."""
    return _render_list(request)


def _local_datetime(raw: str, zone: Any, field: str) -> datetime:
    """A ``datetime-local`` value read in ``zone`` (the service refuses years far off, before anything converts them
    to UTC, where year 1 or 9999 would overflow)."""
    try:
        naive = datetime.strptime(raw.strip(), _DATETIME_FORMAT)  # noqa: DTZ007 - made aware in the agent's zone
    except ValueError as error:
        raise ValidationError({field: ["Give a date and time."]}) from error
    try:
        return timezone.make_aware(naive, zone)
    except OverflowError as error:
        raise ValidationError({field: ["Give a date and time."]}) from error


@login_required
@require_POST
def oneonone_start(request: HttpRequest) -> HttpResponse:
    """Start a series with one of your agents; the first meeting's time is read in the agent's zone."""
    posted = {key: request.POST.get(key, "") for key in ("agent", "first_at", "cadence_days", "duration_minutes")}
    agent = next((agent for agent in _startable_agents(request.user) if str(agent.pk) == posted["agent"]), None)
    try:
        if agent is None:
            raise ValidationError({"agent": ["Pick one of your agents."]})
        series = services.series_start(
            manager=request.user,
            agent=agent,
            first_at=_local_datetime(posted["first_at"], agent.zone, "first_at"),
            cadence_days=whole_number(posted["cadence_days"], "cadence_days", minimum=1, maximum=90),
            duration_minutes=whole_number(posted["duration_minutes"], "duration_minutes", minimum=5, maximum=240),
        )
    except ValidationError as error:
        return _render_list(request, status=400, error=_refusal(error), posted=posted)
    except PermissionDenied as error:
        return _render_list(request, status=403, error=str(error), posted=posted)
    first = series.meetings.order_by("starts_at").first()
    messages.success(request, f"1:1s with {agent.display_name} start.")
    return redirect("oneonone-meeting", pk=first.pk) if first is not None else redirect("oneonone-list")


def _meeting_or_404(request: HttpRequest, pk: int) -> OneOnOne:
    meeting: OneOnOne = get_object_or_404(services.meetings_visible_to(request.user), pk=pk)
    return meeting


def _render_meeting(
    request: HttpRequest, meeting: OneOnOne, *, status: int = 200, error: str = "", posted: Any = None
) -> HttpResponse:
    viewer = services.OneOnOneViewer.of(request.user)
    series = meeting.series
    is_manager = viewer.is_manager_of(series)
    zone = series.agent.zone
    is_scheduled = meeting.status == MeetingStatus.SCHEDULED
    local = timezone.localtime(meeting.starts_at, zone)
    return render(
        request,
        "performance/oneonone_meeting.html",
        {
            "meeting": meeting,
            "series": series,
            "is_manager": is_manager,
            "private_notes": meeting.private_notes if is_manager else "",
            "points": list(meeting.talking_points.all()),
            "items": services.meeting_action_items(meeting),
            # Formatted here: the template's date filter would convert back to the active zone.
            "starts_text": f"{local:%a} {local.day} {local:%b %Y, %H:%M}",
            "starts_input": f"{local:%Y-%m-%dT%H:%M}",
            "zone_name": str(zone),
            "is_scheduled": is_scheduled,
            "owners": [
                (series.agent.user_id, series.agent.display_name),
                (series.manager_id, person_name(series.manager)),
            ],
            "error": error,
            "posted": posted or {},
            "today": timezone.localdate(timezone=zone),
        },
        status=status,
    )


@login_required
@require_GET
def oneonone_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting: agenda, action items, notes; the manager also sees their private notes."""
    return _render_meeting(request, _meeting_or_404(request, pk))


def _act(
    request: HttpRequest, pk: int, write: Callable[[OneOnOne], Any], *, done: str = "", posted: Any = None
) -> HttpResponse:
    """Run one write on the meeting; back to the page on success, the page with the message on refusal."""
    meeting = _meeting_or_404(request, pk)
    try:
        result = write(meeting)
    except ValidationError as error:
        return _render_meeting(request, meeting, status=400, error=_refusal(error), posted=posted)
    except PermissionDenied as error:
        return _render_meeting(request, meeting, status=403, error=str(error), posted=posted)
    if done:
        messages.success(request, done)
    target = result.pk if isinstance(result, OneOnOne) else meeting.pk
    return redirect("oneonone-meeting", pk=target)


@login_required
@require_POST
def oneonone_point_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a talking point."""
    text = request.POST.get("text", "")
    return _act(
        request,
        pk,
        lambda meeting: services.talking_point_add(meeting=meeting, user=request.user, text=text),
        posted={"text": text},
    )


@login_required
@require_POST
def oneonone_point_check(request: HttpRequest, pk: int, point_pk: int) -> HttpResponse:
    """Tick or untick a talking point (``is_checked`` posted as "1" or left out)."""
    is_checked = request.POST.get("is_checked") == "1"

    def write(meeting: OneOnOne) -> Any:
        point = get_object_or_404(meeting.talking_points.all(), pk=point_pk)
        return services.talking_point_check(point=point, user=request.user, is_checked=is_checked)

    return _act(request, pk, write)


@login_required
@require_POST
def oneonone_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an action item owned by one of the two people."""
    posted = {key: request.POST.get(key, "") for key in ("text", "owner", "due_date")}

    def write(meeting: OneOnOne) -> Any:
        due_date = None
        if posted["due_date"].strip():
            try:
                due_date = date.fromisoformat(posted["due_date"].strip())
            except ValueError as error:
                raise ValidationError({"due_date": ["Give the due date as a date."]}) from error
        owner = None
        if posted["owner"].strip():
            owner_id = whole_number(posted["owner"], "owner")
            owner = get_user_model().objects.filter(pk=owner_id).first()
        return services.action_item_add(
            meeting=meeting, user=request.user, text=posted["text"], owner=owner, due_date=due_date
        )

    return _act(request, pk, write, posted=posted)


@login_required
@require_POST
def oneonone_item_complete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Mark an action item of the meeting's series done."""

    def write(meeting: OneOnOne) -> Any:
        item = get_object_or_404(meeting.series.action_items.all(), pk=item_pk)
        return services.action_item_complete(item=item, user=request.user)

    return _act(request, pk, write)


@login_required
@require_POST
def oneonone_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the shared notes and, when posted (the manager's form only), the private notes."""
    shared = request.POST.get("shared_notes")
    private = request.POST.get("private_notes")
    return _act(
        request,
        pk,
        lambda meeting: services.meeting_notes_save(meeting=meeting, user=request.user, shared=shared, private=private),
        done="Notes saved.",
        posted={"shared_notes": shared or ""},
    )


@login_required
@require_POST
def oneonone_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the meeting held and go to the next one (created with what carries over)."""
    return _act(
        request,
        pk,
        lambda meeting: services.meeting_complete(meeting=meeting, user=request.user),
        done="1:1 completed. This is the next one.",
    )


@login_required
@require_POST
def oneonone_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the meeting and go to the next one."""
    return _act(
        request,
        pk,
        lambda meeting: services.meeting_cancel(meeting=meeting, user=request.user),
        done="1:1 cancelled. This is the next one.",
    )


@login_required
@require_POST
def oneonone_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the meeting (the time is read in the agent's zone); the invite goes out again."""
    raw = request.POST.get("starts_at", "")

    def write(meeting: OneOnOne) -> Any:
        starts_at = _local_datetime(raw, meeting.series.agent.zone, "starts_at")
        return services.meeting_reschedule(meeting=meeting, user=request.user, starts_at=starts_at)

    return _act(request, pk, write, done="1:1 moved; the new invite is on its way.", posted={"starts_at": raw})


@login_required
@require_GET
def oneonone_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's iCalendar invite (shared agenda only), for the two people and their managers."""
    meeting = _meeting_or_404(request, pk)
    response = HttpResponse(services.meeting_invite_ics(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="one-on-one-{meeting.pk}.ics"'
    return response
