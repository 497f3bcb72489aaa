"""WSGI entry point (gunicorn config.wsgi). Production settings unless told otherwise: dev
settings are reached only through manage.py and `make demo`, which name them."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.keys import keys_refuse_weak

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()
keys_refuse_weak(settings)
