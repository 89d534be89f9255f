"""Reads of agents' requests: availability, time off, swaps, booked activities, and a manager's approvals inbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from supportops.models import Agent

from ..models import (
    OPEN_SWAP_STATUSES,
    Availability,
    BookedActivity,
    RequestStatus,
    ScheduleVersion,
    Shift,
    ShiftSwap,
    SwapStatus,
    TimeOffRequest,
)
from .shifts import PublishedShift, published_shifts, published_versions_of

__all__ = [
    "Approvals",
    "OverlappingShift",
    "ShownShift",
    "SwapInboxItem",
    "TimeOffInboxItem",
    "approvals_for",
    "availability_list",
    "booked_activity_list",
    "swap_list",
    "swap_peer_choices",
    "swappable_shifts",
    "swaps_as_published",
    "time_off_list",
]


def availability_list(*, user: Any) -> QuerySet[Availability]:
    """Availability windows the user may see (and change): their own, their teams' agents', all for admins; per
    agent the weekly windows by weekday, then the dated ones by date."""
    return (
        Availability.objects.visible_to(user)
        .select_related("agent__user")
        .order_by(
            "agent__user__username",
            F("weekday").asc(nulls_last=True),
            F("on_date").asc(nulls_last=True),
            "start_time",
            "pk",
        )
    )


def time_off_list(*, user: Any) -> QuerySet[TimeOffRequest]:
    """Time-off requests the user may see, latest start first, with the agent and who decided."""
    return (
        TimeOffRequest.objects.visible_to(user)
        .select_related("agent__user", "decided_by")
        .order_by("-starts_at", "-pk")
    )


def swap_list(*, user: Any) -> QuerySet[ShiftSwap]:
    """Swaps the user may see (their own, as requester or peer; their teams' for managers), newest first."""
    return (
        ShiftSwap.objects.visible_to(user)
        .select_related("requester__user", "peer__user", "shift__queue", "peer_shift__queue", "decided_by")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class ShownShift:
    """A swap's shift as its agents see it: as its schedule last published it (the live row only when no
    publication shows it), so a manager's unpublished edit never shows through a swap."""

    id: int
    agent_id: int
    schedule_id: int
    starts_at: datetime
    ends_at: datetime
    queue_name: str


def _shown(shift: Shift, published: dict[int, PublishedShift]) -> ShownShift:
    entry = published.get(shift.pk)
    if entry is None:
        return ShownShift(
            shift.pk, shift.agent_id, shift.schedule_id, shift.starts_at, shift.ends_at,
            shift.queue.name if shift.queue else "",
        )  # fmt: skip
    return ShownShift(shift.pk, entry.agent_id, shift.schedule_id, entry.starts_at, entry.ends_at, entry.queue_name)


def swaps_as_published(swaps: Sequence[ShiftSwap]) -> Sequence[ShiftSwap]:
    """Set ``shown_shift`` and ``shown_peer_shift`` (None without one) on each swap: its shifts as last published
    (one query for all)."""
    published = published_versions_of(
        [swap.shift for swap in swaps] + [swap.peer_shift for swap in swaps if swap.peer_shift_id]
    )
    for swap in swaps:
        swap.shown_shift = _shown(swap.shift, published)  # type: ignore[attr-defined]
        swap.shown_peer_shift = (  # type: ignore[attr-defined]
            _shown(swap.peer_shift, published) if swap.peer_shift is not None else None
        )
    return swaps


def booked_activity_list(*, user: Any) -> QuerySet[BookedActivity]:
    """Booked activities the user may see: their own, their teams' agents', all for admins."""
    return (
        BookedActivity.objects.visible_to(user).select_related("agent__user", "created_by").order_by("starts_at", "pk")
    )


def swap_peer_choices(*, agent: Agent) -> QuerySet[Agent]:
    """The teammates an agent may offer a shift to, by name."""
    return Agent.objects.filter(team_id=agent.team_id).exclude(pk=agent.pk).select_related("user")


def swappable_shifts(*, agent: Agent, now: datetime | None = None) -> QuerySet[Shift]:
    """The agent's future shifts as last published that are in no open swap (what they may offer or ask for).

    A shift counts when the latest publication of its schedule shows it for this agent; edits not published yet
    are left out.
    """
    now = now or timezone.now()
    in_open_swaps = ShiftSwap.objects.filter(status__in=OPEN_SWAP_STATUSES)
    candidates = list(
        Shift.objects.filter(agent=agent, starts_at__gt=now, schedule__version__gt=0).values_list("pk", "schedule_id")
    )
    snapshots = ScheduleVersion.objects.filter(
        schedule_id__in={schedule_id for _, schedule_id in candidates}, number=F("schedule__version")
    ).values_list("shifts", flat=True)
    published_ids = {entry["id"] for shifts in snapshots for entry in shifts if entry.get("agent_id") == agent.pk}
    return (
        Shift.objects.filter(pk__in=published_ids & {pk for pk, _ in candidates})
        .exclude(pk__in=in_open_swaps.values("shift_id"))
        .exclude(pk__in=in_open_swaps.exclude(peer_shift__isnull=True).values("peer_shift_id"))
        .select_related("queue", "schedule")
        .order_by("starts_at")
    )


# --- the approvals inbox ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverlappingShift:
    """A current shift of the agent inside the requested time off; ``is_published`` when it is in the last
    publication of its schedule (agents see it)."""

    shift_id: int
    starts_at: datetime
    ends_at: datetime
    queue_name: str
    is_published: bool


@dataclass(frozen=True)
class TimeOffInboxItem:
    """A pending time-off request: whether it falls on shifts as last published (what the agent sees), and the
    agent's current shifts inside it (what the manager would move, drafts included)."""

    request: TimeOffRequest
    agent_name: str
    overlaps_published_shift: bool
    overlapping_shifts: tuple[OverlappingShift, ...]


@dataclass(frozen=True)
class SwapInboxItem:
    """A swap both agents agreed to, waiting for a manager; ``has_started`` when one of its shifts has begun (it
    can only be rejected)."""

    swap: ShiftSwap
    requester_name: str
    peer_name: str
    has_started: bool


@dataclass(frozen=True)
class Approvals:
    """What waits for the user's decision, oldest first."""

    time_off: tuple[TimeOffInboxItem, ...]
    swaps: tuple[SwapInboxItem, ...]

    @property
    def count(self) -> int:
        return len(self.time_off) + len(self.swaps)


def _time_off_item(
    request: TimeOffRequest,
    live_by_agent: dict[int, list[Shift]],
    published_by_agent: dict[int, list[PublishedShift]],
) -> TimeOffInboxItem:
    def inside(shift: Shift | PublishedShift) -> bool:
        return shift.starts_at < request.ends_at and shift.ends_at > request.starts_at

    published = [shift for shift in published_by_agent.get(request.agent_id, []) if inside(shift)]
    published_ids = {shift.shift_id for shift in published}
    return TimeOffInboxItem(
        request=request,
        agent_name=request.agent.display_name,
        overlaps_published_shift=bool(published),
        overlapping_shifts=tuple(
            OverlappingShift(
                shift_id=shift.pk,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                queue_name=shift.queue.name if shift.queue else "",
                is_published=shift.pk in published_ids,
            )
            for shift in live_by_agent.get(request.agent_id, [])
            if inside(shift)
        ),
    )


def approvals_for(user: Any, *, now: datetime | None = None) -> Approvals:
    """Pending time off and accepted swaps the user may decide (their teams' as a manager, all as an admin).

    Four queries whatever the number of requests (plus the user's roles once): the requests, the current shifts
    they overlap, the published versions of those weeks, the swaps.
    """
    now = now or timezone.now()
    requests = list(
        TimeOffRequest.objects.decidable_by(user)
        .filter(status=RequestStatus.PENDING)
        .select_related("agent__user")
        .order_by("starts_at", "pk")
    )
    live_by_agent: dict[int, list[Shift]] = {}
    published_by_agent: dict[int, list[PublishedShift]] = {}
    if requests:
        overlapping = Q()
        for request in requests:
            overlapping |= Q(agent_id=request.agent_id, starts_at__lt=request.ends_at, ends_at__gt=request.starts_at)
        for shift in Shift.objects.filter(overlapping).select_related("queue").order_by("starts_at"):
            live_by_agent.setdefault(shift.agent_id, []).append(shift)
        agent_ids = {request.agent_id for request in requests}
        for published in published_shifts(
            start=min(request.starts_at for request in requests), end=max(request.ends_at for request in requests)
        ):
            if published.agent_id in agent_ids:
                published_by_agent.setdefault(published.agent_id, []).append(published)
    time_off = tuple(_time_off_item(request, live_by_agent, published_by_agent) for request in requests)
    swaps = tuple(
        SwapInboxItem(
            swap=swap,
            requester_name=swap.requester.display_name,
            peer_name=swap.peer.display_name,
            has_started=swap.shift.starts_at <= now
            or (swap.peer_shift is not None and swap.peer_shift.starts_at <= now),
        )
        for swap in ShiftSwap.objects.decidable_by(user)
        .filter(status=SwapStatus.ACCEPTED)
        .select_related("requester__user", "peer__user", "shift__queue", "peer_shift__queue")
        .order_by("responded_at", "pk")
    )
    return Approvals(time_off=time_off, swaps=swaps)
