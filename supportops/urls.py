"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views
from .integrations.webhooks import helpdesk_webhook

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/scheduling/", include("scheduling.api.urls")),
    path("api/onboarding/", include("onboarding.api.urls")),
    path("api/performance/", include("performance.api.urls")),
    path("api/", include("supportops.api.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("webhooks/helpdesk/<int:integration_id>/", helpdesk_webhook, name="helpdesk-webhook"),
    path("capacity/", include("scheduling.urls")),
    path("calendar/", include("scheduling.feeds")),
    path("schedule/", include("scheduling.shift_urls")),
    path("onboarding/", include("onboarding.urls")),
    path("qa/", include("performance.urls")),
    path("kpis/", include("performance.kpi_urls")),
    path("one-on-ones/", include("performance.oneonone_urls")),
    path("people/", include("performance.people_urls")),
    path("snapshots/", include("performance.snapshot_urls")),
    path("", include("supportops.page_urls")),
]
