"""Round 13: a 科普 page must not invite readers to book a doctor's outpatient slot
(《广告法》第十九条；《互联网广告管理办法》第八条；2025 医疗广告认定指南). A fresh
verifier published 「李医生每周三上午在本院出诊，可提前挂号」 and four siblings under
rules 2026.12.7 with no finding from either reader. The kind: a named doctor's or our
clinic's outpatient hours (出诊, 坐诊, 专家门诊, 门诊时间), a slot (号源, 放号, 加号,
挂…的号), a named doctor booked, slots scarce and urged, our clinic's booking offered,
a booking on a channel we name (小程序“引流健康”) or on a booking platform (好大夫,
微医), a consultation's entry point. Health education that invites nobody to our
clinic passes (建议到正规医院皮肤科就诊, 挂号时选择内分泌科即可, 三级医院的专家门诊
通常号源紧张…). Every case goes through the real checker, both readers, 科普 scope."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = ("science",)


def _blocking(text: str, second_reader: bool) -> set[str]:
    report = check_report(text, scopes=SCIENCE, second_reader=second_reader)
    return {f.rule for f in report.blocking}


VIOLATIONS = [
    # the verifier's sentences
    "李医生每周三上午在本院出诊，可提前挂号。",
    "王主任周二、周四全天坐诊，号源有限请尽早挂号。",
    "需要面诊的读者可以在小程序“引流健康”里挂周医生的号。",
    "周医生的专家门诊安排在每周五下午。",
    "想找李医生看的，可以在医院公众号上挂号。",
    # a named doctor's hours: a span of days, the session then its day, a schedule's label
    "黄医生每周一、三、五上午坐诊。",
    "王主任星期二、星期四下午坐诊。",
    "周医生每周五下午出专家门诊。",
    "张主任的特需门诊时间是周一上午。",
    "李医生出诊时间：每周三上午。",
    "周主任门诊：周二全天。",
    "王主任出诊：周二上午、周四下午。",
    "出诊安排：王主任，周二上午。",
    "周医生门诊时间周五下午，可在公众号挂号。",
    "周医生（皮肤科）每周五下午门诊。",
    "王主任每月第一个周六坐诊。",
    "赵主任本周六加诊。",
    "王主任下周二加开一个门诊，号源有限。",
    "周明医生每周二、周四上午出诊。",
    "李晓红主任的特需门诊安排在周四下午。",
    "我的专家门诊安排在每周五下午。",
    "李明每周三上午出诊。",
    # a named doctor to go and find, or to search for and book
    "想看脱发的读者，每周五下午可以到皮肤科找周医生。",
    "可在医院APP搜索周医生预约。",
    # our clinic's hours
    "本院皮肤科专家门诊每周二、周四开放。",
    "我院睡眠门诊出诊时间：周一至周五全天。",
    "我们科每周四下午有专家门诊。",
    "我们的主任每周二、周四上午都在门诊。",
    # a slot: released, added, scarce
    "周医生每周一早上8点放号。",
    "李医生的号源有限，想看的尽早预约。",
    "挂不上号的读者，可以找王主任加号。",
    "号源紧张，请尽早预约。",
    # a named doctor booked
    "预约刘主任的特需门诊，请提前一周。",
    "想挂陈教授的号，可以在小程序里预约。",
    "想挂王主任专家号的朋友，记得提前预约。",
    "挂周明医生的号可以在公众号上预约。",
    "想找王主任面诊，可以在微医上预约。",
    # our clinic's booking offered
    "我们医院现在可以网上预约挂号。",
    "本院互联网医院已开通线上问诊。",
    "我院开设了睡眠专病门诊，每周三下午开诊。",
    # a booking on a channel we name, or on a booking platform
    "需要复诊的读者，可以在“引流健康”公众号上预约。",
    "预约挂号请在“引流健康”小程序操作。",
    "本院不接受电话预约，请在“引流健康”小程序预约。",
    "可以在好大夫在线上挂张主任的号。",
    "在微医APP上可以找王医生问诊。",
    "在好大夫上可以直接问诊。",
    # a consultation's entry point
    "线上问诊入口在公众号菜单栏。",
    "复诊入口就在医院公众号首页。",
    "面诊通道见公众号菜单。",
]

LAWFUL = [
    # the brief's health education
    "如出现持续脱发，建议到正规医院皮肤科就诊。",
    "就诊时带上既往的检查报告。",
    "初诊患者建议先挂皮肤科普通门诊。",
    "挂号时选择内分泌科即可。",
    "三级医院的专家门诊通常号源紧张，可先到社区医院首诊。",
    "睡眠门诊一般设在精神科或神经内科。",
    # hospitals and kinds of doctor in general
    "现在大多数医院都支持在公众号或APP上预约挂号。",
    "可以通过医院官方APP挂号，不要找号贩子。",
    "很多医院的睡眠门诊只在工作日开放。",
    "家庭医生一般每周二在社区坐诊，签约居民可以预约。",
    "挂号前可以先在医院官网查看医生的出诊时间。",
    "复诊时尽量挂同一位医生的号，便于连续观察病情。",
    "初次就诊可以挂普通号，医生会根据情况转诊。",
    "如果挂不上专家号，可以先看普通门诊。",
    "专家门诊号源紧张时，可以先挂普通门诊。",
    "三级医院专家号源紧张，建议提前通过官方渠道预约。",
    "号贩子倒卖的专家号不要买。",
    "部分医院开通了线上问诊，复诊开药更方便。",
    "很多医院的专家门诊每周只开一两个半天。",
    "高年资医生每周三会参加科室病例讨论。",
    "医联体内的社区医院可以预约转诊。",
    # a named doctor's advice or a day's story, no slot offered
    "王医生提醒：挂号时选择内分泌科即可。",
    "李医生提醒，做胃镜需要提前预约。",
    "李医生建议，初诊患者可以先挂普通门诊。",
    "张医生说，挂号时不知道挂哪个科，可以先问导诊台。",
    "李医生周三门诊时遇到一位年轻患者。",
    "周医生每周三都会在门诊遇到几个因熬夜脱发的年轻人。",
    "王主任周二门诊时，一位患者问起了米诺地尔。",
    "我的门诊每周都有失眠患者来咨询。",
    "周医生每天门诊量很大。",
    "我们医院每天的门诊量超过一千人次。",
    "患者李某每周三来门诊复查。",
    "和医生沟通时，要说清楚症状出现的时间。",
    "建议到医院找专科医生评估。",
    "我去年到北京找王主任看过，他建议先调整作息。",
    "很多患者去医院找李医生复查时都会带上化验单。",
    "社区全科医生每周三上午坐诊。",
    # the state's platforms, a platform warned against, our clinic's advice
    "在“国家医保服务平台”APP上可以查询医保报销进度。",
    "不要相信网上自称“好大夫”的加号服务。",
    "本院医生提醒，做胃镜前需要空腹。",
    "本院不接受电话预约，请通过官方渠道预约。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", VIOLATIONS)
def test_a_booking_call_to_action_is_blocked(text: str, second_reader: bool) -> None:
    assert "ad19-cta" in _blocking(text, second_reader)


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", LAWFUL)
def test_health_education_about_booking_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader) == set()


def test_a_schedule_split_over_a_heading_and_its_line_is_blocked() -> None:
    # a heading with no full stop is read joined to the next line (round 8)
    assert "ad19-cta" in _blocking("李医生出诊时间\n每周三上午。", False)


def test_the_booking_rules_apply_to_science_pages_only() -> None:
    # 第十九条 governs health science; a 转化 page may name its doctor's hours
    text = "李医生每周三上午在本院出诊，可提前挂号。"
    assert not check_report(text, scopes=(), second_reader=False).has_blocking
