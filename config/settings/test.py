"""pytest: the same database and cache wiring as dev (DATABASE_URL / REDIS_URL decide)."""

from __future__ import annotations

from .dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WAGTAILADMIN_BASE_URL = "http://testserver"
