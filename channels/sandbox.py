"""Local look-alikes of the Douyin, Xiaohongshu and Baidu endpoints the connectors use.

`python manage.py sandbox_platforms --port P` serves them; tests run `sandbox_start()` in a
thread. Every path matches the real API's path (they do not overlap across platforms), so one
server stands in for ad.oceanengine.com, adapi.xiaohongshu.com, api/u/ocpc.baidu.com.

Leads and spend are deterministic (seeded by index) and realistic: Chinese names, 13x/15x/18x
phones, cities, 脱发/失眠/糖尿病 concerns, search keywords, a few campaigns per platform.

Fault injection (POST /sandbox/control, JSON; GET /sandbox/state shows counters):
  {"reset": true, "lead_count": 500, "late_fields": true, "duplicate_across_pages": true,
   "faults": [{"kind": "rate_limit" | "token_expired" | "server_error", "path": "clue/get",
               "page": 2, "times": 1}]}
or a one-off query flag on any platform call: `?sandbox_fault=rate_limit`.
POST /sandbox/push {"channel", "target", "secret", "count", "start", "delayed"} makes the sandbox
push signed webhooks to our server (Feiyu, Juguang and Baidu formats).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import random
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import requests

BEIJING = ZoneInfo("Asia/Shanghai")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓东",
    "海燕",
    "建华",
    "子涵",
]
CITIES = [
    ("北京", "北京", "朝阳区"),
    ("上海", "上海", "浦东新区"),
    ("广东", "广州", "天河区"),
    ("广东", "深圳", "南山区"),
    ("浙江", "杭州", "西湖区"),
    ("四川", "成都", "武侯区"),
    ("山东", "济南", "历下区"),
    ("湖北", "武汉", "洪山区"),
    ("江苏", "南京", "鼓楼区"),
]
PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
]
TOPICS = {
    "脱发": {
        "keywords": ["脱发怎么治疗", "头发稀疏怎么办", "发际线后移", "生发哪家好"],
        "concerns": ["脱发三年，头顶稀疏", "产后脱发严重", "洗头掉发很多", "发际线后移"],
        "answers": {"脱发年限": ["1年", "3年", "5年以上"], "脱发部位": ["头顶", "发际线", "全头"]},
    },
    "失眠": {
        "keywords": ["失眠怎么调理", "睡不着怎么办", "失眠多梦", "助眠方法"],
        "concerns": ["入睡困难，每晚两点后才睡", "早醒，一晚醒三四次", "长期多梦易醒"],
        "answers": {"失眠时长": ["半年", "1年", "3年以上"], "是否服药": ["是", "否"]},
    },
    "糖尿病": {
        "keywords": ["糖尿病饮食", "血糖高怎么办", "糖尿病能治好吗", "控糖方法"],
        "concerns": ["空腹血糖8.5，想控糖", "二型糖尿病五年", "餐后血糖偏高"],
        "answers": {"确诊年限": ["1年内", "1-5年", "5年以上"], "是否打胰岛素": ["是", "否"]},
    },
}
CAMPAIGNS = {
    "douyin": [
        ("7363000000000000001", "脱发-表单-北京", "脱发"),
        ("7363000000000000002", "失眠-表单-上海", "失眠"),
        ("7363000000000000003", "糖尿病-咨询-广州", "糖尿病"),
    ],
    "xiaohongshu": [
        ("1234567", "脱发笔记-留资-北京", "脱发"),
        ("1234568", "失眠科普-留资", "失眠"),
        ("1234569", "控糖食谱-留资", "糖尿病"),
    ],
    "baidu": [
        ("101", "脱发-品牌词", "脱发"),
        ("102", "失眠-通用词", "失眠"),
        ("103", "糖尿病-疾病词", "糖尿病"),
        ("104", "脱发-竞品词", "脱发"),
    ],
}
BAIDU_TYPES = ["form", "phone", "consult"]
LATE = ("app_name", "convert_status", "intention_estimation")


def _rng(platform: str, i: int) -> random.Random:
    return random.Random(f"{platform}:{i}")  # noqa: S311  (deterministic demo data)


def _person(r: random.Random) -> dict[str, Any]:
    province, city, district = r.choice(CITIES)
    return {
        "name": r.choice(SURNAMES) + r.choice(GIVEN),
        "phone": r.choice(PREFIXES) + f"{r.randrange(10**8):08d}",
        "gender": r.choice([1, 2, 2, 0]),
        "age": r.randrange(22, 66),
        "province": province,
        "city": city,
        "district": district,
    }


class SandboxState:
    """Everything the sandbox remembers; every access holds the lock."""

    def __init__(self, lead_count: int = 120, now: dt.datetime | None = None) -> None:
        self.lock = threading.Lock()
        self.reset(lead_count=lead_count, now=now)

    def reset(self, lead_count: int = 120, now: dt.datetime | None = None) -> None:
        self.lead_count = lead_count
        self.now = (now or dt.datetime.now(BEIJING)).astimezone(BEIJING).replace(microsecond=0)
        self.late_fields = False
        self.duplicate_across_pages = False
        self.faults: list[dict[str, Any]] = []
        self.revoked: set[str] = set()
        self.token_seq = 0
        self.served: set[str] = set()
        self.calls: dict[str, int] = {}
        self.postbacks: list[dict[str, Any]] = []
        self.refreshes = 0
        self._cache: dict[tuple, list] = {}

    # -- time ------------------------------------------------------------------------------
    def lead_time(self, i: int) -> dt.datetime:
        """Lead 0 is the newest; all fall in the 3 days before `now`."""
        gap = max(1, (3 * 86400) // max(1, self.lead_count))
        return self.now - dt.timedelta(seconds=(i + 1) * gap)

    # -- generated records -----------------------------------------------------------------
    def douyin_lead(self, i: int) -> dict[str, Any]:
        r = _rng("douyin", i)
        p = _person(r)
        campaign_id, campaign, topic = CAMPAIGNS["douyin"][i % 3]
        t = TOPICS[topic]
        when = self.lead_time(i)
        answers = {k: r.choice(v) for k, v in t["answers"].items()}
        return {
            "clue_id": str(7364012345678900000 + i),
            "advertiser_id": "1790000000000001",
            "advertiser_name": "某生发连锁",
            "ad_id": str(1780000000000000 + i % 7),
            "ad_name": f"{topic}-视频{i % 7}",
            "creative_id": str(1770000000000000 + i % 11),
            "promotion_id": int(campaign_id),
            "promotion_name": campaign,
            "site_id": "7290000000000000001",
            "site_name": f"{topic}预约页",
            "module_id": "7290000000000000002",
            "module_name": "预约表单",
            "req_id": f"2026{i:012d}",
            "clue_type": 0,
            "clue_source": 1,
            "name": p["name"],
            "telephone": p["phone"],
            "email": "",
            "weixin": "",
            "qq": "",
            "gender": p["gender"],
            "age": p["age"],
            "province_name": p["province"],
            "city_name": p["city"],
            "country_name": p["district"],
            "address": "",
            "location": f"{p['province']}+{p['city']}",
            "remark": r.choice(t["concerns"]),
            "form_remark": "",
            "remark_dict": answers,
            "extra_info": {},
            "create_time": when.strftime("%Y-%m-%d"),
            "create_time_detail": when.strftime("%Y-%m-%d %H:%M:%S"),
            "date": when.strftime("%Y-%m-%d"),
            "external_url": f"https://www.chengzhang-demo.cn/lp/{topic}?clickid=CK{i}",
            "clue_state": 1,
            "allocation_status": 0,
            "system_tags": [],
            "tags": [],
            "app_name": "抖音",
            "convert_status": "合法转化",
            "intention_estimation": r.choice(["高意向", "中意向"]),
        }

    def baidu_lead(self, i: int) -> dict[str, Any]:
        r = _rng("baidu", i)
        p = _person(r)
        campaign_id, campaign, topic = CAMPAIGNS["baidu"][i % 4]
        t = TOPICS[topic]
        when = self.lead_time(i)
        phone = p["phone"]
        if i % 17 == 5:  # two numbers in one field
            phone = f"{phone},{r.choice(PREFIXES)}{r.randrange(10**8):08d}"
        kw = r.choice(t["keywords"])
        form = [
            {"name": "姓名", "type": "name", "value": p["name"]},
            {"name": "电话", "type": "phone", "value": p["phone"]},
            {"name": "症状描述", "type": "text", "value": r.choice(t["concerns"])},
        ]
        return {
            "userId": 46221343,
            "clueId": str(210604140990751000 + i),
            "solutionType": BAIDU_TYPES[i % 3],
            "cluePhoneNumber": phone,
            "commitTime": when.strftime("%Y-%m-%d %H:%M:%S"),
            "flowChannelName": "百度搜索推广",
            "area": f"{p['province']}-{p['city']}",
            "connect": 0,
            "formDetail": json.dumps(form, ensure_ascii=False),
            "campaignId": int(campaign_id),
            "campaignName": campaign,
            "adgroupId": 200 + i % 5,
            "adgroupName": f"{topic}-单元{i % 5}",
            "creativeId": 300 + i % 9,
            "keywordId": 400 + i % 13,
            "keyword": topic + "治疗",
            "searchWord": kw,
            "bdVid": f"bdvid{i:08d}",
            "url": f"https://www.chengzhang-demo.cn/lp/{topic}?bd_vid=bdvid{i:08d}",
            "siteId": 55,
            "pageId": 66,
            "solutionId": 77,
            "callDuration": 0,
            "userName": "baidu-demo",
            "accountName": "某生发连锁-百度",
        }

    def xhs_push(self, i: int) -> dict[str, Any]:
        r = _rng("xiaohongshu", i)
        p = _person(r)
        campaign_id, campaign, topic = CAMPAIGNS["xiaohongshu"][i % 3]
        t = TOPICS[topic]
        when = self.lead_time(i)
        return {
            "timestamp": int(time.time() * 1000),
            "source": "juguang",
            "data": {
                "landing_page_id": 6612345678,
                "url": f"https://www.chengzhang-demo.cn/lp/{topic}?click_id=XC{i}",
                "submitted_time": when.strftime("%Y-%m-%d %H:%M:%S"),
                "source_channel": "信息流",
                "account_id": "5c8650cb0000000001004367",
                "account_name": "某生发连锁",
                "campaign_id": int(campaign_id),
                "campaign_name": campaign,
                "unit_id": 2345678 + i % 4,
                "unit_name": f"{topic}-单元{i % 4}",
                "creative_id": 3456789 + i % 6,
                "leads_id": f"L20261101{i:05d}",
                "keyword": r.choice(t["keywords"]),
                "data": [
                    {"label": "姓名", "value": p["name"]},
                    {"label": "手机号", "value": p["phone"]},
                    {"label": "困扰", "value": r.choice(t["concerns"])},
                ],
            },
        }

    def douyin_push(self, i: int) -> dict[str, Any]:
        lead = self.douyin_lead(i)
        return {
            "id": lead["clue_id"],
            "adv_name": lead["advertiser_name"],
            "telphone": lead["telephone"],
            "weixin": "",
            "name": lead["name"],
            "gender": lead["gender"],
            "province_name": lead["province_name"],
            "city_name": lead["city_name"],
            "location": lead["location"],
            "create_time": int(self.lead_time(i).timestamp()),
            "external_url": lead["external_url"],
            "clue_source": 1,
            "flow_type": 1,
            "clue_type": 0,
        }

    def baidu_push(self, i: int, token: str, delayed: bool = False) -> dict[str, Any]:
        lead = self.baidu_lead(i)
        body = {
            "clue_id": lead["clueId"],
            "token": token,
            "uc_name": "baidu-demo",
            "solution_type_name": "表单",
            "flow_channel_name": lead["flowChannelName"],
            "clue_phone_number": lead["cluePhoneNumber"],
            "wechat_account": "",
            "area": lead["area"],
            "area_province": lead["area"].split("-")[0],
            "commit_time": lead["commitTime"],
            "form_detail": lead["formDetail"],
            "push_delay": "",
        }
        if delayed:
            body.update(
                {
                    "plan_id": lead["campaignId"],
                    "plan_name": lead["campaignName"],
                    "unit_id": lead["adgroupId"],
                    "unit_name": lead["adgroupName"],
                    "creative_id": lead["creativeId"],
                    "creative_name": "创意",
                    "keyword_id": lead["keywordId"],
                    "keyword": lead["keyword"],
                    "search_word": lead["searchWord"],
                    "push_delay": "延迟20分钟",
                }
            )
        return body

    def window(self, platform: str, start: dt.datetime, end: dt.datetime, kind: str = "") -> list:
        """Indexes of the leads inside [start, end], newest first (cached per pull window)."""
        key = (platform, self.lead_count, start, end, kind)
        cached = self._cache.get(key)
        if cached is None:
            cached = [
                i
                for i in range(self.lead_count)
                if start <= self.lead_time(i) <= end and (not kind or BAIDU_TYPES[i % 3] == kind)
            ]
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    # -- tokens ----------------------------------------------------------------------------
    def token_ok(self, token: str) -> bool:
        return bool(token) and token not in self.revoked

    def new_pair(self, old_access: str, old_refresh: str) -> tuple[str, str]:
        self.token_seq += 1
        self.refreshes += 1
        self.revoked.update(t for t in (old_access, old_refresh) if t)
        return f"sbx-at-{self.token_seq}", f"sbx-rt-{self.token_seq}"

    def take_fault(self, path: str, page: int | None, flag: str) -> str:
        if flag:
            return flag
        for fault in self.faults:
            if fault.get("times", 1) <= 0 or fault.get("path", "") not in path:
                continue
            if fault.get("page") is not None and fault["page"] != page:
                continue
            fault["times"] = fault.get("times", 1) - 1
            return fault["kind"]
        return ""


def _parse_time(text: str) -> dt.datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=BEIJING)
        except ValueError:
            continue
    raise ValueError(text)


def _spend_rows(platform: str, start: dt.date, end: dt.date):
    day = start
    while day <= end:
        for campaign_id, name, _topic in CAMPAIGNS[platform]:
            r = random.Random(f"spend:{platform}:{campaign_id}:{day}")  # noqa: S311
            impressions = r.randrange(8000, 60000)
            clicks = int(impressions * r.uniform(0.01, 0.04))
            cost = (Decimal(clicks) * Decimal(str(round(r.uniform(1.5, 6.5), 2)))).quantize(
                Decimal("0.01")
            )
            yield day, campaign_id, name, cost, impressions, clicks, max(1, clicks // 40)
        day += dt.timedelta(days=1)


class Handler(BaseHTTPRequestHandler):
    server_version = "YinliuSandbox/1"
    state: SandboxState

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return  # quiet: tests and the demo do not want a line per call

    # -- plumbing --------------------------------------------------------------------------
    def _send(self, status: int, body: Any) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        try:
            data = json.loads(self.rfile.read(length).decode())
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body = self._body() if method == "POST" else {}
        st = self.state
        with st.lock:
            st.calls[path] = st.calls.get(path, 0) + 1
        try:
            if path.startswith("/sandbox/"):
                return self._sandbox(path, body)
            if path.startswith("/open_api/"):
                return self._douyin(path, query, body)
            if path.startswith("/api/open/"):
                return self._xhs(path, body)
            if path.startswith(("/json/", "/oauth/", "/ocpcapi/")):
                return self._baidu(path, query, body)
            self._send(404, {"error": "not_found"})
        except (KeyError, ValueError, TypeError) as exc:
            self._send(400, {"error": "bad_request", "message": str(exc)})

    # -- control ---------------------------------------------------------------------------
    def _sandbox(self, path: str, body: dict[str, Any]) -> None:
        st = self.state
        if path == "/sandbox/control":
            with st.lock:
                if body.get("reset"):
                    st.reset(lead_count=int(body.get("lead_count", st.lead_count)))
                if "lead_count" in body:
                    st.lead_count = int(body["lead_count"])
                    st._cache = {}
                for flag in ("late_fields", "duplicate_across_pages"):
                    if flag in body:
                        setattr(st, flag, bool(body[flag]))
                st.faults.extend(dict(f) for f in body.get("faults", []))
            return self._send(200, {"ok": True})
        if path == "/sandbox/state":
            with st.lock:
                return self._send(
                    200,
                    {
                        "lead_count": st.lead_count,
                        "calls": st.calls,
                        "refreshes": st.refreshes,
                        "postbacks": st.postbacks,
                        "faults": st.faults,
                    },
                )
        if path == "/sandbox/push":
            result = push_leads(
                st,
                channel=body["channel"],
                target=body["target"],
                secret=body.get("secret", ""),
                count=int(body.get("count", 1)),
                start=int(body.get("start", 0)),
                delayed=bool(body.get("delayed")),
            )
            return self._send(200, {"statuses": result})
        self._send(404, {"error": "not_found"})

    # -- Douyin ----------------------------------------------------------------------------
    def _douyin(self, path: str, query: dict[str, str], body: dict[str, Any]) -> None:
        st = self.state
        ok = {"code": 0, "message": "OK", "request_id": f"sbx{time.time_ns()}"}
        if path.startswith("/open_api/oauth2/"):
            with st.lock:
                if path.endswith("refresh_token/") and not st.token_ok(
                    body.get("refresh_token", "")
                ):
                    return self._send(200, {"code": 40103, "message": "refresh_token 无效"})
                access, refresh = st.new_pair("", body.get("refresh_token", ""))
            return self._send(
                200,
                {
                    **ok,
                    "data": {
                        "access_token": access,
                        "refresh_token": refresh,
                        "expires_in": 86400,
                        "refresh_token_expires_in": 2592000,
                        "advertiser_id": 1790000000000001,
                        "advertiser_ids": [1790000000000001],
                    },
                },
            )
        page = int(query.get("page", 1)) if "clue/get" in path else None
        with st.lock:
            fault = st.take_fault(path, page, query.get("sandbox_fault", ""))
            token = self.headers.get("Access-Token", "")
            if fault == "token_expired":
                st.revoked.add(token)
            token_ok = st.token_ok(token)
        if fault == "server_error":
            return self._send(502, b"<html>502 Bad Gateway</html>")
        if fault == "rate_limit":
            return self._send(200, {"code": 40100, "message": "请求过于频繁，请稍后再试"})
        if not token_ok:
            return self._send(200, {"code": 40102, "message": "access_token 已过期"})
        if path == "/open_api/2/tools/clue/get/":
            size = min(100, int(query.get("page_size", 100)))
            start, end = _parse_time(query["start_time"]), _parse_time(query["end_time"])
            with st.lock:
                ids = st.window("douyin", start, end)
                total_pages = max(1, -(-len(ids) // size))
                chunk = ids[(page - 1) * size : page * size]
                if st.duplicate_across_pages and page > 1 and chunk:
                    chunk = [ids[(page - 1) * size - 1], *chunk]
                records = []
                for i in chunk:
                    lead = st.douyin_lead(i)
                    if st.late_fields and lead["clue_id"] not in st.served:
                        for key in LATE:
                            lead.pop(key, None)
                    st.served.add(lead["clue_id"])
                    records.append(lead)
            return self._send(
                200,
                {
                    **ok,
                    "data": {
                        "list": records,
                        "page_info": {
                            "page": page,
                            "page_size": size,
                            "total_number": len(ids),
                            "total_page": total_pages,
                        },
                    },
                },
            )
        if path == "/open_api/v3.0/report/custom/get/":
            start = dt.date.fromisoformat(query["start_time"])
            end = dt.date.fromisoformat(query["end_time"])
            rows = [
                {
                    "dimensions": {
                        "stat_time_day": d.isoformat(),
                        "cdp_project_id": cid,
                        "cdp_project_name": name,
                    },
                    "metrics": {
                        "stat_cost": str(cost),
                        "show_cnt": str(imp),
                        "click_cnt": clk,
                        "convert_cnt": conv,
                    },
                }
                for d, cid, name, cost, imp, clk, conv in _spend_rows("douyin", start, end)
            ]
            return self._send(
                200,
                {
                    **ok,
                    "data": {
                        "rows": rows,
                        "total_metrics": {},
                        "page_info": {
                            "page": 1,
                            "page_size": 1000,
                            "total_number": len(rows),
                            "total_page": 1,
                        },
                    },
                },
            )
        if path == "/open_api/2/tools/clue/life/callback/":
            with st.lock:
                st.postbacks.append({"platform": "douyin", **body})
            return self._send(200, {**ok, "data": {}})
        self._send(404, {"code": 40400, "message": "not found"})

    # -- Xiaohongshu -----------------------------------------------------------------------
    def _xhs(self, path: str, body: dict[str, Any]) -> None:
        st = self.state
        ok = {"code": 0, "success": True, "msg": "成功", "request_id": f"sbx{time.time_ns()}"}
        if path.startswith("/api/open/oauth2/"):
            with st.lock:
                if path.endswith("refresh_token") and not st.token_ok(
                    body.get("refresh_token", "")
                ):
                    return self._send(
                        200, {"code": 40103, "success": False, "msg": "refresh_token 无效"}
                    )
                access, refresh = st.new_pair("", body.get("refresh_token", ""))
            return self._send(
                200,
                {
                    **ok,
                    "data": {
                        "access_token": access,
                        "access_token_expires_in": 86400,
                        "refresh_token": refresh,
                        "refresh_token_expires_in": 2592000,
                        "user_id": "u1",
                        "advertiser_id": 5001,
                        "approval_advertisers": [
                            {"advertiser_id": 5001, "advertiser_name": "某生发连锁"}
                        ],
                    },
                },
            )
        with st.lock:
            fault = st.take_fault(path, None, "")
            token = self.headers.get("Access-Token", "")
            if fault == "token_expired":
                st.revoked.add(token)
            token_ok = st.token_ok(token)
        if fault == "server_error":
            return self._send(503, b"busy")
        if fault == "rate_limit":
            return self._send(200, {"code": 40100, "success": False, "msg": "限流"})
        if not token_ok:
            return self._send(200, {"code": 40102, "success": False, "msg": "token 过期"})
        if path == "/api/open/jg/data/report/offline/campaign":
            start = dt.date.fromisoformat(body["start_date"])
            end = dt.date.fromisoformat(body["end_date"])
            rows = [
                {
                    "time": d.isoformat(),
                    "campaign_id": int(cid),
                    "campaign_name": name,
                    "fee": float(cost),
                    "impression": imp,
                    "click": clk,
                    "ctr": f"{clk / imp:.4f}",
                    "cpm": str(round(float(cost) / imp * 1000, 2)),
                    "leads": conv,
                }
                for d, cid, name, cost, imp, clk, conv in _spend_rows("xiaohongshu", start, end)
            ]
            return self._send(200, {**ok, "data": {"data_list": rows, "total_count": len(rows)}})
        self._send(404, {"code": 404, "success": False, "msg": "not found"})

    # -- Baidu -----------------------------------------------------------------------------
    def _baidu(self, path: str, query: dict[str, str], body: dict[str, Any]) -> None:
        st = self.state
        if path == "/oauth/refreshToken":
            with st.lock:
                if not st.token_ok(body.get("refreshToken", "")):
                    return self._send(200, {"code": 40001, "message": "refreshToken 无效"})
                access, refresh = st.new_pair("", body.get("refreshToken", ""))
            return self._send(
                200,
                {
                    "code": 0,
                    "message": "success",
                    "data": {
                        "accessToken": access,
                        "refreshToken": refresh,
                        "expiresIn": 86400,
                        "refreshExpiresIn": 2592000,
                        "userId": 46221343,
                        "openId": "sbx-open",
                    },
                },
            )
        if path == "/ocpcapi/api/uploadConvertData":
            with st.lock:
                st.postbacks.append({"platform": "baidu", **body})
            return self._send(200, {"header": {"status": 0, "desc": "success"}})
        header_in = body.get("header") or {}
        req = body.get("body") or {}
        page = int(req.get("pageNo", 1)) if "getNoticeList" in path else None
        with st.lock:
            fault = st.take_fault(path, page, query.get("sandbox_fault", ""))
            token = header_in.get("accessToken", "")
            if fault == "token_expired":
                st.revoked.add(token)
            token_ok = st.token_ok(token)

        def fail(code: int, message: str, rquota: int = 49000) -> None:
            self._send(
                200,
                {
                    "header": {
                        "desc": "failure",
                        "status": 2,
                        "quota": 2,
                        "rquota": rquota,
                        "failures": [
                            {
                                "code": code,
                                "message": message,
                                "field": "",
                                "position": "",
                                "id": "",
                            }
                        ],
                    },
                    "body": {},
                },
            )

        if fault == "server_error":
            return self._send(500, b"internal error")
        if fault == "rate_limit":
            return fail(8904, "配额不足，请稍后重试", rquota=0)
        if not token_ok:
            return fail(8206, "accessToken 已失效")
        head = {"desc": "success", "status": 0, "quota": 2, "rquota": 49998, "failures": []}
        if path == "/json/sms/service/LeadsNoticeService/getNoticeList":
            size = min(5000, int(req.get("pageSize", 1000)))
            start, end = _parse_time(req["startDate"]), _parse_time(req["endDate"])
            with st.lock:
                ids = st.window("baidu", start, end, req.get("solutionType", ""))
                chunk = ids[(page - 1) * size : page * size]
                if st.duplicate_across_pages and page > 1 and chunk:
                    chunk = [ids[(page - 1) * size - 1], *chunk]
                records = [st.baidu_lead(i) for i in chunk]
            return self._send(
                200,
                {
                    "header": head,
                    "body": {
                        "data": [
                            {
                                "totalNum": len(ids),
                                "rowNumber": len(records),
                                "noticeDetailList": records,
                            }
                        ]
                    },
                },
            )
        if path == "/json/sms/service/OpenApiReportService/getReportData":
            start = dt.date.fromisoformat(req["startDate"])
            end = dt.date.fromisoformat(req["endDate"])
            rows = [
                {
                    "date": d.isoformat(),
                    "campaignId": int(cid),
                    "campaignNameStatus": name,
                    "impression": imp,
                    "click": clk,
                    "cost": float(cost),
                }
                for d, cid, name, cost, imp, clk, _conv in _spend_rows("baidu", start, end)
            ]
            first = int(req.get("startRow", 0))
            count = int(req.get("rowCount", 1000))
            return self._send(
                200,
                {
                    "header": head,
                    "body": {
                        "data": [
                            {
                                "rows": rows[first : first + count],
                                "rowCount": len(rows[first : first + count]),
                                "totalRowCount": len(rows),
                                "summary": {},
                            }
                        ]
                    },
                },
            )
        fail(404, "unknown service")


def push_leads(
    state: SandboxState,
    *,
    channel: str,
    target: str,
    secret: str,
    count: int = 1,
    start: int = 0,
    delayed: bool = False,
) -> list[int]:
    """POST `count` signed pushes in the platform's format to `target`; returns HTTP statuses."""
    statuses = []
    for i in range(start, start + count):
        headers = {"Content-Type": "application/json"}
        if channel == "douyin":
            data = state.douyin_push(i)
            raw = json.dumps(data, ensure_ascii=False).encode()
            ts = str(int(time.time()))
            digest = hashlib.sha256(f"{data['id']}|{secret}|{ts}".encode()).digest()
            headers.update({"Signature": base64.b64encode(digest).decode(), "Timestamp": ts})
        elif channel == "xiaohongshu":
            raw = json.dumps(state.xhs_push(i), ensure_ascii=False).encode()
            sig = hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()
            headers["X-Red-Signature"] = f"sha1={sig}"
        else:
            raw = json.dumps(state.baidu_push(i, secret, delayed), ensure_ascii=False).encode()
        response = requests.post(target, data=raw, headers=headers, timeout=10)
        statuses.append(response.status_code)
    return statuses


def sandbox_server(port: int, state: SandboxState | None = None, host: str = "127.0.0.1"):
    state = state or SandboxState()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.state = state  # type: ignore[attr-defined]
    return server


def sandbox_start(port: int = 0, state: SandboxState | None = None):
    """Serve in a daemon thread (tests); returns (server, base_url). Call server.shutdown()."""
    server = sandbox_server(port, state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
