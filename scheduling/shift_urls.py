"""URLs of the schedule pages, under /schedule/: the manager's board, "My schedule" and the approvals inbox."""

from django.urls import path

from . import shift_views as views

urlpatterns = [
    path("", views.board, name="schedule-board"),
    path("generate/", views.generate, name="schedule-generate"),
    path("publish/", views.publish, name="schedule-publish"),
    path("shifts/new/", views.shift_new, name="schedule-shift-new"),
    path("shifts/check/", views.shift_check, name="schedule-shift-check"),
    path("shifts/<int:pk>/", views.shift_edit, name="schedule-shift-edit"),
    path("shifts/<int:pk>/delete/", views.shift_delete, name="schedule-shift-delete"),
    path("approvals/", views.approvals, name="schedule-approvals"),
    path("approvals/time-off/<int:pk>/", views.time_off_decide, name="schedule-time-off-decide"),
    path("approvals/swaps/<int:pk>/", views.swap_decide, name="schedule-swap-decide"),
    path("me/", views.my_schedule, name="my-schedule"),
    path("me/time-off/", views.my_time_off_request, name="my-time-off-request"),
    path("me/time-off/<int:pk>/cancel/", views.my_time_off_cancel, name="my-time-off-cancel"),
    path("me/swaps/", views.my_swap_propose, name="my-swap-propose"),
    path("me/swaps/<int:pk>/accept/", views.my_swap_accept, name="my-swap-accept"),
    path("me/swaps/<int:pk>/refuse/", views.my_swap_refuse, name="my-swap-refuse"),
    path("me/swaps/<int:pk>/cancel/", views.my_swap_cancel, name="my-swap-cancel"),
    path("me/calendar/", views.my_calendar_create, name="my-calendar-create"),
    path("me/calendar/<int:pk>/revoke/", views.my_calendar_revoke, name="my-calendar-revoke"),
]
