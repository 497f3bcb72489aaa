"""The sandbox's control surface over HTTP, and the beat rows' task names."""

from __future__ import annotations

import pytest
import requests
from django_celery_beat.models import PeriodicTask

from config.celery import app


def test_control_endpoint_injects_faults_and_query_flag(sandbox):
    state, base = sandbox
    url = base + "/open_api/2/tools/clue/get/"
    params = {
        "advertiser_ids": "[1]",
        "start_time": "2020-01-01",
        "end_time": "2030-01-01",
        "page": 1,
        "page_size": 10,
    }
    headers = {"Access-Token": "tok"}
    control = requests.post(
        base + "/sandbox/control",
        json={"lead_count": 12, "faults": [{"kind": "rate_limit", "path": "clue/get", "times": 1}]},
        timeout=5,
    )
    limited = requests.get(url, params=params, headers=headers, timeout=5).json()
    served = requests.get(url, params=params, headers=headers, timeout=5).json()
    flagged = requests.get(
        url, params={**params, "sandbox_fault": "server_error"}, headers=headers, timeout=5
    )
    assert control.json() == {"ok": True}
    assert limited["code"] == 40100
    assert served["code"] == 0
    assert served["data"]["page_info"] == {
        "page": 1,
        "page_size": 10,
        "total_number": 12,
        "total_page": 2,
    }
    assert served["data"]["list"][0]["telephone"][:2] in {"13", "15", "18"}
    assert flagged.status_code == 502
    assert requests.get(base + "/sandbox/state", timeout=5).json()["lead_count"] == 12


def test_sandbox_is_deterministic(sandbox):
    state, _ = sandbox
    assert state.douyin_lead(7)["name"] == state.douyin_lead(7)["name"]
    assert state.douyin_lead(7)["telephone"] != state.douyin_lead(8)["telephone"]
    assert state.baidu_lead(5)["cluePhoneNumber"].count(",") == 1  # the two-number quirk


@pytest.mark.django_db
def test_beat_rows_name_registered_tasks(make_account):
    make_account("douyin", "dy")
    make_account("xiaohongshu", "xhs")
    tasks = set(PeriodicTask.objects.filter(name__contains="/").values_list("task", flat=True))
    assert tasks == {"channels.pull_leads", "channels.pull_spend"}
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)
