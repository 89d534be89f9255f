"""The integrations' admin: the webhook secret is write-only, and only admins get in."""

import pytest
from django.test import Client
from django.urls import reverse

from supportops.models import HelpdeskIntegration
from tests.integrations.conftest import ZENDESK_SECRET

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(integration: HelpdeskIntegration, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": integration.name,
        "source": integration.source,
        "account": integration.account,
        "webhook_secret": "",
        "replay_window_seconds": integration.replay_window_seconds,
        "is_active": "on",
        "default_queue": integration.default_queue_id or "",
    }
    for prefix in ("identities", "queue_mappings"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
    data.update(changes)
    return data


def test_the_change_page_never_shows_the_secret(org, helpdesk):
    client = admin_client(org.admin)

    listing = client.get(reverse("admin:supportops_helpdeskintegration_changelist"))
    page = client.get(reverse("admin:supportops_helpdeskintegration_change", args=[helpdesk.zendesk.pk]))

    assert (listing.status_code, page.status_code) == (200, 200)
    assert ZENDESK_SECRET not in listing.content.decode()
    assert ZENDESK_SECRET not in page.content.decode()
    assert f"/webhooks/helpdesk/{helpdesk.zendesk.pk}/" in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "secret"),
    [
        ({"webhook_secret": ""}, ZENDESK_SECRET),
        ({"webhook_secret": "  rotated-secret  "}, "rotated-secret"),
        ({"webhook_secret": "", "clear_webhook_secret": "on"}, ""),
    ],
)
def test_a_blank_secret_keeps_the_stored_one(org, helpdesk, changes, secret):
    url = reverse("admin:supportops_helpdeskintegration_change", args=[helpdesk.zendesk.pk])

    response = admin_client(org.admin).post(url, form_data(helpdesk.zendesk, account="acme-eu", **changes))

    assert response.status_code == 302, response.content.decode()[:2000]
    helpdesk.zendesk.refresh_from_db()
    assert (helpdesk.zendesk.account, helpdesk.zendesk.webhook_secret) == ("acme-eu", secret)


def test_an_admin_adds_an_integration_with_a_secret(org, helpdesk):
    data = form_data(
        HelpdeskIntegration(name="Support Intercom", source="intercom", account="x1y2"), webhook_secret="fresh"
    )

    response = admin_client(org.admin).post(reverse("admin:supportops_helpdeskintegration_add"), data)

    assert response.status_code == 302
    added = HelpdeskIntegration.objects.get(name="Support Intercom")
    assert (added.source, added.webhook_secret, added.replay_window_seconds) == ("intercom", "fresh", 300)


@pytest.mark.parametrize("who", ["manager_a", "qa"])
def test_people_without_the_admin_role_do_not_get_in(org, helpdesk, who):
    response = admin_client(getattr(org, who)).get(reverse("admin:supportops_helpdeskintegration_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
