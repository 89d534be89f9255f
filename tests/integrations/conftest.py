"""A Zendesk and an Intercom integration on top of the ``org`` fixture, with agents and queues to map to."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission, User

from supportops.choices import ConversationSource
from supportops.models import Agent, HelpdeskIdentity, HelpdeskIntegration, HelpdeskQueueMapping, Queue
from tests.factories import AgentFactory, QueueFactory, UserFactory

ZENDESK_SECRET = "zd-signing-secret-0123456789"
INTERCOM_SECRET = "ic-client-secret-9876543210"


@dataclass
class Helpdesk:
    """The integrations and what they map to.

    - ``zendesk``: group 360001 → ``billing``, default queue ``general``; Zendesk user 2002 → ``bob`` by identity;
      ``alice`` is found by her e-mail (Zendesk user 2001 sends it in another case).
    - ``intercom``: team 5017691 → ``billing``, no default queue; ``carol`` is found by her e-mail.
    - ``sync``: an integration account with only the ``add_conversation`` permission.
    """

    zendesk: HelpdeskIntegration
    intercom: HelpdeskIntegration
    billing: Queue
    general: Queue
    alice: Agent
    bob: Agent
    carol: Agent
    sync: User


@pytest.fixture
def helpdesk(org) -> Helpdesk:
    billing = QueueFactory(name="Billing chat")
    general = QueueFactory(name="General chat")
    alice = AgentFactory(user__username="alice", user__email="alice.lim@support.example", team=org.team_a)
    bob = AgentFactory(user__username="bob", user__email="bob@elsewhere.example", team=org.team_a)
    carol = AgentFactory(user__username="carol", user__email="carol.tan@support.example", team=org.team_b)
    zendesk = HelpdeskIntegration.objects.create(
        name="Acme Zendesk",
        source=ConversationSource.ZENDESK,
        account="acme",
        webhook_secret=ZENDESK_SECRET,
        default_queue=general,
    )
    HelpdeskQueueMapping.objects.create(integration=zendesk, external_id="360001", queue=billing)
    HelpdeskIdentity.objects.create(integration=zendesk, external_user_id="2002", agent=bob)
    intercom = HelpdeskIntegration.objects.create(
        name="Acme Intercom", source=ConversationSource.INTERCOM, account="abc123de", webhook_secret=INTERCOM_SECRET
    )
    HelpdeskQueueMapping.objects.create(integration=intercom, external_id="5017691", queue=billing)
    sync = UserFactory(username="helpdesk_sync")
    sync.user_permissions.add(Permission.objects.get(codename="add_conversation"))
    return Helpdesk(
        zendesk=zendesk,
        intercom=intercom,
        billing=billing,
        general=general,
        alice=alice,
        bob=bob,
        carol=carol,
        sync=sync,
    )
