"""Routes of the capacity pages, under /capacity/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.capacity, name="capacity"),
    path("forecasts/", views.forecast_request, name="capacity-forecast-request"),
    path("forecasts/<int:pk>/what-if/", views.what_if, name="capacity-what-if"),
    path("forecasts/<int:pk>/adjustments/", views.adjustment_add, name="capacity-adjustment-add"),
    path(
        "forecasts/<int:pk>/adjustments/<int:adjustment_pk>/remove/",
        views.adjustment_remove,
        name="capacity-adjustment-remove",
    ),
    path("forecasts/<int:pk>/scenarios/", views.scenario_save, name="capacity-scenario-save"),
    path(
        "forecasts/<int:pk>/scenarios/<int:scenario_pk>/delete/",
        views.scenario_delete,
        name="capacity-scenario-delete",
    ),
    path("history/build/", views.history_build, name="capacity-history-build"),
    path("history/import/", views.history_import, name="capacity-history-import"),
]
