"""Juguang landing-page data push → LeadPayload. Name and phone only come as labelled answers.

The label lists are per-account settings (`name_labels`, `phone_labels`, `wechat_labels`)
because forms are built by advertisers and key casing of the push is uncertain [U].
"""

from __future__ import annotations

from typing import Any

from channels.base import as_str, occurred_iso, specialty_guess
from funnel.payload import Consent, LeadPayload

NAME_LABELS = ["姓名", "名字", "称呼", "您的姓名"]
PHONE_LABELS = ["手机号", "手机", "电话", "手机号码", "联系电话", "电话号码"]
WECHAT_LABELS = ["微信", "微信号"]


class MalformedRecord(ValueError):
    pass


def _lower_keys(obj: dict[str, Any]) -> dict[str, Any]:
    # Key casing is uncertain (leads_id / leadsId / LEADS_ID): compare without case or "_".
    return {str(k).replace("_", "").lower(): v for k, v in obj.items()}


def map_push(
    body: dict[str, Any], *, account: str, settings: dict | None = None
) -> tuple[str, LeadPayload]:
    settings = settings or {}
    top = _lower_keys(body)
    data = top.get("data")
    if not isinstance(data, dict):
        raise MalformedRecord("data object missing")
    d = _lower_keys(data)
    leads_id = as_str(d.get("leadsid"))
    if not leads_id:
        raise MalformedRecord("leads_id missing")
    answers_list = d.get("data") or []
    if not isinstance(answers_list, list):
        raise MalformedRecord("answers are not a list")
    answers: dict[str, str] = {}
    for item in answers_list:
        if isinstance(item, dict):
            item_l = _lower_keys(item)
            label = as_str(item_l.get("label"))
            if label:
                answers[label] = as_str(item_l.get("value"))

    def pick(labels: list[str]) -> str:
        for label in labels:
            if answers.get(label):
                return answers[label]
        return ""

    name_labels = settings.get("name_labels", NAME_LABELS)
    phone_labels = settings.get("phone_labels", PHONE_LABELS)
    wechat_labels = settings.get("wechat_labels", WECHAT_LABELS)
    others = {
        k: v for k, v in answers.items() if k not in {*name_labels, *phone_labels, *wechat_labels}
    }
    campaign = as_str(d.get("campaignname"))
    keyword = as_str(d.get("keyword"))
    extra: dict[str, Any] = {
        "landing_page_id": as_str(d.get("landingpageid")),
        "url": as_str(d.get("url")),
        "source_channel": as_str(d.get("sourcechannel")),
        "xhs_account_id": as_str(d.get("accountid")),
        "unit_name": as_str(d.get("unitname")),
    }
    occurred = occurred_iso(
        extra, ("submitted_time", d.get("submittedtime")), channel="xiaohongshu"
    )
    payload = LeadPayload(
        phone=pick(phone_labels),
        name=pick(name_labels),
        wechat_id=pick(wechat_labels),
        specialty=specialty_guess(campaign, keyword, as_str(d.get("unitname")), *others.values()),
        answers=others,
        channel="xiaohongshu",
        account=account,
        external_id=leads_id,
        campaign_id=as_str(d.get("campaignid")),
        campaign_name=campaign,
        adgroup_id=as_str(d.get("unitid")),
        creative_id=as_str(d.get("creativeid")),
        keyword=keyword,
        consent=Consent(given=True, source="xiaohongshu:landing_page_form"),
        consent_required=False,
        occurred_at=occurred,
        extra=extra,
    )
    return leads_id, payload
