"""Cohort (hire class) API: list and open hire classes, and enrol a class in a curriculum version at once."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from onboarding import services
from onboarding.models import Cohort, CurriculumVersion, Enrollment, EnrollmentStatus
from supportops import access
from supportops.models import Agent, Team

from .enrollments import OnboardingAccess


class CohortSerializer(serializers.ModelSerializer[Cohort]):
    """A hire class: its team (slug), start date and how many of its enrollments are active."""

    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    active_enrollments = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cohort
        fields = ["id", "name", "team", "start_date", "active_enrollments"]
        validators: list[Any] = []  # the service names a duplicate class in words


class CohortEnrollSerializer(serializers.Serializer[Any]):
    """Who to enrol, in which published version, from when (default: the class's start date)."""

    agent_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=200)
    version_id = serializers.IntegerField()
    start_date = serializers.DateField(required=False)


class CohortEnrollResultSerializer(serializers.Serializer[Any]):
    """The enrollments made."""

    enrollment_ids = serializers.ListField(child=serializers.IntegerField())


class CohortViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Hire classes: managers see and open their teams' (admins all); agents see the classes they are in."""

    serializer_class = CohortSerializer
    permission_classes = [permissions.IsAuthenticated, OnboardingAccess]

    def get_queryset(self) -> QuerySet[Cohort]:
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Cohort.objects.none()
        cohorts = Cohort.objects.select_related("team").annotate(
            active_enrollments=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE))
        )
        if not access.is_admin(user):
            # Subqueries rather than joins, so the enrollment count is not multiplied.
            cohorts = cohorts.filter(
                Q(team__in=Team.objects.filter(managers=user.pk))
                | Q(pk__in=Enrollment.objects.filter(agent__user=user.pk).values("cohort_id"))
            )
        return cohorts.order_by("-start_date", "name")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CohortSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cohort = services.cohort_create(user=request.user, **body.validated_data)
        created = self.get_queryset().get(pk=cohort.pk)
        return Response(CohortSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CohortEnrollSerializer, responses={201: CohortEnrollResultSerializer})
    @action(detail=True, methods=["post"])
    def enroll(self, request: Request, pk: Any = None) -> Response:
        cohort = self.get_object()
        body = CohortEnrollSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        agents = list(Agent.objects.filter(pk__in=values["agent_ids"]).select_related("team"))
        missing = sorted(set(values["agent_ids"]) - {agent.pk for agent in agents})
        if missing:
            raise serializers.ValidationError({"agent_ids": [f"No agent has id {', '.join(map(str, missing))}."]})
        version = CurriculumVersion.objects.filter(pk=values["version_id"]).first()
        if version is None:
            raise serializers.ValidationError({"version_id": ["No curriculum version has this id."]})
        enrollments = services.cohort_enroll(
            cohort=cohort,
            agents=agents,
            version=version,
            start_date=values.get("start_date") or cohort.start_date,
            user=request.user,
        )
        return Response({"enrollment_ids": [e.pk for e in enrollments]}, status=status.HTTP_201_CREATED)
