"""API routes of the core app, under ``/api/`` with the ``api`` namespace."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from supportops.integrations.api import HelpdeskIntegrationViewSet

from . import views

app_name = "api"

router = SimpleRouter()
router.register("markets", views.MarketViewSet, basename="market")
router.register("teams", views.TeamViewSet, basename="team")
router.register("agents", views.AgentViewSet, basename="agent")
router.register("skills", views.SkillViewSet, basename="skill")
router.register("queues", views.QueueViewSet, basename="queue")
router.register("conversations", views.ConversationViewSet, basename="conversation")
router.register("jobs", views.JobViewSet, basename="job")
router.register("integrations", HelpdeskIntegrationViewSet, basename="integration")

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="auth-token"),
    *router.urls,
]
