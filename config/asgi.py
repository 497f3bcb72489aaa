"""ASGI entry point. Production settings unless told otherwise (see config/wsgi.py)."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

from config.keys import keys_refuse_weak

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_asgi_application()
keys_refuse_weak(settings)
