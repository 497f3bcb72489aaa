"""System checks of the project's keys (ids yinliu.E001-E004, messages from `config.keys`).

They run with every management command and with `check --deploy`; with DEBUG on (dev, the
demo) the throwaway keys are expected and nothing is reported.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

from config.keys import key_problems

HINTS = {
    "yinliu.E001": "Set SECRET_KEY to 50+ random characters "
    '(python -c "import secrets; print(secrets.token_urlsafe(64))").',
    "yinliu.E002": "Set FIELD_ENCRYPTION_KEYS to Fernet keys, newest first (python -c "
    '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").',
    "yinliu.E003": "Set PHONE_HASH_KEY to 32+ random bytes; never change it on a live database.",
    "yinliu.E004": "Use config.settings.production with real keys, or turn DEBUG on for dev.",
}


@register("security", deploy=False)
def keys_check(app_configs=None, **kwargs) -> list[Error]:
    # pytest's settings (DEBUG off, throwaway keys) run management commands in subprocesses.
    if settings.DEBUG or settings.SETTINGS_MODULE == "config.settings.test":
        return []
    return [
        Error(problem, hint=HINTS[check_id], id=check_id)
        for check_id, problems in key_problems(settings).items()
        for problem in problems
    ]


@register("yinliu", deploy=True)
def broker_check(app_configs=None, **kwargs) -> list[Warning]:
    """`check --deploy` without REDIS_URL: no broker, so background work runs in web requests."""
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.DEBUG:
        return [
            Warning(
                "REDIS_URL is not set: postbacks, WeCom welcomes, tags and notices run inside "
                "the web request that caused them, cut at OUTBOUND_REQUEST_BUDGET_SECONDS and "
                "left to the sweeps (a WeCom welcome code lives 20 s: a cut welcome is lost).",
                hint="Set REDIS_URL and run a Celery worker and beat (README: make worker).",
                id="yinliu.W001",
            )
        ]
    return []
