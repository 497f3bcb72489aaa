"""Round 17 siblings (Yinliu, issue 17), by kind, each with lawful look-alikes.

On a 科普 page: a booking or a consultation offered in plain words (一键预约,
可预约周末门诊, 免排队) and offers tied to the article (截图这篇文章到店可抵扣). On any
page: rivals run down with no comparison word (别的地方看不好的湿疹，交给我们), the
reader's other medicine stopped (停掉所有的抗抑郁药), rates cited to no one
(临床数据显示，痊愈率96.5%), before/after told in other words, whole cohorts off
their drugs, contracts we dare to sign and an instant-effect idiom. Lawful cautions
the rules blocked before (并非每个人都能停药, 不能指望吃一次药就能睡好,
有效率在研究中约为七成) pass. Every case goes through the real checker, with the
rules alone and with both readers."""

from __future__ import annotations

import pytest

from cms.compliance import load_rules
from cms.compliance.checker import check_report
from tests.cms.compliance_support import blocking_rules, growth_ratio

SCIENCE = ("science",)


_blocking = blocking_rules


# 科普 only (广告法第十九条): most of these are lawful on a landing page
BOOKING_OFFERED = [
    "一键预约，免排队。",
    "预约挂号，免排队。",
    "一键挂号",
    "预约医生",
    "一键咨询",
    "免排队",
    "网上挂号更方便。",
    "预约检查",
    "预约请点这里",
    "提前预约，到院不用等。",
    "可预约周末门诊。",
    "线上挂号，线下看诊。",
    "预约成功后短信通知就诊时间。",
    "今日还可预约。",
    "专家号可以预约了。",
    # siblings
    "一键问诊，医生在线。",
    "在线预约专家",
    "咨询请戳这里",
    "手机挂号很便捷。",
    "现在可以网上预约。",
    "周末门诊已开放预约。",
    "明天还有号源。",
    "来院免等待。",
    "预约成功后，我们会电话提醒您。",
]

ARTICLE_OFFERS = [
    "截图这篇文章到店可抵扣。",
    "下单后48小时内安排医生电话回访。",
    "想要同款检查的，直接来前台说看了这篇文章就行。",
    "点击主页链接了解详情。",
    "想让医生帮你看看头皮？评论区留下你的城市。",
    "文末有惊喜，记得看到最后。",
    # siblings
    "凭本文截图到院立减100元。",
    "到导诊台报看过这篇文章，优先安排。",
    "想做同款检测可以来找我们。",
    "点开简介里的链接。",
    "评论区留下你的手机号，我们联系你。",
    "视频末尾有福利。",
]

SCIENCE_ONLY = BOOKING_OFFERED + ARTICLE_OFFERS

RUN_DOWN = [
    "你去问问那些连锁机构，他们敢承诺吗？我们敢。",
    "别的地方看不好的湿疹，交给我们。",
    "不要再去那些只会卖药的医院浪费钱了。",
    "那种小作坊式的门诊，怎么能和我们比？",
    "你在别家做的检查都不准，到我们这重新查。",
    "别的医院说你没救了？来这里试试。",
    # siblings
    "其他诊所敢保证吗？我们敢。",
    "我们敢承诺效果，别家敢吗？",
    "外面治不好的失眠，交给我们。",
    "别再去那些乱开药的诊所白花钱了。",
    "外院开的化验结果根本不准。",
    "那些小诊所，怎么能和我们相提并论？",
]

STOP_MEDICINE = [
    "接受治疗后，你可以停掉所有的抗抑郁药。",
    "治疗期间请立即停止服用其他医院开的药物。",
    "使用本疗法后，无需继续服用任何药物。",
    "不要吃药了，吃药只会让你越来越依赖。",
    "原来的药会伤肝，建议马上停用。",
    "别听医生的继续吃药，那是害你。",
    # siblings
    "来我们这里调理，可以停用之前所有的降糖药。",
    "调理期间不用再吃原来的安眠药。",
    "以前吃的降压药最好马上停了。",
    "不要听医生的再打胰岛素。",
    "安眠药只会让你越吃越多。",
]

RATES = [
    "临床数据显示，痊愈率96.5%。",
    "睡眠改善率100%。",
    "复发率不到1%。",
    "数据显示治愈率超过九成。",
    # siblings
    "统计显示，本疗法有效率达98%。",
    "症状缓解率高达95%。",
    "术后复发率低于2%。",
    "失败率仅为0.5%。",
    "本院数据显示，治愈率为九成。",
]

BEFORE_AFTER = [
    "对比一下她治疗前后的皮肤状态，变化非常大。",
    "第一张是来院时的照片，第二张是出院时的，大家自己看效果。",
    "这是一位患者三个月内的变化：从M型秃到发际线完整。",
    # siblings
    "调理前后的差别特别明显。",
    "入院时的样子和现在的样子，判若云泥。",
    "半年的改变：从整夜失眠到睡眠稳定。",
]

COHORT = [
    "该方案使每位患者都恢复了健康。",
    "所有失眠患者经治疗后不再需要安眠药。",
    # siblings
    "每一位糖友调理后都不再需要胰岛素。",
    "来这里的每个病人都恢复了健康。",
]

REFUND_AND_INSTANT = [
    "治疗失败的话，手术费双倍返还。",
    "我们敢签合同，别人敢吗？",
    "效果立等可见。",
    # siblings
    "植发失败，费用全额退还。",
    "本院敢和你签协议。",
    "我们给你写保证书。",
    "疗效当即可见。",
]

ANY_PAGE = RUN_DOWN + STOP_MEDICINE + RATES + BEFORE_AFTER + COHORT + REFUND_AND_INSTANT

LAWFUL_SCIENCE = [
    # how hospitals work, not our booking offered
    "多导睡眠监测一般需要提前预约。",
    # booking as a step of how a visit goes (a list of steps, a step label)
    "就诊流程：预约挂号-候诊-就诊-取药。",
    "看病的一般流程是预约挂号、候诊、就诊、缴费、取药。",
    "第一步：预约挂号。",
    "挂号时可以选择皮肤科。",
    "建议通过医院官方渠道预约挂号。",
    "预约挂号时要带好身份证和医保卡。",
    "很多医院已开通网上挂号。",
    "排队候诊时可以先填写睡眠日记。",
    "评论区有读者问到，失眠能不能喝酒助眠，答案是不能。",
    "预约成功后，请按时到医院就诊。",
    "可预约时间以医院公布为准。",
    "如何预约挂号？可以登录医院官网。",
    "大医院的专家号一般需要提前一周预约。",
    "网上挂号时注意核实医院官网。",
    "就诊流程：预约-登记-候诊-就诊-缴费-取药。",
    # the page, not an offer
    "文末附有参考文献。",
    "点击图片可以放大查看。",
    "网购药品下单后要核对药品批准文号。",
    "评论区有读者问到孩子能不能用米诺地尔。",
    "欢迎在评论区分享你的睡眠习惯。",
]

LAWFUL = [
    # M2: cautions blocked before
    "减重后血糖改善的例子很多，但并非每个人都能停药。",
    "并非所有人都能停药，是否减药要听医生的。",
    "植发不是一次就能解决所有问题，术后仍需药物维持。",
    "不能指望吃一次药就能睡好。",
    '新闻报道中提到的"神药"，往往没有经过严格验证。',
    "失眠认知行为疗法的有效率在研究中约为七成。",
    # their siblings
    "不是每个人都能停药，要定期复查。",
    "服药期间无需停用其他药物。",
    "不要自行停掉所有的降压药。",
    "出现皮疹请立即停药并就医。",
    "是否停用原来的药，请听医生的。",
    "不要指望一次治疗就能解决脱发。",
    "网上流传的“神药”从未经过临床试验。",
    "据研究报道，认知行为治疗的缓解率约为六成。",
    "停药后一年内复发率约为50%。",
    "数据显示，约三成失眠患者同时存在焦虑情绪。",
    # rivals, records and advice
    "别的医院做过的检查，复诊时可以带来。",
    "外院的检查结果也可以作为参考。",
    "不要去无证的小诊所看病。",
    "治疗前后的变化因人而异。",
    "出院时的注意事项和入院时不同。",
    "用药一个月后，再看效果决定是否调整。",
    "签合同前要看清退款条款。",
    "手术失败的风险医生会在术前告知。",
    "并不是所有失眠患者都需要安眠药。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", SCIENCE_ONLY)
def test_a_round17_science_sibling_is_blocked_on_science(
    sentence: str, second_reader: bool
) -> None:
    assert "ad19-cta" in _blocking(sentence, second_reader), sentence


@pytest.mark.parametrize("sentence", BOOKING_OFFERED + ARTICLE_OFFERS)
def test_a_booking_offer_is_science_only(sentence: str) -> None:
    # the rules alone: on a landing page a booking button is what the page is for
    assert "ad19-cta" not in _blocking(sentence, False, scopes=())


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", ANY_PAGE)
def test_a_round17_sibling_is_blocked_on_any_page(sentence: str, second_reader: bool) -> None:
    assert _blocking(sentence, second_reader, scopes=()), sentence
    assert _blocking(sentence, second_reader), sentence


@pytest.mark.parametrize(
    ("sentences", "rule"),
    [
        (RUN_DOWN, "ad16-comparison"),
        (STOP_MEDICINE, "ad16-stop-medicine"),
        (RATES, "ad16-rate"),
        (BEFORE_AFTER, "ad16-before-after"),
        (COHORT, "ad16-cohort"),
    ],
)
def test_each_kind_is_found_by_its_rule(sentences: list[str], rule: str) -> None:
    missed = [s for s in sentences if rule not in _blocking(s, False, scopes=())]
    assert not missed, missed


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", LAWFUL_SCIENCE + LAWFUL)
def test_a_round17_lawful_look_alike_passes(sentence: str, second_reader: bool) -> None:
    assert not _blocking(sentence, second_reader), sentence
    assert not _blocking(sentence, second_reader, scopes=()), sentence


def test_a_dare_and_a_come_and_try_answer_are_read_with_their_question() -> None:
    # given a rival dared and our answer, or a rival's verdict and an invitation
    dared = check_report("那些连锁机构敢承诺吗？我们敢。", second_reader=False).blocking
    joined = check_report("别的医院说你没救了？来这里试试。", second_reader=False).blocking
    # then each is one sentence, found from the rival on
    assert dared
    assert dared[0].text.startswith("那些连锁机构")
    assert joined
    assert joined[0].text.startswith("别的医院")
    # a plain question still ends its sentence
    assert not check_report(
        "别的医院说你需要手术？可以再问问主治医生。", second_reader=False
    ).blocking


def test_the_rules_version_is_round_17_or_later() -> None:
    version = tuple(int(part) for part in load_rules().version.split("."))
    assert version >= (2026, 12, 12)


@pytest.mark.parametrize(
    "word",
    [
        "一键预约",
        "免排队",
        "预约医生，",
        "可预约",
        "专家号可以预约",
        "截图这篇文章到店可抵扣",
        "点击主页链接",
        "评论区留下你的城市",
        "我们敢，",
        "他们敢承诺吗？我们敢",
        "别的地方看不好",
        "没救了？来这里试试",
        "那种小作坊式的门诊，怎么能和我们比",
        "停掉所有的",
        "原来的药",
        "别听医生的继续吃药",
        "临床数据显示，痊愈率",
        "复发率不到",
        "治疗前后的变化非常大",
        "变化：从",
        "每位患者都恢复了健康",
    ],
)
def test_a_long_line_of_a_round17_word_checks_in_linear_time(word: str) -> None:
    ratio = growth_ratio(lambda n: (word * (n // len(word) + 1))[:n])
    assert ratio < 9, ratio
