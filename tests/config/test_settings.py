"""Settings load in each mode; production refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "x" * 60 + "-a-long-random-production-secret-key-for-tests",
    "FIELD_ENCRYPTION_KEYS": "new-key,old-key",
    "PHONE_HASH_KEY": "hash-key",
}


def _env(**overrides: str) -> dict[str, str]:
    dropped = {*SECRETS, "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _setting(module: str, expr: str, env: dict[str, str]) -> str:
    code = (
        "import django, os\n"
        f"os.environ['DJANGO_SETTINGS_MODULE'] = {module!r}\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        f"print({expr})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_production_refuses_to_start_without_each_secret(missing: str) -> None:
    # given production settings with every secret but one
    env = _env(**{k: v for k, v in SECRETS.items() if k != missing}, ALLOWED_HOSTS="example.com")

    # when Django starts
    result = _manage("check", "--settings=config.settings.production", env=env)

    # then it refuses, naming the missing secret
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_production_check_deploy_is_clean_with_secrets() -> None:
    env = _env(**SECRETS, ALLOWED_HOSTS="clinic.example.com")

    result = _manage("check", "--deploy", "--settings=config.settings.production", env=env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_dev_generates_throwaway_secrets_and_says_so() -> None:
    env = _env()

    generated = _setting("config.settings.dev", "settings.GENERATED_SECRETS", env)

    assert generated == "['SECRET_KEY', 'FIELD_ENCRYPTION_KEYS', 'PHONE_HASH_KEY']"


def test_embedded_default_is_sqlite_eager_and_local_memory() -> None:
    env = _env()

    got = _setting(
        "config.settings.dev",
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, "
        "settings.CACHES['default']['BACKEND'], settings.LANGUAGE_CODE, settings.TIME_ZONE",
        env,
    )

    assert got == (
        "django.db.backends.sqlite3 True django.core.cache.backends.locmem.LocMemCache "
        "zh-hans Asia/Shanghai"
    )


def test_database_and_redis_urls_switch_to_postgres_redis_and_a_real_broker() -> None:
    env = _env(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/somewhere",
        REDIS_URL="redis://127.0.0.1:6379/7",
    )

    got = _setting(
        "config.settings.dev",
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'], "
        "settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL, "
        "settings.CACHES['default']['BACKEND']",
        env,
    )

    assert got == (
        "django.db.backends.postgresql somewhere False redis://127.0.0.1:6379/7 "
        "django_redis.cache.RedisCache"
    )


def test_celery_defaults_suit_at_least_once_work() -> None:
    from config.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_reject_on_worker_lost is True
    # the broker's redelivery timeout must exceed the longest a task may run
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
