"""Agents' requests and fixed appointments: availability, time off, shift swaps and booked activities.

Who may do what:
- availability: the agent themself, a manager of the agent's team, an admin;
- time off: the agent (or a manager of their team, or an admin, on their behalf) requests it; a manager of the
  team or an admin approves or declines it; the agent cancels their own before it starts, a manager any time;
- swaps: an agent offers one of their published future shifts to a teammate (for one of the teammate's, or for
  nothing); the teammate accepts or refuses; a manager of the team or an admin approves (every hard rule is
  checked again for both agents) or rejects; the requester withdraws it while it is open;
- booked activities (training, 1:1s, meetings outside schedules): managers of the team and admins, or a system
  caller (``user=None``, e.g. onboarding booking training).

A refusal for lack of rights raises ``PermissionDenied`` (a 403 through the API); bad input or a wrong state raises
``ValidationError`` naming the field (a 400). E-mails are sent once the transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from supportops import access
from supportops.models import Agent, Team

from ..grid import AmbiguousLocalTime, NonexistentLocalTime, local_midnight, local_to_utc
from ..models import (
    FIXED_KINDS,
    OPEN_SWAP_STATUSES,
    ActivityKind,
    Availability,
    AvailabilityKind,
    BookedActivity,
    RequestStatus,
    Schedule,
    ScheduleVersion,
    Shift,
    ShiftSwap,
    SwapStatus,
    TimeOffKind,
    TimeOffRequest,
)
from ..selectors import published_shifts
from .shifts import schedule_publish, shift_reassign, shift_rule_problems, shifts_exchange

__all__ = [
    "ACTIVE_TIME_OFF_STATUSES",
    "MAX_TIME_OFF_DAYS",
    "TimeOffApproval",
    "availability_check",
    "availability_create",
    "availability_delete",
    "availability_update",
    "booked_activity_check",
    "booked_activity_create",
    "booked_activity_delete",
    "booked_activity_update",
    "may_manage_agent",
    "swap_accept",
    "swap_approve",
    "swap_cancel",
    "swap_problems",
    "swap_propose",
    "swap_refuse",
    "swap_reject",
    "time_off_approve",
    "time_off_cancel",
    "time_off_day_span",
    "time_off_decline",
    "time_off_refresh_overlap_flags",
    "time_off_request",
]

logger = logging.getLogger(__name__)

ACTIVE_TIME_OFF_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)
MAX_TIME_OFF_DAYS = 366


# --- who may do what -------------------------------------------------------------------------------------------


def may_manage_agent(user: Any, agent: Agent) -> bool:
    """True for admins and for managers of the agent's team."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return access.is_admin(user) or Team.objects.filter(pk=agent.team_id, managers=user).exists()


def _is_agent_themself(user: Any, agent: Agent) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and agent.user_id == user.pk)


def _lock_agent(agent_id: int) -> None:
    """Lock the agent's row until the transaction ends, so two writes for one agent are checked one after the
    other (overlap checks read, then write)."""
    list(Agent.objects.select_for_update().filter(pk=agent_id).values_list("pk", flat=True))


def _require_self_or_manager(user: Any, agent: Agent, doing: str) -> None:
    if not (_is_agent_themself(user, agent) or may_manage_agent(user, agent)):
        raise PermissionDenied(f"Only {agent}, a manager of {agent.team} or an admin may {doing}.")


# --- time and text helpers -------------------------------------------------------------------------------------


def _aware(value: datetime, *, field: str, zone: ZoneInfo) -> datetime:
    """An aware instant as given; a naive one read as local time in ``zone`` (refused in a DST gap or overlap)."""
    if timezone.is_aware(value):
        return value
    try:
        return local_to_utc(value, zone)
    except (NonexistentLocalTime, AmbiguousLocalTime) as error:
        raise ValidationError({field: str(error)}) from None


def _span_text(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """``Mon 03 Jun 2030 09:00–17:00`` or ``Mon 03 Jun 2030 00:00 – Wed 05 Jun 2030 00:00``, in local time."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.date() == end.date():
        return f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}"
    return f"{start:%a %d %b %Y %H:%M} – {end:%a %d %b %Y %H:%M}"


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.username) if user is not None else "SupportOps"


def _mail(subject: str, lines: Iterable[str], recipients: Iterable[Any]) -> None:
    """E-mail each recipient (a User) separately once the transaction commits; users without an address are
    skipped, and a failing mail server is logged rather than failing a change already committed."""
    body = "\n".join(lines)
    addresses = list(dict.fromkeys(user.email for user in recipients if user is not None and user.email))

    def send() -> None:
        for address in addresses:
            try:
                send_mail(subject, body, None, [address])
            except Exception:  # the change is committed; losing the e-mail must not turn it into an error
                logger.exception("Could not e-mail %s about %r", address, subject)

    if addresses:
        transaction.on_commit(send)


def _greeting(agent: Agent) -> str:
    return f"Hello {agent.user.first_name or agent.user.username},"


# --- availability ----------------------------------------------------------------------------------------------

_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_AVAILABILITY_FIELDS = ("weekday", "on_date", "start_time", "end_time", "kind", "note")


def availability_check(availability: Availability) -> None:
    """Refuse a window that breaks the model's rules or overlaps another window of the agent on that day.

    Windows are compared within one weekly weekday or one date (a dated exception may sit over weekly windows:
    it replaces them that day).
    """
    availability.full_clean(exclude=["agent"])
    same_day = Availability.objects.filter(agent_id=availability.agent_id).exclude(pk=availability.pk)
    if availability.on_date is not None:
        same_day = same_day.filter(on_date=availability.on_date)
        day = f"{availability.on_date:%a %d %b %Y}"
    else:
        same_day = same_day.filter(weekday=availability.weekday, on_date__isnull=True)
        day = f"{_WEEKDAYS[availability.weekday or 0]}s"
    for other in same_day.order_by("start_time"):
        if other.start_minutes < availability.end_minutes and availability.start_minutes < other.end_minutes:
            raise ValidationError(
                {
                    "start_time": f"It overlaps the window {other.start_time:%H:%M}–{other.end_time:%H:%M} "
                    f"({other.get_kind_display()}) on {day}."
                }
            )


@transaction.atomic
def availability_create(
    *,
    agent: Agent,
    user: Any,
    start_time: time,
    end_time: time,
    weekday: int | None = None,
    on_date: date | None = None,
    kind: str = AvailabilityKind.AVAILABLE,
    note: str = "",
) -> Availability:
    """Add a weekly window (``weekday``) or a dated exception (``on_date``) to the agent's availability."""
    _require_self_or_manager(user, agent, "change this availability")
    _lock_agent(agent.pk)
    availability = Availability(
        agent=agent,
        weekday=weekday,
        on_date=on_date,
        start_time=start_time,
        end_time=end_time,
        kind=kind,
        note=note,
    )
    availability_check(availability)
    availability.save()
    return availability


@transaction.atomic
def availability_update(*, availability: Availability, user: Any, **changes: Any) -> Availability:
    """Change some of a window's fields (``weekday``, ``on_date``, ``start_time``, ``end_time``, ``kind``,
    ``note``); the whole window is checked again."""
    unknown = set(changes) - set(_AVAILABILITY_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in sorted(unknown)})
    _require_self_or_manager(user, availability.agent, "change this availability")
    _lock_agent(availability.agent_id)
    for name, value in changes.items():
        setattr(availability, name, value)
    availability_check(availability)
    availability.save()
    return availability


@transaction.atomic
def availability_delete(*, availability: Availability, user: Any) -> None:
    """Remove a window."""
    _require_self_or_manager(user, availability.agent, "change this availability")
    availability.delete()


# --- time off --------------------------------------------------------------------------------------------------


def time_off_day_span(*, agent: Agent, first_day: date, last_day: date | None = None) -> tuple[datetime, datetime]:
    """Whole local days ``first_day``..``last_day`` (inclusive) as UTC instants: from the agent's local midnight to
    the local midnight after the last day, so a day on which the clocks change lasts 23 or 25 hours."""
    last_day = first_day if last_day is None else last_day
    if last_day < first_day:
        raise ValidationError({"end_date": "The last day is before the first day."})
    zone = agent.zone
    return local_midnight(first_day, zone), local_midnight(last_day + timedelta(days=1), zone)


def _overlaps_published_shift(agent: Agent, starts_at: datetime, ends_at: datetime) -> bool:
    """True when the agent's shifts as last published (what they see) fall in the time; unpublished edits don't
    count."""
    return bool(published_shifts(agent=agent, start=starts_at, end=ends_at))


@transaction.atomic
def time_off_request(
    *,
    agent: Agent,
    starts_at: datetime,
    ends_at: datetime,
    user: Any,
    kind: str = TimeOffKind.VACATION,
    reason: str = "",
) -> TimeOffRequest:
    """Ask for time off from ``starts_at`` to ``ends_at`` (any times: partial days are fine).

    Naive times are the agent's local wall-clock time; one skipped or repeated by a DST change is refused. The
    agent asks for themself; a manager of their team or an admin may enter it for them (also for past days, such
    as sick leave). A request overlapping another pending or approved one is refused; one falling on shifts
    already published is accepted and flagged for the manager.
    """
    _require_self_or_manager(user, agent, "request time off for this agent")
    zone = agent.zone
    starts_at = _aware(starts_at, field="starts_at", zone=zone)
    ends_at = _aware(ends_at, field="ends_at", zone=zone)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The time off ends before it starts."})
    if ends_at - starts_at > timedelta(days=MAX_TIME_OFF_DAYS):
        raise ValidationError({"ends_at": f"Ask for at most {MAX_TIME_OFF_DAYS} days at once."})
    if ends_at <= timezone.now() and not may_manage_agent(user, agent):
        raise ValidationError({"ends_at": "This time is already over; your manager records past absences."})
    _lock_agent(agent.pk)
    clash = (
        TimeOffRequest.objects.filter(
            agent=agent, status__in=ACTIVE_TIME_OFF_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": f"It overlaps the {clash.get_status_display().lower()} time off "
                f"{_span_text(clash.starts_at, clash.ends_at, zone)} ({zone.key})."
            }
        )
    request = TimeOffRequest(
        agent=agent,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        overlaps_published_shift=_overlaps_published_shift(agent, starts_at, ends_at),
    )
    request.full_clean(exclude=["agent", "decided_by"])
    request.save()
    return request


@dataclass(frozen=True)
class TimeOffApproval:
    """An approved request and the agent's shifts it overlaps (the manager must move or remove them)."""

    request: TimeOffRequest
    overlapping_shifts: tuple[Shift, ...]


def _require_decider(user: Any, request: TimeOffRequest) -> None:
    if not TimeOffRequest.objects.decidable_by(user).filter(pk=request.pk).exists():
        raise PermissionDenied(f"Only a manager of {request.agent.team} or an admin decides this request.")


def _locked_request(request: TimeOffRequest) -> TimeOffRequest:
    return (
        TimeOffRequest.objects.select_for_update(of=("self",))
        .select_related("agent__user", "agent__team")
        .get(pk=request.pk)
    )


def _require_pending(request: TimeOffRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise ValidationError({"status": f"This request is already {request.get_status_display().lower()}."})


def _decide(request: TimeOffRequest, *, status: str, user: Any, note: str) -> TimeOffRequest:
    request.status = status
    request.decided_by = user
    request.decided_at = timezone.now()
    request.decision_note = note
    request.full_clean(exclude=["agent", "decided_by"])
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "overlaps_published_shift"])
    return request


def _decision_mail(request: TimeOffRequest, verb: str, user: Any) -> None:
    agent = request.agent
    zone = agent.zone
    span = _span_text(request.starts_at, request.ends_at, zone)
    lines = [
        _greeting(agent),
        "",
        f"{_name(user)} {verb} your {request.get_kind_display().lower()} time off {span} ({zone.key}).",
    ]
    if request.decision_note:
        lines += ["", f"Note: {request.decision_note}"]
    _mail(f"Time off {verb}: {span}", lines, [agent.user])


@transaction.atomic
def time_off_approve(*, request: TimeOffRequest, user: Any, note: str = "") -> TimeOffApproval:
    """Approve a pending request and e-mail the agent.

    Approved time off is a hard rule for new shifts. Shifts the agent already has in that time are not changed:
    they are returned so the manager can fix the schedule.
    """
    _require_decider(user, request)
    request = _locked_request(request)
    _require_pending(request)
    overlapping = tuple(
        Shift.objects.filter(agent_id=request.agent_id)
        .overlapping(request.starts_at, request.ends_at)
        .select_related("schedule", "queue")
        .order_by("starts_at")
    )
    request.overlaps_published_shift = _overlaps_published_shift(request.agent, request.starts_at, request.ends_at)
    _decide(request, status=RequestStatus.APPROVED, user=user, note=note)
    _decision_mail(request, "approved", user)
    return TimeOffApproval(request=request, overlapping_shifts=overlapping)


@transaction.atomic
def time_off_decline(*, request: TimeOffRequest, user: Any, note: str = "") -> TimeOffRequest:
    """Decline a pending request and e-mail the agent."""
    _require_decider(user, request)
    request = _locked_request(request)
    _require_pending(request)
    _decide(request, status=RequestStatus.DECLINED, user=user, note=note)
    _decision_mail(request, "declined", user)
    return request


@transaction.atomic
def time_off_cancel(*, request: TimeOffRequest, user: Any) -> TimeOffRequest:
    """Withdraw a pending or approved request: the agent before it starts, a manager of the team or an admin at
    any time (the agent is then e-mailed)."""
    is_manager = TimeOffRequest.objects.decidable_by(user).filter(pk=request.pk).exists()
    if not (is_manager or _is_agent_themself(user, request.agent)):
        raise PermissionDenied(f"Only {request.agent}, a manager of {request.agent.team} or an admin may cancel it.")
    request = _locked_request(request)
    if request.status not in ACTIVE_TIME_OFF_STATUSES:
        raise ValidationError({"status": f"This request is already {request.get_status_display().lower()}."})
    if not is_manager and request.starts_at <= timezone.now():
        raise ValidationError({"status": "This time off has already started; ask your manager to cancel it."})
    request.status = RequestStatus.CANCELLED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    if not _is_agent_themself(user, request.agent):
        _decision_mail(request, "cancelled", user)
    return request


@transaction.atomic
def time_off_refresh_overlap_flags(*, agent_ids: Iterable[int], starts_at: datetime, ends_at: datetime) -> int:
    """Recompute ``overlaps_published_shift`` of the pending and approved requests of these agents that touch
    ``starts_at``..``ends_at`` against what is now published; call it after publishing a schedule. Returns how many
    flags changed."""
    requests = list(
        TimeOffRequest.objects.filter(
            agent_id__in=list(agent_ids),
            status__in=ACTIVE_TIME_OFF_STATUSES,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
    )
    if not requests:
        return 0
    published = published_shifts(
        start=min(request.starts_at for request in requests), end=max(request.ends_at for request in requests)
    )
    changed = []
    for request in requests:
        flag = any(
            shift.agent_id == request.agent_id
            and shift.starts_at < request.ends_at
            and shift.ends_at > request.starts_at
            for shift in published
        )
        if flag != request.overlaps_published_shift:
            request.overlaps_published_shift = flag
            changed.append(request)
    TimeOffRequest.objects.bulk_update(changed, ["overlaps_published_shift"])
    return len(changed)


# --- swaps -----------------------------------------------------------------------------------------------------


def _is_in_published_version(shift: Shift) -> bool:
    """True when the latest publication of the shift's schedule shows it, for its current agent."""
    if not shift.schedule.is_published:
        return False
    snapshot = (
        ScheduleVersion.objects.filter(schedule_id=shift.schedule_id)
        .order_by("-number")
        .values_list("shifts", flat=True)
        .first()
    )
    return any(entry.get("id") == shift.pk and entry.get("agent_id") == shift.agent_id for entry in snapshot or [])


def _swappable_problem(shift: Shift, now: datetime) -> str | None:
    if not _is_in_published_version(shift):
        return "This shift is not published yet."
    if shift.starts_at <= now:
        return "This shift has already started."
    return None


def _open_swap_of(shift: Shift) -> ShiftSwap | None:
    return ShiftSwap.objects.filter(Q(shift=shift) | Q(peer_shift=shift), status__in=OPEN_SWAP_STATUSES).first()


@transaction.atomic
def swap_propose(
    *, requester_user: Any, shift: Shift, peer: Agent, peer_shift: Shift | None = None, message: str = ""
) -> ShiftSwap:
    """Offer one of your published future shifts to a teammate, for one of theirs (``peer_shift``) or for nothing.

    The teammate is e-mailed. A shift may be in one open swap at a time.
    """
    requester = (
        Agent.objects.select_related("user", "team").filter(user_id=requester_user.pk).first()
        if getattr(requester_user, "is_authenticated", False)
        else None
    )
    if requester is None or shift.agent_id != requester.pk:
        raise ValidationError({"shift_id": "You can only offer your own shifts."})
    # Both shifts are locked so two proposals for one shift are checked one after the other.
    locked = {
        locked_shift.pk: locked_shift
        for locked_shift in Shift.objects.select_for_update(of=("self",))
        .select_related("schedule", "agent__user", "queue")
        .filter(pk__in=[shift.pk] + ([peer_shift.pk] if peer_shift else []))
    }
    shift = locked[shift.pk]
    now = timezone.now()
    problem = _swappable_problem(shift, now)
    if problem:
        raise ValidationError({"shift_id": problem})
    if peer.pk == requester.pk:
        raise ValidationError({"peer_id": "Choose a colleague, not yourself."})
    if peer.team_id != requester.team_id:
        raise ValidationError({"peer_id": "You can only swap with a colleague of your own team."})
    if peer_shift is not None:
        peer_shift = locked[peer_shift.pk]
        if peer_shift.agent_id != peer.pk:
            raise ValidationError({"peer_shift_id": f"This shift is not {peer}'s."})
        problem = _swappable_problem(peer_shift, now)
        if problem:
            raise ValidationError({"peer_shift_id": problem})
    for field, candidate in (("shift_id", shift), ("peer_shift_id", peer_shift)):
        if candidate is not None and (open_swap := _open_swap_of(candidate)) is not None:
            raise ValidationError(
                {field: f"This shift is already in an open swap between {open_swap.requester} and {open_swap.peer}."}
            )
    swap = ShiftSwap(requester=requester, shift=shift, peer=peer, peer_shift=peer_shift, message=message)
    swap.full_clean(exclude=["requester", "shift", "peer", "peer_shift", "decided_by"])
    swap.save()
    zone = peer.zone
    lines = [
        _greeting(peer),
        "",
        f"{requester} offers you their shift {_span_text(shift.starts_at, shift.ends_at, zone)} ({zone.key})",
        f"in exchange for your shift {_span_text(peer_shift.starts_at, peer_shift.ends_at, zone)}."
        if peer_shift
        else "for nothing in exchange.",
    ]
    if message:
        lines += ["", f"Message: {message}"]
    lines += ["", "Accept or refuse it on your schedule page; a manager then approves it."]
    _mail(f"Shift swap proposed by {requester}", lines, [peer.user])
    return swap


def _locked_swap(swap: ShiftSwap) -> ShiftSwap:
    return (
        ShiftSwap.objects.select_for_update(of=("self",))
        .select_related("requester__user", "requester__team", "peer__user", "peer__team", "shift", "peer_shift")
        .get(pk=swap.pk)
    )


_SWAP_STATE_WORDS = {
    SwapStatus.PROPOSED: "proposed",
    SwapStatus.ACCEPTED: "accepted",
    SwapStatus.APPROVED: "approved",
    SwapStatus.REFUSED: "refused",
    SwapStatus.REJECTED: "rejected",
    SwapStatus.CANCELLED: "cancelled",
}


def _require_swap_status(swap: ShiftSwap, expected: SwapStatus | tuple[SwapStatus, ...]) -> None:
    allowed = (expected,) if isinstance(expected, SwapStatus) else expected
    if swap.status in allowed:
        return
    if swap.status == SwapStatus.PROPOSED and SwapStatus.ACCEPTED in allowed:
        message = f"{swap.peer} has not accepted this swap yet."
    else:
        message = f"This swap is already {_SWAP_STATE_WORDS[SwapStatus(swap.status)]}."
    raise ValidationError({"status": message})


def _swap_text(swap: ShiftSwap, zone: ZoneInfo) -> str:
    text = f"{swap.requester}'s shift {_span_text(swap.shift.starts_at, swap.shift.ends_at, zone)}"
    if swap.peer_shift is not None:
        peer_span = _span_text(swap.peer_shift.starts_at, swap.peer_shift.ends_at, zone)
        return f"{text} for {swap.peer}'s shift {peer_span} ({zone.key})"
    return f"{text} ({zone.key}) given to {swap.peer}"


def _require_not_started(swap: ShiftSwap) -> None:
    now = timezone.now()
    for field, shift in (("shift_id", swap.shift), ("peer_shift_id", swap.peer_shift)):
        if shift is not None and shift.starts_at <= now:
            raise ValidationError({field: "This shift has already started; the swap can no longer happen."})


def _peer_answer(swap: ShiftSwap, user: Any, status: SwapStatus) -> ShiftSwap:
    if not _is_agent_themself(user, swap.peer):
        raise PermissionDenied(f"Only {swap.peer} answers this swap.")
    swap = _locked_swap(swap)
    _require_swap_status(swap, SwapStatus.PROPOSED)
    if status == SwapStatus.ACCEPTED:
        _require_not_started(swap)
    swap.status = status
    swap.responded_at = timezone.now()
    swap.save(update_fields=["status", "responded_at"])
    verb = "accepted" if status == SwapStatus.ACCEPTED else "refused"
    zone = swap.requester.zone
    lines = [_greeting(swap.requester), "", f"{swap.peer} {verb} the swap: {_swap_text(swap, zone)}."]
    if status == SwapStatus.ACCEPTED:
        lines += ["", "A manager now approves or rejects it."]
    _mail(f"{swap.peer} {verb} your shift swap", lines, [swap.requester.user])
    return swap


@transaction.atomic
def swap_accept(*, swap: ShiftSwap, user: Any) -> ShiftSwap:
    """The teammate agrees; the swap waits for a manager. The requester is e-mailed."""
    return _peer_answer(swap, user, SwapStatus.ACCEPTED)


@transaction.atomic
def swap_refuse(*, swap: ShiftSwap, user: Any) -> ShiftSwap:
    """The teammate says no; the swap is closed. The requester is e-mailed."""
    return _peer_answer(swap, user, SwapStatus.REFUSED)


def _require_swap_decider(user: Any, swap: ShiftSwap) -> None:
    if not ShiftSwap.objects.decidable_by(user).filter(pk=swap.pk).exists():
        raise PermissionDenied(f"Only a manager of {swap.requester.team} or an admin decides this swap.")


def _paid_minutes(shift: Shift) -> float:
    unpaid = sum(
        (activity.ends_at - activity.starts_at).total_seconds() / 60
        for activity in shift.activities.all()
        if not activity.is_paid
    )
    return (shift.ends_at - shift.starts_at).total_seconds() / 60 - unpaid


def swap_problems(swap: ShiftSwap) -> dict[str, list[str]]:
    """Every hard rule the swap would break, as if it were done: under ``peer_id`` what the teammate taking the
    shift breaks, under ``requester_id`` what the requester taking ``peer_shift`` breaks. Empty: it may go ahead."""
    ignored = {swap.shift_id} | ({swap.peer_shift_id} if swap.peer_shift_id else set())
    moves = [("peer_id", swap.peer, swap.shift)]
    if swap.peer_shift is not None:
        moves.append(("requester_id", swap.requester, swap.peer_shift))
    problems: dict[str, list[str]] = {}
    for field, agent, shift in moves:
        found = shift_rule_problems(
            agent=agent,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            queue=shift.queue,
            paid_minutes=_paid_minutes(shift),
            ignore_shift_ids=ignored,
        )
        messages = [message for field_messages in found.values() for message in field_messages]
        if messages:
            problems[field] = messages
    return problems


def _trade(swap: ShiftSwap) -> None:
    """Give ``shift`` to the peer and ``peer_shift`` to the requester in one step."""
    assert swap.peer_shift is not None
    shifts_exchange(first=swap.shift, second=swap.peer_shift)


def _publish_after_swap(schedules: dict[int, tuple[Schedule, bool]], user: Any, reason: str) -> None:
    """Publish each touched schedule that was published with nothing else pending (as ``shift_reassign`` does); in
    one with edits already waiting, the swap joins them until the next publication."""
    for schedule, was_pending in schedules.values():
        if schedule.is_published and not was_pending:
            schedule_publish(schedule=schedule, user=user, reason=reason)


@transaction.atomic
def swap_approve(*, swap: ShiftSwap, user: Any, note: str = "") -> ShiftSwap:
    """Approve an accepted swap after checking every hard rule for both agents as if it were done.

    Any problem refuses it (nothing changes) with the agent and the rule named. Otherwise the shifts change hands;
    a published schedule is republished as a new version (whose publication notifies the agents touched), and both
    agents are e-mailed the decision.
    """
    _require_swap_decider(user, swap)
    swap = _locked_swap(swap)
    _require_swap_status(swap, SwapStatus.ACCEPTED)
    shift_ids = [swap.shift_id] + ([swap.peer_shift_id] if swap.peer_shift_id else [])
    shifts = {
        shift.pk: shift
        for shift in Shift.objects.select_for_update(of=("self",))
        .select_related("schedule", "queue")
        .prefetch_related("activities")
        .filter(pk__in=shift_ids)
    }
    swap.shift = shifts[swap.shift_id]
    if swap.peer_shift_id:
        swap.peer_shift = shifts[swap.peer_shift_id]
    if swap.shift.agent_id != swap.requester_id or (swap.peer_shift and swap.peer_shift.agent_id != swap.peer_id):
        raise ValidationError({"status": "A shift of this swap changed hands since it was proposed; reject it."})
    _require_not_started(swap)
    problems = swap_problems(swap)
    if problems:
        raise ValidationError(problems)
    reason = f"Shift swap between {swap.requester} and {swap.peer} approved"
    if swap.peer_shift is None:
        shift_reassign(shift=swap.shift, agent=swap.peer, user=user, reason=reason)
    else:
        touched = {
            shift.schedule_id: (shift.schedule, shift.schedule.has_unpublished_changes) for shift in shifts.values()
        }
        _trade(swap)
        _publish_after_swap(touched, user, reason)
    swap.status = SwapStatus.APPROVED
    swap.decided_by = user
    swap.decided_at = timezone.now()
    swap.decision_note = note
    swap.full_clean(exclude=["requester", "shift", "peer", "peer_shift", "decided_by"])
    swap.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _decision_mails(swap, "approved", user)
    return swap


def _decision_mails(swap: ShiftSwap, verb: str, user: Any) -> None:
    for agent in (swap.requester, swap.peer):
        zone = agent.zone
        lines = [_greeting(agent), "", f"{_name(user)} {verb} the shift swap: {_swap_text(swap, zone)}."]
        if swap.decision_note:
            lines += ["", f"Note: {swap.decision_note}"]
        _mail(f"Shift swap {verb}", lines, [agent.user])


@transaction.atomic
def swap_reject(*, swap: ShiftSwap, user: Any, note: str = "") -> ShiftSwap:
    """Reject an accepted swap; nothing moves and both agents are e-mailed."""
    _require_swap_decider(user, swap)
    swap = _locked_swap(swap)
    _require_swap_status(swap, SwapStatus.ACCEPTED)
    swap.status = SwapStatus.REJECTED
    swap.decided_by = user
    swap.decided_at = timezone.now()
    swap.decision_note = note
    swap.full_clean(exclude=["requester", "shift", "peer", "peer_shift", "decided_by"])
    swap.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _decision_mails(swap, "rejected", user)
    return swap


@transaction.atomic
def swap_cancel(*, swap: ShiftSwap, user: Any) -> ShiftSwap:
    """The requester withdraws an open swap; the teammate is e-mailed."""
    if not _is_agent_themself(user, swap.requester):
        raise PermissionDenied(f"Only {swap.requester} withdraws this swap.")
    swap = _locked_swap(swap)
    _require_swap_status(swap, (SwapStatus.PROPOSED, SwapStatus.ACCEPTED))
    swap.status = SwapStatus.CANCELLED
    swap.save(update_fields=["status"])
    zone = swap.peer.zone
    lines = [_greeting(swap.peer), "", f"{swap.requester} withdrew the swap: {_swap_text(swap, zone)}."]
    _mail(f"{swap.requester} withdrew a shift swap", lines, [swap.peer.user])
    return swap


# --- booked activities -----------------------------------------------------------------------------------------

_BOOKED_FIELDS = ("kind", "title", "starts_at", "ends_at", "source")


def booked_activity_check(activity: BookedActivity) -> None:
    """Refuse a booking that breaks the model's rules, overlaps another booking of the agent, or falls in approved
    time off."""
    if activity.kind not in {kind.value for kind in FIXED_KINDS}:
        allowed = ", ".join(sorted(kind.value for kind in FIXED_KINDS))
        raise ValidationError({"kind": f"Book one of: {allowed}."})
    if activity.starts_at and activity.ends_at and activity.ends_at <= activity.starts_at:
        raise ValidationError({"ends_at": "The activity ends before it starts."})
    activity.full_clean(exclude=["agent", "created_by"])
    if activity.ends_at - activity.starts_at > timedelta(hours=24):
        raise ValidationError({"ends_at": "Book at most 24 hours at once."})
    agent = activity.agent
    zone = agent.zone
    other = (
        BookedActivity.objects.filter(agent=agent, starts_at__lt=activity.ends_at, ends_at__gt=activity.starts_at)
        .exclude(pk=activity.pk)
        .first()
    )
    if other is not None:
        raise ValidationError(
            {"starts_at": f"{agent} already has “{other.title}” {_span_text(other.starts_at, other.ends_at, zone)}."}
        )
    time_off = TimeOffRequest.objects.filter(
        agent=agent, status=RequestStatus.APPROVED, starts_at__lt=activity.ends_at, ends_at__gt=activity.starts_at
    ).first()
    if time_off is not None:
        raise ValidationError(
            {
                "starts_at": f"{agent} has approved time off "
                f"{_span_text(time_off.starts_at, time_off.ends_at, zone)} ({zone.key})."
            }
        )


def _require_booker(user: Any, agent: Agent) -> None:
    if user is not None and not may_manage_agent(user, agent):
        raise PermissionDenied(f"Only a manager of {agent.team} or an admin books activities for {agent}.")


@transaction.atomic
def booked_activity_create(
    *,
    agent: Agent,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    kind: str = ActivityKind.TRAINING,
    source: str = "",
    user: Any = None,
) -> BookedActivity:
    """Book a fixed off-queue appointment (training, meeting, coaching) for an agent.

    ``user=None`` is a system caller (onboarding booking training); otherwise a manager of the agent's team or an
    admin. Naive times are the agent's local time. Shifts generated later contain it or stay clear of it; shifts
    that already exist are not changed.
    """
    _require_booker(user, agent)
    _lock_agent(agent.pk)
    zone = agent.zone
    activity = BookedActivity(
        agent=agent,
        kind=kind,
        title=title,
        starts_at=_aware(starts_at, field="starts_at", zone=zone),
        ends_at=_aware(ends_at, field="ends_at", zone=zone),
        source=source,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    booked_activity_check(activity)
    activity.save()
    return activity


@transaction.atomic
def booked_activity_update(*, activity: BookedActivity, user: Any, **changes: Any) -> BookedActivity:
    """Change some of a booking's fields (``kind``, ``title``, ``starts_at``, ``ends_at``, ``source``)."""
    unknown = set(changes) - set(_BOOKED_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in sorted(unknown)})
    _require_booker(user, activity.agent)
    _lock_agent(activity.agent_id)
    zone = activity.agent.zone
    for name, value in changes.items():
        if name in ("starts_at", "ends_at"):
            value = _aware(value, field=name, zone=zone)
        setattr(activity, name, value)
    booked_activity_check(activity)
    activity.save()
    return activity


@transaction.atomic
def booked_activity_delete(*, activity: BookedActivity, user: Any) -> None:
    """Remove a booking."""
    _require_booker(user, activity.agent)
    activity.delete()
