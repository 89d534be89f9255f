"""Markets, skills and queues: reference data every signed-in user reads and only admins change."""

from decimal import Decimal

import pytest

from supportops.choices import Channel
from supportops.models import Market, Queue, Skill
from tests.access import RoleCase, api_client_for, assert_role_access
from tests.factories import MarketFactory, QueueFactory, SkillFactory


def everyone_reads_admin_changes(org, ids):
    return {
        "admin": RoleCase(org.admin, sees=ids, may_change=ids),
        "manager_a": RoleCase(org.manager_a, sees=ids),
        "manager_b": RoleCase(org.manager_b, sees=ids),
        "qa": RoleCase(org.qa, sees=ids),
        "agent": RoleCase(org.agent_a1.user, sees=ids),
    }


def test_markets_every_role_reads_only_admins_change(org):
    ids = {org.market.pk, MarketFactory(code="my", name="Malaysia", timezone="Asia/Kuala_Lumpur").pk}

    assert_role_access(
        list_url="/api/markets/",
        detail_url=lambda pk: f"/api/markets/{pk}/",
        all_ids=ids,
        cases=everyone_reads_admin_changes(org, ids),
        change={"name": "Renamed"},
    )


def test_skills_every_role_reads_only_admins_change(org):
    ids = {SkillFactory(name="English").pk, SkillFactory(name="Billing").pk}

    assert_role_access(
        list_url="/api/skills/",
        detail_url=lambda pk: f"/api/skills/{pk}/",
        all_ids=ids,
        cases=everyone_reads_admin_changes(org, ids),
        change={"description": "Changed"},
    )


def test_queues_every_role_reads_only_admins_change(org):
    ids = set(Queue.objects.values_list("pk", flat=True))
    assert len(ids) == 4  # one per conversation of the org

    assert_role_access(
        list_url="/api/queues/",
        detail_url=lambda pk: f"/api/queues/{pk}/",
        all_ids=ids,
        cases=everyone_reads_admin_changes(org, ids),
        change={"service_level_percent": "85.00"},
    )


@pytest.mark.parametrize(("role", "expected"), [("admin", 201), ("manager_a", 403), ("qa", 403), ("agent", 403)])
def test_only_admins_create_reference_data(org, role, expected):
    user = org.agent_a1.user if role == "agent" else getattr(org, role)
    client = api_client_for(user)

    statuses = [
        client.post("/api/markets/", {"code": "ph", "name": "Philippines", "timezone": "Asia/Manila"}).status_code,
        client.post("/api/skills/", {"name": "Tagalog", "kind": "language"}).status_code,
        client.post("/api/queues/", {"name": "PH chat", "channel": "chat", "service_level_seconds": 30}).status_code,
    ]

    assert statuses == [expected] * 3
    assert Market.objects.filter(code="ph").exists() is (expected == 201)


@pytest.mark.parametrize(("role", "expected"), [("admin", 204), ("manager_a", 403), ("agent", 403)])
def test_only_admins_delete_reference_data(org, role, expected):
    skill = SkillFactory(name="German")
    user = org.agent_a1.user if role == "agent" else getattr(org, role)

    response = api_client_for(user).delete(f"/api/skills/{skill.pk}/")

    assert response.status_code == expected
    assert Skill.objects.filter(pk=skill.pk).exists() is (expected != 204)


def test_deleting_a_market_in_use_is_a_400_naming_what_uses_it(org):
    response = api_client_for(org.admin).delete(f"/api/markets/{org.market.pk}/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["It is still in use by: Alpha, Bravo."]}
    assert Market.objects.filter(pk=org.market.pk).exists()


def test_market_create_returns_the_stored_market(org):
    response = api_client_for(org.admin).post(
        "/api/markets/",
        {
            "code": "br",
            "name": "Brazil",
            "timezone": "America/Sao_Paulo",
            "holiday_country": "BR",
            "holiday_subdivision": "SP",
        },
    )

    assert response.status_code == 201
    market = Market.objects.get(code="br")
    assert response.json() == {
        "id": market.pk,
        "code": "br",
        "name": "Brazil",
        "timezone": "America/Sao_Paulo",
        "holiday_country": "BR",
        "holiday_subdivision": "SP",
    }


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"code": "xx", "name": "Nowhere", "timezone": "Mars/Olympus"}, {"timezone"}),
        ({"code": "xx", "name": "Nowhere", "timezone": "UTC", "holiday_country": "ZZ"}, {"holiday_country"}),
        ({"code": "xx", "name": "Nowhere", "timezone": "UTC", "holiday_subdivision": "SP"}, {"holiday_subdivision"}),
        ({"code": "sg", "name": "Other", "timezone": "UTC"}, {"code"}),
        ({"name": "Nowhere"}, {"code", "timezone"}),
    ],
)
def test_market_bad_input_is_a_400_naming_the_field(org, body, errors):
    response = api_client_for(org.admin).post("/api/markets/", body)

    assert response.status_code == 400
    assert set(response.json()) == errors
    assert Market.objects.count() == 1


def test_market_model_clean_message_comes_back_verbatim(org):
    response = api_client_for(org.admin).post(
        "/api/markets/", {"code": "xx", "name": "Nowhere", "timezone": "UTC", "holiday_subdivision": "SP"}
    )

    assert response.json() == {"holiday_subdivision": ["A subdivision needs a holiday country."]}


def test_queue_create_with_skills_and_target(org):
    english = SkillFactory(name="English")

    response = api_client_for(org.admin).post(
        "/api/queues/",
        {
            "name": "SG email",
            "channel": "email",
            "market": org.market.pk,
            "required_skills": [english.pk],
            "teams": [org.team_a.pk, org.team_b.pk],
            "service_level_percent": "90",
            "response_time_hours": "24",
        },
    )

    assert response.status_code == 201, response.json()
    queue = Queue.objects.get(name="SG email")
    assert response.json() == {
        "id": queue.pk,
        "name": "SG email",
        "channel": "email",
        "market": org.market.pk,
        "required_skills": [english.pk],
        "teams": [org.team_a.pk, org.team_b.pk],
        "escalation_tier": "L1",
        "service_level_percent": "90.00",
        "service_level_seconds": None,
        "response_time_hours": "24.00",
        "chat_concurrency": 1,
        "is_active": True,
        "service_target_label": "90 % in 24 h",
    }
    assert queue.service_level_percent == Decimal("90")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"channel": "chat", "service_level_percent": "120", "service_level_seconds": 20},
            "service_level_percent",
            "Ensure this value is less than or equal to 100.",
        ),
        (
            {"channel": "chat", "service_level_percent": "-1", "service_level_seconds": 20},
            "service_level_percent",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            {"channel": "chat", "service_level_seconds": -5},
            "service_level_seconds",
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            {"channel": "email", "response_time_hours": "-2"},
            "response_time_hours",
            "Ensure this value is greater than or equal to 0.",
        ),
        ({"channel": "chat"}, "service_level_seconds", "A live queue needs an answer threshold in seconds."),
        (
            {"channel": "email", "response_time_hours": "24", "service_level_seconds": 20},
            "service_level_seconds",
            "Only live queues (voice, chat, messaging) answer in seconds.",
        ),
        ({"channel": "email"}, "response_time_hours", "An async queue needs a response target in hours."),
        (
            {"channel": "voice", "service_level_seconds": 20, "chat_concurrency": 3},
            "chat_concurrency",
            "Only chat and messaging queues handle conversations concurrently.",
        ),
        ({"channel": "fax", "service_level_seconds": 20}, "channel", '"fax" is not a valid choice.'),
        ({"channel": "chat", "service_level_seconds": "soon"}, "service_level_seconds", "A valid integer is required."),
    ],
)
def test_queue_bad_input_is_a_400_naming_the_field(org, body, field, message):
    response = api_client_for(org.admin).post("/api/queues/", {"name": "New queue", **body})

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Queue.objects.filter(name="New queue").exists()


def test_queue_patch_is_checked_against_the_stored_channel(org):
    # given a chat queue (live: answered in seconds)
    queue = QueueFactory(name="Chat", channel=Channel.CHAT, service_level_seconds=60)

    # when an admin gives it a response time in hours
    response = api_client_for(org.admin).patch(f"/api/queues/{queue.pk}/", {"response_time_hours": "4"})

    # then the model rule refuses it and nothing changes
    assert response.status_code == 400
    assert response.json() == {"response_time_hours": ["Only async queues (email, social) have a response time."]}
    queue.refresh_from_db()
    assert queue.response_time_hours is None


def test_queues_filter_by_channel_market_and_search(org):
    QueueFactory(
        name="SG email",
        channel=Channel.EMAIL,
        service_level_seconds=None,
        response_time_hours=24,
        chat_concurrency=1,
        market=org.market,
    )
    client = api_client_for(org.agent_a1.user)

    by_channel = client.get("/api/queues/", {"channel": "email"}).json()["results"]
    by_market = client.get("/api/queues/", {"market_id": org.market.pk}).json()["results"]
    by_search = client.get("/api/queues/", {"q": "sg em"}).json()["results"]

    assert [queue["name"] for queue in by_channel] == ["SG email"]
    assert [queue["name"] for queue in by_market] == ["SG email"]
    assert [queue["name"] for queue in by_search] == ["SG email"]


def test_markets_and_skills_search(org):
    MarketFactory(code="my", name="Malaysia", timezone="Asia/Kuala_Lumpur")
    SkillFactory(name="English", kind="language")
    SkillFactory(name="Refunds", kind="product")
    client = api_client_for(org.qa)

    markets = client.get("/api/markets/", {"q": "malay"}).json()["results"]
    skills = client.get("/api/skills/", {"kind": "language"}).json()["results"]

    assert [market["code"] for market in markets] == ["my"]
    assert [skill["name"] for skill in skills] == ["English"]


def test_an_unknown_filter_value_is_a_400_naming_the_filter(org):
    response = api_client_for(org.admin).get("/api/queues/", {"market_id": "one"})

    assert response.status_code == 400
    assert response.json() == {"market_id": ["Enter a whole number."]}


def test_queues_filter_by_the_team_that_staffs_them(org):
    staffed = QueueFactory(name="Alpha chat")
    staffed.teams.set([org.team_a])
    QueueFactory(name="Unstaffed chat")

    response = api_client_for(org.agent_a1.user).get(f"/api/queues/?team_id={org.team_a.pk}")

    assert [queue["name"] for queue in response.json()["results"]] == ["Alpha chat"]
