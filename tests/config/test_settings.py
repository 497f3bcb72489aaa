"""Settings load in each mode; production refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "kq3Zt8-vWf2LxN9bR4sYp7mHc1JgD6eAuT0oIzQ5nKlV_yXwSrFdGhE",
    "FIELD_ENCRYPTION_KEYS": (
        "4aSpu4hFpIxO9T1xj1A-X8_jeR3K4_4GnJpKV7VwVyE=,Q0s0WlcJjH9yJ6L8m3vZbB2xk4sJY1u2wq9ZrQp6N5M="
    ),
    "PHONE_HASH_KEY": "Yb4nT9q2Lx7Vm3Kp8Rz1Wd6Hs0Fc5Jg-Ue_Ao",
}


def _env(**overrides: str) -> dict[str, str]:
    dropped = {*SECRETS, "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("EMAIL_URL", None)
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


def _generated_secrets() -> dict[str, str]:
    import secrets

    from cryptography.fernet import Fernet

    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": ",".join(Fernet.generate_key().decode() for _ in range(2)),
        "PHONE_HASH_KEY": secrets.token_urlsafe(48),
    }


@pytest.mark.parametrize("keys", ["fixed", "generated"])
def test_production_check_deploy_is_clean_with_secrets(keys) -> None:
    given = SECRETS if keys == "fixed" else _generated_secrets()
    env = _env(**given, ALLOWED_HOSTS="clinic.example.com", REDIS_URL="redis://127.0.0.1:6379/9")

    result = _manage("check", "--deploy", "--settings=config.settings.production", env=env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_without_a_broker_is_warned_of_work_inside_requests() -> None:
    env = _env(**SECRETS, ALLOWED_HOSTS="clinic.example.com")

    result = _manage("check", "--deploy", "--settings=config.settings.production", env=env)

    assert result.returncode == 0, result.stderr  # a warning: the embedded mode still runs
    assert "yinliu.W001" in result.stderr + result.stdout
    assert "OUTBOUND_REQUEST_BUDGET_SECONDS" in result.stderr + result.stdout


def _b64(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).decode()


def _throwaway(seed: str) -> str:
    from config.env import throwaway_value

    return throwaway_value(seed)


WEAK = [
    ("SECRET_KEY", "password", "yinliu.E001"),
    ("SECRET_KEY", "django-insecure-" + "ab" * 30, "yinliu.E001"),
    ("SECRET_KEY", _throwaway("django-secret"), "yinliu.E001"),
    ("FIELD_ENCRYPTION_KEYS", "password", "yinliu.E002"),
    ("FIELD_ENCRYPTION_KEYS", SECRETS["FIELD_ENCRYPTION_KEYS"] + ",old-passphrase", "yinliu.E002"),
    ("FIELD_ENCRYPTION_KEYS", _throwaway("field-encryption"), "yinliu.E002"),
    ("PHONE_HASH_KEY", "k", "yinliu.E003"),
    ("PHONE_HASH_KEY", "a" * 40, "yinliu.E003"),
    ("PHONE_HASH_KEY", _throwaway("phone-hash"), "yinliu.E003"),
    # the right form, no strength (point 23 review): each kind of pattern, per key
    ("SECRET_KEY", "x" * 50, "yinliu.E001"),
    ("SECRET_KEY", "abcde" * 12, "yinliu.E001"),
    ("SECRET_KEY", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "yinliu.E001"),
    ("SECRET_KEY", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcde", "yinliu.E001"),
    ("FIELD_ENCRYPTION_KEYS", "A" * 43 + "=", "yinliu.E002"),  # 32 zero bytes
    ("FIELD_ENCRYPTION_KEYS", _b64(bytes(range(8)) * 4), "yinliu.E002"),  # repeated block
    (
        "FIELD_ENCRYPTION_KEYS",
        _b64(bytes.fromhex("5be2a1c94f07d36e8a11b2c3d4e5f607") * 2),
        "yinliu.E002",
    ),  # a random-looking half, twice
    ("FIELD_ENCRYPTION_KEYS", _b64(bytes(range(32))), "yinliu.E002"),  # a run
    (
        "FIELD_ENCRYPTION_KEYS",
        _b64(bytes(16) + bytes.fromhex("5be2a1c94f07d36e8a11b2c3d4e5f607")),
        "yinliu.E002",
    ),  # a signing half of zeros
    (
        "FIELD_ENCRYPTION_KEYS",
        SECRETS["FIELD_ENCRYPTION_KEYS"] + "," + "_" * 43 + "=",
        "yinliu.E002",
    ),  # an old key in the list is held to the rule too
    ("PHONE_HASH_KEY", "z" * 32, "yinliu.E003"),
    ("PHONE_HASH_KEY", "abcd" * 8, "yinliu.E003"),
    ("PHONE_HASH_KEY", "Yb4nT9q2" * 4, "yinliu.E003"),
    ("PHONE_HASH_KEY", "abcdefghijklmnopqrstuvwxyz012345", "yinliu.E003"),
    ("PHONE_HASH_KEY", "0123456789" * 4, "yinliu.E003"),
]


def test_generated_keys_always_pass_the_strength_rule() -> None:
    """Guards the thresholds from the other side: no key from the documented generators fails
    (2000 draws each; the margins behind the thresholds are in config/keys.py)."""
    import secrets

    from cryptography.fernet import Fernet
    from django.core.management.utils import get_random_secret_key

    from config.keys import (
        field_encryption_keys_problems,
        phone_hash_key_problems,
        secret_key_problems,
    )

    for _ in range(2000):
        assert not field_encryption_keys_problems([Fernet.generate_key().decode()])
        assert not phone_hash_key_problems(secrets.token_urlsafe(24))
        assert not phone_hash_key_problems(secrets.token_urlsafe(48))
        assert not phone_hash_key_problems(secrets.token_hex(16))
        assert not secret_key_problems(get_random_secret_key())
        assert not secret_key_problems(secrets.token_urlsafe(48))


@pytest.mark.parametrize(("name", "value", "check_id"), WEAK)
def test_key_check_reports_each_weak_key(settings, name, value, check_id) -> None:
    from django.core.checks import run_checks

    # given DEBUG off, proper keys but one weak one
    settings.DEBUG = False
    settings.GENERATED_SECRETS = []
    settings.SECRET_KEY = SECRETS["SECRET_KEY"]
    settings.FIELD_ENCRYPTION_KEYS = SECRETS["FIELD_ENCRYPTION_KEYS"].split(",")
    settings.PHONE_HASH_KEY = SECRETS["PHONE_HASH_KEY"]
    setattr(settings, name, value.split(",") if name == "FIELD_ENCRYPTION_KEYS" else value)

    # when the checks run
    found = [m for m in run_checks(include_deployment_checks=True) if m.id.startswith("yinliu.E")]

    # then exactly that key is reported, as an error naming it
    assert [m.id for m in found] == [check_id]
    assert name in found[0].msg
    assert found[0].is_serious()


def test_key_check_is_silent_with_proper_keys_and_with_debug_on(settings) -> None:
    from django.core.checks import run_checks

    settings.DEBUG = True  # dev: throwaway keys expected
    assert not [m for m in run_checks() if m.id.startswith("yinliu.")]
    settings.DEBUG = False
    settings.GENERATED_SECRETS = []
    settings.SECRET_KEY = SECRETS["SECRET_KEY"]
    settings.FIELD_ENCRYPTION_KEYS = SECRETS["FIELD_ENCRYPTION_KEYS"].split(",")
    settings.PHONE_HASH_KEY = SECRETS["PHONE_HASH_KEY"]
    assert not [m for m in run_checks() if m.id.startswith("yinliu.")]


def test_production_check_deploy_fails_with_weak_keys() -> None:
    # given production settings with the weak keys
    env = _env(
        **{**SECRETS, "FIELD_ENCRYPTION_KEYS": "password", "PHONE_HASH_KEY": "k"},
        ALLOWED_HOSTS="clinic.example.com",
    )

    # when the deploy check runs
    result = _manage("check", "--deploy", "--settings=config.settings.production", env=env)

    # then it fails with a clear message per key
    assert result.returncode != 0
    assert "yinliu.E002" in result.stderr
    assert "FIELD_ENCRYPTION_KEYS key 1" in result.stderr
    assert "yinliu.E003" in result.stderr
    assert "PHONE_HASH_KEY must be" in result.stderr


@pytest.mark.parametrize(
    "weak",
    [
        {
            "SECRET_KEY": "x" * 50,
            "FIELD_ENCRYPTION_KEYS": "A" * 43 + "=",
            "PHONE_HASH_KEY": "z" * 32,
        },
        {
            "SECRET_KEY": "abcde" * 12,
            "FIELD_ENCRYPTION_KEYS": _b64(bytes(range(8)) * 4),
            "PHONE_HASH_KEY": "Yb4nT9q2" * 4,
        },
    ],
    ids=["one-char", "repeated-pattern"],
)
def test_production_check_deploy_fails_on_keys_of_the_right_form_but_no_strength(weak) -> None:
    env = _env(**weak, ALLOWED_HOSTS="clinic.example.com")

    result = _manage("check", "--deploy", "--settings=config.settings.production", env=env)

    assert result.returncode != 0
    for check_id, name in [
        ("yinliu.E001", "SECRET_KEY"),
        ("yinliu.E002", "FIELD_ENCRYPTION_KEYS key 1"),
        ("yinliu.E003", "PHONE_HASH_KEY"),
    ]:
        assert f"({check_id}) {name}" in result.stderr, result.stderr


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_wsgi_without_settings_module_runs_production_settings() -> None:
    env = _env(**SECRETS, ALLOWED_HOSTS="clinic.example.com")

    result = _python(
        "import config.wsgi\nfrom django.conf import settings\n"
        "print(settings.SETTINGS_MODULE, settings.DEBUG, settings.DEMO_COMMANDS_ENABLED, "
        "settings.CHANNELS_SANDBOX_URLS_ALLOWED)",
        env,
    )

    # production: no debug, no demo commands, no loopback API base URLs
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.production", "False", "False", "False"]


def test_wsgi_without_settings_module_or_keys_refuses_to_start() -> None:
    result = _python("import config.wsgi", _env())

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_wsgi_with_dev_settings_and_debug_off_refuses_throwaway_keys() -> None:
    env = _env(DJANGO_SETTINGS_MODULE="config.settings.dev", DEBUG="false")

    result = _python("import config.wsgi", env)

    assert result.returncode != 0
    assert "WeakKeysError" in result.stderr
    assert "yinliu.E004" in result.stderr


def test_dev_manage_command_with_debug_off_refuses_throwaway_keys() -> None:
    result = _manage("check", env=_env(DEBUG="false"))

    assert result.returncode != 0
    assert "yinliu.E004" in result.stderr


def test_celery_without_settings_module_runs_production_settings() -> None:
    env = _env(**SECRETS, ALLOWED_HOSTS="clinic.example.com")

    result = _python(
        "import os\nfrom config.celery import app\n"
        "print(os.environ['DJANGO_SETTINGS_MODULE'], app.conf.task_acks_late)",
        env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.production", "True"]


def test_celery_worker_start_refuses_weak_keys_with_debug_off() -> None:
    env = _env(DJANGO_SETTINGS_MODULE="config.settings.dev", DEBUG="false")

    result = _python(
        "import django\ndjango.setup()\nfrom config.celery import _refuse_weak_keys\n"
        "_refuse_weak_keys()",
        env,
    )

    assert result.returncode != 0
    assert "yinliu.E004" in result.stderr


def test_dev_generates_throwaway_secrets_and_says_so() -> None:
    env = _env()

    generated = _setting("config.settings.dev", "settings.GENERATED_SECRETS", env)

    assert generated == "['SECRET_KEY', 'FIELD_ENCRYPTION_KEYS', 'PHONE_HASH_KEY']"


def test_embedded_default_is_sqlite_eager_and_a_cache_every_process_shares() -> None:
    """The demo's web server and celery beat are two processes: a page beat takes down must
    leave the web server's cache too, so the embedded cache is on disk, not in memory."""
    env = _env()

    got = _setting(
        "config.settings.dev",
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, "
        "settings.CACHES['default']['BACKEND'], settings.LANGUAGE_CODE, settings.TIME_ZONE, "
        "settings.CACHES['default']['LOCATION'] == str(settings.BASE_DIR / 'var' / 'cache')",
        env,
    )

    assert got == (
        "django.db.backends.sqlite3 True django.core.cache.backends.filebased.FileBasedCache "
        "zh-hans Asia/Shanghai True"
    )


def test_a_purge_in_one_process_reaches_the_cache_another_process_reads(tmp_path) -> None:
    """What the file cache is for: celery beat (one process) purges, the web server (another)
    no longer answers from its copy. Two real processes on dev settings."""
    env = _env()
    env["YL_CACHE_DIR"] = str(tmp_path)
    setup = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.dev'; "
        "from django.conf import settings; django.setup(); "
        "settings.CACHES['default']['LOCATION']=os.environ['YL_CACHE_DIR']; "
        "from django.core.cache import caches; cache=caches['default']; "
    )

    def run(code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", setup + code],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
            timeout=60,
        )
        return done.stdout.strip()

    run("cache.set('page', 'cached copy', 600)")
    assert run("print(cache.get('page'))") == "cached copy"
    run("cache.delete('page')")
    assert run("print(cache.get('page'))") == "None"


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


def test_dev_keeps_mail_as_files_under_var_instead_of_a_missing_smtp_server() -> None:
    # given dev settings with no EMAIL_URL (make demo): Wagtail's workflow notices must not
    # fail to connect to localhost:25 (a traceback per notice in the demo's output)
    backend, path = _setting(
        "config.settings.dev", "settings.EMAIL_BACKEND, '|', settings.EMAIL_FILE_PATH", _env()
    ).split(" | ")
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(path) == ROOT / "var" / "mail"


def test_production_mails_through_email_url() -> None:
    env = _env(**SECRETS, EMAIL_URL="smtp+tls://clinic:pw@smtp.exmail.qq.com:587")
    out = _setting(
        "config.settings.production",
        "settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS",
        env,
    )
    assert out == "django.core.mail.backends.smtp.EmailBackend smtp.exmail.qq.com 587 True"
    # unset: the local mail server, as Django's own default
    assert _setting("config.settings.production", "settings.EMAIL_HOST", _env(**SECRETS)) == (
        "localhost"
    )


@pytest.fixture
def silent_postgres():
    """A real TCP listener that accepts connections and never answers, as a wedged PostgreSQL
    (or a proxy in front of a dead one) does. Yields its port."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0), backlog=16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)  # kept open, never read from or written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(1)
    for conn in held:
        conn.close()
    listener.close()
    assert held, "the connection attempt never reached the silent listener"


def test_a_silent_postgresql_fails_the_connection_instead_of_hanging_it(silent_postgres) -> None:
    # given the settings pointed at a PostgreSQL that accepts and never answers
    env = _env(
        DATABASE_URL=f"postgres://yinliu@127.0.0.1:{silent_postgres}/yinliu",
        DB_CONNECT_TIMEOUT="1",
    )
    code = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.dev'\n"
        "django.setup()\n"
        "from django.db import connection\n"
        "from django.db.utils import OperationalError\n"
        "try:\n"
        "    connection.ensure_connection()\n"
        "except OperationalError as exc:\n"
        "    print('refused:', exc)\n"
    )
    # when a connection is opened (the subprocess's own timeout turns a hang into a failure)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    # then it fails with libpq's timeout rather than waiting forever
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused:"), result.stdout
    assert "timeout" in result.stdout.lower()


def test_the_connect_timeout_is_configurable() -> None:
    env = _env(DATABASE_URL="postgres://yinliu@127.0.0.1:5432/yinliu", DB_CONNECT_TIMEOUT="7")
    expr = "settings.DATABASES['default']['OPTIONS']['connect_timeout']"
    assert _setting("config.settings.dev", expr, env) == "7"


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/0", "gw1", "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://:secret@cache:6380/3", "gw2", "redis://:secret@cache:6380/6"),
        ("redis://127.0.0.1:6379/0", "", "redis://127.0.0.1:6379/0"),  # one process
        ("redis://127.0.0.1:6379/0", "gw15", "redis://127.0.0.1:6379/0"),  # wraps at 16
    ],
)
def test_each_parallel_test_process_takes_its_own_redis_database(url, worker, expected) -> None:
    """Every test empties the cache (FLUSHDB): two test processes on one Redis database
    would empty each other's in mid-test."""
    from config.settings.test import worker_redis_url

    assert worker_redis_url(url, worker) == expected
