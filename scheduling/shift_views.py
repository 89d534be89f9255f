"""Schedule pages: the manager's board of a team week, the agent's "My schedule", and the managers' approvals inbox.

The board and the inbox are for admins and managers (a manager sees only the teams they manage: another team is a
404); everyone else gets a 403 page. "My schedule" is for anyone with an agent profile and shows only what was
last published. Every write goes through one service; a refused write shows its reasons on the form it came from
(400) and stores nothing. Forms post plainly and redirect on success; htmx only adds the live rule check of the
shift editor, the editor drawer itself, the week navigation and the generation progress bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supportops import access
from supportops import selectors as core_selectors
from supportops.choices import AgentStatus, JobStatus
from supportops.models import Agent, Job, Queue, Team

from . import selectors, services
from .forms import CapacityWeek, WeekDay, iso_week, parse_iso_week
from .grid import PlanningGrid
from .models import (
    OPEN_SWAP_STATUSES,
    CalendarFeed,
    Schedule,
    ScheduleRules,
    ScheduleVersion,
    Shift,
    ShiftSwap,
    ShiftTemplate,
    SwapStatus,
    TimeOffRequest,
)
from .shift_forms import DecisionForm, GenerateForm, PublishForm, ShiftForm, SwapProposeForm, TimeOffForm
from .templatetags.schedule_ui import shift_view_of

DEFAULT_SHIFT = (time(9, 0), timedelta(hours=8))
RECENT_SWAPS = 10
RECENT_TIME_OFF = 20


def manager_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; admins and managers only (a 403 page for everyone else)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (access.is_admin(request.user) or access.is_manager(request.user)):
            has_agent = core_selectors.agent_for_user(request.user) is not None
            return render(request, "scheduling/schedule/forbidden.html", {"has_agent": has_agent}, status=403)
        return view(request, *args, **kwargs)

    return login_required(guarded)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def board_url(team: Team, week: str = "", **extra: Any) -> str:
    """The board of a team week (``/schedule/?team=alpha&week=2026-W50``)."""
    params: dict[str, Any] = {"team": team.slug}
    if week:
        params["week"] = week
    params.update({name: value for name, value in extra.items() if value not in (None, "")})
    return f"{reverse('schedule-board')}?{urlencode(params)}"


def _teams(user: Any) -> list[Team]:
    """The teams the user schedules (all for admins), by name, with market and rules."""
    return list(Team.objects.editable_by(user).select_related("market", "schedule_rules").order_by("name"))


def _team_or_404(teams: list[Team], slug: str | None) -> Team:
    team = next((candidate for candidate in teams if candidate.slug == slug), None)
    if team is None:
        raise Http404("You do not schedule that team.")
    return team


def _managed_team_or_404(user: Any, slug: str | None) -> Team:
    team = Team.objects.editable_by(user).select_related("market", "schedule_rules").filter(slug=slug or "").first()
    if team is None:
        raise Http404("You do not schedule that team.")
    return team


def _week_of(team: Team, monday: date) -> CapacityWeek:
    return CapacityWeek.of(monday, PlanningGrid(team.zone.key, team.planning_interval_minutes))


def _posted_week(request: HttpRequest, team: Team) -> CapacityWeek:
    """The week posted with a form; a malformed one is a 404 (forms always post the week they were shown)."""
    try:
        return _week_of(team, parse_iso_week(request.POST.get("week", "")))
    except ValueError:
        raise Http404("No such week.") from None


def _rules_time_limit(team: Team) -> int:
    try:
        return int(team.schedule_rules.time_limit_seconds)
    except ScheduleRules.DoesNotExist:
        return int(ScheduleRules._meta.get_field("time_limit_seconds").get_default())


def _queues(team: Team) -> list[Queue]:
    return list(Queue.objects.filter(teams=team, is_active=True).order_by("name"))


def _team_agents(team: Team) -> list[Agent]:
    """The team's agents who may be scheduled (all but those who left), by name."""
    return list(Agent.objects.filter(team=team).exclude(status=AgentStatus.EXITED).select_related("user"))


# --- the board -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardCell:
    """One agent's local day: the shifts starting on it."""

    day: WeekDay
    shifts: list[Shift]


@dataclass(frozen=True)
class BoardRow:
    """One agent's week: a cell per local day and the paid hours scheduled."""

    agent: Agent
    cells: list[BoardCell]
    paid_hours: float

    @property
    def is_outside_contract(self) -> bool:
        """True when the week's paid hours fall outside the agent's contracted range."""
        if not self.paid_hours:
            return False
        return not float(self.agent.contracted_hours_min) <= self.paid_hours <= float(self.agent.contracted_hours_max)


@dataclass
class ShiftEditor:
    """The shift editor drawer: a new shift (for an agent and day) or an existing one, and its form."""

    form: ShiftForm
    team: Team
    week: CapacityWeek
    shift: Shift | None = None
    agent: Agent | None = None

    @property
    def title(self) -> str:
        if self.shift is not None:
            return f"{self.shift.agent.display_name}'s shift"
        return f"New shift for {self.agent.display_name}" if self.agent is not None else "New shift"

    @property
    def close_url(self) -> str:
        return board_url(self.team, self.week.iso)


@dataclass
class Board:
    """Everything the board shows for one team week."""

    teams: list[Team]
    team: Team
    week: CapacityWeek
    schedule: Schedule | None
    rows: list[BoardRow]
    coverage: selectors.Coverage
    versions: list[ScheduleVersion]
    ignored: list[str] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return self.team.zone

    @property
    def url(self) -> str:
        return board_url(self.team, self.week.iso)

    @property
    def previous_url(self) -> str:
        return board_url(self.team, self.week.previous_iso)

    @property
    def next_url(self) -> str:
        return board_url(self.team, self.week.next_iso)

    @property
    def shift_count(self) -> int:
        return sum(len(cell.shifts) for row in self.rows for cell in row.cells)

    @property
    def day_counts(self) -> list[int]:
        """Agents with a shift starting on each local day."""
        return [sum(1 for row in self.rows if row.cells[index].shifts) for index in range(len(self.week.days))]

    @property
    def job(self) -> Job | None:
        return self.schedule.generation_job if self.schedule is not None else None

    @property
    def shows_job(self) -> bool:
        """A generation still running (or failed since the last report) is shown with its progress bar."""
        job = self.job
        return job is not None and (not job.is_finished or job.status == JobStatus.FAILED)

    @property
    def report(self) -> dict[str, Any] | None:
        return self.schedule.generation_report if self.schedule is not None else None

    @property
    def export_urls(self) -> dict[str, str]:
        base = reverse("scheduling-api:schedule-export")
        return {
            extension: f"{base}?{urlencode({'team': self.team.slug, 'week': self.week.iso, 'format': extension})}"
            for extension in ("csv", "xlsx")
        }


def _paid_hours(shift: Shift) -> float:
    unpaid = sum((a.ends_at - a.starts_at).total_seconds() for a in shift.activities.all() if not a.is_paid)
    return ((shift.ends_at - shift.starts_at).total_seconds() - unpaid) / 3600


def _rows(week: CapacityWeek, agents: list[Agent], shifts: list[Shift]) -> list[BoardRow]:
    """A row per agent (the team's, then anyone else holding a shift that week), a cell per local day."""
    by_agent: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_agent.setdefault(shift.agent_id, []).append(shift)
    everyone = list(agents)
    known = {agent.pk for agent in agents}
    for shift in shifts:
        if shift.agent_id not in known:
            known.add(shift.agent_id)
            everyone.append(shift.agent)
    rows = []
    for agent in everyone:
        own = by_agent.get(agent.pk, [])
        cells = [
            BoardCell(day=day, shifts=[shift for shift in own if day.start <= shift.starts_at < day.end])
            for day in week.days
        ]
        rows.append(BoardRow(agent=agent, cells=cells, paid_hours=round(sum(_paid_hours(s) for s in own), 2)))
    return rows


def _board(user: Any, params: Any) -> Board | None:
    """Resolve the team (404 outside the user's teams) and week asked for, and read the week."""
    teams = _teams(user)
    if not teams:
        return None
    team = _team_or_404(teams, params.get("team")) if params.get("team") else teams[0]
    ignored: list[str] = []
    monday: date | None = None
    if params.get("week"):
        try:
            monday = parse_iso_week(params["week"])
        except ValueError as error:
            ignored.append(f"Week: {error}, so next week is shown.")
    if monday is None:
        monday = services.week_start_of(team, timezone.now()) + timedelta(days=7)
    week = _week_of(team, monday)
    schedule = (
        Schedule.objects.select_related("generation_job", "published_by").filter(team=team, week_start=monday).first()
    )
    shifts = list(selectors.schedule_shifts(schedule)) if schedule is not None else []
    versions = (
        list(schedule.versions.defer("shifts").select_related("published_by").order_by("-number"))
        if schedule is not None and schedule.is_published
        else []
    )
    return Board(
        teams=teams,
        team=team,
        week=week,
        schedule=schedule,
        rows=_rows(week, _team_agents(team), shifts),
        coverage=selectors.coverage_for(team=team, week_start=monday),
        versions=versions,
        ignored=ignored,
    )


def _render_board(
    request: HttpRequest,
    params: Any,
    *,
    editor: ShiftEditor | None = None,
    generate_form: GenerateForm | None = None,
    publish_form: PublishForm | None = None,
    status: int = 200,
) -> HttpResponse:
    board = _board(request.user, params)
    if board is None:
        return render(request, "scheduling/schedule/board.html", {"board": None}, status=status)
    if editor is None:
        editor = _editor_from_params(request, board, params)
    context = {
        "board": board,
        "week": board.week,
        "viewer_zone": board.zone,
        "editor": editor,
        "generate_form": generate_form or GenerateForm(default_seconds=_rules_time_limit(board.team)),
        "publish_form": publish_form or PublishForm(),
    }
    return render(request, "scheduling/schedule/board.html", context, status=status)


def _editor_from_params(request: HttpRequest, board: Board, params: Any) -> ShiftEditor | None:
    """The editor a plain link opens (``&shift=ID`` or ``&agent=ID&day=YYYY-MM-DD``), without htmx."""
    if params.get("shift"):
        shift = _shift_or_404(request.user, params["shift"])
        return _edit_editor(shift, board.team, board.week)
    if params.get("agent") and params.get("day"):
        return _new_editor(board.team, board.week, params.get("agent"), params.get("day"))
    return None


def _int_or_404(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


def _shift_or_404(user: Any, pk: Any) -> Shift:
    return get_object_or_404(
        Shift.objects.editable_by(user).select_related(
            "agent__user", "agent__team__market", "queue", "schedule__team__market"
        ),
        pk=_int_or_404(pk),
    )


def _local_input(instant: datetime, zone: ZoneInfo) -> datetime:
    """What a ``datetime-local`` control shows for an instant: its wall-clock time in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _edit_editor(shift: Shift, team: Team, week: CapacityWeek) -> ShiftEditor:
    zone = team.zone
    form = ShiftForm(
        initial={
            "starts_at": _local_input(shift.starts_at, zone),
            "ends_at": _local_input(shift.ends_at, zone),
            "queue": shift.queue_id,
        },
        zone=zone,
        queues=_queues(team),
    )
    return ShiftEditor(form=form, team=team, week=week, shift=shift, agent=shift.agent)


def _new_editor(team: Team, week: CapacityWeek, agent_id: Any, day_text: Any) -> ShiftEditor:
    """A new shift for an agent on a day, at the team's first template's hours (else 09:00 for 8 hours)."""
    agents = _team_agents(team)
    agent = next((candidate for candidate in agents if str(candidate.pk) == str(agent_id)), None)
    try:
        day = date.fromisoformat(str(day_text or ""))
    except ValueError:
        day = week.monday
    template = ShiftTemplate.objects.filter(team=team, is_active=True).prefetch_related("break_rules").first()
    start, length = (template.start_time, timedelta(minutes=template.length_minutes())) if template else DEFAULT_SHIFT
    starts = datetime.combine(day, start)  # noqa: DTZ001 - a wall-clock time of the team's zone, for the control
    form = ShiftForm(
        initial={"agent": agent.pk if agent else None, "starts_at": starts, "ends_at": starts + length},
        zone=team.zone,
        queues=_queues(team),
        agents=agents,
    )
    return ShiftEditor(form=form, team=team, week=week, agent=agent)


@require_GET
@manager_page
def board(request: HttpRequest) -> HttpResponse:
    """The board of a team week (``?team=SLUG&week=YYYY-Www``; default: the first team, next week)."""
    return _render_board(request, request.GET)


@require_http_methods(["GET", "POST"])
@manager_page
def shift_new(request: HttpRequest) -> HttpResponse:
    """GET: the editor of a new shift (an htmx fragment). POST: add the shift; errors re-open the editor."""
    if request.method == "GET":
        team = _managed_team_or_404(request.user, request.GET.get("team"))
        week = _week_of(team, services.week_start_of(team, _day_or_404(request.GET.get("day"))))
        editor = _new_editor(team, week, request.GET.get("agent"), request.GET.get("day"))
        if not _is_htmx(request):
            return redirect(
                board_url(team, week.iso, agent=request.GET.get("agent"), day=request.GET.get("day")) + "#shift-editor"
            )
        return render(request, "scheduling/schedule/_shift_editor.html", {"editor": editor, "viewer_zone": team.zone})
    team = _managed_team_or_404(request.user, request.POST.get("team"))
    week = _posted_week(request, team)
    agents = _team_agents(team)
    form = ShiftForm(request.POST, zone=team.zone, queues=_queues(team), agents=agents)
    if form.is_valid():
        agent = form.cleaned_data["agent"]
        try:
            shift = services.shift_create(
                agent=agent,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                queue=form.cleaned_data["queue"],
                user=request.user,
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            view = shift_view_of(shift, team.zone)
            messages.success(request, f"Shift added: {agent.display_name}, {view.label}.")
            return redirect(board_url(team, iso_week(services.week_start_of(team, shift.starts_at))))
    chosen = next((agent for agent in agents if str(agent.pk) == request.POST.get("agent")), None)
    editor = ShiftEditor(form=form, team=team, week=week, agent=chosen)
    return _render_board(request, {"team": team.slug, "week": week.iso}, editor=editor, status=400)


def _day_or_404(text: str | None) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise Http404("No such day.") from None


@require_http_methods(["GET", "POST"])
@manager_page
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the editor of a shift (an htmx fragment). POST: save its new times and queue."""
    shift = _shift_or_404(request.user, pk)
    team = shift.schedule.team
    week = _week_of(team, shift.schedule.week_start)
    if request.method == "GET":
        if not _is_htmx(request):
            return redirect(board_url(team, week.iso, shift=shift.pk) + "#shift-editor")
        editor = _edit_editor(shift, team, week)
        return render(request, "scheduling/schedule/_shift_editor.html", {"editor": editor, "viewer_zone": team.zone})
    form = ShiftForm(request.POST, zone=team.zone, queues=_queues(team))
    if form.is_valid():
        try:
            shift = services.shift_update(
                shift=shift,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                queue=form.cleaned_data["queue"],
                user=request.user,
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            view = shift_view_of(shift, team.zone)
            messages.success(request, f"Shift saved: {shift.agent.display_name}, {view.label}.")
            return redirect(board_url(team, week.iso))
    editor = ShiftEditor(form=form, team=team, week=week, shift=shift, agent=shift.agent)
    return _render_board(request, {"team": team.slug, "week": week.iso}, editor=editor, status=400)


@require_POST
@manager_page
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a shift (a published week then has changes to publish)."""
    shift = _shift_or_404(request.user, pk)
    team = shift.schedule.team
    week = iso_week(shift.schedule.week_start)
    label = shift_view_of(shift, team.zone).label
    services.shift_delete(shift=shift, user=request.user)
    messages.success(request, f"Shift removed: {shift.agent.display_name}, {label}.")
    return redirect(board_url(team, week))


@require_POST
@manager_page
def shift_check(request: HttpRequest) -> HttpResponse:
    """The live rule check of the shift editor: every hard rule the shift as typed would break (nothing saved)."""
    team = _managed_team_or_404(request.user, request.POST.get("team"))
    shift = _shift_or_404(request.user, request.POST["shift"]) if request.POST.get("shift") else None
    if shift is not None and shift.schedule.team_id != team.pk:
        raise Http404("That shift is of another team.")
    form = ShiftForm(request.POST, zone=team.zone, queues=_queues(team), agents=None if shift else _team_agents(team))
    problems: list[str] = []
    if not form.is_valid():
        problems = form.problems()
    else:
        agent = shift.agent if shift is not None else form.cleaned_data["agent"]
        starts_at, ends_at = form.cleaned_data["starts_at"], form.cleaned_data["ends_at"]
        found = services.shift_change_problems(
            agent=agent, starts_at=starts_at, ends_at=ends_at, queue=form.cleaned_data["queue"], shift=shift
        )
        problems = [message for messages_of_field in found.values() for message in messages_of_field]
    return render(request, "scheduling/schedule/_shift_check.html", {"problems": problems, "checked": True})


@require_POST
@manager_page
def generate(request: HttpRequest) -> HttpResponse:
    """Queue the generation of the week; htmx gets the job's progress bar (which reloads the board when done)."""
    team = _managed_team_or_404(request.user, request.POST.get("team"))
    week = _posted_week(request, team)
    form = GenerateForm(request.POST, default_seconds=_rules_time_limit(team))
    if form.is_valid():
        try:
            _, job = services.schedule_generate_request(
                team=team,
                week_start=week.monday,
                user=request.user,
                time_limit_seconds=form.cleaned_data["time_limit_seconds"],
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            next_url = board_url(team, week.iso)
            if not _is_htmx(request):
                return redirect(next_url)
            # Read afresh: in eager mode the job already ran when the request committed.
            job = Job.objects.get(pk=job.pk)
            context = {
                "team": team,
                "week": week,
                "generate_form": GenerateForm(default_seconds=_rules_time_limit(team)),
                "job": job,
                "next_url": next_url,
            }
            return render(request, "scheduling/schedule/_generate.html", context)
    if _is_htmx(request):
        context = {"team": team, "week": week, "generate_form": form}
        return render(request, "scheduling/schedule/_generate.html", context)
    return _render_board(request, {"team": team.slug, "week": week.iso}, generate_form=form, status=400)


@require_POST
@manager_page
def publish(request: HttpRequest) -> HttpResponse:
    """Publish the week as its next version; the agents it concerns are e-mailed."""
    team = _managed_team_or_404(request.user, request.POST.get("team"))
    week = _posted_week(request, team)
    form = PublishForm(request.POST)
    if form.is_valid():
        schedule = Schedule.objects.filter(team=team, week_start=week.monday).first()
        if schedule is None:
            form.add_error(None, "There are no shifts to publish.")
        else:
            try:
                version = services.schedule_publish(
                    schedule=schedule, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                notified = len(version.notified_agent_ids)
                messages.success(
                    request,
                    f"Version {version.number} of {team.name}'s week {week.number} is published; "
                    f"{notified} agent{pluralize(notified)} notified by e-mail.",
                )
                return redirect(board_url(team, week.iso))
    return _render_board(request, {"team": team.slug, "week": week.iso}, publish_form=form, status=400)


# --- my schedule -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftGroup:
    """Published shifts of one week of the agent's, as the page lists them."""

    title: str
    shifts: list[Any]


@dataclass
class MySchedule:
    """Everything "My schedule" shows an agent."""

    agent: Agent
    now: datetime
    groups: list[ShiftGroup]
    offered_to_me: list[ShiftSwap]
    my_swaps: list[ShiftSwap]
    time_off: list[TimeOffRequest]
    feed: CalendarFeed | None
    feed_url: str
    webcal_url: str
    swap_form: SwapProposeForm
    time_off_form: TimeOffForm
    open_swap_by_shift: dict[int, ShiftSwap]

    @property
    def zone(self) -> ZoneInfo:
        return self.agent.zone

    @property
    def has_shifts(self) -> bool:
        return any(group.shifts for group in self.groups)


def _my_agent(user: Any) -> Agent | None:
    return core_selectors.agent_for_user(user)


def _my_agent_or_404(user: Any) -> Agent:
    agent = _my_agent(user)
    if agent is None:
        raise Http404("You have no agent profile.")
    return agent


def _week_groups(agent: Agent, shifts: list[Any], now: datetime) -> list[ShiftGroup]:
    zone = agent.zone
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    next_monday = this_monday + timedelta(days=7)
    groups: dict[str, list[Any]] = {"This week": [], "Next week": [], "Later": []}
    for shift in shifts:
        day = shift.starts_at.astimezone(zone).date()
        key = "This week" if day < next_monday else "Next week" if day < next_monday + timedelta(days=7) else "Later"
        groups[key].append(shift)
    return [ShiftGroup(title=title, shifts=items) for title, items in groups.items() if items or title != "Later"]


def _as_published(shifts: list[Shift]) -> list[selectors.PublishedShift]:
    """The shifts as last published (what the agent sees), in start order."""
    published = selectors.published_versions_of(shifts)
    return sorted((published[shift.pk] for shift in shifts if shift.pk in published), key=lambda item: item.starts_at)


def _swap_form(agent: Agent, now: datetime, data: Any = None) -> SwapProposeForm:
    """The swap form: my future published shifts in no open swap, my teammates, and their future published shifts
    in no open swap."""
    busy = set()
    for shift_id, peer_shift_id in ShiftSwap.objects.filter(
        status__in=OPEN_SWAP_STATUSES, requester__team_id=agent.team_id
    ).values_list("shift_id", "peer_shift_id"):
        busy.update({shift_id, peer_shift_id})
    peer_shifts = [
        shift
        for shift in selectors.published_shifts(team=agent.team, start=now)
        if shift.agent_id != agent.pk and shift.starts_at > now and shift.shift_id not in busy
    ]
    return SwapProposeForm(
        data,
        zone=agent.zone,
        my_shifts=_as_published(list(selectors.swappable_shifts(agent=agent, now=now))),
        peers=list(selectors.swap_peer_choices(agent=agent)),
        peer_shifts=peer_shifts,
    )


def _my_schedule(
    request: HttpRequest,
    agent: Agent,
    *,
    swap_form: SwapProposeForm | None = None,
    time_off_form: TimeOffForm | None = None,
) -> MySchedule:
    user = request.user
    now = timezone.now()
    shifts = selectors.published_shifts(agent=agent, start=now)
    mine = selectors.swap_list(user=user).filter(Q(requester=agent) | Q(peer=agent))
    offered_to_me = list(mine.filter(peer=agent, status=SwapStatus.PROPOSED))
    my_swaps = list(mine.exclude(peer=agent, status=SwapStatus.PROPOSED)[:RECENT_SWAPS])
    selectors.swaps_as_published([*offered_to_me, *my_swaps])
    feed = selectors.calendar_feed_list(user=user).filter(agent=agent, revoked_at__isnull=True).first()
    feed_url = webcal_url = ""
    if feed is not None:
        feed_url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    open_swap_by_shift = {
        swap.shift_id: swap for swap in [*offered_to_me, *my_swaps] if swap.status in OPEN_SWAP_STATUSES
    }
    open_swap_by_shift.update(
        {
            swap.peer_shift_id: swap
            for swap in [*offered_to_me, *my_swaps]
            if swap.status in OPEN_SWAP_STATUSES and swap.peer_shift_id
        }
    )
    return MySchedule(
        agent=agent,
        now=now,
        groups=_week_groups(agent, shifts, now),
        offered_to_me=offered_to_me,
        my_swaps=my_swaps,
        time_off=list(selectors.time_off_list(user=user).filter(agent=agent)[:RECENT_TIME_OFF]),
        feed=feed,
        feed_url=feed_url,
        webcal_url=webcal_url,
        swap_form=swap_form or _swap_form(agent, now),
        time_off_form=time_off_form or TimeOffForm(zone=agent.zone),
        open_swap_by_shift=open_swap_by_shift,
    )


def _render_my_schedule(
    request: HttpRequest,
    agent: Agent | None,
    *,
    swap_form: SwapProposeForm | None = None,
    time_off_form: TimeOffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if agent is None:
        is_manager = access.is_admin(request.user) or access.is_manager(request.user)
        return render(request, "scheduling/schedule/my_schedule.html", {"page": None, "is_manager": is_manager})
    page = _my_schedule(request, agent, swap_form=swap_form, time_off_form=time_off_form)
    context = {"page": page, "viewer_zone": page.zone}
    return render(request, "scheduling/schedule/my_schedule.html", context, status=status)


@require_GET
@login_required
def my_schedule(request: HttpRequest) -> HttpResponse:
    """The signed-in agent's published shifts, time off, swaps and calendar link."""
    return _render_my_schedule(request, _my_agent(request.user))


def _my_schedule_url(anchor: str = "") -> str:
    return reverse("my-schedule") + (f"#{anchor}" if anchor else "")


@require_POST
@login_required
def my_time_off_request(request: HttpRequest) -> HttpResponse:
    """Ask for time off (whole days, or part of a day when times are given), in the agent's own zone."""
    agent = _my_agent_or_404(request.user)
    form = TimeOffForm(request.POST, zone=agent.zone)
    if form.is_valid():
        try:
            time_off = services.time_off_request(
                agent=agent,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                user=request.user,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            note = (
                " It falls on a published shift: your manager will see that."
                if time_off.overlaps_published_shift
                else ""
            )
            messages.success(request, f"Time off requested; your manager decides.{note}")
            return redirect(_my_schedule_url("time-off"))
    return _render_my_schedule(request, agent, time_off_form=form, status=400)


def _refused(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


@require_POST
@login_required
def my_time_off_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw one of my pending or approved requests before it starts."""
    agent = _my_agent_or_404(request.user)
    time_off = get_object_or_404(TimeOffRequest.objects.filter(agent=agent).select_related("agent__user"), pk=pk)
    try:
        services.time_off_cancel(request=time_off, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, "Time-off request cancelled.")
    return redirect(_my_schedule_url("time-off"))


@require_POST
@login_required
def my_swap_propose(request: HttpRequest) -> HttpResponse:
    """Offer one of my future published shifts to a teammate, for one of theirs or for nothing."""
    agent = _my_agent_or_404(request.user)
    now = timezone.now()
    form = _swap_form(agent, now, data=request.POST)
    if form.is_valid():
        shift = Shift.objects.filter(pk=form.cleaned_data["shift"], agent=agent).first()
        peer_shift_id = form.cleaned_data["peer_shift"]
        peer_shift = Shift.objects.filter(pk=peer_shift_id).first() if peer_shift_id else None
        if shift is None:
            form.add_error("shift", "This shift no longer exists.")
        elif peer_shift_id and peer_shift is None:
            form.add_error("peer_shift", "This shift no longer exists.")
        else:
            try:
                services.swap_propose(
                    requester_user=request.user,
                    shift=shift,
                    peer=form.cleaned_data["peer"],
                    peer_shift=peer_shift,
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                form.apply_service_errors(error)
            else:
                messages.success(
                    request, f"Swap proposed to {form.cleaned_data['peer'].display_name}; they accept or refuse it."
                )
                return redirect(_my_schedule_url("swaps"))
    return _render_my_schedule(request, agent, swap_form=form, status=400)


def _swap_answer(
    request: HttpRequest, pk: int, *, as_peer: bool, action: Callable[..., ShiftSwap], done: str
) -> HttpResponse:
    agent = _my_agent_or_404(request.user)
    swaps = ShiftSwap.objects.filter(peer=agent) if as_peer else ShiftSwap.objects.filter(requester=agent)
    swap = get_object_or_404(swaps.select_related("requester__user", "peer__user"), pk=pk)
    try:
        action(swap=swap, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, done)
    return redirect(_my_schedule_url("swaps"))


@require_POST
@login_required
def my_swap_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a swap a teammate offered me; a manager then approves it."""
    return _swap_answer(
        request, pk, as_peer=True, action=services.swap_accept, done="Swap accepted; a manager now approves it."
    )


@require_POST
@login_required
def my_swap_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """Refuse a swap a teammate offered me."""
    return _swap_answer(request, pk, as_peer=True, action=services.swap_refuse, done="Swap refused.")


@require_POST
@login_required
def my_swap_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a swap I proposed while it is open."""
    return _swap_answer(request, pk, as_peer=False, action=services.swap_cancel, done="Swap withdrawn.")


@require_POST
@login_required
def my_calendar_create(request: HttpRequest) -> HttpResponse:
    """Create my private calendar link (any earlier link of mine stops working)."""
    agent = _my_agent_or_404(request.user)
    try:
        services.calendar_feed_create(owner=request.user, agent=agent)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, "Calendar link created: add it to your calendar app to see your shifts there.")
    return redirect(_my_schedule_url("calendar"))


@require_POST
@login_required
def my_calendar_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke my calendar link: its URL stops working at once."""
    feed = get_object_or_404(CalendarFeed.objects.filter(owner_id=request.user.pk), pk=pk)
    services.calendar_feed_revoke(feed=feed, user=request.user)
    messages.success(request, "Calendar link revoked: calendar apps can no longer read it.")
    return redirect(_my_schedule_url("calendar"))


# --- approvals -------------------------------------------------------------------------------------------------


def _attach_teams(agents: list[Agent]) -> None:
    """Give each agent its team (with market) from one query, so their zones cost nothing more."""
    teams = Team.objects.select_related("market").in_bulk({agent.team_id for agent in agents})
    for agent in agents:
        agent.team = teams[agent.team_id]


def _render_approvals(
    request: HttpRequest, *, errors: dict[tuple[str, int], list[str]] | None = None, status: int = 200
) -> HttpResponse:
    approvals = selectors.approvals_for(request.user)
    agents = [item.request.agent for item in approvals.time_off]
    for swap_item in approvals.swaps:
        agents.extend([swap_item.swap.requester, swap_item.swap.peer])
    if agents:
        _attach_teams(agents)
    shown = {("time-off", item.request.pk) for item in approvals.time_off} | {
        ("swap", item.swap.pk) for item in approvals.swaps
    }
    context = {
        "approvals": approvals,
        # a request decided meanwhile is no longer listed: its error is shown above the lists
        "other_errors": [message for key, found in (errors or {}).items() if key not in shown for message in found],
        "time_off_errors": {pk: found for (kind, pk), found in (errors or {}).items() if kind == "time-off"},
        "swap_errors": {pk: found for (kind, pk), found in (errors or {}).items() if kind == "swap"},
        "several_teams": len({agent.team_id for agent in agents}) > 1,
    }
    return render(request, "scheduling/schedule/approvals.html", context, status=status)


@require_GET
@manager_page
def approvals(request: HttpRequest) -> HttpResponse:
    """Pending time off and accepted swaps of the user's teams, oldest first."""
    return _render_approvals(request)


@require_POST
@manager_page
def time_off_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or decline a pending time-off request, with an optional note to the agent."""
    time_off = get_object_or_404(
        TimeOffRequest.objects.decidable_by(request.user).select_related("agent__user", "agent__team"), pk=pk
    )
    form = DecisionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["decision"] not in ("approve", "decline"):
        return _render_approvals(request, errors={("time-off", pk): ["Approve or decline."]}, status=400)
    note = form.cleaned_data["note"]
    name = time_off.agent.display_name
    try:
        if form.cleaned_data["decision"] == "approve":
            approval = services.time_off_approve(request=time_off, user=request.user, note=note)
            still = len(approval.overlapping_shifts)
            extra = (
                f" {name} still has {still} shift{pluralize(still)} in that time: move or remove "
                f"{'them' if still > 1 else 'it'} on the board."
                if still
                else ""
            )
            messages.success(request, f"Time off approved for {name}.{extra}")
        else:
            services.time_off_decline(request=time_off, user=request.user, note=note)
            messages.success(request, f"Time off declined for {name}.")
    except ValidationError as error:
        return _render_approvals(request, errors={("time-off", pk): error.messages}, status=400)
    return redirect("schedule-approvals")


@require_POST
@manager_page
def swap_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (every hard rule checked again for both agents) or reject a swap both agents agreed to."""
    swap = get_object_or_404(
        ShiftSwap.objects.decidable_by(request.user).select_related("requester__user", "peer__user"), pk=pk
    )
    form = DecisionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["decision"] not in ("approve", "reject"):
        return _render_approvals(request, errors={("swap", pk): ["Approve or reject."]}, status=400)
    note = form.cleaned_data["note"]
    names = f"{swap.requester.display_name} and {swap.peer.display_name}"
    try:
        if form.cleaned_data["decision"] == "approve":
            services.swap_approve(swap=swap, user=request.user, note=note)
            messages.success(request, f"Swap between {names} approved; the schedule is updated and both are e-mailed.")
        else:
            services.swap_reject(swap=swap, user=request.user, note=note)
            messages.success(request, f"Swap between {names} rejected.")
    except ValidationError as error:
        return _render_approvals(request, errors={("swap", pk): error.messages}, status=400)
    return redirect("schedule-approvals")
