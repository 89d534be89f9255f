"""Calibration pages, under /qa/calibration/."""

from django.urls import path

from . import views_calibration as views

urlpatterns = [
    path("", views.calibration_list, name="qa-calibration-list"),
    path("new/", views.calibration_new, name="qa-calibration-new"),
    path("<int:pk>/", views.calibration_session, name="qa-calibration-session"),
    path("<int:pk>/close/", views.calibration_close, name="qa-calibration-close"),
    path(
        "<int:pk>/conversations/<int:conversation_id>/review/",
        views.calibration_review,
        name="qa-calibration-review",
    ),
    path("<int:pk>/results/", views.calibration_results, name="qa-calibration-results"),
]
