"""Token and session authentication, the OpenAPI schema and the offline Swagger UI."""

import re

from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.access import api_client_for
from tests.factories import PASSWORD


def test_token_endpoint_exchanges_username_and_password_for_the_users_token(org):
    # given a user with a password
    client = APIClient()

    # when they post their credentials
    response = client.post("/api/auth/token/", {"username": "manager_a", "password": PASSWORD}, format="json")

    # then they get their token, and it authenticates API calls
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=org.manager_a).key}
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert [team["slug"] for team in client.get("/api/teams/").json()["results"]] == ["alpha"]


def test_token_endpoint_refuses_a_wrong_password_with_a_json_400(org):
    response = APIClient().post("/api/auth/token/", {"username": "manager_a", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not Token.objects.filter(user=org.manager_a).exists()


def test_token_endpoint_names_a_missing_field(org):
    response = APIClient().post("/api/auth/token/", {"username": "manager_a"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"password": ["This field is required."]}


def test_token_endpoint_refuses_an_inactive_user(org):
    org.manager_a.is_active = False
    org.manager_a.save()

    response = APIClient().post("/api/auth/token/", {"username": "manager_a", "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_session_authentication_works_for_a_signed_in_user(org):
    client = APIClient()
    client.force_login(org.manager_b)

    response = client.get("/api/teams/")

    assert response.status_code == 200
    assert [team["slug"] for team in response.json()["results"]] == ["bravo"]


def test_anonymous_requests_are_refused_with_401(org):
    response = APIClient().get("/api/agents/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_wrong_token_is_refused_with_401(org):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/teams/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_openapi_schema_validates_without_warnings(tmp_path):
    # fails (SchemaGenerationError) on any warning or validation error
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    schema = (tmp_path / "schema.yml").read_text()
    for path in (
        "/api/auth/token/:",
        "/api/markets/:",
        "/api/teams/{id}/:",
        "/api/agents/{id}/status/:",
        "/api/skills/:",
        "/api/queues/:",
        "/api/conversations/{id}/:",
    ):
        assert path in schema


def test_schema_endpoint_serves_openapi_3(org):
    response = api_client_for(org.agent_a1.user).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    body = response.json()
    assert body["openapi"].startswith("3.")
    assert body["paths"]["/api/auth/token/"]["post"]["operationId"] == "auth_token_create"
    assert "security" not in body["paths"]["/api/auth/token/"]["post"]


def test_swagger_ui_renders_with_local_assets_only(org):
    # given a signed-in user
    client = APIClient()
    client.force_login(org.manager_a)

    # when they open the API docs
    response = client.get("/api/docs/")

    # then the page renders and every script and stylesheet is served by this site
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    static_assets = [url for url in assets if url.startswith("/static/")]
    assert len(static_assets) >= 3, assets
    for url in static_assets:
        assert finders.find(url.removeprefix("/static/")) is not None, url


def test_schema_and_docs_need_a_login(client, db):
    assert APIClient().get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)


def test_token_endpoint_slows_down_password_guessing(org):
    client = APIClient()
    for attempt in range(20):
        response = client.post("/api/auth/token/", {"username": "manager_a", "password": f"guess-{attempt}"})
        assert response.status_code == 400

    blocked = client.post("/api/auth/token/", {"username": "manager_a", "password": PASSWORD})

    assert blocked.status_code == 429
    assert "token" not in blocked.json()
