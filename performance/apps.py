"""Django app configuration for performance."""

from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    """Performance: filled in by its own issue."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "performance"
