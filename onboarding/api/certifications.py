"""Certification API: the certifications that exist, and who holds which until when."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import permissions, serializers, viewsets

from onboarding.models import Certification, CertificationGrant

from .enrollments import OnboardingAccess


class CertificationSerializer(serializers.ModelSerializer[Certification]):
    """A certification and how long a grant of it lasts."""

    class Meta:
        model = Certification
        fields = ["id", "name", "description", "validity_days", "renewal_notice_days"]


class CertificationGrantSerializer(serializers.ModelSerializer[CertificationGrant]):
    """An agent's certification, its dates, and the re-certification enrollment started for it (if any)."""

    certification = serializers.CharField(source="certification.name")
    agent_name = serializers.CharField(source="agent.display_name")

    class Meta:
        model = CertificationGrant
        fields = [
            "id",
            "agent",
            "agent_name",
            "certification",
            "granted_on",
            "expires_on",
            "enrollment",
            "renewal_enrollment",
        ]


class CertificationViewSet(viewsets.ReadOnlyModelViewSet[Certification]):
    """Certifications (admins define them in the Django admin)."""

    serializer_class = CertificationSerializer
    permission_classes = [permissions.IsAuthenticated, OnboardingAccess]
    queryset = Certification.objects.order_by("name")


class CertificationGrantViewSet(viewsets.ReadOnlyModelViewSet[CertificationGrant]):
    """Certification grants: agents their own, managers their teams', admins all; filter ``agent_id``."""

    serializer_class = CertificationGrantSerializer
    permission_classes = [permissions.IsAuthenticated, OnboardingAccess]

    def get_queryset(self) -> QuerySet[CertificationGrant]:
        grants = (
            CertificationGrant.objects.visible_to(self.request.user)
            .select_related("certification", "agent__user")
            .order_by("expires_on", "pk")
        )
        agent_id = self.request.query_params.get("agent_id")
        if agent_id and agent_id.isdigit():
            grants = grants.filter(agent_id=int(agent_id))
        return grants
