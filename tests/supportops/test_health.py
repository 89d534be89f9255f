"""GET /healthz: database and broker status as JSON, 200 when healthy and 503 when not."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"]["database"] == {"status": "ok", "detail": connection.vendor}
    assert body["components"]["broker"]["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_needs_no_login_and_refuses_post(client):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_it_is_unreachable(client, settings):
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["broker"]["status"] == "error"
    assert "refused" in body["components"]["broker"]["detail"].lower()
