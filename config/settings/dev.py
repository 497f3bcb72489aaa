"""Developer machines and `make demo`: throwaway secrets, debug on, loopback hosts."""

from __future__ import annotations

import logging

from config import env as envmod

from .base import *  # noqa: F403

DEBUG = envmod.debug(default=True)
ALLOWED_HOSTS = envmod.allowed_hosts(default=["127.0.0.1", "localhost", "[::1]", "testserver"])

# No mail server on a developer machine or in `make demo`: every message (workflow notices)
# is written to var/mail/ instead of failing to connect to localhost:25 with a traceback.
globals().update(envmod.email(f"filemail:///{BASE_DIR / 'var' / 'mail'}"))  # noqa: F405

# Without Redis, `make demo` still runs two processes: the web server and celery beat, whose
# daily sweeps run their tasks in place (eager). A local-memory cache is one per process, so
# beat's purge of a landing page it took down (an expired certificate) never reached the web
# server's cached copy: the ad answered 200 from cache for up to LANDING_CACHE_SECONDS
# (twenty-third verification A). Django's file cache is one for every process on the machine.
if not REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache"),  # noqa: F405
        }
    }

DEMO_COMMANDS_ENABLED = True
CHANNELS_SANDBOX_URLS_ALLOWED = True

SECRET_KEY, _generated_secret = envmod.throwaway("SECRET_KEY", seed="django-secret")
_keys, _generated_keys = envmod.throwaway("FIELD_ENCRYPTION_KEYS", seed="field-encryption")
FIELD_ENCRYPTION_KEYS = [k.strip() for k in _keys.split(",") if k.strip()]
PHONE_HASH_KEY, _generated_hash = envmod.throwaway("PHONE_HASH_KEY", seed="phone-hash")

GENERATED_SECRETS = [
    name
    for name, generated in (
        ("SECRET_KEY", _generated_secret),
        ("FIELD_ENCRYPTION_KEYS", _generated_keys),
        ("PHONE_HASH_KEY", _generated_hash),
    )
    if generated
]
if GENERATED_SECRETS:
    logging.getLogger("yinliu").info(
        "dev settings: using throwaway %s (never use these settings in production)",
        ", ".join(GENERATED_SECRETS),
    )
