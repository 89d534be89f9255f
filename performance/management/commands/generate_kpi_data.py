"""Generate a large, reproducible KPI data set (``generate_kpi_data --conversations 1000000 --reviews 100000``).

It adds one market (code ``kpi-bench``) with ``--teams`` teams of ``--agents`` agents, three queues (chat 80 % in
60 s, voice 80 % in 20 s, email 90 % in 24 h), conversations spread over the last ``--weeks`` weeks and submitted
QA reviews (one rated criterion each), inserted in batches with a fixed seed. It refuses to run twice: the data
is recognised by its market.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from performance.models import (
    Criterion,
    Rating,
    Review,
    ReviewKind,
    ReviewStatus,
    ScaleKind,
    Scorecard,
    ScorecardStatus,
    ScorecardVersion,
    Section,
)
from supportops.choices import AgentStatus, Channel, ConversationSource
from supportops.models import Agent, Conversation, Market, Queue, Team

MARKET_CODE = "kpi-bench"
TAGS = [f"driver-{index:02d}" for index in range(30)]
TAG_WEIGHTS = [1 / (index + 1) for index in range(len(TAGS))]  # a long tail, like real helpdesk tags


class Command(BaseCommand):
    help = "Generate conversations and QA reviews for KPI benchmarks (one market, kpi-bench)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--conversations", type=int, default=1_000_000)
        parser.add_argument("--reviews", type=int, default=100_000)
        parser.add_argument("--teams", type=int, default=20)
        parser.add_argument("--agents", type=int, default=15, help="Agents per team.")
        parser.add_argument("--weeks", type=int, default=52, help="Spread the conversations over this many weeks.")
        parser.add_argument("--batch", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        if Market.objects.filter(code=MARKET_CODE).exists():
            raise CommandError(f"The {MARKET_CODE} data set is already there; use a fresh database to rebuild it.")
        if options["reviews"] > options["conversations"]:
            raise CommandError("Ask for at most as many reviews as conversations (one review per conversation).")
        rng = random.Random(options["seed"])
        started = time.perf_counter()
        agents, queues, version, criterion, reviewer = self._organisation(options["teams"], options["agents"])
        self.stdout.write(f"organisation: {len(agents)} agents in {options['teams']} teams")
        now = datetime.now(tz=UTC).replace(microsecond=0)
        first = now - timedelta(weeks=options["weeks"])
        span = int((now - first).total_seconds())
        total = options["conversations"]
        review_every = max(1, total // max(1, options["reviews"]))
        reviews_left = options["reviews"]
        batch = options["batch"]
        for offset in range(0, total, batch):
            rows = [self._conversation(rng, offset + index, agents, queues, first, span) for index in range(
                min(batch, total - offset))]  # fmt: skip
            with transaction.atomic():
                created = Conversation.objects.bulk_create(rows, batch_size=batch)
                picked = [row for index, row in enumerate(created) if (offset + index) % review_every == 0]
                picked = picked[:reviews_left]
                reviews = Review.objects.bulk_create(
                    [self._review(rng, row, version, reviewer, now) for row in picked], batch_size=batch
                )
                Rating.objects.bulk_create(
                    [Rating(review=review, criterion=criterion, value=rng.choice((0, 1, 1, 1))) for review in reviews],
                    batch_size=batch,
                )
                reviews_left -= len(reviews)
            self.stdout.write(f"  {offset + len(rows):>9} conversations ({time.perf_counter() - started:.0f} s)")
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} conversations and {options['reviews'] - reviews_left} reviews in "
                f"{time.perf_counter() - started:.0f} s"
            )
        )

    def _organisation(self, teams: int, per_team: int) -> tuple[list[Agent], list[Queue], Any, Any, User]:
        market = Market.objects.create(code=MARKET_CODE, name="KPI benchmark", timezone="Europe/Berlin")
        reviewer = User.objects.create_user(username="kpi-bench-qa", password=None)
        users = User.objects.bulk_create(
            [User(username=f"kpi-bench-{team:02d}-{index:03d}") for team in range(teams) for index in range(per_team)]
        )
        team_rows = Team.objects.bulk_create(
            [Team(name=f"KPI team {team:02d}", slug=f"kpi-team-{team:02d}", market=market, timezone="Europe/Berlin")
             for team in range(teams)]
        )  # fmt: skip
        agents = Agent.objects.bulk_create(
            [
                Agent(
                    user=user,
                    team=team_rows[position // per_team],
                    status=AgentStatus.ACTIVE,
                    start_date=date(2024, 1, 8),
                    contracted_hours_min=30,
                    contracted_hours_max=40,
                )  # fmt: skip
                for position, user in enumerate(users)
            ]
        )
        queues = [
            Queue.objects.create(name="KPI chat", channel=Channel.CHAT, service_level_seconds=60, market=market),
            Queue.objects.create(name="KPI voice", channel=Channel.VOICE, service_level_seconds=20, market=market),
            Queue.objects.create(
                name="KPI email", channel=Channel.EMAIL, response_time_hours=Decimal(24), service_level_percent=90,
                market=market,
            ),
        ]  # fmt: skip
        for queue in queues:
            queue.teams.set(team_rows)
        scorecard = Scorecard.objects.create(name="KPI benchmark", slug="kpi-benchmark")
        version = ScorecardVersion.objects.create(
            scorecard=scorecard, number=1, status=ScorecardStatus.PUBLISHED, published_at=datetime.now(tz=UTC)
        )
        section = Section.objects.create(version=version, key="quality", name="Quality")
        criterion = Criterion.objects.create(section=section, key="resolution", name="Resolved", scale=ScaleKind.BINARY)
        return agents, queues, version, criterion, reviewer

    def _conversation(
        self, rng: random.Random, number: int, agents: list[Agent], queues: list[Queue], first: datetime, span: int
    ) -> Conversation:
        created = first + timedelta(seconds=rng.randrange(span))
        queue = queues[rng.choices((0, 1, 2), weights=(5, 2, 3))[0]]
        if queue.channel == Channel.EMAIL:
            response = rng.expovariate(1 / (10 * 3600)) if rng.random() < 0.97 else None
        else:
            response = rng.expovariate(1 / 40) if rng.random() < 0.98 else None
        resolved = created + timedelta(seconds=rng.expovariate(1 / (6 * 3600))) if rng.random() < 0.9 else None
        return Conversation(
            source=ConversationSource.API,
            external_id=f"kpi-{number}",
            queue=queue,
            agent=agents[rng.randrange(len(agents))],
            subject=f"Conversation {number}",
            created_at=created,
            first_response_at=None if response is None else created + timedelta(seconds=response),
            resolved_at=resolved,
            handle_time_seconds=max(30, int(rng.gauss(420, 120)))
            if resolved is not None and rng.random() < 0.95
            else None,
            reopen_count=1 if rng.random() < 0.1 else 0,
            csat_score=rng.choices((1, 2, 3, 4, 5), weights=(5, 5, 10, 30, 50))[0] if rng.random() < 0.35 else None,
            tags=sorted(set(rng.choices(TAGS, weights=TAG_WEIGHTS, k=rng.choice((1, 1, 2))))),
        )

    def _review(
        self, rng: random.Random, conversation: Conversation, version: Any, reviewer: User, now: datetime
    ) -> Review:
        submitted = min(now, conversation.created_at + timedelta(days=rng.randint(1, 6)))
        return Review(
            conversation=conversation,
            agent=conversation.agent,
            reviewer=reviewer,
            version=version,
            kind=ReviewKind.STANDARD,
            status=ReviewStatus.SUBMITTED,
            score=Decimal(str(round(min(100.0, max(0.0, rng.gauss(84, 10))), 1))),
            submitted_at=submitted,
        )
