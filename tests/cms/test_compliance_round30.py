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


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # a cure said likely
        ("治愈机会很大", "ad16-rate"),
        ("脱发早来治，大概率能治好", "ad16-rate"),
        ("多半能治好", "ad16-rate"),
        ("湿疹基本都能治好", "ad16-rate"),
        ("十有八九能治好", "ad16-rate"),
        ("痊愈的希望非常大", "ad16-rate"),
        ("九成以上能治好", "ad16-rate"),
        ("绝大部分都能治好", "ad16-rate"),
        ("复发率极低", "ad16-rate"),
        ("效果稳定不反复", "ad16-guarantee"),
        # no relapse said of the ailment; the root pulled out
        ("采用中药调理，病情不会反复", "ad16-guarantee"),
        ("湿疹不易复发", "ad16-guarantee"),
        ("血糖再也不反弹", "ad16-guarantee"),
        ("我院独家疗法，把脱发连根拔起", "ad16-guarantee"),
        ("从根上解决失眠问题", "ad16-guarantee"),
        ("从根本上治好脱发", "ad16-guarantee"),
        ("斩断失眠根源", "ad16-guarantee"),
        ("铲除湿疹病根", "ad16-guarantee"),
        # an ailment not coming back or troubling again; a goodbye to it
        ("湿疹不再来", "ad16-guarantee"),
        ("失眠从此不再找上门", "ad16-guarantee"),
        ("不再受湿疹困扰", "ad16-guarantee"),
        ("再也不被失眠折磨", "ad16-guarantee"),
        ("告别头皮屑烦恼", "ad16-guarantee"),
        ("调理三个月，和湿疹说再见", "mad7-timeline"),
        ("和痘痘说拜拜", "mad7-timeline"),
        # medicine left off, other hospitals compared, a patient vouching
        ("治疗后可以不吃降压药", "ad16-stop-medicine"),
        ("调理一段时间就能停用激素药膏", "ad16-stop-medicine"),
        ("坚持疗程，从此不打胰岛素", "ad16-stop-medicine"),
        ("我院治疗效果比协和还好", "ad16-comparison"),
        ("中医调理比西医见效快", "ad16-comparison"),
        ("植发效果比三甲医院更好", "ad16-comparison"),
        ("患者王女士亲身见证", "ad16-testimonial"),
        ("糖友李先生亲身验证", "ad16-testimonial"),
        # before and after as two labels
        ("治疗前 治疗后", "ad16-before-after"),
        ("治疗前/治疗后对比", "ad16-before-after"),
        ("用前用后", "ad16-before-after"),
        ("before/after对比", "ad16-before-after"),
        ("Before & After", "ad16-before-after"),
        # a period and 治好
        ("7天治好失眠", "mad7-timeline"),
        ("一周治好", "mad7-timeline"),
        ("三个疗程治好湿疹", "mad7-timeline"),
        # a study of our own treatment is our result
        ("一项研究显示，约95%的患者用本方案后两周内痊愈", "ad16-cohort"),
        ("研究发现，用本疗法后九成患者不再失眠", "ad16-rate"),
        ("研究显示，本疗法有效率92%", "ad16-rate"),
    ],
)
def test_round_30_ad_claims_are_blocked(text, rule) -> None:
    assert rule in _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "打电话给我们",
        "有事可以致电我院",
        "评论区留言，我一对一解答",
        "私信我，医生会逐一回复",
        "有问题可以问我们的医助",
        "找我们的医生聊聊",
        "咨询本院的营养师",
        "前台可以帮您安排",
        "前台会为你预约",
        "来诊所让医生看看",
        "来我院找专家看看",
        "加我们医助微信",
        "加我们的微信",
    ],
)
def test_round_30_science_calls_to_us_are_refused(text) -> None:
    assert "ad19-cta" in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "早期发现治愈机会更大",
        "要想从根上解决脱发问题，先要找到病因",
        "从根本上解决失眠需要改变作息",
        "预防湿疹反复要注意保湿",
        "湿疹容易反复，不要擅自停药",
        "治疗前后要复查肝功能",
        "用药前后注意监测血糖",
        "治疗前的检查很重要，治疗后的随访也同样重要",
        "治疗前、治疗后都要复查",
        "比起西医，中医更注重整体",
        "减重后部分患者在医生评估下可停用胰岛素",
        "有疑问请咨询医生",
        "及时到医院就诊",
        "欢迎在评论区留言讨论",
        "到医院让医生看看",
        "指南指出，本方案适用于轻中度患者",
        "规律作息有助于远离失眠",
        "停药后血糖不反弹的前提是坚持饮食控制",
        "早期治疗复发率较低",
        "大多数患者经规范治疗可以控制",
    ],
)
def test_round_30_look_alikes_pass_on_science(text) -> None:
    assert _blocking(text, scopes={"science"}) == set()
