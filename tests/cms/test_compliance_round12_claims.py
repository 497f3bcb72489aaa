"""Round 12 (sixth verification): promotions, refund answers and outcome slogans that published
on a 科普 page under rules 2026.12.6 (《广告法》第十六条、第十九条；《医疗广告管理办法》第七条).
Each finding is written with its siblings, by kind: a visit's or treatment's price halved or
waived, a price for a kind of customer, a share of the old price, an offer's last days; a failure
asked about in an FAQ and money back in the answer's own words (on one line or two, as an FAQ
block renders them); an outcome given back (还你一头秀发), the effect shown as a slogan
(好效果，看得见) and a crowd of patients as the proof (无数患者亲身验证). The lawful look-alikes
(policy prices, halved doses and risks, a season missed, an FAQ answered with care, facts about
when an effect shows, trials still to prove a drug) pass with both readers. Every case goes
through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, scopes=SCIENCE, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


# --- promotions: halved, waived, member prices, the old price, urgency ----------------------


@pytest.mark.parametrize(
    "text",
    [
        # the verifier's
        "首次面诊费用减半",
        "疗程费用打对折",
        "新患者首诊免挂号费",
        "会员专享价1999元",
        "全疗程只需要原价的一半",
        "本月最后三天，错过再等一年",
        # a visit's or treatment's price halved
        "初诊挂号费减半。",
        "植发费用直接打对折。",
        "本月套餐价格减半。",
        "第二个疗程费用减半。",
        "面诊费减半收取。",
        "首诊减半。",
        # a fee waived for whom we want to come
        "首诊不收挂号费。",
        "新客面诊免诊金。",
        "挂号费全免，只限新患者。",
        "本月到院免检查费。",
        # a price for a kind of customer
        "会员价2980元。",
        "粉丝专享价三千八。",
        "内部员工价1680元。",
        "活动价：1280元。",
        # a share of the old price
        "现在做只要原价的一半。",
        "只收原价的七成。",
        "比原价便宜一半。",
        "原价五千，现在两千五。",
        # urgency: the offer's last days, what missing it costs, the price to rise, one day only
        "错过今天，再等一年。",
        "错过这次活动，就要再等一年。",
        "本周最后两天！",
        "优惠倒计时3天。",
        "下月起恢复原价。",
        "即将涨价，抓紧预约。",
        "植发项目下月起涨价。",
        "仅此一天。",
        "机不可失，失不再来。",
        "过了这村就没这店了。",
    ],
)
def test_a_promotion_or_its_deadline_is_a_call_to_act(text: str) -> None:
    assert "ad19-cta" in _blocking(text)


# --- an FAQ's failure question answered with money back ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the verifier's, on one line and on two (an FAQ block renders question and answer apart)
        "万一没用呢？钱一分不少还给你",
        "不满意怎么办？无条件退",
        "治不好怎么办？一分钱不收",
        "万一没用呢？\n钱一分不少还给你",
        "不满意怎么办？\n无条件退",
        "治不好怎么办？\n一分钱不收",
        # siblings: other failures, other words for the money, labels
        "问：万一没用呢？\n答：钱一分不少还给你。",
        "问：头发不长怎么办？\n答：无条件退款。",
        "没效果怎么办？钱原封不动退给你。",
        "长不出来怎么办？我们全额返还。",
        "没效果咋办？分文不取。",
        "不满意怎么办？无条件退款。",
        "治不好怎么办？不收你一分钱。",
        "治不好怎么办？钱如数奉还。",
        "万一无效呢？费用全部退给您。",
        "睡不好怎么办？我们一分钱都不要。",
        "要是没用呢？钱照样一分不少退给你。",
        "没效果怎么办？不要钱。",
    ],
)
def test_money_back_in_an_faq_answer_is_a_refund_promise(text: str) -> None:
    assert "ad16-refund" in _blocking(text, scopes=())


# --- outcome slogans --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # an outcome given back
        ("三个月还你一头秀发", "ad16-guarantee"),
        ("还你满头乌发。", "ad16-guarantee"),
        ("一个疗程，还你浓密黑发。", "ad16-guarantee"),
        ("21天还你一夜好眠。", "ad16-guarantee"),
        ("还您一个平稳血糖。", "ad16-guarantee"),
        ("半年还你满头青丝！", "ad16-guarantee"),
        ("植发还你自信。", "ad16-guarantee"),
        ("送你一头秀发。", "ad16-guarantee"),
        # the effect shown as a slogan
        ("好效果，看得见", "ad16-guarantee"),
        ("效果看得见！", "ad16-guarantee"),
        ("疗效，看得见。", "ad16-guarantee"),
        ("看得见的改变。", "ad16-guarantee"),
        ("真效果，看得到。", "ad16-guarantee"),
        ("效果看得见，摸得着。", "ad16-guarantee"),
        ("肉眼可见的改变！", "ad16-guarantee"),
        ("让疗效说话。", "ad16-guarantee"),
        ("用效果说话。", "ad16-guarantee"),
        # a crowd of patients as the proof
        ("无数患者亲身验证", "ad16-testimonial"),
        ("上万患者共同见证。", "ad16-testimonial"),
        ("十万糖友已经验证。", "ad16-testimonial"),
        ("效果经数万患者检验。", "ad16-testimonial"),
        ("经过无数患者验证。", "ad16-testimonial"),
        ("千万发友亲测。", "ad16-testimonial"),
        ("无数患者证明了这一点。", "ad16-testimonial"),
        ("无数患者的共同选择。", "ad16-cohort"),
    ],
)
def test_an_outcome_slogan_is_a_claim(text: str, rule: str) -> None:
    assert rule in _blocking(text, scopes=())
    assert rule in _blocking(text)


# --- lawful look-alikes -----------------------------------------------------------------------


LAWFUL = [
    # prices lowered or waived by policy, not by us
    "医保报销后自付费用减半",
    "药品集采后价格下降一半",
    "集采后，这种降糖药的价格减半。",
    "新药纳入医保后，患者负担减半。",
    "集采后，药品价格约为原价的一半。",
    "国家医保谈判后，这款药的价格降到原来的一半左右。",
    "仿制药比原价便宜很多，疗效经过一致性评价。",
    "部分地区对七十岁以上老人免挂号费。",
    "挂号费减免政策各地不同，请以当地规定为准。",
    "低保户可以减免部分检查费。",
    "疗程费用因人而异，以医生面诊后的方案为准。",
    "药店会员价格往往更低，但要看清批准文号。",
    "体育活动价值很高，建议每周运动150分钟。",
    # doses, risks and effects halved
    "按时服药，复发风险可以减半。",
    "规律运动能让糖尿病风险减半。",
    "首次服药剂量减半，以减少头晕。",
    "复诊时医生可能会把剂量减半。",
    "老年人首次用药剂量减半。",
    "检查前一天晚餐减半。",
    "药效会打对折，所以要按时服药。",
    "把毛巾对折后敷在额头上。",
    # time: a season missed, the month's weather, a price rise reported
    "流感疫苗每年秋季接种，错过了就要再等一年。",
    "错过了治疗窗口期，效果会打折扣。",
    "本月最后三天气温骤降，注意保暖。",
    "年底最后一天，别熬夜跨年。",
    "部分原料药即将涨价，可能影响供应。",
    "药品价格下月起上调的消息不实。",
    "治疗时机不可失，发现症状要及时就医。",
    # an FAQ answered with care; a complaint; a refund that is no promise of effect
    "不满意可以向卫健委投诉",
    "效果因人而异，不能保证",
    "治不好怎么办？慢性病重在长期管理。",
    "没效果怎么办？及时复诊，医生会调整剂量。",
    "没效果怎么办？\n及时复诊，调整方案。",
    "万一没用呢？别着急，和医生商量换一种方案。",
    "不满意怎么办？可以和主治医生沟通，也可以向医院投诉。",
    "不满意怎么办？\n可以向卫健委投诉。",
    "药买错了能退吗？未拆封的药品可按药店规定退换。",
    "效果不好怎么办？不要自行加量，先去复诊。",
    "检查结果不理想怎么办？一分钱也不用多花，先复查。",
    "治不好怎么办？不要钱的偏方更不能信。",
    "预约取消了怎么办？挂号费会原路退回。",
    "多交的费用怎么办？医院会如数退还。",
    # when an effect shows; tips; evidence still to be had
    "头发生长周期约三个月",
    "米诺地尔的效果一般要三到六个月才看得见。",
    "好的效果需要时间，看得见的变化往往在三个月后。",
    "治疗效果看得见吗？需要三个月左右才能判断。",
    "药物效果，要用检查数据说话。",
    "医生会还你一个明确的诊断。",
    "做好这三点，还你一夜好眠。",
    "早睡早起，还自己一个好睡眠。",
    "很多患者的经验说明，坚持用药很重要",
    "很多患者的亲身经历说明，规律作息很重要。",
    "这一结论已被大量临床研究证实。",
    "一项纳入上万名患者的研究证实，规律服药能降低并发症风险。",
    "数万名患者的随访数据证实了这种药的安全性。",
    "新药上市前要经过数千名患者的验证。",
    "这种方法是否有效，还需要更多患者验证。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("lawful", LAWFUL)
def test_lawful_look_alikes_pass_both_readers(lawful: str, second_reader: bool) -> None:
    assert _blocking(lawful, second_reader=second_reader) == set()


def test_a_two_line_faq_refund_is_reported_on_both_lines() -> None:
    report = check_report("不满意怎么办？\n无条件退", scopes=SCIENCE, second_reader=False)
    refund = [f for f in report.blocking if f.rule == "ad16-refund"]
    assert {f.line for f in refund} == {1, 2}
    assert {f.text for f in refund} == {"不满意怎么办？无条件退"}
