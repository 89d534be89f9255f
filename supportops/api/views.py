"""Viewsets of the core API: each starts from what the user may see and composes only the mixins it needs."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from supportops import selectors, services
from supportops.api.schema import FIELD_ERRORS as _FIELD_ERRORS
from supportops.filtersets import (
    AgentFilterSet,
    ConversationFilterSet,
    MarketFilterSet,
    QueueFilterSet,
    SkillFilterSet,
    TeamFilterSet,
)
from supportops.models import Agent, Conversation, Job, Market, Queue, Skill, Team

from .permissions import AgentAccess, ConversationAccess, ReferenceDataAccess, TeamAccess
from .serializers import (
    AgentDetailSerializer,
    AgentSerializer,
    AgentStatusChangeInputSerializer,
    AgentStatusChangeSerializer,
    ConversationDetailSerializer,
    ConversationImportResultSerializer,
    ConversationInputSerializer,
    ConversationSerializer,
    JobSerializer,
    MarketSerializer,
    QueueSerializer,
    SkillSerializer,
    TeamSerializer,
    TokenSerializer,
    conversation_inputs,
)


@extend_schema(
    tags=["auth"],
    auth=[],
    summary="Exchange a username and password for an API token",
    responses={200: TokenSerializer, 400: _FIELD_ERRORS},
)
class TokenObtainView(ObtainAuthToken):
    """POST username and password, get the user's token; wrong credentials are a 400 that says so."""

    authentication_classes = ()
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth-token"


class MarketViewSet(viewsets.ModelViewSet):
    """Markets: reference data every signed-in user reads and admins change."""

    queryset = Market.objects.all()
    serializer_class = MarketSerializer
    permission_classes = [IsAuthenticated, ReferenceDataAccess]
    filterset_class = MarketFilterSet
    ordering_fields = ["name", "code"]


class SkillViewSet(viewsets.ModelViewSet):
    """Skills: reference data every signed-in user reads and admins change."""

    queryset = Skill.objects.all()
    serializer_class = SkillSerializer
    permission_classes = [IsAuthenticated, ReferenceDataAccess]
    filterset_class = SkillFilterSet
    ordering_fields = ["name", "kind"]


class QueueViewSet(viewsets.ModelViewSet):
    """Queues and their service targets: every signed-in user reads them, admins change them."""

    queryset = Queue.objects.prefetch_related("required_skills", "teams")
    serializer_class = QueueSerializer
    permission_classes = [IsAuthenticated, ReferenceDataAccess]
    filterset_class = QueueFilterSet
    ordering_fields = ["name", "channel"]


class TeamViewSet(viewsets.ModelViewSet):
    """Teams the user may see; managers change the teams they manage, admins create and delete."""

    serializer_class = TeamSerializer
    permission_classes = [IsAuthenticated, TeamAccess]
    filterset_class = TeamFilterSet
    ordering_fields = ["name", "slug"]

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.team_list(user=self.request.user).prefetch_related("qa_reviewers")


class AgentViewSet(viewsets.ModelViewSet):
    """Agents the user may see, with their login and skills; the detail adds the status history.

    Admins create agents anywhere and managers into teams they manage; admins and managers (for
    their teams and direct reports) change them; only admins delete. The status moves only through
    ``POST /api/agents/{id}/status/``.
    """

    permission_classes = [IsAuthenticated, AgentAccess]
    filterset_class = AgentFilterSet
    ordering_fields = ["user__username", "user__first_name", "user__last_name", "start_date", "status"]

    def get_queryset(self) -> QuerySet[Agent]:
        if self.action == "list":
            return selectors.agent_list(user=self.request.user)
        return selectors.agent_detail(user=self.request.user)

    def get_serializer_class(self) -> type[AgentSerializer]:
        return AgentSerializer if self.action == "list" else AgentDetailSerializer

    @extend_schema(request=AgentStatusChangeInputSerializer, responses={201: AgentStatusChangeSerializer})
    @action(detail=True, methods=["post"], url_path="status", serializer_class=AgentStatusChangeInputSerializer)
    def change_status(self, request: Request, pk: Any = None) -> Response:
        """Move the agent along their lifecycle (onboarding → nesting → active → on leave → exited)."""
        agent = self.get_object()
        change = AgentStatusChangeInputSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        changed_by = cast(User, request.user)  # IsAuthenticated let only signed-in users through
        recorded = services.agent_change_status(agent=agent, changed_by=changed_by, **change.validated_data)
        return Response(AgentStatusChangeSerializer(recorded).data, status=status.HTTP_201_CREATED)


class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Conversations the user may see; the detail carries the transcript, the list does not.

    ``POST`` imports conversations in bulk (admins, or accounts with the ``supportops.add_conversation``
    permission): the body is a JSON list of up to 1000 conversations, or one conversation object.
    Rows are keyed by (``source``, ``external_id``): a key already stored updates that conversation,
    so sending the same batch twice changes nothing. The answer is 201 when at least one row was
    created and 200 when every row updated an existing one, with the counts and the stored ids in the
    order sent. One bad row refuses the whole batch (400, nothing stored) with every bad row named::

        {"detail": "Row 1: created_at: ...", "rows": {"1": {"created_at": ["..."]}}}

    Conversations are not edited or deleted here: a corrected row is re-imported.
    """

    permission_classes = [IsAuthenticated, ConversationAccess]
    parser_classes = [JSONParser]
    filterset_class = ConversationFilterSet
    ordering_fields = ["created_at", "csat_score", "handle_time_seconds"]

    def get_queryset(self) -> QuerySet[Conversation]:
        if self.action == "retrieve":
            return selectors.conversation_detail(user=self.request.user)
        return selectors.conversation_list(user=self.request.user)

    def get_serializer_class(self) -> type[ConversationSerializer]:
        return ConversationDetailSerializer if self.action == "retrieve" else ConversationSerializer

    @extend_schema(
        summary="Import conversations in bulk",
        description=(
            "A JSON list of up to 1000 conversations (or one object), keyed by (source, external_id): a key "
            "already stored updates that conversation, so re-sending a batch never duplicates. ``messages``, "
            "when sent, replaces the stored transcript. 201 when at least one row was created, 200 when every "
            "row updated an existing conversation. One bad row refuses the whole batch (400, nothing stored) "
            "and every bad row is named by its 0-based index. Admins, or accounts with the "
            "supportops.add_conversation permission."
        ),
        request=ConversationInputSerializer(many=True),
        responses={
            201: ConversationImportResultSerializer,
            200: ConversationImportResultSerializer,
            400: OpenApiResponse(
                response=inline_serializer(
                    "ImportRefused",
                    {
                        "detail": serializers.CharField(),
                        "rows": serializers.DictField(
                            child=serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
                        ),
                    },
                ),
                description="The batch was refused and nothing was stored; ``rows`` maps a 0-based row to its errors.",
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Import conversations all-or-nothing (the format is in the class docstring)."""
        result = services.conversations_import(rows=conversation_inputs(request.data))
        answer = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(ConversationImportResultSerializer(result).data, status=answer)


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Background jobs and their progress: each person sees the jobs they started; admins see all."""

    serializer_class = JobSerializer
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Job]:
        return Job.objects.visible_to(self.request.user).select_related("created_by")
