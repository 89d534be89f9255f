"""Calibration pages, under /qa/calibration/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
