"""Attributed contact codes (issue 16 point 2): the QR a patient scans to add their assistant
carries the lead, so the add event finds the lead by itself (WECOM_FACTS.md, "联系我").

Kinds, chosen per account (`WecomAccount.settings["contact_mode"]`; docs/wecom.md weighs them):
- `contact_way` (default): a single-member 联系我 code (`add_contact_way`, type 1, scene 2) with
  `state` = the signed lead token. Free, inside the company's 500 000-code quota (shared with
  group codes), reusable: scanned again it still names the lead.
- `temp`: the same as a temporary session (`is_temp`, 医疗行业 companies only): single use,
  outside the quota, and it expires (`expires_in`, 7 days here), so it suits one-off campaigns.
  A used or (nearly) expired one is replaced by a fresh code on the next page view.
- `acquisition_link`: a 获客链接 per member (`customer_acquisition/create_link`, made once and
  kept in the account's settings) with `?customer_channel=<the lead's state>`: opens WeCom
  straight from WeChat on a phone; each added customer uses the company's paid quota.

No account, no member userid or a failed call: None, and the page falls back to the member's
static QR (unattributed: its add lands in 未匹配 for staff to bind)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from channels.base import sandbox_url
from channels.errors import PlatformError
from channels.wecom.client import WecomClient
from channels.wecom.models import WecomAccount, WecomContact, WecomContactWay
from channels.wecom.state import UNVERIFIED_PREFIX, state_for_lead
from funnel.models import Lead

logger = logging.getLogger("yinliu.channels.wecom")

CONTACT_MODES = ("contact_way", "temp", "acquisition_link")
# Where a 获客链接 may point (WECOM_FACTS.md, "获客链接": https://work.weixin.qq.com/ca/…).
LINK_HOSTS = ("work.weixin.qq.com",)
TEMP_EXPIRES_SECONDS = 7 * 24 * 3600  # how long a temporary-session code can be scanned
TEMP_CHAT_SECONDS = 24 * 3600  # how long the temporary chat stays open (WeCom's default)
# A temporary code this close to expiring is replaced: a patient may scan it some time later.
TEMP_RENEW_MARGIN_SECONDS = 3600
# An add's time is the callback's CreateTime (WeCom's clock): allow for skew against ours.
TEMP_CLOCK_SKEW_SECONDS = 120
LINK_CONFIG = "link"  # a 获客链接 row's config_id: nothing per lead to delete at WeCom
CHANNEL_PREFIX = "yc"
# An unverified row whose code was deleted at WeCom (its lead withdrawn): kept as a staff hint.
DELETED_CONFIG = "deleted"


@dataclass(frozen=True)
class ContactCode:
    """A code to show: `image_url` is WeCom's QR image (an https URL on the live platform)."""

    image_url: str  # "" for a link: the page draws the link's QR itself
    member_userid: str
    is_temp: bool
    link: str = ""  # a 获客链接 carrying the lead (opens WeCom from WeChat on a phone)


def contact_account() -> WecomAccount | None:
    """The company whose members the patients add: the first active account (a clinic group
    is one WeCom company)."""
    return WecomAccount.objects.filter(is_active=True).order_by("pk").first()


def contact_mode(account: WecomAccount) -> str:
    settings_ = account.settings if isinstance(account.settings, dict) else {}
    mode = str(settings_.get("contact_mode") or "contact_way")
    return mode if mode in CONTACT_MODES else "contact_way"


def _spent(way: WecomContactWay) -> bool:
    """A temporary-session code is single use and expires (WECOM_FACTS.md, "联系我"): spent
    once an add came through it or once it is within `TEMP_RENEW_MARGIN_SECONDS` of expiring.
    A permanent code is never spent.

    "Through it" is read from the add's state, not its lead: an add that stays unmatched (a
    stranger scanning a shared screenshot of the lead's code) spends the code all the same.
    Every verified code of the lead carries the same state (it names the lead), so "through
    it" also needs the add to be after the code: its time (`added_at`, WeCom's clock, so less
    `TEMP_CLOCK_SKEW_SECONDS`) and our writing of that add (`add_recorded_at`, our clock:
    without it the add that spent the previous code would, inside the skew, spend its fresh
    successor too). Not `updated_at`: an edit, a deletion, a transfer or staff binding the
    contact rewrite the row, and would spend the fresh code again on every such rewrite (a
    quota'd renewal each, a new code on every reload: T1 of issue 13 point 1)."""
    if not way.is_temp:
        return False
    now = timezone.now()
    if way.created_at <= now - dt.timedelta(
        seconds=TEMP_EXPIRES_SECONDS - TEMP_RENEW_MARGIN_SECONDS
    ):
        return True
    if not way.verified:
        # An unverified code's state is its own (random, one per code) and its adds bind no
        # lead: any add through that state spent it. A known phone's page must renew its
        # used code exactly as a new phone's does, or a reload after the scan would tell.
        return WecomContact.objects.filter(account_id=way.account_id, state=way.state).exists()
    since = way.created_at - dt.timedelta(seconds=TEMP_CLOCK_SKEW_SECONDS)
    # A half add (the patient scanned, the member has not accepted) used the code as well.
    return WecomContact.objects.filter(
        Q(added_at__gte=since) | Q(half_added_at__gte=since),
        account_id=way.account_id,
        member_userid=way.member_userid,
        state=way.state,
        add_recorded_at__gte=way.created_at,
    ).exists()


def _kind(way: WecomContactWay) -> str:
    """The contact mode a kept row was made in (one of CONTACT_MODES)."""
    if way.config_id == LINK_CONFIG:
        return "acquisition_link"
    return "temp" if way.is_temp else "contact_way"


def _set_aside(way: WecomContactWay, submission: str) -> None:
    """Move a kept row out of its lead/member/submission slot (the unique constraint's) so a
    fresh code can take it; the row itself stays (its adds and its deletion need it)."""
    WecomContactWay.objects.filter(pk=way.pk).update(submission=f"{submission[:16]}~{way.pk}"[:32])


def contact_code_for(
    *,
    lead_id: int,
    member_userid: str,
    verified: bool = True,
    submission: str = "",
    specialty_id: int | None = None,
    consent_version: str = "",
) -> ContactCode | None:
    """The lead's contact code for one member, made on first use (one API call) and kept; a
    temporary-session code is replaced by a fresh one once used or (nearly) expired.

    `verified=False`: the code a public submission that matched a known phone shows (issue 13
    point 1). Its state is opaque (`yu` + random, `unverified_way` finds the row and the lead
    it suggests to staff): an add through it stays 未匹配 until staff bind it, so typing
    someone's phone number on a form never earns their care-plan link or chat, only the plain
    welcome of `specialty_id` / `consent_version` (what the submission itself chose and showed;
    kept on the row, `channels.wecom.welcome`). Such codes are kept per `submission` (the
    thank-you token's nonce): every submission of a known phone gets its own, as every first
    submission of a new phone does, so submitting twice cannot tell the two apart.

    Returns None when there is no active WeCom account, no member userid, the lead is
    anonymized (withdrawn, purged) or merged away (for either kind: the two pages must stay
    alike), or WeCom refuses or cannot be reached (logged; the caller shows the member's
    static QR instead). Never raises for the platform's sake: a patient's thank-you page
    must render."""
    account = contact_account()
    if account is None or not member_userid:
        return None
    if not Lead.objects.filter(pk=lead_id, anonymized_at__isnull=True).exists():
        # Withdrawn, purged or merged away: no code for either kind (W1 of issue 13 point 1).
        # A new phone's page must lose its code (it names the person), so a known phone's
        # page loses its unverified one too, or watching one's own page after the owner's
        # withdrawal would tell whether the phone was already a patient's. Both pages fall
        # back to the member's static code; the unverified row stays as the hint for an add
        # already made through it, its code deleted at WeCom as the verified one is (F2,
        # `contact_ways_delete`).
        return None
    submission = "" if verified else submission[:32]
    mine = {
        "account": account,
        "lead_id": lead_id,
        "member_userid": member_userid,
        "verified": verified,
        "submission": submission,
    }
    mode = contact_mode(account)
    if mode == "acquisition_link":
        return _link_code(
            account, mine, specialty_id=specialty_id, consent_version=consent_version[:40]
        )
    kept = WecomContactWay.objects.filter(**mine).first()
    if kept is not None and _kind(kept) == mode and not _spent(kept):
        return ContactCode(kept.qr_code, kept.member_userid, kept.is_temp)
    is_temp = mode == "temp"
    state = state_for_lead(lead_id) if verified else UNVERIFIED_PREFIX + secrets.token_hex(8)
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
            if kept is not None and verified and _kind(kept) == mode:
                # The spent code's row goes first (one row per account/lead/member); the code
                # itself is left at WeCom: used or expired, it adds nobody any more.
                WecomContactWay.objects.filter(pk=kept.pk).delete()
            elif kept is not None:
                # An unverified code's row stays, out of the submission's slot: an add through
                # it is still waiting for a supervisor, who reads the hint from this row. So
                # does a code made in an earlier mode: it may still be scanned from a saved
                # page, and the lead's withdrawal deletes it at WeCom (`contact_ways_delete`).
                _set_aside(kept, submission)
            way = WecomContactWay.objects.create(
                **mine,
                config_id=config_id[:64],
                qr_code=qr_code[:500],
                state=state,
                is_temp=is_temp,
                specialty_id=specialty_id,
                consent_version=consent_version[:40],
            )
    except IntegrityError:
        # Two pages asked at once: the first code kept wins (the other stays unused at WeCom;
        # a temporary one expires there by itself).
        way = WecomContactWay.objects.get(**mine)
    return ContactCode(way.qr_code, way.member_userid, way.is_temp)


def _link_code(
    account: WecomAccount,
    mine: dict[str, object],
    *,
    specialty_id: int | None = None,
    consent_version: str = "",
) -> ContactCode | None:
    """A 获客链接 with an opaque `customer_channel` (`yc` + 16 random characters) kept as
    this lead/submission's row: the visitor reads the URL, so it must show neither the lead id
    nor whether the code binds (`channel_lead`, in the add's processing, looks it up)."""
    member_userid = str(mine["member_userid"])
    url = _acquisition_link(account, member_userid)
    if not url:
        return None
    kept = WecomContactWay.objects.filter(**mine).first()
    if kept is None or _kind(kept) != "acquisition_link":
        # A code kept from an earlier mode (F1 of issue 13 point 1) is not reused: its state
        # would become the visible customer_channel (a verified one's `yl`+lead id, an
        # unverified one's `yu…`), telling a new phone from a known one.
        try:
            with transaction.atomic():
                if kept is not None:
                    _set_aside(kept, str(mine["submission"]))
                kept = WecomContactWay.objects.create(
                    **mine,
                    config_id=LINK_CONFIG,
                    qr_code=url[:500],
                    state=CHANNEL_PREFIX + secrets.token_urlsafe(12),
                    is_temp=False,
                    specialty_id=specialty_id,
                    consent_version=consent_version,
                )
        except IntegrityError:
            kept = WecomContactWay.objects.get(**mine)
    link = f"{url}?{urlencode({'customer_channel': kept.state})}"
    return ContactCode("", member_userid, False, link=link)


def channel_lead(*, account: WecomAccount, state: str) -> int | None:
    """The lead a 获客链接's opaque `customer_channel` binds to: only a verified row's."""
    if not state.startswith(CHANNEL_PREFIX) or len(state) > 30:
        return None
    return (
        WecomContactWay.objects.filter(account=account, state=state, verified=True)
        .values_list("lead_id", flat=True)
        .first()
    )


def unverified_way(*, account: WecomAccount, state: str) -> WecomContactWay | None:
    """The unverified code (a known phone's submission) an add's state or customer_channel
    names, else None: its `lead` is the hint staff verify before binding, never bound by
    itself."""
    if not state or len(state) > 30:
        return None
    return WecomContactWay.objects.filter(account=account, state=state, verified=False).first()


def _link_ok(url: str) -> bool:
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return False  # the lead's customer_channel is appended: the link must carry none
    if parts.scheme == "https" and (parts.hostname or "") in LINK_HOSTS:
        return True
    return parts.scheme == "http" and sandbox_url(url)


def kept_links(settings: object) -> dict[str, dict]:
    """`settings["acquisition_links"]` as `_acquisition_link` writes it ({member userid:
    {"link_id", "url"}}), without whatever else a hand edit left there (a list, a string):
    a bad value must never take a patient's thank-you page down."""
    links = settings.get("acquisition_links") if isinstance(settings, dict) else None
    if not isinstance(links, dict):
        return {}
    return {str(k): v for k, v in links.items() if isinstance(v, dict)}


def _acquisition_link(account: WecomAccount, member_userid: str) -> str:
    """The member's 获客链接 URL, made on first use and kept in `account.settings
    ["acquisition_links"]` (one per member, shared by every lead: the lead rides in
    `customer_channel`). "" when WeCom refuses or answers a link we will not show."""
    kept = kept_links(account.settings).get(member_userid) or {}
    if kept.get("url"):
        return str(kept["url"])
    try:
        answer = WecomClient(account).call(
            "POST",
            "externalcontact/customer_acquisition/create_link",
            json={
                "link_name": f"引流 {member_userid}"[:30],
                "range": {"user_list": [member_userid]},
                "skip_verify": True,
            },
        )
    except PlatformError as exc:
        logger.warning("create_link failed for member %s: %s", member_userid, exc)
        return ""
    link = answer.get("link") if isinstance(answer.get("link"), dict) else {}
    url, link_id = str(link.get("url") or ""), str(link.get("link_id") or "")
    if not link_id or not _link_ok(url):
        logger.warning("create_link answered no usable link for member %s", member_userid)
        return ""
    with transaction.atomic():
        locked = WecomAccount.objects.select_for_update().get(pk=account.pk)
        links = kept_links(locked.settings)
        if member_userid not in links:  # two pages at once: the first link kept wins
            links[member_userid] = {"link_id": link_id[:64], "url": url[:500]}
            locked.settings = {**(locked.settings or {}), "acquisition_links": links}
            locked.save(update_fields=["settings"])
        return str(links[member_userid]["url"])


def contact_ways_delete(lead_id: int) -> None:
    """Retire the lead's codes (their state names the lead) and ask WeCom to delete them after
    the commit (`del_contact_way`): an add through a deleted person's old code names an
    anonymized lead and is never linked. Idempotent.

    Every code of the lead goes, the unverified ones that submissions of the lead's phone made
    included (F2 of issue 13 point 1): were one left working, scanning a saved QR after the
    owner's withdrawal would tell a known phone's code (still adds, plain welcome) from a new
    phone's ("no such contact way"). The lead's own (verified) rows are deleted; the unverified
    rows stay, as the staff hint for an add already made through them, marked
    `config_id = DELETED_CONFIG` once WeCom confirmed the deletion. A deletion that failed or
    was cut by the request's time budget is left for the WeCom sweep
    (`contact_ways_delete_sweep`): an unverified row as it is, a verified one kept again as an
    unverified row (never shown or bound). A 获客链接 row has nothing of its own at WeCom."""
    ways = list(
        WecomContactWay.objects.select_related("account").filter(lead_id=lead_id, verified=True)
    )
    hints = list(
        WecomContactWay.objects.select_related("account")
        .filter(lead_id=lead_id, verified=False)
        .exclude(config_id__in=[LINK_CONFIG, DELETED_CONFIG])
    )
    if not ways and not hints:
        return
    WecomContactWay.objects.filter(pk__in=[w.pk for w in ways]).delete()
    ways = [w for w in ways if w.config_id != LINK_CONFIG]  # a member's link is not the lead's

    def remote() -> None:
        for way in [*ways, *hints]:
            if _remote_delete_one(way):
                if not way.verified:
                    WecomContactWay.objects.filter(pk=way.pk).update(config_id=DELETED_CONFIG)
            elif way.verified:
                # Its row is gone: kept again, unverified (never shown or bound), so the
                # sweep can finish the deletion.
                WecomContactWay.objects.get_or_create(
                    account=way.account,
                    lead_id=way.lead_id,
                    member_userid=way.member_userid,
                    verified=False,
                    submission=f"retired-{way.pk}"[:32],
                    defaults={
                        "config_id": way.config_id,
                        "qr_code": way.qr_code,
                        "state": way.state,
                        "is_temp": way.is_temp,
                    },
                )

    transaction.on_commit(remote, robust=True)


def _remote_delete_one(way: WecomContactWay) -> bool:
    """`del_contact_way` for one code; False when WeCom refused, failed or the request's time
    budget cut it (logged)."""
    try:
        WecomClient(way.account).call(
            "POST", "externalcontact/del_contact_way", json={"config_id": way.config_id}
        )
    except PlatformError as exc:
        logger.warning("del_contact_way %s failed: %s", way.config_id, exc)
        return False
    return True


def contact_ways_delete_sweep(*, limit: int = 200) -> int:
    """Beat (the WeCom sweep): codes of withdrawn people that WeCom has not confirmed deleted
    (the call failed, or the web request that withdrew had no time left for it) are deleted
    now and marked so. Returns how many were deleted."""
    done = 0
    for way in (
        WecomContactWay.objects.select_related("account")
        .filter(lead__anonymized_at__isnull=False)
        .exclude(config_id__in=[LINK_CONFIG, DELETED_CONFIG])
        .order_by("pk")[:limit]
    ):
        if _remote_delete_one(way):
            WecomContactWay.objects.filter(pk=way.pk).update(config_id=DELETED_CONFIG)
            done += 1
    return done
