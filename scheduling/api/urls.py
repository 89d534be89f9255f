"""Routes of the capacity API, under /api/scheduling/."""

from rest_framework.routers import SimpleRouter

from .views import IntervalVolumeViewSet

app_name = "scheduling-api"

router = SimpleRouter()
router.register("volumes", IntervalVolumeViewSet, basename="volume")

urlpatterns = router.urls
