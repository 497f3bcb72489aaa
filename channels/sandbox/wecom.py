"""WeCom (企业微信) look-alike: `gettoken`, `externalcontact/get`, contact ways,
`send_welcome_msg`, group join ways (`groupchat/add_join_way`, `get_join_way`), customer groups
(`groupchat/get`), member behaviour data (`get_user_behavior_data`, deterministic generated
figures), enterprise tags (`get_corp_tag_list`, `add_corp_tag`, `mark_tag`), customer transfers
(`transfer_customer`, `transfer_result`), and real encrypted callbacks sent to our server (URL
check, customer-contact events with `transfer_fail`, and customer-group events).

For tags and transfers it remembers the company's members (userids seen in contact ways and
adds, or set with the `members` control action) and which member holds which customer (an add
makes the relation), so it answers like WeCom where that matters: 60111 for an unknown userid,
84061 for a member who does not hold that customer, 40068 for an unknown tag id, 40071 for a tag
name already in its group, and per customer 40128 (a third transfer in 90 days), 40129 (a
transfer under way), 40130 (same member) and 40131 (the handover member does not hold the
customer). Faults (`/sandbox/control` `faults` with a `path` such as "mark_tag"): `rate_limit`
answers errcode 45009, `server_error` HTTP 500.

Facts: shared/channels/WECOM_FACTS.md ("Access", "Callback events", "Callback encryption",
"Welcome message", "Tags", "Reassigning customers").
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
            "join_ways": {},
            "chats": {},
            "room_limit": 200,
            "members": set(),  # userids of the company's members
            "relations": {},  # (member userid, external userid) → set of tag ids
            "tag_groups": [],  # as get_corp_tag_list answers them
            "tag_seq": 0,
            "marks": [],  # every mark_tag body accepted
            "transfers": [],  # {handover, takeover, external_userid, at, status, takeover_time}
            "links": {},  # 获客链接: link_id → {"user", "url"}
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
    if path == "/cgi-bin/externalcontact/customer_acquisition/create_link":
        return h.send(200, create_link(st, body, host=h.headers.get("Host", "127.0.0.1")))
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
    if path == "/cgi-bin/externalcontact/groupchat/add_join_way":
        return h.send(200, add_join_way(st, body, host=h.headers.get("Host", "127.0.0.1")))
    if path == "/cgi-bin/externalcontact/groupchat/get_join_way":
        return h.send(200, get_join_way(st, str(body.get("config_id", ""))))
    if path == "/cgi-bin/externalcontact/groupchat/get":
        return h.send(200, groupchat_get(st, str(body.get("chat_id", ""))))
    if path == "/cgi-bin/externalcontact/get_user_behavior_data":
        return h.send(200, user_behavior_data(body))
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


def add_join_way(state: SandboxState, body: dict[str, Any], *, host: str) -> dict[str, Any]:
    """`groupchat/add_join_way` as WECOM_FACTS.md gives it: scene 1 or 2, `chat_id_list` of 1–5
    existing groups, `state` ≤ 30, `room_base_name` ≤ 40, `auto_create_room` default 1."""
    chats = body.get("chat_id_list") or []
    state_value = str(body.get("state") or "")
    if body.get("scene") not in (1, 2):
        return {"errcode": 40058, "errmsg": "invalid scene"}
    if not isinstance(chats, list) or not 1 <= len(chats) <= 5:
        return {"errcode": 40058, "errmsg": "chat_id_list needs 1 to 5 chats"}
    if len(state_value) > 30 or len(str(body.get("room_base_name") or "")) > 40:
        return {"errcode": 40058, "errmsg": "state or room_base_name too long"}
    with state.lock:
        world = _world(state)
        for chat_id in chats:
            world["chats"].setdefault(
                str(chat_id), {"members": [], "create_time": int(time.time())}
            )
        config_id = f"jw{len(world['join_ways']) + 1:06d}{os.urandom(4).hex()}"
        world["join_ways"][config_id] = {
            "config_id": config_id,
            "scene": body["scene"],
            "remark": str(body.get("remark") or ""),
            "auto_create_room": int(body.get("auto_create_room", 1)),
            "room_base_name": str(body.get("room_base_name") or ""),
            "room_base_id": int(body.get("room_base_id") or 1),
            "chat_id_list": [str(c) for c in chats],
            "state": state_value,
            "qr_code": f"http://{host}/sandbox/wecom/qr/{config_id}.svg",
        }
        world["last_join_way"] = config_id
    return {"errcode": 0, "errmsg": "ok", "config_id": config_id}


def get_join_way(state: SandboxState, config_id: str) -> dict[str, Any]:
    with state.lock:
        way = _world(state)["join_ways"].get(config_id)
        if way is None:
            return {"errcode": 41044, "errmsg": "invalid config_id"}
        return {
            "errcode": 0,
            "errmsg": "ok",
            "join_way": {**way, "chat_id_list": list(way["chat_id_list"])},
        }


def groupchat_get(state: SandboxState, chat_id: str) -> dict[str, Any]:
    with state.lock:
        chat = _world(state)["chats"].get(chat_id)
        if chat is None:
            return {"errcode": 40050, "errmsg": "chat not exists"}
        members = [dict(m) for m in chat["members"]]
        created = chat["create_time"]
    return {
        "errcode": 0,
        "errmsg": "ok",
        "group_chat": {
            "chat_id": chat_id,
            "name": chat_id,
            "owner": "demo-assistant",
            "create_time": created,
            "member_list": members,
            "admin_list": [],
        },
    }


def behavior_day(userid: str, stat_time: int) -> dict[str, Any]:
    """One member's generated figures for the day starting at `stat_time` (same input, same
    figures, so tests and the demo can check them)."""
    digest = hashlib.sha256(f"{userid}|{stat_time}".encode()).digest()
    chats = digest[0] % 40
    entry: dict[str, Any] = {
        "stat_time": stat_time,
        "new_apply_cnt": digest[1] % 6,
        "new_contact_cnt": digest[2] % 12,
        "chat_cnt": chats,
        "message_cnt": chats * 3 + digest[3] % 10,
        "negative_feedback_cnt": digest[4] % 3,
    }
    if chats:
        entry["reply_percentage"] = round(60 + (digest[5] % 401) / 10, 1)
        entry["avg_reply_time"] = 1 + digest[6] % 30
    return entry


def user_behavior_data(body: dict[str, Any]) -> dict[str, Any]:
    """`get_user_behavior_data`: one entry per day from start_time to end_time (span ≤ 30 days),
    the figures of all the userids asked summed, as WeCom does."""
    users = body.get("userid") or []
    start, end = int(body.get("start_time") or 0), int(body.get("end_time") or 0)
    if not isinstance(users, list) or not users:
        return {"errcode": 40058, "errmsg": "userid and partyid cannot both be empty"}
    if start <= 0 or end < start or end - start > 30 * 86400:
        return {"errcode": 40058, "errmsg": "invalid time range (at most 30 days)"}
    days = []
    for stat_time in range(start, end + 1, 86400):
        total: dict[str, Any] = {"stat_time": stat_time}
        figures = [behavior_day(str(u), stat_time) for u in users]
        for name in ("new_apply_cnt", "new_contact_cnt", "chat_cnt", "message_cnt"):
            total[name] = sum(f[name] for f in figures)
        total["negative_feedback_cnt"] = sum(f["negative_feedback_cnt"] for f in figures)
        replied = [f for f in figures if "reply_percentage" in f]
        if replied:
            total["reply_percentage"] = round(
                sum(f["reply_percentage"] for f in replied) / len(replied), 1
            )
            total["avg_reply_time"] = round(
                sum(f["avg_reply_time"] for f in replied) / len(replied)
            )
        days.append(total)
    return {"errcode": 0, "errmsg": "ok", "behavior_data": days}


def group_join(
    state: SandboxState, config_id: str, external_userid: str = "", create_time: int | None = None
) -> dict[str, Any]:
    """A customer scans a group join code: they land in the code's last chat (a new chat when
    it is full and the code auto-creates rooms), with the code's `state`, and WeCom sends
    `change_external_chat` update/add_member to the callback configured."""
    with state.lock:
        world = _world(state)
        if config_id == "latest":
            config_id = world.get("last_join_way", "")
        way = world["join_ways"].get(config_id)
        callback = world["callback"]
        if way is None:
            return {"ok": False, "error": "no such join way"}
        if callback is None:
            return {"ok": False, "error": "no callback configured (action: configure)"}
        chat_id = way["chat_id_list"][-1]
        customers = [m for m in world["chats"][chat_id]["members"] if m["type"] == 2]
        if len(customers) >= world["room_limit"]:
            if not way["auto_create_room"] or len(way["chat_id_list"]) >= 5:
                return {"ok": False, "error": "group full"}
            chat_id = f"wrSandbox{config_id[2:8]}r{way['room_base_id'] + len(way['chat_id_list'])}"
            world["chats"][chat_id] = {"members": [], "create_time": int(time.time())}
            way["chat_id_list"].append(chat_id)
        chat = world["chats"][chat_id]
        external = external_userid or f"wmSandboxG{config_id[2:8]}{len(chat['members']) + 1:04d}"
        if any(m["userid"] == external for m in chat["members"]):
            return {"ok": False, "error": "already in the chat"}
        at = create_time or int(time.time())
        chat["members"].append(
            {
                "userid": external,
                "type": 2,
                "join_time": at,
                "join_scene": 3,
                "invitor": {"userid": ""},
                "group_nickname": "",
                "name": "患者",
                "state": way["state"],
            }
        )
    xml = chat_event_xml(
        corp_id=callback["corp_id"],
        chat_id=chat_id,
        update_detail="add_member",
        create_time=at,
        join_scene=3,
    )
    response = send_event(xml=xml, **callback)
    return {"ok": response.status_code == 200, "status": response.status_code, "chat_id": chat_id}


def group_quit(
    state: SandboxState, chat_id: str, external_userid: str, create_time: int | None = None
) -> dict[str, Any]:
    """A customer leaves a chat (QuitScene 0: by themselves): `update`/`del_member` is sent."""
    with state.lock:
        world = _world(state)
        chat = world["chats"].get(chat_id)
        callback = world["callback"]
        if chat is None or callback is None:
            return {"ok": False, "error": "no such chat or no callback configured"}
        before = len(chat["members"])
        chat["members"] = [m for m in chat["members"] if m["userid"] != external_userid]
        if len(chat["members"]) == before:
            return {"ok": False, "error": "not in the chat"}
    xml = chat_event_xml(
        corp_id=callback["corp_id"],
        chat_id=chat_id,
        update_detail="del_member",
        create_time=create_time,
        quit_scene=0,
    )
    response = send_event(xml=xml, **callback)
    return {"ok": response.status_code == 200, "status": response.status_code, "chat_id": chat_id}


def create_link(state: SandboxState, body: dict[str, Any], *, host: str) -> dict[str, Any]:
    """`customer_acquisition/create_link` (WECOM_FACTS.md, "获客链接"): `range.user_list` of
    the company's members; answers `link` with its id and URL (served by this sandbox)."""
    scope = body.get("range")
    users = scope.get("user_list") if isinstance(scope, dict) else None
    if not isinstance(users, list) or not users or len(users) > 500:
        return _err(40058, "range.user_list is required (1-500 userids)")
    if not str(body.get("link_name") or ""):
        return _err(40058, "link_name is required")
    with state.lock:
        links = _world(state)["links"]
        link_id = f"cal{len(links) + 1:05d}{os.urandom(3).hex()}"
        url = f"http://{host}/sandbox/wecom/ca/{link_id}"
        links[link_id] = {"user": str(users[0]), "url": url}
    return {"errcode": 0, "errmsg": "ok", "link": {"link_id": link_id, "url": url}}


def open_link(state: SandboxState, link_id: str, customer_channel: str) -> dict[str, Any]:
    """A patient opens a 获客链接 and adds the member: the add event carries `customer_channel`
    as its State (at most 64 bytes, WECOM_FACTS.md)."""
    with state.lock:
        world = _world(state)
        link = world["links"].get(link_id)
        if link is None:
            return {"ok": False, "error": "no such link"}
        if len(customer_channel.encode("utf-8")) > 64:
            return {"ok": False, "error": "customer_channel exceeds 64 bytes"}
        config_id = f"ca{link_id}{len(world['ways']):04d}"
        world["ways"][config_id] = {
            "user": link["user"],
            "state": customer_channel,
            "is_temp": False,
            "scans": 0,
        }
    return scan(state, config_id)


def scan(state: SandboxState, config_id: str, external_userid: str = "") -> dict[str, Any]:
    """A patient scans a contact code: WeCom sends `add_external_contact` with the code's member
    and state to the callback configured (`configure`). A temporary code works once. A group
    join code's id plays a group join instead (`group_join`)."""
    with state.lock:
        world = _world(state)
        if config_id in world["join_ways"]:
            is_group = True
        else:
            is_group = False
    if is_group:
        return {**group_join(state, config_id, external_userid), "member": "群聊"}
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
    extra: dict[str, str] | None = None,
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
    fields.update(extra or {})
    return "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>"


def chat_event_xml(
    *,
    corp_id: str,
    chat_id: str,
    update_detail: str = "add_member",
    change_type: str = "update",
    create_time: int | None = None,
    join_scene: int = 3,
    quit_scene: int = 0,
    mem_change_cnt: int = 1,
) -> str:
    """A customer-group event (`change_external_chat`): `update` with `UpdateDetail`
    add_member (`JoinScene` 1 invited, 3 by QR) or del_member (`QuitScene` 0 left, 1 removed);
    it names the chat and how many changed, never who: the receiver calls `groupchat/get`."""
    fields = {
        "ToUserName": corp_id,
        "FromUserName": "sys",
        "CreateTime": str(create_time or int(time.time())),
        "MsgType": "event",
        "Event": "change_external_chat",
        "ChatId": chat_id,
        "ChangeType": change_type,
    }
    if change_type == "update":
        fields["UpdateDetail"] = update_detail
        if update_detail == "add_member":
            fields["JoinScene"] = str(join_scene)
        if update_detail == "del_member":
            fields["QuitScene"] = str(quit_scene)
        fields["MemChangeCnt"] = str(mem_change_cnt)
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
    # a redirect is the target's answer, never a second request
    return requests.post(url, data=body, headers=headers, timeout=10, allow_redirects=False)


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
    response = requests.get(f"{target}?{query}", timeout=10, allow_redirects=False)
    return response.status_code == 200 and response.text == echo, response.text


def control(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    """POST /sandbox/wecom {"action": …, "target", "token", "aes_key", "corp_id", "userid",
    "external_userid", "state", "config_id", "chat_id", "create_time", "update_detail",
    "limit", "fault"}.

    - `configure` keeps the callback (and checks it as WeCom does when the URL is saved);
      `verify` only checks it.
    - `add` | `add_half` | `delete` (del_follow_user) | `remove` (del_external_contact) |
      `edit`: send that customer-contact event now; `create_time` (Unix seconds) backdates it
      (out-of-order plays); adds carry a fresh WelcomeCode, with `fault` `welcome_used` or
      `welcome_expired` to have `send_welcome_msg` refuse it.
    - `scan` plays a patient scanning a contact code; `ways` lists the codes made;
      `welcomes` lists the welcome messages accepted; `expire_token` kills the next token.
    - `join_group` / `quit_group` play a customer joining a group through a join code /
      leaving a chat (the chat changes, then the event is sent); `chat_event` sends a
      `change_external_chat` event alone (a replay, or a change the sandbox's chats do not
      show); `room_limit` sets how many customers a chat holds.
    - Tags and transfers: `members` adds userids to the company (the console's address book,
      `userids`); `relation` makes a member hold a customer without a callback; `inspect` shows
      tag groups, each customer's tags and the transfers; `del_tag` deletes a tag (`tag_id`) as
      an admin in the console would; `transfer_finish` ends a waiting transfer with `status` 1
      (taken over), 3 (the customer refused) or 4 (the new member is at the limit), 3 and 4
      sending the `transfer_fail` callback to the configured URL."""
    action = body.get("action", "add")
    if action in LOCAL_ACTIONS:
        return LOCAL_ACTIONS[action](state, body)
    at = int(body["create_time"]) if body.get("create_time") else None
    if action == "join_group":
        return group_join(
            state, str(body.get("config_id", "latest")), str(body.get("external_userid", "")), at
        )
    if action == "quit_group":
        return group_quit(
            state, str(body.get("chat_id", "")), str(body.get("external_userid", "")), at
        )
    if action == "room_limit":
        with state.lock:
            _world(state)["room_limit"] = int(body.get("limit", 200))
        return {"ok": True}
    if action == "chat_event":
        with state.lock:
            callback = _world(state)["callback"]
        if callback is None:
            return {"ok": False, "error": "no callback configured (action: configure)"}
        xml = chat_event_xml(
            corp_id=callback["corp_id"],
            chat_id=str(body.get("chat_id", "")),
            update_detail=str(body.get("update_detail", "add_member")),
            create_time=at,
        )
        response = send_event(xml=xml, **callback)
        return {"ok": response.status_code == 200, "status": response.status_code}
    if action == "join_ways":
        with state.lock:
            return {"join_ways": dict(_world(state)["join_ways"])}
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
    with state.lock:
        world = _world(state)
        if change == "add_external_contact":
            _relate(world, userid, external)
        elif change in ("del_follow_user", "del_external_contact"):
            world["relations"].pop((userid, external), None)
    xml = event_xml(
        corp_id=creds["corp_id"],
        change_type=change,
        userid=userid,
        external_userid=external,
        state=str(body.get("state", "")),
        create_time=at,
        welcome_code=code,
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
