"""The project's WSGI app plus one bare Django view at /__bench/bare/ (bench only): the same
server, middleware stack and process serve both, so their requests/s compare fairly."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

settings.ROOT_URLCONF = "tests.benchmarks.landing_urls"
application = get_wsgi_application()
