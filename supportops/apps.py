"""Django app configuration for the SupportOps core."""

from django.apps import AppConfig


class SupportopsConfig(AppConfig):
    """The core app: markets, teams, agents, skills, queues, conversations and roles."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "supportops"
    verbose_name = "SupportOps"
