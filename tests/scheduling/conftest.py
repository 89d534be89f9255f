"""Fixtures for capacity tests: one queue per team of the shared ``org``, and a London queue for DST."""

from dataclasses import dataclass

import pytest

from scheduling import services
from supportops.models import Queue
from tests.factories import MarketFactory, QueueFactory, TeamFactory
from tests.scheduling.history import seed_history


@dataclass
class Queues:
    """``alpha`` is staffed by team_a (manager_a), ``bravo`` by team_b (manager_b); both Singapore, 30 min.

    ``london`` is staffed by a 15-minute London team managed by nobody in ``org``.
    """

    alpha: Queue
    bravo: Queue
    london: Queue


@pytest.fixture
def queues(org) -> Queues:
    alpha = QueueFactory(name="Alpha chat", market=org.market)
    alpha.teams.set([org.team_a])
    bravo = QueueFactory(name="Bravo chat", market=org.market)
    bravo.teams.set([org.team_b])
    uk = MarketFactory(code="uk", name="United Kingdom", timezone="Europe/London", holiday_country="GB")
    london_team = TeamFactory(name="London", slug="london", market=uk, planning_interval_minutes=15)
    london = QueueFactory(name="London voice", channel="voice", service_level_seconds=20, chat_concurrency=1)
    london.teams.set([london_team])
    return Queues(alpha=alpha, bravo=bravo, london=london)


@pytest.fixture
def computed(org, queues, django_capture_on_commit_callbacks):
    """A one-week seasonal-naive forecast of Alpha chat, computed by its task (eager) when the request commits."""
    seed_history(queues.alpha)
    with django_capture_on_commit_callbacks(execute=True):
        forecast = services.forecast_request(
            queue=queues.alpha, horizon_days=7, method="seasonal_naive", created_by=org.manager_a
        )
    forecast.refresh_from_db()
    return forecast
