"""The only place the process environment is read (django-environ).

Every setting module imports from here, so a newcomer finds every variable the product
understands in one file, with its default.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# A local `.env` file is convenient on a developer machine; real deployments set the
# variables in the process environment and have no such file.
_dotenv = BASE_DIR / ".env"
if _dotenv.exists():
    environ.Env.read_env(str(_dotenv))

DEFAULT_SQLITE_URL = f"sqlite:///{BASE_DIR / 'var' / 'yinliu.sqlite3'}"


def database_url() -> str:
    # An empty value (DATABASE_URL= on a command line) means the default, like unset.
    return env.str("DATABASE_URL", default="") or DEFAULT_SQLITE_URL


def redis_url() -> str:
    """Empty string means: no Redis, run tasks eagerly and cache in local memory."""
    return env.str("REDIS_URL", default="")


def debug(default: bool) -> bool:
    return env.bool("DEBUG", default=default)


def allowed_hosts(default: list[str]) -> list[str]:
    return env.list("ALLOWED_HOSTS", default=default)


def email(default: str) -> dict[str, object]:
    """Django's `EMAIL_*` settings from `EMAIL_URL` (django-environ's email URL, e.g.
    `smtp+tls://user:password@smtp.exmail.qq.com:587`, `consolemail://`,
    `filemail:////absolute/dir`), or from `default` when it is unset or empty."""
    return env.email_url_config(env.str("EMAIL_URL", default="") or default)


def optional(name: str, default: str = "") -> str:
    return env.str(name, default=default)


def integer(name: str, default: int) -> int:
    return env.int(name, default=default)


class MissingSecretError(RuntimeError):
    """Production refuses to start without its secrets (zulip's get_mandatory_secret)."""


def mandatory(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise MissingSecretError(
            f"{name} is not set. Production settings refuse to start without it; "
            f"see README.md, section 'Environment'."
        )
    return value


def throwaway(name: str, *, seed: str) -> tuple[str, bool]:
    """Return (value, generated) for dev/demo/test.

    A missing secret is derived from a fixed per-purpose seed rather than random bytes so
    that encrypted demo rows stay readable across restarts of the demo server.
    """
    value = env.str(name, default="")
    if value:
        return value, False
    return throwaway_value(seed), True


def throwaway_value(seed: str) -> str:
    """The derived dev value for a seed: public knowledge, refused whenever DEBUG is off."""
    digest = hashlib.sha256(f"yinliu-throwaway:{seed}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()
