"""WeCom (企业微信) look-alike: `gettoken`, `externalcontact/get`, and real encrypted callbacks
sent to our server (URL check and customer-contact events).

Facts: shared/channels/WECOM_FACTS.md ("Access", "Callback events", "Callback encryption").
The WXBizMsgCrypt encryption and signature are written here on their own, from the published
algorithm (the other side of the wire: never our `channels.wecom.crypto`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import os
import struct
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

if TYPE_CHECKING:
    from channels.sandbox.server import Handler
    from channels.sandbox.state import SandboxState

PATH_PREFIXES = ("/cgi-bin/",)
TOKEN_LIFETIME = 7200
_nonce = itertools.count(1)


def _world(state: SandboxState) -> dict[str, Any]:
    """The WeCom part of the sandbox's memory (issued tokens, calls), under `state.lock`."""
    return state.__dict__.setdefault(
        "wecom",
        {"tokens": set(), "issued": 0, "expire_next": 0, "ways": {}, "callback": None},
    )


def handle(h: Handler, path: str, query: dict[str, str], body: dict[str, Any]) -> None:
    st = h.state
    with st.lock:
        world = _world(st)
        if path == "/cgi-bin/gettoken":
            if not query.get("corpid") or not query.get("corpsecret"):
                return h.send(200, {"errcode": 40013, "errmsg": "invalid corpid"})
            world["issued"] += 1
            token = f"wecom-tok-{world['issued']}"
            world["tokens"].add(token)
            return h.send(
                200,
                {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": TOKEN_LIFETIME},
            )
        token = query.get("access_token", "")
        if world["expire_next"] > 0 and token in world["tokens"]:
            # Fault: this token dies now (a token expiring mid-run).
            world["expire_next"] -= 1
            world["tokens"].discard(token)
        if token not in world["tokens"]:
            return h.send(200, {"errcode": 42001, "errmsg": "access_token expired"})
    if path == "/cgi-bin/externalcontact/add_contact_way":
        return h.send(200, add_contact_way(st, body, host=h.headers.get("Host", "127.0.0.1")))
    if path == "/cgi-bin/externalcontact/del_contact_way":
        with st.lock:
            gone = _world(st)["ways"].pop(str(body.get("config_id", "")), None)
        if gone is None:
            return h.send(200, {"errcode": 41044, "errmsg": "invalid config_id"})
        return h.send(200, {"errcode": 0, "errmsg": "ok"})
    if path == "/cgi-bin/externalcontact/get":
        ext = query.get("external_userid", "")
        return h.send(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "external_contact": {"external_userid": ext, "name": "患者", "type": 1},
                "follow_user": [],
            },
        )
    h.send(200, {"errcode": 60011, "errmsg": "no privilege to access/modify contact/party/agent"})


def add_contact_way(state: SandboxState, body: dict[str, Any], *, host: str) -> dict[str, Any]:
    """`add_contact_way` as WECOM_FACTS.md gives it: type 1 takes exactly one user, `state` at
    most 30 characters, scene 2 answers a QR image URL (served by this sandbox)."""
    users = body.get("user") or []
    state_value = str(body.get("state") or "")
    if body.get("type") not in (1, 2) or body.get("scene") not in (1, 2):
        return {"errcode": 40058, "errmsg": "invalid type or scene"}
    if not isinstance(users, list) or not users or (body["type"] == 1 and len(users) != 1):
        return {"errcode": 40058, "errmsg": "type 1 needs exactly one user"}
    if len(state_value) > 30:
        return {"errcode": 40058, "errmsg": "state exceeds 30 characters"}
    with state.lock:
        ways = _world(state)["ways"]
        config_id = f"cw{len(ways) + 1:06d}{os.urandom(4).hex()}"
        ways[config_id] = {
            "user": str(users[0]),
            "state": state_value,
            "is_temp": bool(body.get("is_temp")),
            "scans": 0,
        }
        _world(state)["last_way"] = config_id
    answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok", "config_id": config_id}
    if body["scene"] == 2:
        answer["qr_code"] = f"http://{host}/sandbox/wecom/qr/{config_id}.svg"
    return answer


def scan(state: SandboxState, config_id: str, external_userid: str = "") -> dict[str, Any]:
    """A patient scans a contact code: WeCom sends `add_external_contact` with the code's member
    and state to the callback configured (`configure`). A temporary code works once."""
    with state.lock:
        world = _world(state)
        if config_id == "latest":
            config_id = world.get("last_way", "")
        way = world["ways"].get(config_id)
        callback = world["callback"]
        if way is None:
            return {"ok": False, "error": "no such contact way"}
        if callback is None:
            return {"ok": False, "error": "no callback configured (action: configure)"}
        if way["is_temp"] and way["scans"]:
            return {"ok": False, "error": "temporary code already used"}
        way["scans"] += 1
        external = external_userid or f"wmSandbox{config_id[2:8]}{way['scans']:04d}"
    xml = event_xml(
        corp_id=callback["corp_id"],
        change_type="add_external_contact",
        userid=way["user"],
        external_userid=external,
        state=way["state"],
    )
    response = send_event(xml=xml, **callback)
    return {
        "ok": response.status_code == 200,
        "status": response.status_code,
        "config_id": config_id,
        "member": way["user"],
    }


def _seal(plain: str, aes_key: str, receive_id: str) -> str:
    key = base64.b64decode(aes_key + "=")
    msg = plain.encode("utf-8")
    data = os.urandom(16) + struct.pack("!I", len(msg)) + msg + receive_id.encode("utf-8")
    pad = 32 - len(data) % 32
    data += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize()).decode("ascii")


def _sign(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324


def event_xml(
    *,
    corp_id: str,
    change_type: str,
    userid: str,
    external_userid: str,
    state: str = "",
    create_time: int | None = None,
) -> str:
    fields = {
        "ToUserName": corp_id,
        "FromUserName": "sys",
        "CreateTime": str(create_time or int(time.time())),
        "MsgType": "event",
        "Event": "change_external_contact",
        "ChangeType": change_type,
        "UserID": userid,
        "ExternalUserID": external_userid,
    }
    if change_type == "add_external_contact":
        fields["State"] = state
        fields["WelcomeCode"] = base64.urlsafe_b64encode(os.urandom(12)).decode()
    return "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>"


def signed_callback(
    *, target: str, token: str, aes_key: str, corp_id: str, xml: str, agent_id: str = "1000002"
) -> tuple[str, bytes, dict[str, str]]:
    """One encrypted event as WeCom POSTs it: (URL with signature query, body, headers)."""
    ts, nonce = str(int(time.time())), str(next(_nonce))
    encrypted = _seal(xml, aes_key, corp_id)
    body = (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><AgentID><![CDATA[{agent_id}]]>"
        f"</AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    query = urlencode(
        {"msg_signature": _sign(token, ts, nonce, encrypted), "timestamp": ts, "nonce": nonce}
    )
    return f"{target}?{query}", body.encode("utf-8"), {"Content-Type": "text/xml"}


def send_event(
    *, target: str, token: str, aes_key: str, corp_id: str, xml: str, agent_id: str = "1000002"
) -> requests.Response:
    """POST one encrypted event to our callback URL, as WeCom does."""
    url, body, headers = signed_callback(
        target=target, token=token, aes_key=aes_key, corp_id=corp_id, xml=xml, agent_id=agent_id
    )
    return requests.post(url, data=body, headers=headers, timeout=10)


def verify_url(*, target: str, token: str, aes_key: str, corp_id: str) -> tuple[bool, str]:
    """The URL check WeCom makes when the admin saves the callback URL: (passed, answer)."""
    echo = str(int.from_bytes(os.urandom(8), "big"))
    ts, nonce = str(int(time.time())), str(next(_nonce))
    encrypted = _seal(echo, aes_key, corp_id)
    query = urlencode(
        {
            "msg_signature": _sign(token, ts, nonce, encrypted),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": encrypted,
        }
    )
    response = requests.get(f"{target}?{query}", timeout=10)
    return response.status_code == 200 and response.text == echo, response.text


def control(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    """POST /sandbox/wecom {"action": "add" | "delete" | "verify" | "configure" | "scan" |
    "ways" | "expire_token", "target", "token", "aes_key", "corp_id", "userid",
    "external_userid", "state", "config_id"}. `configure` keeps the callback (and checks it as
    WeCom does when the URL is saved); `scan` plays a patient scanning a contact code."""
    action = body.get("action", "add")
    if action == "scan":
        return scan(
            state, str(body.get("config_id", "latest")), str(body.get("external_userid", ""))
        )
    if action == "ways":
        with state.lock:
            return {"ways": dict(_world(state)["ways"])}
    if action == "expire_token":
        with state.lock:
            _world(state)["expire_next"] += int(body.get("times", 1))
        return {"ok": True}
    creds = {k: str(body[k]) for k in ("target", "token", "aes_key", "corp_id")}
    if action == "configure":
        # What the clinic's IT person types into the WeCom console: URL, Token, EncodingAESKey.
        with state.lock:
            _world(state)["callback"] = creds
        ok, answer = verify_url(**creds)
        return {"ok": ok, "answer": answer[:200]}
    if action == "verify":
        ok, answer = verify_url(**creds)
        return {"ok": ok, "answer": answer[:200]}
    change = {"add": "add_external_contact", "delete": "del_follow_user"}[action]
    xml = event_xml(
        corp_id=creds["corp_id"],
        change_type=change,
        userid=str(body.get("userid", "demo-assistant")),
        external_userid=str(body.get("external_userid", "wmDemoPatient0001")),
        state=str(body.get("state", "")),
    )
    response = send_event(xml=xml, **creds)
    return {"status": response.status_code, "answer": response.text[:200]}


def qr_svg(host: str, path: str) -> bytes:
    """The contact code's image: a QR whose content is this sandbox's scan page (on a phone,
    scanning it plays the patient's add; on a desktop, the demo opens the page)."""
    import segno

    config_id = path.rsplit("/", 1)[-1].removesuffix(".svg")
    buffer = io.BytesIO()
    segno.make(f"http://{host}/sandbox/wecom/scan/{config_id}", error="m").save(
        buffer, kind="svg", scale=6, border=2
    )
    return buffer.getvalue()


def scan_page(result: dict[str, Any]) -> bytes:
    if result.get("ok"):
        text = (
            f"已模拟患者添加企业微信成员 {html.escape(result['member'])}（{result['config_id']}）"
        )
    else:
        text = f"未能模拟添加：{html.escape(str(result.get('error') or result.get('status')))}"
    return (
        f'<!doctype html><meta charset="utf-8"><title>企业微信沙箱</title><p>{text}</p>'
    ).encode()
