"""WSGI entry point (gunicorn supportops.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportops.settings")
application = get_wsgi_application()
