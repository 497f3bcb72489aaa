"""Which consent text versions exist. The texts live with the forms that show them (the landing
app's ConsentText); the funnel only needs to know a version is real before it records someone
agreed to it, so the owner registers a provider here (in its AppConfig.ready()) and the funnel
never imports it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime

from config.errors import ApplicationError

UNKNOWN_CONSENT_VERSION = "unknown_consent_version"
INVALID_CONSENT_TIME = "invalid_consent_time"
CONSENT_TIME_IN_FUTURE = "consent_time_in_future"
# Clocks differ: a consent time up to this far ahead of ours is taken as given (as now).
CONSENT_CLOCK_SKEW = dt.timedelta(minutes=5)
EARLIEST_CONSENT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # before any form of ours existed
BEIJING = ZoneInfo("Asia/Shanghai")
_providers: list[Callable[[], Iterable[str]]] = []


def consent_versions_provider_register(provider: Callable[[], Iterable[str]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def consent_versions_known() -> set[str] | None:
    """Every published consent text version; None when no app provides texts (then any
    version is taken as given)."""
    if not _providers:
        return None
    return {v for provider in _providers for v in provider()}


def consent_version_check(version: str) -> None:
    """Raise ApplicationError 422 `unknown_consent_version` (naming the known ones) unless
    `version` is a published consent text version."""
    known = consent_versions_known()
    if known is None or version in known:
        return
    listed = "、".join(sorted(known)) or "（尚未发布任何授权文本）"
    raise ApplicationError(
        UNKNOWN_CONSENT_VERSION,
        f"未知的授权文本版本 {version!r}，已发布的版本：{listed} / unknown consent version",
        status=422,
        extra={"version": version},
    )


def consent_time_read(value: object, *, now: dt.datetime, naive_ok: bool) -> dt.datetime | None:
    """When consent was given, from what a caller or a platform sent: "" or None → None (the
    caller records the time it received the record); else an aware datetime, at most now.

    `value` must be an ISO-8601 string (a number is refused: seconds or milliseconds cannot be
    told apart); with `naive_ok` a time without offset is Asia/Shanghai, else it is refused.
    Raises ApplicationError 422 `invalid_consent_time` for anything unreadable, impossible
    (2026-02-30), out of range (year 1 or 9999 with any offset, before 2000), and
    `consent_time_in_future` beyond CONSENT_CLOCK_SKEW ahead of `now`."""
    if value is None or value == "":
        return None
    parsed: dt.datetime | None = None
    if isinstance(value, str) and value.isascii():
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:  # well-formed but impossible
            parsed = None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING) if naive_ok else None
    try:
        # the UTC reading of year 1 at +14:00 or year 9999 at -12:00 does not exist
        utc = parsed.astimezone(dt.UTC) if parsed is not None else None
    except (OverflowError, ValueError):
        utc = None
    if utc is None or utc < EARLIEST_CONSENT:
        raise ApplicationError(
            INVALID_CONSENT_TIME,
            f"授权时间无法识别，应为带时区的 ISO-8601 时间（如 2026-11-01T10:30:00+08:00）且不早于 "
            f"2000 年，实为 {str(value)[:40]!r} / consent time must be ISO-8601 with an offset",
            status=422,
        )
    if utc > now + CONSENT_CLOCK_SKEW:
        raise ApplicationError(
            CONSENT_TIME_IN_FUTURE,
            f"授权时间在未来：{str(value)[:40]} / the consent time is in the future",
            status=422,
        )
    return min(utc, now)
