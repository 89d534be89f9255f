"""Routes of the performance API, under /api/performance/. Each topic module registers its own viewsets."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import calibration, disputes, kpis, one_on_ones, people, reviews, sampling

app_name = "performance-api"

router = SimpleRouter()
reviews.register(router)
sampling.register(router)
calibration.register(router)
disputes.register(router)
kpis.register(router)
one_on_ones.register(router)
people.register(router)

urlpatterns = [path("iqs/", reviews.IQSView.as_view(), name="iqs"), *router.urls]
