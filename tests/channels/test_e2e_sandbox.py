"""End to end against the sandbox in a thread: commands, pulls, spend, pushes, postbacks."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from contextlib import nullcontext
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from channels.models import ChannelAccount
from channels.sandbox import push_leads
from config.celery import app
from funnel.models import InboundLead, Lead, SpendRecord, Stage, Touchpoint
from funnel.outbox import SWEEP_GRACE, outbox_sweep
from funnel.services.stages import lead_stage_change
from tests.channels.conftest import drain


def worker():
    """Eager mode runs tasks in-process; with Redis a real worker consumes the queue."""
    if app.conf.task_always_eager:
        return nullcontext()
    app.control.purge()  # our own Redis db: earlier tests' queued inbox tasks
    return start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)


def wait_for_postbacks(state, count: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with state.lock:
            posted = list(state.postbacks)
        if len(posted) >= count:
            return posted
        time.sleep(0.1)
    return posted


@pytest.fixture
def our_server():
    """Our WSGI app in a thread for this test only (the sandbox pushes webhooks to it).

    Not pytest-django's session-wide live_server: a server left running from this test would
    keep serving later tests with its old database view.
    """
    from django.core.handlers.wsgi import WSGIHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            return

    server = make_server("127.0.0.1", 0, WSGIHandler(), ThreadingWSGIServer, Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_end_to_end_against_the_sandbox(sandbox, our_server):
    state, base = sandbox
    # given one account per platform, added with the contract's command
    for channel, name, api in [
        ("douyin", "dy", base + "/open_api/"),
        ("xiaohongshu", "xhs", base),
        ("baidu", "bd", base),
    ]:
        out = run(
            "channel_account",
            "add",
            "--channel",
            channel,
            "--name",
            name,
            "--api-base-url",
            api,
            "--advertiser-id",
            "1790000000000001",
            "--app-id",
            "app",
            "--secret",
            "s",
            "--access-token",
            "at",
            "--refresh-token",
            "rt",
            "--webhook-secret",
            "hook",
        )
        assert out.startswith("created:")
    # then their schedules exist: 5-minute pulls for Douyin and Baidu, daily spend for all
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {"拉取线索 douyin/dy", "拉取线索 baidu/bd", "导入消耗 xiaohongshu/xhs"} <= names
    assert "拉取线索 xiaohongshu/xhs" not in names
    listing = run("channel_account", "list")
    assert "douyin" in listing
    assert "xhs" in listing

    # when leads are pulled (Douyin rate-limits page 1 once: backed off and retried)
    ChannelAccount.objects.update(settings={"backoff_seconds": 0})
    state.faults.append({"kind": "rate_limit", "path": "clue/get", "page": 1, "times": 1})
    out = run("pull_leads")
    drain()
    # then 30 + 30 new leads, reported per account with progress, all in the funnel
    assert "douyin/dy: new 30, duplicate 0, updated 0, quarantined 0" in out
    assert "baidu/bd: new 30, duplicate 0, updated 0, quarantined 0" in out
    assert "第 1/1 页" in out
    assert Lead.objects.count() == 60
    # and a second pull finds nothing new
    assert "total: new 0" in run("pull_leads", "--channel", "douyin")

    # when spend is imported twice for a week (re-import replaces, never adds)
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 7)
    run("pull_spend", "--start", str(start), "--end", str(end))
    out = run("pull_spend", "--start", str(start), "--end", str(end))
    assert "douyin/dy: 21 campaign-day rows" in out
    assert "baidu/bd: 28 campaign-day rows" in out
    assert SpendRecord.objects.count() == 21 + 21 + 28

    # when the sandbox pushes webhooks to our live server (Xiaohongshu has no pull)
    hook = our_server + "/channels/hooks/{}/{}/"
    assert (
        push_leads(
            state,
            channel="xiaohongshu",
            target=hook.format("xiaohongshu", "xhs"),
            secret="hook",
            count=5,
        )
        == [200] * 5
    )
    assert (
        push_leads(
            state, channel="douyin", target=hook.format("douyin", "dy"), secret="hook", count=3
        )
        == [200] * 3
    )  # already pulled: replays
    assert push_leads(
        state,
        channel="baidu",
        target=hook.format("baidu", "bd"),
        secret="hook",
        count=2,
        start=40,
        delayed=True,
    ) == [200, 200]
    drain()
    assert InboundLead.objects.filter(channel="xiaohongshu").count() == 5
    assert InboundLead.objects.filter(channel="douyin").count() == 30
    assert Touchpoint.objects.count() == 60 + 5 + 2

    # when a Douyin lead becomes valid and a Baidu lead pays
    dy_lead = InboundLead.objects.filter(channel="douyin").first().lead
    bd_lead = (
        InboundLead.objects.filter(channel="baidu", external_id__startswith="2106").first().lead
    )
    with worker():
        lead_stage_change(lead_id=dy_lead.pk, to_stage=Stage.CONTACTED)
        lead_stage_change(lead_id=bd_lead.pk, to_stage=Stage.CONTACTED)
        lead_stage_change(lead_id=bd_lead.pk, to_stage=Stage.PAID, amount="699.00")
        if app.conf.task_always_eager:
            # The embedded default delivers through the outbox sweep (beat), not inline.
            outbox_sweep(now=timezone.now() + SWEEP_GRACE * 2)
        posted = wait_for_postbacks(state, 2)
    # then the platforms heard: one clue callback, one OCPC upload carrying bd_vid
    douyin = [p for p in posted if p["platform"] == "douyin"]
    baidu = [p for p in posted if p["platform"] == "baidu"]
    assert len(douyin) == 1
    assert douyin[0]["clue_convert_state"] == 2
    assert len(baidu) == 1
    assert "bd_vid=bdvid" in baidu[0]["conversionTypes"][0]["logidUrl"]
