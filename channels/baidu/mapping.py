"""Baidu lead records → LeadPayload: the pull (camelCase) and the push (snake_case) differ."""

from __future__ import annotations

import json
import re
from typing import Any

from channels.base import as_str, occurred_iso, specialty_guess
from funnel.errors import LeadRejected
from funnel.payload import Consent, LeadPayload
from funnel.services.identity import phone_normalize


class MalformedRecord(ValueError):
    pass


# What separates two numbers in `clue_phone_number` wherever it stands: commas, semicolons,
# slashes, the enumeration comma, line breaks and tabs (ASCII and full-width). A space is not
# one of them: people and platforms write one number with spaces ("+86 139 1111 3001").
PHONE_SEPARATORS = re.compile(r"[,，;；/／、|\r\n\t]+")
MAX_PHONE_WORDS = 12  # "+86 139 1111 3001" is 4 words; two such numbers 8


def _one_number(text: str) -> bool:
    """Whether `text` is one complete phone number, by the project's one phone normaliser
    (`funnel.services.identity.phone_normalize`: the landing form, API and CSV accept it)."""
    try:
        phone_normalize(text)
    except LeadRejected:
        return False
    return True


def _split_on_spaces(text: str) -> list[str]:
    """Space-separated words → the fewest runs of consecutive words that are each one
    complete number ("13911113006 13911113007" → two; "+86 139 1111 3001" is one already).
    The text unchanged when no such split exists (intake then refuses it, quarantined), or
    when it has more words than a few spaced-out numbers do (`MAX_PHONE_WORDS`: each run is
    tried, so the work grows with the square of the words of a field the platform fills)."""
    words = text.split()
    if len(words) > MAX_PHONE_WORDS:
        return [text]
    # best[i]: the fewest numbers the first i words make, with the split that does it
    best: list[list[str] | None] = [[]] + [None] * len(words)
    for end in range(1, len(words) + 1):
        for start in range(end):
            before = best[start]
            run = " ".join(words[start:end])
            if before is None or not _one_number(run):
                continue
            if best[end] is None or len(before) + 1 < len(best[end] or []):
                best[end] = [*before, run]
    return best[-1] or [text]


def split_phones(value: Any) -> list[str]:
    """The numbers in `clue_phone_number`, as written (intake normalises each): it may hold
    two ("13800000000,13900000000", "a、b", a tab or line break between, "a b"), and one
    number may be written with spaces or hyphens ("+86 139 1111 3001", "139-1111-3003").
    Split at the separators (`PHONE_SEPARATORS`), and at a space only between two complete
    numbers. [] when empty."""
    phones = []
    for part in PHONE_SEPARATORS.split(as_str(value)):
        part = part.strip()
        if not part:
            continue
        if len(part.split()) > 1 and not _one_number(part):
            phones.extend(_split_on_spaces(part))
        else:
            phones.append(part)
    return phones


def form_answers(form_detail: Any) -> dict[str, str]:
    """`formDetail` is a JSON *string*: [{"name":"电话","type":"phone","value":"…"}]."""
    items = form_detail
    if isinstance(form_detail, str):
        try:
            items = json.loads(form_detail) if form_detail.strip() else []
        except ValueError:
            return {"表单原文": form_detail[:500]}
    answers: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and as_str(item.get("name")):
            answers[as_str(item.get("name"))] = as_str(item.get("value"))
    return answers


def _city(area: str) -> str:
    parts = [p for p in as_str(area).replace("+", "-").split("-") if p]
    return parts[-1] if parts else ""


def _build(
    *,
    clue_id: str,
    phones: list[str],
    answers: dict[str, str],
    account: str,
    campaign_id: str,
    campaign_name: str,
    adgroup_id: str,
    creative_id: str,
    keyword: str,
    search_word: str,
    area: str,
    wechat: str,
    bd_vid: str,
    occurred: tuple[str, Any],
    source: str,
    extra: dict[str, Any],
) -> LeadPayload:
    phone = phones[0] if phones else ""
    for label in ("电话", "手机", "手机号"):
        if not phone and answers.get(label):
            phone = answers[label]
    name = answers.get("姓名") or answers.get("称呼") or ""
    others = {
        k: v for k, v in answers.items() if k not in ("电话", "手机", "手机号", "姓名", "称呼")
    }
    if len(phones) > 1:
        extra["other_phones"] = phones[1:]
    occurred_at = occurred_iso(extra, occurred, channel="baidu")
    return LeadPayload(
        phone=phone,
        name=name,
        city=_city(area),
        wechat_id=wechat,
        specialty=specialty_guess(campaign_name, keyword, search_word),
        answers=others,
        channel="baidu",
        account=account,
        external_id=clue_id,
        campaign_id=campaign_id,
        campaign_name=campaign_name,
        adgroup_id=adgroup_id,
        creative_id=creative_id,
        keyword=search_word or keyword,
        click_ids={"bd_vid": bd_vid} if bd_vid else {},
        consent=Consent(given=True, source=f"baidu:{source}"),
        consent_required=False,
        occurred_at=occurred_at,
        extra={"bidword": keyword, "search_word": search_word, "area": area, **extra},
    )


def map_pull(record: dict[str, Any], *, account: str) -> tuple[str, LeadPayload]:
    clue_id = as_str(record.get("clueId"))
    if not clue_id:
        raise MalformedRecord("clueId missing")
    payload = _build(
        clue_id=clue_id,
        phones=split_phones(record.get("cluePhoneNumber")),
        answers=form_answers(record.get("formDetail")),
        account=account,
        campaign_id=as_str(record.get("campaignId")),
        campaign_name=as_str(record.get("campaignName")),
        adgroup_id=as_str(record.get("adgroupId")),
        creative_id=as_str(record.get("creativeId")),
        keyword=as_str(record.get("keyword")),
        search_word=as_str(record.get("searchWord")),
        area=as_str(record.get("area")),
        wechat=as_str(record.get("imName")) if record.get("solutionType") == "wechat" else "",
        bd_vid=as_str(record.get("bdVid")),
        occurred=("commitTime", record.get("commitTime")),
        source=as_str(record.get("solutionType")) or "pull",
        extra={
            "solution_type": as_str(record.get("solutionType")),
            "flow_channel": as_str(record.get("flowChannelName")),
            "url": as_str(record.get("url")),
            "keyword_id": as_str(record.get("keywordId")),
            "site_id": as_str(record.get("siteId")),
            "page_id": as_str(record.get("pageId")),
        },
    )
    return clue_id, payload


def map_push(body: dict[str, Any], *, account: str) -> tuple[str, LeadPayload]:
    clue_id = as_str(body.get("clue_id"))
    if not clue_id:
        raise MalformedRecord("clue_id missing")
    payload = _build(
        clue_id=clue_id,
        phones=split_phones(body.get("clue_phone_number")),
        answers=form_answers(body.get("form_detail")),
        account=account,
        campaign_id=as_str(body.get("plan_id")),
        campaign_name=as_str(body.get("plan_name")),
        adgroup_id=as_str(body.get("unit_id")),
        creative_id=as_str(body.get("creative_id")),
        keyword=as_str(body.get("keyword")),
        search_word=as_str(body.get("search_word")),
        area=as_str(body.get("area")) or as_str(body.get("area_province")),
        wechat=as_str(body.get("wechat_account")),
        bd_vid=as_str(body.get("bd_vid")),
        occurred=("commit_time", body.get("commit_time")),
        source="push",
        extra={
            "solution_type": as_str(body.get("solution_type_name")),
            "flow_channel": as_str(body.get("flow_channel_name")),
            "uc_name": as_str(body.get("uc_name")),
            "push_delay": as_str(body.get("push_delay")),
            "keyword_id": as_str(body.get("keyword_id")),
        },
    )
    return clue_id, payload
