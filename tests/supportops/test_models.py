"""Single-object rules of the org model: time zones, holidays, queue targets, contracted hours."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from supportops.models import Market, Queue
from tests.factories import AgentFactory, MarketFactory, QueueFactory, TeamFactory


@pytest.mark.django_db
def test_team_time_zone_defaults_to_its_market():
    market = MarketFactory(timezone="America/Sao_Paulo", holiday_country="BR")

    team = TeamFactory(market=market, timezone="")

    assert team.timezone == "America/Sao_Paulo"
    assert str(team.zone) == "America/Sao_Paulo"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"timezone": "Mars/Olympus"}, {"timezone"}),
        ({"holiday_country": "XX"}, {"holiday_country"}),
        ({"holiday_country": "BR", "holiday_subdivision": "ZZ"}, {"holiday_subdivision"}),
        ({"holiday_country": "", "holiday_subdivision": "SP"}, {"holiday_subdivision"}),
    ],
)
def test_market_rejects_unknown_zones_countries_and_subdivisions(fields, errors):
    market = Market(**{"code": "x", "name": "X", "timezone": "Asia/Manila", "holiday_country": "PH", **fields})

    with pytest.raises(ValidationError) as error:
        market.full_clean(validate_unique=False)

    assert set(error.value.message_dict) == errors


def test_market_public_holidays_come_from_its_country_and_subdivision():
    sao_paulo = Market(timezone="America/Sao_Paulo", holiday_country="BR", holiday_subdivision="SP")
    singapore = Market(timezone="Asia/Singapore", holiday_country="SG")

    assert sao_paulo.public_holidays(date(2026, 7, 8), date(2026, 7, 10)) == {
        date(2026, 7, 9): "Constitutionalist Revolution"
    }
    assert (
        Market(timezone="America/Sao_Paulo", holiday_country="BR").public_holidays(date(2026, 7, 8), date(2026, 7, 10))
        == {}
    )
    assert singapore.public_holidays(date(2026, 8, 9), date(2026, 8, 9)) == {date(2026, 8, 9): "National Day"}
    assert Market(timezone="UTC").public_holidays(date(2026, 1, 1), date(2026, 12, 31)) == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({"channel": "voice", "service_level_seconds": None}, "service_level_seconds"),
        ({"channel": "email", "service_level_seconds": None, "response_time_hours": None}, "response_time_hours"),
        (
            {"channel": "email", "service_level_seconds": 20, "response_time_hours": Decimal(24)},
            "service_level_seconds",
        ),
        ({"service_level_percent": Decimal("100.5")}, "service_level_percent"),
        ({"service_level_percent": Decimal(-1)}, "service_level_percent"),
        ({"channel": "voice", "chat_concurrency": 2}, "chat_concurrency"),
    ],
)
def test_queue_targets_follow_the_channel(fields, field_in_error):
    queue = Queue(
        **{"name": "Q", "channel": "chat", "service_level_percent": 80, "service_level_seconds": 60, **fields}
    )

    with pytest.raises(ValidationError) as error:
        queue.full_clean(validate_unique=False)

    assert field_in_error in error.value.message_dict


@pytest.mark.django_db
def test_queue_service_target_label_reads_as_people_say_it():
    assert QueueFactory(service_level_percent=80, service_level_seconds=20).service_target_label == "80 % in 20 s"
    email = QueueFactory(
        channel="email", service_level_percent=Decimal("90.50"), service_level_seconds=None, response_time_hours=24
    )
    assert email.service_target_label == "90.5 % in 24 h"


@pytest.mark.django_db
def test_agent_contracted_hours_minimum_cannot_exceed_maximum():
    agent = AgentFactory.build(team=TeamFactory(), user=AgentFactory().user, contracted_hours_min=45)
    agent.contracted_hours_max = 40

    with pytest.raises(ValidationError) as error:
        agent.full_clean(validate_unique=False, exclude=["user"])

    assert error.value.message_dict == {"contracted_hours_min": ["Minimum weekly hours cannot be above the maximum."]}


@pytest.mark.django_db
def test_agent_zone_is_its_override_else_the_team_zone():
    team = TeamFactory(timezone="Asia/Manila")

    assert str(AgentFactory(team=team).zone) == "Asia/Manila"
    assert str(AgentFactory(team=team, timezone="America/Bogota").zone) == "America/Bogota"
