"""Ocean Engine lead record (pull `tools/clue/get`, or Feiyu push) → LeadPayload."""

from __future__ import annotations

from typing import Any

from channels.base import as_int, as_str, occurred_iso, specialty_guess
from funnel.payload import Consent, LeadPayload

GENDER = {1: "m", 2: "f"}
CLUE_TYPES = {0: "表单", 1: "在线咨询", 2: "智能电话", 3: "网页回呼", 4: "卡券", 5: "抽奖"}
LATE_FIELDS = ("app_name", "convert_status", "intention_estimation")


class MalformedRecord(ValueError):
    pass


def _city(record: dict[str, Any]) -> str:
    city = as_str(record.get("city_name"))
    if city:
        return city
    # location is "省+市" ("山东+济南")
    parts = [p for p in as_str(record.get("location")).split("+") if p]
    return parts[-1] if parts else as_str(record.get("province_name"))


def map_pull(record: dict[str, Any], *, account: str) -> tuple[str, LeadPayload]:
    clue_id = as_str(record.get("clue_id"))
    if not clue_id:
        raise MalformedRecord("clue_id missing")
    answers = {as_str(k): as_str(v) for k, v in (record.get("remark_dict") or {}).items()}
    campaign = as_str(record.get("promotion_name"))
    concern = as_str(record.get("remark")) or as_str(record.get("form_remark"))
    extra: dict[str, Any] = {
        "advertiser_id": as_str(record.get("advertiser_id")),
        "clue_type": CLUE_TYPES.get(as_int(record.get("clue_type"), -1), ""),
        "clue_state": as_int(record.get("clue_state")),
        "site_id": as_str(record.get("site_id")),
        "module_id": as_str(record.get("module_id")),  # the form on that page
        "district": as_str(record.get("country_name")),  # sic: the district, not a country
        "external_url": as_str(record.get("external_url")),
        **{k: as_str(record.get(k)) for k in LATE_FIELDS if record.get(k) not in (None, "")},
    }
    # create_time_detail to the second; create_time is the day (both Beijing time)
    occurred = occurred_iso(
        extra,
        ("create_time_detail", record.get("create_time_detail")),
        ("create_time", record.get("create_time")),
        channel="douyin",
    )
    payload = LeadPayload(
        phone=as_str(record.get("telephone")),
        name=as_str(record.get("name")),
        gender=GENDER.get(as_int(record.get("gender")), ""),
        age=as_int(record.get("age")) or None,
        city=_city(record),
        specialty=specialty_guess(campaign, as_str(record.get("ad_name")), *answers),
        concern=concern,
        answers=answers,
        wechat_id=as_str(record.get("weixin")),
        channel="douyin",
        account=account,
        external_id=clue_id,
        campaign_id=as_str(record.get("promotion_id")),
        campaign_name=campaign,
        ad_id=as_str(record.get("ad_id")),
        creative_id=as_str(record.get("creative_id")),
        click_ids={"ad_id": as_str(record.get("ad_id"))} if record.get("ad_id") else {},
        consent=Consent(given=True, source="douyin:platform_form"),
        consent_required=False,
        occurred_at=occurred,
        extra=extra,
    )
    return clue_id, payload


def map_push(body: dict[str, Any], *, account: str) -> tuple[str, LeadPayload]:
    """Feiyu CRM push: `id` is the lead id, `telphone` (sic), `create_time` unix seconds (or a
    time as text: `channels.base.platform_time` reads either)."""
    clue_id = as_str(body.get("id") or body.get("clue_id"))
    if not clue_id:
        raise MalformedRecord("id missing")
    extra: dict[str, Any] = {
        "adv_name": as_str(body.get("adv_name")),
        "external_url": as_str(body.get("external_url")),
        "clue_source": as_str(body.get("clue_source")),
        "flow_type": as_str(body.get("flow_type")),
        "clue_type": CLUE_TYPES.get(as_int(body.get("clue_type"), -1), ""),
    }
    # unix seconds as documented; some senders write the Beijing time as text
    occurred = occurred_iso(extra, ("create_time", body.get("create_time")), channel="douyin")
    payload = LeadPayload(
        phone=as_str(body.get("telphone") or body.get("telephone")),
        name=as_str(body.get("name")),
        gender=GENDER.get(as_int(body.get("gender")), ""),
        city=_city(body),
        wechat_id=as_str(body.get("weixin")),
        specialty=specialty_guess(as_str(body.get("adv_name")), as_str(body.get("ad_name"))),
        channel="douyin",
        account=account,
        external_id=clue_id,
        campaign_id=as_str(body.get("promotion_id")),
        campaign_name=as_str(body.get("promotion_name")),
        ad_id=as_str(body.get("ad_id")),
        consent=Consent(given=True, source="douyin:feiyu_push"),
        consent_required=False,
        occurred_at=occurred,
        extra=extra,
    )
    return clue_id, payload
