"""Lead pulls against the sandbox (real HTTP in a thread): checkpoints, faults, late fields."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from channels.models import ChannelAccount, PullCheckpoint
from channels.services.pull import leads_pull
from funnel.models import InboundLead, Lead, Touchpoint
from funnel.services.notify import notifications_deliver
from tests.channels.conftest import drain


def _records(account):
    return InboundLead.objects.filter(channel=account.channel, account_name=account.name)


pytestmark = pytest.mark.django_db

PAGE = {"backoff_seconds": 0, "max_retries": 2, "page_size": 5}


def _douyin(make_account, base: str, **settings):
    return make_account("douyin", "dy", base=base + "/open_api/", settings={**PAGE, **settings})


def test_pull_interrupted_after_page_k_then_rerun_stores_every_lead_once(make_account, sandbox):
    # given 30 leads on 6 pages, the same lead repeated across pages, and page 4 failing
    state, base = sandbox
    state.duplicate_across_pages = True
    state.faults.append({"kind": "server_error", "path": "clue/get", "page": 4, "times": 99})
    account = _douyin(make_account, base)
    # when the pull runs: pages 1-3 stored, then page 4 keeps answering 502
    first = leads_pull(account_id=account.pk)
    cp = PullCheckpoint.objects.get(account=account, stream="clue")
    # then the checkpoint waits at page 4 and only the stored pages' leads are in the inbox
    assert first.error.startswith("Transient")
    assert (cp.next_page, cp.pages_done, cp.cursor) == (4, 3, None)
    assert _records(account).count() == 15
    # pages 2 and 3 each start with the previous page's last lead: seen, not stored twice
    assert (first.new, first.duplicate) == (15, 2)
    # when the platform recovers and the pull runs again
    state.faults.clear()
    second = leads_pull(account_id=account.pk)
    drain()
    # then it resumed at page 4: every lead exactly once, inbox and funnel alike
    cp.refresh_from_db()
    assert second.error == ""
    assert (second.new, second.duplicate) == (15, 3)  # pages 4, 5, 6 each repeat one
    assert cp.cursor is not None
    assert cp.next_page == 1
    assert cp.window_end is None
    ids = list(_records(account).values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)) == 30
    assert Lead.objects.count() == 30
    assert Touchpoint.objects.filter(channel="douyin").count() == 30


def test_token_expiry_mid_pull_refreshes_once_and_continues(make_account, sandbox):
    # given the access token dies while page 3 is requested
    state, base = sandbox
    state.faults.append({"kind": "token_expired", "path": "clue/get", "page": 3, "times": 1})
    account = _douyin(make_account, base)
    # when pulling
    stats = leads_pull(account_id=account.pk)
    # then the pair was refreshed once, stored together, and the pull went on to the end
    account.refresh_from_db()
    assert stats.error == ""
    assert stats.refreshed == 1
    assert (account.access_token, account.refresh_token) == ("sbx-at-1", "sbx-rt-1")
    assert account.token_expires_at is not None
    assert "old-refresh" in state.revoked  # the platform killed the old refresh token
    assert _records(account).count() == 30
    # and the tokens are encrypted at rest
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT access_token FROM channels_channelaccount WHERE id = %s", [account.pk])
        assert "sbx-at-1" not in cur.fetchone()[0]


def test_token_refresh_that_fails_leaves_tokens_and_checkpoint(make_account, sandbox):
    state, base = sandbox
    state.faults.append({"kind": "token_expired", "path": "clue/get", "page": 2, "times": 1})
    state.revoked.add("old-refresh")  # the refresh token is dead too
    account = _douyin(make_account, base)
    stats = leads_pull(account_id=account.pk)
    account.refresh_from_db()
    cp = PullCheckpoint.objects.get(account=account)
    assert stats.error
    assert stats.refreshed == 0
    assert account.refresh_token == "old-refresh"
    assert cp.next_page == 2
    assert account.consecutive_failures == 1


def test_rate_limit_does_not_move_the_checkpoint_and_is_retried(make_account, sandbox):
    # given page 2 is rate limited longer than the in-run retries last
    state, base = sandbox
    state.faults.append({"kind": "rate_limit", "path": "clue/get", "page": 2, "times": 4})
    account = _douyin(make_account, base)
    # when pulling
    stats = leads_pull(account_id=account.pk)
    cp = PullCheckpoint.objects.get(account=account)
    # then the run backs off (2 retries), stops, and the checkpoint stays on page 2
    assert stats.rate_limited is True
    assert stats.retries == 2
    assert (cp.next_page, cp.pages_done) == (2, 1)
    assert _records(account).count() == 5
    assert ChannelAccount.objects.get(pk=account.pk).consecutive_failures == 1
    # when the scheduled retry runs (the fault has one more refusal left: retried in-run)
    again = leads_pull(account_id=account.pk)
    cp.refresh_from_db()
    assert again.error == ""
    assert again.retries == 1
    assert cp.cursor is not None
    assert cp.next_page == 1
    assert _records(account).count() == 30
    assert ChannelAccount.objects.get(pk=account.pk).consecutive_failures == 0


def test_trailing_window_picks_up_fields_that_arrive_late(make_account, sandbox):
    # given the platform fills app_name / convert_status only after the first fetch
    state, base = sandbox
    state.late_fields = True
    account = _douyin(make_account, base, trailing_minutes=5 * 24 * 60)
    first = leads_pull(account_id=account.pk)
    drain()
    row = _records(account).order_by("pk").first()
    assert "convert_status" not in row.payload["extra"]
    # when the next scheduled pull (5 minutes later) re-reads the trailing window
    later = timezone.now() + dt.timedelta(minutes=5)
    second = leads_pull(account_id=account.pk, now=later)
    drain()
    # then every record is updated in place; no new lead, no new touchpoint
    row.refresh_from_db()
    assert (first.new, second.new, second.updated) == (30, 0, 30)
    assert row.payload["extra"]["convert_status"] == "合法转化"
    assert Lead.objects.count() == 30
    assert Touchpoint.objects.count() == 30


def test_baidu_pull_per_solution_type(make_account, sandbox):
    state, base = sandbox
    account = make_account("baidu", "bd", base=base, settings={"backoff_seconds": 0})
    stats = leads_pull(account_id=account.pk)
    drain()
    streams = set(PullCheckpoint.objects.filter(account=account).values_list("stream", flat=True))
    assert streams == {"phone", "consult", "form", "wechat", "callback", "follow"}
    assert stats.new == 30
    assert stats.error == ""
    assert Touchpoint.objects.filter(channel="baidu").exclude(click_ids={}).count() == 30


def test_alert_after_three_consecutive_failures(
    make_account, sandbox, caplog, django_capture_on_commit_callbacks
):
    state, base = sandbox
    state.faults.append({"kind": "server_error", "path": "clue/get", "times": 99})
    account = _douyin(make_account, base, max_retries=0)
    with caplog.at_level(logging.WARNING, logger="yinliu.notify"):
        for _ in range(4):
            with django_capture_on_commit_callbacks(execute=True):
                leads_pull(account_id=account.pk)
        notifications_deliver()  # with Redis the after-commit send waits in the queue
    account.refresh_from_db()
    alerts = [r for r in caplog.records if "连续 3 次" in r.getMessage()]
    assert account.consecutive_failures == 4
    assert "Transient" in account.last_error
    assert len(alerts) == 1


def test_a_pull_processes_its_pages_a_few_at_a_time_and_all_before_it_returns(
    make_account, sandbox, monkeypatch, django_capture_on_commit_callbacks
):
    # given 30 leads on 6 pages of 5, and batches of at most 12 waiting records
    from funnel.services import intake

    state, base = sandbox
    account = _douyin(make_account, base)
    monkeypatch.setattr(intake, "AFTER_COMMIT_BATCH", 12)
    batches: list[int] = []
    process = intake.intake_process

    def counted(*, inbound_ids, **kwargs):
        batches.append(len(inbound_ids))
        return process(inbound_ids=inbound_ids, **kwargs)

    monkeypatch.setattr(intake, "intake_process", counted)
    # when the pull runs (each page's commit runs its callbacks, as outside a test)
    with django_capture_on_commit_callbacks(execute=True):
        stats = leads_pull(account_id=account.pk)
    # then pages were processed three at a time (15 ≥ 12), none alone, and every record is
    # a lead when the pull returns (no task, no sweep needed)
    assert stats.new == 30
    assert batches == [15, 15]
    assert Lead.objects.count() == 30
    assert not _records(account).exclude(status="processed").exists()


def test_a_pull_stopped_by_the_platform_still_processes_the_pages_it_stored(
    make_account, sandbox, django_capture_on_commit_callbacks
):
    # given page 3 of 6 failing for good
    state, base = sandbox
    state.faults.append({"kind": "server_error", "path": "clue/get", "page": 3, "times": 99})
    account = _douyin(make_account, base)
    # when the pull stops there (fewer records waiting than a batch)
    with django_capture_on_commit_callbacks(execute=True):
        stats = leads_pull(account_id=account.pk)
    # then the two stored pages are leads already, before any sweep
    assert stats.error.startswith("Transient")
    assert stats.new == 10
    assert Lead.objects.count() == 10
    assert not _records(account).exclude(status="processed").exists()


@pytest.mark.django_db(transaction=True)  # real commits: each page's callbacks run at its commit
@pytest.mark.parametrize("batch", [1, 500])
def test_a_changed_re_send_on_a_later_page_meets_its_lead_however_pages_are_batched(
    make_account, sandbox, monkeypatch, batch
):
    # given 30 leads on pages of 5, each page repeating the previous page's last lead, and
    # the platform sending two of those repeats changed: one with another person's phone, one
    # with a phone that cannot be a person's (issue 14 review: with five pages waiting
    # unprocessed, the re-send replaced the first copy before it made a lead)
    from channels.sandbox import douyin as sandbox_douyin
    from funnel.services import intake

    state, base = sandbox
    state.duplicate_across_pages = True
    monkeypatch.setattr(intake, "AFTER_COMMIT_BATCH", batch)
    served: dict[int, int] = {}
    original = sandbox_douyin.lead_record

    def changed_on_resend(st, i):
        record = original(st, i)
        served[i] = served.get(i, 0) + 1
        if served[i] == 2 and i == 4:
            record["telephone"] = "13912345678"
        if served[i] == 2 and i == 9:
            record["telephone"] = "12345"
        return record

    monkeypatch.setattr(sandbox_douyin, "lead_record", changed_on_resend)
    account = _douyin(make_account, base)
    # when the pull runs
    stats = leads_pull(account_id=account.pk)
    # then both first copies are leads, and both changed re-sends are held for staff or
    # refused, as when every page is processed at once: 30 records, 2 of them updated
    assert (stats.new, stats.updated) == (30, 2)
    assert Lead.objects.count() == 30
    reasons = sorted(_records(account).exclude(status="processed").values_list("reason", flat=True))
    assert reasons == ["invalid_phone", "phone_changed"]
    assert stats.quarantined == 2


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_pull_stops_at_once_and_leaves_its_stored_pages_to_the_sweep(
    make_account, sandbox, monkeypatch
):
    # given a pull whose third page request is interrupted (Ctrl-C, a task's time limit)
    from channels.services import pull as pull_module
    from funnel.services.intake import intake_sweep

    state, base = sandbox
    account = _douyin(make_account, base)
    calls = {"n": 0}
    original = pull_module.platform_call

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(pull_module, "platform_call", interrupted)
    # when it is interrupted
    with pytest.raises(KeyboardInterrupt):
        leads_pull(account_id=account.pk)
    # then it did not stop to process the waiting pages: they are stored, RECEIVED
    assert _records(account).count() == 10
    assert set(_records(account).values_list("status", flat=True)) == {"received"}
    assert Lead.objects.count() == 0
    # and the sweep makes them leads
    intake_sweep(older_than=dt.timedelta(0))
    assert Lead.objects.count() == 10
