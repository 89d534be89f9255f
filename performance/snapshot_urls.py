"""Weekly snapshot pages, under /snapshots/."""

from django.urls import path

from . import views_snapshots

urlpatterns = [
    path("", views_snapshots.snapshot_list, name="snapshot-list"),
    path("<int:pk>/", views_snapshots.snapshot_page, name="snapshot-detail"),
]
