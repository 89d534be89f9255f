"""Schedule generation: turn a team's week (templates, agents, rules, requirement) into an optimizer problem, solve
it in the background under a Job, and store the result as the week's draft shifts."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from supportops import services as core_services
from supportops.choices import AgentStatus, JobStatus
from supportops.models import Agent, Job, Queue, Team

from .. import optimizer
from ..grid import AmbiguousLocalTime, NonexistentLocalTime, local_to_utc
from ..models import (
    ActivityKind,
    Availability,
    AvailabilityKind,
    BookedActivity,
    BreakKind,
    RequestStatus,
    Schedule,
    ScheduleRules,
    Shift,
    ShiftActivity,
    ShiftTemplate,
    TimeOffRequest,
)
from ..selectors.shifts import WeekSlots, productivity_for, requirement_for, team_queues, week_slots
from .shifts import day_availability, schedule_for, schedule_rules_for

SCHEDULABLE_STATUSES = (AgentStatus.ACTIVE, AgentStatus.NESTING)
# Stop searching once the schedule is proven within 0.1 % of the best possible: the rest of the time limit would
# buy nothing a manager could notice.
GAP_LIMIT = 0.001
ProgressCallback = Callable[[float, str], None]


@dataclass
class GenerationInput:
    """The optimizer problem for one team week plus what is needed to map its answer back to rows."""

    problem: optimizer.Problem
    slots: WeekSlots
    agents: dict[str, Agent]
    queues: dict[str, Queue]
    templates: dict[str, tuple[ShiftTemplate, list[Any]]]
    booked: dict[str, list[BookedActivity]]
    notes: list[str]
    # Agent key → the share of a fully productive agent they count for on queue (nesting agents below 1).
    productivity: dict[str, float] = field(default_factory=dict)


def _slot_set(slots: WeekSlots, start: datetime, end: datetime) -> set[int]:
    first = max(0, slots.index(start))
    last = min(slots.slot_count, math.ceil((end - slots.starts[0]).total_seconds() / 60 / slots.slot_minutes))
    return set(range(first, last))


def _is_night(start: datetime, end: datetime, zone: Any, rules: ScheduleRules) -> bool:
    """True when any worked minute falls in the team's night window (local time)."""
    night_start = rules.night_starts.hour * 60 + rules.night_starts.minute
    night_end = rules.night_ends.hour * 60 + rules.night_ends.minute
    instant = start
    while instant < end:
        local = instant.astimezone(zone)
        minute = local.hour * 60 + local.minute
        inside = (
            (night_start <= minute or minute < night_end)
            if night_start > night_end
            else night_start <= minute < night_end
        )
        if inside:
            return True
        instant += timedelta(minutes=15)
    return False


def build_generation_input(*, schedule: Schedule) -> GenerationInput:
    """Read everything the optimizer needs for the schedule's team and week in a fixed number of queries."""
    team: Team = schedule.team
    zone = team.zone
    rules = schedule_rules_for(team)
    notes: list[str] = []
    templates = list(ShiftTemplate.objects.filter(team=team, is_active=True).prefetch_related("break_rules"))
    if not templates:
        raise ValidationError({"team": f"{team} has no active shift templates: add some before generating."})
    template_rules = {template.pk: list(template.break_rules.all()) for template in templates}
    longest = max(template.length_minutes(template_rules[template.pk]) for template in templates)
    slots = week_slots(team, schedule.week_start, spill_hours=math.ceil(longest / 60))
    step = slots.slot_minutes

    options: list[optimizer.ShiftOption] = []
    template_by_key: dict[str, tuple[ShiftTemplate, list[Any]]] = {}
    for template in templates:
        breaks = template_rules[template.pk]
        length = template.length_minutes(breaks) // step
        break_specs = tuple(
            optimizer.BreakSpec(
                kind=rule.kind,
                length=rule.duration_minutes // step,
                earliest_start=rule.earliest_start_minutes // step,
                latest_start=rule.latest_start_minutes // step,
            )
            for rule in breaks
        )
        for day in range(7):
            local_day = schedule.week_start + timedelta(days=day)
            if not template.works_on(local_day.weekday()):
                continue
            try:
                start = local_to_utc(datetime.combine(local_day, template.start_time), zone)
            except NonexistentLocalTime:
                notes.append(f"{template.name} is not used on {local_day:%a %d %b}: its start time does not exist.")
                continue
            except AmbiguousLocalTime:
                start = datetime.combine(local_day, template.start_time, tzinfo=zone).astimezone(UTC)
            first = slots.index(start)
            key = f"t{template.pk}d{day}"
            template_by_key[key] = (template, breaks)
            options.append(
                optimizer.ShiftOption(
                    key=key,
                    day=day,
                    start=first,
                    length=length,
                    paid_slots=template.paid_minutes // step,
                    breaks=break_specs,
                    is_night=_is_night(start, start + timedelta(minutes=length * step), zone, rules),
                )
            )

    queues = team_queues(team)
    requirement = requirement_for(queues, slots, team=team)
    notes.extend(requirement.notes)
    queue_skills = {queue.pk: {skill.pk for skill in queue.required_skills.all()} for queue in queues}

    agents = list(
        Agent.objects.filter(team=team, status__in=SCHEDULABLE_STATUSES)
        .select_related("user")
        .prefetch_related("agent_skills")
        .order_by("pk")
    )
    horizon_start, horizon_end = slots.starts[0], slots.starts[-1] + timedelta(minutes=step)
    agent_ids = [agent.pk for agent in agents]
    availability: dict[int, list[Availability]] = {pk: [] for pk in agent_ids}
    for entry in Availability.objects.filter(agent_id__in=agent_ids):
        availability[entry.agent_id].append(entry)
    time_off: dict[int, list[TimeOffRequest]] = {pk: [] for pk in agent_ids}
    for request in TimeOffRequest.objects.filter(
        agent_id__in=agent_ids, status=RequestStatus.APPROVED, starts_at__lt=horizon_end, ends_at__gt=horizon_start
    ):
        time_off[request.agent_id].append(request)
    booked: dict[int, list[BookedActivity]] = {pk: [] for pk in agent_ids}
    for activity in BookedActivity.objects.filter(
        agent_id__in=agent_ids, starts_at__lt=horizon_end, ends_at__gt=horizon_start
    ):
        booked[activity.agent_id].append(activity)
    # Shifts outside this schedule (other weeks, other teams) bound rest and block their time.
    lookback = timedelta(days=8)
    other_shifts: dict[int, list[Shift]] = {pk: [] for pk in agent_ids}
    for shift in Shift.objects.filter(
        agent_id__in=agent_ids, starts_at__lt=horizon_end + lookback, ends_at__gt=horizon_start - lookback
    ).exclude(schedule=schedule):
        other_shifts[shift.agent_id].append(shift)

    staffing = productivity_for(team)
    rest_slots = math.ceil(float(rules.min_rest_hours) * 60 / step)
    specs: list[optimizer.AgentSpec] = []
    for agent in agents:
        skills = {link.skill_id for link in agent.agent_skills.all()}
        groups = tuple(str(queue.pk) for queue in queues if queue_skills[queue.pk] <= skills)
        if not groups:
            notes.append(f"{agent} has the skills for none of the team's queues and is not scheduled.")
            continue
        unavailable: set[int] = set()
        preferred: set[int] = set()
        unpreferred: set[int] = set()
        for day in range(-1, 8):
            local_day = schedule.week_start + timedelta(days=day)
            rules_of_day = day_availability(availability[agent.pk], local_day)
            day_start = datetime.combine(local_day, time(0), tzinfo=zone).astimezone(UTC)
            day_end = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)

            def at(minute: int, day_start: datetime = day_start) -> datetime:
                return day_start + timedelta(minutes=minute)

            for begin, end in rules_of_day.unavailable:
                unavailable |= _slot_set(slots, at(begin), at(end))
            if rules_of_day.working is not None:
                day_slots = _slot_set(slots, day_start, day_end)
                allowed: set[int] = set()
                for begin, end, kind in rules_of_day.working:
                    window = _slot_set(slots, at(begin), at(end))
                    allowed |= window
                    if kind == AvailabilityKind.PREFERRED:
                        preferred |= window
                    elif kind == AvailabilityKind.UNPREFERRED:
                        unpreferred |= window
                unavailable |= day_slots - allowed
        for request in time_off[agent.pk]:
            unavailable |= _slot_set(slots, request.starts_at, request.ends_at)
        earliest_start, latest_end = 0, None
        for shift in other_shifts[agent.pk]:
            unavailable |= _slot_set(slots, shift.starts_at, shift.ends_at)
            if shift.ends_at <= horizon_start + timedelta(hours=24):
                earliest_start = max(earliest_start, slots.index(shift.ends_at) + rest_slots)
            elif shift.starts_at >= horizon_start + timedelta(days=7):
                end_slot = slots.index(shift.starts_at) - rest_slots
                latest_end = end_slot if latest_end is None else min(latest_end, end_slot)
        off_queue: set[int] = set()
        excluded: set[str] = set()
        for activity in booked[agent.pk]:
            held = _slot_set(slots, activity.starts_at, activity.ends_at)
            off_queue |= held
            for option in options:
                span = set(range(option.start, option.start + option.length))
                if span & held and not held <= span:
                    excluded.add(option.key)  # the shift would cut through the booked activity
        worked_before = {
            shift.starts_at.astimezone(zone).date()
            for shift in other_shifts[agent.pk]
            if shift.starts_at < horizon_start
        }
        run, cursor = 0, schedule.week_start - timedelta(days=1)
        while cursor in worked_before:
            run, cursor = run + 1, cursor - timedelta(days=1)
        previous_starts = {}
        for shift in other_shifts[agent.pk]:
            if horizon_start - timedelta(days=7) <= shift.starts_at < horizon_start:
                index = slots.index(shift.starts_at + timedelta(days=7))
                previous_starts[(shift.starts_at.astimezone(zone).date().weekday())] = index
        specs.append(
            optimizer.AgentSpec(
                key=str(agent.pk),
                groups=groups,
                min_paid_slots=int(float(agent.contracted_hours_min) * 60 // step),
                max_paid_slots=int(float(agent.contracted_hours_max) * 60 // step),
                max_days=rules.max_working_days,
                max_consecutive_days=rules.max_consecutive_days,
                unavailable=frozenset(unavailable),
                off_queue=frozenset(off_queue),
                preferred=frozenset(preferred),
                unpreferred=frozenset(unpreferred),
                earliest_start=earliest_start,
                latest_end=latest_end,
                consecutive_days_before=run,
                previous_starts=previous_starts,
                excluded_options=frozenset(excluded),
            )
        )
    problem = optimizer.Problem(
        slot_minutes=step,
        slot_count=slots.slot_count,
        day_count=7,
        requirement={str(queue_id): values for queue_id, values in requirement.by_queue.items()},
        options=tuple(options),
        agents=tuple(specs),
        rules=optimizer.Rules(min_rest_slots=rest_slots, max_simultaneous_breaks=rules.max_simultaneous_breaks),
        weights=optimizer.Weights(
            under_coverage=rules.weight_under_coverage,
            over_coverage=rules.weight_over_coverage,
            preference=rules.weight_preference,
            fairness=rules.weight_fairness,
            stability=rules.weight_stability,
        ),
    )
    return GenerationInput(
        problem=problem,
        slots=slots,
        agents={str(agent.pk): agent for agent in agents},
        queues={str(queue.pk): queue for queue in queues},
        templates=template_by_key,
        booked={str(pk): rows for pk, rows in booked.items()},
        notes=notes,
        productivity={str(agent.pk): staffing.productivity_of(agent.status) for agent in agents},
    )


def report_dict(report: optimizer.Report, *, team: Team, schedule: Schedule, notes: list[str]) -> dict[str, Any]:
    """The optimizer's report as stored on the schedule, printed by the command and returned by the API."""
    data = asdict(report)
    data["unmet_minimum_hours"] = dict(report.unmet_minimum_hours)
    data["notes"] = [*notes, *report.notes]
    return {"team": team.slug, "week": schedule.iso_week, "schedule_id": schedule.pk, **data}


@transaction.atomic
def _store_solution(generation: GenerationInput, solution: optimizer.Solution, schedule: Schedule) -> int:
    slots = generation.slots
    options = {option.key: option for option in generation.problem.options}
    Shift.objects.filter(schedule=schedule).delete()
    shifts: list[Shift] = []
    activities: list[tuple[int, ShiftActivity]] = []
    for assignment in solution.assignments:
        option = options[assignment.option]
        template, rules = generation.templates[assignment.option]
        agent = generation.agents[assignment.agent]
        starts_at = slots.starts[0] + timedelta(minutes=option.start * slots.slot_minutes)
        ends_at = starts_at + timedelta(minutes=option.length * slots.slot_minutes)
        shift = Shift(
            schedule=schedule,
            agent=agent,
            starts_at=starts_at,
            ends_at=ends_at,
            queue=generation.queues[assignment.group],
            template=template,
        )
        shifts.append(shift)
        paid_by_kind = {rule.kind: rule.is_paid for rule in rules}
        for placed in assignment.breaks:
            begin = slots.starts[0] + timedelta(minutes=placed.start * slots.slot_minutes)
            activities.append(
                (
                    len(shifts) - 1,
                    ShiftActivity(
                        kind=ActivityKind.LUNCH if placed.kind == BreakKind.LUNCH else ActivityKind.BREAK,
                        starts_at=begin,
                        ends_at=begin + timedelta(minutes=placed.length * slots.slot_minutes),
                        is_paid=paid_by_kind.get(placed.kind, placed.kind != BreakKind.LUNCH),
                    ),
                )
            )
        for booked in generation.booked.get(assignment.agent, []):
            if booked.starts_at >= starts_at and booked.ends_at <= ends_at:
                activities.append(
                    (
                        len(shifts) - 1,
                        ShiftActivity(
                            kind=booked.kind, starts_at=booked.starts_at, ends_at=booked.ends_at, title=booked.title
                        ),
                    )
                )
    Shift.objects.bulk_create(shifts)
    for index, activity in activities:
        activity.shift = shifts[index]
    ShiftActivity.objects.bulk_create(activity for _, activity in activities)
    return len(shifts)


def _on_queue(
    options: dict[str, optimizer.ShiftOption], agents: dict[str, optimizer.AgentSpec], assignment: optimizer.Assignment
) -> list[int]:
    """The slots an assignment covers its group: the shift minus its breaks and the agent's off-queue slots."""
    option, agent = options[assignment.option], agents[assignment.agent]
    off = set(agent.off_queue)
    for placed in assignment.breaks:
        off.update(range(placed.start, placed.start + placed.length))
    return [slot for slot in range(option.start, option.start + option.length) if slot not in off]


def _solve(generation: GenerationInput, limit: float, progress: ProgressCallback) -> optimizer.Solution:
    """Solve the week. Agents who count for less than a full agent (nesting) are placed first, against the whole
    requirement; what they cover, at their share, is then deducted (rounded down) and the others are placed
    against the rest, with the trainees' breaks counted in the simultaneous-break limit. The report's coverage
    figures count every agent at their share."""
    problem = generation.problem
    share = generation.productivity
    trainees = tuple(agent for agent in problem.agents if share.get(agent.key, 1.0) < 1)
    others = tuple(agent for agent in problem.agents if share.get(agent.key, 1.0) >= 1)
    if not trainees or not others:
        return optimizer.solve(problem, time_limit_seconds=limit, workers=2, progress=progress, gap_limit=GAP_LIMIT)
    first_limit = max(1.0, limit * 0.25)
    first = optimizer.solve(
        replace(problem, agents=trainees),
        time_limit_seconds=first_limit,
        workers=2,
        progress=lambda fraction, message: progress(0.25 * fraction, f"Agents in nesting: {message}"),
        gap_limit=GAP_LIMIT,
    )
    options = {option.key: option for option in problem.options}
    specs = {agent.key: agent for agent in problem.agents}
    covered = {group: [0.0] * problem.slot_count for group in problem.requirement}
    taken = [0] * problem.slot_count
    for assignment in first.assignments:
        for slot in _on_queue(options, specs, assignment):
            covered[assignment.group][slot] += share[assignment.agent]
        for brk in assignment.breaks:
            for slot in range(brk.start, brk.start + brk.length):
                taken[slot] += 1
    rest = {
        group: tuple(max(0, required - math.floor(covered[group][slot] + 1e-9)) for slot, required in enumerate(row))
        for group, row in problem.requirement.items()
    }
    second = optimizer.solve(
        replace(problem, agents=others, requirement=rest, rules=replace(problem.rules, breaks_taken=tuple(taken))),
        time_limit_seconds=max(1.0, limit - first.report.solve_seconds),
        workers=2,
        progress=lambda fraction, message: progress(0.25 + 0.75 * fraction, message),
        gap_limit=GAP_LIMIT,
    )
    assignments = first.assignments + second.assignments
    hours = problem.slot_minutes / 60
    required_total = scheduled_total = under = over = 0.0
    for assignment in second.assignments:
        for slot in _on_queue(options, specs, assignment):
            covered[assignment.group][slot] += 1
    for group, row in problem.requirement.items():
        for slot, required in enumerate(row):
            have = covered[group][slot]
            required_total += required
            scheduled_total += have
            under += max(0.0, required - have)
            over += max(0.0, have - required)
    names = ", ".join(sorted(f"{generation.agents[agent.key]} ({share[agent.key] * 100:g} %)" for agent in trainees))
    report = replace(
        second.report,
        solve_seconds=round(first.report.solve_seconds + second.report.solve_seconds, 2),
        required_hours=round(required_total * hours, 2),
        scheduled_hours=round(scheduled_total * hours, 2),
        under_coverage_hours=round(under * hours, 2),
        over_coverage_hours=round(over * hours, 2),
        preference_violations=first.report.preference_violations + second.report.preference_violations,
        unmet_minimum_hours={**first.report.unmet_minimum_hours, **second.report.unmet_minimum_hours},
        notes=(
            f"Agents in nesting count for part of an agent and were placed first: {names}. Objective, bound and "
            "gap are those of placing the others against what remained.",
            *first.report.notes,
            *second.report.notes,
        ),
    )
    coverage = {group: tuple(int(value) for value in row) for group, row in covered.items()}
    return optimizer.Solution(assignments=assignments, coverage=coverage, report=report)


def schedule_generate(
    *, schedule: Schedule, time_limit_seconds: float | None = None, progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Generate the week's shifts with the optimizer and store them as the schedule's current shifts.

    Replaces the schedule's current shifts (a published schedule then has unpublished changes). Returns the
    report: solver status, solve time, coverage in agent-hours, lower bound and gap.
    """
    schedule = Schedule.objects.select_related("team").get(pk=schedule.pk)
    report_progress = progress or (lambda fraction, message: None)
    report_progress(0.02, "Reading templates, agents and requirements")
    generation = build_generation_input(schedule=schedule)
    rules = schedule_rules_for(schedule.team)
    limit = float(time_limit_seconds or rules.time_limit_seconds)

    def solver_progress(fraction: float, message: str) -> None:
        report_progress(0.05 + 0.9 * fraction, message)

    if not generation.problem.agents:
        raise ValidationError({"team": f"{schedule.team} has no active agents with the skills for its queues."})
    solution = _solve(generation, limit, solver_progress)
    if solution.report.status in {"INFEASIBLE", "MODEL_INVALID", "UNKNOWN"} and not solution.assignments:
        raise ValidationError(
            {"schedule": f"No schedule found ({solution.report.status}): {'; '.join(solution.report.notes)}"}
        )
    report_progress(0.96, "Saving shifts")
    with transaction.atomic():
        count = _store_solution(generation, solution, schedule)
        report = report_dict(solution.report, team=schedule.team, schedule=schedule, notes=generation.notes)
        report["shifts"] = count
        schedule.generation_report = report
        schedule.has_unpublished_changes = schedule.is_published
        schedule.save(update_fields=["generation_report", "has_unpublished_changes", "updated_at"])
    return report


def schedule_generate_request(
    *, team: Team, week_start: Any, user: Any, time_limit_seconds: float | None = None
) -> tuple[Schedule, Job]:
    """Queue the generation of a team week under a Job (progress shown while it runs). One at a time per week."""
    if time_limit_seconds is not None and not 1 <= time_limit_seconds <= 600:
        raise ValidationError({"time_limit": "Give a time limit between 1 and 600 seconds."})
    with transaction.atomic():
        schedule = schedule_for(team=team, week_start=week_start)
        schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
        running = schedule.generation_job
        if running is not None and running.status in {JobStatus.QUEUED, JobStatus.RUNNING}:
            raise ValidationError({"schedule": "This week is already being generated; wait for it to finish."})
        job = core_services.job_create(
            kind="schedule_generation",
            created_by=user if getattr(user, "is_authenticated", False) else None,
            parameters={"schedule_id": schedule.pk, "time_limit_seconds": time_limit_seconds},
        )
        schedule.generation_job = job
        schedule.save(update_fields=["generation_job", "updated_at"])
        from ..tasks import generate_schedule

        transaction.on_commit(lambda: generate_schedule.delay(job.pk))
    return schedule, job


def schedule_generate_job(*, job_id: int) -> Job:
    """Run a queued generation job (the task calls this); idempotent through ``job_run``."""
    job = Job.objects.get(pk=job_id)
    schedule = Schedule.objects.get(pk=job.parameters["schedule_id"])
    limit = job.parameters.get("time_limit_seconds")
    return core_services.job_run(
        job_id=job_id,
        work=lambda progress: schedule_generate(schedule=schedule, time_limit_seconds=limit, progress=progress),
    )
