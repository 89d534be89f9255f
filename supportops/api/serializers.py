"""Serializers of the core API.

Field names are the model's, so a refused value comes back under the name the client sent. Rules
that live on the model (``Model.clean``, validators, constraints) are run through ``full_clean``
rather than repeated here; agents are written through ``services`` only.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.utils import timezone
from rest_framework import exceptions, serializers

from supportops import access, services
from supportops.choices import AgentStatus, AuthorRole, ConversationSource
from supportops.models import (
    Agent,
    AgentSkill,
    AgentStatusChange,
    Conversation,
    ConversationMessage,
    Job,
    Market,
    Queue,
    Skill,
    Team,
)

from .exceptions import django_error_detail, rows_refused


class ModelCleanSerializer(serializers.ModelSerializer):
    """A ModelSerializer that runs the model's ``full_clean`` on the would-be object before saving it.

    ``Model.clean`` rules (say, a live queue needs a threshold in seconds) then come back as a 400
    naming the field, exactly as the admin shows them.
    """

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model: type[Model] = self.Meta.model
        candidate = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not field.many_to_many:
                setattr(candidate, name, value)
        try:
            candidate.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(django_error_detail(error)) from error
        return attrs


# --- Reference data ------------------------------------------------------------------------------


class MarketSerializer(ModelCleanSerializer):
    """A market: its IANA time zone and public-holiday calendar."""

    class Meta:
        model = Market
        fields = ["id", "code", "name", "timezone", "holiday_country", "holiday_subdivision"]


class SkillSerializer(ModelCleanSerializer):
    """A skill agents have and queues require."""

    class Meta:
        model = Skill
        fields = ["id", "name", "kind", "description"]


class QueueSerializer(ModelCleanSerializer):
    """A queue with its service target: live channels in seconds, async channels in hours."""

    required_skills = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Skill.objects.all(), required=False, help_text="Ids of the skills an agent needs."
    )
    teams = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Team.objects.all(), required=False, help_text="Ids of the teams that staff this queue."
    )
    service_target_label = serializers.CharField(read_only=True, help_text="The target as people say it.")

    class Meta:
        model = Queue
        fields = [
            "id",
            "name",
            "channel",
            "market",
            "required_skills",
            "teams",
            "escalation_tier",
            "service_level_percent",
            "service_level_seconds",
            "response_time_hours",
            "chat_concurrency",
            "is_active",
            "service_target_label",
        ]


# --- Teams ---------------------------------------------------------------------------------------


class TeamSerializer(ModelCleanSerializer):
    """A team; ``timezone`` may be left out and then is the market's."""

    managers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False, help_text="User ids of the team leads."
    )
    qa_reviewers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False, help_text="User ids of the assigned QA reviewers."
    )
    agent_count = serializers.SerializerMethodField(help_text="Agents who have not exited.")
    onboarding_count = serializers.SerializerMethodField(help_text="Agents in onboarding or nesting.")

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "slug",
            "market",
            "timezone",
            "managers",
            "qa_reviewers",
            "planning_interval_minutes",
            "agent_count",
            "onboarding_count",
        ]

    admin_only_fields = ("market", "managers", "qa_reviewers")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Managers may rename and re-grid their team; who leads and reviews it, and its market, are the admins'."""
        request = self.context.get("request")
        if request is not None and self.instance is not None and not access.is_admin(request.user):
            current = {
                "market": self.instance.market,
                "managers": set(self.instance.managers.all()),
                "qa_reviewers": set(self.instance.qa_reviewers.all()),
            }
            for name in self.admin_only_fields:
                if name in attrs:
                    sent = set(attrs[name]) if name != "market" else attrs[name]
                    if sent != current[name]:
                        raise exceptions.PermissionDenied(
                            {name: f"Only an admin changes a team's {name.replace('_', ' ')}."}
                        )
        return super().validate(attrs)

    def get_agent_count(self, team: Team) -> int:
        return getattr(team, "agent_count", 0)

    def get_onboarding_count(self, team: Team) -> int:
        return getattr(team, "onboarding_count", 0)


# --- Agents --------------------------------------------------------------------------------------


class AgentSkillSerializer(serializers.ModelSerializer):
    """One skill of an agent with its proficiency, 1 (learning) to 5 (expert)."""

    skill_id = serializers.PrimaryKeyRelatedField(source="skill", queryset=Skill.objects.all())
    skill_name = serializers.CharField(source="skill.name", read_only=True)

    class Meta:
        model = AgentSkill
        fields = ["skill_id", "skill_name", "proficiency"]


class AgentStatusChangeSerializer(serializers.ModelSerializer):
    """One dated step of an agent's lifecycle."""

    changed_by = serializers.CharField(
        source="changed_by.username", read_only=True, allow_null=True, help_text="Username of who recorded it."
    )

    class Meta:
        model = AgentStatusChange
        fields = ["id", "status", "previous_status", "effective_date", "note", "changed_by", "recorded_at"]
        read_only_fields = fields


class AgentStatusChangeInputSerializer(serializers.Serializer):
    """A move along the lifecycle; ``effective_date`` defaults to today in the agent's time zone."""

    status = serializers.ChoiceField(choices=AgentStatus.choices)
    effective_date = serializers.DateField(required=False)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class AgentSerializer(serializers.ModelSerializer):
    """An agent and their login, flat: ``username``, names and ``email`` belong to the login.

    Creating one creates the login too (``password`` is optional: without it the person cannot sign
    in until one is set). ``status`` is set once, on creation (default onboarding, so tenured agents
    can be brought in as active); later it changes only through ``POST .../status/``, which keeps
    the dated history. ``skills`` replaces the agent's skills when sent.
    """

    status = serializers.ChoiceField(
        choices=AgentStatus.choices,
        required=False,
        help_text="Set on creation only (default onboarding); change it later with POST .../status/.",
    )

    username = serializers.CharField(source="user.username", max_length=150)
    first_name = serializers.CharField(source="user.first_name", max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(source="user.last_name", max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(source="user.email", required=False, allow_blank=True)
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        help_text="Only when creating; leave out to create a login that cannot sign in yet.",
    )
    display_name = serializers.CharField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    market_id = serializers.IntegerField(source="team.market_id", read_only=True)
    skills = AgentSkillSerializer(many=True, source="agent_skills", required=False)

    class Meta:
        model = Agent
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "password",
            "display_name",
            "team",
            "team_name",
            "market_id",
            "manager",
            "tier",
            "employment_type",
            "vendor_name",
            "status",
            "start_date",
            "contracted_hours_min",
            "contracted_hours_max",
            "timezone",
            "skills",
        ]

    def validate_status(self, value: str) -> str:
        if self.instance is not None and value != self.instance.status:
            raise serializers.ValidationError(
                "Change an agent's status with POST /api/agents/{id}/status/, which keeps its dated history."
            )
        return value

    def validate_password(self, value: str) -> str:
        if self.instance is not None:
            raise serializers.ValidationError("A password is set only when the agent is created.")
        try:
            password_validation.validate_password(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from error
        return value

    def validate_skills(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        skill_ids = [item["skill"].pk for item in value]
        if len(skill_ids) != len(set(skill_ids)):
            raise serializers.ValidationError("List each skill once.")
        return value

    def create(self, validated_data: dict[str, Any]) -> Agent:
        login = validated_data.pop("user", {})
        skills = _skill_levels(validated_data.pop("agent_skills", []))
        return services.agent_register(
            changed_by=self.context["request"].user, skills=skills, **login, **validated_data
        )

    def update(self, instance: Agent, validated_data: dict[str, Any]) -> Agent:
        validated_data.pop("status", None)  # unchanged: validate_status refuses any change
        login = validated_data.pop("user", {})
        skills = validated_data.pop("agent_skills", None)
        return services.agent_update(
            agent=instance,
            changed_by=self.context["request"].user,
            skills=None if skills is None else _skill_levels(skills),
            **login,
            **validated_data,
        )


def _skill_levels(items: list[dict[str, Any]]) -> list[services.SkillLevel]:
    return [services.SkillLevel(skill=item["skill"], proficiency=item["proficiency"]) for item in items]


class AgentDetailSerializer(AgentSerializer):
    """An agent with the dated history of their status."""

    status_history = AgentStatusChangeSerializer(many=True, source="status_changes", read_only=True)

    class Meta(AgentSerializer.Meta):
        fields = [*AgentSerializer.Meta.fields, "status_history"]


# --- Conversations -------------------------------------------------------------------------------


class ConversationMessageSerializer(serializers.ModelSerializer):
    """One message of a transcript."""

    class Meta:
        model = ConversationMessage
        fields = ["position", "author_role", "author_name", "body", "sent_at"]
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation without its transcript (lists stay light)."""

    queue_id = serializers.IntegerField(read_only=True, allow_null=True)
    queue_name = serializers.CharField(source="queue.name", read_only=True, allow_null=True)
    agent_id = serializers.IntegerField(read_only=True, allow_null=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True, allow_null=True)
    team_id = serializers.IntegerField(source="agent.team_id", read_only=True, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "source",
            "external_id",
            "queue_id",
            "queue_name",
            "agent_id",
            "agent_name",
            "team_id",
            "subject",
            "created_at",
            "first_response_at",
            "resolved_at",
            "handle_time_seconds",
            "reopen_count",
            "csat_score",
            "csat_comment",
            "tags",
            "imported_at",
            "updated_at",
        ]
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    """A conversation with its transcript in order."""

    messages = ConversationMessageSerializer(many=True, read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages"]
        read_only_fields = fields


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its offset: a naive time is ambiguous across markets."""

    default_error_messages = {"naive": "Give a time zone offset (e.g. 2026-03-01T09:00:00Z)."}

    def enforce_timezone(self, value: Any) -> Any:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class MessageInputSerializer(serializers.Serializer):
    """One transcript message of an imported conversation."""

    author_role = serializers.ChoiceField(choices=AuthorRole.choices)
    author_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    body = serializers.CharField()
    sent_at = AwareDateTimeField()


class ConversationInputSerializer(serializers.Serializer):
    """One conversation of a bulk import; ``messages``, when sent, replaces the stored transcript."""

    source = serializers.ChoiceField(choices=ConversationSource.choices)  # type: ignore[assignment]
    external_id = serializers.CharField(max_length=128)
    queue_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    agent_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    created_at = AwareDateTimeField()
    first_response_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    resolved_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    handle_time_seconds = serializers.IntegerField(required=False, allow_null=True, default=None)
    reopen_count = serializers.IntegerField(required=False, default=0)
    csat_score = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="1 to 5.")
    csat_comment = serializers.CharField(required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    messages = MessageInputSerializer(many=True, required=False, help_text="The transcript in order.")

    def to_input(self, row: dict[str, Any]) -> services.ConversationInput:
        """The service's input for one validated row."""
        messages = row.pop("messages", None)
        return services.ConversationInput(
            **row,
            messages=None if messages is None else [services.MessageInput(**message) for message in messages],
        )


class ConversationImportResultSerializer(serializers.Serializer):
    """What an import did, and the stored conversations in the order they were sent."""

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    conversations = serializers.SerializerMethodField()

    def get_conversations(self, result: services.ConversationImportResult) -> list[dict[str, Any]]:
        return [
            {"id": conversation.pk, "source": conversation.source, "external_id": conversation.external_id}
            for conversation in result.conversations
        ]


def conversation_inputs(data: Any) -> list[services.ConversationInput]:
    """Parse a bulk import body (a JSON list, or one object) into service inputs.

    Type errors are refused like the service refuses rows: every bad row, by 0-based index, with
    its fields (nested ones as ``messages[2].sent_at``).
    """
    rows = [data] if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows:
        raise rows_refused({}, detail="Send a JSON list of conversations (or one conversation object).")
    if len(rows) > services.MAX_CONVERSATIONS_PER_IMPORT:
        raise rows_refused(
            {}, detail=f"Send at most {services.MAX_CONVERSATIONS_PER_IMPORT} conversations at once, not {len(rows)}."
        )
    serializer = ConversationInputSerializer(data=rows, many=True)
    if not serializer.is_valid():
        errors = serializer.errors  # {row index: errors} on recent DRF, one entry per row on older ones
        by_row = errors.items() if isinstance(errors, dict) else enumerate(errors)
        raise services.ConversationImportError(
            {int(index): _flatten_errors(row_errors) for index, row_errors in by_row if row_errors}
        )
    child = ConversationInputSerializer()
    return [child.to_input(dict(row)) for row in serializer.validated_data]


def _flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"messages": [{}, {"sent_at": [...]}]}`` → ``{"messages[1].sent_at": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif prefix:
                name = f"{prefix}.{key}"
            else:
                name = str(key)
            flat.update(_flatten_errors(value, name))
    elif isinstance(errors, list) and errors and all(isinstance(item, str) for item in errors):
        flat[prefix or "non_field_errors"] = [str(item) for item in errors]
    elif isinstance(errors, list):
        for index, item in enumerate(errors):
            flat.update(_flatten_errors(item, f"{prefix}[{index}]"))
    elif errors:
        flat[prefix or "non_field_errors"] = [str(errors)]
    return flat


class TokenSerializer(serializers.Serializer):
    """The API token of the signed-in user; send it as ``Authorization: Token <key>``."""

    token = serializers.CharField(read_only=True)


# --- Background jobs -----------------------------------------------------------------------------


class JobSerializer(serializers.ModelSerializer):
    """A piece of background work and how far it is (``progress`` from 0 to 1)."""

    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "parameters",
            "result",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
