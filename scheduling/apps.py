"""Django app configuration for scheduling."""

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    """Scheduling: filled in by its own issue."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "scheduling"
