"""Django admin of review cycles and improvement plans, for admins only (``AdminRoleAccessMixin``): review templates
with their questions (editable), cycles, performance reviews with read-only answers, and improvement plans with their
goals and check-ins. Reviews and plans are read-only here: answers, ratings, calibration and signatures go through the
pages and the API so the rules (who answers when, the rating scale, frozen evidence) hold."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from supportops.admin import AdminRoleAccessMixin, ReadOnlyMixin
from supportops.models import Agent

from . import services
from .people_models import (
    ImprovementPlan,
    PerformanceReview,
    PlanCheckIn,
    PlanGoal,
    ReviewAnswer,
    ReviewCycle,
    ReviewQuestion,
    ReviewTemplate,
)


class ReviewQuestionInline(AdminRoleAccessMixin, admin.TabularInline):
    """The questions of a template, in order."""

    model = ReviewQuestion
    fields = ["position", "text", "kind"]
    extra = 1


@admin.register(ReviewTemplate)
class ReviewTemplateAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Review templates: the rating scale with its labels, and the questions."""

    list_display = ["name", "rating_min", "rating_max"]
    search_fields = ["name"]
    inlines = [ReviewQuestionInline]


class PerformanceReviewInline(ReadOnlyMixin, admin.TabularInline):
    """The reviews of a cycle."""

    model = PerformanceReview
    fields = ["agent", "manager", "status", "rating", "calibrated_rating"]
    readonly_fields = ["agent", "manager", "status", "rating", "calibrated_rating"]
    extra = 0
    show_change_link = True


class ReviewCycleForm(forms.ModelForm):
    """A cycle; on creation, the agents it covers (each gets a review through ``services.cycle_create``)."""

    agents = forms.ModelMultipleChoiceField(
        queryset=Agent.objects.select_related("user").order_by("user__username"),
        required=False,
        help_text="The agents in the cycle (chosen when it is created).",
    )

    class Meta:
        model = ReviewCycle
        fields = ["name", "period_start", "period_end", "template", "self_review_due", "manager_review_due"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # On a change too (the add form also runs ``cycle_create``): a year 1 period could never be measured.
        dates = {
            name: data.get(name) for name in ("period_start", "period_end", "self_review_due", "manager_review_due")
        }
        for field, messages in services.dates_out_of_range(**dates).items():
            self.add_error(field, messages)
        return data

    def create(self, user: Any) -> ReviewCycle:
        data = self.cleaned_data
        return services.cycle_create(
            name=data["name"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            template=data["template"],
            agents=list(data["agents"]),
            user=user,
            self_review_due=data.get("self_review_due"),
            manager_review_due=data.get("manager_review_due"),
        )


@admin.register(ReviewCycle)
class ReviewCycleAdmin(AdminRoleAccessMixin, admin.ModelAdmin):
    """Review cycles: period, template, phase and due dates, with their reviews. Creating one goes through
    ``services.cycle_create`` (a review per chosen agent); the phase moves through the API."""

    form = ReviewCycleForm
    list_display = ["name", "period_start", "period_end", "template", "status", "created_by"]
    list_filter = ["status"]
    list_select_related = ["template", "created_by"]
    search_fields = ["name"]
    readonly_fields = ["status", "created_by", "created_at"]
    inlines = [PerformanceReviewInline]

    def get_form(
        self, request: HttpRequest, obj: ReviewCycle | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form_class.base_fields.pop("agents", None)
            return form_class

        class CheckedForm(form_class):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if not self.errors:
                    # A dry run of the service shows its refusals on the form; the real write is in save_model.
                    try:
                        with transaction.atomic():
                            self.create(request.user)
                            transaction.set_rollback(True)
                    except ValidationError as error:
                        raise forms.ValidationError(error.messages) from error
                return data

        return CheckedForm

    def save_model(self, request: HttpRequest, obj: ReviewCycle, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = form.create(request.user)
        obj.pk = created.pk
        obj.status = created.status
        obj.created_by = created.created_by
        obj.created_at = created.created_at
        obj._state.adding = False


class ReviewAnswerInline(ReadOnlyMixin, admin.TabularInline):
    """The answers, by the agent and by the manager."""

    model = ReviewAnswer
    fields = ["question", "author", "rating", "text"]
    readonly_fields = ["question", "author", "rating", "text"]
    extra = 0


@admin.register(PerformanceReview)
class PerformanceReviewAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Performance reviews: status, ratings and calibration, signatures, the frozen evidence and the answers."""

    list_display = ["cycle", "agent", "manager", "status", "rating", "calibrated_rating", "agent_signed_at"]
    list_filter = ["status", "cycle", "agent__team"]
    list_select_related = ["cycle", "agent__user", "manager"]
    search_fields = ["agent__user__username", "agent__user__first_name", "agent__user__last_name"]
    inlines = [ReviewAnswerInline]


class PlanGoalInline(ReadOnlyMixin, admin.TabularInline):
    """The plan's goals."""

    model = PlanGoal
    fields = ["metric", "at_least", "target", "window_days", "description"]
    readonly_fields = ["metric", "at_least", "target", "window_days", "description"]
    extra = 0


class PlanCheckInInline(ReadOnlyMixin, admin.TabularInline):
    """The plan's check-ins."""

    model = PlanCheckIn
    fields = ["created_at", "author", "note"]
    readonly_fields = ["created_at", "author", "note"]
    extra = 0


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Improvement plans: agent, manager, period, outcome, goals and check-ins."""

    list_display = ["title", "agent", "manager", "start_date", "end_date", "status"]
    list_filter = ["status", "agent__team"]
    list_select_related = ["agent__user", "manager"]
    search_fields = ["title", "agent__user__username"]
    inlines = [PlanGoalInline, PlanCheckInInline]
