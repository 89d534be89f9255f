"""Routes of the performance API, under /api/performance/. Each topic module registers its own viewsets."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import calibration, disputes, reviews, sampling

app_name = "performance-api"

router = SimpleRouter()
reviews.register(router)
sampling.register(router)
calibration.register(router)
disputes.register(router)

urlpatterns = [path("iqs/", reviews.IQSView.as_view(), name="iqs"), *router.urls]
