"""Recorded payloads (built from API_FACTS.md) → LeadPayload, one quirk at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from channels.baidu import mapping as baidu
from channels.base import platform_time
from channels.douyin import mapping as douyin
from channels.xiaohongshu import mapping as xhs
from tests.channels.conftest import payload


def test_douyin_pull_record_maps_every_field():
    # given the first record of a recorded clue/get page
    record = payload("douyin_clue_get_page1.json")["data"]["list"][0]
    # when it is mapped
    external_id, p = douyin.map_pull(record, account="dy")
    # then ids are strings, time is Beijing, gender and the district are understood
    assert external_id == "7364012345678901234"
    assert (p.phone, p.name, p.gender, p.age, p.city) == ("13800000000", "张三", "m", 32, "北京")
    assert p.campaign_id == "7363000000000000001"  # an integer on the wire
    assert p.campaign_name == "脱发-表单-北京"
    assert p.specialty == "脱发"
    assert p.ad_id == "1780000000000001"
    assert p.occurred_at == "2026-11-01T10:21:33+08:00"
    assert p.answers == {"脱发年限": "3年"}
    assert p.concern == "头顶稀疏三年"
    assert p.wechat_id == "zhangsan_wx"
    assert p.extra["district"] == "朝阳区"  # country_name is really the district
    assert p.extra["convert_status"] == "合法转化"
    assert p.consent_required is False
    assert p.consent.source == "douyin:platform_form"


def test_douyin_numeric_ids_and_missing_late_fields():
    # given a record whose ids came as numbers and whose late fields are not there yet
    record = payload("douyin_clue_get_page1.json")["data"]["list"][1]
    external_id, p = douyin.map_pull(record, account="dy")
    # then ids keep every digit and the city falls back to the location "省+市"
    assert external_id == "7364012345678901235"
    assert p.campaign_id == "7363000000000000002"
    assert p.city == "上海"
    assert p.gender == "f"
    assert "convert_status" not in p.extra
    assert p.specialty == "失眠"


def test_douyin_unknown_gender_and_zero_age_are_empty():
    record = payload("douyin_clue_get_page2.json")["data"]["list"][1]
    _, p = douyin.map_pull(record, account="dy")
    assert (p.gender, p.age, p.specialty) == ("", None, "糖尿病")


def test_douyin_feiyu_push_uses_id_and_telphone_sic():
    body = payload("douyin_feiyu_push.json")
    external_id, p = douyin.map_push(body, account="dy")
    assert external_id == "7364012345678909999"
    assert p.phone == "13912340000"
    assert p.city == "济南"
    assert p.occurred_at == "2026-11-01T10:41:33+08:00"  # unix seconds, shown in Beijing time


def test_douyin_record_without_id_is_malformed():
    with pytest.raises(douyin.MalformedRecord):
        douyin.map_pull({"telephone": "13800000000"}, account="dy")


def test_xhs_labels_map_name_phone_and_keep_other_answers():
    external_id, p = xhs.map_push(payload("xhs_push.json"), account="xhs")
    assert external_id == "L2026110100001"
    assert (p.name, p.phone) == ("李四", "13900000000")
    assert p.answers == {"脱发年限": "2年"}
    assert p.keyword == "脱发怎么治疗"
    assert p.campaign_id == "1234567"
    assert p.adgroup_id == "2345678"
    assert p.occurred_at == "2026-11-01T10:21:33+08:00"
    assert p.specialty == "脱发"


def test_xhs_camel_case_keys_and_alternative_labels():
    external_id, p = xhs.map_push(payload("xhs_push_camel.json"), account="xhs")
    assert external_id == "L2026110100002"
    assert (p.name, p.phone) == ("周女士", "+86 158 0000 1111")
    assert p.campaign_name == "失眠科普-留资"
    assert p.specialty == "失眠"


def test_xhs_label_list_is_configurable():
    body = payload("xhs_push.json")
    body["data"]["data"] = [{"label": "您的手机", "value": "13900000009"}]
    _, default = xhs.map_push(body, account="xhs")
    _, custom = xhs.map_push(body, account="xhs", settings={"phone_labels": ["您的手机"]})
    assert default.phone == ""
    assert custom.phone == "13900000009"


def test_baidu_pull_form_detail_is_a_json_string():
    record = payload("baidu_notice_list.json")["body"]["data"][0]["noticeDetailList"][0]
    external_id, p = baidu.map_pull(record, account="bd")
    assert external_id == "210604140990751127"
    assert (p.phone, p.name, p.city) == ("13700000000", "孙丽", "济南")
    assert p.answers == {"症状描述": "入睡困难"}
    assert p.click_ids == {"bd_vid": "abc123"}
    assert p.keyword == "失眠怎么调理"  # the search word the person typed
    assert p.extra["bidword"] == "失眠调理"
    assert (p.campaign_id, p.adgroup_id, p.creative_id) == ("101", "202", "303")
    assert p.specialty == "失眠"


def test_baidu_pull_two_numbers_and_numeric_clue_id():
    record = payload("baidu_notice_list.json")["body"]["data"][0]["noticeDetailList"][1]
    external_id, p = baidu.map_pull(record, account="bd")
    assert external_id == "210604140990751128"
    assert p.phone == "13511112222"
    assert p.extra["other_phones"] == ["18633334444"]
    assert p.click_ids == {}
    assert p.city == "北京"


def test_baidu_push_is_snake_case_and_delayed_push_adds_attribution():
    _, first = baidu.map_push(payload("baidu_push_first.json"), account="bd")
    _, later = baidu.map_push(payload("baidu_push_delayed.json"), account="bd")
    assert (first.phone, first.name, first.campaign_id) == ("13800001111", "陈晨", "")
    assert later.campaign_id == "104"
    assert later.keyword == "脱发怎么治疗"
    assert later.extra["push_delay"] == "延迟20分钟"
    assert later.specialty == "脱发"


def test_baidu_split_phones_handles_chinese_comma():
    assert baidu.split_phones("13800000000，13900000000") == ["13800000000", "13900000000"]
    assert baidu.split_phones("") == []


@pytest.mark.parametrize(
    "value",
    ["+86 139 1111 3001", "139 1111 3002", "139-1111-3003", " 139 1111 3004 ", "010 6552 9988"],
)
def test_baidu_one_number_written_with_spaces_or_hyphens_stays_one(value):
    # given one number as people write it (the landing form, API and CSV accept each)
    # when the phone field is split
    # then it is one number, as written (intake normalises it)
    assert baidu.split_phones(value) == [value.strip()]


@pytest.mark.parametrize(
    ("value", "phones"),
    [
        ("13911113004,13911113005", ["13911113004", "13911113005"]),
        ("13911113006 13911113007", ["13911113006", "13911113007"]),
        ("13911113008\t13911113009", ["13911113008", "13911113009"]),
        ("13911113010\n13911113011", ["13911113010", "13911113011"]),
        ("13911113012\r\n13911113013", ["13911113012", "13911113013"]),
        ("13911113014;13911113015", ["13911113014", "13911113015"]),
        ("13911113016/13911113017", ["13911113016", "13911113017"]),
        ("13911113018、13911113019", ["13911113018", "13911113019"]),
        ("+86 139 1111 3020 139 1111 3021", ["+86 139 1111 3020", "139 1111 3021"]),
        ("139 1111 3022，139-1111-3023", ["139 1111 3022", "139-1111-3023"]),
    ],
)
def test_baidu_two_numbers_are_split_where_the_text_really_holds_two(value, phones):
    assert baidu.split_phones(value) == phones


def test_baidu_words_that_make_no_number_are_kept_for_intake_to_refuse():
    # given a field whose words are no phone however they are grouped
    # then it is kept whole (quarantined invalid_phone by intake, raw record kept)
    assert baidu.split_phones("12345 67890") == ["12345 67890"]
    assert baidu.split_phones(" ".join(["139"] * 40)) == [" ".join(["139"] * 40)]


@pytest.mark.parametrize("mapper", ["pull", "push"])
def test_baidu_a_spaced_number_is_the_leads_phone_on_pull_and_push(mapper):
    # given a Baidu record whose phone field holds one number written with spaces
    if mapper == "pull":
        record = payload("baidu_notice_list.json")["body"]["data"][0]["noticeDetailList"][0]
        record["cluePhoneNumber"] = "+86 139 1111 3001"
        _, p = baidu.map_pull(record, account="bd")
    else:
        body = {**payload("baidu_push_first.json"), "clue_phone_number": "+86 139 1111 3001"}
        _, p = baidu.map_push(body, account="bd")
    # then that is the phone, and no second number is invented
    assert p.phone == "+86 139 1111 3001"
    assert "other_phones" not in p.extra


# -- lead times: one reader (channels.base.platform_time) for every connector ----------------

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
WHEN = dt.datetime(2026, 11, 25, 10, 21, 33, tzinfo=SHANGHAI)
EPOCH = int(WHEN.timestamp())  # 1795573293
TIME_FORMATS = [
    ("2026-11-25 10:21:33", WHEN),
    ("2026/11/25 10:21:33", WHEN),
    ("2026-11-25T10:21:33", WHEN),
    ("2026-11-25T02:21:33Z", WHEN),  # an offset given is honoured
    ("2026-11-25 10:21:33+08:00", WHEN),
    (EPOCH, WHEN),  # epoch seconds
    (str(EPOCH), WHEN),
    (EPOCH * 1000, WHEN),  # epoch milliseconds
    (str(EPOCH * 1000), WHEN),
    ("2026-11-25", dt.datetime(2026, 11, 25, tzinfo=SHANGHAI)),  # a day alone: its midnight
]
UNREADABLE = ["25/11/2026 10:21", "2026-02-30 10:00:00", "昨天", "20261125", -5, float("nan")]


def _douyin_pull(when: Any) -> tuple[str, Any]:
    record = payload("douyin_clue_get_page1.json")["data"]["list"][0]
    record = {**record, "create_time_detail": when}
    record.pop("create_time")
    return "create_time_detail", douyin.map_pull(record, account="dy")[1]


def _douyin_push(when: Any) -> tuple[str, Any]:
    body = {**payload("douyin_feiyu_push.json"), "create_time": when}
    return "create_time", douyin.map_push(body, account="dy")[1]


def _baidu_pull(when: Any) -> tuple[str, Any]:
    record = payload("baidu_notice_list.json")["body"]["data"][0]["noticeDetailList"][0]
    return "commitTime", baidu.map_pull({**record, "commitTime": when}, account="bd")[1]


def _baidu_push(when: Any) -> tuple[str, Any]:
    body = {**payload("baidu_push_first.json"), "commit_time": when}
    return "commit_time", baidu.map_push(body, account="bd")[1]


def _xhs_push(when: Any) -> tuple[str, Any]:
    body = payload("xhs_push.json")
    body["data"]["submitted_time"] = when
    return "submitted_time", xhs.map_push(body, account="xhs")[1]


MAPPERS: dict[str, Callable[[Any], tuple[str, Any]]] = {
    "douyin pull": _douyin_pull,
    "douyin push": _douyin_push,
    "baidu pull": _baidu_pull,
    "baidu push": _baidu_push,
    "xiaohongshu push": _xhs_push,
}


@pytest.mark.parametrize(("sent", "meant"), TIME_FORMATS, ids=[repr(f[0]) for f in TIME_FORMATS])
@pytest.mark.parametrize("mapper", MAPPERS)
def test_every_connector_reads_a_lead_time_in_every_format(mapper, sent, meant):
    # given a record whose submit time is written in one of the platforms' ways (no offset:
    # Beijing time; a number: epoch seconds or milliseconds by its size)
    # when it is mapped
    _field, p = MAPPERS[mapper](sent)
    # then the lead dates from that moment, not from its receipt
    assert dt.datetime.fromisoformat(p.occurred_at) == meant
    assert "unreadable_times" not in p.extra


@pytest.mark.parametrize("sent", UNREADABLE, ids=repr)
@pytest.mark.parametrize("mapper", MAPPERS)
def test_an_unreadable_lead_time_is_recorded_not_dropped_silently(mapper, sent, caplog):
    # given a record whose submit time no reader understands (or no calendar holds)
    # when it is mapped
    field, p = MAPPERS[mapper](sent)
    # then intake will date it at receipt (no time given), and the time as sent is kept on
    # the record and logged
    assert p.occurred_at == ""
    assert p.extra["unreadable_times"] == {field: str(sent)}
    assert field in caplog.text


def test_douyin_pull_falls_back_to_the_day_and_keeps_the_odd_detail():
    record = payload("douyin_clue_get_page1.json")["data"]["list"][0]
    _, p = douyin.map_pull({**record, "create_time_detail": "10:21"}, account="dy")
    assert p.occurred_at == "2026-11-01T00:00:00+08:00"  # create_time, the day
    assert p.extra["unreadable_times"] == {"create_time_detail": "10:21"}


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("2026-11-25 10:21:33.250", WHEN.replace(microsecond=250000)),
        ("2026-11-25 10:21", WHEN.replace(second=0)),
        ("2026-11-25 10:21:33+0800", WHEN),
        (float(EPOCH), WHEN),
        (EPOCH * 1000 + 500, WHEN.replace(microsecond=500000)),
        (10**11, None),  # milliseconds from here: 1973, before any lead
        (99_999_999, None),  # seconds before 2001: no lead's time (a date's digits, a count)
        (True, None),
        (10**30, None),
        ("1e9999", None),
        ("2026-11-25 10:21:33+24:00", None),
        ("", None),
        (None, None),
    ],
    ids=repr,
)
def test_platform_time_edges(sent, meant):
    assert platform_time(sent) == meant
