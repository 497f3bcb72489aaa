"""Commands that create demo data and logins refuse to run outside dev/demo settings (issue 13)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from funnel.models import Specialty

pytestmark = pytest.mark.django_db

DEMO_COMMANDS = [
    ("seed_demo", []),
    ("demo_admin", []),
    ("sandbox_platforms", ["--port", "0"]),
    ("generate_funnel_data", ["--leads", "5"]),
]


@pytest.mark.parametrize(("command", "args"), DEMO_COMMANDS)
def test_demo_command_refuses_without_demo_settings(settings, command, args) -> None:
    # given settings that do not allow demo tools (production's)
    settings.DEMO_COMMANDS_ENABLED = False
    users = get_user_model().objects.count()

    # when the command runs, then it refuses before creating anything
    with pytest.raises(CommandError, match="dev and demo settings only") as refused:
        call_command(command, *args)
    assert refused.value.returncode == 2
    assert get_user_model().objects.count() == users
    assert not Specialty.objects.exists()


def test_demo_admin_still_runs_under_dev_settings(settings) -> None:
    assert settings.DEMO_COMMANDS_ENABLED is True  # test settings inherit dev's

    call_command("demo_admin")

    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()


REMOTE_DATABASES = [
    pytest.param({"ENGINE": "django.db.backends.postgresql", "HOST": "10.2.3.4"}, id="private-ip"),
    pytest.param({"ENGINE": "django.db.backends.postgresql", "HOST": "db.clinic.cn"}, id="name"),
    pytest.param({"ENGINE": "django.db.backends.postgresql", "HOST": "[2001:db8::5]"}, id="ipv6"),
    pytest.param({"ENGINE": "django.db.backends.mysql", "HOST": "127.0.0.1"}, id="other-engine"),
]


@pytest.mark.parametrize("database", REMOTE_DATABASES)
@pytest.mark.parametrize(("command", "args"), DEMO_COMMANDS)
def test_demo_command_refuses_a_database_off_this_host(
    monkeypatch, command, args, database
) -> None:
    # given dev settings (what `manage.py` defaults to) but DATABASE_URL naming another host
    from django.db import connection

    for key, value in database.items():
        monkeypatch.setitem(connection.settings_dict, key, value)
    users = get_user_model().objects.count()

    # when the command runs, then it refuses with exit status 2, naming the host, before writing
    with pytest.raises(CommandError, match="数据库不在本机") as refused:
        call_command(command, *args)
    assert refused.value.returncode == 2
    assert database["HOST"] in str(refused.value)
    assert get_user_model().objects.count() == users
    assert not Specialty.objects.exists()


@pytest.mark.parametrize(
    "database",
    [
        {"ENGINE": "django.db.backends.sqlite3", "HOST": ""},
        {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1"},
        {"ENGINE": "django.db.backends.postgresql", "HOST": "localhost"},
        {"ENGINE": "django.db.backends.postgresql", "HOST": "::1"},
        {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.2"},
        {"ENGINE": "django.db.backends.postgresql", "HOST": "/var/run/postgresql"},
        {"ENGINE": "django.db.backends.postgresql", "HOST": ""},
    ],
)
def test_local_databases_are_allowed(database) -> None:
    from config.demo import database_is_local

    assert database_is_local(database) is True


# Review of point 13: libpq decides where an empty HOST goes (PGHOST, PGHOSTADDR, a service,
# `host=`/`hostaddr=` from DATABASE_URL's query string, which land in OPTIONS).
LIBPQ_REDIRECTS = [
    pytest.param({"PGHOST": "192.0.2.77"}, {}, "192.0.2.77", id="PGHOST"),
    pytest.param({"PGHOST": "/tmp,192.0.2.77"}, {}, "192.0.2.77", id="PGHOST-list"),
    pytest.param({"PGHOSTADDR": "192.0.2.77"}, {}, "192.0.2.77", id="PGHOSTADDR"),
    pytest.param({"PGSERVICE": "prod"}, {}, "prod", id="PGSERVICE"),
    pytest.param({}, {"host": "192.0.2.77"}, "192.0.2.77", id="query-host"),
    pytest.param({}, {"hostaddr": "192.0.2.77"}, "192.0.2.77", id="query-hostaddr"),
    pytest.param({}, {"service": "prod"}, "prod", id="query-service"),
]


@pytest.mark.parametrize(("environ", "options", "where"), LIBPQ_REDIRECTS)
@pytest.mark.parametrize(("command", "args"), DEMO_COMMANDS[:2])
def test_demo_command_refuses_where_libpq_would_go_elsewhere(
    monkeypatch, command, args, environ, options, where
) -> None:
    # given `env -i DATABASE_URL=postgres:///yinliu PGHOST=192.0.2.77 manage.py seed_demo`
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "ENGINE", "django.db.backends.postgresql")
    monkeypatch.setitem(connection.settings_dict, "HOST", "")
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", dict(options))
    for key in ("PGHOST", "PGHOSTADDR", "PGSERVICE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    users = get_user_model().objects.count()

    with pytest.raises(CommandError, match="数据库不在本机") as refused:
        call_command(command, *args)

    assert refused.value.returncode == 2
    assert where in str(refused.value)
    assert get_user_model().objects.count() == users


@pytest.mark.parametrize(
    ("environ", "options"),
    [
        ({"PGHOST": "/var/run/postgresql"}, {}),
        ({"PGHOST": "localhost,127.0.0.1"}, {}),
        ({"PGHOSTADDR": "127.0.0.1"}, {}),
        ({}, {"host": "/tmp"}),
        ({}, {"hostaddr": "::1"}),
    ],
)
def test_libpq_settings_that_stay_local_are_allowed(monkeypatch, environ, options) -> None:
    from config.demo import database_is_local

    for key in ("PGHOST", "PGHOSTADDR", "PGSERVICE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    database = {"ENGINE": "django.db.backends.postgresql", "HOST": "", "OPTIONS": options}

    assert database_is_local(database) is True
