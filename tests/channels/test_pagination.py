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
    """A server holding `rows` that returns at most `cap` per page whatever is asked;
    `total` is what it reports (default: the truth), `lie_page_size` makes it report the page
    size we asked for instead of its own, `endless` repeats rows forever.

    `repeat` sends a row again on the next page, as newest-first lists do: "prepend" puts the
    previous page's last row before a full page (the sandbox's `duplicate_across_pages`),
    "shift" starts every page after the first one row early (a row arrived at the top after
    the first page was read), so the rows move one page further. `totals`: "all" its total
    and page count, "count" the total alone, "none" neither, "has_more" (Douyin) only a
    `has_more` flag. `fail_pages`: pages answered once with the platform's rate-limit error."""

    def __init__(
        self,
        rows: list,
        cap: int,
        total: int | None = None,
        lie_page_size: bool = False,
        endless: bool = False,
        repeat: str = "",
        totals: str = "all",
        fail_pages: tuple[int, ...] = (),
    ) -> None:
        self.rows, self.cap, self.total = rows, cap, len(rows) if total is None else total
        self.lie_page_size, self.endless = lie_page_size, endless
        self.repeat, self.totals, self.fail_pages = repeat, totals, set(fail_pages)
        self.pages_asked: list[int] = []
        self.sent: set[int] = set()  # indexes of the rows sent so far
        self.repeats_sent = 0  # rows sent again

    def fails(self, page: int) -> bool:
        """Whether this request is the one failing answer of a page in `fail_pages`."""
        if page in self.fail_pages:
            self.fail_pages.discard(page)
            return True
        return False

    def rows_from(self, first: int) -> list:
        """The page whose first row is `first` (0-based), as this server sends it."""
        if self.endless:
            return self.rows[: self.cap]
        start = first - 1 if self.repeat == "shift" and first > 0 else first
        indexes = list(range(len(self.rows)))[start:][: self.cap]
        if self.repeat == "prepend" and first > 0 and indexes:
            indexes = [first - 1, *indexes]
        self.repeats_sent += len(set(indexes) & self.sent)
        self.sent.update(indexes)
        return [self.rows[i] for i in indexes]

    def chunk(self, page: int) -> list:
        self.pages_asked.append(page)
        return self.rows_from((page - 1) * self.cap)

    def page_info(self, page: int, asked: int) -> dict:
        size = asked if self.lie_page_size else self.cap
        info = {"page": page, "page_size": size}
        if self.totals in ("all", "count"):
            info["total_number"] = self.total
        if self.totals == "all":
            info["total_page"] = max(1, -(-self.total // size))
        if self.totals == "has_more":  # after the page was cut: rows not yet sent remain
            info["has_more"] = bool(self.sent) and max(self.sent) < len(self.rows) - 1
        return info

    def total_fields(self, name: str) -> dict:
        """`{name: total}` unless this server gives no totals."""
        return {} if self.totals == "none" else {name: self.total}


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
        if server.fails(page):
            return 200, {}, json.dumps({"code": 40100, "message": "请求过于频繁"})
        data = {"list": server.chunk(page), "page_info": server.page_info(page, asked)}
        return 200, {}, json.dumps({"code": 0, "message": "OK", "data": data})

    responses.add_callback(responses.GET, CLUES, callback=answer)


def serve_baidu_notices(server: CappedServer) -> None:
    def answer(request):
        body = json.loads(request.body)["body"]
        if server.fails(int(body["pageNo"])):
            head = {"desc": "failure", "status": 2, "rquota": 0, "failures": [{"code": 8904}]}
            return 200, {}, json.dumps({"header": head, "body": {}})
        chunk = server.chunk(int(body["pageNo"]))
        block = {
            **server.total_fields("totalNum"),
            "rowNumber": len(chunk),
            "noticeDetailList": chunk,
        }
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
    # capped at 7: 7 + 7 + 6 rows; after the third page the rows received are the server's
    # total, so no further request is made
    [(1, 20), (7, 3), (20, 1)],
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
    # then the rows received against the total decide: the 3 pages are read
    assert stored == ROWS
    assert server.pages_asked == [1, 2, 3]


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


# A row repeated across pages (API_FACTS, "Page sizes are the server's"; issue: Baidu lost the
# last lead of a list when a page held a repeat, because the rows seen were estimated as page ×
# this page's rows). 12 rows, 3 a page: a repeat on each page after the first makes an estimate
# reach 12 a page too early (or, with "shift", the server's page count end a page early),
# without totals a page of 3 is not the last one although 100 were asked for.
REPEATS = ["prepend", "shift"]
# page_info with total_page, without it, with neither, with only a has_more flag
DOUYIN_TOTALS = ["all", "count", "none", "has_more"]
BAIDU_TOTALS = ["all", "none"]  # totalNum or nothing
LEAD_CASES = [("douyin", t) for t in DOUYIN_TOTALS] + [("baidu", t) for t in BAIDU_TOTALS]


def _stored_ids(channel: str) -> list[str]:
    return list(
        InboundLead.objects.filter(channel=channel, account_name="acct").values_list(
            "external_id", flat=True
        )
    )


def _ids(channel: str, rows: list[dict]) -> set[str]:
    key = {"douyin": "clue_id", "baidu": "clueId"}[channel]
    return {row[key] for row in rows}


@pytest.mark.parametrize("repeat", REPEATS)
@pytest.mark.parametrize(("channel", "totals"), LEAD_CASES)
@responses.activate
def test_a_lead_pull_gets_every_lead_once_from_a_server_repeating_rows_across_pages(
    make_account, channel, totals, repeat
):
    # given a server holding 12 leads, 3 a page although we ask for 100, that sends a row
    # again on the next page and gives all, some or none of its totals
    serve, records, base = LEAD_SERVERS[channel]
    rows = records(12)
    server = CappedServer(rows, cap=3, repeat=repeat, totals=totals)
    serve(server)
    # when the pull runs
    account, stats, _stored = _pull(make_account, channel, base)
    # then every lead is stored exactly once, the repeats counted as duplicates
    ids = _stored_ids(channel)
    assert stats.error == ""
    assert sorted(ids) == sorted(_ids(channel, rows))
    assert (stats.new, stats.duplicate) == (12, server.repeats_sent)
    assert PullCheckpoint.objects.get(account=account).window_end is None


@pytest.mark.parametrize(("channel", "totals"), [("douyin", "count"), ("baidu", "all")])
@responses.activate
def test_a_pull_resumed_on_a_page_repeating_the_last_stored_row_still_gets_every_lead(
    make_account, channel, totals
):
    # given 10 leads, 3 a page, each page after the first starting with the previous page's
    # last lead, a total but no page count, and page 2 refused once (rate limit)
    serve, records, base = LEAD_SERVERS[channel]
    rows = records(10)
    server = CappedServer(rows, cap=3, repeat="prepend", totals=totals, fail_pages=(2,))
    serve(server)
    # when the pull stops after page 1 and a later run resumes at page 2 (whose first row is
    # page 1's last: a new run must still know it is no new lead)
    account, first, _ = _pull(make_account, channel, base)
    assert first.error.startswith("RateLimited")
    cp = PullCheckpoint.objects.get(account=account)
    assert (cp.next_page, cp.rows_received, cp.first_page_rows) == (2, 3, 3)
    second = leads_pull(account_id=account.pk)
    # then the list is read to its last lead, each stored once
    assert second.error == ""
    assert sorted(_stored_ids(channel)) == sorted(_ids(channel, rows))
    assert first.new + second.new == 10
    assert server.pages_asked == [1, 2, 3, 4]


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
        chunk = server.rows_from(first)
        block = {"rows": chunk, "rowCount": len(chunk), **server.total_fields("totalRowCount")}
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
        data = {"data_list": chunk, **server.total_fields("total_count")}
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


SPEND_TOTALS = ["all", "none"]  # the report's total row count, or none
SPEND_IDS: dict[str, Callable[[list[dict]], list[str]]] = {
    "douyin": lambda rows: [r["dimensions"]["cdp_promotion_id"] for r in rows],
    "baidu": lambda rows: [str(r["campaignId"]) for r in rows],
    "xiaohongshu": lambda rows: [str(r["campaign_id"]) for r in rows],
}


@pytest.mark.parametrize("repeat", REPEATS)
@pytest.mark.parametrize("totals", SPEND_TOTALS)
@pytest.mark.parametrize("channel", ["douyin", "baidu", "xiaohongshu"])
@responses.activate
def test_a_spend_import_gets_every_row_once_from_a_server_repeating_rows(
    make_account, channel, totals, repeat
):
    # given a report server holding 12 rows, 3 a request, that sends a row again on the next
    # request, with or without its total
    serve, rows, _client, _base = SPEND_SERVERS[channel]
    server = CappedServer(rows(12), cap=3, repeat=repeat, totals=totals)
    serve(server)
    # when the spend is read
    got = _spend_client(make_account, channel).spend(start=DAY, end=DAY)
    # then each of the 12 rows arrives exactly once (one row per campaign and day)
    assert sorted(row.campaign_id for row in got) == sorted(SPEND_IDS[channel](server.rows))


# -- the sandbox's per-account page cap --------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "prefix", "requests"),
    # Douyin: 7 pages of 4 and one of 2; Baidu: per solution type 4, 4, 2 (the rows received
    # reach each list's total on its last page)
    [("douyin", "/open_api/", 8), ("baidu", "", 3 * 3)],
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


@pytest.mark.parametrize(("channel", "prefix"), [("douyin", "/open_api/"), ("baidu", "")])
def test_the_reviewers_sandbox_pull_repeating_rows_on_capped_pages_gets_every_lead(
    make_account, sandbox, channel, prefix
):
    # given the reviewer's sandbox: 153 leads (Baidu: 51 per solution type), this account's
    # pages capped at 25, each page after the first repeating the previous page's last lead
    state, base = sandbox
    state.reset(lead_count=153)
    state.duplicate_across_pages = True
    state.page_caps = {"1790000000000001": 25}
    knobs = {**KNOBS, "page_size": 100, "max_retries": 1}
    if channel == "baidu":
        knobs["solution_types"] = ["form", "phone", "consult"]
    account = make_account(channel, "capped", base=base + prefix, settings=knobs)
    # when the pull runs, and again
    stats = leads_pull(account_id=account.pk)
    again = leads_pull(account_id=account.pk)
    # then all 153 are stored once (Baidu used to stop a page early: new 150, duplicate 3),
    # every repeat counted as a duplicate, and a re-pull finds nothing new
    ids = list(
        InboundLead.objects.filter(channel=channel, account_name="capped").values_list(
            "external_id", flat=True
        )
    )
    assert stats.error == ""
    assert len(ids) == len(set(ids)) == 153
    # Douyin: pages 2-7 of 25 each repeat one; Baidu: per type 25 + (1 + 25) + (1 + 1)
    assert (stats.new, stats.duplicate) == (153, {"douyin": 6, "baidu": 6}[channel])
    assert (again.error, again.new) == ("", 0)
