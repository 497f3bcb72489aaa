"""Demo accounts: one per platform, pointing at the local sandbox (idempotent)."""

from __future__ import annotations

import os

from channels.models import Channel, ChannelAccount
from channels.services.accounts import channel_account_create
from channels.wecom.models import WecomAccount, WecomWelcomeTemplate
from channels.wecom.services import wecom_account_create

DEMO_ACCOUNTS = [
    {
        "channel": Channel.DOUYIN,
        "name": "douyin-demo",
        "path": "/open_api/",
        "advertiser_id": "1790000000000001",
        "app_id": "1700000000001",
        "settings": {"backoff_seconds": 0.5},
    },
    {
        "channel": Channel.XIAOHONGSHU,
        "name": "xhs-demo",
        "path": "",
        "advertiser_id": "5001",
        "app_id": "xhs-demo-app",
        "settings": {"backoff_seconds": 0.5},
    },
    {
        "channel": Channel.BAIDU,
        "name": "baidu-demo",
        "path": "",
        "advertiser_id": "baidu-demo",
        "app_id": "baidu-demo-app",
        "settings": {"backoff_seconds": 0.5, "user_id": 46221343},
    },
]


# The demo company on the WeCom sandbox (its callback is saved by `wecom_account
# sandbox-callback` once the site serves). A fixed demo key: the sandbox is on this machine.
WECOM_DEMO = {
    "name": "demo",
    "corp_id": "wwdemo00000000001",
    "secret": "sandbox-wecom-secret",
    "agent_id": "1000002",
    "token": "sandboxWecomToken2026",
    "aes_key": "c2FuZGJveC13ZWNvbS1kZW1vLWFlcy1rZXktMzJiISE",
}


WECOM_DEMO_WELCOME = (
    "您好，我是您的专属医助，已收到您的咨询。稍后为您安排医生答疑，有问题随时在这里留言。"
)


def seed(*, stdout) -> None:
    port = os.environ.get("SANDBOX_PORT") or "8765"
    base = f"http://127.0.0.1:{port}"
    for spec in DEMO_ACCOUNTS:
        channel = str(spec["channel"])
        existing = ChannelAccount.objects.filter(channel=channel, name=spec["name"]).first()
        if existing is not None:
            # Keep refreshed tokens (the sandbox revokes a used refresh token).
            stdout.write(f"  channels: kept {existing}")
            continue
        account, created = channel_account_create(
            channel=channel,
            name=spec["name"],
            api_base_url=base + spec["path"],
            advertiser_id=spec["advertiser_id"],
            app_id=spec["app_id"],
            secret=f"sandbox-secret-{channel}",
            access_token=f"sandbox-access-{channel}",
            refresh_token=f"sandbox-refresh-{channel}",
            webhook_secret=f"sandbox-webhook-{channel}",
            settings=spec["settings"],
        )
        stdout.write(f"  channels: {'created' if created else 'kept'} {account}")

    # The welcome a patient gets on adding their assistant (default template; the sender
    # adds the consent notice and the care-plan link).
    _, made = WecomWelcomeTemplate.objects.get_or_create(
        specialty=None, defaults={"text": WECOM_DEMO_WELCOME}
    )
    stdout.write(f"  channels: {'created' if made else 'kept'} 企业微信欢迎语模板 · 默认")
    if WecomAccount.objects.filter(name=WECOM_DEMO["name"]).exists():
        stdout.write("  channels: kept 企业微信 · demo")
        return
    account, _ = wecom_account_create(**WECOM_DEMO, api_base_url=base)
    stdout.write(f"  channels: created {account}")
