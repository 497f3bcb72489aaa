"""WeCom (企业微信) look-alike: `gettoken`, `externalcontact/get`, contact ways,
`send_welcome_msg`, and real encrypted callbacks sent to our server (URL check and
customer-contact events).

Facts: shared/channels/WECOM_FACTS.md ("Access", "Callback events", "Callback encryption",
"Welcome message").
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
# A welcome code works once, within 20 s of the add event that carried it (WECOM_FACTS.md).
WELCOME_CODE_SECONDS = 20
WELCOME_MAX_BYTES = 4000
ERR_WELCOME_USED = 41051  # "externaluser has started chatting": the code was used already [C]
ERR_WELCOME_INVALID = 41052  # an unknown or expired code ("invalid send time") [U]
ERR_TEXT_EMPTY = 44004  # empty text content [S]
ERR_TEXT_TOO_LONG = 45002  # content over the size limit [S]
_nonce = itertools.count(1)


def _world(state: SandboxState) -> dict[str, Any]:
    """The WeCom part of the sandbox's memory (issued tokens, calls), under `state.lock`."""
    return state.__dict__.setdefault(
        "wecom",
        {
            "tokens": set(),
            "issued": 0,
            "expire_next": 0,
            "ways": {},
            "callback": None,
            "welcome_codes": {},  # code → {"at", "used", "userid", "external_userid"}
            "welcomes": [],  # the messages accepted, in order
        },
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
    if path == "/cgi-bin/externalcontact/send_welcome_msg":
        return h.send(200, send_welcome_msg(st, body))
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


def welcome_code_issue(
    state: SandboxState, *, userid: str, external_userid: str, fault: str = ""
) -> str:
    """A fresh WelcomeCode for an add event about to be sent. Faults (for tests and demos):
    `welcome_used` — another app already used it (41051); `welcome_expired` — it was issued
    more than 20 s ago by the time anyone sends with it."""
    code = base64.urlsafe_b64encode(os.urandom(12)).decode()
    issued = time.time() - (WELCOME_CODE_SECONDS + 1 if fault == "welcome_expired" else 0)
    with state.lock:
        _world(state)["welcome_codes"][code] = {
            "at": issued,
            "used": fault == "welcome_used",
            "userid": userid,
            "external_userid": external_userid,
        }
    return code


def send_welcome_msg(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    """`externalcontact/send_welcome_msg {welcome_code, text: {content}, attachments}`: only a
    code from an add event this sandbox sent in the last 20 s, once; text or attachments."""
    code = str(body.get("welcome_code") or "")
    text = body.get("text") if isinstance(body.get("text"), dict) else {}
    content = str(text.get("content") or "")
    attachments = body.get("attachments") or []
    if not content and not attachments:
        return {"errcode": ERR_TEXT_EMPTY, "errmsg": "empty content"}
    if len(content.encode("utf-8")) > WELCOME_MAX_BYTES:
        return {"errcode": ERR_TEXT_TOO_LONG, "errmsg": "content size out of limit"}
    with state.lock:
        world = _world(state)
        issued = world["welcome_codes"].get(code)
        if issued is None or time.time() - issued["at"] > WELCOME_CODE_SECONDS:
            return {"errcode": ERR_WELCOME_INVALID, "errmsg": "invalid welcome_code or send time"}
        if issued["used"]:
            return {"errcode": ERR_WELCOME_USED, "errmsg": "externaluser has started chatting"}
        issued["used"] = True
        world["welcomes"].append(
            {
                "userid": issued["userid"],
                "external_userid": issued["external_userid"],
                "content": content,
                "attachments": attachments,
                "at": time.time(),
            }
        )
    return {"errcode": 0, "errmsg": "ok"}


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
        welcome_code=welcome_code_issue(state, userid=way["user"], external_userid=external),
    )
    response = send_event(xml=xml, **callback)
    with state.lock:
        # Embedded (no worker), our server sends the welcome before it answers the callback.
        welcome = next(
            (w for w in _world(state)["welcomes"] if w["external_userid"] == external), None
        )
    return {
        "ok": response.status_code == 200,
        "status": response.status_code,
        "config_id": config_id,
        "member": way["user"],
        "welcome": welcome["content"] if welcome else "",
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


ADD_CHANGES = ("add_external_contact", "add_half_external_contact")
# control actions → the change they send (WECOM_FACTS.md, "Callback events")
CONTACT_ACTIONS = {
    "add": "add_external_contact",
    "add_half": "add_half_external_contact",
    "delete": "del_follow_user",  # the patient deleted the member
    "remove": "del_external_contact",  # the member deleted the patient
    "edit": "edit_external_contact",
}


def event_xml(
    *,
    corp_id: str,
    change_type: str,
    userid: str,
    external_userid: str,
    state: str = "",
    create_time: int | None = None,
    welcome_code: str = "",
) -> str:
    """One `change_external_contact` event as WeCom writes it. Adds (full and half) carry the
    state and, when given, a WelcomeCode (`welcome_code_issue` makes one this sandbox will
    accept); the other changes carry neither."""
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
    if change_type in ADD_CHANGES:
        fields["State"] = state
        if welcome_code:
            fields["WelcomeCode"] = welcome_code
    return "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>"


def send_event(
    *, target: str, token: str, aes_key: str, corp_id: str, xml: str, agent_id: str = "1000002"
) -> requests.Response:
    """POST one encrypted event to our callback URL, as WeCom does."""
    ts, nonce = str(int(time.time())), str(next(_nonce))
    encrypted = _seal(xml, aes_key, corp_id)
    body = (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><AgentID><![CDATA[{agent_id}]]>"
        f"</AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    query = urlencode(
        {"msg_signature": _sign(token, ts, nonce, encrypted), "timestamp": ts, "nonce": nonce}
    )
    return requests.post(
        f"{target}?{query}",
        data=body.encode("utf-8"),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )


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
    """POST /sandbox/wecom {"action": …, "target", "token", "aes_key", "corp_id", "userid",
    "external_userid", "state", "config_id", "create_time", "fault"}.

    - `configure` keeps the callback (and checks it as WeCom does when the URL is saved);
      `verify` only checks it.
    - `add` | `add_half` | `delete` (del_follow_user) | `remove` (del_external_contact) |
      `edit`: send that customer-contact event now; `create_time` (Unix seconds) backdates it
      (out-of-order plays); adds carry a fresh WelcomeCode, with `fault` `welcome_used` or
      `welcome_expired` to have `send_welcome_msg` refuse it.
    - `scan` plays a patient scanning a contact code; `ways` lists the codes made;
      `welcomes` lists the welcome messages accepted; `expire_token` kills the next token."""
    action = body.get("action", "add")
    if action == "scan":
        return scan(
            state, str(body.get("config_id", "latest")), str(body.get("external_userid", ""))
        )
    if action == "ways":
        with state.lock:
            return {"ways": dict(_world(state)["ways"])}
    if action == "welcomes":
        with state.lock:
            return {"welcomes": list(_world(state)["welcomes"])}
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
    if action not in CONTACT_ACTIONS:
        return {"ok": False, "error": f"unknown action {action!r}"}
    change = CONTACT_ACTIONS[action]
    userid = str(body.get("userid", "demo-assistant"))
    external = str(body.get("external_userid", "wmDemoPatient0001"))
    code = ""
    if change in ADD_CHANGES:
        code = welcome_code_issue(
            state, userid=userid, external_userid=external, fault=str(body.get("fault", ""))
        )
    created = body.get("create_time")
    xml = event_xml(
        corp_id=creds["corp_id"],
        change_type=change,
        userid=userid,
        external_userid=external,
        state=str(body.get("state", "")),
        create_time=int(created) if created else None,
        welcome_code=code,
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
        if result.get("welcome"):
            body = html.escape(result["welcome"]).replace("\n", "<br>")
            text += f"</p><p>患者收到的欢迎语：</p><blockquote>{body}</blockquote><p>"
        else:
            text += "</p><p>欢迎语尚未送达（有后台任务时稍后送达；见后台「欢迎语记录」）"
    else:
        text = f"未能模拟添加：{html.escape(str(result.get('error') or result.get('status')))}"
    return (
        f'<!doctype html><meta charset="utf-8"><title>企业微信沙箱</title><p>{text}</p>'
    ).encode()
