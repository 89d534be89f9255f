"""API of helpdesk integrations: admins list them; admins and integration accounts upload files to import.

The webhook secret is never serialised: the API says only whether one is set.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supportops import access
from supportops.api.serializers import ConversationImportResultSerializer
from supportops.models import HelpdeskIntegration

from . import selectors, services
from .records import RecordError


class IntegrationAccess(BasePermission):
    """Admins see integrations; importing also suits accounts with ``supportops.add_conversation``."""

    message = "Helpdesk integrations are for admins (imports also for accounts allowed to add conversations)."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if access.is_admin(request.user):
            return True
        return getattr(view, "action", None) == "import_file" and request.user.has_perm("supportops.add_conversation")


class HelpdeskIntegrationSerializer(serializers.ModelSerializer):
    """An integration as admins see it: never its secret, only whether one is set, and its webhook URL."""

    default_queue_id = serializers.IntegerField(read_only=True, allow_null=True)
    has_webhook_secret = serializers.SerializerMethodField()
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = HelpdeskIntegration
        fields = [
            "id",
            "name",
            "source",
            "account",
            "is_active",
            "replay_window_seconds",
            "default_queue_id",
            "has_webhook_secret",
            "webhook_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_webhook_secret(self, integration: HelpdeskIntegration) -> bool:
        return bool(integration.webhook_secret)

    def get_webhook_url(self, integration: HelpdeskIntegration) -> str:
        """Where the helpdesk posts its webhooks: absolute when the request is known."""
        path = reverse("helpdesk-webhook", kwargs={"integration_id": integration.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class HelpdeskImportRequestSerializer(serializers.Serializer):
    """One file: a Zendesk export page (JSON), Intercom conversations (JSON) or a CSV export."""

    file = serializers.FileField(help_text=f"At most {services.MAX_UPLOAD_BYTES} bytes.")


_IMPORT_REFUSED = OpenApiResponse(
    response=inline_serializer(
        "HelpdeskImportRefused",
        {
            "detail": serializers.CharField(),
            "records": inline_serializer(
                "HelpdeskRecordError",
                {
                    "index": serializers.IntegerField(allow_null=True),
                    "external_id": serializers.CharField(allow_null=True),
                    "field": serializers.CharField(),
                    "message": serializers.CharField(),
                },
                many=True,
            ),
        },
    ),
    description="Nothing was stored. Each problem names its 0-based record (null: the file), external id and field.",
)


class HelpdeskIntegrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Helpdesk integrations (admins only), and ``POST /api/integrations/{id}/import/`` to upload a file."""

    serializer_class = HelpdeskIntegrationSerializer
    permission_classes = [IsAuthenticated, IntegrationAccess]
    ordering_fields = ["name"]

    def get_queryset(self) -> QuerySet[HelpdeskIntegration]:
        return selectors.helpdesk_integration_list()

    @extend_schema(
        summary="Import a helpdesk file",
        description=(
            "Multipart field `file`: for a Zendesk integration an incremental export page (`tickets`, `users`, "
            "optionally `comments`, `audits`, `satisfaction_ratings`), for an Intercom integration a list of "
            'conversations or `{"conversations": [...]}`; or, for either, a CSV export (see docs/integrations.md). '
            "All-or-nothing and keyed by (source, external id): re-importing updates. 201 when something was "
            "created, 200 when every record updated a stored conversation."
        ),
        request={"multipart/form-data": HelpdeskImportRequestSerializer},
        responses={
            201: ConversationImportResultSerializer,
            200: ConversationImportResultSerializer,
            400: _IMPORT_REFUSED,
        },
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request: Request, pk: Any = None) -> Response:
        integration = self.get_object()
        upload = request.data.get("file")
        if upload is None or isinstance(upload, str):
            raise services.HelpdeskImportError(
                [RecordError(index=-1, external_id=None, field="file", message="Send a file (multipart field “file”).")]
            )
        if upload.size is not None and upload.size > services.MAX_UPLOAD_BYTES:
            raise services.HelpdeskImportError(
                [
                    RecordError(
                        index=-1,
                        external_id=None,
                        field="file",
                        message=f"The file is {upload.size} bytes; send at most {services.MAX_UPLOAD_BYTES} bytes.",
                    )
                ]
            )
        result = services.helpdesk_file_import(
            integration=integration, content=upload.read(), filename=upload.name or ""
        )
        answer = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(ConversationImportResultSerializer(result).data, status=answer)
