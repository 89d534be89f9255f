"""The Django admin of the org model, for admins only (superusers and holders of the Admin role).

Models with change history (markets, teams, skills, agents, agent skills, queues) use
``SimpleHistoryAdmin`` so their "History" page shows who changed which field and when.
Changelists select their foreign keys up front, so each costs the same queries whatever its size.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from . import access, services
from .choices import Role
from .models import (
    Agent,
    AgentSkill,
    AgentStatusChange,
    Conversation,
    ConversationMessage,
    HelpdeskIdentity,
    HelpdeskIntegration,
    HelpdeskQueueMapping,
    Job,
    Market,
    Queue,
    Skill,
    Team,
)

admin.site.site_header = "SupportOps administration"
admin.site.site_title = "SupportOps admin"
admin.site.index_title = "Organisation, people and roles"


class AdminRoleAccessMixin:
    """Full rights for admins (superusers or the Admin role); nothing for anyone else.

    Querysets go through the model's ``visible_to(user)`` where it has one, like every other view.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return access.is_admin(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return access.is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return access.is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return access.is_admin(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset


class ReadOnlyMixin(AdminRoleAccessMixin):
    """Admins may look but not write: for records that only services create."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Market)
class MarketAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Markets with their time zone and public-holiday calendar."""

    list_display = ["name", "code", "timezone", "holiday_country", "holiday_subdivision"]
    list_filter = ["holiday_country"]
    search_fields = ["name", "code", "timezone"]
    ordering = ["name"]


@admin.register(Team)
class TeamAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Teams with their market, leads and QA reviewers."""

    list_display = ["name", "slug", "market", "timezone", "planning_interval_minutes", "lead_names"]
    list_filter = ["market", "planning_interval_minutes"]
    list_select_related = ["market"]
    search_fields = ["name", "slug", "market__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["market", "managers", "qa_reviewers"]
    ordering = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("managers")

    @admin.display(description="Managers")
    def lead_names(self, team: Team) -> str:
        return ", ".join(sorted(user.get_full_name() or user.username for user in team.managers.all()))


@admin.register(Skill)
class SkillAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Languages, products, channels and other skills."""

    list_display = ["name", "kind", "description"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]


class AgentSkillInline(AdminRoleAccessMixin, admin.TabularInline):
    """The agent's skills with proficiency 1-5."""

    model = AgentSkill
    extra = 0
    autocomplete_fields = ["skill"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("skill")


class AgentStatusChangeInline(ReadOnlyMixin, admin.TabularInline):
    """The agent's dated lifecycle, read-only: status changes go through the service that keeps it."""

    model = AgentStatusChange
    fk_name = "agent"
    extra = 0
    fields = ["effective_date", "previous_status", "status", "note", "changed_by", "recorded_at"]
    readonly_fields = ["effective_date", "previous_status", "status", "note", "changed_by", "recorded_at"]
    ordering = ["effective_date", "recorded_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Agent)
class AgentAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Agents with team, reporting line, tier, engagement and lifecycle status."""

    list_display = [
        "display_name",
        "username",
        "team",
        "manager",
        "tier",
        "employment_type",
        "vendor_name",
        "status",
        "start_date",
    ]
    list_filter = ["status", "tier", "employment_type", "team__market", "team", "vendor_name"]
    list_select_related = ["user", "team", "manager"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "vendor_name"]
    autocomplete_fields = ["user", "team", "manager"]
    date_hierarchy = "start_date"
    inlines = [AgentSkillInline, AgentStatusChangeInline]
    ordering = ["user__first_name", "user__last_name", "user__username"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # After creation the status moves only through agent_change_status, which keeps the dated history.
        return ["status"] if obj is not None else []

    @admin.display(description="Name", ordering="user__first_name")
    def display_name(self, agent: Agent) -> str:
        return agent.display_name

    @admin.display(description="Username", ordering="user__username")
    def username(self, agent: Agent) -> str:
        return agent.user.username

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            services.agent_record_start(agent=obj, changed_by=request.user)  # type: ignore[arg-type]


@admin.register(AgentStatusChange)
class AgentStatusChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Every agent's lifecycle steps, read-only."""

    list_display = ["agent", "previous_status", "status", "effective_date", "note", "changed_by", "recorded_at"]
    list_filter = ["status", "previous_status", "agent__team"]
    list_select_related = ["agent__user", "changed_by"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name", "note"]
    date_hierarchy = "effective_date"


@admin.register(Queue)
class QueueAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Queues with channel, required skills and service target."""

    list_display = ["name", "channel", "market", "escalation_tier", "service_target", "chat_concurrency", "is_active"]
    list_filter = ["channel", "market", "teams", "escalation_tier", "is_active"]
    list_select_related = ["market"]
    search_fields = ["name"]
    autocomplete_fields = ["market", "required_skills", "teams"]

    @admin.display(description="Service target")
    def service_target(self, queue: Queue) -> str:
        return queue.service_target_label


class ConversationMessageInline(AdminRoleAccessMixin, admin.TabularInline):
    """The transcript in order."""

    model = ConversationMessage
    extra = 0
    fields = ["position", "author_role", "author_name", "body", "sent_at"]
    ordering = ["position"]


@admin.register(Conversation)
class ConversationAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Helpdesk conversations with their times, CSAT and transcript."""

    list_display = [
        "__str__",
        "subject",
        "queue",
        "agent",
        "created_at",
        "handle_time_seconds",
        "reopen_count",
        "csat_score",
    ]
    list_filter = ["source", "queue__channel", "queue", "csat_score", "reopen_count"]
    list_select_related = ["queue", "agent__user"]
    search_fields = ["external_id", "subject", "agent__user__username", "agent__user__last_name"]
    autocomplete_fields = ["queue", "agent"]
    date_hierarchy = "created_at"
    readonly_fields = ["imported_at", "updated_at"]
    inlines = [ConversationMessageInline]
    show_full_result_count = False


# --- Users and roles -----------------------------------------------------------------------------

admin.site.unregister(User)


@admin.register(User)
class SupportOpsUserAdmin(AdminRoleAccessMixin, UserAdmin):
    """Logins with their roles; saving keeps admin access (``is_staff``) in step with the Admin role."""

    list_display = ["username", "first_name", "last_name", "email", "role_names", "is_active", "is_superuser"]
    list_filter = ["groups", "is_active", "is_superuser"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:  # only superusers hand out superuser rights and raw permissions
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    @admin.display(description="Roles")
    def role_names(self, user: User) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all() if group.name in Role.values))

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        roles = [name for name in user.groups.values_list("name", flat=True) if name in Role.values]
        services.user_set_roles(user=user, roles=roles)


@admin.register(Job)
class JobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Background jobs with their progress and outcome; written only by the work itself."""

    list_display = ["id", "kind", "status", "progress", "message", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["created_by"]
    search_fields = ["kind", "message", "error", "created_by__username"]
    date_hierarchy = "created_at"


# --- Helpdesk integrations -----------------------------------------------------------------------


class HelpdeskIntegrationForm(ModelForm):
    """The webhook secret is write-only: never shown back, and left unchanged when the field is left blank."""

    webhook_secret = forms.CharField(
        required=False,
        strip=True,
        max_length=255,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Zendesk: the webhook's signing secret. Intercom: the app's client secret. "
        "Leave blank to keep the current secret.",
    )
    clear_webhook_secret = forms.BooleanField(
        required=False, help_text="Remove the secret: webhooks are then refused until a new one is set."
    )

    class Meta:
        model = HelpdeskIntegration
        fields = [
            "name",
            "source",
            "account",
            "webhook_secret",
            "clear_webhook_secret",
            "replay_window_seconds",
            "is_active",
            "default_queue",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored_secret = self.instance.webhook_secret if self.instance.pk else ""
        self.initial["webhook_secret"] = ""

    def clean_webhook_secret(self) -> str:
        return self.cleaned_data.get("webhook_secret") or self._stored_secret

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("clear_webhook_secret"):
            cleaned["webhook_secret"] = ""
            self.instance.webhook_secret = ""
        return cleaned


class HelpdeskIdentityInline(AdminRoleAccessMixin, admin.TabularInline):
    """Helpdesk user ids mapped to agents (without one, the helpdesk user's e-mail is matched)."""

    model = HelpdeskIdentity
    extra = 0
    autocomplete_fields = ["agent"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("agent__user")


class HelpdeskQueueMappingInline(AdminRoleAccessMixin, admin.TabularInline):
    """Zendesk group ids or Intercom team ids mapped to queues."""

    model = HelpdeskQueueMapping
    extra = 0
    autocomplete_fields = ["queue"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("queue")


@admin.register(HelpdeskIntegration)
class HelpdeskIntegrationAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Connected helpdesks with their webhook secret (write-only), replay window, agent and queue mappings."""

    form = HelpdeskIntegrationForm
    list_display = ["name", "source", "account", "is_active", "secret_is_set", "replay_window_seconds", "default_queue"]
    list_filter = ["source", "is_active"]
    list_select_related = ["default_queue"]
    search_fields = ["name", "account"]
    autocomplete_fields = ["default_queue"]
    readonly_fields = ["webhook_path", "created_at", "updated_at"]
    inlines = [HelpdeskIdentityInline, HelpdeskQueueMappingInline]

    @admin.display(description="Secret set", boolean=True)
    def secret_is_set(self, integration: HelpdeskIntegration) -> bool:
        return bool(integration.webhook_secret)

    @admin.display(description="Webhook URL path")
    def webhook_path(self, integration: HelpdeskIntegration) -> str:
        if integration.pk is None:
            return "Shown once the integration is saved."
        return reverse("helpdesk-webhook", kwargs={"integration_id": integration.pk})
