"""Ad accounts: create (with their beat schedules), store refreshed tokens, record health."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from channels import errors
from channels.account_settings import settings_problems, settings_problems_text
from channels.base import TokenPair, api_url_problem
from channels.models import Channel, ChannelAccount
from channels.registry import API_DOMAINS, PULL_CHANNELS, PUSH_CHANNELS
from config.errors import ApplicationError
from funnel.models import InboundLead, SpendRecord

logger = logging.getLogger("yinliu.channels")

ALERT_AFTER_FAILURES = 3


# Account settings that override a base URL (channels/<platform>/client.py).
URL_SETTINGS = ("auth_base_url", "ocpc_base_url", "conversion_base_url")


def account_config_problems(
    *, channel: str, api_base_url: str, webhook_secret: str, settings: Any
) -> dict[str, tuple[str, str]]:
    """Why an account cannot be saved as given: {field: (error code, message)}.

    - its settings are an object of known keys, each value of its type and range
      (`channels.account_settings.settings_problems`; field "settings", code
      `invalid_settings`, every problem named with its key);
    - every URL its token is sent to is on the platform's own hosts (loopback only where the
      sandbox is allowed: dev, demo, tests);
    - a channel whose leads arrive only by push (Xiaohongshu) has its webhook secret: without
      it anyone could post leads (pushes to any account without one are refused as well).
    """
    problems: dict[str, tuple[str, str]] = {}
    bad_settings = settings_problems(settings)
    if bad_settings:
        problems["settings"] = (errors.INVALID_SETTINGS, settings_problems_text(bad_settings))
    domains = API_DOMAINS.get(channel, ())
    knobs = settings if isinstance(settings, dict) else {}
    urls = [("api_base_url", api_base_url)] + [
        (f"settings.{key}", str(knobs.get(key) or "")) for key in URL_SETTINGS
    ]
    for field, url in urls:
        problem = api_url_problem(url, domains) if url else ""
        if problem:
            message = f"{errors.MESSAGES[errors.INVALID_API_BASE_URL]}: {field}: {problem}"
            problems[field] = (errors.INVALID_API_BASE_URL, message)
    # a secret of spaces signs nothing anyone could not sign: it counts as no secret
    if channel in PUSH_CHANNELS and channel not in PULL_CHANNELS and not webhook_secret.strip():
        problems["webhook_secret"] = (
            errors.WEBHOOK_SECRET_MISSING,
            "推送账户必须填写推送密钥（平台后台的 token）/ a push account needs its webhook secret",
        )
    return problems


def channel_account_create(
    *,
    channel: str,
    name: str,
    api_base_url: str = "",
    advertiser_id: str = "",
    app_id: str = "",
    secret: str = "",
    access_token: str = "",
    refresh_token: str = "",
    webhook_secret: str = "",
    postback_token: str = "",
    settings: dict[str, Any] | None = None,
) -> tuple[ChannelAccount, bool]:
    """Create or update an account by (channel, name) and install its schedules."""
    if channel not in Channel.values:
        message = f"{errors.MESSAGES[errors.UNKNOWN_CHANNEL]}: {channel}"
        raise ApplicationError(errors.UNKNOWN_CHANNEL, message)
    values: dict[str, Any] = {
        "api_base_url": api_base_url,
        "advertiser_id": advertiser_id,
        "app_id": app_id,
        "secret": secret,
        "access_token": access_token,
        "refresh_token": refresh_token,
        "webhook_secret": webhook_secret,
        "postback_token": postback_token,
    }
    # Credentials pasted from a platform's console arrive with stray spaces and line ends: they
    # are never part of a token. Options left out (or blank) on an update keep their stored value.
    values = {k: v.strip() for k, v in values.items() if v and v.strip()}
    if settings is not None:
        values["settings"] = settings
    stored = ChannelAccount.objects.filter(channel=channel, name=name).first()
    problems = account_config_problems(
        channel=channel,
        api_base_url=values.get("api_base_url", stored.api_base_url if stored else ""),
        webhook_secret=values.get("webhook_secret", stored.webhook_secret if stored else ""),
        settings=values.get("settings", stored.settings if stored else None),
    )
    if problems:
        code, message = next(iter(problems.values()))
        raise ApplicationError(code, message, extra={"fields": sorted(problems)})
    with transaction.atomic():
        account, created = ChannelAccount.objects.update_or_create(
            channel=channel, name=name, defaults=values
        )
        account_schedules_install(account=account)
    return account, created


def account_schedules_install(*, account: ChannelAccount) -> None:
    """Per-account beat rows: lead pull every 5 minutes, spend import daily at 06:10."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from config.beat import crontab_get

    args = json.dumps([account.pk])
    if account.channel in PULL_CHANNELS:
        every5, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.update_or_create(
            name=f"拉取线索 {account.channel}/{account.name}",
            defaults={"task": "channels.pull_leads", "interval": every5, "args": args},
        )
    daily = crontab_get(minute="10", hour="6")
    PeriodicTask.objects.update_or_create(
        name=f"导入消耗 {account.channel}/{account.name}",
        defaults={"task": "channels.pull_spend", "crontab": daily, "args": args},
    )


def account_tokens_store(*, account_id: int, pair: TokenPair) -> ChannelAccount:
    """Both tokens in one statement under the row lock: never a new access with an old refresh."""
    with transaction.atomic():
        account = ChannelAccount.objects.select_for_update().get(pk=account_id)
        account.access_token = pair.access_token
        account.refresh_token = pair.refresh_token
        account.token_expires_at = (
            timezone.now() + dt.timedelta(seconds=pair.expires_in) if pair.expires_in else None
        )
        account.save(update_fields=["access_token", "refresh_token", "token_expires_at"])
    return account


def account_tokens_refresh(*, account: ChannelAccount, client: Any) -> None:
    """Refresh once and store the new pair; the in-memory account gets the new tokens too.

    Another worker may have refreshed already (the old refresh token is then dead): reload
    under the lock and use the stored pair if it differs from the one we failed with.
    """
    with transaction.atomic():
        locked = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        if locked.access_token != account.access_token:
            account.access_token, account.refresh_token = locked.access_token, locked.refresh_token
            return
        client.account = locked
        pair = client.refresh()
        locked = account_tokens_store(account_id=account.pk, pair=pair)
    account.access_token = locked.access_token
    account.refresh_token = locked.refresh_token
    account.token_expires_at = locked.token_expires_at
    client.account = account


def account_success_record(*, account_id: int) -> None:
    now = timezone.now()
    ChannelAccount.objects.filter(pk=account_id).update(
        last_pull_at=now, last_success_at=now, last_error="", consecutive_failures=0
    )


def account_failure_record(*, account_id: int, error: str) -> int:
    """Count a failure; alert staff exactly when the streak reaches the threshold."""
    from funnel.services.notify import notify

    with transaction.atomic():
        account = ChannelAccount.objects.select_for_update().get(pk=account_id)
        account.consecutive_failures += 1
        account.last_error = error[:2000]
        account.last_pull_at = timezone.now()
        account.save(update_fields=["consecutive_failures", "last_error", "last_pull_at"])
        failures = account.consecutive_failures
        label = str(account)
    if failures == ALERT_AFTER_FAILURES:
        transaction.on_commit(
            lambda: notify(
                title=f"渠道账户连续 {failures} 次拉取失败：{label}",
                body=f"最近错误：{error[:500]}",
                level="critical",
            )
        )
    return failures


def account_has_records(account: ChannelAccount) -> bool:
    """Whether intake records or spend facts name this account (it must not be deleted)."""
    named = {"channel": account.channel, "account_name": account.name}
    return (
        InboundLead.objects.filter(**named).exists() or SpendRecord.objects.filter(**named).exists()
    )
