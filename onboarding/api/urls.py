"""Routes of the onboarding API, under /api/onboarding/."""

from rest_framework.routers import SimpleRouter

app_name = "onboarding-api"

router = SimpleRouter()

urlpatterns = router.urls
