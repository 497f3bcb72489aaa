"""Assistants' WeCom activity facts (issue 16 point 7): what the WeCom connector imports from
`get_user_behavior_data`, written in the funnel's vocabulary so the assistant board reads
funnel tables only (like ad spend, `funnel.services.spend`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from funnel.locks import named_lock
from funnel.models import AssistantBehaviorDay

logger = logging.getLogger("yinliu.funnel")

FIGURES = (
    "new_apply_cnt",
    "new_contact_cnt",
    "chat_cnt",
    "message_cnt",
    "reply_percentage",
    "avg_reply_time",
    "negative_feedback_cnt",
)


@dataclass(frozen=True)
class BehaviorFact:
    """One member's figures for one local (Asia/Shanghai) day. Counts ≥ 0; reply_percentage
    0–100 or None; avg_reply_time minutes or None."""

    userid: str
    day: dt.date
    new_apply_cnt: int = 0
    new_contact_cnt: int = 0
    chat_cnt: int = 0
    message_cnt: int = 0
    reply_percentage: Decimal | None = None
    avg_reply_time: int | None = None
    negative_feedback_cnt: int = 0


def behavior_days_upsert(*, account: str, facts: list[BehaviorFact]) -> int:
    """One set of figures per member and day: a re-import of a day replaces its figures (WeCom
    settles a day's numbers late), never adds to them, and figures of the same userid and day
    that another account wrote are replaced too (logged), so the board, which sums a member's
    days, never counts one day twice. Returns how many rows were written."""
    rows = [
        AssistantBehaviorDay(
            account_name=account[:80],
            userid=fact.userid[:64],
            day=fact.day,
            **{name: getattr(fact, name) for name in FIGURES},
        )
        for fact in facts
        if fact.userid
    ]
    by_day: dict[dt.date, set[str]] = defaultdict(set)
    for row in rows:
        by_day[row.day].add(row.userid)
    with transaction.atomic():
        # Two accounts' imports at once must not both insert the same member-day.
        named_lock("assistant-behavior-days")
        for day, userids in by_day.items():
            others = AssistantBehaviorDay.objects.filter(day=day, userid__in=userids).exclude(
                account_name=account[:80]
            )
            for userid, other in others.values_list("userid", "account_name"):
                logger.warning(
                    "behaviour of %s on %s: account %s replaces account %s's figures",
                    userid,
                    day,
                    account,
                    other,
                )
            others.delete()
        AssistantBehaviorDay.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["account_name", "userid", "day"],
            update_fields=[*FIGURES, "imported_at"],
            batch_size=500,
        )
    return len(rows)
