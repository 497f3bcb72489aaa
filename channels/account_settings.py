"""Per-account settings (`ChannelAccount.settings`, 其他配置): every known key, its type and range,
checked where the admin saves them and where the connectors read them.

The settings are hand-edited JSON. A value of the wrong shape (`[]` for the whole object,
`{"page_size": "abc"}`, `{"ocpc_types": ["paid"]}`) used to reach the reader: the pull raised a
ValueError traceback and recorded nothing on the account, every postback of the platform failed
planning with an AttributeError and left no log row. Now:

- `settings_problems(settings)` → {key: zh-hans problem} for the admin form and
  `channels.services.accounts.account_config_problems` (so `channel_account_create` too): the
  object itself ("" key), keys no connector reads, and each known key's type and range;
- `knob(account, key, default)` is how connectors read one value: the stored value checked
  (and normalised: "100" → 100), the default when the key is absent, and `SettingsInvalid`
  (a PlatformError: recorded on the account by a pull or spend import, on the outbox delivery
  by a postback, with the key and the problem in words) when it cannot be used;
- `knob_or_default(...)` for the push webhooks, which must not lose a platform's lead over our
  own configuration: a bad value is logged and the default used (the form refuses it anyway).

The table of keys is docs/channels.md, "Per-account settings".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from channels.errors import SettingsInvalid

logger = logging.getLogger("yinliu.channels")

Check = Callable[[Any], tuple[Any, str]]  # value → (normalised value, "" or the problem)


def _integer(value: Any) -> int | None:
    """An int from a JSON number without a fraction or a string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _int_in(low: int, high: int, unit: str = "") -> Check:
    problem = f"须为 {low}–{high} 的整数{unit}"

    def check(value: Any) -> tuple[Any, str]:
        number = _integer(value)
        if number is None or not low <= number <= high:
            return value, problem
        return number, ""

    return check


def _seconds_in(low: float, high: float) -> Check:
    problem = f"须为 {low:g}–{high:g} 的数（秒）"

    def check(value: Any) -> tuple[Any, str]:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return value, problem
        try:
            number = float(value)
        except ValueError:
            return value, problem
        if not math.isfinite(number) or not low <= number <= high:
            return value, problem
        return number, ""

    return check


def _one_of(*choices: str) -> Check:
    problem = "只能是 " + "、".join(choices)

    def check(value: Any) -> tuple[Any, str]:
        return (value, "") if value in choices else (value, problem)

    return check


def _boolean(value: Any) -> tuple[Any, str]:
    return (value, "") if isinstance(value, bool) else (value, "须为 true 或 false")


def _text(max_length: int) -> Check:
    problem = f"须为不超过 {max_length} 个字符的文本"

    def check(value: Any) -> tuple[Any, str]:
        ok = isinstance(value, str) and len(value) <= max_length
        return (value, "") if ok else (value, problem)

    return check


def _web_address(value: Any) -> tuple[Any, str]:
    ok = isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 1024
    return (value, "") if ok else (value, "须为 http(s):// 开头、不超过 1024 个字符的网址")


def _codes(value: Any) -> tuple[Any, str]:
    problem = "须为整数列表，例如 [40100]"
    if not isinstance(value, list) or len(value) > 50:
        return value, problem
    numbers = [_integer(code) for code in value]
    if any(number is None for number in numbers):
        return value, problem
    return numbers, ""


def _labels(value: Any) -> tuple[Any, str]:
    problem = '须为非空的文本列表，例如 ["姓名", "您的姓名"]'
    ok = (
        isinstance(value, list)
        and 0 < len(value) <= 50
        and all(isinstance(label, str) and label.strip() for label in value)
    )
    return (value, "") if ok else (value, problem)


def _solution_types(value: Any) -> tuple[Any, str]:
    from channels.baidu.client import SOLUTION_TYPES

    problem = "须为非空列表，元素只能是 " + "、".join(SOLUTION_TYPES)
    ok = isinstance(value, list) and value and all(t in SOLUTION_TYPES for t in value)
    return (value, "") if ok else (value, problem)


def _stage_map(event: Check, example: str) -> Check:
    """An object {stage: platform event}; a stage mapped to null or "" is not reported."""

    def check(value: Any) -> tuple[Any, str]:
        from funnel.models import Stage

        if not isinstance(value, dict):
            return value, f"须为「阶段 → 平台事件」的对象，例如 {example}"
        unknown = [str(stage) for stage in value if stage not in Stage.values]
        if unknown:
            return value, f"未知阶段 {'、'.join(unknown)}（可用：{'、'.join(Stage.values)}）"
        normalised = {}
        for stage, platform_event in value.items():
            if platform_event in (None, ""):
                normalised[stage] = platform_event
                continue
            normalised[stage], problem = event(platform_event)
            if problem:
                return value, f"{stage} 的值{problem}"
        return normalised, ""

    return check


def _event_name(value: Any) -> tuple[Any, str]:
    ok = isinstance(value, str) and 0 < len(value.strip()) <= 40
    return (value, "") if ok else (value, "须为不超过 40 个字符的事件名")


# Feiyu push signatures (`channels.douyin.webhook`); there is no unsigned one.
PUSH_SIGNATURE_SCHEMES = ("sha256_b64", "hmac_sha256_b64", "header_token")

# Every key a connector reads (docs/channels.md, "Per-account settings"), with its check.
KNOBS: dict[str, Check] = {
    "page_size": _int_in(1, 1000),
    "max_pages": _int_in(1, 100_000),
    "trailing_minutes": _int_in(0, 30 * 24 * 60, "（分钟）"),
    "initial_lookback_days": _int_in(1, 365, "（天）"),
    "window_days": _int_in(1, 365, "（天）"),
    "max_retries": _int_in(0, 10),
    "backoff_seconds": _seconds_in(0, 60),
    "rate_limit_codes": _codes,
    "auth_codes": _codes,
    "push_signature": _one_of(*PUSH_SIGNATURE_SCHEMES),
    "push_max_skew_seconds": _int_in(30, 86_400, "（秒）"),
    "name_labels": _labels,
    "phone_labels": _labels,
    "wechat_labels": _labels,
    "fee_unit": _one_of("yuan", "fen"),
    "solution_types": _solution_types,
    "user_id": _int_in(1, 2**63 - 1),
    "callback_states": _stage_map(_int_in(0, 99), '{"contacted": 2, "paid": 3}'),
    "conversion_events": _stage_map(_event_name, '{"paid": "active_pay"}'),
    "ocpc_types": _stage_map(_int_in(1, 10_000), '{"paid": 26}'),
    "ocpc_new_type": _int_in(1, 10_000),
    "ocpc_landing_url": _web_address,
    "postback_default": _boolean,
    # Hosts are checked by `account_config_problems` (the platform's own domains only).
    "auth_base_url": _text(1024),
    "ocpc_base_url": _text(1024),
    "conversion_base_url": _text(1024),
}

NOT_AN_OBJECT = '须为 JSON 对象（{…}），例如 {"page_size": 100}'


def settings_problems(settings: Any) -> dict[str, str]:
    """Why `settings` cannot be saved: {key: zh-hans problem}; the key "" for the value as a
    whole (not an object). Keys no connector reads are refused (a misspelt key would be
    silently ignored). Empty: nothing wrong. Pure."""
    if settings in (None, ""):
        return {}
    if not isinstance(settings, dict):
        return {"": NOT_AN_OBJECT}
    problems: dict[str, str] = {}
    for key, value in settings.items():
        check = KNOBS.get(key)
        if check is None:
            problems[str(key)] = "未知配置项（见 docs/channels.md 的账户配置表）"
            continue
        _value, problem = check(value)
        if problem:
            problems[key] = problem
    return problems


def settings_problems_text(problems: dict[str, str]) -> str:
    """The problems in one line, each with its key: for a form error or an account's error."""
    return "；".join(f"{key}：{problem}" if key else problem for key, problem in problems.items())


def knob(account: Any, key: str, default: Any) -> Any:
    """The account's setting `key`, checked and normalised; `default` when it is not set.

    Raises `SettingsInvalid` (code `invalid_settings`, the key and the problem in its text)
    when the settings are not an object or the value cannot be used."""
    settings = account.settings
    if settings in (None, ""):
        return default
    if not isinstance(settings, dict):
        raise SettingsInvalid(settings_problems_text({"": NOT_AN_OBJECT}))
    if key not in settings:
        return default
    value, problem = KNOBS[key](settings[key])
    if problem:
        raise SettingsInvalid(settings_problems_text({key: problem}))
    return value


def knob_or_default(account: Any, key: str, default: Any) -> Any:
    """`knob`, but a value that cannot be used is logged and `default` returned: for reads
    that must go on whatever staff stored (a push must not be lost over our configuration)."""
    try:
        return knob(account, key, default)
    except SettingsInvalid as exc:
        logger.warning("account %s: %s; the default is used", account.pk, exc)
        return default
