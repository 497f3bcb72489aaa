"""Clients against recorded payloads at the HTTP boundary (`responses`), network off."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from channels.baidu.client import BaiduClient
from channels.douyin.client import DouyinClient
from channels.errors import PlatformError, RateLimited, TokenExpired, Transient
from channels.models import ChannelAccount
from channels.xiaohongshu.client import XiaohongshuClient
from tests.channels.conftest import payload

DY = "https://dy.example.invalid/open_api/"
XHS = "https://xhs.example.invalid"
BD = "https://bd.example.invalid"


def account(channel: str, base: str, **settings) -> ChannelAccount:
    return ChannelAccount(
        channel=channel,
        name="a",
        api_base_url=base,
        advertiser_id="1790000000000001",
        app_id="1700000000001",
        secret="s",
        access_token="tok",
        refresh_token="rt",
        settings=settings,
    )


@responses.activate
def test_douyin_lead_page_sends_the_documented_query_and_token():
    responses.get(DY + "2/tools/clue/get/", json=payload("douyin_clue_get_page1.json"))
    client = DouyinClient(account("douyin", DY))
    start = dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC)
    page = client.lead_page(stream="clue", start=start, end=start + dt.timedelta(hours=4), page=1)
    assert (len(page.records), page.server.total_pages, page.server.total) == (2, 2, 3)
    sent = responses.calls[0].request
    assert sent.headers["Access-Token"] == "tok"
    query = {k: v[0] for k, v in parse_qs(urlsplit(sent.url).query).items()}
    assert json.loads(query["advertiser_ids"]) == [1790000000000001]
    assert query["start_time"] == "2026-11-01 08:00:00"  # Beijing time
    assert (query["page"], query["page_size"]) == ("1", "100")


@pytest.mark.parametrize(
    ("fixture", "error"),
    [("douyin_rate_limited.json", RateLimited), ("douyin_token_expired.json", TokenExpired)],
)
@responses.activate
def test_douyin_error_codes(fixture, error):
    responses.get(DY + "2/tools/clue/get/", json=payload(fixture))
    client = DouyinClient(account("douyin", DY))
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with pytest.raises(error):
        client.lead_page(stream="clue", start=now, end=now, page=1)


@responses.activate
def test_douyin_other_codes_and_5xx():
    responses.get(DY + "2/tools/clue/get/", json={"code": 40002, "message": "参数错误"})
    responses.get(DY + "2/tools/clue/get/", status=502, body="bad gateway")
    client = DouyinClient(account("douyin", DY))
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with pytest.raises(PlatformError) as first:
        client.lead_page(stream="clue", start=now, end=now, page=1)
    assert type(first.value) is PlatformError
    assert first.value.code == "40002"
    with pytest.raises(Transient):
        client.lead_page(stream="clue", start=now, end=now, page=1)


@responses.activate
def test_douyin_refresh_and_spend_with_string_metrics():
    responses.post(DY + "oauth2/refresh_token/", json=payload("douyin_refresh_token.json"))
    responses.get(DY + "v3.0/report/custom/get/", json=payload("douyin_report.json"))
    client = DouyinClient(account("douyin", DY))
    pair = client.refresh()
    assert (pair.access_token, pair.refresh_token, pair.expires_in) == (
        "new-access-2",
        "new-refresh-2",
        86400,
    )
    body = json.loads(responses.calls[0].request.body)
    assert body == {
        "app_id": 1700000000001,
        "secret": "s",
        "grant_type": "refresh_token",
        "refresh_token": "rt",
    }
    rows = client.spend(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 1))
    assert [(r.campaign_id, r.cost, r.impressions, r.clicks) for r in rows] == [
        ("7363000000000000001", Decimal("1234.56"), 45678, 912),
        ("7363000000000000002", Decimal("88.10"), 3000, 60),
    ]


@responses.activate
def test_xhs_spend_fee_in_yuan_or_fen_and_refresh():
    responses.post(
        XHS + "/api/open/jg/data/report/offline/campaign", json=payload("xhs_report.json")
    )
    responses.post(XHS + "/api/open/oauth2/refresh_token", json=payload("xhs_refresh_token.json"))
    yuan = XiaohongshuClient(account("xiaohongshu", XHS)).spend(
        start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 2)
    )
    fen = XiaohongshuClient(account("xiaohongshu", XHS, fee_unit="fen")).spend(
        start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 2)
    )
    assert [r.cost for r in yuan] == [Decimal("356.78"), Decimal("120.50")]
    assert [r.cost for r in fen] == [Decimal("3.57"), Decimal("1.21")]
    assert yuan[0].impressions == 20000
    assert yuan[0].conversions == 12
    body = json.loads(responses.calls[0].request.body)
    assert body["time_unit"] == "DAY"
    assert body["page_num"] == 1
    pair = XiaohongshuClient(account("xiaohongshu", XHS)).refresh()
    assert (pair.access_token, pair.refresh_token) == ("xhs-at-2", "xhs-rt-2")


@responses.activate
def test_baidu_notice_list_report_and_failures():
    url = BD + "/json/sms/service/LeadsNoticeService/getNoticeList"
    responses.post(url, json=payload("baidu_notice_list.json"))
    responses.post(url, json=payload("baidu_failure_token.json"))
    responses.post(url, json=payload("baidu_failure_quota.json"))
    responses.post(
        BD + "/json/sms/service/OpenApiReportService/getReportData",
        json=payload("baidu_report.json"),
    )
    client = BaiduClient(account("baidu", BD))
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    page = client.lead_page(stream="form", start=now, end=now, page=1)
    sent = json.loads(responses.calls[0].request.body)
    assert sent["header"] == {"userName": "1790000000000001", "accessToken": "tok"}
    assert sent["body"]["solutionType"] == "form"
    assert sent["body"]["pageNo"] == 1
    # Baidu gives a total and no page count
    assert (len(page.records), page.server.total, page.server.total_pages) == (2, 2, 0)
    with pytest.raises(TokenExpired):
        client.lead_page(stream="form", start=now, end=now, page=1)
    with pytest.raises(RateLimited):
        client.lead_page(stream="form", start=now, end=now, page=1)
    rows = client.spend(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 1))
    assert [(r.campaign_id, r.cost, r.clicks) for r in rows] == [
        ("101", Decimal("456.70"), 300),
        ("103", Decimal("99.90"), 80),
    ]


@responses.activate
def test_baidu_refresh_and_ocpc_retry_status():
    responses.post(BD + "/oauth/refreshToken", json=payload("baidu_refresh_token.json"))
    responses.post(BD + "/ocpcapi/api/uploadConvertData", json=payload("baidu_ocpc_retry.json"))
    client = BaiduClient(account("baidu", BD))
    assert client.refresh().access_token == "bd-at-2"
    with pytest.raises(Transient):
        client.ocpc_upload(conversions=[{"logidUrl": "https://x.invalid/?bd_vid=1", "newType": 26}])
