"""WeCom (企业微信) look-alike: `gettoken`, `externalcontact/get`, contact ways, enterprise tags
(`get_corp_tag_list`, `add_corp_tag`, `mark_tag`), customer transfers (`transfer_customer`,
`transfer_result`), and real encrypted callbacks sent to our server (URL check and
customer-contact events, `transfer_fail` included).

It remembers the company's members (userids seen in contact ways and adds, or set with the
`members` control action) and which member holds which customer (an add makes the relation), so
it answers like WeCom where that matters: 60111 for an unknown userid, 84061 for a member who
does not hold that customer, 40068 for an unknown tag id, 40071 for a tag name already in its
group, and per customer 40128 (a third transfer in 90 days), 40129 (a transfer under way), 40130
(same member) and 40131 (the handover member does not hold the customer). Faults
(`/sandbox/control` `faults` with a `path` such as "mark_tag"): `rate_limit` answers errcode
45009, `server_error` HTTP 500.

Facts: shared/channels/WECOM_FACTS.md ("Access", "Callback events", "Callback encryption",
"Tags", "Reassigning customers").
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
        {
            "tokens": set(),
            "issued": 0,
            "expire_next": 0,
            "ways": {},
            "callback": None,
            "members": set(),  # userids of the company's members
            "relations": {},  # (member userid, external userid) → set of tag ids
            "tag_groups": [],  # as get_corp_tag_list answers them
            "tag_seq": 0,
            "marks": [],  # every mark_tag body accepted
            "transfers": [],  # {handover, takeover, external_userid, at, status, takeover_time}
        },
    )


TRANSFER_LIMIT = 2  # a customer at most twice in 90 days (WECOM_FACTS.md)
TRANSFER_WINDOW_SECONDS = 90 * 86400
TAKEOVER_SECONDS = 24 * 3600  # the new member takes over after 24 h


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
        fault = st.take_fault(path, None, query.get("sandbox_fault", ""))
    if fault == "server_error":
        return h.send(500, b"<html>500 Internal Server Error</html>")
    if fault == "rate_limit":
        return h.send(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    if path in API:
        with st.lock:
            answer = API[path](_world(st), body)
        return h.send(200, answer)
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
        _world(state)["members"].add(str(users[0]))
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
        _relate(world, way["user"], external)
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


# ---- customer-contact APIs answered from the world (called under `state.lock`) -------------


def _relate(world: dict[str, Any], userid: str, external_userid: str) -> None:
    """The customer added the member (an add event): WeCom now knows both."""
    world["members"].add(userid)
    world["relations"].setdefault((userid, external_userid), set())


def _err(code: int, message: str) -> dict[str, Any]:
    return {"errcode": code, "errmsg": message}


def _live_tags(world: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        tag["id"]: tag
        for group in world["tag_groups"]
        if not group.get("deleted")
        for tag in group["tag"]
        if not tag.get("deleted")
    }


def _new_id(world: dict[str, Any], prefix: str) -> str:
    world["tag_seq"] += 1
    return f"{prefix}{world['tag_seq']:04d}{os.urandom(6).hex()}"


def get_corp_tag_list(world: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Groups with their tags; `group_id` / `tag_id` filter (deleted ones are not listed)."""
    groups = set(body.get("group_id") or [])
    tags = set(body.get("tag_id") or [])
    answer = []
    for group in world["tag_groups"]:
        if group.get("deleted") or (groups and group["group_id"] not in groups):
            continue
        kept = [
            dict(t) for t in group["tag"] if not t.get("deleted") and (not tags or t["id"] in tags)
        ]
        if tags and not kept:
            continue
        answer.append({**{k: v for k, v in group.items() if k != "tag"}, "tag": kept})
    return {"errcode": 0, "errmsg": "ok", "tag_group": answer}


def add_corp_tag(world: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """New tags in a group: `group_id` names an existing group (unknown: 40068); otherwise
    `group_name` names it, and an existing group of that name receives the tags (as WeCom
    does). A name already in the group: 40071; longer than 30 characters: 40072. Answers the
    group with the tags just made."""
    wanted = body.get("tag") or []
    if not isinstance(wanted, list) or not wanted:
        return _err(40058, "tag is required")
    names = [str((t or {}).get("name") or "") for t in wanted]
    if any(not n or len(n) > 30 for n in names):
        return _err(40072, "invalid tag name length")
    live = [g for g in world["tag_groups"] if not g.get("deleted")]
    if body.get("group_id"):
        group = next((g for g in live if g["group_id"] == body["group_id"]), None)
        if group is None:
            return _err(40068, "invalid tagid")
    else:
        name = str(body.get("group_name") or "")
        if not name or len(name) > 30:
            return _err(40058, "group_id or group_name is required")
        group = next((g for g in live if g["group_name"] == name), None)
        if group is None:
            group = {
                "group_id": _new_id(world, "etGROUP"),
                "group_name": name,
                "create_time": int(time.time()),
                "order": int(body.get("order") or 0),
                "tag": [],
            }
            world["tag_groups"].append(group)
    existing = {t["name"] for t in group["tag"] if not t.get("deleted")}
    if existing & set(names) or len(set(names)) != len(names):
        return _err(40071, "UserTag Name Already Exist")
    made = []
    for tag, name in zip(wanted, names, strict=True):
        made.append(
            {
                "id": _new_id(world, "etTAG"),
                "name": name,
                "create_time": int(time.time()),
                "order": int((tag or {}).get("order") or 0),
            }
        )
    group["tag"].extend(made)
    head = {k: v for k, v in group.items() if k != "tag"}
    return {"errcode": 0, "errmsg": "ok", "tag_group": {**head, "tag": [dict(t) for t in made]}}


def mark_tag(world: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Tags on one member's customer. Both lists empty: 40058; an unknown member: 60111; a
    member who does not hold the customer: 84061; an unknown tag id: 40068. Removing a tag the
    customer does not carry is no error."""
    add, remove = list(body.get("add_tag") or []), list(body.get("remove_tag") or [])
    if not add and not remove:
        return _err(40058, "add_tag and remove_tag cannot both be empty")
    userid, external = str(body.get("userid") or ""), str(body.get("external_userid") or "")
    if userid not in world["members"]:
        return _err(60111, "userid not found")
    if (userid, external) not in world["relations"]:
        return _err(84061, "not external contact")
    live = _live_tags(world)
    if any(tag not in live for tag in add + remove):
        return _err(40068, "invalid tagid")
    tags = world["relations"][(userid, external)]
    tags.difference_update(remove)
    tags.update(add)
    world["marks"].append(
        {"userid": userid, "external_userid": external, "add_tag": add, "remove_tag": remove}
    )
    return {"errcode": 0, "errmsg": "ok"}


def _finish_due(world: dict[str, Any], now: float) -> None:
    """A waiting transfer completes by itself after 24 h (nobody refused)."""
    for transfer in world["transfers"]:
        if transfer["status"] == 2 and now - transfer["at"] >= TAKEOVER_SECONDS:
            _transfer_settle(world, transfer, 1, now)


def _transfer_settle(
    world: dict[str, Any], transfer: dict[str, Any], status: int, now: float
) -> None:
    transfer["status"] = status
    if status == 1:
        # The customer is the new member's now; that relationship starts without the old
        # one's tags (our stage tag is marked again on the next stage change).
        world["relations"].pop((transfer["handover"], transfer["external_userid"]), None)
        world["relations"][(transfer["takeover"], transfer["external_userid"])] = set()
        transfer["takeover_time"] = int(now)


def transfer_customer(world: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """在职继承: each customer answers its own errcode; accepted ones wait 24 h."""
    handover = str(body.get("handover_userid") or "")
    takeover = str(body.get("takeover_userid") or "")
    externals = body.get("external_userid") or []
    if not isinstance(externals, list) or not externals or len(externals) > 100:
        return _err(40058, "external_userid must list 1 to 100 customers")
    if handover not in world["members"] or takeover not in world["members"]:
        return _err(60111, "userid not found")
    now = time.time()
    _finish_due(world, now)
    customers = []
    for external in map(str, externals):
        past = [
            t
            for t in world["transfers"]
            if t["external_userid"] == external and now - t["at"] < TRANSFER_WINDOW_SECONDS
        ]
        if handover == takeover:
            code = 40130
        elif (handover, external) not in world["relations"]:
            code = 40131
        elif any(t["status"] == 2 for t in past):
            code = 40129
        elif len(past) >= TRANSFER_LIMIT:
            code = 40128
        else:
            code = 0
            world["transfers"].append(
                {
                    "handover": handover,
                    "takeover": takeover,
                    "external_userid": external,
                    "at": now,
                    "status": 2,
                    "takeover_time": 0,
                }
            )
        customers.append({"external_userid": external, "errcode": code})
    return {"errcode": 0, "errmsg": "ok", "customer": customers}


def transfer_result(world: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Status of the pair's transfers: 1 done, 2 waiting, 3 refused, 4 takeover at limit."""
    handover = str(body.get("handover_userid") or "")
    takeover = str(body.get("takeover_userid") or "")
    if handover not in world["members"] or takeover not in world["members"]:
        return _err(60111, "userid not found")
    _finish_due(world, time.time())
    customers = [
        {
            "external_userid": t["external_userid"],
            "status": t["status"],
            "takeover_time": t["takeover_time"],
        }
        for t in world["transfers"]
        if t["handover"] == handover and t["takeover"] == takeover
    ]
    return {"errcode": 0, "errmsg": "ok", "customer": customers, "next_cursor": ""}


API = {
    "/cgi-bin/externalcontact/get_corp_tag_list": get_corp_tag_list,
    "/cgi-bin/externalcontact/add_corp_tag": add_corp_tag,
    "/cgi-bin/externalcontact/mark_tag": mark_tag,
    "/cgi-bin/externalcontact/transfer_customer": transfer_customer,
    "/cgi-bin/externalcontact/transfer_result": transfer_result,
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
    extra: dict[str, str] | None = None,
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
    fields.update(extra or {})
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
    """POST /sandbox/wecom {"action": "add" | "delete" | "verify" | "configure" | "scan" |
    "ways" | "expire_token" | "members" | "relation" | "inspect" | "del_tag" |
    "transfer_finish", "target", "token", "aes_key", "corp_id", "userid", "userids",
    "external_userid", "state", "config_id", "tag_id", "status"}. `configure` keeps the
    callback (and checks it as WeCom does when the URL is saved); `scan` plays a patient
    scanning a contact code; `members` adds members to the company (the console's address
    book); `relation` makes a member hold a customer without a callback; `inspect` shows tag
    groups, each customer's tags and the transfers; `del_tag` deletes a tag as an admin in the
    console would; `transfer_finish` ends a waiting transfer with `status` 1 (taken over), 3
    (the customer refused) or 4 (the new member is at the limit), 3 and 4 sending the
    `transfer_fail` callback to the configured URL."""
    action = body.get("action", "add")
    if action in LOCAL_ACTIONS:
        return LOCAL_ACTIONS[action](state, body)
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
    userid = str(body.get("userid", "demo-assistant"))
    external = str(body.get("external_userid", "wmDemoPatient0001"))
    with state.lock:
        world = _world(state)
        if action == "add":
            _relate(world, userid, external)
        else:
            world["relations"].pop((userid, external), None)
    xml = event_xml(
        corp_id=creds["corp_id"],
        change_type=change,
        userid=userid,
        external_userid=external,
        state=str(body.get("state", "")),
    )
    response = send_event(xml=xml, **creds)
    return {"status": response.status_code, "answer": response.text[:200]}


def _members(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    with state.lock:
        _world(state)["members"].update(map(str, body.get("userids") or []))
        return {"ok": True, "members": sorted(_world(state)["members"])}


def _relation(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    with state.lock:
        _relate(_world(state), str(body["userid"]), str(body["external_userid"]))
    return {"ok": True}


def _inspect(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    with state.lock:
        world = _world(state)
        names = {tag_id: tag["name"] for tag_id, tag in _live_tags(world).items()}
        return {
            "tag_groups": get_corp_tag_list(world, {})["tag_group"],
            "customers": [
                {"userid": u, "external_userid": e, "tags": sorted(names.get(t, t) for t in tags)}
                for (u, e), tags in sorted(world["relations"].items())
            ],
            "marks": len(world["marks"]),
            "transfers": [dict(t) for t in world["transfers"]],
        }


def _del_tag(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    with state.lock:
        tag = _live_tags(_world(state)).get(str(body.get("tag_id", "")))
        if tag is None:
            return {"ok": False, "error": "no such tag"}
        tag["deleted"] = True
    return {"ok": True}


FAIL_REASONS = {3: "customer_refused", 4: "customer_limit_exceed"}


def _transfer_finish(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    status = int(body.get("status", 1))
    external = str(body.get("external_userid", ""))
    if status not in (1, 3, 4):
        return {"ok": False, "error": "status must be 1, 3 or 4"}
    with state.lock:
        world = _world(state)
        transfer = next(
            (
                t
                for t in world["transfers"]
                if t["external_userid"] == external and t["status"] == 2
            ),
            None,
        )
        if transfer is None:
            return {"ok": False, "error": "no waiting transfer for this customer"}
        _transfer_settle(world, transfer, status, time.time())
        callback = world["callback"]
    if status == 1 or callback is None:
        return {"ok": True, "callback": None}
    xml = event_xml(
        corp_id=callback["corp_id"],
        change_type="transfer_fail",
        userid=transfer["takeover"],
        external_userid=external,
        extra={"FailReason": FAIL_REASONS[status]},
    )
    response = send_event(xml=xml, **callback)
    return {"ok": True, "callback": response.status_code}


LOCAL_ACTIONS = {
    "members": _members,
    "relation": _relation,
    "inspect": _inspect,
    "del_tag": _del_tag,
    "transfer_finish": _transfer_finish,
}


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
