"""Which client and mapping serve which channel (one place for the per-platform switch)."""

from __future__ import annotations

from typing import Any

from channels.models import Channel

PULL_CHANNELS = (Channel.DOUYIN, Channel.BAIDU)  # Xiaohongshu has no lead pull API
SPEND_CHANNELS = (Channel.DOUYIN, Channel.XIAOHONGSHU, Channel.BAIDU)


def client_for(account: Any) -> Any:
    if account.channel == Channel.DOUYIN:
        from channels.douyin.client import DouyinClient

        return DouyinClient(account)
    if account.channel == Channel.XIAOHONGSHU:
        from channels.xiaohongshu.client import XiaohongshuClient

        return XiaohongshuClient(account)
    if account.channel == Channel.BAIDU:
        from channels.baidu.client import BaiduClient

        return BaiduClient(account)
    raise ValueError(f"no API client for channel {account.channel}")


def streams_for(account: Any) -> list[str]:
    if account.channel == Channel.BAIDU:
        return client_for(account).streams()
    return ["clue"]


def map_pulled(account: Any, record: dict) -> tuple[str, Any]:
    if account.channel == Channel.DOUYIN:
        from channels.douyin.mapping import map_pull
    else:
        from channels.baidu.mapping import map_pull
    return map_pull(record, account=account.name)


def pulled_id(account: Any, record: dict) -> str:
    from channels.base import as_str

    key = "clue_id" if account.channel == Channel.DOUYIN else "clueId"
    return as_str(record.get(key))
