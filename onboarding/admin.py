"""Django admin of onboarding: curricula with their versions, phases, modules, quiz questions and choices.

Only a draft version is edited: a published or retired version, its phases, modules, questions and choices are
read-only. The version page has the actions "Make a draft of the next version" and "Publish", and a link to a
preview of the version as an agent will see it (sanitised lessons, quiz questions without the answer key).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import AdminRoleAccessMixin, ReadOnlyMixin

from . import services
from .markdown import render_markdown
from .models import (
    Certification,
    CertificationGrant,
    Choice,
    Cohort,
    Curriculum,
    CurriculumVersion,
    Enrollment,
    Module,
    ModuleKind,
    ModuleProgress,
    Phase,
    Question,
    QuizAttempt,
    ReminderLog,
    TaskSubmission,
    VersionStatus,
)
from .services.curricula import cycle_message, prerequisite_cycle, question_choice_problems


def _editable(version: CurriculumVersion | None) -> bool:
    return version is None or version.status == VersionStatus.DRAFT


class _DraftOnlyInline(AdminRoleAccessMixin):
    """An inline whose rows are only added, changed or deleted while the version they belong to is a draft."""

    def _version_of(self, obj: Any) -> CurriculumVersion | None:
        raise NotImplementedError

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request) and _editable(self._version_of(obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _editable(self._version_of(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _editable(self._version_of(obj))


# --- curricula -------------------------------------------------------------------------------------------------


class CurriculumVersionInline(AdminRoleAccessMixin, admin.TabularInline):
    """A curriculum's versions (open one to edit its draft)."""

    model = CurriculumVersion
    fields = ["number", "status", "published_at", "notes"]
    readonly_fields = ["number", "status", "published_at", "notes"]
    extra = 0
    show_change_link = True
    ordering = ["-number"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Curriculum)
class CurriculumAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Curricula and their targets (empty: anyone); a new curriculum starts with an empty draft of version 1."""

    list_display = ["name", "slug", "team", "market", "role", "tier", "certification", "is_recertification_path"]
    list_filter = ["role", "tier", "is_recertification_path", "market"]
    list_select_related = ["team", "market", "certification"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CurriculumVersionInline]

    def save_model(self, request: HttpRequest, obj: Curriculum, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            CurriculumVersion.objects.create(curriculum=obj, number=1, status=VersionStatus.DRAFT)


# --- versions --------------------------------------------------------------------------------------------------


def _parent_version_id(request: HttpRequest) -> int | None:
    match = request.resolver_match
    object_id = match.kwargs.get("object_id") if match else None
    return int(object_id) if object_id and str(object_id).isdigit() else None


class PhaseInline(_DraftOnlyInline, admin.TabularInline):
    """The phases of a version, in order."""

    model = Phase
    fields = ["name", "position"]
    extra = 0

    def _version_of(self, obj: Any) -> CurriculumVersion | None:
        return obj


class ModuleInline(_DraftOnlyInline, admin.TabularInline):
    """The modules of a version (open one for its content, prerequisites and questions)."""

    model = Module
    fields = ["position", "key", "title", "kind", "phase", "estimated_minutes", "due_business_days"]
    extra = 0
    show_change_link = True

    def _version_of(self, obj: Any) -> CurriculumVersion | None:
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "phase":
            kwargs["queryset"] = Phase.objects.filter(version_id=_parent_version_id(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CurriculumVersion)
class CurriculumVersionAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """A version's phases and modules; only a draft is edited. Versions are made by the "Make a draft of the next
    version" action and published by "Publish"."""

    list_display = ["curriculum", "number", "status", "published_at", "published_by"]
    list_filter = ["status", "curriculum"]
    list_select_related = ["curriculum", "published_by"]
    search_fields = ["curriculum__name"]
    fields = ["curriculum", "number", "status", "notes", "published_at", "published_by", "preview"]
    readonly_fields = ["curriculum", "number", "status", "published_at", "published_by", "preview"]
    inlines = [PhaseInline, ModuleInline]
    actions = ["make_draft", "publish"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _editable(obj) and not (obj and obj.enrollments.exists())

    @admin.display(description="Preview")
    def preview(self, version: CurriculumVersion) -> str:
        if version.pk is None:
            return "-"
        url = reverse("admin:onboarding_curriculumversion_preview", args=[version.pk])
        return format_html('<a href="{}">Preview as the agent sees it</a>', url)

    @admin.action(description="Make a draft of the next version")
    def make_draft(self, request: HttpRequest, queryset: QuerySet[CurriculumVersion]) -> None:
        curricula = {version.curriculum_id: version.curriculum for version in queryset.select_related("curriculum")}
        for curriculum in curricula.values():
            draft = services.curriculum_version_draft(curriculum=curriculum, user=request.user)
            self.message_user(request, f"{curriculum}: version {draft.number} is the draft to edit.", messages.SUCCESS)

    @admin.action(description="Publish")
    def publish(self, request: HttpRequest, queryset: QuerySet[CurriculumVersion]) -> None:
        for version in queryset.select_related("curriculum"):
            try:
                services.curriculum_version_publish(version=version, user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, f"{version.curriculum}: {message}", messages.ERROR)
            else:
                self.message_user(request, f"{version.curriculum}: version {version.number} is published.")

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<int:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="onboarding_curriculumversion_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The version as an agent will see it: phases, modules, sanitised lessons, quizzes without the key."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        version = get_object_or_404(CurriculumVersion.objects.select_related("curriculum"), pk=object_id)
        modules = list(
            version.modules.select_related("phase").prefetch_related(
                Prefetch("questions", queryset=Question.objects.prefetch_related("choices")), "prerequisites"
            )
        )
        sections: list[dict[str, Any]] = []
        for phase in version.phases.all():
            sections.append({"name": phase.name, "modules": [m for m in modules if m.phase_id == phase.pk]})
        loose = [m for m in modules if m.phase_id is None]
        if loose:
            sections.append({"name": "Not in a phase", "modules": loose})
        for section in sections:
            section["modules"] = [
                {
                    "module": module,
                    "html": render_markdown(module.content),
                    "is_quiz": module.kind == ModuleKind.QUIZ,
                    "questions": [
                        {"text": question.text, "kind": question.get_kind_display(), "choices": question.choices.all()}
                        for question in module.questions.all()
                    ],
                    "prerequisites": [prerequisite.title for prerequisite in module.prerequisites.all()],
                }
                for module in section["modules"]
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview: {version.curriculum} version {version.number}",
            "version": version,
            "sections": sections,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "onboarding/admin_preview.html", context)


# --- modules, questions ----------------------------------------------------------------------------------------


class ModuleAdminForm(forms.ModelForm):
    """Checks that prerequisites are in the same version, not the module itself, and form no cycle."""

    class Meta:
        model = Module
        fields = [
            "version",
            "phase",
            "key",
            "title",
            "kind",
            "position",
            "estimated_minutes",
            "due_business_days",
            "content",
            "prerequisites",
            "pass_mark_percent",
            "max_attempts",
            "shuffle_questions",
            "required_shadowing_hours",
            "nesting_min_reviews",
            "nesting_min_average_percent",
            "nesting_aht_tolerance_percent",
            "certification",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        version = cleaned.get("version") or (self.instance.version if self.instance.version_id else None)
        prerequisites = list(cleaned.get("prerequisites") or [])
        if version is None or not prerequisites:
            return cleaned
        others = sorted(str(p) for p in prerequisites if p.version_id != version.pk)
        if others:
            self.add_error("prerequisites", f"Prerequisites must be in the same version: {', '.join(others)} are not.")
            return cleaned
        if self.instance.pk is None:
            return cleaned
        edges: dict[int, set[int]] = {}
        through = Module.prerequisites.through
        for from_id, to_id in through.objects.filter(from_module__version_id=version.pk).values_list(
            "from_module_id", "to_module_id"
        ):
            edges.setdefault(from_id, set()).add(to_id)
        cycle = prerequisite_cycle(
            module_id=self.instance.pk, prerequisite_ids=[p.pk for p in prerequisites], edges=edges
        )
        if cycle:
            titles = dict(Module.objects.filter(pk__in=cycle).values_list("pk", "title"))
            titles[self.instance.pk] = cleaned.get("title") or titles.get(self.instance.pk, "")
            self.add_error("prerequisites", cycle_message([titles[pk] for pk in cycle]))
        return cleaned


class QuestionInline(_DraftOnlyInline, admin.TabularInline):
    """A quiz's questions (open one to edit its choices and answer key)."""

    model = Question
    fields = ["position", "kind", "text", "points"]
    extra = 0
    show_change_link = True

    def _version_of(self, obj: Any) -> CurriculumVersion | None:
        return obj.version if obj is not None else None


@admin.register(Module)
class ModuleAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """A module's content, settings and prerequisites; a quiz's questions. Read-only unless its version is a
    draft."""

    form = ModuleAdminForm
    list_display = ["title", "key", "kind", "version", "phase", "position", "estimated_minutes"]
    list_filter = ["kind", "version__status", "version__curriculum"]
    list_select_related = ["version__curriculum", "phase"]
    search_fields = ["title", "key"]
    filter_horizontal = ["prerequisites"]
    inlines = [QuestionInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _editable(obj.version if obj else None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _editable(obj.version if obj else None)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        fields = form.base_fields
        if "version" in fields:
            fields["version"].queryset = CurriculumVersion.objects.filter(status=VersionStatus.DRAFT)  # type: ignore[attr-defined]
        if obj is not None:
            if "phase" in fields:
                fields["phase"].queryset = Phase.objects.filter(version_id=obj.version_id)  # type: ignore[attr-defined]
            if "prerequisites" in fields:
                fields["prerequisites"].queryset = Module.objects.filter(version_id=obj.version_id).exclude(pk=obj.pk)  # type: ignore[attr-defined]
        return form


class ChoiceFormSet(forms.BaseInlineFormSet):
    """Single and true/false questions have exactly one correct choice, multiple at least one, short text none."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        correct = [
            bool(form.cleaned_data.get("is_correct"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = question_choice_problems(kind=self.instance.kind, correct=correct)
        if problems:
            raise ValidationError(problems)


class ChoiceInline(_DraftOnlyInline, admin.TabularInline):
    """A question's choices; ``is_correct`` is the answer key."""

    model = Choice
    formset = ChoiceFormSet
    fields = ["position", "text", "is_correct"]
    extra = 0

    def _version_of(self, obj: Any) -> CurriculumVersion | None:
        return obj.module.version if obj is not None and obj.module_id else None


@admin.register(Question)
class QuestionAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """A quiz question with its choices. Read-only unless its version is a draft."""

    list_display = ["text", "kind", "module", "position", "points"]
    list_filter = ["kind", "module__version__status"]
    list_select_related = ["module"]
    search_fields = ["text", "module__title"]
    inlines = [ChoiceInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _editable(obj.module.version if obj else None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _editable(obj.module.version if obj else None)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "module":
            kwargs["queryset"] = Module.objects.filter(
                kind=ModuleKind.QUIZ, version__status=VersionStatus.DRAFT
            ).select_related("version__curriculum")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- enrollments and progress (read-only: services write them) ------------------------------------------------------


class ModuleProgressInline(ReadOnlyMixin, admin.TabularInline):
    """The enrollment's modules and where each stands."""

    model = ModuleProgress
    fields = ["module", "state", "due_date", "completed_at", "score_percent", "waived_reason"]
    readonly_fields = ["module", "state", "due_date", "completed_at", "score_percent", "waived_reason"]
    extra = 0


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Enrollments, read-only: enrol through the API or the pages so due dates and checks apply."""

    list_display = ["agent", "version", "cohort", "start_date", "status", "completed_at"]
    list_filter = ["status", "version__curriculum"]
    list_select_related = ["agent__user", "version__curriculum", "cohort"]
    inlines = [ModuleProgressInline]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Quiz attempts and their scores."""

    list_display = ["progress", "number", "submitted_at", "score_percent", "passed"]
    list_select_related = ["progress__enrollment__agent__user", "progress__module"]


@admin.register(TaskSubmission)
class TaskSubmissionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Practical-task evidence and reviews."""

    list_display = ["progress", "status", "submitted_at", "reviewer", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["progress__enrollment__agent__user", "progress__module", "reviewer"]


@admin.register(Certification)
class CertificationAdmin(AdminRoleAccessMixin, SimpleHistoryAdmin):
    """Certifications, how long a grant lasts and when re-certification starts."""

    list_display = ["name", "validity_days", "renewal_notice_days"]
    search_fields = ["name"]


@admin.register(CertificationGrant)
class CertificationGrantAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Who holds which certification until when."""

    list_display = ["agent", "certification", "granted_on", "expires_on", "renewal_enrollment"]
    list_filter = ["certification"]
    list_select_related = ["agent__user", "certification", "renewal_enrollment"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name"]
    raw_id_fields = ["agent", "enrollment", "renewal_enrollment"]
    date_hierarchy = "expires_on"


@admin.register(Cohort)
class CohortAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Hire classes."""

    list_display = ["name", "team", "start_date"]
    list_filter = ["team"]
    list_select_related = ["team"]
    search_fields = ["name"]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Reminders sent by the daily task (each once per item and day)."""

    list_display = ["sent_on", "kind", "recipient", "item_key"]
    list_filter = ["kind", "sent_on"]
    list_select_related = ["recipient"]
