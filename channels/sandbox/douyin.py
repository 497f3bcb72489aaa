"""Ocean Engine (巨量引擎) look-alike: OAuth refresh, `tools/clue/get`, `report/custom/get`,
`clue/life/callback`, and Feiyu-style signed pushes to our webhook.

Facts: shared/channels/API_FACTS.md, "Douyin — Ocean Engine Marketing API". The push signature
is computed here on its own (base64(sha256("clue_id|token|timestamp"))): the sandbox is the
other side of the wire and never borrows our verify code.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from channels.sandbox.data import (
    CAMPAIGNS,
    DOUYIN_PROJECTS,
    TOPICS,
    parse_time,
    person,
    rng,
    spend_rows,
)

if TYPE_CHECKING:
    from channels.sandbox.server import Handler
    from channels.sandbox.state import SandboxState

PATH_PREFIXES = ("/open_api/", "/api/v2/conversion")
LATE = ("app_name", "convert_status", "intention_estimation")  # ≈10 minutes late on the real API


def lead_record(state: SandboxState, i: int) -> dict[str, Any]:
    r = rng("douyin", i)
    p = person(r)
    campaign_id, campaign, topic = CAMPAIGNS["douyin"][i % 3]
    t = TOPICS[topic]
    when = state.lead_time(i)
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


def push_body(state: SandboxState, i: int) -> dict[str, Any]:
    lead = lead_record(state, i)
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
        "create_time": int(state.lead_time(i).timestamp()),
        "external_url": lead["external_url"],
        "clue_source": 1,
        "flow_type": 1,
        "clue_type": 0,
    }


def signed_push(state: SandboxState, i: int, secret: str, delayed: bool) -> tuple[bytes, dict]:
    """Body and headers of one Feiyu push (`Signature`, `Timestamp`)."""
    data = push_body(state, i)
    raw = json.dumps(data, ensure_ascii=False).encode()
    ts = str(int(time.time()))
    digest = hashlib.sha256(f"{data['id']}|{secret}|{ts}".encode()).digest()
    return raw, {"Signature": base64.b64encode(digest).decode(), "Timestamp": ts}


def report_data(st: SandboxState, query: dict[str, str]) -> dict[str, Any]:
    """`report/custom/get` grouped by day and the level asked for: `cdp_promotion_id` (广告,
    what clues carry) or `cdp_project_id` (项目, a level above, other ids), paged with the
    account's page cap."""
    start = dt.date.fromisoformat(query["start_time"])
    end = dt.date.fromisoformat(query["end_time"])
    dims = json.loads(query.get("dimensions") or "[]")
    level = "project" if "cdp_project_id" in dims else "promotion"
    grouped: dict[tuple[str, str, str], list] = {}
    for d, cid, name, cost, imp, clk, conv in spend_rows("douyin", start, end):
        key_id, key_name = DOUYIN_PROJECTS[cid] if level == "project" else (cid, name)
        acc = grouped.setdefault((d.isoformat(), key_id, key_name), [Decimal(0), 0, 0, 0])
        for n, value in enumerate((cost, imp, clk, conv)):
            acc[n] += value
    rows = [
        {
            "dimensions": {
                "stat_time_day": day,
                f"cdp_{level}_id": key_id,
                f"cdp_{level}_name": key_name,
            },
            "metrics": {
                "stat_cost": str(cost),
                "show_cnt": str(imp),
                "click_cnt": clk,
                "convert_cnt": conv,
            },
        }
        for (day, key_id, key_name), (cost, imp, clk, conv) in grouped.items()
    ]
    page = int(query.get("page", 1))
    with st.lock:
        size = st.page_size(query.get("advertiser_id", ""), int(query.get("page_size", 1000)), 1000)
    return {
        "rows": rows[(page - 1) * size : page * size],
        "total_metrics": {},
        "page_info": {
            "page": page,
            "page_size": size,
            "total_number": len(rows),
            "total_page": max(1, -(-len(rows) // size)),
        },
    }


def conversion(h: Handler, query: dict[str, str], body: dict[str, Any]) -> None:
    """The conversion API look-alike (analytics.oceanengine.com `/api/v2/conversion`): no token,
    the callback names the click. Faults (`path` "conversion"): a 5xx, a 429 rate limit."""
    st = h.state
    with st.lock:
        fault = st.take_fault("/api/v2/conversion", None, query.get("sandbox_fault", ""))
        if not fault:
            st.postbacks.append({"platform": "douyin", "api": "conversion", **body})
    if fault == "server_error":
        return h.send(503, b"<html>503 Service Unavailable</html>")
    if fault == "rate_limit":
        return h.send(429, {"code": 40100, "message": "请求过于频繁"})
    callback = ((body.get("context") or {}).get("ad") or {}).get("callback")
    if not callback or not body.get("event_type"):
        return h.send(200, {"code": 40000, "message": "参数错误：缺少 callback 或 event_type"})
    return h.send(200, {"code": 0, "message": "成功"})


def handle(h: Handler, path: str, query: dict[str, str], body: dict[str, Any]) -> None:
    st = h.state
    ok = {"code": 0, "message": "OK", "request_id": f"sbx{time.time_ns()}"}
    if path.startswith("/open_api/oauth2/"):
        with st.lock:
            if path.endswith("refresh_token/") and not st.token_ok(body.get("refresh_token", "")):
                return h.send(200, {"code": 40103, "message": "refresh_token 无效"})
            access, refresh = st.new_pair("", body.get("refresh_token", ""))
        return h.send(
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
    if path == "/api/v2/conversion":
        return conversion(h, query, body)
    page = int(query.get("page", 1)) if "clue/get" in path else None
    with st.lock:
        fault = st.take_fault(path, page, query.get("sandbox_fault", ""))
        token = h.headers.get("Access-Token", "")
        if fault == "token_expired":
            st.revoked.add(token)
        token_ok = st.token_ok(token)
    if fault == "server_error":
        return h.send(502, b"<html>502 Bad Gateway</html>")
    if fault == "rate_limit":
        return h.send(200, {"code": 40100, "message": "请求过于频繁，请稍后再试"})
    if not token_ok:
        return h.send(200, {"code": 40102, "message": "access_token 已过期"})
    if path == "/open_api/2/tools/clue/get/":
        advertiser = (json.loads(query.get("advertiser_ids") or "[]") or [""])[0]
        start, end = parse_time(query["start_time"]), parse_time(query["end_time"])
        with st.lock:
            size = st.page_size(str(advertiser), int(query.get("page_size", 100)), 100)
            ids = st.window("douyin", start, end)
            total_pages = max(1, -(-len(ids) // size))
            chunk = ids[(page - 1) * size : page * size]
            if st.duplicate_across_pages and page > 1 and chunk:
                chunk = [ids[(page - 1) * size - 1], *chunk]
            records = []
            for i in chunk:
                lead = lead_record(st, i)
                if st.late_fields and lead["clue_id"] not in st.served:
                    for key in LATE:
                        lead.pop(key, None)
                st.served.add(lead["clue_id"])
                records.append(lead)
        return h.send(
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
        return h.send(200, {**ok, "data": report_data(st, query)})
    if path == "/open_api/2/tools/clue/life/callback/":
        with st.lock:
            st.postbacks.append({"platform": "douyin", **body})
        return h.send(200, {**ok, "data": {}})
    h.send(404, {"code": 40400, "message": "not found"})
