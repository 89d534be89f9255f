"""Enrollments API: enrollments with their progress, module actions (complete, waive, sign off), quiz attempts,
shadowing sessions and practical-task evidence with reviews.

Agents see their own data, managers their teams', admins everything; a QA reviewer who is not also a manager gets
403. Agents never receive the answer key (``Choice.is_correct``) nor reviewers' private notes.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from onboarding import selectors, services
from onboarding.models import (
    Choice,
    Cohort,
    CurriculumVersion,
    Enrollment,
    EnrollmentStatus,
    ModuleProgress,
    ProgressState,
    Question,
    QuizAnswer,
    QuizAttempt,
    ShadowingSession,
    TaskSubmission,
)
from supportops import access
from supportops.api.schema import FIELD_ERRORS as _FIELD_ERRORS
from supportops.filtersets import IntegerFilter
from supportops.models import Agent

_FORBIDDEN = OpenApiResponse(description="The user sees the object but may not do this.")


class OnboardingAccess(permissions.BasePermission):
    """Onboarding data is for agents, managers and admins: a QA reviewer who is not also a manager gets 403."""

    message = "QA reviewers see no onboarding data."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return not (access.is_qa_reviewer(user) and not access.is_manager(user) and not access.is_admin(user))


def _sees_private_notes(user: Any, agent_user_id: int) -> bool:
    return user.pk != agent_user_id and (access.is_admin(user) or access.is_manager(user))


# --- enrollments ------------------------------------------------------------------------------------------------------


class EnrollmentSerializer(serializers.ModelSerializer[Enrollment]):
    """An enrollment with its percent done (weighted by estimated minutes) and health."""

    agent_id = serializers.IntegerField(read_only=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True)
    version_id = serializers.IntegerField(read_only=True)
    curriculum_name = serializers.CharField(source="version.curriculum.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    cohort_id = serializers.IntegerField(read_only=True, allow_null=True)
    buddy_id = serializers.IntegerField(read_only=True, allow_null=True)
    percent_done = serializers.SerializerMethodField()
    health = serializers.SerializerMethodField()
    overdue_modules = serializers.SerializerMethodField()
    at_risk_modules = serializers.SerializerMethodField()
    time_to_proficiency_days = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = [
            "id", "agent_id", "agent_name", "version_id", "curriculum_name", "version_number", "cohort_id",
            "buddy_id", "start_date", "status", "completed_at", "reason", "withdrawn_at", "withdrawn_reason",
            "percent_done", "health",
            "overdue_modules", "at_risk_modules", "time_to_proficiency_days",
        ]  # fmt: skip
        read_only_fields = fields

    def _summary(self, enrollment: Enrollment) -> selectors.ProgressSummary:
        summaries: dict[int, selectors.ProgressSummary] = self.context.setdefault("summaries", {})
        if enrollment.pk not in summaries:
            summaries.update(selectors.enrollment_summaries([enrollment]))
        return summaries[enrollment.pk]

    def get_percent_done(self, enrollment: Enrollment) -> float:
        return self._summary(enrollment).percent_done

    def get_health(self, enrollment: Enrollment) -> str:
        return self._summary(enrollment).health

    def get_overdue_modules(self, enrollment: Enrollment) -> list[str]:
        return self._summary(enrollment).overdue_modules

    def get_at_risk_modules(self, enrollment: Enrollment) -> list[str]:
        return self._summary(enrollment).at_risk_modules

    def get_time_to_proficiency_days(self, enrollment: Enrollment) -> int | None:
        return self._summary(enrollment).time_to_proficiency_days


class EnrollmentInSerializer(serializers.Serializer[Any]):
    """An enrollment to create."""

    agent_id = serializers.IntegerField()
    version_id = serializers.IntegerField()
    start_date = serializers.DateField()
    buddy_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    cohort_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class EnrollmentFilterSet(django_filters.FilterSet):
    """Enrollments by agent, cohort or status."""

    agent_id = IntegerFilter(field_name="agent_id", label="Agent id")
    cohort = IntegerFilter(field_name="cohort_id", label="Cohort id")
    status = django_filters.ChoiceFilter(choices=EnrollmentStatus.choices)

    class Meta:
        model = Enrollment
        fields = ["agent_id", "cohort", "status"]


class ModuleProgressSerializer(serializers.ModelSerializer[ModuleProgress]):
    """One module of an enrollment: its state and due date."""

    enrollment_id = serializers.IntegerField(read_only=True)
    module_id = serializers.IntegerField(read_only=True)
    module_key = serializers.CharField(source="module.key", read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True)
    module_kind = serializers.CharField(source="module.kind", read_only=True)
    phase = serializers.SerializerMethodField()
    estimated_minutes = serializers.IntegerField(source="module.estimated_minutes", read_only=True)

    class Meta:
        model = ModuleProgress
        fields = [
            "id", "enrollment_id", "module_id", "module_key", "module_title", "module_kind", "phase",
            "estimated_minutes", "state", "due_date", "started_at", "submitted_at", "completed_at", "score_percent",
            "waived_reason",
        ]  # fmt: skip
        read_only_fields = fields

    def get_phase(self, progress: ModuleProgress) -> str | None:
        return progress.module.phase.name if progress.module.phase is not None else None


def _pick(queryset: QuerySet[Any], pk: int | None, field: str, label: str) -> Any:
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({field: [f"No {label} has id {pk}."]})
    return found


class MigrateInSerializer(serializers.Serializer[Any]):
    """Enrollments to move to a newer published version of their curriculum."""

    enrollment_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    version_id = serializers.IntegerField()


class WithdrawInSerializer(serializers.Serializer[Any]):
    """Why an enrollment is withdrawn."""

    reason = serializers.CharField(allow_blank=True, max_length=300)


class CohortProficiencySerializer(serializers.Serializer[Any]):
    """Time-to-proficiency of a cohort, in business days from start to completion."""

    cohort_id = serializers.IntegerField()
    completed = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    average_business_days = serializers.FloatField(allow_null=True)


class EnrollmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Enrollment]
):
    """Enrollments: agents see their own, managers their teams', admins all. Managers enrol their teams' agents."""

    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilterSet
    permission_classes = [permissions.IsAuthenticated, OnboardingAccess]
    ordering_fields = ["start_date", "status"]

    def get_queryset(self) -> QuerySet[Enrollment]:
        return selectors.enrollment_list(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page) if page is not None else []
        context = {**self.get_serializer_context(), "summaries": selectors.enrollment_summaries(rows)}
        return self.get_paginated_response(EnrollmentSerializer(rows, many=True, context=context).data)

    @extend_schema(request=EnrollmentInSerializer, responses={201: EnrollmentSerializer, 400: _FIELD_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = EnrollmentInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        visible_agents = Agent.objects.visible_to(request.user).select_related("team__market")
        enrollment = services.enrollment_create(
            agent=_pick(visible_agents, values["agent_id"], "agent_id", "agent"),
            version=_pick(CurriculumVersion.objects.all(), values["version_id"], "version_id", "curriculum version"),
            start_date=values["start_date"],
            buddy=_pick(Agent.objects.all(), values["buddy_id"], "buddy_id", "agent"),
            cohort=_pick(Cohort.objects.all(), values["cohort_id"], "cohort_id", "cohort"),
            reason=values["reason"],
            user=request.user,
        )
        enrollment = self.get_queryset().get(pk=enrollment.pk)
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MigrateInSerializer, responses={200: EnrollmentSerializer(many=True), 400: _FIELD_ERRORS})
    @action(detail=False, methods=["post"])
    def migrate(self, request: Request) -> Response:
        """Move chosen enrollments to a newer published version, keeping done modules that still exist."""
        body = MigrateInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = sorted(set(body.validated_data["enrollment_ids"]))
        enrollments = list(self.get_queryset().filter(pk__in=ids))
        missing = sorted(set(ids) - {enrollment.pk for enrollment in enrollments})
        if missing:
            raise serializers.ValidationError({"enrollment_ids": [f"No enrollment has id {missing[0]}."]})
        version_id = body.validated_data["version_id"]
        version = _pick(CurriculumVersion.objects.all(), version_id, "version_id", "curriculum version")
        services.enrollment_migrate(enrollments=enrollments, version=version, user=request.user)
        return Response(EnrollmentSerializer(self.get_queryset().filter(pk__in=ids), many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("cohort", int, required=True, description="Cohort id")],
        responses={200: CohortProficiencySerializer, 400: _FIELD_ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="cohort-proficiency")
    def cohort_proficiency(self, request: Request) -> Response:
        """Time-to-proficiency of a cohort (over the enrollments you may see)."""
        raw = request.query_params.get("cohort", "")
        cohort = _pick(Cohort.objects.all(), int(raw) if raw.isdigit() else -1, "cohort", "cohort")
        result = selectors.cohort_time_to_proficiency(cohort=cohort, user=request.user)
        return Response(CohortProficiencySerializer(result).data)

    @extend_schema(request=WithdrawInSerializer, responses={200: EnrollmentSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Stop an enrollment in progress, with a reason (a manager of the agent's team, or an admin)."""
        body = WithdrawInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        enrollment = services.enrollment_withdraw(
            enrollment=self.get_object(), reason=body.validated_data["reason"], user=request.user
        )
        return Response(EnrollmentSerializer(self.get_queryset().get(pk=enrollment.pk)).data)

    @extend_schema(responses={200: ModuleProgressSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """The enrollment's modules in order, with state and due date."""
        rows = selectors.enrollment_progress(enrollment=self.get_object())
        return Response(ModuleProgressSerializer(rows, many=True).data)


# --- module progress and its actions ---------------------------------------------------------------------------------


class WaiveInSerializer(serializers.Serializer[Any]):
    """Why a module is waived."""

    reason = serializers.CharField(allow_blank=True, max_length=300)


class NotesInSerializer(serializers.Serializer[Any]):
    """A manager's sign-off notes."""

    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ShadowingSessionSerializer(serializers.ModelSerializer[ShadowingSession]):
    """A logged shadowing session."""

    progress_id = serializers.IntegerField(read_only=True)
    tenured_agent_id = serializers.IntegerField()
    tenured_agent_name = serializers.CharField(source="tenured_agent.display_name", read_only=True)

    class Meta:
        model = ShadowingSession
        fields = ["id", "progress_id", "tenured_agent_id", "tenured_agent_name", "started_at", "minutes", "notes"]
        read_only_fields = ["id", "progress_id", "tenured_agent_name"]


class TaskSubmissionSerializer(serializers.ModelSerializer[TaskSubmission]):
    """Evidence for a practical task; ``private_note`` appears only for managers and admins reviewing others."""

    progress_id = serializers.IntegerField(read_only=True)
    reviewer_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = TaskSubmission
        fields = [
            "id", "progress_id", "text", "link", "file", "status", "submitted_at", "reviewer_id", "reviewed_at",
            "feedback", "private_note",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: TaskSubmission) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not _sees_private_notes(request.user, instance.progress.enrollment.agent.user_id):
            data.pop("private_note")
        return data


class TaskInSerializer(serializers.Serializer[Any]):
    """Evidence to submit: a text, a link and/or a file (multipart)."""

    text = serializers.CharField(required=False, allow_blank=True, default="")
    link = serializers.URLField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)


class ChoiceOutSerializer(serializers.ModelSerializer[Choice]):
    """A choice as the agent sees it: never whether it is correct."""

    class Meta:
        model = Choice
        fields = ["id", "text"]
        read_only_fields = fields


class QuestionOutSerializer(serializers.ModelSerializer[Question]):
    """A question as the agent sees it."""

    choices = ChoiceOutSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = ["id", "kind", "text", "points", "choices"]
        read_only_fields = fields


class QuizAnswerOutSerializer(serializers.ModelSerializer[QuizAnswer]):
    """A given answer and the points it earned (empty while a reviewer has not graded it)."""

    question_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = QuizAnswer
        fields = ["id", "question_id", "choice_ids", "text", "points_awarded", "reviewer_comment"]
        read_only_fields = fields


class QuizAttemptSerializer(serializers.ModelSerializer[QuizAttempt]):
    """An attempt: its questions in the order shown, the answers given and the result."""

    progress_id = serializers.IntegerField(read_only=True)
    module_title = serializers.CharField(source="progress.module.title", read_only=True)
    questions = serializers.SerializerMethodField()
    answers = QuizAnswerOutSerializer(many=True, read_only=True)

    class Meta:
        model = QuizAttempt
        fields = [
            "id", "progress_id", "module_title", "number", "started_at", "submitted_at", "score_percent", "passed",
            "graded_at", "questions", "answers",
        ]  # fmt: skip
        read_only_fields = fields

    def get_questions(self, attempt: QuizAttempt) -> list[dict[str, Any]]:
        by_id = {question.pk: question for question in attempt.progress.module.questions.all()}
        ordered = [by_id[pk] for pk in attempt.question_order if pk in by_id]
        return list(QuestionOutSerializer(ordered, many=True).data)


class ProgressFilterSet(django_filters.FilterSet):
    """Module progress by enrollment or state."""

    enrollment_id = IntegerFilter(field_name="enrollment_id", label="Enrollment id")
    state = django_filters.ChoiceFilter(choices=ProgressState.choices)

    class Meta:
        model = ModuleProgress
        fields = ["enrollment_id", "state"]


class ModuleProgressViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ModuleProgress]):
    """Per-module progress, and what can be done on a module: complete a lesson, start a quiz attempt, log
    shadowing, submit evidence (the agent), sign off or waive (a manager of the agent's team)."""

    serializer_class = ModuleProgressSerializer
    filterset_class = ProgressFilterSet
    permission_classes = [permissions.IsAuthenticated, OnboardingAccess]

    def get_queryset(self) -> QuerySet[ModuleProgress]:
        return selectors.progress_list(user=self.request.user)

    @extend_schema(request=None, responses={200: ModuleProgressSerializer, 400: _FIELD_ERRORS, 403: _FORBIDDEN})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark a lesson read."""
        progress = services.lesson_complete(progress=self.get_object(), user=request.user)
        return Response(ModuleProgressSerializer(self.get_queryset().get(pk=progress.pk)).data)

    @extend_schema(request=WaiveInSerializer, responses={200: ModuleProgressSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def waive(self, request: Request, pk: str | None = None) -> Response:
        """Waive a module with a reason (managers)."""
        body = WaiveInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        progress = services.progress_waive(
            progress=self.get_object(), reason=body.validated_data["reason"], user=request.user
        )
        return Response(ModuleProgressSerializer(self.get_queryset().get(pk=progress.pk)).data)

    @extend_schema(request=NotesInSerializer, responses={200: ModuleProgressSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str | None = None) -> Response:
        """Sign the checkpoint off (a manager of the agent's team)."""
        body = NotesInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signed = services.sign_off(progress=self.get_object(), manager=request.user, notes=body.validated_data["notes"])
        return Response(ModuleProgressSerializer(self.get_queryset().get(pk=signed.progress_id)).data)

    @extend_schema(request=ShadowingSessionSerializer, responses={201: ShadowingSessionSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def shadowing(self, request: Request, pk: str | None = None) -> Response:
        """Log a shadowing session with a tenured agent."""
        progress = self.get_object()
        body = ShadowingSessionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        tenured = _pick(Agent.objects.all(), values["tenured_agent_id"], "tenured_agent_id", "agent")
        session = services.shadowing_log(
            progress=progress,
            tenured_agent=tenured,
            started_at=values["started_at"],
            minutes=values["minutes"],
            notes=values.get("notes", ""),
            user=request.user,
        )
        return Response(ShadowingSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TaskInSerializer, responses={201: TaskSubmissionSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def tasks(self, request: Request, pk: str | None = None) -> Response:
        """Submit evidence for a practical task (multipart for a file)."""
        progress = self.get_object()
        body = TaskInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        submission = services.task_submit(progress=progress, user=request.user, **body.validated_data)
        return Response(
            TaskSubmissionSerializer(submission, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={201: QuizAttemptSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"], url_path="quiz-attempts")
    def quiz_attempts(self, request: Request, pk: str | None = None) -> Response:
        """Start a quiz attempt (or get the one still open)."""
        attempt = services.quiz_attempt_start(progress=self.get_object(), user=request.user)
        attempt = selectors.quiz_attempt_list(user=request.user).get(pk=attempt.pk)
        return Response(QuizAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


# --- quiz attempts ----------------------------------------------------------------------------------------------------


class AnswerInSerializer(serializers.Serializer[Any]):
    """One answer: choice ids for choice questions, a text for short-text questions."""

    question_id = serializers.IntegerField()
    choice_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    text = serializers.CharField(required=False, allow_blank=True, default="")


class SubmitInSerializer(serializers.Serializer[Any]):
    """The answers of an attempt."""

    answers = AnswerInSerializer(many=True)


class GradeInSerializer(serializers.Serializer[Any]):
    """A reviewer's grade of one short-text answer."""

    answer_id = serializers.IntegerField()
    points_awarded = serializers.FloatField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class QuizAttemptFilterSet(django_filters.FilterSet):
    """Attempts by module progress or enrollment."""

    progress_id = IntegerFilter(field_name="progress_id", label="Module progress id")
    enrollment_id = IntegerFilter(field_name="progress__enrollment_id", label="Enrollment id")

    class Meta:
        model = QuizAttempt
        fields = ["progress_id", "enrollment_id"]


class QuizAttemptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[QuizAttempt]):
    """Quiz attempt history; the agent submits answers, a manager grades short texts."""

    serializer_class = QuizAttemptSerializer
    filterset_class = QuizAttemptFilterSet
    permission_classes = [permissions.IsAuthenticated, OnboardingAccess]

    def get_queryset(self) -> QuerySet[QuizAttempt]:
        return selectors.quiz_attempt_list(user=self.request.user).prefetch_related(
            Prefetch("progress__module__questions", queryset=Question.objects.prefetch_related("choices"))
        )

    @extend_schema(request=SubmitInSerializer, responses={200: QuizAttemptSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit the answers; choice questions are graded at once."""
        body = SubmitInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answers = [services.AnswerInput(**answer) for answer in body.validated_data["answers"]]
        attempt = services.quiz_attempt_submit(attempt=self.get_object(), answers=answers, user=request.user)
        return Response(QuizAttemptSerializer(self.get_queryset().get(pk=attempt.pk)).data)

    @extend_schema(request=GradeInSerializer, responses={200: QuizAttemptSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def grade(self, request: Request, pk: str | None = None) -> Response:
        """Grade one short-text answer (a manager of the agent's team)."""
        attempt = self.get_object()
        body = GradeInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        answer = _pick(attempt.answers.all(), values["answer_id"], "answer_id", "answer of this attempt")
        services.quiz_answer_grade(
            answer=answer, reviewer=request.user, points_awarded=values["points_awarded"], comment=values["comment"]
        )
        return Response(QuizAttemptSerializer(self.get_queryset().get(pk=attempt.pk)).data)


# --- shadowing sessions and task evidence ---------------------------------------------------------------------------


class ShadowingSessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ShadowingSession]
):
    """Logged shadowing sessions (log new ones on the module: POST progress/{id}/shadowing/)."""

    serializer_class = ShadowingSessionSerializer
    permission_classes = [permissions.IsAuthenticated, OnboardingAccess]

    def get_queryset(self) -> QuerySet[ShadowingSession]:
        return selectors.shadowing_session_list(user=self.request.user)


class ReviewInSerializer(serializers.Serializer[Any]):
    """A reviewer's verdict on task evidence."""

    approve = serializers.BooleanField()
    feedback = serializers.CharField(required=False, allow_blank=True, default="")
    private_note = serializers.CharField(required=False, allow_blank=True, default="")


class TaskSubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[TaskSubmission]):
    """Practical-task evidence (submit on the module: POST progress/{id}/tasks/); managers review it."""

    serializer_class = TaskSubmissionSerializer
    permission_classes = [permissions.IsAuthenticated, OnboardingAccess]

    def get_queryset(self) -> QuerySet[TaskSubmission]:
        return selectors.task_submission_list(user=self.request.user)

    @extend_schema(request=ReviewInSerializer, responses={200: TaskSubmissionSerializer, 400: _FIELD_ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Approve the evidence or return it with feedback."""
        body = ReviewInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        submission = services.task_review(submission=self.get_object(), reviewer=request.user, **body.validated_data)
        submission = self.get_queryset().get(pk=submission.pk)
        return Response(TaskSubmissionSerializer(submission, context={"request": request}).data)
