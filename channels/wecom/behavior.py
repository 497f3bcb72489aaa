"""Assistants' KPIs from WeCom (issue 16 point 7): the daily import of member behaviour data
(`externalcontact/get_user_behavior_data`, WECOM_FACTS.md "Member behaviour data": per day
new_apply_cnt, new_contact_cnt, chat_cnt, message_cnt, reply_percentage, avg_reply_time in
minutes, negative_feedback_cnt; span ≤ 30 days, history ≤ 180 days).

Days are Asia/Shanghai days: WeCom counts a day from Beijing midnight and answers each day with
`stat_time` = that midnight in unix seconds, so a day D is asked as start_time = end_time =
D 00:00 +08:00 and every answered entry is stored under the Shanghai date of its `stat_time`.
One call per member: given several userids WeCom answers their sum, and the board needs each
assistant's own figures. Rows go to the funnel's fact table (`AssistantBehaviorDay`) through
`funnel.services.activity.behavior_days_upsert`: a re-import replaces a day's figures."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from channels.base import as_int
from channels.errors import PlatformError, RateLimited, Transient
from channels.wecom.client import WecomClient
from channels.wecom.models import WecomAccount
from funnel.models import Assistant
from funnel.services.activity import BehaviorFact, behavior_days_upsert

logger = logging.getLogger("yinliu.channels.wecom")

SHANGHAI = ZoneInfo("Asia/Shanghai")
HISTORY_DAYS = 180
# Errors about one member, not the account: that member is skipped, the others imported
# (60111 unknown userid, 60011 the member is outside the app's visible range [S]). Any other
# code (a refused secret 40001, an API the app may not call 48002 …) fails the account.
MEMBER_ERRCODES = {"60111", "60011"}


@dataclass
class BehaviorImport:
    """What one account's import did: `account` (its name), rows written, members asked,
    members WeCom refused (userid → error code, e.g. 60111 unknown userid; those members are
    skipped, the rest imported), and `error`: "" when the account was imported, else the code
    that stopped it (WeCom's errcode such as "40001", or ours: "http_502", "network",
    "http_200" for an answer that is not JSON, "bad_answer" for one missing its fields); a
    failed account wrote no rows."""

    day: dt.date
    account: str = ""
    rows: int = 0
    members: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    error: str = ""


BAD_ANSWER = "bad_answer"  # errcode 0 but the figures are missing or unreadable
COUNTS = ("new_apply_cnt", "new_contact_cnt", "chat_cnt", "message_cnt", "negative_feedback_cnt")


def day_bounds(day: dt.date) -> tuple[int, int]:
    """(start_time, end_time) unix seconds asking WeCom for exactly the Shanghai day `day`."""
    start = int(dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI).timestamp())
    return start, start


def stat_day(stat_time: Any) -> dt.date | None:
    seconds = as_int(stat_time, default=-1)
    if seconds < 0:
        return None
    return dt.datetime.fromtimestamp(seconds, tz=SHANGHAI).date()


def _percent(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return min(max(number, Decimal("0")), Decimal("100"))


def _minutes(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return max(as_int(value, default=0), 0)


def _fact(userid: str, entry: dict[str, Any], day: dt.date) -> BehaviorFact:
    def count(name: str) -> int:
        return max(as_int(entry.get(name), default=0), 0)

    return BehaviorFact(
        userid=userid,
        day=day,
        new_apply_cnt=count("new_apply_cnt"),
        new_contact_cnt=count("new_contact_cnt"),
        chat_cnt=count("chat_cnt"),
        message_cnt=count("message_cnt"),
        reply_percentage=_percent(entry.get("reply_percentage")),
        avg_reply_time=_minutes(entry.get("avg_reply_time")),
        negative_feedback_cnt=count("negative_feedback_cnt"),
    )


def _entries(answer: dict[str, Any], day: dt.date) -> list[dict[str, Any]]:
    """The answer's entries for `day`. Raises PlatformError `bad_answer` when the answer is not
    what WeCom documents (no `behavior_data` list; an entry that is not an object, has no
    readable `stat_time` or lacks one of the counts): storing zeros for it would show an
    assistant with no work that day. `reply_percentage` / `avg_reply_time` may be absent (no
    chat that day)."""
    data = answer.get("behavior_data")
    if not isinstance(data, list):
        raise PlatformError(BAD_ANSWER, "no behavior_data list")
    entries = []
    for entry in data:
        if not isinstance(entry, dict) or stat_day(entry.get("stat_time")) is None:
            raise PlatformError(BAD_ANSWER, "an entry without stat_time")
        if any(name not in entry for name in COUNTS):
            raise PlatformError(BAD_ANSWER, "an entry without its counts")
        if stat_day(entry.get("stat_time")) == day:
            entries.append(entry)
    return entries


def assistant_userids() -> list[str]:
    """The WeCom userids of active assistants (the members whose KPIs the board shows)."""
    return sorted(
        set(
            Assistant.objects.filter(is_active=True)
            .exclude(wecom_userid="")
            .values_list("wecom_userid", flat=True)
        )
    )


def day_check(day: dt.date) -> None:
    """Raise ValueError (a zh-hans / English message) unless `day` (a Shanghai date) can be
    imported: not after today, not older than WeCom's `HISTORY_DAYS`-day history."""
    today = dt.datetime.now(SHANGHAI).date()
    if day > today:
        raise ValueError(f"{day}: 不能导入未来的日期 / day is in the future")
    if (today - day).days > HISTORY_DAYS:
        raise ValueError(
            f"{day}: 企业微信只保留最近 {HISTORY_DAYS} 天"
            f" / WeCom keeps the last {HISTORY_DAYS} days only"
        )


def behavior_import(*, account: WecomAccount, day: dt.date) -> BehaviorImport:
    """Import `day` (a Shanghai date) for every active assistant's userid. A member WeCom
    refuses is skipped and reported; a network failure, a 5xx, a rate limit, a dead token or
    secret, or an answer that is not what WeCom documents raises (`Transient` / `RateLimited` /
    `PlatformError`, code `bad_answer` for the last) before any of the account's rows are
    written, so a retry imports the whole account (an upsert: nothing is doubled).
    Raises ValueError for a day in the future or past WeCom's 180-day history (`day_check`)."""
    day_check(day)
    start, end = day_bounds(day)
    client = WecomClient(account)
    result = BehaviorImport(day=day, account=account.name)
    facts: list[BehaviorFact] = []
    for userid in assistant_userids():
        result.members += 1
        try:
            answer = client.call(
                "POST",
                "externalcontact/get_user_behavior_data",
                json={"userid": [userid], "start_time": start, "end_time": end},
            )
        except (Transient, RateLimited):
            raise
        except PlatformError as exc:
            if exc.code in MEMBER_ERRCODES:
                logger.warning("get_user_behavior_data %s for %s: %s", day, userid, exc)
                result.failed[userid] = str(exc)
                continue
            raise  # the account's own trouble (token, secret, permission): the account fails
        facts.extend(_fact(userid, entry, day) for entry in _entries(answer, day))
    result.rows = behavior_days_upsert(account=account.name, facts=facts)
    return result


def behavior_import_all(
    *, day: dt.date | None = None, accounts: list[str] | None = None
) -> list[BehaviorImport]:
    """Every active account (or those of them named in `accounts`), for `day` (default:
    yesterday in Shanghai, the last whole day), each on its own: an account that fails (its
    token or secret refused, a 5xx, the network, a malformed answer) is logged with its name
    and code and returned with `error` set, and the others are imported all the same.
    Raises ValueError for a day `day_check` refuses, before any account is asked."""
    day = day or dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)
    day_check(day)  # refused even with no account to ask
    rows = WecomAccount.objects.filter(is_active=True).order_by("pk")
    if accounts is not None:
        rows = rows.filter(name__in=accounts)
    results = []
    for account in rows:
        try:
            results.append(behavior_import(account=account, day=day))
        except PlatformError as exc:
            logger.error(
                "wecom behaviour import %s: account %s failed, errcode %s (%s)",
                day,
                account.name,
                exc.code,
                exc.message[:200],
            )
            results.append(BehaviorImport(day=day, account=account.name, error=exc.code))
    return results


def failures_text(results: list[BehaviorImport]) -> str:
    """The failed accounts in zh-hans, for the command and the task ("" when none failed):
    企业微信账户 branch 导入失败（错误码 40001）; …"""
    return "；".join(
        f"企业微信账户 {r.account} 导入失败（错误码 {r.error}）" for r in results if r.error
    )
