"""Services of the core app: roles, agent lifecycle and the all-or-nothing conversation import."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from supportops import access, services
from supportops.choices import AgentStatus, Role
from supportops.models import AgentStatusChange, Conversation, ConversationMessage
from tests.factories import AgentFactory, QueueFactory, TeamFactory, UserFactory

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_user_set_roles_replaces_roles_and_grants_admin_site_access_to_admins_only():
    user = UserFactory(roles=[Role.AGENT, Role.QA_REVIEWER])
    assert access.roles_of(user) == {"Agent", "QA reviewer"}
    assert not user.is_staff

    services.user_set_roles(user=user, roles=[Role.ADMIN])

    assert access.roles_of(user) == {"Admin"}
    assert access.is_admin(user)
    user.refresh_from_db()
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["Admin"]


@pytest.mark.django_db
def test_agent_create_records_the_first_status_and_gives_the_agent_role():
    user = UserFactory(roles=[])
    team = TeamFactory()

    agent = services.agent_create(user=user, team=team, start_date=date(2026, 2, 2), status=AgentStatus.ONBOARDING)

    assert access.has_role(user, Role.AGENT)
    assert list(agent.status_changes.values_list("status", "effective_date")) == [("onboarding", date(2026, 2, 2))]


@pytest.mark.django_db
def test_agent_create_names_the_field_of_a_vendor_without_a_vendor_name():
    with pytest.raises(ValidationError) as error:
        services.agent_create(
            user=UserFactory(), team=TeamFactory(), start_date=date(2026, 2, 2), employment_type="vendor"
        )
    assert error.value.message_dict == {"vendor_name": ["Name the vendor of an outsourced agent."]}


@pytest.mark.django_db
def test_agent_moves_from_onboarding_through_nesting_to_active_with_dated_history():
    agent = AgentFactory(status=AgentStatus.ONBOARDING, start_date=date(2026, 1, 5))
    AgentStatusChange.objects.create(agent=agent, status="onboarding", effective_date=date(2026, 1, 5))

    services.agent_change_status(agent=agent, status=AgentStatus.NESTING, effective_date=date(2026, 2, 2))
    services.agent_change_status(agent=agent, status=AgentStatus.ACTIVE, effective_date=date(2026, 3, 2))

    agent.refresh_from_db()
    assert agent.status == "active"
    assert list(agent.status_changes.values_list("previous_status", "status", "effective_date")) == [
        ("", "onboarding", date(2026, 1, 5)),
        ("onboarding", "nesting", date(2026, 2, 2)),
        ("nesting", "active", date(2026, 3, 2)),
    ]


@pytest.mark.django_db
def test_agent_status_change_refuses_a_skipped_step_and_a_date_before_the_last_change():
    agent = AgentFactory(status=AgentStatus.ACTIVE)
    AgentStatusChange.objects.create(agent=agent, status="active", effective_date=date(2026, 3, 2))

    with pytest.raises(ValidationError) as skipped:
        services.agent_change_status(agent=agent, status=AgentStatus.NESTING)
    with pytest.raises(ValidationError) as backdated:
        services.agent_change_status(agent=agent, status=AgentStatus.ON_LEAVE, effective_date=date(2026, 3, 1))

    assert skipped.value.message_dict == {"status": ["An agent who is active can move only to: exited, on leave."]}
    assert backdated.value.message_dict == {"effective_date": ["Must be on or after the last change (2026-03-02)."]}
    agent.refresh_from_db()
    assert agent.status == "active"
    assert agent.status_changes.count() == 1


def row(external_id: str, **overrides) -> services.ConversationInput:
    values = {"source": "zendesk", "external_id": external_id, "created_at": T0, "csat_score": 4, **overrides}
    return services.ConversationInput(**values)


@pytest.mark.django_db
def test_import_creates_then_updates_by_source_and_external_id_with_transcripts():
    queue = QueueFactory()
    agent = AgentFactory()
    message = services.MessageInput(author_role="customer", body="My card was declined", sent_at=T0)
    reply = services.MessageInput(author_role="agent", body="Let me check", sent_at=T0 + timedelta(seconds=30))

    first = services.conversations_import(
        rows=[row("100", queue_id=queue.pk, agent_id=agent.pk, messages=[message, reply]), row("101")]
    )
    second = services.conversations_import(rows=[row("100", csat_score=2, tags=["card_declined"]), row("102")])

    assert (first.created, first.updated) == (2, 0)
    assert (second.created, second.updated) == (1, 1)
    assert Conversation.objects.count() == 3
    updated = Conversation.objects.get(source="zendesk", external_id="100")
    assert (updated.csat_score, updated.tags, updated.queue_id) == (2, ["card_declined"], None)
    # A row without messages keeps the stored transcript.
    assert list(ConversationMessage.objects.filter(conversation=updated).values_list("position", "body")) == [
        (0, "My card was declined"),
        (1, "Let me check"),
    ]


@pytest.mark.django_db
def test_import_with_one_bad_row_names_row_and_field_and_stores_nothing():
    rows = [
        row("1"),
        row("2", csat_score=9),
        row("3", agent_id=987654),
        row("1"),
        row("4", first_response_at=T0 - timedelta(minutes=1)),
        row("5", created_at=datetime(2026, 3, 2, 9, 0)),  # noqa: DTZ001 - a naive time is the bad input
    ]

    with pytest.raises(services.ConversationImportError) as error:
        services.conversations_import(rows=rows)

    assert error.value.row_errors == {
        1: {"csat_score": ["Ensure this value is less than or equal to 5."]},
        2: {"agent_id": ["No agent has id 987654."]},
        3: {"external_id": ["Repeats row 0 (zendesk #1); send each once."]},
        4: {"first_response_at": ["The first response cannot come before the conversation was created."]},
        5: {"created_at": ["Give a time zone offset (e.g. 2026-03-01T09:00:00Z)."]},
    }
    assert str(error.value.message) == "Row 1: csat_score: Ensure this value is less than or equal to 5."
    assert Conversation.objects.count() == 0


@pytest.mark.django_db
def test_import_refuses_an_empty_batch_and_one_above_the_limit():
    with pytest.raises(services.ConversationImportError) as empty:
        services.conversations_import(rows=[])
    too_many = [row(str(n)) for n in range(services.MAX_CONVERSATIONS_PER_IMPORT + 1)]
    with pytest.raises(services.ConversationImportError) as huge:
        services.conversations_import(rows=too_many)

    assert empty.value.row_errors == {0: {"non_field_errors": ["Send at least one conversation."]}}
    assert huge.value.row_errors == {0: {"non_field_errors": ["Send at most 1000 conversations at once."]}}
    assert Conversation.objects.count() == 0
