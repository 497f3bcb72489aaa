"""Production: every secret must come from the environment, or the process refuses to start."""

from __future__ import annotations

from config import env as envmod

from .base import *  # noqa: F403

DEBUG = envmod.debug(default=False)
ALLOWED_HOSTS = envmod.allowed_hosts(default=[])

SECRET_KEY = envmod.mandatory("SECRET_KEY")
FIELD_ENCRYPTION_KEYS = [
    k.strip() for k in envmod.mandatory("FIELD_ENCRYPTION_KEYS").split(",") if k.strip()
]
PHONE_HASH_KEY = envmod.mandatory("PHONE_HASH_KEY")

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envmod.env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = envmod.integer("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = envmod.env.list("CSRF_TRUSTED_ORIGINS", default=[])
