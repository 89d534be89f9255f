"""Curricula API: curricula, their versions (with phases and modules) and modules (with quiz questions).

Reading: admins and managers see every curriculum; agents the curricula they are enrolled in (others are a 404);
QA reviewers without another onboarding role get 403. The answer key (``Choice.is_correct``) and question
explanations are only in the manager/admin serialiser; agents never receive them.

Writing is for admins: create a curriculum (with an empty draft of version 1), make the draft of the next version,
publish a draft. Curriculum content is edited in the Django admin.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from supportops import access
from supportops.api.schema import FIELD_ERRORS as _FIELD_ERRORS
from supportops.choices import Role, Tier
from supportops.models import Market, Team

from .. import selectors, services
from ..markdown import render_markdown
from ..models import Certification, Choice, Curriculum, CurriculumVersion, Module, Phase, Question

_FORBIDDEN = OpenApiResponse(description="Only admins do this.")


class CanReadCurricula(permissions.BasePermission):
    """Admins, managers and agents; QA reviewers holding no other of these roles are refused (403)."""

    message = "Onboarding data is for agents, managers and admins."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and selectors.can_read_curricula(request.user))


class AdminWrites(permissions.BasePermission):
    """Reads for whoever may read; every write for admins only."""

    message = "Only admins change curricula."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or access.is_admin(request.user)


# --- serialisers -----------------------------------------------------------------------------------------------


class CurriculumSerializer(serializers.ModelSerializer[Curriculum]):
    """A curriculum, its targets (empty: anyone) and its published version's number (null when none)."""

    team_id = serializers.IntegerField(read_only=True, allow_null=True)
    market_id = serializers.IntegerField(read_only=True, allow_null=True)
    certification_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Curriculum
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "team_id",
            "market_id",
            "role",
            "tier",
            "certification_id",
            "is_recertification_path",
            "created_at",
        ]
        read_only_fields = fields


class CurriculumInSerializer(serializers.Serializer[Any]):
    """A curriculum to create; targets left empty mean anyone."""

    name = serializers.CharField(max_length=150)
    slug = serializers.SlugField(max_length=80)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    team_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    market_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True, default="")
    tier = serializers.ChoiceField(choices=Tier.choices, required=False, allow_blank=True, default="")
    certification_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    is_recertification_path = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for field, model in (("team_id", Team), ("market_id", Market), ("certification_id", Certification)):
            object_id = attrs.pop(field)
            name = field.removesuffix("_id")
            attrs[name] = None
            if object_id is not None:
                found = model.objects.filter(pk=object_id).first()
                if found is None:
                    raise serializers.ValidationError({field: [f"No {name} has id {object_id}."]})
                attrs[name] = found
        return attrs


class PhaseSerializer(serializers.ModelSerializer[Phase]):
    """A phase of a version, in order."""

    class Meta:
        model = Phase
        fields = ["id", "name", "position"]
        read_only_fields = fields


class ModuleBriefSerializer(serializers.ModelSerializer[Module]):
    """A module in a version's outline: what it is, where it sits, how long it takes, what it needs first."""

    phase_id = serializers.IntegerField(read_only=True, allow_null=True)
    prerequisite_ids = serializers.SerializerMethodField()

    class Meta:
        model = Module
        fields = [
            "id",
            "key",
            "title",
            "kind",
            "phase_id",
            "position",
            "estimated_minutes",
            "due_business_days",
            "prerequisite_ids",
        ]
        read_only_fields = fields

    def get_prerequisite_ids(self, module: Module) -> list[int]:
        return sorted(prerequisite.pk for prerequisite in module.prerequisites.all())


class CurriculumVersionSerializer(serializers.ModelSerializer[CurriculumVersion]):
    """A version with its phases and the outline of its modules."""

    curriculum_id = serializers.IntegerField(read_only=True)
    curriculum_name = serializers.CharField(source="curriculum.name", read_only=True)
    phases = PhaseSerializer(many=True, read_only=True)
    modules = ModuleBriefSerializer(many=True, read_only=True)

    class Meta:
        model = CurriculumVersion
        fields = [
            "id",
            "curriculum_id",
            "curriculum_name",
            "number",
            "status",
            "notes",
            "published_at",
            "phases",
            "modules",
        ]
        read_only_fields = fields


class PublishInSerializer(serializers.Serializer[Any]):
    """What changed in the version being published."""

    notes = serializers.CharField(required=False, allow_blank=True, default="")


class AgentChoiceSerializer(serializers.ModelSerializer[Choice]):
    """A choice as an agent sees it: no answer key."""

    class Meta:
        model = Choice
        fields = ["id", "text", "position"]
        read_only_fields = fields


class AgentQuestionSerializer(serializers.ModelSerializer[Question]):
    """A question as an agent sees it: no answer key, no explanation."""

    choices = AgentChoiceSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = ["id", "kind", "text", "position", "points", "choices"]
        read_only_fields = fields


class AgentModuleSerializer(ModuleBriefSerializer):
    """A module as an agent sees it: content as markdown and as sanitised HTML, questions without the key."""

    version_id = serializers.IntegerField(read_only=True)
    certification_id = serializers.IntegerField(read_only=True, allow_null=True)
    content_html = serializers.SerializerMethodField()
    questions = AgentQuestionSerializer(many=True, read_only=True)

    class Meta(ModuleBriefSerializer.Meta):
        fields = [
            *ModuleBriefSerializer.Meta.fields,
            "version_id",
            "content",
            "content_html",
            "pass_mark_percent",
            "max_attempts",
            "shuffle_questions",
            "required_shadowing_hours",
            "nesting_min_reviews",
            "nesting_min_average_percent",
            "nesting_aht_tolerance_percent",
            "certification_id",
            "questions",
        ]
        read_only_fields = fields

    def get_content_html(self, module: Module) -> str:
        return str(render_markdown(module.content))


class KeyChoiceSerializer(AgentChoiceSerializer):
    """A choice with the answer key (managers and admins only)."""

    class Meta(AgentChoiceSerializer.Meta):
        fields = [*AgentChoiceSerializer.Meta.fields, "is_correct"]
        read_only_fields = fields


class KeyQuestionSerializer(AgentQuestionSerializer):
    """A question with the answer key and explanation (managers and admins only)."""

    choices = KeyChoiceSerializer(many=True, read_only=True)

    class Meta(AgentQuestionSerializer.Meta):
        fields = [*AgentQuestionSerializer.Meta.fields, "explanation"]
        read_only_fields = fields


class KeyModuleSerializer(AgentModuleSerializer):
    """A module with the quiz answer key (managers and admins only)."""

    questions = KeyQuestionSerializer(many=True, read_only=True)


# --- views -----------------------------------------------------------------------------------------------------


class CurriculumViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Curriculum]):
    """Curricula: managers and admins see all, agents those they are enrolled in; admins create them and make the
    draft of the next version."""

    serializer_class = CurriculumSerializer
    permission_classes = [CanReadCurricula, AdminWrites]
    ordering_fields = ["name", "created_at"]
    search_fields = ["name", "slug"]

    def get_queryset(self) -> QuerySet[Curriculum]:
        return selectors.curriculum_list(user=self.request.user)

    @extend_schema(request=CurriculumInSerializer, responses={201: CurriculumSerializer, 400: _FIELD_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CurriculumInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        curriculum = services.curriculum_create(user=request.user, **body.validated_data)
        return Response(CurriculumSerializer(curriculum).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: CurriculumVersionSerializer, 403: _FORBIDDEN})
    @action(detail=True, methods=["post"])
    def draft(self, request: Request, pk: str | None = None) -> Response:
        """The draft of the next version (copied from the published one); the existing draft if there is one."""
        draft = services.curriculum_version_draft(curriculum=self.get_object(), user=request.user)
        version = selectors.curriculum_version_list(user=request.user).get(pk=draft.pk)
        return Response(CurriculumVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class CurriculumVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CurriculumVersion]
):
    """Versions with their phases and module outline; admins publish drafts."""

    serializer_class = CurriculumVersionSerializer
    permission_classes = [CanReadCurricula, AdminWrites]
    filterset_fields = ["curriculum", "status"]

    def get_queryset(self) -> QuerySet[CurriculumVersion]:
        return selectors.curriculum_version_list(user=self.request.user)

    @extend_schema(
        request=PublishInSerializer, responses={200: CurriculumVersionSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN}
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish this draft; the version published until now is retired."""
        body = PublishInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.curriculum_version_publish(
            version=self.get_object(), user=request.user, notes=body.validated_data["notes"]
        )
        return Response(CurriculumVersionSerializer(self.get_queryset().get(pk=version.pk)).data)


class ModuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Module]):
    """Modules with their content and quiz questions; the answer key only for managers and admins."""

    permission_classes = [CanReadCurricula]
    filterset_fields = ["version", "kind", "phase"]

    def get_queryset(self) -> QuerySet[Module]:
        return selectors.module_list(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if selectors.sees_all_curricula(self.request.user):
            return KeyModuleSerializer
        return AgentModuleSerializer
