"""The guard of the commands that create demo data and logins (dev, demo and tests only)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

# Exit status of a refused demo command: 2, like a usage error (a script stops, nothing ran).
REFUSED_EXIT = 2
LOCAL_HOST_NAMES = {"", "localhost", "localhost.localdomain"}


def _host_is_local(host: str) -> bool:
    host = host.strip().lower()
    if host in LOCAL_HOST_NAMES or host.startswith("/"):  # "" and a path: a Unix socket
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost: could resolve anywhere


def _addr_is_loopback(addr: str) -> bool:
    try:
        return ipaddress.ip_address(addr.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def libpq_target(
    settings_dict: dict[str, Any], environ: Mapping[str, str] | None = None
) -> tuple[str, str, str]:
    """(host, hostaddr, service) as libpq will read them: Django's HOST, else `host` from
    OPTIONS (DATABASE_URL's query string lands there), else PGHOST; `hostaddr` and `service`
    from OPTIONS, else PGHOSTADDR / PGSERVICE. Each may be a comma-separated list ("" = unset)."""
    env = os.environ if environ is None else environ
    options = settings_dict.get("OPTIONS") or {}
    host = str(settings_dict.get("HOST") or options.get("host") or env.get("PGHOST") or "")
    hostaddr = str(options.get("hostaddr") or env.get("PGHOSTADDR") or "")
    service = str(options.get("service") or env.get("PGSERVICE") or "")
    return host, hostaddr, service


def database_is_local(
    settings_dict: dict[str, Any], environ: Mapping[str, str] | None = None
) -> bool:
    """True for the embedded SQLite file (or memory) and for a PostgreSQL that libpq will reach
    over a loopback address or a Unix socket; anything else may be a production server.

    An empty HOST is not "the local socket": libpq then takes PGHOST, and PGHOSTADDR (the
    address it really connects to) or a service (whose file may name any host) override it;
    `environ`: the environment libpq reads (default os.environ)."""
    engine = str(settings_dict.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        return True
    if "postgresql" not in engine:
        return False
    host, hostaddr, service = libpq_target(settings_dict, environ)
    if service:
        return False  # a service file may point anywhere; name the host instead
    if hostaddr and not all(_addr_is_loopback(a) for a in hostaddr.split(",")):
        return False
    return all(_host_is_local(h) for h in host.split(","))


def connected_database_is_local() -> bool:
    """After connecting, where the PostgreSQL connection really went (psycopg's
    `connection.info`: the socket directory or host, and the address used); True for SQLite."""
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql":
        return True
    conn.ensure_connection()
    info = conn.connection.info
    hostaddr = getattr(info, "hostaddr", "") or ""
    if hostaddr and not _addr_is_loopback(hostaddr):
        return False
    return _host_is_local(info.host or "")


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
    if not database_is_local(db) or not connected_database_is_local():
        where = ",".join(p for p in libpq_target(db) if p) or "?"
        raise CommandError(
            f"{command} 拒绝运行：数据库不在本机（{where}），可能是生产库 / {command} refuses: "
            f"the database is not the embedded SQLite or a PostgreSQL on a loopback address "
            f"(HOST={where}); it would write demo logins with public passwords there. "
            f"Point DATABASE_URL at a local database to use it.",
            returncode=REFUSED_EXIT,
        )
