"""Pages under their own prefix (filled in by their topic)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
