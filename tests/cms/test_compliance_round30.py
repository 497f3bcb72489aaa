"""Round 30: 科普 phone numbers split by marks the phone rules did not read (an en dash, a
tilde, an underscore, 一, a spaced digit run), and two false blocks lifted: an instant-effect
idiom judged unreliable, a name ending in 军 before 医生 read as 军医."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report
from cms.compliance.spelling import read_spellings
from cms.textnorm import normalize_map
from tests.cms.compliance_support import growth_ratio


def _blocking(text: str, **kwargs) -> set[str]:
    return {f.rule for f in check_report(text, **kwargs).findings if f.blocking}


@pytest.mark.parametrize(
    "text",
    [
        "咨询电话400–123–4567",
        "400~123~4567",
        "400～123～4567",
        "400_123_4567",
        "400一123一4567",
        "138一0013一8000",
        "4OO—123—4567",
        "4 0 0 1 2 3 4 5 6 7",
        "1 3 8 0 0 1 3 8 0 0 0",
        "有问题拨打138·0013·8000",
    ],
)
def test_a_phone_split_by_other_marks_is_a_contact_on_science(text) -> None:
    assert "ad19-contact" in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "一般2-4周可见效果，需遵医嘱",
        "每天1～2次，外用",
        "通过ISO 9001认证的实验室",
        "检查结果与症状一一对应",
        "2024–2025年流感季",
        "2023一2024学年的调查",
        "疼痛评分1 2 3 4 5 6 7 8 9 10分",
        "食品安全国家标准GB 2760—2014",
        "血压控制在130～140/80～90毫米汞柱",
    ],
)
def test_dates_ranges_and_scores_are_no_phone(text) -> None:
    assert "ad19-contact" not in _blocking(text, scopes={"science"})


def test_a_number_read_keeps_its_highlight_on_what_was_written() -> None:
    written = "请拨打4 0 0 1 2 3 4 5 6 7"
    folded, origin = read_spellings(*normalize_map(written))
    assert "4001234567" in folded
    start = folded.index("4001234567")
    assert written[origin[start]] == "4"
    assert written[origin[start + 9]] == "7"
    finding = next(f for f in check_report(written, scopes={"science"}).findings)
    assert finding.rule == "ad19-contact"


@pytest.mark.parametrize(
    ("text", "scopes"),
    [
        # an instant-effect idiom judged unreliable after it
        ("立竿见影的减肥方法往往不可靠", {"science"}),
        ("立竿见影的生发产品往往不可靠", {"science"}),
        ("号称一针见效的疗法要警惕", ()),
        # a name ending in 军 before 医生 or a title is no 军医
        ("刘军医生坐诊", ()),
        ("王建军医生每周六坐诊", ()),
        ("张海军主任医师坐诊", ()),
    ],
)
def test_round_30_false_blocks_pass(text, scopes) -> None:
    assert _blocking(text, scopes=scopes) == set()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("控糖效果立竿见影", "ad16-instant"),
        ("立竿见影，绝对可靠", "ad16-instant"),
        ("军医坐诊", "mad7-military"),
        ("前军医", "mad7-military"),
        ("海军医生坐诊", "mad7-military"),
        ("解放军医生坐诊", "mad7-military"),
        ("退休军医生活调理", "mad7-military"),
    ],
)
def test_round_30_siblings_stay_blocked(text, rule) -> None:
    assert rule in _blocking(text, second_reader=False)


@pytest.mark.parametrize("unit", ["4 0 0 1 2 3 ", "400–123–4567，", "1一2一3一"])
def test_the_dash_reader_reads_a_long_line_in_linear_time(unit) -> None:
    ratio = growth_ratio(lambda n: unit * (n // len(unit)), small=2000, large=8000)
    assert ratio < 9, ratio
