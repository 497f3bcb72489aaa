"""百度营销 look-alike: OAuth refresh, `getNoticeList` (per solution type), `getReportData`,
OCPC `uploadConvertData`, and pushes (token in the body) to our webhook.

Facts: shared/channels/API_FACTS.md, "Baidu — 百度营销". The push's body token is set here on
its own (the other side of the wire).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from channels.sandbox.data import CAMPAIGNS, PREFIXES, TOPICS, parse_time, person, rng, spend_rows

if TYPE_CHECKING:
    from channels.sandbox.server import Handler
    from channels.sandbox.state import SandboxState

PATH_PREFIXES = ("/json/", "/oauth/", "/ocpcapi/")
BAIDU_TYPES = ["form", "phone", "consult"]


def lead_record(state: SandboxState, i: int) -> dict[str, Any]:
    r = rng("baidu", i)
    p = person(r)
    campaign_id, campaign, topic = CAMPAIGNS["baidu"][i % 4]
    t = TOPICS[topic]
    when = state.lead_time(i)
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


def push_body(state: SandboxState, i: int, token: str, delayed: bool = False) -> dict[str, Any]:
    lead = lead_record(state, i)
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


def signed_push(state: SandboxState, i: int, secret: str, delayed: bool) -> tuple[bytes, dict]:
    """Body of one Baidu push: authenticated by the `token` inside it, no header."""
    return json.dumps(push_body(state, i, secret, delayed), ensure_ascii=False).encode(), {}


def handle(h: Handler, path: str, query: dict[str, str], body: dict[str, Any]) -> None:
    st = h.state
    if path == "/oauth/refreshToken":
        with st.lock:
            if not st.token_ok(body.get("refreshToken", "")):
                return h.send(200, {"code": 40001, "message": "refreshToken 无效"})
            access, refresh = st.new_pair("", body.get("refreshToken", ""))
        return h.send(
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
        # Faults (`path` "uploadConvertData"): a 5xx, a rate limit (HTTP 429), or status 4.
        with st.lock:
            fault = st.take_fault(path, None, query.get("sandbox_fault", ""))
            if not fault:
                st.postbacks.append({"platform": "baidu", **body})
        if fault == "server_error":
            return h.send(500, b"internal error")
        if fault == "rate_limit":
            return h.send(429, {"header": {"status": 4, "desc": "too many requests"}})
        if fault == "retry_later":
            return h.send(200, {"header": {"status": 4, "desc": "retry later"}})
        return h.send(200, {"header": {"status": 0, "desc": "success"}})
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
        h.send(
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
        return h.send(500, b"internal error")
    if fault == "rate_limit":
        return fail(8904, "配额不足，请稍后重试", rquota=0)
    if not token_ok:
        return fail(8206, "accessToken 已失效")
    head = {"desc": "success", "status": 0, "quota": 2, "rquota": 49998, "failures": []}
    if path == "/json/sms/service/LeadsNoticeService/getNoticeList":
        start, end = parse_time(req["startDate"]), parse_time(req["endDate"])
        with st.lock:
            size = st.page_size(header_in.get("userName", ""), int(req.get("pageSize", 1000)), 5000)
            ids = st.window("baidu", start, end, req.get("solutionType", ""))
            chunk = ids[(page - 1) * size : page * size]
            if st.duplicate_across_pages and page > 1 and chunk:
                chunk = [ids[(page - 1) * size - 1], *chunk]
            records = [lead_record(st, i) for i in chunk]
        return h.send(
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
            for d, cid, name, cost, imp, clk, _conv in spend_rows("baidu", start, end)
        ]
        first = int(req.get("startRow", 0))
        with st.lock:
            count = st.page_size(
                header_in.get("userName", ""), int(req.get("rowCount", 1000)), 10000
            )
        return h.send(
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
