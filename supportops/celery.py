"""The Celery application: eager (inline) by default, Redis-backed when CELERY_BROKER_URL is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportops.settings")

app = Celery("supportops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
