"""Round 13, more siblings on 科普 pages (《广告法》第十九条；《互联网广告管理办法》第八条). Under
rules 2026.12.8 these passed both readers in 科普 scope: a named doctor's hours in other words
than 出诊 (周医生周三上午在院, 周医生周三、周五坐班, 每周三上午，周医生在三楼诊室, 想看周医生的，
周三上午来), a test or a visit free in other words (毛囊检测零费用, 首诊费用为零, 头皮检测免费做,
免费帮你测一次毛囊), stored-value and first-order offers (充值5000送1000, 预存500抵1000, 首单立减).
And two lawful sentences were refused: a consumer warning that free tests are bait
(免费检测是很多医院的营销手段，要警惕) and a kind of doctor's hours (医生一般周一至周五坐诊, read as
a doctor surnamed 周). Each kind is caught with its siblings; stories of a day, public programmes
and warnings pass. Every case goes through the real checker, both readers, 科普 scope."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report

SCIENCE = ("science",)


def _blocking(text: str, second_reader: bool, scopes: tuple[str, ...] = SCIENCE) -> set[str]:
    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


VIOLATIONS = [
    # A. a named doctor's hours in other words
    "周医生周三上午在院。",
    "周医生每周三下午都在皮肤科。",
    "周三上午来皮肤科找周医生。",
    "周医生周三、周五坐班。",
    "每周三上午，周医生在三楼诊室。",
    "本周三周医生在院，可预约。",
    "想看周医生的，周三上午来。",
    "王医生周一至周五都在。",
    "每周四上午，李主任在二楼门诊。",
    "想找李医生的，周五下午过来。",
    "张医生周二周四上班，欢迎来找。",
    "刘主任周五全天在院。",
    "每周一上午，王主任都在皮肤科。",
    "周二下午，李医生在门诊，可以来找她。",
    # B. a test or a visit free in other words
    "毛囊检测零费用。",
    "首诊费用为零。",
    "头皮检测免费做。",
    "免费做一次头皮检测。",
    "免费帮你测一次毛囊。",
    "复查我们免费做。",
    "头皮检测零收费。",
    "免费给你做一次毛囊检测。",
    "睡眠监测免费做一次。",
    "头皮检测我们免费提供。",
    "复查费用为零。",
    "面诊零费用。",
    "检查我们免费安排。",
    "免费帮您查一次血糖。",
    # C. stored value and first-order offers
    "充值5000送1000。",
    "预存500抵1000。",
    "首单立减。",
    "储值3000送500。",
    "充值卡充1000返200。",
    "预存1000元可抵1500元。",
    "充值越多送得越多。",
    "预存治疗费抵双倍。",
    "储值卡充3000当5000用。",
]

LAWFUL_REFUSED_BEFORE = [
    # D. a free offer judged as bait
    "免费检测是很多医院的营销手段，要警惕。",
    "免费检测往往是营销噱头，别轻易相信。",
    "街头的免费测血糖、免费检测，常常是为了卖保健品。",
    "免费检测往往会附加推销，请谨慎对待。",
    # a kind of doctor's hours: 周 of 周一 is no surname
    "医生一般周一至周五坐诊。",
]

# guards (blocked before and after): an offer that is ours, or that denies it is bait, is no warning
STAYS_BLOCKED = [
    "免费检测不是套路，欢迎到院。",
    "我们的免费检测不是营销噱头，放心来。",
    "首购立享八折。",
    "首次消费送头皮护理一次。",
]

LOOKALIKES = [
    # guards: these passed before and must still pass
    "每周三下午，周医生都在科室组织病例讨论。",
    "周医生提醒：失眠超过三个月要就医。",
    "周三上午门诊时，周医生遇到一位患者，头发已经很稀疏了。",
    "周医生周三上午在门诊遇到一位失眠十年的患者。",
    "周三上午，周医生在三楼诊室接诊了一位年轻人。",
    "上周三，周医生在门诊遇到一位脱发的大学生。",
    "李医生周三上午在门诊时说，熬夜是脱发的常见诱因。",
    "社区医生每周三上午在卫生服务中心。",
    "周医生周三上午在院里开会。",
    "王医生周末一般在家陪孩子。",
    "家庭医生每周二上午在社区卫生服务站。",
    "很多医院周六上午也有专家在院。",
    "不少人周一至周五在单位上班，周末补觉。",
    "所谓“免费检测”往往是引流套路，请提高警惕。",
    "所谓免费毛囊检测，多是引导消费的手段。",
    "所谓“首诊免费”，往往是后续高价治疗的诱饵。",
    "很多机构以免费检测为诱饵，推销高价疗程。",
    "很多社区卫生服务中心为老人免费测血压。",
    "部分地区适龄妇女两癌检查免费做。",
    "医院会免费帮你测血压吗？",
    "血糖监测费用为零的说法不可信。",
    "检测结果为零说明没有感染。",
    "不要轻信美容院的充值办卡套路。",
    "警惕“充值送”的办卡陷阱，预付卡跑路事件屡见不鲜。",
    "预存的胰岛素要放在冰箱冷藏。",
    "首单用药剂量要遵医嘱。",
    "首次服用二甲双胍可能出现胃肠道反应。",
]


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", VIOLATIONS)
def test_the_sibling_is_blocked(text: str, second_reader: bool) -> None:
    assert "ad19-cta" in _blocking(text, second_reader)


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", LAWFUL_REFUSED_BEFORE)
def test_the_lawful_sentence_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader) == set()


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", STAYS_BLOCKED)
def test_an_offer_of_ours_stays_blocked(text: str, second_reader: bool) -> None:
    assert "ad19-cta" in _blocking(text, second_reader)


@pytest.mark.parametrize("second_reader", [False, True])
@pytest.mark.parametrize("text", LOOKALIKES)
def test_the_lookalike_still_passes(text: str, second_reader: bool) -> None:
    assert _blocking(text, second_reader) == set()


@pytest.mark.parametrize("text", ["周医生周三上午在院。", "毛囊检测零费用。", "充值5000送1000。"])
def test_the_new_shapes_apply_to_science_pages_only(text: str) -> None:
    assert "ad19-cta" not in _blocking(text, False, scopes=())
