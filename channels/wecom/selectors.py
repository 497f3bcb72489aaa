"""WeCom reads for staff pages.

`contact_hint`: why an add landed in 未匹配客户 and what its state suggests, in words a
supervisor can act on (review of issue 16 point 4). The state is only ever read here and
shown in the admin; nothing of it reaches a public page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from channels.wecom.contactways import TEMP_CLOCK_SKEW_SECONDS
from channels.wecom.models import WecomContact, WecomContactWay
from channels.wecom.state import group_from_state, lead_from_state
from funnel.models import Lead, Touchpoint

UNVERIFIED = "unverified"
TAKEN = "taken"
WITHDRAWN = "withdrawn"
NO_STATE = "no_state"
FOREIGN = "foreign"
GROUP = "group"

EXPLAIN = {
    UNVERIFIED: "来自已有号码的再次留资（未验证），请核对后绑定",
    TAKEN: "该线索的专属二维码已被另一位客户使用（可能是转发的截图），请在聊天中核对身份后再绑定",
    WITHDRAWN: "该二维码所属线索已撤回授权，不能绑定",
    NO_STATE: "未带渠道参数（通过医助的固定二维码或名片添加），请在聊天中核对身份后绑定",
    FOREIGN: "企业微信自带或无法识别的渠道参数（如客户删除后重新添加），请核对后绑定",
    GROUP: "社群入群码的渠道参数（不是加好友二维码），请核对后绑定",
}


@dataclass(frozen=True)
class ContactHint:
    """`kind` (one of the constants above, "" for a bound contact), `text` (zh-hans, safe to
    show any staff who sees the contact), and the suggestion: `lead_id`, the landing page's
    title and the submission's time (Asia/Shanghai), when the state names one."""

    kind: str
    text: str
    lead_id: int | None = None
    page_title: str = ""
    submitted_at: dt.datetime | None = None

    def detail(self) -> str:
        """The suggestion in one line: 疑似线索 #12 · 落地页「…」 · 留资时间 2026-11-30 09:15."""
        if self.lead_id is None:
            return ""
        parts = [f"疑似线索 #{self.lead_id}"]
        if self.page_title:
            parts.append(f"落地页「{self.page_title}」")
        if self.submitted_at is not None:
            parts.append(f"留资时间 {timezone.localtime(self.submitted_at):%Y-%m-%d %H:%M}")
        return " · ".join(parts)


def _state_way(contact: WecomContact) -> tuple[int | None, bool, WecomContactWay | None]:
    """(the lead the state names, whether its code binds, the code itself when the state is
    one code's own: a known phone's unverified `yu…` code or a 获客链接 channel `yc…`)."""
    state = contact.state or ""
    lead_id = lead_from_state(state)
    if lead_id:
        return lead_id, True, None
    way = (
        WecomContactWay.objects.filter(account_id=contact.account_id, state=state).first()
        if state and len(state) <= 30
        else None
    )
    if way is not None:
        return way.lead_id, way.verified, way
    return None, False, None


def _submission(
    contact: WecomContact, lead_id: int, way: WecomContactWay | None
) -> tuple[str, dt.datetime | None]:
    """The landing page and time of the submission whose code was scanned: that code's own
    (else the newest code of that lead and member shown before the add — its thank-you page),
    and the newest touchpoint with a landing page up to then."""
    if way is not None:
        shown = way.created_at
    else:
        ways = WecomContactWay.objects.filter(
            account_id=contact.account_id,
            lead_id=lead_id,
            member_userid=contact.member_userid,
            state=contact.state,
        )
        if contact.added_at is not None:
            ways = ways.filter(
                created_at__lte=contact.added_at + dt.timedelta(seconds=TEMP_CLOCK_SKEW_SECONDS)
            )
        shown = ways.order_by("-created_at").values_list("created_at", flat=True).first()
    touches = Touchpoint.objects.filter(lead_id=lead_id, landing_page_id__isnull=False)
    if shown is not None:
        touches = touches.filter(occurred_at__lte=shown)
    touch = touches.order_by("-occurred_at", "-pk").first()
    title = ""
    if touch is not None:
        from wagtail.models import Page

        found = Page.objects.filter(pk=touch.landing_page_id).values_list("title", flat=True)
        title = str(found.first() or "")
    submitted = touch.occurred_at if touch is not None else shown
    return title[:60], submitted


def contact_hint(contact: WecomContact) -> ContactHint:
    """Why `contact` is unmatched, and the lead its state suggests (see module doc)."""
    if contact.lead_id is not None:
        return ContactHint("", "")
    state = contact.state or ""
    if not state:
        return ContactHint(NO_STATE, EXPLAIN[NO_STATE])
    if group_from_state(state):
        return ContactHint(GROUP, EXPLAIN[GROUP])
    lead_id, verified, way = _state_way(contact)
    if lead_id is None:
        return ContactHint(FOREIGN, EXPLAIN[FOREIGN])
    if not Lead.objects.filter(pk=lead_id, anonymized_at__isnull=True).exists():
        return ContactHint(WITHDRAWN, EXPLAIN[WITHDRAWN])
    kind = TAKEN if verified else UNVERIFIED
    title, submitted = _submission(contact, lead_id, way)
    return ContactHint(kind, EXPLAIN[kind], lead_id, title, submitted)
