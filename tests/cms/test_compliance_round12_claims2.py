"""Round 13 (seventh verification): promotions, refund answers and slogans that published on a
科普 page under rules 2026.12.7 (《广告法》第十六条、第十九条；《医疗广告管理办法》第七条).
Each finding is written with its siblings, by kind: a first visit's fee halved or free in any
wording, a reward for bringing a new patient, a price for a class of customer, a share of the
old price, a deadline or a price rise on a named day, a gift for likes, shares or coming, a word
said at the desk for an offer; a failure asked about in an FAQ and money back in more words (on
one line or two); the effect as a slogan (有目共睹, 从这里开始, 好医生，好效果) and the crowd as
proof (用了都说好). The lawful look-alikes (refund promises warned about, policy prices, doses
halved, first visits explained, a tip heading, someone else's praise discounted) pass with both
readers. Every case goes through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, scopes=SCIENCE, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


# --- promotions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the verifier's
        "第一次来看诊的费用只收一半",
        "新客户第一次面诊不要钱",
        "头一次来看病不收钱",
        "老患者带新患者，两人都免挂号费",
        "VIP客户专属价2999元",
        "现在做只花以前一半的钱",
        "活动今晚12点截止",
        "下周一起全面涨价",
        "转发集赞30个送一次头皮检测",
        "来院检查送体检套餐",
        "报“头发”两个字有优惠",
        # a first visit's fee halved, in any wording
        "头一回面诊的费用减半",
        "初次来的诊金只要一半",
        "新患者第一次挂号费只收半价",
        # a first visit free, in any wording
        "第一次来面诊免费",
        "新用户首次咨询一分钱不收",
        "首次到院检查分文不取",
        "初次就诊不花一分钱",
        # a reward for bringing someone; two who both go free
        "老客户推荐朋友来，各返两百",
        "老病号带新人来，双方都有红包",
        "两人都免面诊费",
        "结伴来的都享优惠",
        # a price for a class of customer
        "贵宾专属价三千八",
        "老客户特惠价1999元",
        "会员专属折扣",
        "粉丝专享福利",
        # a share of the old price
        "现在植发只要以前一半的价格",
        "只花原来三成的钱",
        # a deadline after its day; the last day
        "优惠月底结束",
        "套餐价周日到期",
        "特价明天截止",
        "优惠只到今天",
        "今天是活动最后一天",
        # a price rise on a named day
        "3月1日起统一提价",
        "下星期一起涨价",
        "价格下月就要涨了",
        # a gift for likes, shares or coming
        "集满20个赞送面诊一次",
        "分享到朋友圈即送头皮护理一次",
        "到院面诊赠送洗发水",
        "预约就送价值199元的检测",
        # a word at the desk for an offer
        "说出暗号打八折",
        "报文章名享优惠",
    ],
)
def test_a_promotion_in_other_words_is_a_call_to_act(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


# --- an FAQ's failure question answered with money back ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the verifier's, on one line and on two
        "没效果呢？费用全退",
        "万一不见效？退还所有治疗费",
        "做了没用怎么办？一分钱都不用花",
        "不长头发？退全款",
        "睡不着怎么办？我们包退",
        "没效果呢？\n费用全退",
        "万一不见效？\n退还所有治疗费",
        "做了没用怎么办？\n一分钱都不用花",
        "不长头发？\n退全款",
        "睡不着怎么办？\n我们包退",
        # siblings
        "效果不好呢？钱全退",
        "白做了怎么办？退你全部费用",
        "没起色咋办？包退",
        "睡不着了怎么办？治疗费全额退",
        "问：不见效怎么办？答：费用全部退还",
        "没用怎么办？不用花一分钱",
    ],
)
def test_money_back_in_more_words_is_a_refund_promise(text: str) -> None:
    assert "ad16-refund" in _blocking(text, scopes=())


# --- slogans ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # the verifier's
        ("治疗效果，有目共睹", "ad16-guarantee"),
        ("用了都说好", "ad16-cohort"),
        ("秀发重生，从这里开始", "ad16-guarantee"),
        ("好医生，好效果", "ad16-guarantee"),
        # the effect as common knowledge
        ("疗效，有口皆碑", "ad16-guarantee"),
        ("植发效果，一试便知", "ad16-guarantee"),
        ("效果怎么样，来了就知道", "ad16-guarantee"),
        # an outcome that starts here
        ("告别失眠，从这里开始", "ad16-guarantee"),
        ("一夜好眠，从本院开始", "ad16-guarantee"),
        ("乌发重生！", "ad16-guarantee"),
        # good X, good effect
        ("好技术，好疗效", "ad16-guarantee"),
        ("好团队，好结果", "ad16-guarantee"),
        # the crowd as proof
        ("试了都说好", "ad16-cohort"),
        ("吃了的人都说好", "ad16-cohort"),
    ],
)
def test_a_slogan_is_a_claim(text: str, rule: str) -> None:
    assert rule in _blocking(text, scopes=())
    assert rule in _blocking(text)


# --- lawful look-alikes -----------------------------------------------------------------------


LAWFUL = [
    # refund promises warned about (were blocked by ad16-refund)
    "凡是承诺“无效退款”的机构，都要提高警惕",
    "商家承诺“无效全额退款”，往往在合同里设置了很多限制条件",
    "有些广告写着“无效退款”，这违反了广告法",
    "承诺“无效退款”的机构，大多在合同里设了免责条款",
    "对承诺“治不好全额退款”的广告要多留个心眼",
    "看到“无效退款”的承诺，先别急着交钱",
    "所谓“无效全额退款”，往往附带苛刻的条件",
    "不少机构打出“无效退款”的旗号，实际很难兑现",
    "商家承诺的“无效退款”，往往有很多附加条件",
    "遇到承诺“无效退款”的诊所，要仔细看合同条款",
    "宣传“不长头发全额退款”的广告属于违法广告",
    # an FAQ answered with care
    "效果不好怎么办？不要着急，先复诊",
    "没效果怎么办？不用花钱买保健品，及时复诊",
    "睡不着怎么办？先别急着吃药",
    "不长头发怎么办？先查查原因",
    "没用怎么办？退一步想，换个方法",
    "预约取消了怎么办？挂号费会原路退回",
    # policy prices; a first visit explained; doses halved
    "社区医院首诊可以减免一般诊疗费",
    "国家基本公共卫生服务项目为高血压患者提供免费随访",
    "国家集采后，这类药的价格下降了一半以上",
    "部分地区孕妇第一次产检免费",
    "65岁以上老人每年可以免费体检一次",
    "家庭医生签约居民首次随访免费",
    "新生儿第一次疫苗接种免费",
    "现在的药费只有以前的一半",
    "集采后，药费只要以前一半的钱",
    "规律作息后，入睡时间只要以前的一半",
    "第一次服药剂量只用一半",
    "首次服药剂量减半",
    "第一次来看病不要紧张",
    "首次就诊时请带上既往病历",
    "第一次来医院不知道挂哪个科，可以问导诊台",
    # days and events that are no offer
    "社区活动本周日结束",
    "运动今晚12点前结束最好",
    "体育活动明天结束",
    "下周一起天气转凉",
    "下个月起，部分药品价格上调",
    # sharing and sending that are no gift
    "把这篇文章分享给身边的人，送他们一份健康知识",
    "转发给家人，提醒他们按时服药",
    "采血后即送检验科检测",
    "检查结果会送到病房",
    "就诊时送上病历",
    # effects told as facts; tips headings; praise discounted
    "他汀类药物的疗效有目共睹",
    "健康生活，从这里开始",
    "改善睡眠，从今晚开始",
    "好心态，好睡眠",
    "好作息，好睡眠",
    "别人用了都说好，不代表适合你",
    "这种药吃了都说好？不一定适合你",
    "毛囊再生研究仍在实验阶段",
    "头发再生需要时间",
    "效果一般要三个月才看得见",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("lawful", LAWFUL)
def test_lawful_look_alikes_pass_both_readers(lawful: str, second_reader: bool) -> None:
    assert _blocking(lawful, second_reader=second_reader) == set()


def test_a_tips_heading_from_here_is_no_slogan_for_the_rules() -> None:
    # 了解失眠，从这里开始 promises nothing; the second reader blocked it before this round too
    assert _blocking("了解失眠，从这里开始") == set()


def test_a_two_line_faq_refund_is_reported_on_both_lines() -> None:
    report = check_report("不长头发？\n退全款", scopes=SCIENCE, second_reader=False)
    refund = [f for f in report.blocking if f.rule == "ad16-refund"]
    assert {f.line for f in refund} == {1, 2}
