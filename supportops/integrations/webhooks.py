"""Webhook endpoint of helpdesk integrations: ``POST /webhooks/helpdesk/<integration id>/``.

Plain Django view (no session, no CSRF, no API token): the signature over the raw body is the only proof
of origin. A refused delivery is a 401 and stores nothing; a signed but malformed body is a 400.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services


@csrf_exempt
@require_POST
def helpdesk_webhook(request: HttpRequest, integration_id: int) -> JsonResponse:
    """Verify the delivery's signature and import the ticket or conversation it carries."""
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"detail": "The body is too large."}, status=413)
    if len(body) > services.MAX_UPLOAD_BYTES:
        return JsonResponse({"detail": "The body is too large."}, status=413)
    try:
        result = services.helpdesk_webhook_receive(integration_id=integration_id, body=body, headers=request.headers)
    except services.WebhookRefused as refused:
        return JsonResponse({"detail": str(refused)}, status=401)
    except services.HelpdeskImportError as refused:
        return JsonResponse(refused.api_detail(), status=400, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(
        {
            "created": result.created,
            "updated": result.updated,
            "conversations": [
                {"id": c.pk, "source": c.source, "external_id": c.external_id} for c in result.conversations
            ],
        },
        status=200,
        json_dumps_params={"ensure_ascii": False},
    )
