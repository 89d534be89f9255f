"""Routes of the scheduling API (capacity and shifts), under /api/scheduling/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .shifts import CoverageView, ScheduleViewSet, ShiftTemplateViewSet, ShiftViewSet
from .views import ForecastViewSet, IntervalVolumeViewSet, StaffingSettingsViewSet

app_name = "scheduling-api"

router = SimpleRouter()
router.register("volumes", IntervalVolumeViewSet, basename="volume")
router.register("forecasts", ForecastViewSet, basename="forecast")
router.register("staffing-settings", StaffingSettingsViewSet, basename="staffing-settings")
router.register("shift-templates", ShiftTemplateViewSet, basename="shift-template")
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("shifts", ShiftViewSet, basename="shift")

urlpatterns = [path("coverage/", CoverageView.as_view(), name="coverage"), *router.urls]
