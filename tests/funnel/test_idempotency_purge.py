"""Idempotency keys (API `Idempotency-Key`s and staff forms' one-time tokens) are kept
`IDEMPOTENCY_KEY_DAYS`, then the daily task deletes them; a retry within the window still
answers the first answer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from funnel.models import IdempotencyKey, Lead
from funnel.services.tokens import api_token_create
from funnel.tasks import idempotency_keys_purge_task

pytestmark = pytest.mark.django_db

BODY = {"phone": "13800138000", "name": "张三", "channel": "api", "consent": True}


def _post(client, token: str, key: str):
    return client.post(
        "/api/v1/leads",
        data=json.dumps(BODY, ensure_ascii=False),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def _age(key: str, days: float) -> None:
    IdempotencyKey.objects.filter(key=key).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )


def test_keys_older_than_the_window_are_purged_and_newer_ones_kept(client, settings) -> None:
    settings.IDEMPOTENCY_KEY_DAYS = 30
    token = api_token_create(name="crm")
    for key in ("old", "edge", "new"):
        assert _post(client, token, key).status_code in (200, 201)
    _age("old", 31)
    _age("edge", 29.9)

    assert idempotency_keys_purge_task.apply().get() == 1

    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["edge", "new"]
    # a retry inside the window still answers the first answer, marked as a replay
    retry = _post(client, token, "edge")
    assert retry["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1


def test_the_purge_is_scheduled_daily() -> None:
    task = PeriodicTask.objects.get(task="funnel.idempotency_keys_purge")
    assert (task.crontab.hour, task.crontab.minute) == ("3", "45")
    assert task.enabled
