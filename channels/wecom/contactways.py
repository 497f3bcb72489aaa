"""Attributed contact codes (issue 16 point 2): the QR a patient scans to add their assistant
carries the lead, so the add event finds the lead by itself (WECOM_FACTS.md, "联系我").

Kinds, chosen per account (`WecomAccount.settings["contact_mode"]`; docs/wecom.md weighs them):
- `contact_way` (default): a single-member 联系我 code (`add_contact_way`, type 1, scene 2) with
  `state` = the signed lead token. Free, inside the company's 500 000-code quota (shared with
  group codes), reusable: scanned again it still names the lead.
- `temp`: the same as a temporary session (`is_temp`, 医疗行业 companies only): single use,
  outside the quota, and it expires (`expires_in`, 7 days here), so it suits one-off campaigns.

No account, no member userid or a failed call: None, and the page falls back to the member's
static QR (unattributed: its add lands in 未匹配 for staff to bind)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from channels.base import sandbox_url
from channels.errors import PlatformError
from channels.wecom.client import WecomClient
from channels.wecom.models import WecomAccount, WecomContactWay
from channels.wecom.state import state_for_lead
from funnel.models import Lead

logger = logging.getLogger("yinliu.channels.wecom")

CONTACT_MODES = ("contact_way", "temp")
TEMP_EXPIRES_SECONDS = 7 * 24 * 3600  # how long a temporary-session code can be scanned
TEMP_CHAT_SECONDS = 24 * 3600  # how long the temporary chat stays open (WeCom's default)


@dataclass(frozen=True)
class ContactCode:
    """A code to show: `image_url` is WeCom's QR image (an https URL on the live platform)."""

    image_url: str
    member_userid: str
    is_temp: bool


def contact_account() -> WecomAccount | None:
    """The company whose members the patients add: the first active account (a clinic group
    is one WeCom company)."""
    return WecomAccount.objects.filter(is_active=True).order_by("pk").first()


def contact_mode(account: WecomAccount) -> str:
    mode = str((account.settings or {}).get("contact_mode") or "contact_way")
    return mode if mode in CONTACT_MODES else "contact_way"


def contact_code_for(*, lead_id: int, member_userid: str) -> ContactCode | None:
    """The lead's contact code for one member, made on first use (one API call) and kept.

    Returns None when there is no active WeCom account, no member userid, or WeCom refuses or
    cannot be reached (logged; the caller shows the member's static QR instead). Never raises
    for the platform's sake: a patient's thank-you page must render."""
    account = contact_account()
    if account is None or not member_userid:
        return None
    if not Lead.objects.filter(pk=lead_id, anonymized_at__isnull=True).exists():
        return None  # a withdrawn person gets no new code naming them
    kept = WecomContactWay.objects.filter(
        account=account, lead_id=lead_id, member_userid=member_userid
    ).first()
    if kept is not None:
        return ContactCode(kept.qr_code, kept.member_userid, kept.is_temp)
    is_temp = contact_mode(account) == "temp"
    state = state_for_lead(lead_id)
    body: dict[str, object] = {
        "type": 1,
        "scene": 2,
        "state": state,
        "user": [member_userid],
        "skip_verify": True,
        "remark": f"引流线索 {lead_id}"[:30],
    }
    if is_temp:
        body |= {
            "is_temp": True,
            "expires_in": TEMP_EXPIRES_SECONDS,
            "chat_expires_in": TEMP_CHAT_SECONDS,
        }
    try:
        answer = WecomClient(account).call("POST", "externalcontact/add_contact_way", json=body)
    except PlatformError as exc:
        logger.warning("add_contact_way failed for lead %s: %s", lead_id, exc)
        return None
    config_id, qr_code = str(answer.get("config_id") or ""), str(answer.get("qr_code") or "")
    # An image the patient's browser loads: https, or plain http from the sandbox only.
    if not config_id or not (
        qr_code.startswith("https://") or (qr_code.startswith("http://") and sandbox_url(qr_code))
    ):
        logger.warning("add_contact_way answered without config_id/qr_code for lead %s", lead_id)
        return None
    try:
        with transaction.atomic():
            way = WecomContactWay.objects.create(
                account=account,
                lead_id=lead_id,
                member_userid=member_userid,
                config_id=config_id[:64],
                qr_code=qr_code[:500],
                state=state,
                is_temp=is_temp,
            )
    except IntegrityError:
        # Two pages asked at once: the first code kept wins (the other stays unused at WeCom).
        way = WecomContactWay.objects.get(
            account=account, lead_id=lead_id, member_userid=member_userid
        )
    return ContactCode(way.qr_code, way.member_userid, way.is_temp)


def contact_ways_delete(lead_id: int) -> None:
    """Forget the lead's codes (their state names the lead) and ask WeCom to delete them after
    the commit (`del_contact_way`; a failure is logged: an add through a deleted person's old
    code names an anonymized lead and is never linked). Idempotent."""
    ways = list(WecomContactWay.objects.select_related("account").filter(lead_id=lead_id))
    if not ways:
        return
    WecomContactWay.objects.filter(pk__in=[w.pk for w in ways]).delete()

    def remote() -> None:
        for way in ways:
            try:
                WecomClient(way.account).call(
                    "POST", "externalcontact/del_contact_way", json={"config_id": way.config_id}
                )
            except PlatformError as exc:
                logger.warning("del_contact_way %s failed: %s", way.config_id, exc)

    transaction.on_commit(remote, robust=True)
