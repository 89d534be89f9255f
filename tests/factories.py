"""factory_boy factories for the org model; every test builds its own data through them."""

from datetime import UTC, date, datetime, timedelta

import factory
from django.contrib.auth.models import User

from supportops import services
from supportops.choices import AgentStatus, Channel, ConversationSource, Role
from supportops.models import Agent, Conversation, Market, Queue, Skill, Team

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A login with a usable password (``PASSWORD``) and the roles given as ``roles=[...]``."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        if create and extracted:
            services.user_set_roles(user=self, roles=extracted)


class MarketFactory(factory.django.DjangoModelFactory[Market]):
    """Singapore by default."""

    class Meta:
        model = Market
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"m{n}")
    name = factory.Sequence(lambda n: f"Market {n}")
    timezone = "Asia/Singapore"
    holiday_country = "SG"


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    """A team in a market; pass ``managers=[user]`` / ``qa_reviewers=[user]``."""

    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    market = factory.SubFactory(MarketFactory)
    planning_interval_minutes = 30

    @factory.post_generation
    def managers(self, create, extracted, **kwargs):
        if create and extracted:
            self.managers.add(*extracted)

    @factory.post_generation
    def qa_reviewers(self, create, extracted, **kwargs):
        if create and extracted:
            self.qa_reviewers.add(*extracted)


class AgentFactory(factory.django.DjangoModelFactory[Agent]):
    """An active L1 employee with the Agent role."""

    class Meta:
        model = Agent

    user = factory.SubFactory(UserFactory, roles=[Role.AGENT])
    team = factory.SubFactory(TeamFactory)
    status = AgentStatus.ACTIVE
    start_date = date(2025, 1, 6)
    contracted_hours_min = 30
    contracted_hours_max = 40


class SkillFactory(factory.django.DjangoModelFactory[Skill]):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")


class QueueFactory(factory.django.DjangoModelFactory[Queue]):
    """A chat queue targeting 80 % in 60 s."""

    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")
    channel = Channel.CHAT
    service_level_percent = 80
    service_level_seconds = 60
    chat_concurrency = 2


class ConversationFactory(factory.django.DjangoModelFactory[Conversation]):
    """A resolved API conversation with CSAT 5."""

    class Meta:
        model = Conversation

    source = ConversationSource.API
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    queue = factory.SubFactory(QueueFactory)
    agent = factory.SubFactory(AgentFactory)
    created_at = factory.Sequence(lambda n: datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=7 * n))
    first_response_at = factory.LazyAttribute(lambda c: c.created_at + timedelta(seconds=45))
    resolved_at = factory.LazyAttribute(lambda c: c.created_at + timedelta(minutes=12))
    handle_time_seconds = 420
    csat_score = 5
    tags = factory.LazyFunction(lambda: ["billing"])
