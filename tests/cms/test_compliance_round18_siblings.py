"""Round 18 siblings (Yinliu, issue 17), by kind, each with lawful look-alikes.

On a 科普 page: a slot said to be left or opened (专家号还剩3个, 专家号放号啦), booking made
easy (挂号不用排队, 马上约医生, 周末也能看诊，不用请假), a consultation or a prize offered
(医生免费解答, 留言抽三位朋友免费做睡眠监测) and teasers or orders (文章底部有福利). On any
page: rivals and their doctors run down (他们医院的医生都是刚毕业的学生), the reader's
medicine stopped as an order (扔掉你的安眠药, 激素药别再用了), counts of patients helped
as proof (已有8000位患者康复), instant relief (马上止痒), before/after shown (使用前vs使用后),
promotions (充值会员，享专属折扣, 初诊免挂号费), a rate told as two counts and money back.
Lawful look-alikes (急诊不需要预约, 擅自停用抗癫痫药可能诱发癫痫发作, 我国约有1.4亿糖尿病患者,
出现胸痛要立刻就医, 用药前后要监测血糖, 部分地区对七十岁以上老人免挂号费) pass. Every case
goes through the real checker, with the rules alone and with both readers."""

from __future__ import annotations

import pytest

from cms.compliance import load_rules
from cms.compliance.checker import check_report
from cms.site_forms import site_name_problems
from tests.cms.compliance_support import blocking_rules, growth_ratio

_blocking = blocking_rules


# 科普 only (广告法第十九条): most of these are lawful on a landing page
SLOTS = [
    "专家号还剩3个。",
    "今天下午还有号。",
    "专家号放号啦。",
    "明天的号还可以约。",
    "主任号开放预约了。",
    # siblings
    "名医号只剩两个了。",
    "周五上午还有号。",
    "特需号放出来了。",
    "后天的号还能约。",
    "教授号已开放预约。",
]

BOOKING_EASY = [
    "挂号不用排队，手机上点一点就行。",
    "挂号后直接去诊室，不用等。",
    "线上约诊更方便。",
    "马上约医生。",
    "约个号来看看吧。",
    "周末也能看诊，不用请假。",
    # siblings
    "约诊不用排队，网上点几下就好。",
    "看诊无需等待。",
    "网上约号更便捷。",
    "赶紧预约专家。",
    "节假日也能看诊。",
    "下班后也可以来看。",
]

CONSULT_OR_PRIZE = [
    "别犹豫，评论区留下你的城市。",  # a negation before, not privacy advice
    "24小时在线医生免费解答。",
    "留言抽三位朋友免费做睡眠监测。",
    "评论区告诉我你几点睡，我帮你分析。",
    # siblings
    "医生在线免费答疑。",
    "转发抽两位读者免费做检测。",
    "私信告诉我你的血糖，我帮你看看。",
]

TEASERS_AND_ORDERS = [
    "文章底部有福利。",
    "看完记得领取你的专属福利。",
    "提交订单后医生会给你打电话。",
    # siblings
    "文章结尾有福利。",
    "记得领取专属福利。",
    "填写资料后顾问会联系你。",
]

SCIENCE_ONLY = SLOTS + BOOKING_EASY + CONSULT_OR_PRIZE + TEASERS_AND_ORDERS

RUN_DOWN = [
    "别家的医生连多导睡眠监测都没听说过。",
    "他们医院的医生都是刚毕业的学生。",
    "不像某些医院只会忽悠你做手术。",
    "别的医院说没办法？来找我们。",
    "其他医院的专家？不过是挂个名。",
    "那边的医生只会让你多做检查。",
    "公立医院的医生根本没时间管你。",
    "其他医院的睡眠科都是摆设。",
    "你去过的那些医院都没用。",
    "其他地方看了都白看。",
    "同类机构的医生都是半路出家。",
    "外面很多医院都是莆田系。",
    "那家医院口碑很差。",
    "去别处看也是浪费钱。",
    "你之前去的医院是不是只给你开药？那是治标不治本。",
    # siblings
    "别家的大夫连睡眠呼吸暂停都不懂。",
    "那边的专家都是实习生。",
    "某些诊所只会骗钱。",
    "其他医院说治不了？来找我们。",
    "隔壁医院的皮肤科都是摆设。",
    "你去过的那些诊所都白看了。",
    "他们医院口碑极差。",
    "去外面看也是白花钱。",
]

STOP_MEDICINE = [
    "扔掉你的安眠药。",
    "立即停用激素药膏。",
    "医生让你吃的药都有副作用，别吃了。",
    "西药伤肝，赶紧停了。",
    "别再吃那些精神类药物了。",
    "医生开的药先别吃了，试试我们的方法。",
    "激素药别再用了。",
    "不要再吃医生开的安眠药。",
    "抗抑郁药吃多了会变傻，赶紧停。",
    "降糖药吃多了伤肾，早停早好。",
    # siblings
    "扔掉你的降压药。",
    "马上停用激素软膏。",
    "降压药伤肾，赶紧停了。",
    "别再打胰岛素了。",
    "医生给你开的药先别吃了。",
    "安眠药吃多了会变傻，赶紧停。",
]

COHORT = [
    "已有8000位患者康复。",
    "近万名糖友已经实现停药。",
    "上个月有200多位患者痊愈。",
    "众多患者在这里找回了健康。",
    "数以万计的患者受益。",
    "已帮助超过两万名患者。",
    "10000+患者的信赖之选。",
    "累计服务患者50万人次。",
    "已服务10万+患者，好评如潮。",
    "大量患者反馈效果很好。",
    # siblings
    "已有5000多位糖友康复。",
    "近千名患者已经痊愈。",
    "数以千计的失眠患者受益。",
    "已帮助三万多名患者。",
    "20000+患者的信任之选。",
    "累计接诊患者30万人次。",
]

INSTANT = [
    "马上止痒。",
    "立刻止痛。",
    "立即止痛。",
    "马上止咳。",
    "立刻退烧。",
    "瞬间止痒。",
    "涂上立刻不痒了。",
    "吃完马上就能睡。",
    "三天不痒。",
    # siblings
    "立刻消肿。",
    "喷上立刻不疼了。",
    "喝完马上就能睡着。",
    "两天不痒了。",
]

BEFORE_AFTER = [
    "看看这位患者用药前后的变化。",
    "使用前vs使用后。",
    "来看对比：第1天 vs 第30天。",
    "用药之前满脸痘，用药之后皮肤光滑。",
    "看治疗前后的变化有多大。",
    "未治疗前和治疗一个月后的对比。",
    # siblings
    "看看这位糖友调理前后的变化。",
    "治疗前VS治疗后。",
    "对比：第1周 vs 第8周。",
    "治疗之前满头白屑，治疗之后头皮干净。",
    "术前和术后三个月的对比。",
]

PROMOTION = [
    "充值会员，享专属折扣。",
    "预存治疗费，享受九折优惠。",
    "开通会员，免费测血糖。",
    "初诊免挂号费。",
    "首诊不花钱。",
    "首次就诊免挂号费和检查费。",
    # siblings
    "充值会员享八折。",
    "预交治疗费，享受八折。",
    "办会员，免费查血糖。",
    "首诊免诊金。",
    "初诊不收钱。",
    "第一次就诊免挂号费。",
]

RATE_AS_COUNTS = [
    "1000例患者中，有960例痊愈。",
    "治疗300人，治愈285人。",
    "接诊的500位患者里，480位已经痊愈。",
    # siblings
    "200例患者中，有190例痊愈。",
    "治疗500人，治愈480人。",
    "收治的300名患者里，290名已经康复。",
]

MONEY_BACK = [
    "不满意可以把钱要回去。",
    # siblings
    "没效果可以把钱拿回去。",
]

ANY_PAGE = (
    RUN_DOWN + STOP_MEDICINE + COHORT + INSTANT + BEFORE_AFTER + PROMOTION + RATE_AS_COUNTS
) + MONEY_BACK

LAWFUL_SCIENCE = [
    "多导睡眠监测需要提前和医院预约检查时间。",
    "急诊不需要预约。",
    "各医院的预约规则不同。",
    "就诊流程一般是：预约挂号、候诊、就诊。",
    "专家号紧张时可以先看普通门诊。",
    "睡前别刷手机，看完这篇文章就去睡吧。",
    # siblings
    "专家号需要提前在医院官网预约。",
    "挂号时请核对医生姓名。",
    "急诊不用预约挂号。",
    "各地医院放号时间不同。",
    "读完这篇文章，记得早点睡。",
    "医生不建议在评论区做诊断。",
    "留言区不提供诊疗建议。",
]

LAWFUL = [
    # privacy advice names the comments without inviting to them; research counts; a bad
    # outcome's rate said roughly and not low (fixes after the full suite ran on round 18)
    "请勿在评论区留下手机号等个人信息。",
    "本研究共治疗三千左右患者。",
    "停药后一年内复发率约为50%。",
    "如出现严重过敏反应，应立即停药并就医。",
    "擅自停用抗癫痫药可能诱发癫痫发作。",
    "并非所有患者都适合停药。",
    "激素药膏要按医嘱逐渐减量，不要突然停用。",
    "我国约有1.4亿糖尿病患者。",
    "一项纳入3000名成年人的研究。",
    "全国每年约有数十万人。",
    "速效救心丸含服后通常几分钟起效。",
    "出现胸痛要立刻就医。",
    "立即停药并就医。",
    "治疗前后都应记录睡眠日记。",
    "用药前后要监测血糖。",
    "部分地区对七十岁以上老人免挂号费。",
    "社区医院首诊可以减免一般诊疗费。",
    # siblings
    "其他医院的检查结果可以带来复诊。",
    "不同医院的诊疗习惯不同。",
    "别处开的药请带来给医生看。",
    "停用激素药膏要遵医嘱逐渐减量。",
    "医生开的药不要擅自停用。",
    "血糖低于3.9时不要再打胰岛素，先补糖。",
    "如果出现低血糖，先不要再吃降糖药，及时就医。",
    "全国约有3亿人存在睡眠障碍。",
    "一项纳入2000名患者的研究显示，多数人睡眠有所改善。",
    "低血糖时要立刻吃糖。",
    "止痒药膏需要按说明使用。",
    "发烧超过三天要就医。",
    "用药前后都要测血压。",
    "手术前和手术后都要禁食。",
    "医保患者可以享受报销。",
    "办理就诊卡后才能挂号。",
    "一项研究纳入120名患者，其中84人症状改善。",
    "不满意可以向卫生健康部门投诉。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", SCIENCE_ONLY)
def test_a_round18_science_sibling_is_blocked_on_science(
    sentence: str, second_reader: bool
) -> None:
    assert "ad19-cta" in _blocking(sentence, second_reader), sentence


@pytest.mark.parametrize("sentence", SCIENCE_ONLY)
def test_a_round18_booking_offer_is_science_only(sentence: str) -> None:
    # the rules alone: on a landing page a booking button is what the page is for
    assert "ad19-cta" not in _blocking(sentence, False, scopes=())


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", ANY_PAGE)
def test_a_round18_sibling_is_blocked_on_any_page(sentence: str, second_reader: bool) -> None:
    assert _blocking(sentence, second_reader, scopes=()), sentence
    assert _blocking(sentence, second_reader), sentence


@pytest.mark.parametrize(
    ("sentences", "rule"),
    [
        (RUN_DOWN, "ad16-comparison"),
        (STOP_MEDICINE, "ad16-stop-medicine"),
        (COHORT, "ad16-cohort"),
        (INSTANT, "ad16-instant"),
        (BEFORE_AFTER, "ad16-before-after"),
        (PROMOTION, "mad6-promotion"),
        (RATE_AS_COUNTS, "ad16-rate"),
        (MONEY_BACK, "ad16-refund"),
    ],
)
def test_each_round18_kind_is_found_by_its_rule(sentences: list[str], rule: str) -> None:
    missed = [s for s in sentences if rule not in _blocking(s, False, scopes=())]
    assert not missed, missed


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("sentence", LAWFUL_SCIENCE + LAWFUL)
def test_a_round18_lawful_look_alike_passes(sentence: str, second_reader: bool) -> None:
    assert not _blocking(sentence, second_reader), sentence
    assert not _blocking(sentence, second_reader, scopes=()), sentence


def test_a_rival_asked_about_is_read_with_the_verdict_or_the_invitation_after_it() -> None:
    # given a rival's verdict asked about, then our invitation or a verdict on the rival
    invited = check_report("别的医院说没办法？来找我们。", second_reader=False).blocking
    judged = check_report(
        "你之前去的医院是不是只给你开药？那是治标不治本。", second_reader=False
    ).blocking
    # then each is one sentence, found from the rival on
    assert invited
    assert invited[0].text.startswith("别的医院")
    assert judged
    assert judged[0].text.startswith("你之前去的医院")
    # a myth asked about and judged, with no rival, claims nothing of us
    assert not check_report("止痛药吃了就不痛了？那是治标不治本。", second_reader=False).blocking


def test_a_site_name_with_a_slot_opened_is_refused() -> None:
    # the site name is printed on every 科普 page: it is read by the 科普 rules
    problems = site_name_problems("引流健康·专家号放号啦")
    assert problems
    assert any("放号" in problem for problem in problems), problems
    assert site_name_problems("引流健康") == []


def test_the_rules_version_is_round_18_or_later() -> None:
    version = tuple(int(part) for part in load_rules().version.split("."))
    assert version >= (2026, 12, 13)


@pytest.mark.parametrize(
    "word",
    [
        "专家号还剩",
        "今天下午还有号",
        "放号啦，",
        "的号还可以约",
        "挂号不用排队",
        "不用等，",
        "马上约医生，",
        "约个号",
        "周末也能看诊",
        "留言抽三位",
        "评论区告诉我，我帮你分析",
        "文章底部有福利",
        "领取你的专属福利",
        "别家的医生连",
        "他们医院的医生都是刚毕业的",
        "其他医院的专家？不过是挂个名",
        "你之前去的医院？那是治标不治本",
        "扔掉你的安眠药",
        "药先别吃了",
        "已有8000位患者康复",
        "数以万计的患者",
        "已帮助超过两万名患者",
        "马上止痒",
        "三天不痒，",
        "使用前vs使用后",
        "第1天 vs 第30天",
        "用药之前，用药之后",
        "充值会员，享专属折扣",
        "初诊免挂号费",
        "1000例患者中，有960例痊愈",
        "不满意可以把钱要回去",
    ],
)
def test_a_long_line_of_a_round18_word_checks_in_linear_time(word: str) -> None:
    ratio = growth_ratio(lambda n: (word * (n // len(word) + 1))[:n])
    assert ratio < 9, ratio
