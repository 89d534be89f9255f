"""Support KPIs of an agent, a team, a market or a queue over a period, by database aggregation.

Definitions (all over conversations *created* in the period, times in seconds):

- contacts: conversations handled;
- AHT: mean ``handle_time_seconds`` where known;
- CSAT: share of rated conversations scored 4-5 (%), and the mean score;
- IQS: mean score of submitted standard QA reviews *submitted* in the period (``performance.selectors``).

``agent_kpis`` is the interface the rest of the app (1:1 agendas, review cycles, improvement plans) reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Avg, Count, Q

from supportops.models import Conversation

from .models import Review


@dataclass(frozen=True)
class KPISet:
    """The KPIs of one slice and period; None where there is no data."""

    contacts: int
    aht_seconds: float | None
    csat_percent: float | None
    csat_mean: float | None
    iqs: float | None
    reviews: int


def _round(value: Decimal | float | None, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


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
