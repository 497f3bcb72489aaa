from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels.sandbox import SandboxState, sandbox_start
from channels.services.accounts import channel_account_create
from funnel.models import InboundLead, InboundStatus
from funnel.services.intake import intake_process

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def drain() -> None:
    """Play the worker: process what is still waiting (with Redis the tasks sit in the queue),
    in the order it arrived (PostgreSQL returns rows in no set order: updated rows move)."""
    for pk in (
        InboundLead.objects.filter(status=InboundStatus.RECEIVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        intake_process(inbound_ids=[pk], durable=True)


@pytest.fixture
def make_account():
    def make(channel: str = "douyin", name: str = "acct", base: str = "", **kwargs):
        defaults = {
            "advertiser_id": "1790000000000001",
            "app_id": "1700000000001",
            "secret": "app-secret",
            "access_token": "old-access",
            "refresh_token": "old-refresh",
            "webhook_secret": "hook-secret",
            "settings": {"backoff_seconds": 0, "max_retries": 2},
        }
        defaults.update(kwargs)
        account, _ = channel_account_create(
            channel=channel, name=name, api_base_url=base, **defaults
        )
        return account

    return make


@pytest.fixture(scope="session")
def sandbox_server():
    server, base = sandbox_start(0, SandboxState(lead_count=30))
    yield server, base
    server.shutdown()


@pytest.fixture
def sandbox(sandbox_server):
    """The running sandbox, reset for each test: (state, base_url)."""
    server, base = sandbox_server
    with server.state.lock:
        server.state.reset(lead_count=30)
    return server.state, base
