"""The role-access test helper: for one endpoint, exactly which objects each role sees and may change.

Every API endpoint of SupportOps is covered by a test that calls ``assert_role_access`` with one
``RoleCase`` per role. The helper checks, for each user:

- the list endpoint (all pages) returns exactly the ``sees`` ids;
- the detail endpoint answers 200 for every id in ``sees`` and 404 for every other id;
- with ``change`` given, a PATCH of each id answers 200 when in ``may_change``, 403 when the user
  sees but may not change it, and 404 when they cannot see it. Each PATCH is rolled back so the
  cases do not affect one another;
- a case with ``denied=True`` (a role the endpoint is not for, such as agents on capacity data)
  gets 403 on the list and on every object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@dataclass
class RoleCase:
    """What one user is expected to see and change through an endpoint."""

    user: User
    sees: set[int]
    may_change: set[int] = field(default_factory=set)
    denied: bool = False


def api_client_for(user: User | None) -> APIClient:
    """An API client authenticated with the user's token (anonymous for None)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def listed_ids(client: APIClient, url: str) -> list[int]:
    """Every id a paginated list endpoint returns, following ``next`` links."""
    ids: list[int] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, (url, response.status_code, response.content[:500])
        body = response.json()
        ids.extend(item["id"] for item in body["results"])
        next_url = body["next"]
    return ids


def assert_role_access(
    *,
    list_url: str,
    detail_url: Callable[[int], str],
    all_ids: Iterable[int],
    cases: dict[str, RoleCase],
    change: dict[str, Any] | None = None,
) -> None:
    """Assert exactly what each role sees and may change through one endpoint (see module docstring)."""
    every_id = set(all_ids)
    for role_name, case in cases.items():
        assert case.sees <= every_id, f"{role_name}: expected ids outside all_ids"
        client = api_client_for(case.user)
        if case.denied:
            assert not case.sees, f"{role_name}: a denied role sees nothing"
            assert not case.may_change, f"{role_name}: a denied role changes nothing"
            assert client.get(list_url).status_code == 403, f"{role_name} GET {list_url} should be 403"
            for object_id in sorted(every_id):
                status = client.get(detail_url(object_id)).status_code
                assert status == 403, f"{role_name} GET {detail_url(object_id)}: {status}, expected 403"
            continue
        seen = listed_ids(client, list_url)
        assert len(seen) == len(set(seen)), f"{role_name}: {list_url} lists duplicates: {seen}"
        assert set(seen) == case.sees, f"{role_name} on {list_url}: saw {sorted(seen)}, expected {sorted(case.sees)}"
        for object_id in sorted(every_id):
            expected = 200 if object_id in case.sees else 404
            status = client.get(detail_url(object_id)).status_code
            assert status == expected, f"{role_name} GET {detail_url(object_id)}: {status}, expected {expected}"
        if change is None:
            continue
        for object_id in sorted(every_id):
            if object_id in case.may_change:
                expected = 200
            elif object_id in case.sees:
                expected = 403
            else:
                expected = 404
            with transaction.atomic():
                response = client.patch(detail_url(object_id), change, format="json")
                transaction.set_rollback(True)
            assert response.status_code == expected, (
                f"{role_name} PATCH {detail_url(object_id)}: {response.status_code}, expected {expected}: "
                f"{response.content[:300]!r}"
            )
