"""Issue 17, round 11 (fifth verification): promotions, refunds answered under a label, contacts in
other spellings or given by where they sit on the page, the doctor's own hours with a call to come,
and a community's slogans, written in a 科普 page's text (《广告法》第十六、十九条,
《医疗广告管理办法》第七条, 《互联网广告管理办法》第八条). Each finding is written with its
siblings, by kind, and the lawful look-alikes (a clinic's hours as a notice, history witnessed,
a count of patients, a first visit's advice) pass. Every case goes through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report


def _blocking(text: str) -> set[str]:
    report = check_report(text, scopes=("science",), second_reader=False)
    return {f.rule for f in report.blocking}


BLOCKED = [
    # promotions: a discount on a treatment or visit, a reward for bringing someone
    ("全疗程八折。", "ad19-cta"),
    ("套餐七五折。", "ad19-cta"),
    ("首诊半价。", "ad19-cta"),
    ("复诊半价。", "ad19-cta"),
    ("老带新各减500。", "ad19-cta"),
    ("推荐好友来做，双方各返300元。", "ad19-cta"),
    # a refund answered under its label after a failure question
    ("问：没效果怎么办？答：全额退还费用。", "ad16-refund"),
    ("问：治不好怎么办？答：我们退你全款。", "ad16-refund"),
    ("问：无效怎么办？答：费用全退。", "ad16-refund"),
    # QQ by homophones and an id that starts like a public number; a 400 number grouped 4-3-3
    ("叩叩号：幺三五七九二四六八", "ad19-contact"),
    ("扣扣号：幺三五七九二四六八", "ad19-contact"),
    ("企鹅号 12345 6789", "ad19-contact"),
    ("QQ 12345 6789", "ad19-contact"),
    ("咨询请拨4008-820-820。", "ad19-contact"),
    ("热线4008-820-820", "ad19-contact"),
    ("拨打800 820 8820", "ad19-contact"),
    # a contact given by where it sits on the page
    ("电话就是页面顶部那串号码。", "ad19-contact"),
    ("微信号在我的头像里。", "ad19-contact"),
    ("文末有我的联系方式。", "ad19-contact"),
    ("联系方式在文末。", "ad19-contact"),
    ("手机号写在主页简介里。", "ad19-contact"),
    ("文末有医生的联系方式。", "ad19-contact"),
    # the doctor's own hours with a call to come, my name as the pass, my own care, a slot and me
    ("周三下午我在门诊，来了报我名字。", "ad19-cta"),
    ("下周二我坐诊，有问题当面聊。", "ad19-cta"),
    ("周末来院，我亲自给你看。", "ad19-cta"),
    ("约个号，找我就行。", "ad19-cta"),
    ("挂号时提我名字。", "ad19-cta"),
    ("挂个号，直接找我就行。", "ad19-cta"),
    # change witnessed as a slogan, a community as proof
    ("见证每一位发友的改变。", "mad7-timeline"),
    ("见证改变，从今天开始。", "mad7-timeline"),
    ("见证每一位糖友的蜕变。", "mad7-timeline"),
    ("见证奇迹，就在今天。", "mad7-timeline"),
    ("百万发友的共同选择。", "ad16-cohort"),
    ("上万糖友的共同选择。", "ad16-cohort"),
]

LAWFUL = [
    "医生出诊时间以医院公布为准。",
    "见证了医学的进步。",
    "我见证了糖尿病治疗理念的改变。",
    "全国有百万糖友需要规范管理。",
    "全国有400万人患有银屑病。",
    "首诊时请带上既往病历。",
    "老年人各项指标要综合评估。",
    "治疗后各项指标都有改善。",
    "400多名患者参与了研究。",
    "文末附上了各地急救电话。",
    "手机放在枕头下方。",
    "周二我出诊时来了一位患者。",
    "周三下午我在门诊，遇到一位老病人。",
    "有问题要当面问医生。",
    "科室实行老带新培训制度。",
    "骨折后三个月复查。",
    "这些运动各减少了30%的风险。",
    "问：没效果怎么办？答：不退费，但会调整方案。",
    "问：药没效果怎么办？答：及时复诊调整方案。",
]


@pytest.mark.parametrize(("text", "rule"), BLOCKED)
def test_blocked_on_a_science_page(text, rule):
    assert rule in _blocking(text)


@pytest.mark.parametrize("text", LAWFUL)
def test_lawful_look_alike_passes(text):
    assert _blocking(text) == set()
