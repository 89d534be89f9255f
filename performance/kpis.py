"""Support KPIs of an agent, a team, a market or a queue over a period, by database aggregation.

Definitions (all over conversations *created* in ``[start, end)``, times in seconds):

- contacts: conversations handled;
- AHT: mean ``handle_time_seconds`` where known;
- first response time (FRT): ``first_response_at − created_at`` of the answered conversations, median and p90;
- resolution time: ``resolved_at − created_at`` of the resolved conversations, median;
- percentiles are *nearest-rank*: of the ``n`` values in ascending order, the ``p``-th percentile is the value of
  rank ``⌈p/100 × n⌉`` (1-based), so the median of 1, 2, 3, 4 is 2 and the p90 of ten values is the ninth; the
  database returns it with ``ORDER BY … LIMIT 1 OFFSET rank − 1`` (one query per percentile, on any database);
- first-contact resolution (FCR): share of the resolved conversations never reopened (``reopen_count = 0``), %;
- CSAT: share of rated conversations scored 4-5 (%), and the mean score;
- IQS: mean score of submitted standard QA reviews *submitted* in the period (``performance.selectors``);
- adherence: adherent over scheduled minutes of published shifts. An agent's is computed live from their shifts
  and state events (``scheduling.selectors.adherence``) for periods up to ``MAX_ADHERENCE_DAYS`` days; a team's,
  a market's or a queue's (the agents of the teams staffing it), and an agent's over a longer period, sum the
  days recorded by ``scheduling.services.adherence_days_record`` (``AdherenceDay``: every finished local day of
  a tracked agent, whose local midnight falls in the period). None without shifts or state tracking;
- service level per queue: share of the period's conversations answered within the queue's target (live queues:
  ``service_level_seconds``; async queues: ``response_time_hours``); an unanswered conversation misses it;
- backlog: conversations created before the period end and not resolved by then;
- contact drivers: the helpdesk tags of the period's conversations, most frequent first.

``agent_kpis`` is the interface the rest of the app (1:1 agendas, review cycles, improvement plans) reads;
``slice_kpis`` adds the time percentiles and FCR for any slice; ``team_dashboard`` gathers a team's page.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncWeek

from scheduling.models import AdherenceDay, AgentStateEvent
from supportops import access
from supportops.models import Agent, Conversation, Market, Queue, Team

from . import selectors
from .models import Review

MAX_ADHERENCE_DAYS = 62
PERIOD_WEEKS = (4, 12, 26)


@dataclass(frozen=True)
class KPISet:
    """The KPIs of one slice and period; None where there is no data."""

    contacts: int
    aht_seconds: float | None
    csat_percent: float | None
    csat_mean: float | None
    iqs: float | None
    reviews: int


@dataclass(frozen=True)
class Slice:
    """Which conversations and reviews a KPI covers: every given filter applies (None: no filter)."""

    agent_id: int | None = None
    team_id: int | None = None
    market_id: int | None = None
    queue_id: int | None = None
    agent_ids: tuple[int, ...] | None = None

    def with_agents(self) -> Slice:
        """The slice with its team or market resolved to agent ids (one query; none when already done or not
        needed), so each later query reads the ``(agent, created_at)`` index instead of joining agents."""
        if self.agent_ids is not None or (self.team_id is None and self.market_id is None):
            return self
        agents = Agent.objects.order_by("pk")
        if self.team_id is not None:
            agents = agents.filter(team_id=self.team_id)
        if self.market_id is not None:
            agents = agents.filter(team__market_id=self.market_id)
        return replace(self, agent_ids=tuple(agents.values_list("pk", flat=True)))


@dataclass(frozen=True)
class SliceKPIs:
    """Every KPI of one slice and period; None where there is no data. Times in seconds, shares in %."""

    contacts: int
    aht_seconds: float | None
    first_response_median_seconds: float | None
    first_response_p90_seconds: float | None
    resolution_median_seconds: float | None
    resolved: int
    fcr_percent: float | None
    rated: int
    csat_percent: float | None
    csat_mean: float | None
    iqs: float | None
    reviews: int
    adherence_percent: float | None = None


@dataclass(frozen=True)
class WeekKPIs:
    """One local week (Monday start in the team's zone) of a team's trend."""

    week: date
    contacts: int
    aht_seconds: float | None
    fcr_percent: float | None
    csat_percent: float | None
    csat_mean: float | None
    service_level_percent: float | None
    iqs: float | None
    reviews: int
    adherence_percent: float | None = None


@dataclass(frozen=True)
class QueueServiceLevel:
    """Service-level attainment of one queue against its target over the period."""

    queue_id: int
    name: str
    target_label: str
    target_percent: float
    contacts: int
    met: int
    attainment_percent: float | None

    @property
    def is_met(self) -> bool:
        """True when the attainment reaches the queue's target share."""
        return self.attainment_percent is not None and self.attainment_percent >= self.target_percent


@dataclass(frozen=True)
class Driver:
    """One helpdesk tag and the number of the period's conversations carrying it."""

    tag: str
    contacts: int


@dataclass(frozen=True)
class Backlog:
    """Conversations open at the period end and the age of the oldest, in hours."""

    open: int
    oldest_hours: float | None


@dataclass(frozen=True)
class Period:
    """A half-open UTC range ``[start, end)`` built from local dates of a zone."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date

    @property
    def previous(self) -> Period:
        """The period of the same number of days just before this one."""
        days = (self.last_day - self.first_day).days + 1
        first = self.first_day - timedelta(days=days)
        return period_of_days(first_day=first, last_day=self.first_day - timedelta(days=1), zone=self.start.tzinfo)


def period_of_days(*, first_day: date, last_day: date, zone: Any) -> Period:
    """The local days ``first_day..last_day`` of ``zone`` as an aware range."""
    return Period(
        start=datetime.combine(first_day, time(0), tzinfo=zone),
        end=datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone),
        first_day=first_day,
        last_day=last_day,
    )


def weeks_period(*, weeks: int, today: date, zone: ZoneInfo) -> Period:
    """The ``weeks`` local weeks (Monday to Sunday in ``zone``) ending with the week holding ``today``."""
    monday = today - timedelta(days=today.weekday())
    return period_of_days(first_day=monday - timedelta(weeks=weeks - 1), last_day=monday + timedelta(days=6), zone=zone)


def _round(value: Decimal | float | None, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def _percent(part: int, whole: int) -> float | None:
    return _round(100 * part / whole) if whole else None


def agent_kpis(*, agent_id: int, start: datetime, end: datetime) -> KPISet:
    """The agent's KPIs over ``[start, end)`` (two queries)."""
    conversations = Conversation.objects.filter(agent_id=agent_id, created_at__gte=start, created_at__lt=end)
    row = conversations.aggregate(
        contacts=Count("pk"),
        aht=Avg("handle_time_seconds"),
        rated=Count("pk", filter=Q(csat_score__isnull=False)),
        happy=Count("pk", filter=Q(csat_score__gte=4)),
        csat_mean=Avg("csat_score"),
    )
    reviews = Review.objects.counted().filter(agent_id=agent_id, submitted_at__gte=start, submitted_at__lt=end)
    qa = reviews.aggregate(iqs=Avg("score"), reviews=Count("pk"))
    return KPISet(
        contacts=row["contacts"],
        aht_seconds=_round(row["aht"], 1),
        csat_percent=_round(100 * row["happy"] / row["rated"]) if row["rated"] else None,
        csat_mean=_round(row["csat_mean"]),
        iqs=_round(qa["iqs"]),
        reviews=qa["reviews"],
    )


# --- Slices ---------------------------------------------------------------------------------------------------------


def slice_conversations(scope: Slice) -> QuerySet[Conversation]:
    """Every conversation of the slice (no period)."""
    conversations = Conversation.objects.order_by()
    if scope.agent_id is not None:
        conversations = conversations.filter(agent_id=scope.agent_id)
    if scope.agent_ids is not None:
        conversations = conversations.filter(agent_id__in=scope.agent_ids or [0])
    else:
        if scope.team_id is not None:
            conversations = conversations.filter(agent__team_id=scope.team_id)
        if scope.market_id is not None:
            conversations = conversations.filter(agent__team__market_id=scope.market_id)
    if scope.queue_id is not None:
        conversations = conversations.filter(queue_id=scope.queue_id)
    return conversations


def slice_reviews(scope: Slice, *, start: datetime, end: datetime) -> QuerySet[Review]:
    """Submitted standard reviews of the slice's agents submitted in ``[start, end)`` (a queue: of its
    conversations)."""
    reviews = Review.objects.counted().filter(submitted_at__gte=start, submitted_at__lt=end).order_by()
    if scope.agent_id is not None:
        reviews = reviews.filter(agent_id=scope.agent_id)
    if scope.agent_ids is not None:
        reviews = reviews.filter(agent_id__in=scope.agent_ids or [0])
    else:
        if scope.team_id is not None:
            reviews = reviews.filter(agent__team_id=scope.team_id)
        if scope.market_id is not None:
            reviews = reviews.filter(agent__team__market_id=scope.market_id)
    if scope.queue_id is not None:
        reviews = reviews.filter(conversation__queue_id=scope.queue_id)
    return reviews


def _first_response() -> ExpressionWrapper:
    return ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())


def _resolution() -> ExpressionWrapper:
    return ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds(), 1)
    return round(float(value) / 1_000_000, 1)  # SQLite may hand back microseconds


def nearest_rank(count: int, percentile: float) -> int:
    """The 1-based rank of the ``percentile``-th of ``count`` ascending values (nearest-rank; 0 when empty)."""
    if count <= 0:
        return 0
    return min(count, max(1, math.ceil(percentile / 100 * count)))


def _percentile(values: QuerySet[Conversation], *, expression: ExpressionWrapper, count: int, percent: float) -> Any:
    """The nearest-rank percentile of ``expression`` over ``values`` holding ``count`` rows (one query; none when
    empty)."""
    rank = nearest_rank(count, percent)
    if rank == 0:
        return None
    ordered = values.annotate(duration=expression).order_by("duration").values_list("duration", flat=True)
    return ordered[rank - 1 : rank].first()


class PercentileDisc(Aggregate):
    """PostgreSQL's ``percentile_disc(ARRAY[fractions]) WITHIN GROUP (ORDER BY expression)``: for each fraction,
    the first value whose cumulative share reaches it, i.e. the nearest-rank percentile (rank ``⌈fraction × n⌉``);
    one sort answers every fraction. The result is the list of values, in the order of ``fractions``."""

    function = "PERCENTILE_DISC"
    name = "PercentileDisc"
    template = "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fractions: tuple[float, ...], **extra: Any) -> None:
        from django.contrib.postgres.fields import ArrayField

        if not fractions or not all(0 < fraction <= 1 for fraction in fractions):
            raise ValueError("fractions must be in (0, 1]")
        listed = ", ".join(f"{float(fraction)!r}::float8" for fraction in fractions)
        super().__init__(expression, fractions=listed, output_field=ArrayField(DurationField()), **extra)


def percentiles_in_aggregate() -> bool:
    """Whether the database computes percentiles inside the one aggregate query (PostgreSQL); elsewhere each
    percentile is one ``ORDER BY … OFFSET`` query."""
    return connection.vendor == "postgresql"


def slice_kpis(scope: Slice, *, start: datetime, end: datetime, with_adherence: bool = True) -> SliceKPIs:
    """Every KPI of the slice over ``[start, end)``: one aggregate (with the three percentiles on PostgreSQL, three
    more queries elsewhere), IQS and adherence, plus one to resolve a team or market to its agents."""
    scope = scope.with_agents()
    conversations = slice_conversations(scope).filter(created_at__gte=start, created_at__lt=end)
    in_aggregate = percentiles_in_aggregate()
    answered_only, resolved_only = Q(first_response_at__isnull=False), Q(resolved_at__isnull=False)
    percentiles: dict[str, Any] = (
        {
            "first_response": PercentileDisc(_first_response(), (0.5, 0.9), filter=answered_only),
            "resolution": PercentileDisc(_resolution(), (0.5,), filter=resolved_only),
        }
        if in_aggregate
        else {}
    )
    row = conversations.aggregate(
        contacts=Count("pk"),
        aht=Avg("handle_time_seconds"),
        answered=Count("pk", filter=answered_only),
        resolved=Count("pk", filter=resolved_only),
        first_contact=Count("pk", filter=Q(resolved_at__isnull=False, reopen_count=0)),
        rated=Count("pk", filter=Q(csat_score__isnull=False)),
        happy=Count("pk", filter=Q(csat_score__gte=4)),
        csat_mean=Avg("csat_score"),
        **percentiles,
    )
    if in_aggregate:
        row["frt_median"], row["frt_p90"] = row.pop("first_response") or (None, None)
        (row["resolution_median"],) = row.pop("resolution") or (None,)
    else:
        answered = conversations.filter(answered_only)
        resolved = conversations.filter(resolved_only)
        row["frt_median"] = _percentile(answered, expression=_first_response(), count=row["answered"], percent=50)
        row["frt_p90"] = _percentile(answered, expression=_first_response(), count=row["answered"], percent=90)
        row["resolution_median"] = _percentile(resolved, expression=_resolution(), count=row["resolved"], percent=50)
    qa = slice_reviews(scope, start=start, end=end).aggregate(iqs=Avg("score"), reviews=Count("pk"))
    adherence = slice_adherence_percent(scope, start=start, end=end) if with_adherence else None
    return SliceKPIs(
        contacts=row["contacts"],
        aht_seconds=_round(row["aht"], 1),
        first_response_median_seconds=_seconds(row["frt_median"]),
        first_response_p90_seconds=_seconds(row["frt_p90"]),
        resolution_median_seconds=_seconds(row["resolution_median"]),
        resolved=row["resolved"],
        fcr_percent=_percent(row["first_contact"], row["resolved"]),
        rated=row["rated"],
        csat_percent=_percent(row["happy"], row["rated"]),
        csat_mean=_round(row["csat_mean"]),
        iqs=_round(qa["iqs"]),
        reviews=qa["reviews"],
        adherence_percent=adherence,
    )


def agent_adherence_percent(*, agent_id: int, start: datetime, end: datetime) -> float | None:
    """Adherent over scheduled minutes of the agent's published shifts on the local days of ``[start, end)`` (the
    agent's zone), through ``scheduling.selectors.adherence_by_agent_day``; None beyond ``MAX_ADHERENCE_DAYS`` days,
    without a published shift, or when the agent's state is not tracked (no state event before the period's end)
    (at most four queries)."""
    from scheduling.selectors.adherence import adherence_by_agent_day

    tracked = AgentStateEvent.objects.filter(agent=OuterRef("pk"), occurred_at__lt=end)
    agent = Agent.objects.select_related("team").annotate(tracked=Exists(tracked)).filter(pk=agent_id).first()
    if agent is None or not getattr(agent, "tracked", False):
        return None
    zone = agent.zone
    first_day = start.astimezone(zone).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    if (last_day - first_day).days + 1 > MAX_ADHERENCE_DAYS:
        return None
    rows = adherence_by_agent_day(team=agent.team, first_day=first_day, last_day=last_day, agent_ids={agent_id})
    scheduled = sum(row.scheduled_minutes for row in rows)
    return _round(100 * sum(row.adherent_minutes for row in rows) / scheduled) if scheduled else None


def _recorded_days(scope: Slice, *, start: datetime, end: datetime) -> QuerySet[AdherenceDay]:
    """The recorded adherence days of the slice's agents whose local day starts in ``[start, end)``; a queue
    means the agents of the teams that staff it."""
    days = AdherenceDay.objects.filter(day_starts_at__gte=start, day_starts_at__lt=end)
    if scope.agent_id is not None:
        days = days.filter(agent_id=scope.agent_id)
    if scope.agent_ids is not None:
        days = days.filter(agent_id__in=scope.agent_ids)
    if scope.queue_id is not None:
        days = days.filter(agent__team__queues=scope.queue_id)
    return days


def recorded_adherence_percent(scope: Slice, *, start: datetime, end: datetime) -> float | None:
    """Adherent over scheduled minutes of the slice's recorded adherence days (``scheduling.AdherenceDay``) in
    the period; None without any (one query)."""
    row = _recorded_days(scope, start=start, end=end).aggregate(
        scheduled=Sum("scheduled_minutes"), adherent=Sum("adherent_minutes")
    )
    return _adherence_of(row)


def slice_adherence_percent(scope: Slice, *, start: datetime, end: datetime) -> float | None:
    """An agent's adherence is computed live from their shifts and state events (today included) for periods up
    to ``MAX_ADHERENCE_DAYS`` days; longer periods and every team, market or queue slice sum the recorded days."""
    if scope.agent_id is not None and scope.agent_ids is None and scope.queue_id is None:
        live = agent_adherence_percent(agent_id=scope.agent_id, start=start, end=end)
        if live is not None or end - start <= timedelta(days=MAX_ADHERENCE_DAYS):
            return live
    return recorded_adherence_percent(scope, start=start, end=end)


# --- Team and queue breakdowns --------------------------------------------------------------------------------------


def _queue_threshold(queue: Queue) -> timedelta | None:
    if queue.is_live:
        return None if queue.service_level_seconds is None else timedelta(seconds=queue.service_level_seconds)
    return None if queue.response_time_hours is None else timedelta(hours=float(queue.response_time_hours))


def _within_target(queues: list[Queue]) -> Q:
    """Conversations answered within their queue's target (an impossible condition without queues)."""
    condition = Q(pk__in=[])
    for queue in queues:
        threshold = _queue_threshold(queue)
        if threshold is not None:
            condition |= Q(queue_id=queue.pk, first_response_at__lte=F("created_at") + threshold)
    return condition


def _queues_with_staffing(team_id: int | None) -> list[Queue]:
    """Every queue (a small configuration table), each with ``staffed``: whether the team staffs it (one query)."""
    staffed = Queue.teams.through.objects.filter(queue_id=OuterRef("pk"), team_id=team_id or 0)
    return list(Queue.objects.annotate(staffed=Exists(staffed)).order_by("name"))


def service_levels(scope: Slice, *, start: datetime, end: datetime) -> list[QueueServiceLevel]:
    """Service-level attainment per queue of the slice's conversations in ``[start, end)``, by queue name; a
    team slice also lists the queues it staffs without contacts (two queries)."""
    conversations = slice_conversations(scope).filter(created_at__gte=start, created_at__lt=end)
    queues = _queues_with_staffing(scope.team_id)
    if scope.queue_id is not None:
        queues = [queue for queue in queues if queue.pk == scope.queue_id]
    counts = {
        row["queue_id"]: row
        for row in conversations.filter(queue__isnull=False)
        .values("queue_id")
        .annotate(contacts=Count("pk"), met=Count("pk", filter=_within_target(queues)))
    }
    result = []
    for queue in queues:
        row = counts.get(queue.pk)
        if row is None and not getattr(queue, "staffed", False):
            continue
        row = row or {"contacts": 0, "met": 0}
        result.append(
            QueueServiceLevel(
                queue_id=queue.pk,
                name=queue.name,
                target_label=queue.service_target_label,
                target_percent=float(queue.service_level_percent),
                contacts=row["contacts"],
                met=row["met"],
                attainment_percent=_percent(row["met"], row["contacts"]),
            )
        )
    return result


def backlog(scope: Slice, *, end: datetime) -> Backlog:
    """Conversations of the slice created before ``end`` and not resolved by then (one query)."""
    row = (
        slice_conversations(scope)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=end), created_at__lt=end)
        .aggregate(open=Count("pk"), oldest=Min("created_at"))
    )
    oldest = row["oldest"]
    return Backlog(open=row["open"], oldest_hours=_round((end - oldest).total_seconds() / 3600, 1) if oldest else None)


def top_drivers(scope: Slice, *, start: datetime, end: datetime, limit: int = 10) -> list[Driver]:
    """The most frequent tags of the slice's conversations in ``[start, end)``, then by name (one query).

    PostgreSQL and SQLite unnest the JSON lists in the database; other databases count in Python.
    """
    conversations = slice_conversations(scope).filter(created_at__gte=start, created_at__lt=end)
    vendor = connection.vendor
    if vendor in ("postgresql", "sqlite"):
        inner, params = conversations.values("tags").query.sql_with_params()
        unnest = (
            "jsonb_array_elements_text(picked.tags::jsonb) AS tag(value)"
            if vendor == "postgresql"
            else "json_each(picked.tags) AS tag"
        )
        sql = (
            f"SELECT tag.value, COUNT(*) AS contacts FROM ({inner}) AS picked, {unnest} "
            "GROUP BY tag.value ORDER BY contacts DESC, tag.value LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return [Driver(tag=str(tag), contacts=int(count)) for tag, count in cursor.fetchall()]
    counter: Counter[str] = Counter()
    for tags in conversations.values_list("tags", flat=True):
        counter.update(tag for tag in tags or [] if isinstance(tag, str))
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [Driver(tag=tag, contacts=count) for tag, count in ranked]


def _group_totals(queues: list[Queue]) -> dict[str, Any]:
    """The conversation totals a group (a week, a team) reports: contacts, AHT, FCR, CSAT and service level."""
    return {
        "contacts": Count("pk"),
        "aht": Avg("handle_time_seconds"),
        "resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
        "first_contact": Count("pk", filter=Q(resolved_at__isnull=False, reopen_count=0)),
        "rated": Count("pk", filter=Q(csat_score__isnull=False)),
        "happy": Count("pk", filter=Q(csat_score__gte=4)),
        "csat_mean": Avg("csat_score"),
        "queued": Count("pk", filter=Q(queue__isnull=False)),
        "met": Count("pk", filter=_within_target(queues)),
    }


def _adherence_of(minutes: dict[str, Any]) -> float | None:
    """Adherent over scheduled minutes of a grouped row of recorded days, in %."""
    return _round(100 * minutes["adherent"] / minutes["scheduled"]) if minutes.get("scheduled") else None


def team_weekly_trend(*, team: Team, start: datetime, end: datetime, scope: Slice | None = None) -> list[WeekKPIs]:
    """A team's KPIs per local week (Monday start in the team's zone) over ``[start, end)``, every week listed
    even without data, oldest first (five queries: the team's agents unless ``scope`` has them, the queues,
    conversations by week, recorded adherence by week, IQS by week)."""
    return weekly_trend(scope or Slice(team_id=team.pk), zone=team.zone, start=start, end=end)


def weekly_trend(scope: Slice, *, zone: ZoneInfo, start: datetime, end: datetime) -> list[WeekKPIs]:
    """Any slice's KPIs per local week (Monday start in ``zone``) over ``[start, end)`` (see ``team_weekly_trend``)."""
    scope = scope.with_agents()
    conversations = slice_conversations(scope).filter(created_at__gte=start, created_at__lt=end)
    queues = list(Queue.objects.all())
    by_week = {
        row["week"].date(): row
        for row in conversations.annotate(week=TruncWeek("created_at", tzinfo=zone))
        .values("week")
        .annotate(**_group_totals(queues))
    }
    adherence_by_week = {
        row["week"].date(): row
        for row in _recorded_days(scope, start=start, end=end)
        .annotate(week=TruncWeek("day_starts_at", tzinfo=zone))
        .values("week")
        .annotate(scheduled=Sum("scheduled_minutes"), adherent=Sum("adherent_minutes"))
    }
    iqs_by_week = {
        row["week"].date(): row
        for row in slice_reviews(scope, start=start, end=end)
        .annotate(week=TruncWeek("submitted_at", tzinfo=zone))
        .values("week")
        .annotate(iqs=Avg("score"), reviews=Count("pk"))
    }
    weeks = []
    day = start.astimezone(zone).date()
    day -= timedelta(days=day.weekday())
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    empty: dict[str, Any] = {}
    while day <= last:
        row = by_week.get(day, empty)
        qa = iqs_by_week.get(day, empty)
        adherence = adherence_by_week.get(day, empty)
        weeks.append(
            WeekKPIs(
                week=day,
                contacts=row.get("contacts", 0),
                aht_seconds=_round(row.get("aht"), 1),
                fcr_percent=_percent(row.get("first_contact", 0), row.get("resolved", 0)),
                csat_percent=_percent(row.get("happy", 0), row.get("rated", 0)),
                csat_mean=_round(row.get("csat_mean")),
                service_level_percent=_percent(row.get("met", 0), row.get("queued", 0)),
                iqs=_round(qa.get("iqs")),
                reviews=qa.get("reviews", 0),
                adherence_percent=_adherence_of(adherence),
            )
        )
        day += timedelta(days=7)
    return weeks


def onboarding_status(*, team_id: int) -> dict[str, int]:
    """The team's agents counted by status (one query), every status listed."""
    from supportops.choices import AgentStatus

    counts = dict(
        Agent.objects.filter(team_id=team_id)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {str(status.label): counts.get(status.value, 0) for status in AgentStatus}


def qa_by_criterion(scope: Slice, *, start: datetime, end: datetime) -> list[selectors.IQSRow]:
    """Average rating per QA criterion of the slice's reviews in the period, lowest first (one query)."""
    return selectors.iqs_by_criterion(slice_reviews(scope, start=start, end=end))


@dataclass(frozen=True)
class TeamDashboard:
    """Everything the team KPI page shows for one period and the one before it."""

    team: Team
    period: Period
    current: SliceKPIs
    previous: SliceKPIs
    weeks: list[WeekKPIs]
    queues: list[QueueServiceLevel]
    backlog: Backlog
    drivers: list[Driver]
    criteria: list[selectors.IQSRow]
    onboarding: dict[str, int]


def team_dashboard(*, team: Team, weeks: int, today: date) -> TeamDashboard:
    """A team's KPI page for the ``weeks`` local weeks ending with ``today``'s (a fixed number of queries)."""
    period = weeks_period(weeks=weeks, today=today, zone=team.zone)
    scope = Slice(team_id=team.pk).with_agents()
    return TeamDashboard(
        team=team,
        period=period,
        current=slice_kpis(scope, start=period.start, end=period.end),
        previous=slice_kpis(scope, start=period.previous.start, end=period.previous.end),
        weeks=team_weekly_trend(team=team, start=period.start, end=period.end, scope=scope),
        queues=service_levels(scope, start=period.start, end=period.end),
        backlog=backlog(scope, end=min(period.end, datetime.now(tz=UTC))),
        drivers=top_drivers(scope, start=period.start, end=period.end),
        criteria=qa_by_criterion(scope, start=period.start, end=period.end),
        onboarding=onboarding_status(team_id=team.pk),
    )


@dataclass(frozen=True)
class TeamRow:
    """One team's line in a market comparison (no percentiles: those need a query per team)."""

    team: Team
    contacts: int
    aht_seconds: float | None
    fcr_percent: float | None
    csat_percent: float | None
    service_level_percent: float | None
    iqs: float | None
    reviews: int
    adherence_percent: float | None


def team_rows(*, teams: list[Team], start: datetime, end: datetime) -> list[TeamRow]:
    """The headline KPIs of each team over ``[start, end)`` side by side, in the order given, every team listed
    even without data (four queries whatever the number of teams: queues, conversations, reviews and recorded
    adherence, each grouped by the agent's team)."""
    team_ids = [team.pk for team in teams]
    queues = list(Queue.objects.all())
    conversations = {
        row["agent__team_id"]: row
        for row in Conversation.objects.filter(agent__team_id__in=team_ids, created_at__gte=start, created_at__lt=end)
        .values("agent__team_id")
        .annotate(**_group_totals(queues))
        .order_by()
    }
    reviews = {
        row["agent__team_id"]: row
        for row in Review.objects.counted()
        .filter(agent__team_id__in=team_ids, submitted_at__gte=start, submitted_at__lt=end)
        .values("agent__team_id")
        .annotate(iqs=Avg("score"), reviews=Count("pk"))
        .order_by()
    }
    adherence = {
        row["agent__team_id"]: row
        for row in AdherenceDay.objects.filter(
            agent__team_id__in=team_ids, day_starts_at__gte=start, day_starts_at__lt=end
        )
        .values("agent__team_id")
        .annotate(scheduled=Sum("scheduled_minutes"), adherent=Sum("adherent_minutes"))
        .order_by()
    }
    empty: dict[str, Any] = {}
    rows = []
    for team in teams:
        row = conversations.get(team.pk, empty)
        qa = reviews.get(team.pk, empty)
        minutes = adherence.get(team.pk, empty)
        rows.append(
            TeamRow(
                team=team,
                contacts=row.get("contacts", 0),
                aht_seconds=_round(row.get("aht"), 1),
                fcr_percent=_percent(row.get("first_contact", 0), row.get("resolved", 0)),
                csat_percent=_percent(row.get("happy", 0), row.get("rated", 0)),
                service_level_percent=_percent(row.get("met", 0), row.get("queued", 0)),
                iqs=_round(qa.get("iqs")),
                reviews=qa.get("reviews", 0),
                adherence_percent=_adherence_of(minutes),
            )
        )
    return rows


@dataclass(frozen=True)
class MarketDashboard:
    """Everything the market KPI page shows: the market's headline KPIs and trend, its teams side by side."""

    market: Market
    zone: ZoneInfo
    period: Period
    current: SliceKPIs
    previous: SliceKPIs
    teams: list[TeamRow]
    weeks: list[WeekKPIs]
    queues: list[QueueServiceLevel]
    backlog: Backlog
    drivers: list[Driver]


def market_dashboard(*, market: Market, weeks: int, today: date) -> MarketDashboard:
    """A market's KPI page for the ``weeks`` local weeks (market's zone) ending with ``today``'s: a fixed number of
    queries whatever the number of teams, agents and conversations."""
    zone = market.zone
    period = weeks_period(weeks=weeks, today=today, zone=zone)
    teams = list(Team.objects.filter(market=market).order_by("name"))
    scope = Slice(market_id=market.pk).with_agents()
    return MarketDashboard(
        market=market,
        zone=zone,
        period=period,
        current=slice_kpis(scope, start=period.start, end=period.end),
        previous=slice_kpis(scope, start=period.previous.start, end=period.previous.end),
        teams=team_rows(teams=teams, start=period.start, end=period.end),
        weeks=weekly_trend(scope, zone=zone, start=period.start, end=period.end),
        queues=service_levels(scope, start=period.start, end=period.end),
        backlog=backlog(scope, end=min(period.end, datetime.now(tz=UTC))),
        drivers=top_drivers(scope, start=period.start, end=period.end),
    )


# --- Who sees which slice -------------------------------------------------------------------------------------------

OWN_ONLY = "You see your own KPIs only."
MANAGED_ONLY = "You see the KPIs of the teams you manage and of your reports only."
WHOLE_SLICE_ADMIN_ONLY = "Only admins see the KPIs of a whole market or queue; choose a team or an agent."


@dataclass(frozen=True)
class AuthorizedSlice:
    """A slice the user may see and the time zone its local days are read in."""

    scope: Slice
    zone: ZoneInfo


def can_see_team_dashboards(user: Any) -> bool:
    """Admins and managers see team KPI pages; agents and QA reviewers do not."""
    return bool(getattr(user, "is_authenticated", False)) and (access.is_admin(user) or access.is_manager(user))


def dashboard_teams(*, user: Any, market_id: int | None = None) -> QuerySet[Team]:
    """Teams whose KPI page the user may open: every team for admins (of ``market_id`` if given), the teams they
    manage for managers, none otherwise."""
    if not can_see_team_dashboards(user):
        return Team.objects.none()
    teams = Team.objects.editable_by(user).select_related("market").order_by("name")
    return teams if market_id is None else teams.filter(market_id=market_id)


def authorize_slice(
    *, user: Any, team_slug: str | None = None, agent_id: int | None = None, queue_id: int | None = None,
    market_code: str | None = None,
) -> AuthorizedSlice:  # fmt: skip
    """The slice the parameters name, if the user may see it.

    Admins: any slice. Managers: a team they manage or an agent they may edit (optionally with a queue). Anyone
    else: their own agent (optionally with a queue); no agent given means their own. Unknown names raise
    ``ValidationError`` naming the parameter; a slice the user may not see raises ``PermissionDenied``.
    """
    errors: dict[str, str] = {}
    team = Team.objects.select_related("market").filter(slug=team_slug).first() if team_slug else None
    if team_slug and team is None:
        errors["team"] = f"No team {team_slug!r}."
    agent = Agent.objects.select_related("team__market").filter(pk=agent_id).first() if agent_id else None
    if agent_id is not None and agent is None:
        errors["agent_id"] = f"No agent {agent_id}."
    if queue_id is not None and not Queue.objects.filter(pk=queue_id).exists():
        errors["queue_id"] = f"No queue {queue_id}."
    market = Market.objects.filter(code=market_code).first() if market_code else None
    if market_code and market is None:
        errors["market"] = f"No market {market_code!r}."
    if errors:
        raise ValidationError(errors)
    if not access.is_admin(user):
        if access.is_manager(user):
            if market is not None or (team is None and agent is None):
                raise PermissionDenied(WHOLE_SLICE_ADMIN_ONLY)
            if team is not None and not Team.objects.editable_by(user).filter(pk=team.pk).exists():
                raise PermissionDenied(MANAGED_ONLY)
            if agent is not None and not Agent.objects.editable_by(user).filter(pk=agent.pk).exists():
                raise PermissionDenied(MANAGED_ONLY)
        else:
            own = Agent.objects.select_related("team__market").filter(user=user).first()
            if own is None or team is not None or market is not None or (agent is not None and agent.pk != own.pk):
                raise PermissionDenied(OWN_ONLY)
            agent = own
    zone: ZoneInfo = (
        agent.zone if agent is not None else team.zone if team is not None else
        market.zone if market is not None else ZoneInfo("UTC")
    )  # fmt: skip
    return AuthorizedSlice(
        scope=Slice(
            agent_id=agent.pk if agent is not None else None,
            team_id=team.pk if team is not None else None,
            market_id=market.pk if market is not None else None,
            queue_id=queue_id,
        ),
        zone=zone,
    )


__all__ = [
    "MAX_ADHERENCE_DAYS",
    "PERIOD_WEEKS",
    "AuthorizedSlice",
    "Backlog",
    "Driver",
    "KPISet",
    "MarketDashboard",
    "TeamRow",
    "Period",
    "QueueServiceLevel",
    "Slice",
    "SliceKPIs",
    "TeamDashboard",
    "WeekKPIs",
    "agent_adherence_percent",
    "recorded_adherence_percent",
    "slice_adherence_percent",
    "agent_kpis",
    "authorize_slice",
    "can_see_team_dashboards",
    "dashboard_teams",
    "backlog",
    "nearest_rank",
    "PercentileDisc",
    "percentiles_in_aggregate",
    "onboarding_status",
    "period_of_days",
    "qa_by_criterion",
    "service_levels",
    "slice_conversations",
    "slice_kpis",
    "slice_reviews",
    "team_dashboard",
    "team_rows",
    "team_weekly_trend",
    "market_dashboard",
    "weekly_trend",
    "top_drivers",
    "weeks_period",
]
