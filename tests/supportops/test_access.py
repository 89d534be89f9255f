"""The visible_to querysets: what each role sees of teams, agents and conversations."""

from supportops.models import Agent, Conversation, Team


def names(queryset, attribute):
    return sorted(str(attribute(obj)) for obj in queryset)


def test_teams_visible_to_each_role(org):
    assert names(Team.objects.visible_to(org.admin), lambda t: t.slug) == ["alpha", "bravo"]
    assert names(Team.objects.visible_to(org.manager_a), lambda t: t.slug) == ["alpha"]
    assert names(Team.objects.visible_to(org.manager_b), lambda t: t.slug) == ["bravo"]
    assert names(Team.objects.visible_to(org.qa), lambda t: t.slug) == ["alpha"]
    assert names(Team.objects.visible_to(org.agent_b1.user), lambda t: t.slug) == ["bravo"]


def test_agents_visible_to_each_role(org):
    username = lambda a: a.user.username  # noqa: E731
    assert names(Agent.objects.visible_to(org.admin), username) == [
        "agent_a1",
        "agent_a2",
        "agent_b1",
        "agent_b2",
    ]
    # manager_a: their team plus agent_b2 who reports to them from another team
    assert names(Agent.objects.visible_to(org.manager_a), username) == ["agent_a1", "agent_a2", "agent_b2"]
    assert names(Agent.objects.visible_to(org.manager_b), username) == ["agent_b1", "agent_b2"]
    assert names(Agent.objects.visible_to(org.qa), username) == ["agent_a1", "agent_a2"]
    assert names(Agent.objects.visible_to(org.agent_a1.user), username) == ["agent_a1", "agent_a2"]


def test_conversations_visible_to_each_role(org):
    external = lambda c: c.external_id  # noqa: E731
    assert names(Conversation.objects.visible_to(org.admin), external) == ["a1", "a2", "b1", "b2"]
    assert names(Conversation.objects.visible_to(org.manager_a), external) == ["a1", "a2", "b2"]
    assert names(Conversation.objects.visible_to(org.manager_b), external) == ["b1", "b2"]
    assert names(Conversation.objects.visible_to(org.qa), external) == ["a1", "a2"]
    assert names(Conversation.objects.visible_to(org.agent_a1.user), external) == ["a1"]


def test_inactive_and_anonymous_users_see_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    org.manager_a.is_active = False
    org.manager_a.save()
    assert Agent.objects.visible_to(org.manager_a).count() == 0
    assert Conversation.objects.visible_to(AnonymousUser()).count() == 0
    assert Team.objects.visible_to(AnonymousUser()).count() == 0
