"""SupportOps: the Django project and the core app (org model, roles, conversations)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
