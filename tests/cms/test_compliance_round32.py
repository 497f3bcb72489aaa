"""Round 32 (rules 2027.1.5), the round-6 testers' claims as kinds: a media outlet's report
worn as an attribute (央视报道的失眠专科), the 科普 reader sent to us with no number at all (给我们
打个电话, 来我们这里, 我们这里能治), cure rates in words (有效率九十九), payment after the result
(治好了再付款), medicine cut to nothing (减少用药直至停药), a spokesperson, a big hospital's
equal, minutes to the effect, 科普 prices in Chinese numerals; the siblings of round 31's
fixes (a badge with a decoration after it, 加…个人微信, 去咨询); and the false blocks the testers
found (心理援助热线, a drug's market price, when to stop a drug asked, a cure wished for)."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report


def _blocking(text: str, **kwargs) -> set[str]:
    return {f.rule for f in check_report(text, **kwargs).findings if f.blocking}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # a media outlet's report as an attribute
        ("央视报道的失眠专科", "ad16-endorse-org"),
        ("CCTV报道的脱发治疗中心", "ad16-endorse-org"),
        ("新华社报道的睡眠门诊", "ad16-endorse-org"),
        ("湖南卫视报道过的控糖方案", "ad16-endorse-org"),
        ("多家媒体报道的植发技术", "ad16-endorse-org"),
        ("央视采访过的主任", "ad16-endorse-org"),
        ("央視報道的失眠專科", "ad16-endorse-org"),  # traditional characters
        # badges of public bodies and associations, decorated (tester B)
        ("国家卫健委推荐~", "ad16-endorse-org"),
        ("国家卫健委推荐✓", "ad16-endorse-org"),
        ("卫健委推荐·", "ad16-endorse-org"),
        ("中华医学会推荐", "ad16-endorse-org"),
        ("睡眠研究会推荐！", "ad16-endorse-org"),
        ("中华医学会认证✓", "ad16-endorse-org"),
        # cure rates in words
        ("治愈率百分百", "ad16-rate"),
        ("有效率九十九", "ad16-rate"),
        ("治愈率九五", "ad16-rate"),
        ("有效率十成", "ad16-rate"),
        ("有效率满分", "ad16-rate"),
        ("治愈率几乎百分百", "ad16-rate"),
        ("九成九的有效率", "ad16-rate"),
        ("百分百的治愈率", "ad16-rate"),
        # payment after the result and other dressed guarantees
        ("治好了再付款", "ad16-refund"),
        ("见效再收费", "ad16-refund"),
        ("治好了，再付款", "ad16-refund"),
        ("效果出来再付钱", "ad16-refund"),
        ("长出头发再付款", "ad16-refund"),
        ("先治疗，见效后付款", "ad16-refund"),
        ("血糖降下来再付款", "ad16-refund"),
        ("免费治到好为止", "ad16-refund"),
        ("治不好不停", "ad16-refund"),
        ("买保险送疗效", "ad16-refund"),
        ("疗效承诺书", "ad16-refund"),
        ("效果有保证", "ad16-guarantee"),
        ("效果保证", "ad16-guarantee"),
        ("疗效百分百保证", "ad16-guarantee"),
        ("三个月保好", "ad16-guarantee"),
        ("保你好", "ad16-guarantee"),
        ("降糖不反弹", "ad16-guarantee"),
        # medicine cut to nothing
        ("减少用药直至停药", "ad16-stop-medicine"),
        ("减少药量直到停药", "ad16-stop-medicine"),
        ("帮您逐步减少用药，最终停药", "ad16-stop-medicine"),
        ("停用降糖药", "ad16-stop-medicine"),
        # a spokesperson, a big hospital's equal, minutes to the effect, the comparison praised
        ("成龙代言", "ad16-endorsement"),
        ("效果不输协和", "ad16-comparison"),
        ("媲美协和", "ad16-comparison"),
        ("不比北京的大医院差", "ad16-comparison"),
        ("和协和一样好", "ad16-comparison"),
        ("与大医院同等水平", "ad16-comparison"),
        ("十分钟起效", "ad16-instant"),
        ("一剂知，二剂已", "ad16-instant"),
        ("对比效果惊人", "ad16-before-after"),
    ],
)
def test_round_32_ad_claims_are_blocked(text, rule) -> None:
    assert rule in _blocking(text, second_reader=False)
    assert rule in _blocking(text)  # both readers


@pytest.mark.parametrize(
    "text",
    [
        # the second reader is not needed: the rules find them inside a long, neutral sentence
        "我们的治疗方案在专业团队的指导下可以帮助您减少用药直至停药，让您重新拥有健康的生活。",
        "我们为每一位患者建立完整的健康档案，治好了再付款，让您没有后顾之忧地接受专业医生的全程服务。",
        "经过多年的临床积累和团队建设，我院已成为央视报道的失眠专科，每年接诊来自全国各地的患者。",
    ],
)
def test_round_32_claims_inside_long_sentences_are_blocked_by_the_rules(text) -> None:
    assert _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # the reader sent to us, no number or id
        ("给我们打个电话", "ad19-cta"),
        ("打我们电话", "ad19-cta"),
        ("給我們打個電話", "ad19-cta"),
        ("来 我们 这里", "ad19-cta"),
        ("我们科能做这个手术", "ad19-cta"),
        ("打门诊电话问护士", "ad19-cta"),
        ("打我们门诊的电话问问护士", "ad19-cta"),
        ("拨打总机转睡眠门诊", "ad19-cta"),
        ("打医院总机转内分泌科", "ad19-cta"),
        ("来我们这里", "ad19-cta"),
        ("去我们医院看看", "ad19-cta"),
        ("到我们门诊来", "ad19-cta"),
        ("我们这里能治", "ad19-cta"),
        ("我们医院可以做这个检查", "ad19-cta"),
        ("我院可以做多导睡眠监测", "ad19-cta"),
        ("加一下我们的微信", "ad19-cta"),
        ("找到我们的企业微信", "ad19-cta"),
        # buttons and contacts, round 31's siblings (tester B)
        ("去咨询", "ad19-cta"),
        ("我要预约", "ad19-cta"),
        ("加刘医生个人微信", "ad19-contact"),
        ("加护士长微信", "ad19-contact"),
        ("加医生好友", "ad19-contact"),
        # prices in Chinese numerals, a group buy
        ("九十九元即可体验", "ad19-cta"),
        ("一个疗程三千八", "ad19-cta"),
        ("一个疗程3800", "ad19-cta"),
        ("首次体验价九十九", "ad19-cta"),
        ("团购更优惠", "ad19-cta"),
        # a rate in words is a rate on 科普 too
        ("治愈率百分百", "ad16-rate"),
    ],
)
def test_round_32_science_invitations_are_blocked(text, rule) -> None:
    assert rule in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        # false blocks the testers found
        "如果情绪持续低落，请拨打心理援助热线。",
        "必要时可以拨打当地的心理危机干预热线。",
        "褪黑素的价格一般在几十元。",
        "二甲双胍的价格通常在几元到几十元之间。",
        "什么情况下可以停药？",
        "吃了多久可以停药？",
        "想要根治脱发，先要找到原因。",
        "想要根治\n目前没有办法根治雄激素性脱发。",
        "明星代言医疗广告是法律明令禁止的。",
        "请勿在朋友圈发布患者案例对比图。",
        # look-alikes of this round's rules
        "很多来我们门诊的患者都问同一个问题。",
        "我们可以做的是改善作息。",
        "我们能做的就是规律作息。",
        "医院可以做多导睡眠监测来评估睡眠。",
        "可以到正规医院的睡眠门诊做检查。",
        "打电话给家人聊聊也有帮助。",
        "如果夜里血糖过低，要及时打120。",
        "一个疗程三个月",
        "一个疗程3个月",
        "预约挂号时请带好身份证。",
        "如何预约挂号？",
        "加强锻炼有助于睡眠。",
        "媒体报道的个案不能代替医生面诊",
        "媒体报道的一些黑诊所已被查处",
        "中华医学会推荐：成人每天睡眠7到8小时。",
        "国家卫健委推荐成人每天食盐不超过5克。",
        "有效率要在治疗九十天后再评估。",
        "检查结果出来后再付款",
        "速效胰岛素注射后10到15分钟起效。",
        "突然停用降糖药会导致血糖升高。",
        "停药后血糖不反弹的前提是坚持饮食控制",
        "按时服药，效果才有保障。",
        "社区医院的服务不比大医院差多少",
        "两组对比差异明显，但样本量小。",
        "我为健康代言",
        "停药时应逐渐减少药量直到停药。",
        "社区医院和三甲医院一样可以开二甲双胍。",
        "检查结果出来再付款。",
        "我们要科学地看待失眠，我们科普的目的是讲清楚道理。",
    ],
)
def test_round_32_look_alikes_pass_on_science(text) -> None:
    assert _blocking(text, scopes={"science"}, second_reader=False) == set()
    assert _blocking(text, scopes={"science"}) == set()  # both readers


@pytest.mark.parametrize(
    "text",
    ["我们这里说的失眠，是指入睡困难。", "我们今天讲的糖尿病，主要是2型糖尿病。"],
)
def test_a_definitions_opening_words_are_not_read_as_the_clinic(text) -> None:
    assert _blocking(text, scopes={"science"}) == set()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我们这里说的方案，治愈率很高。", "ad16-rate"),
        ("我们这里说的治疗，三个月就能让您摆脱失眠。", ""),
    ],
)
def test_a_claim_after_a_definitions_opening_words_is_still_read(text, rule) -> None:
    found = _blocking(text, scopes={"science"})
    assert rule in found if rule else found
