"""Round 19 siblings (rules 2026.12.14, Yinliu issue 17): what the seventeenth verification
wrote that the rules missed or refused, each with siblings of its own and lawful look-alikes.

Missed: two pictures at two times (左边是去年五月的头顶，右边是今年三月), a count of patients
then each of them (52位失眠患者，个个…), every one of a group improved (所有参加打卡的学员睡眠评分
都提高了), a drug «put aside» (降压药先放一放), on a 科普 page a search in a shop that ends in
buying and a comment that brings our call. Refused though lawful: comparing before and after
as a doctor's method, remedies advised against, cure words refuted (这类说法…不成立), QR safety
advice. Every case goes through the real checker, with the rules alone and with both readers."""

from __future__ import annotations

import pytest

from tests.cms.compliance_support import blocking_rules

MISSES = [
    ("左边是去年五月的头顶，右边是今年三月，您自己看。", "ad16-before-after"),
    ("左图是三个月前的发际线，右图是现在的。", "ad16-before-after"),
    ("上图为初诊时的头顶，下图为6个月后。", "ad16-before-after"),
    ("本季度入组的52位失眠患者，个个睡眠时长超过七小时。", "ad16-cohort"),
    ("去年接诊的300多名脱发患者，人人都长出了新发。", "ad16-cohort"),
    ("所有参加打卡的学员睡眠评分都提高了。", "ad16-cohort"),
    ("每一位参加训练营的糖友血糖都下降了。", "ad16-cohort"),
    ("调理期间可以把原来吃的降压药先放一放。", "ad16-stop-medicine"),
    ("疗程开始后，安眠药先停一停。", "ad16-stop-medicine"),
    ("胰岛素先缓一缓，看看调理效果。", "ad16-stop-medicine"),
    ("在京东大药房搜索“米诺地尔”直接购买。", "ad19-cta"),
    ("打开淘宝搜一搜“生发液”就能买到。", "ad19-cta"),
    ("文末留言“想咨询”，我们会主动联系你。", "ad19-cta"),
    ("评论区扣1，医助会第一时间联系您。", "ad19-cta"),
]

LAWFUL = [
    "对比治疗前后的头皮镜照片，是医生评估疗效的方法之一。",
    "比较用药前后的血糖记录，是医生调整方案的依据。",
    "左边是正常毛囊，右边是微小化的毛囊。",
    "左图为正常头皮，右图为脂溢性皮炎。",
    "所有患者的血糖都需要定期监测。",
    "不是所有学员的评分都提高了，个体差异很大。",
    "一项研究纳入120名患者，其中84人症状改善。",
    "医学会的指南并不推荐未经验证的偏方。",
    "在公众号文章中看到的偏方，不要轻易尝试。",
    "未经临床验证的偏方可能延误治疗。",
    "断根、根治这类说法在慢性病中一般不成立。",
    "“三天治愈”的说法站不住脚。",
    "如果扫描二维码下载的文件来历不明，请不要打开。",
    "处方药不要在网店搜索后直接购买，须凭处方。",
    "欢迎在评论区留言，我们会挑选常见问题统一解答。",
    "降压药不要自行停用，调整须遵医嘱。",
]


@pytest.mark.parametrize("second_reader", [False, True], ids=["rules", "both"])
@pytest.mark.parametrize(("text", "rule"), MISSES, ids=[t for t, _ in MISSES])
def test_a_round_19_violation_is_blocked_by_its_rule(text, rule, second_reader) -> None:
    assert rule in blocking_rules(text, second_reader)


@pytest.mark.parametrize("second_reader", [False, True], ids=["rules", "both"])
@pytest.mark.parametrize("text", LAWFUL)
def test_a_round_19_lawful_sentence_passes_on_science(text, second_reader) -> None:
    assert blocking_rules(text, second_reader) == set()
