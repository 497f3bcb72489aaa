"""Round 34 (rules 2027.1.7), the fresh tester's findings on round 33 as kinds: a rate quoted
from a study named by its design or a journal (试验, Meta分析, 系统评价, 综述, 据《…杂志》报道)
was blocked; a claim denied by 不等于 / 不代表 was blocked; rates with no % (治愈率：99.9), as a
fraction (98/100的患者), in Chinese decimals (治愈率〇.九八), two counts with a sleep outcome,
饱证治愈 and the rate words in pinyin passed; warnings against contact scams were blocked on
科普 pages, where no ruling clears them; and a hotline's label let any number pass
(心理危机干预热线：021-66881234（本中心24小时）)."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report
from tests.cms.compliance_support import blocking_rules


def _blocking(text: str, *, science: bool = True, second_reader: bool = False) -> set[str]:
    return blocking_rules(text, second_reader, ("science",) if science else ())


# -- F1: a study's rate, cited -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "一项随机对照试验显示，米诺地尔的有效率约为60%。",
        "据《中华皮肤科杂志》报道，该药的总有效率为62.5%。",
        "Meta分析显示，认知行为疗法（CBT-I）对慢性失眠的有效率在70%左右。",
        "系统评价显示，CBT-I对慢性失眠的有效率在70%左右。",
        "一篇综述提到，针灸治疗失眠的有效率约为80%。",
        "试验显示，有效率约为60%。",
        "一项多中心研究报告，有效率为65%。",
        "一项系统综述发现，二甲双胍的达标率约为50%。",
    ],
)
def test_a_rate_cited_from_a_study_or_journal_passes(text) -> None:
    assert _blocking(text) == set()
    assert _blocking(text, second_reader=True) == set()


@pytest.mark.parametrize(
    "text",
    [
        "一项随机对照试验显示，我院疗法的有效率为98%。",
        "据《健康报》报道，本院治愈率达95%。",
        "试验显示，我们的方案有效率达98%。",
        "一项研究显示，本中心的治愈率为95%。",
    ],
)
def test_a_study_or_journal_telling_our_rate_is_still_blocked(text) -> None:
    assert "ad16-rate" in _blocking(text)


# -- F2: a claim denied --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "这种药起效快，但不等于立竿见影，一般需要连续使用数周。",
        "起效快不代表立竿见影。",
        "起效快并不代表当天见效。",
        "按时吃药不等于药到病除。",
        "见效快不代表能根治。",
        "中医讲“药到病除”，其实是一种美好愿望，慢性病需要长期管理。",
        "根治是一种美好的愿望，糖尿病需要终身管理。",
    ],
)
def test_a_claim_said_not_to_follow_passes(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "我们的药不等于普通药，服用后立竿见影。",
        "立竿见影，不代表没有副作用。",
        "本院疗法立竿见影，这不等于您不需要复查。",
        "失眠不代表治不好，我们药到病除。",
        "价格低不代表效果差，本院治愈率98%。",
        "吃了药到病除，这是我们多年的美好愿望，如今实现了。",
    ],
)
def test_a_claim_beside_a_denial_of_something_else_is_blocked(text) -> None:
    assert _blocking(text) & {"ad16-instant", "ad16-guarantee", "ad16-rate"}


# -- F3: the rate in other shapes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("治愈率：99.9", "ad16-rate"),
        ("本院治愈率99.9", "ad16-rate"),
        ("治愈率99", "ad16-rate"),
        ("有效率为98.5，远超同行", "ad16-rate"),
        ("治愈率〇.九八", "ad16-rate"),
        ("治愈率零点九八", "ad16-rate"),
        ("治好了98/100的患者", "ad16-rate"),
        ("98/100的患者都睡整觉了", "ad16-rate"),
        ("去年接诊的500位失眠患者，490位已经能睡整觉。", "ad16-rate"),
        ("ZHIYULV 98%", "ad16-rate"),
        ("youxiaolv 95%", "ad16-rate"),
        ("治愈lv达98%", "ad16-rate"),
        ("饱证治愈", "ad16-guarantee"),
    ],
)
def test_a_rate_or_guarantee_in_other_shapes_is_blocked(text, rule) -> None:
    assert rule in _blocking(text)
    assert rule in _blocking(text, science=False)


@pytest.mark.parametrize(
    "text",
    [
        "有效率90天后再评估",
        "有效率提高一点",
        "有效率：见表2",
        "治愈率在60岁以上人群中较低",
        "一项研究纳入100名患者，90名睡眠改善",
        "30位患者中，有3位在医生指导下减药。",
        "1/3的患者会复发",
        "约2/3的患者能睡好",
        "研究显示，2/3的患者睡眠改善",
        "吃饱了证明胃口好",
        "lvse食品要看配料表",
    ],
)
def test_their_look_alikes_pass(text) -> None:
    assert _blocking(text) == set()


# -- F4 / F5: contact on 科普 pages ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "一些虚假广告会留下手机号和微信号，诱导患者私下交易，一定要警惕。",
        "遇到街头发传单、让你扫码加微信领药的，多半是骗局。",
        "很多人在网上搜“脱发怎么办”，结果被引导加了客服微信。",
        "全国心理援助热线：400-161-9995。",
        "北京心理危机研究与干预中心热线：010-82951332。",
        "心理援助热线12356。",
    ],
)
def test_a_contact_scam_warned_against_or_a_public_line_passes_on_science(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        # a number or an id printed, whatever the sentence says around it
        "黑诊所常留下手机号13800001111，请警惕。",
        "警惕假冒电话13800001111",
        "骗子常以加微信abc12345为由索要钱财。",
        "遇到自称医生的人让你加微信abc12345，要警惕。",
        "虚假广告常写着QQ号12345678。",
        "警惕假冒电话400-123-4567。",
        # the label of a public line over a number of ours
        "心理危机干预热线：021-66881234（本中心24小时）。",
        "心理援助热线：0571-8888-1234。",
        # the warning set against us
        "虚假广告太多，认准我院微信abc12345。",
        "不同于黑诊所，加微信abc12345领取方案。",
        "很多患者被引导加了我们的客服微信abc12345。",
        "让你加微信的，多半是骗局，请加我院微信abc12345。",
    ],
)
def test_a_number_or_id_on_science_is_blocked_whatever_surrounds_it(text) -> None:
    assert "ad19-contact" in _blocking(text)


def test_a_firm_number_is_one_finding_not_two() -> None:
    findings = check_report("警惕假冒电话13800001111", scopes={"science"}).blocking
    assert [f.text for f in findings if f.rule == "ad19-contact"] == ["13800001111"]


# -- the verification of round 34 (F1, F2, F4–F7, F9, F10) ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除，但在本院可以。",
        "按时吃药不一定药到病除，但在本院可以。",
        "按时吃药不等于药到病除，但我们的疗法可以做到。",
        "吃药不等于药到病除，来本院就等于。",
        "不代表我们不能根治。",
        "不代表治不好。",
        "在本院，根治脱发不是一种美好愿望，而是现实。",
        "根治脱发并非一种美好愿望，而是本院的日常。",
        "在我院，根治脱发不再是一种美好愿望。",
    ],
)
def test_a_denial_turned_into_our_claim_is_blocked(text) -> None:
    assert "ad16-guarantee" in _blocking(text)
    assert "ad16-guarantee" in _blocking(text, science=False)


@pytest.mark.parametrize(
    "text",
    [
        "彻底治愈脱发只是一种美好愿望。",
        "一次就根治脱发，只是一种美好愿望。",
        "根治是一种美好愿望，并不现实。",
        "血糖正常不代表可以停药，但医生会根据情况调整。",
        "得了糖尿病不代表不能正常生活。",
        "脱发不一定需要用药，但我们可以先做检查。",
        "失眠不等于抑郁症，但我们需要警惕。",
    ],
)
def test_a_denial_or_a_wish_that_claims_nothing_passes_both_readers(text) -> None:
    assert _blocking(text, second_reader=True) == set()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("去年500位患者，490位不再掉发", "ad16-rate"),
        ("500个失眠的朋友，490个不再吃安眠药", "ad16-rate"),
        ("包证治愈", "ad16-guarantee"),
        ("据《中华皮肤科杂志》报道，院方的有效率为97%。", "ad16-rate"),
    ],
)
def test_the_verifications_rate_and_guarantee_shapes_are_blocked(text, rule) -> None:
    assert rule in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "一些虚假广告会留下手机号一三八一二三四五六七八，一定要警惕。",
        "一些虚假广告会留下电话138.1234.5678，一定要警惕。",
        "一些虚假广告会留下电话021.6456.1234，一定要警惕。",
        "骗子留的电话是021/64561234，要警惕。",
        "一些虚假广告会留下电话(021)6456 1234，一定要警惕。",
        "骗子留的电话是+86-21-6456-1234，要警惕。",
        "骗子留的电话是0086-21-64561234，要警惕。",
        "一些虚假广告会留下电话021 64 56 12 34，一定要警惕。",
        "一些虚假广告会留下电话4008 201 234，一定要警惕。",
        "一些虚假广告会留下电话400-8201-234，一定要警惕。",
        "一些虚假广告会留下座机64561234，一定要警惕。",
        "一些虚假广告会留下v：yinliu2024，一定要警惕。",
        "全国心理援助热线：400-161-9995，或本院电话13812345678。",
        "全国心理援助热线：021-64561234",
    ],
)
def test_a_number_in_any_dialled_form_is_blocked_inside_a_warning(text) -> None:
    assert "ad19-contact" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "可拨打400-161-9995。",
        "北京心理危机研究与干预中心：800-810-1117",
        "请拨打心理援助热线12356或010-82951332。",
        "请拨打卫生热线12320或急救120。",
        "医保编码XA10BAE024A001010100001，可在国家医保局网站查询。",
        "国药准字H20003263",
        "血压120/80，每天10000步。",
        "注册号ChiCTR2000012345",
        "参考文献：中华医学杂志，2021，101(12)：1234-1238。",
        "药品本位码86900001000012",
        "电话会诊一般20-30分钟",
        "门诊量每年约8000000人次",
    ],
)
def test_public_lines_and_codes_that_are_no_contact_pass(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    ["睡眠效率低于85%，提示睡眠质量不佳。", "睡眠效率低于85%，说明存在失眠。"],
)
def test_a_threshold_read_as_a_sign_passes_both_readers(text) -> None:
    assert _blocking(text, second_reader=True) == set()


@pytest.mark.parametrize("text", ["有效率高于95%，说明本院疗法好。", "治愈率达到95%，说明效果好。"])
def test_a_rate_of_ours_read_as_a_sign_is_still_blocked(text) -> None:
    assert "ad16-rate" in _blocking(text, second_reader=True)


# -- the second verification (F1.1, F2.1–F2.3) ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("很多人觉得治愈脱发只是一种美好愿望，在本院它已成为现实。", "ad16-guarantee"),
        ("治愈脱发不是梦想，而是现实。", "ad16-guarantee"),
        ("一次见效早已不是神话。", "ad16-guarantee"),
        ("咨询：138｜1234｜5678。", "ad19-contact"),
        ("咨询：138●1234●5678。", "ad19-contact"),
        ("咨询：138＿1234＿5678。", "ad19-contact"),
        ("021 - 62345678", "ad19-contact"),
        ("微信（yinliu888）", "ad19-contact"),
    ],
)
def test_a_dream_come_true_and_more_separators_are_blocked(text, rule) -> None:
    assert rule in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "这个愿望是否现实，要看个人情况。",
        "剂量：1 - 2片，每日3次",
        "13 - 14岁的青少年",
        "年龄 18 - 65 岁",
    ],
)
def test_their_look_alikes_pass_too(text) -> None:
    assert _blocking(text, second_reader=True) == set()


# -- the third tester (F1.2): a claim made ours in the next sentence ------------------------


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除。但在本院可以。",
        "很多人认为一次见效不可能。我们做到了。",
        "立竿见影听起来像一种美好愿望。在本院，这是现实。",
    ],
)
def test_a_claim_denied_then_made_ours_in_the_next_sentence_is_blocked(text) -> None:
    assert "ad16-guarantee" in _blocking(text)
    assert "ad16-guarantee" in _blocking(text, science=False)


@pytest.mark.parametrize(
    "text",
    [
        "药到病除是一种美好愿望。我们能做的是长期管理。",
        "按时吃药不等于药到病除。我们建议长期管理。",
        "糖尿病目前无法根治。我们能做的是控制血糖。",
    ],
)
def test_a_denial_followed_by_what_we_do_instead_passes(text) -> None:
    assert _blocking(text, second_reader=True) == set()
