"""Routes of the scheduling API (capacity and shifts), under /api/scheduling/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .adherence import AdherenceView, AgentStateEventViewSet
from .calendars import CalendarFeedViewSet, ScheduleExportView
from .requests import AvailabilityViewSet, BookedActivityViewSet, SwapViewSet, TimeOffViewSet
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
router.register("availability", AvailabilityViewSet, basename="availability")
router.register("time-off", TimeOffViewSet, basename="time-off")
router.register("swaps", SwapViewSet, basename="swap")
router.register("booked-activities", BookedActivityViewSet, basename="booked-activity")
router.register("calendar-feeds", CalendarFeedViewSet, basename="calendar-feed")
router.register("agent-states", AgentStateEventViewSet, basename="agent-state")

urlpatterns = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("adherence/", AdherenceView.as_view(), name="adherence"),
    path("exports/schedule/", ScheduleExportView.as_view(), name="schedule-export"),
    *router.urls,
]
