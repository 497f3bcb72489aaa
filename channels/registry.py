"""How generic code finds a platform's client, push verify / map / reply, pull mapping and
postback: one `Platform` adapter per ad platform, built from the modules under
`channels/<platform>/` (the one place for the per-platform switch).

Facts behind each module: shared/channels/API_FACTS.md (one section per platform).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from channels.baidu import mapping as baidu_mapping
from channels.baidu import postback as baidu_postback
from channels.baidu import webhook as baidu_webhook
from channels.baidu.client import API_DOMAINS as BAIDU_API_DOMAINS
from channels.baidu.client import BaiduClient
from channels.base import as_str
from channels.douyin import mapping as douyin_mapping
from channels.douyin import postback as douyin_postback
from channels.douyin import webhook as douyin_webhook
from channels.douyin.client import API_DOMAINS as DOUYIN_API_DOMAINS
from channels.douyin.client import DouyinClient
from channels.models import Channel
from channels.xiaohongshu import webhook as xhs_webhook
from channels.xiaohongshu.client import API_DOMAINS as XHS_API_DOMAINS
from channels.xiaohongshu.client import XiaohongshuClient


def _one_stream(account: Any) -> list[str]:
    return ["clue"]


class Source:
    """Which intake records a postback kind reports on."""

    OWN = "own"  # the platform's own records (pulled or pushed leads): target = their lead id
    CLICKS = "clicks"  # any record carrying one of `click_keys`: target = that click id
    OTHER_CLICKS = "other_clicks"  # the same, except the platform's own records


@dataclass(frozen=True)
class PostbackKind:
    """One way of reporting a conversion to a platform.

    `events(account)` maps our stages to the platform's event for that account (a stage not in
    it is not reported); `send(account, inbound, target, platform_event)` reports one and
    returns the platform's answer, raising `PlatformError` on failure (the outbox retries)."""

    kind: str
    source: str
    events: Callable[[Any], dict[str, str]]
    send: Callable[[Any, Any, str, str], str]
    click_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Platform:
    """One ad platform as generic code sees it (webhooks, pulls, spend, postbacks).

    `verify_push(account, headers, body, data)` raises `WebhookRejected`; `map_push(account,
    data)` and `map_pull(record, account=name)` return (external id, LeadPayload) or raise
    ValueError; `postbacks` are the ways it hears about conversions (`PostbackKind`).
    """

    channel: str
    client: Callable[[Any], Any]
    verify_push: Callable[[Any, dict[str, str], bytes, Any], None]
    map_push: Callable[[Any, dict[str, Any]], tuple[str, Any]]
    push_reply: Callable[[], Any]  # → dict (JSON) or str (text/plain)
    map_pull: Callable[..., tuple[str, Any]] | None = None  # None: no lead pull API
    pull_id_key: str = ""
    streams: Callable[[Any], list[str]] = _one_stream  # account → pull streams
    postbacks: tuple[PostbackKind, ...] = ()


PLATFORMS: dict[str, Platform] = {
    Channel.DOUYIN: Platform(
        channel=Channel.DOUYIN,
        client=DouyinClient,
        verify_push=douyin_webhook.verify_push,
        map_push=douyin_webhook.map_account_push,
        push_reply=douyin_webhook.push_reply,
        map_pull=douyin_mapping.map_pull,
        pull_id_key="clue_id",
        postbacks=(
            PostbackKind(
                kind="clue_callback",
                source=Source.OWN,
                events=douyin_postback.callback_events,
                send=douyin_postback.clue_callback_send,
            ),
            PostbackKind(
                kind="conversion_api",
                source=Source.OTHER_CLICKS,  # its own clues are reported by the clue callback
                events=douyin_postback.conversion_events,
                send=douyin_postback.conversion_send,
                click_keys=("clickid", "callback"),
            ),
        ),
    ),
    # Xiaohongshu has no lead pull API and no documented conversion upload (docs/channels.md):
    # push and spend only; its `click_id` is kept on the touchpoint, not reported.
    Channel.XIAOHONGSHU: Platform(
        channel=Channel.XIAOHONGSHU,
        client=XiaohongshuClient,
        verify_push=xhs_webhook.verify_push,
        map_push=xhs_webhook.map_account_push,
        push_reply=xhs_webhook.push_reply,
    ),
    Channel.BAIDU: Platform(
        channel=Channel.BAIDU,
        client=BaiduClient,
        verify_push=baidu_webhook.verify_push,
        map_push=baidu_webhook.map_account_push,
        push_reply=baidu_webhook.push_reply,
        map_pull=baidu_mapping.map_pull,
        pull_id_key="clueId",
        streams=lambda account: BaiduClient(account).streams(),  # one per solution type
        postbacks=(
            PostbackKind(
                kind="ocpc",
                source=Source.CLICKS,  # its own leads carry bdVid too
                events=baidu_postback.ocpc_events,
                send=baidu_postback.ocpc_send,
                click_keys=("bd_vid",),
            ),
        ),
    ),
}

# Where each platform's accounts may send their tokens (channels.base.api_url_problem).
API_DOMAINS = {
    Channel.DOUYIN: DOUYIN_API_DOMAINS,
    Channel.XIAOHONGSHU: XHS_API_DOMAINS,
    Channel.BAIDU: BAIDU_API_DOMAINS,
}

PUSH_CHANNELS = tuple(PLATFORMS)
PULL_CHANNELS = tuple(c for c, p in PLATFORMS.items() if p.map_pull is not None)
SPEND_CHANNELS = tuple(PLATFORMS)
POSTBACK_CHANNELS = tuple(c for c, p in PLATFORMS.items() if p.postbacks)


def platform_for(channel: str) -> Platform:
    try:
        return PLATFORMS[channel]
    except KeyError:
        raise ValueError(f"no ad platform for channel {channel}") from None


def client_for(account: Any) -> Any:
    platform = PLATFORMS.get(account.channel)
    if platform is None:
        raise ValueError(f"no API client for channel {account.channel}")
    return platform.client(account)


def streams_for(account: Any) -> list[str]:
    return platform_for(account.channel).streams(account)


def map_pulled(account: Any, record: dict) -> tuple[str, Any]:
    map_pull = platform_for(account.channel).map_pull
    if map_pull is None:
        raise ValueError(f"{account.channel} has no lead pull API")
    return map_pull(record, account=account.name)


def pulled_id(account: Any, record: dict) -> str:
    return as_str(record.get(platform_for(account.channel).pull_id_key))
