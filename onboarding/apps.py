"""Django app configuration for onboarding."""

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Onboarding: filled in by its own issue."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "onboarding"
