"""Ocean Engine postbacks, two kinds (API_FACTS, "Douyin — Ocean Engine"):
- `clue_callback`: `clue/life/callback` [C] for the platform's own clues (Feiyu pushes, pulls),
  state codes per account in `callback_states` (default contacted → 2, paid → 3) [U].
- `conversion_api`: the conversion API [S] (`POST /api/v2/conversion`) for leads that reached
  our landing page or API from an Ocean Engine ad, identified by the visit's `clickid` (or the
  `callback` monitor parameter). Event types per account in `conversion_events` (default
  contacted → "form", paid → "active_pay"): an account may only send the types set up in its
  转化跟踪 [U]. Base URL: the setting `conversion_base_url`, else the host of `api_base_url`
  (the sandbox serves both), else https://analytics.oceanengine.com.
"""

from __future__ import annotations

from typing import Any

from channels.account_settings import knob
from channels.models import ChannelAccount

DEFAULT_CALLBACK_STATES = {"contacted": 2, "paid": 3}
DEFAULT_CONVERSION_EVENTS = {"contacted": "form", "paid": "active_pay"}


def callback_events(account: ChannelAccount) -> dict[str, str]:
    """Stage → clue_convert_state; raises SettingsInvalid for a `callback_states` it cannot use."""
    states = {**DEFAULT_CALLBACK_STATES, **knob(account, "callback_states", {})}
    return {stage: str(state) for stage, state in states.items() if state not in (None, "")}


def conversion_events(account: ChannelAccount) -> dict[str, str]:
    """Stage → event_type; raises SettingsInvalid for a `conversion_events` it cannot use."""
    configured = knob(account, "conversion_events", None)
    events = DEFAULT_CONVERSION_EVENTS if configured is None else configured
    return {stage: str(event) for stage, event in events.items() if event}


def clue_callback_send(
    account: ChannelAccount, inbound: Any, target: str, platform_event: str
) -> str:
    """Report one clue's new state; raises the client's PlatformError (the outbox retries)."""
    from channels.douyin.client import DouyinClient
    from channels.services.calls import platform_call

    client = DouyinClient(account)
    # An expired token is refreshed once, as pulls do; other failures go back to the outbox.
    return platform_call(
        account,
        client,
        lambda: client.clue_callback(clue_id=target, state=int(platform_event)),
        retries=0,
    )


def conversion_send(account: ChannelAccount, inbound: Any, target: str, platform_event: str) -> str:
    """One conversion of a landing/API visit; raises the client's PlatformError."""
    from channels.douyin.client import DouyinClient
    from channels.services.calls import platform_call

    client = DouyinClient(account)
    return platform_call(
        account,
        client,
        lambda: client.conversion(callback=target, event_type=platform_event),
        retries=0,
    )
