"""The guard of the commands that create demo data and logins (dev, demo and tests only)."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

# Exit status of a refused demo command: 2, like a usage error (a script stops, nothing ran).
REFUSED_EXIT = 2
LOCAL_HOST_NAMES = {"", "localhost", "localhost.localdomain"}


def database_is_local(settings_dict: dict[str, Any]) -> bool:
    """True for the embedded SQLite file (or memory) and for a PostgreSQL reached over a
    loopback address or a Unix socket; anything else may be a production server."""
    engine = str(settings_dict.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        return True
    if "postgresql" not in engine:
        return False
    host = str(settings_dict.get("HOST") or "").strip().lower()
    if host in LOCAL_HOST_NAMES or host.startswith("/"):  # "" and a path: a Unix socket
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost: could resolve anywhere


def demo_commands_refuse(command: str) -> None:
    """Raise CommandError (exit status 2) unless demo tools may run here: the settings allow
    them (config.settings.dev and tests) AND the database is local (embedded SQLite or a
    loopback PostgreSQL). `manage.py` defaults to dev settings, so settings alone would let
    `manage.py seed_demo` on a production host write demo logins with the public password
    into the production database named by DATABASE_URL."""
    if not getattr(settings, "DEMO_COMMANDS_ENABLED", False):
        raise CommandError(
            f"{command} 仅用于开发和演示环境 / {command} is for dev and demo settings only "
            f"(it creates demo data and logins with public passwords); "
            f"these settings are {settings.SETTINGS_MODULE}",
            returncode=REFUSED_EXIT,
        )
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    if not database_is_local(db):
        where = db.get("HOST") or "?"
        raise CommandError(
            f"{command} 拒绝运行：数据库不在本机（{where}），可能是生产库 / {command} refuses: "
            f"the database is not the embedded SQLite or a PostgreSQL on a loopback address "
            f"(HOST={where}); it would write demo logins with public passwords there. "
            f"Point DATABASE_URL at a local database to use it.",
            returncode=REFUSED_EXIT,
        )
