"""Routes of the capacity API, under /api/scheduling/."""

from rest_framework.routers import SimpleRouter

from .views import ForecastViewSet, IntervalVolumeViewSet, StaffingSettingsViewSet

app_name = "scheduling-api"

router = SimpleRouter()
router.register("volumes", IntervalVolumeViewSet, basename="volume")
router.register("forecasts", ForecastViewSet, basename="forecast")
router.register("staffing-settings", StaffingSettingsViewSet, basename="staffing-settings")

urlpatterns = router.urls
