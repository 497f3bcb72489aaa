"""Paging by what the server returned (API_FACTS, "Page sizes are the server's"): every
connector, leads and spend, against a server (recorded payload shapes via `responses`) that
returns fewer rows per page than asked, reports a wrong total, ends on an empty page or never
ends."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from channels.baidu.client import BaiduClient
from channels.douyin.client import DouyinClient
from channels.errors import PageCapReached
from channels.models import PullCheckpoint
from channels.services.pull import leads_pull
from channels.xiaohongshu.client import XiaohongshuClient
from funnel.models import InboundLead
from tests.channels.conftest import payload

pytestmark = pytest.mark.django_db

DY = "https://dy.example.invalid/open_api/"
BD = "https://bd.example.invalid"
XHS = "https://xhs.example.invalid"
CLUES = DY + "2/tools/clue/get/"
DY_REPORT = DY + "v3.0/report/custom/get/"
NOTICES = BD + "/json/sms/service/LeadsNoticeService/getNoticeList"
BD_REPORT = BD + "/json/sms/service/OpenApiReportService/getReportData"
XHS_REPORT = XHS + "/api/open/jg/data/report/offline/campaign"
DAY = dt.date(2026, 11, 1)
ROWS = 20
KNOBS = {"backoff_seconds": 0, "max_retries": 0}


class CappedServer:
    """A server holding ROWS rows that returns at most `cap` per page whatever is asked;
    `total` is what it reports (default: the truth), `lie_page_size` makes it report the page
    size we asked for instead of its own, `endless` repeats rows forever."""

    def __init__(
        self,
        rows: list,
        cap: int,
        total: int | None = None,
        lie_page_size: bool = False,
        endless: bool = False,
    ) -> None:
        self.rows, self.cap, self.total = rows, cap, len(rows) if total is None else total
        self.lie_page_size, self.endless = lie_page_size, endless
        self.pages_asked: list[int] = []

    def chunk(self, page: int) -> list:
        self.pages_asked.append(page)
        if self.endless:
            return self.rows[: self.cap]
        return self.rows[(page - 1) * self.cap : page * self.cap]

    def page_info(self, page: int, asked: int) -> dict:
        size = asked if self.lie_page_size else self.cap
        return {
            "page": page,
            "page_size": size,
            "total_number": self.total,
            "total_page": max(1, -(-self.total // size)),
        }


def _query(request) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(request.url).query).items()}


def douyin_clues(n: int) -> list[dict]:
    template = payload("douyin_clue_get_page1.json")["data"]["list"][0]
    out = []
    for i in range(n):
        record = copy.deepcopy(template)
        record["clue_id"] = str(7364012345678900000 + i)
        record["telephone"] = f"138{i:08d}"
        out.append(record)
    return out


def baidu_notices(n: int) -> list[dict]:
    template = payload("baidu_notice_list.json")["body"]["data"][0]["noticeDetailList"][0]
    out = []
    for i in range(n):
        record = copy.deepcopy(template)
        record["clueId"] = str(210604140990751000 + i)
        record["cluePhoneNumber"] = f"137{i:08d}"
        record["solutionType"] = "form"
        out.append(record)
    return out


def serve_douyin_clues(server: CappedServer) -> None:
    def answer(request):
        q = _query(request)
        page, asked = int(q["page"]), int(q["page_size"])
        data = {"list": server.chunk(page), "page_info": server.page_info(page, asked)}
        return 200, {}, json.dumps({"code": 0, "message": "OK", "data": data})

    responses.add_callback(responses.GET, CLUES, callback=answer)


def serve_baidu_notices(server: CappedServer) -> None:
    def answer(request):
        body = json.loads(request.body)["body"]
        chunk = server.chunk(int(body["pageNo"]))
        block = {"totalNum": server.total, "rowNumber": len(chunk), "noticeDetailList": chunk}
        head = {"desc": "success", "status": 0, "quota": 2, "rquota": 49998, "failures": []}
        return 200, {}, json.dumps({"header": head, "body": {"data": [block]}})

    responses.add_callback(responses.POST, NOTICES, callback=answer)


def _pull(make_account, channel: str, base: str, **settings) -> tuple:
    knobs = {**KNOBS, "page_size": 100, "initial_lookback_days": 1, **settings}
    if channel == "baidu":
        knobs["solution_types"] = ["form"]
    account = make_account(channel, "acct", base=base, settings=knobs)
    stats = leads_pull(account_id=account.pk)
    stored = InboundLead.objects.filter(channel=channel, account_name="acct").count()
    return account, stats, stored


LEAD_SERVERS: dict[str, tuple[Callable, Callable, str]] = {
    "douyin": (serve_douyin_clues, douyin_clues, DY),
    "baidu": (serve_baidu_notices, baidu_notices, BD),
}


@pytest.mark.parametrize("channel", ["douyin", "baidu"])
@pytest.mark.parametrize(
    ("cap", "pages"),
    # capped at 7: 7 + 7 + 6 rows; the short third page could be short because of the cap,
    # so one more request finds the end (an empty page)
    [(1, 20), (7, 4), (20, 1)],
    ids=["capped at 1", "capped at 7", "not capped"],
)
@responses.activate
def test_a_lead_pull_keeps_paging_while_the_server_has_more(make_account, channel, cap, pages):
    # given a server holding 20 leads that returns at most `cap` a page although we ask for 100
    serve, records, base = LEAD_SERVERS[channel]
    server = CappedServer(records(ROWS), cap=cap)
    serve(server)
    # when the pull runs
    account, stats, stored = _pull(make_account, channel, base)
    # then every lead is stored, and the pull stopped after the server's last page
    assert stats.error == ""
    assert stored == ROWS
    assert (stats.new, stats.pages) == (ROWS, pages)
    assert server.pages_asked == list(range(1, pages + 1))
    assert PullCheckpoint.objects.get(account=account).window_end is None


@pytest.mark.parametrize("channel", ["douyin", "baidu"])
@responses.activate
def test_a_total_too_high_ends_on_the_first_empty_page(make_account, channel):
    # given a capped server (7 a page) that claims 50 leads but holds 20
    serve, records, base = LEAD_SERVERS[channel]
    server = CappedServer(records(ROWS), cap=7, total=50)
    serve(server)
    # when the pull runs
    _account, stats, stored = _pull(make_account, channel, base)
    # then it stops at the empty 4th page with every lead stored
    assert stats.error == ""
    assert stored == ROWS
    assert server.pages_asked == [1, 2, 3, 4]


@responses.activate
def test_a_douyin_server_reporting_the_asked_page_size_still_gets_every_page(make_account):
    # given a server capped at 7 whose page_info claims the 100 we asked (so total_page = 1)
    server = CappedServer(douyin_clues(ROWS), cap=7, lie_page_size=True)
    serve_douyin_clues(server)
    # when the pull runs
    _account, stats, stored = _pull(make_account, "douyin", DY)
    # then the rows per page and the total decide: the 3 pages and the empty 4th are read
    assert stored == ROWS
    assert server.pages_asked == [1, 2, 3, 4]


@pytest.mark.parametrize("channel", ["douyin", "baidu"])
@responses.activate
def test_a_server_that_never_ends_is_cut_at_the_page_cap(make_account, channel):
    # given a server that answers every page with the same 5 rows and a huge total
    serve, records, base = LEAD_SERVERS[channel]
    server = CappedServer(records(5), cap=5, total=10**9, endless=True)
    serve(server)
    # when the pull runs with a cap of 4 pages
    account, stats, stored = _pull(make_account, channel, base, max_pages=4)
    # then it asked 4 pages, stored what they held, closed the window and reports the cap
    assert server.pages_asked == [1, 2, 3, 4]
    assert stored == 5
    stream = {"douyin": "clue", "baidu": "form"}[channel]
    assert stats.error == f"PageCapReached: page_cap: {stream}: still more after 4 pages"
    account.refresh_from_db()
    assert account.consecutive_failures == 1
    assert PullCheckpoint.objects.get(account=account).window_end is None


# -- spend -----------------------------------------------------------------------------------


def douyin_spend_rows(n: int) -> list[dict]:
    return [
        {
            "dimensions": {
                "stat_time_day": "2026-11-01",
                "cdp_promotion_id": str(7363000000000000000 + i),
                "cdp_promotion_name": f"广告{i}",
            },
            "metrics": {"stat_cost": "1.00", "show_cnt": "10", "click_cnt": 1, "convert_cnt": 0},
        }
        for i in range(n)
    ]


def serve_douyin_spend(server: CappedServer) -> None:
    def answer(request):
        q = _query(request)
        page, asked = int(q["page"]), int(q["page_size"])
        data = {"rows": server.chunk(page), "page_info": server.page_info(page, asked)}
        return 200, {}, json.dumps({"code": 0, "message": "OK", "data": data})

    responses.add_callback(responses.GET, DY_REPORT, callback=answer)


def baidu_spend_rows(n: int) -> list[dict]:
    return [
        {
            "date": "2026-11-01",
            "campaignId": 100 + i,
            "campaignNameStatus": f"计划{i}",
            "impression": 10,
            "click": 1,
            "cost": 1.0,
        }
        for i in range(n)
    ]


def serve_baidu_spend(server: CappedServer) -> None:
    def answer(request):
        body = json.loads(request.body)["body"]
        first = int(body["startRow"])
        server.pages_asked.append(first)
        chunk = server.rows[: server.cap] if server.endless else server.rows[first:][: server.cap]
        block = {"rows": chunk, "rowCount": len(chunk), "totalRowCount": server.total}
        head = {"desc": "success", "status": 0, "quota": 2, "rquota": 49998, "failures": []}
        return 200, {}, json.dumps({"header": head, "body": {"data": [block]}})

    responses.add_callback(responses.POST, BD_REPORT, callback=answer)


def xhs_spend_rows(n: int) -> list[dict]:
    return [
        {"time": "2026-11-01", "campaign_id": 1000 + i, "campaign_name": f"计划{i}", "fee": "1.00"}
        for i in range(n)
    ]


def serve_xhs_spend(server: CappedServer) -> None:
    def answer(request):
        body = json.loads(request.body)
        chunk = server.chunk(int(body["page_num"]))
        data = {"data_list": chunk, "total_count": server.total}
        return 200, {}, json.dumps({"code": 0, "success": True, "msg": "成功", "data": data})

    responses.add_callback(responses.POST, XHS_REPORT, callback=answer)


SPEND_SERVERS = {
    "douyin": (serve_douyin_spend, douyin_spend_rows, DouyinClient, DY),
    "baidu": (serve_baidu_spend, baidu_spend_rows, BaiduClient, BD),
    "xiaohongshu": (serve_xhs_spend, xhs_spend_rows, XiaohongshuClient, XHS),
}


def _spend_client(make_account, channel: str, **settings):
    _serve, _rows, client_class, base = SPEND_SERVERS[channel]
    return client_class(make_account(channel, "acct", base=base, settings={**KNOBS, **settings}))


@pytest.mark.parametrize("channel", ["douyin", "baidu", "xiaohongshu"])
@pytest.mark.parametrize(("cap", "requests"), [(1, 20), (7, 3)], ids=["capped at 1", "capped at 7"])
@responses.activate
def test_a_spend_import_reads_every_page_of_a_capped_server(make_account, channel, cap, requests):
    # given a report server holding 20 rows that returns at most `cap` per request
    serve, rows, _client, _base = SPEND_SERVERS[channel]
    server = CappedServer(rows(ROWS), cap=cap)
    serve(server)
    # when the spend is read
    got = _spend_client(make_account, channel).spend(start=DAY, end=DAY)
    # then all 20 rows arrive, each once, in as many requests as the server needed
    assert len(got) == ROWS
    assert len({row.campaign_id for row in got}) == ROWS
    assert len(server.pages_asked) == requests


@pytest.mark.parametrize("channel", ["douyin", "baidu", "xiaohongshu"])
@responses.activate
def test_a_spend_total_too_high_ends_on_the_first_empty_page(make_account, channel):
    # given a capped server (7 a request) claiming 50 rows but holding 20
    serve, rows, _client, _base = SPEND_SERVERS[channel]
    server = CappedServer(rows(ROWS), cap=7, total=50)
    serve(server)
    # when the spend is read
    got = _spend_client(make_account, channel).spend(start=DAY, end=DAY)
    # then the 20 rows arrive and the 4th (empty) answer ended it
    assert len(got) == ROWS
    assert len(server.pages_asked) == 4


@pytest.mark.parametrize("channel", ["douyin", "baidu", "xiaohongshu"])
@responses.activate
def test_a_spend_server_that_never_ends_is_cut_at_the_page_cap(make_account, channel):
    # given a report server that always answers 5 rows and a huge total
    serve, rows, _client, _base = SPEND_SERVERS[channel]
    server = CappedServer(rows(5), cap=5, total=10**9, endless=True)
    serve(server)
    # when the spend is read with a cap of 3 pages
    # then it raises after 3 requests instead of looping
    with pytest.raises(PageCapReached):
        _spend_client(make_account, channel, max_pages=3).spend(start=DAY, end=DAY)
    assert len(server.pages_asked) == 3


# -- the sandbox's per-account page cap --------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "prefix", "requests"),
    # Douyin: 7 pages of 4, one of 2, then an empty one; Baidu: per solution type 4, 4, 2, empty
    [("douyin", "/open_api/", 9), ("baidu", "", 3 * 4)],
)
def test_a_pull_from_the_sandbox_capping_this_account_gets_every_lead(
    make_account, sandbox, channel, prefix, requests
):
    # given the sandbox's 30 leads, served to this account 4 a page although it asks for 100
    state, base = sandbox
    state.page_caps = {"1790000000000001": 4}
    knobs = {**KNOBS, "page_size": 100, "max_retries": 1}
    if channel == "baidu":
        knobs["solution_types"] = ["form", "phone", "consult"]
    account = make_account(channel, "capped", base=base + prefix, settings=knobs)
    # when the pull runs
    stats = leads_pull(account_id=account.pk)
    # then all 30 are stored, read 4 at a time
    assert stats.error == ""
    assert InboundLead.objects.filter(channel=channel, account_name="capped").count() == 30
    assert stats.new == 30
    assert stats.pages == requests
