"""Pages of the core app, and the health endpoint."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import system_health


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON health of database and broker: 200 when all are healthy, 503 otherwise. Needs no login."""
    is_healthy, body = system_health()
    return JsonResponse(body, status=200 if is_healthy else 503)
