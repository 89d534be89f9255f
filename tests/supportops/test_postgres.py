"""PostgreSQL: the migrations apply there and its constraints hold under raw SQL writes."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from supportops.models import Conversation
from tests.conftest import skip_unless
from tests.factories import ConversationFactory


@pytest.fixture
def postgres():
    skip_unless(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_migration_is_applied_on_postgresql(postgres):
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()

    assert executor.migration_plan(targets) == []
    applied = executor.loader.applied_migrations
    assert ("supportops", "0002_roles") in applied
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM auth_group ORDER BY name")
        assert [row[0] for row in cursor.fetchall()] == ["Admin", "Agent", "Manager", "QA reviewer"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_enforces_named_constraints_on_raw_writes(postgres):
    conversation = ConversationFactory()

    with pytest.raises(IntegrityError, match="conversation_csat_1_to_5"), transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(csat_score=9)
    with pytest.raises(IntegrityError, match="conversation_unique_source_external_id"), transaction.atomic():
        ConversationFactory(source=conversation.source, external_id=conversation.external_id)

    conversation.refresh_from_db()
    assert conversation.csat_score == 5
