"""Round 15 siblings (Yinliu, issue 17), by kind, each with lawful look-alikes: refund or
compensation guarantees with no figure (不满意可退全款, 效果不好我们赔; any page), other
hospitals, clinics or doctors run down with no comparison word (其他诊所用的都是过时疗法; any
page), and round 14's 科普 leftovers (a named doctor's shift, my shift with no day, a stored-value
card in words, a Latin name with no Dr, urgency idioms). Every case goes through the real
checker, with the rules alone and with both readers."""

from __future__ import annotations

import pytest

from cms.compliance import load_rules
from tests.cms.compliance_support import blocking_rules, growth_ratio

SCIENCE = ("science",)


_blocking = blocking_rules


REFUNDS = [
    "不满意可退全款。",
    "效果不好我们赔。",
    "没效果包赔。",
    "没有效果退还治疗费。",
    "不满意退全款。",
    "无效赔付。",
    "没效果就赔钱。",
    "效果不达标我们负责退钱。",
    "疗效不好全额返还。",
    "不长头发我们赔。",
    "头发长不出来包赔。",
    "睡不好全款退。",
    "没效果，钱我们赔给你。",
    "效果不好，我们赔你钱。",
    "没效果的话退您全款。",
    "效果不理想可以全款退还。",
    "血糖降不下来，我们照价赔偿。",
    "治不好双倍赔。",
    "不见效赔您钱。",
    "没改善就退还疗程费。",
    # already caught before round 15: kept as guards
    "不满意全额退款。",
    "不见效退费。",
    "无效包退。",
    "效果不理想，我们赔偿全部费用。",
]

DISPARAGEMENT = [
    "其他诊所用的都是过时疗法。",
    "别家用的都是老掉牙的方法。",
    "隔壁医院的医生根本不懂失眠。",
    "外面的医院都是骗钱的",
    "很多医院还在用淘汰的技术",
    "小诊所的医生水平不行",
    "别的医生只会开安眠药",
    "其他医院的医生只会让你吃药。",
    "外面的诊所都是瞎治。",
    "很多医生根本不懂脱发。",
    "别家医院用的还是几十年前的技术。",
    "隔壁诊所的大夫水平太差。",
    "普通医院的医生只知道开激素。",
]

# 科普 only (`ad19-cta`)
NAMED_SHIFT = [
    "陈医生周六值班，可以来看。",
    "王主任周三值夜班，有事来找。",
    "周六陈医生值班，欢迎来。",
    "李医生这周末值班。",
    "张医生每周二晚上值班。",
]

MY_SHIFT = [
    "我值班，来了找我。",
    "今晚我值班，有事过来。",
    "这几天都是我值班，可以过来看看。",
    "我今天坐诊，直接来找我。",
    "我在门诊值班，来了报我名字。",
]

VALUE_CARD = [
    "可以办张储值卡。",
    "建议办个会员卡。",
    "不妨充个值。",
    "办张年卡更省。",
    "欢迎办理储值卡。",
    "来了可以开张储值卡。",
]

LATIN_NAME = [
    "找Li医生就行。",
    "找Kevin就行。",
    "联系Wang医生。",
    "可以预约Chen大夫。",
    "挂Li医生的号。",
    "有问题问Zhang主任。",
    "Li医生周三在院。",
]

URGENCY = [
    "名医号要靠抢。",
    "专家号全靠抢。",
    "号源手慢无。",
    "名医号拼手速。",
    "专家号得靠抢。",
]

ANY_PAGE = REFUNDS + DISPARAGEMENT
# (round 16) a card offered is a promotion on any page too (`mad6-promotion`): checked in
# test_compliance_round16_siblings.py, blocked here on 科普
SCIENCE_ONLY = NAMED_SHIFT + MY_SHIFT + LATIN_NAME + URGENCY

LAWFUL = [
    # refunds: a warning, a policy, the patient's legal rights, goods returned (consumer law,
    # not a treatment's outcome)
    "有些广告宣称无效退款，不可信",
    "退款政策以法规为准",
    "药品质量问题可以依法要求赔偿",
    "医疗纠纷可以申请医疗损害赔偿鉴定",
    "网购药品不满意可以申请退货",
    "治疗效果不好引发纠纷，可以申请医疗损害赔偿鉴定。",
    "服务包在开始前七天内可以申请退款",
    "目前没有任何治疗能根治脱发。",
    # disparagement: therapies retired by guidelines, a public warning, guidelines first, a denial
    "部分疗法已被指南淘汰，如有疑问请咨询医生",
    "不正规的小诊所可能存在风险，请到正规医疗机构就诊",
    "一些医院的做法与指南不一致时，以指南为准",
    "其他医院的检查结果也可以作为参考",
    "别家医院用的并不是过时疗法，只是方案不同。",
    "很多医生会建议先调整作息。",
    # shifts: the duty doctor, a story of the shift
    "值班医生会处理夜间急诊",
    "我值班，来了一位失眠的患者。",
    "陈医生周六值班时遇到一位老人。",
    "昨晚我值班，来了找我的是一位年轻人。",
    # cards: consumer advice, the hospital's registration card
    "储值卡消费要保留凭证",
    "第一次就诊可以先办张就诊卡。",
    "不建议办储值卡。",
    "办会员卡前要看清退款条款。",
    # letters that name a kind of doctor, not a person
    "可以问问AI医生，但不能代替面诊。",
    "ICU医生会评估病情。",
    # urgency: hospitals in general, touts
    "三甲医院专家号要靠抢，可以先到社区医院首诊。",
    "黄牛总是抢走患者的号，请通过官方渠道挂号。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", ANY_PAGE + SCIENCE_ONLY + VALUE_CARD)
def test_a_round15_sibling_is_blocked_on_a_science_page(sentence: str, second_reader: bool) -> None:
    assert _blocking(sentence, second_reader), sentence


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", ANY_PAGE)
def test_refunds_and_disparagement_are_blocked_on_any_page(
    sentence: str, second_reader: bool
) -> None:
    found = _blocking(sentence, second_reader, scopes=())
    assert found & {"ad16-refund", "ad16-comparison"}, sentence


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", LAWFUL)
def test_a_round15_lawful_look_alike_passes(sentence: str, second_reader: bool) -> None:
    assert not _blocking(sentence, second_reader), sentence
    assert not _blocking(sentence, second_reader, scopes=()), sentence


@pytest.mark.parametrize("sentence", SCIENCE_ONLY)
def test_the_science_leftovers_are_ad19_and_science_only(sentence: str) -> None:
    assert "ad19-cta" in _blocking(sentence, False)
    assert not _blocking(sentence, False, scopes=())


def test_the_rules_version_is_round_15_or_later() -> None:
    # (round 16) later rounds bump the version; the round 15 rules stay in it
    version = tuple(int(part) for part in load_rules().version.split("."))
    assert version >= (2026, 12, 10)


@pytest.mark.parametrize(
    "word",
    [
        "不满意退全款",
        "没效果包赔",
        "效果不好我们赔",
        "其他诊所用的都是过时",
        "别的医生只会开",
        "陈医生周六值班",
        "我值班，来了找我",
        "可以办张储值卡",
        "找Li医生",
        "找Kevin",
        "名医号要靠抢",
        "号源手慢无",
        "没有效果退还治疗费",
    ],
)
def test_a_long_line_of_a_trigger_word_checks_in_linear_time(word: str) -> None:
    # 4x the characters takes about 4x the time (quadratic reading would take 16x); a ratio
    # measured in the same run, not a wall-clock bound (a loaded runner slowed the old one)
    ratio = growth_ratio(lambda n: (word * (n // len(word) + 1))[:n])
    assert ratio < 9, ratio
