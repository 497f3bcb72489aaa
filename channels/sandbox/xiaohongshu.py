"""Juguang (聚光) look-alike: OAuth refresh, the offline campaign report, and signed
landing-page pushes to our webhook (Xiaohongshu has no lead pull API).

Facts: shared/channels/API_FACTS.md, "Xiaohongshu — 聚光 (Juguang) Marketing API". The
`X-Red-Signature` HMAC-SHA1 is computed here on its own (the other side of the wire).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any

from channels.sandbox.data import CAMPAIGNS, TOPICS, person, rng, spend_rows

if TYPE_CHECKING:
    from channels.sandbox.server import Handler
    from channels.sandbox.state import SandboxState

PATH_PREFIXES = ("/api/open/",)


def push_body(state: SandboxState, i: int) -> dict[str, Any]:
    r = rng("xiaohongshu", i)
    p = person(r)
    campaign_id, campaign, topic = CAMPAIGNS["xiaohongshu"][i % 3]
    t = TOPICS[topic]
    when = state.lead_time(i)
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


def signed_push(state: SandboxState, i: int, secret: str, delayed: bool) -> tuple[bytes, dict]:
    """Body and `X-Red-Signature` header of one Juguang push."""
    raw = json.dumps(push_body(state, i), ensure_ascii=False).encode()
    sig = hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()
    return raw, {"X-Red-Signature": f"sha1={sig}"}


def handle(h: Handler, path: str, query: dict[str, str], body: dict[str, Any]) -> None:
    st = h.state
    ok = {"code": 0, "success": True, "msg": "成功", "request_id": f"sbx{time.time_ns()}"}
    if path.startswith("/api/open/oauth2/"):
        with st.lock:
            if path.endswith("refresh_token") and not st.token_ok(body.get("refresh_token", "")):
                return h.send(200, {"code": 40103, "success": False, "msg": "refresh_token 无效"})
            access, refresh = st.new_pair("", body.get("refresh_token", ""))
        return h.send(
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
        token = h.headers.get("Access-Token", "")
        if fault == "token_expired":
            st.revoked.add(token)
        token_ok = st.token_ok(token)
    if fault == "server_error":
        return h.send(503, b"busy")
    if fault == "rate_limit":
        return h.send(200, {"code": 40100, "success": False, "msg": "限流"})
    if not token_ok:
        return h.send(200, {"code": 40102, "success": False, "msg": "token 过期"})
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
            for d, cid, name, cost, imp, clk, conv in spend_rows("xiaohongshu", start, end)
        ]
        page = int(body.get("page_num", 1))
        with st.lock:
            size = st.page_size(
                str(body.get("advertiser_id", "")), int(body.get("page_size", 500)), 500
            )
        chunk = rows[(page - 1) * size : page * size]
        return h.send(200, {**ok, "data": {"data_list": chunk, "total_count": len(rows)}})
    h.send(404, {"code": 404, "success": False, "msg": "not found"})
