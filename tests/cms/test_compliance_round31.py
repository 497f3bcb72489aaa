"""Round 31 (rules 2026.12.29), the round-5 tester's claims as kinds: a person between 加
and 微信 on 科普, a button's words alone (预约, 点此咨询, 找客服), a period promised to cure
(三个月包好), efficacy guaranteed in two words (疗效保证, 疗效有保障), our treatment an
ailment's 克星, a public body's recommendation worn as a badge (国家卫健委推荐); with the
look-alikes that must pass."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report


def _blocking(text: str, **kwargs) -> set[str]:
    return {f.rule for f in check_report(text, **kwargs).findings if f.blocking}


@pytest.mark.parametrize(
    "text",
    [
        "有问题可以加李医生微信咨询。",
        "加刘医生微信咨询",
        "加王主任微信，一对一指导",
        "添加刘医生微信",
        "欢迎添加张老师企业微信",
        "加李医生的微信详聊",
        "可加周医助微信了解",
        "加上王营养师的微信",
    ],
)
def test_a_person_between_add_and_wechat_is_a_contact_on_science(text) -> None:
    assert "ad19-contact" in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "预约",
        "点此咨询",
        "找客服",
        "添加助理",
        "了解详情 >",
        "报名参加",
        "立即报名",
        "点击这里预约",
    ],
)
def test_a_buttons_words_alone_are_a_call_to_action_on_science(text) -> None:
    assert "ad19-cta" in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("三个月包好", "ad16-guarantee"),
        ("两个疗程包治", "ad16-guarantee"),
        ("疗效保证", "ad16-guarantee"),
        ("医保定点，疗效有保障", "ad16-guarantee"),
        ("失眠克星", "ad16-guarantee"),
        ("脱发克星，一试便知", "ad16-guarantee"),
        ("国家卫健委推荐", "ad16-endorse-org"),
        ("失眠调理方案｜国家卫健委推荐", "ad16-endorse-org"),
    ],
)
def test_round_31_ad_claims_are_blocked(text, rule) -> None:
    assert rule in _blocking(text, second_reader=False)
    assert rule in _blocking(text)  # both readers


@pytest.mark.parametrize(
    "text",
    [
        "医生不会主动加患者微信",
        "不要随便加陌生“医生”的微信",
        "不要加陌生医生的微信",
        "家长可以加班主任微信了解孩子作息",
        "千万别加所谓专家的微信",
        "就诊流程：预约-登记-候诊",
        "预约：提前一天在医院官方渠道",
        "预约挂号时要带好身份证",
        "如需咨询，请到正规医院",
        "有疑问请咨询医生",
        "国家卫健委推荐成人每天睡7到8小时",
        "国家卫健委推荐：成人每天盐摄入不超过5克",
        "运动是失眠的克星",
        "没有哪家医院能做疗效保证",
        "所谓疗效保证都是骗人的",
        "审核意见：此句涉及疗效保证，请修改。",
        "不要相信疗效保证的宣传",
        "如何提高疗效\n保证每天七小时睡眠，规律服药。",  # a heading over its paragraph (tester A)
        "疗效保证不了，要看个人体质",
        "药品质量有保障",
        "三个月复查一次",
    ],
)
def test_round_31_look_alikes_pass_on_science(text) -> None:
    assert _blocking(text, scopes={"science"}) == set()
