"""Round 13 (a fresh verifier): prices and promotions on a 科普 page that the gate let
through under rules 2026.12.7 (《广告法》第十九条: a price, a fee, a discount, a free
service or a gift on a health-science page is a conversion element, a disguised ad; rule
`ad19-cta`, scoped to 科普 as it is today). Each finding is written with its siblings, by
kind: a package or flat price (一口价, 打包价, 全包), a treatment's total (整个疗程下来6800,
总共…就搞定了), a service's price per time (毛囊检测198一次, 微针每次880, 睡眠监测398起),
a fee word with a bare figure (诊金：300, 挂号费：50), a visit or test free (初诊0元,
复查免费, 首诊不收费), a gift for coming (到店有礼, 来院领礼品), a coupon (领券再减100,
优惠券可抵300) and free care for life (终身免费复查, 复查终身免费). The lawful
look-alikes (public prices and programmes, a drug's market price, course lengths,
follow-up schedules, warnings about such offers) pass with both readers; they guard the
new shapes, and one of them (就诊时不要给医生送红包) was refused before. Every case goes
through the real checker."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = {"science"}


def _blocking(text: str, scopes=SCIENCE, second_reader: bool = False) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


PROMOTIONS = [
    # the verifier's
    "治疗一口价8800",
    "整个疗程下来6800",
    "毛囊检测198一次",
    "诊金：300",
    "初诊0元",
    "领券再减100",
    "复诊免费，终身复查不收费",
    # a package or flat price
    "植发一口价两万八",
    "全程打包价15800",
    "全包价12800",
    "植发全包三万",
    "一口价，不加价",
    "打包价：九千八",
    # a treatment's total
    "全程下来总共一万二",
    "总共花了8800就搞定了",
    "做下来总共九千八",
    "治疗全程6800",
    "一个疗程算下来也就三千",
    "八千块搞定",
    "5800元全部搞定",
    "植发6800块",
    # a service's price per time, or from
    "头皮护理298每次",
    "水光针680一次",
    "睡眠监测398起",
    "头皮检测99一次",
    "微针每次880",
    "中医调理一次300",
    "针灸每次80",
    "一次检测198",
    "做一次头皮检测一百九十八",
    "6800全包",
    # a fee word with a bare figure
    "挂号费：50",
    "诊金是300",
    "检查费：198",
    "诊金300",
    "面诊费：100",
    "疗程费5800",
    "诊疗费是两百",
    # a visit or a test free
    "复诊不要钱",
    "复查免费",
    "检测零元",
    "初诊零元",
    "毛囊检测免费",
    "首诊不收费",
    "复查不收钱",
    "0元初诊",
    "免费复查",
    "复诊不另收费",
    "复查不再收费",
    # a gift for coming
    "到店有礼",
    "来院领礼品",
    "到院有礼",
    "到店领红包",
    "面诊领好礼",
    "首诊有好礼",
    "预约到院送大米",
    "到医院就有红包拿",
    "到院，送红包",
    "来店，有礼",
    "来院即有精美礼品",
    # coupons
    "领取优惠券",
    "现在领券减200",
    "优惠券可抵300",
    "满减活动进行中",
    "关注发优惠券",
    "进店派红包",
    "先领券，再下单",
    # free care for life
    "终身免费复查",
    "永久免费维护",
    "终身复查不收费",
    "术后终身免费复查",
    "复查终身免费",
    "一辈子免费补种",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", PROMOTIONS)
def test_a_price_or_promotion_is_a_call_to_act_on_science(text: str, second_reader: bool) -> None:
    assert "ad19-cta" in _blocking(text, second_reader=second_reader)


LAWFUL = [
    # the brief's
    "医保可以报销部分费用",
    "检查费用因医院而异，请以当地物价部门公示为准",
    "国家集采后胰岛素价格明显下降",
    "每天步行6000步",
    "疗程一般为3到6个月",
    "复查时间一般为1个月后",
    # a public programme free, as existing rules read it (社区, 公共卫生, 居民, 新生儿, 孕妇 …)
    "社区卫生服务中心为老人提供免费的血糖筛查（公共卫生项目）",
    "65岁以上老人可在社区免费体检",
    "国家基本公共卫生服务项目为居民免费建立健康档案",
    "部分地区对糖尿病患者提供免费的眼底筛查",
    "艾滋病自愿咨询检测免费",
    "新生儿疾病筛查免费",
    "HIV检测免费，可到当地疾控中心",
    # a drug's or device's market price (as rules 2026.11.5 read 血糖仪一般199元左右)
    "二甲双胍一盒十几元",
    "二甲双胍一盒二十几元，价格不贵",
    "非那雄胺在药店一盒一百多元",
    "这类药集采后每盒只要几元钱",
    # course lengths, doses and schedules
    "一个疗程一般需要3个月",
    "整个疗程下来大约需要半年",
    "总共需要服药6个月",
    "治疗全程约需12周",
    "疗程结束后一般需要复查一次",
    "每次服用500毫克",
    "针灸每次20分钟",
    "治疗一次一般30到60分钟",
    "每次检测前要洗手",
    "一年下来体重减了10公斤",
    "头皮检测一般需要10分钟",
    "复查一般在术后1周、1个月和3个月",
    "胰岛素一支三百单位",
    "复查血糖6个月一次",
    "体重再减5公斤就达标了",
    # follow-ups, first visits, fees explained
    "首诊时医生会详细询问病史",
    "糖尿病需要终身管理，定期复查",
    "雄激素性脱发需要长期甚至终身治疗",
    "挂号费各地标准不同，以医院公示为准",
    "诊金标准由当地物价部门核定",
    "复查免费吗？各医院规定不同",
    "到院就诊时请携带身份证和医保卡",
    "就诊时要有礼貌地描述症状",
    "就诊时不要给医生送红包",
    "到院后，先到分诊台登记",
    # such offers warned about
    "不要轻信“领券立减”的医疗广告",
    "警惕“到院送红包”之类的诱导",
    "一口价的说法常见于医美广告，要当心",
    "复查不收费的说法要看清条件",
    "优惠券不能用于处方药购买",
    "免费午餐不存在，领券买药要当心",
    "很多药店会员日可以领券，但处方药不能用券",
    "不要相信“终身免费复查”的承诺",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", LAWFUL)
def test_lawful_look_alikes_pass_both_readers(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader=second_reader) == set()
