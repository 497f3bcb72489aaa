"""`platform_call`: the one retry and refresh policy of lead pulls and spend pulls.

Recorded Ocean Engine payloads at the HTTP boundary (`responses`), network off.
"""

from __future__ import annotations

import datetime as dt

import pytest
import responses

from channels.douyin.client import DouyinClient
from channels.errors import PlatformError, RateLimited, TokenExpired
from channels.models import ChannelAccount, PullCheckpoint
from channels.services.calls import platform_call
from channels.services.pull import PullStats, leads_pull
from channels.services.spend import spend_pull
from funnel.models import InboundLead, SpendRecord
from tests.channels.conftest import payload

pytestmark = pytest.mark.django_db

DY = "https://dy.example.invalid/open_api/"
CLUES = DY + "2/tools/clue/get/"
REPORT = DY + "v3.0/report/custom/get/"
REFRESH = DY + "oauth2/refresh_token/"
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 1)


def _lead_pull(account: ChannelAccount) -> str:
    return leads_pull(account_id=account.pk, now=NOW).error


def _spend_pull(account: ChannelAccount) -> str:
    return spend_pull(account_id=account.pk, start=DAY, end=DAY).error


def _lead_page(client: DouyinClient):
    return client.lead_page(stream="clue", start=NOW - dt.timedelta(hours=1), end=NOW, page=1)


@pytest.mark.parametrize(
    ("pull", "url", "recorded_as"),
    [(_lead_pull, CLUES, ""), (_spend_pull, REPORT, "spend: ")],
    ids=["lead pull", "spend pull"],
)
@responses.activate
def test_a_failing_refresh_fails_lead_and_spend_pulls_the_same_way(
    make_account, pull, url, recorded_as
):
    # given an expired access token and a refresh token the platform has revoked
    responses.get(url, json=payload("douyin_token_expired.json"))
    responses.post(REFRESH, json=payload("douyin_refresh_revoked.json"))
    account = make_account("douyin", "dy", base=DY)
    # when the pull runs
    error = pull(account)
    # then the refresh's own error is the pull's error, recorded on the account as one failure
    account.refresh_from_db()
    # (the platform's own words are logged, never shown: issue 13)
    assert error == "TokenExpired: 40103"
    assert account.last_error == recorded_as + error
    assert account.consecutive_failures == 1
    # and the refresh was tried once, never the data call again; the stored pair is untouched
    assert [c.request.url.split("?")[0] for c in responses.calls] == [url, REFRESH]
    assert (account.access_token, account.refresh_token) == ("old-access", "old-refresh")
    # and nothing was stored, nothing moved
    assert InboundLead.objects.count() == 0
    assert SpendRecord.objects.count() == 0
    assert list(PullCheckpoint.objects.values_list("cursor", "pages_done")) in ([], [(None, 0)])


@responses.activate
def test_spend_pull_refreshes_an_expired_token_once_and_imports(make_account):
    # given the report call answers "expired" once, then the spend rows
    responses.get(REPORT, json=payload("douyin_token_expired.json"))
    responses.get(REPORT, json=payload("douyin_report.json"))
    responses.post(REFRESH, json=payload("douyin_refresh_token.json"))
    account = make_account("douyin", "dy", base=DY)
    # when the spend pull runs
    stats = spend_pull(account_id=account.pk, start=DAY, end=DAY)
    # then the new pair is stored and the retried call imported both campaigns
    account.refresh_from_db()
    assert stats.error == ""
    assert stats.rows == 2
    assert (account.access_token, account.refresh_token) == ("new-access-2", "new-refresh-2")
    assert responses.calls[2].request.headers["Access-Token"] == "new-access-2"
    spend = SpendRecord.objects.filter(channel=account.channel, account_name=account.name)
    assert spend.count() == 2
    assert account.consecutive_failures == 0


@responses.activate
def test_a_second_expiry_after_a_refresh_raises(make_account):
    # given a call that is still "expired" after a successful refresh
    responses.get(CLUES, json=payload("douyin_token_expired.json"))
    responses.post(REFRESH, json=payload("douyin_refresh_token.json"))
    account = make_account("douyin", "dy", base=DY)
    client = DouyinClient(account)
    stats = PullStats()
    # when it is called through the helper
    with pytest.raises(TokenExpired):
        platform_call(account, client, lambda: _lead_page(client), stats)
    # then it refreshed exactly once and gave up on the second expiry
    assert stats.refreshed == 1
    assert [c.request.url.split("?")[0] for c in responses.calls] == [CLUES, REFRESH, CLUES]
    assert ChannelAccount.objects.get(pk=account.pk).access_token == "new-access-2"


@responses.activate
def test_rate_limits_back_off_exponentially_up_to_max_retries(make_account, monkeypatch):
    # given a platform that keeps answering "rate limited", two retries allowed, 1.5 s base
    responses.get(CLUES, json=payload("douyin_rate_limited.json"))
    account = make_account(
        "douyin", "dy", base=DY, settings={"max_retries": 2, "backoff_seconds": 1.5}
    )
    client = DouyinClient(account)
    stats = PullStats()
    slept: list[float] = []
    monkeypatch.setattr("channels.services.calls.time.sleep", slept.append)
    # when it is called through the helper
    with pytest.raises(RateLimited):
        platform_call(account, client, lambda: _lead_page(client), stats)
    # then it tried three times, sleeping 1.5 s then 3 s, and never refreshed
    assert len(responses.calls) == 3
    assert slept == [1.5, 3.0]
    assert (stats.retries, stats.refreshed) == (2, 0)


@responses.activate
def test_other_platform_errors_raise_at_once(make_account, monkeypatch):
    # given an error that is neither a rate limit, a 5xx nor an expired token
    responses.get(CLUES, json={"code": 40002, "message": "参数错误"})
    account = make_account("douyin", "dy", base=DY)
    client = DouyinClient(account)
    slept: list[float] = []
    monkeypatch.setattr("channels.services.calls.time.sleep", slept.append)
    # when it is called through the helper
    with pytest.raises(PlatformError) as raised:
        platform_call(account, client, lambda: _lead_page(client))
    # then it was called once: no retry, no back-off, no refresh
    assert raised.value.code == "40002"
    assert len(responses.calls) == 1
    assert slept == []
