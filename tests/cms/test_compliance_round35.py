"""Round 35 (rules 2027.1.8), what the third tester of round 34 left, as kinds: a claim denied
in one line (or block) and made ours in the next (…药到病除。⏎在本院可以。), or in English
(但 we can 做到); 未必治不好; numbers after other words for a call (找我们：, call), with the
trunk prefix in brackets ((0)21), QQ as 球球, a public short number called ours
(我院咨询热线12320); and counts shaped like a number to dial (13812345678个样本) that were
blocked."""

from __future__ import annotations

import pytest

from cms.compliance.checker import check_report
from tests.cms.compliance_support import blocking_rules


def _blocking(text: str, *, science: bool = True, second_reader: bool = False) -> set[str]:
    return blocking_rules(text, second_reader, ("science",) if science else ())


# -- a claim made ours in the next line --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除。\n在本院可以。",
        "按时吃药不等于药到病除。\n\n在本院可以。",
        "按时吃药不等于药到病除。\n但我们可以。",
        "按时吃药不等于药到病除，\n但在本院可以。",
        "很多人认为一次见效不可能。\n我们做到了。",
        "立竿见影听起来像一种美好愿望。\n在本院，这是现实。",
    ],
)
@pytest.mark.parametrize("science", [True, False])
def test_a_claim_denied_then_made_ours_in_the_next_line_is_blocked(text, science) -> None:
    assert "ad16-guarantee" in _blocking(text, science=science)


def test_the_claim_across_two_lines_is_told_on_both() -> None:
    report = check_report("按时吃药不等于药到病除。\n在本院可以。", second_reader=False)
    lines = {f.line for f in report.findings if f.rule == "ad16-guarantee"}
    assert lines == {1, 2}


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除。\n在本院可以改善症状，但仍需复诊。",
        "按时吃药不等于药到病除。\n我们能做的是长期管理。",
        "按时吃药不等于药到病除，\n仍需定期复诊。",
        "一次见效不可能。\n\n我们能做的是坚持随访。",
    ],
)
def test_a_denial_over_what_we_do_instead_passes(text) -> None:
    assert _blocking(text) == set()
    assert _blocking(text, second_reader=True) == set()


# -- the claim in English, and 未必治不好 ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除，但 we can 做到。",
        "按时吃药不等于药到病除，but we can.",
        "按时吃药不等于药到病除。But we can.",
        "吃药不代表能根治，但our clinic can.",
        "脱发未必治不好。",
        "失眠不一定治不好，本院有办法。",
    ],
)
def test_the_claim_in_english_or_as_a_double_denial_is_blocked(text) -> None:
    assert "ad16-guarantee" in _blocking(text, science=False)


@pytest.mark.parametrize(
    "text",
    [
        "We can help you understand hair loss.",
        "脱发是不是治不好？",
        "斑秃并不是治不好的病，多数可以自行恢复。",
    ],
)
def test_their_look_alikes_pass(text) -> None:
    assert _blocking(text, science=False) == set()


# -- numbers and ids -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "找我们：62345678",
        "call 62345678",
        "Tel: 6234 5678",
        "联系我们 6234-5678",
        "电话(0)21-62345678",
        "+86 (0)21 6234 5678",
        "球球 12345678",
        "我院咨询热线12320",
        "我们的电话是120",
        "本中心热线：12345",
        "13812345678个人微信",
        "电话13812345678天天在线",
        "电话13812345678次日回复",
    ],
)
def test_a_number_given_as_ours_in_these_shapes_is_blocked(text) -> None:
    assert "ad19-contact" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "共纳入13812345678例样本。",
        "数据库收录13812345678个样本。",
        "全年门诊量有62345678人次。",
        "电话随访62345678人次。",
        "足球球迷12345人参加了调查。",
        "出现危险请拨打12320。",
        "我们建议拨打全国心理援助热线400-161-9995。",
    ],
)
def test_counts_and_public_lines_pass(text) -> None:
    assert _blocking(text) == set()


# -- a cure rate of 100%, cited --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "据《中华皮肤科杂志》报道，该药的治愈率为100%。",
        "研究显示，该疗法治愈率100%。",
        "一项随机对照试验显示，痊愈率达到百分之百。",
        "研究显示，本药治愈率100%，不可能有假。",
    ],
)
def test_a_cure_rate_of_100_percent_is_blocked_even_cited(text) -> None:
    assert "ad16-rate" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "声称治愈率100%的诊所往往存在虚假宣传。",
        "不要相信号称治愈率100%的广告。",
        "没有任何疗法的治愈率是100%。",
        "治愈率不可能是100%。",
        "一项研究显示，幽门螺杆菌根除率为100%。",
    ],
)
def test_a_cure_rate_of_100_percent_warned_against_or_refuted_passes(text) -> None:
    assert "ad16-rate" not in _blocking(text)


# -- the fresh tester of round 35: reclaims in more shapes -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "吃药不等于根治，但院方可以。",
        "按时吃药不等于药到病除。很多人都这么想。但在本院可以。",
        "按时吃药不等于药到病除；但在本院可以。",
        "按时吃药不等于药到病除：在本院可以。",
        "按时吃药不等于药到病除……但在本院可以。",
        "按时吃药不等于药到病除——但在本院可以。",
        "按时吃药不等于药到病除？在本院可以！",
        "按时吃药不等于药到病除 但在本院可以",
        "按时吃药不等于药到病除，但本科室可以。",
        "吃药不等于根治，在本科室却可以。",
        "按时吃药不等于药到病除，但专家团队可以。",
        "按时吃药不等于药到病除。但在本院行。",
        "吃药很难根治，本院可以。",
        "按时吃药不等于药到病除，但找对医生就可以。",
        "按时吃药不等于药到病除，但在引流健康可以。",
        "按时吃药不等于药到病除，但XX皮肤病医院可以。",
        "按时吃药不等于药到病除，但本方案可以。",
        "按时吃药不等于药到病除，我们行。",
        "按时吃药不等于药到病除,we can.",
        "治愈脱发，一切皆有可能。",
        "重新长出头发不是梦想。",
        "头发再生不是梦。",
        "治愈脱发不是dream，而是现实。",
    ],
)
@pytest.mark.parametrize("science", [True, False])
def test_a_reclaim_in_any_shape_is_blocked(text, science) -> None:
    assert "ad16-guarantee" in _blocking(text, science=science)


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除，我们能做的是长期管理。",
        "药到病除是不可能的，我们能做的是长期管理。",
        "按时吃药不等于药到病除，但我们可以帮您长期管理。",
        "按时吃药不等于药到病除，但我们可以一起努力。",
        "根治脱发是不可能的，我们可以帮您控制。",
        "根治脱发目前还只是梦想。",
        "根治雄激素性脱发仍是医学界的梦想。",
        "睡个好觉不是梦想，调整作息可以帮助改善。",
        "控制血糖不是梦，需要长期管理。",
        "目前无法根治，但可以控制得很好。",
        "不一定见效，但是可以试试。",
    ],
)
def test_what_we_do_instead_and_a_cure_still_a_dream_pass(text) -> None:
    assert _blocking(text) == set()
    assert _blocking(text, second_reader=True) == set()


# -- the fresh tester of round 35: contacts and citations ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "微信→abc123",
        "微信=abc123",
        "微信 - abc123",
        "微信——abc123",
        "微信~abc123",
        "微信》abc123",
        "微訊：abc123",
        "咨询请拨(138)12345678。",
        "咨询：62345678",
        "预约：62345678",
        "骗子常留下手机号13800001111，一定要警惕。",
    ],
)
def test_these_contacts_are_blocked_on_science(text) -> None:
    assert "ad19-contact" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "骗子常留下手机号，一定要警惕。",
        "不要扫来历不明的二维码加微信。",
        "如遇诈骗请拨打反诈热线96110。",
        "微信、douyin等平台都有健康科普。",
        "三组分别纳入（138）、1234、5678例。",
    ],
)
def test_warnings_and_the_anti_fraud_line_pass_on_science(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "院方一项研究显示治愈率98%。",
        "院方研究显示，治愈率98%。",
        "一项随机对照试验显示，治愈率98%。该试验在本院完成。",
    ],
)
def test_a_study_of_ours_is_blocked(text) -> None:
    assert "ad16-rate" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "一项RCT显示，有效率约为60%。",
        "一项随机对照试验（n=200）显示，有效率约为60%。",
        "一项纳入200例患者的随机对照试验显示，有效率约为60%。",
    ],
)
def test_a_study_cited_with_its_details_passes(text) -> None:
    assert _blocking(text) == set()


# -- the same claim through the editor's blocks (F5.2): what check_page reads ---------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "html",
    [
        "<h2>按时吃药不等于药到病除</h2><p>但在本院可以。</p>",
        "<ul><li>按时吃药不等于药到病除</li><li>但在本院可以</li></ul>",
        "<p>按时吃药不等于药到病除</p><p>但在本院可以。</p>",
        "<p>按时吃药不等于药到病除。</p><p>在本院可以。</p>",
    ],
)
def test_a_claim_split_over_editor_blocks_is_refused(html) -> None:
    from cms.compliance import check_page
    from cms.models import ArticlePage
    from tests.cms.compliance_support import draft, hub

    body = [{"type": "paragraph", "value": html}]
    page = draft(hub(), ArticlePage(title="按时服药", slug="split", layer="science", body=body))

    rules = {f.rule for f in check_page(page, rendered=False).blocking}

    assert "ad16-guarantee" in rules


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除（但在本院可以）。",
        "按时吃药不等于药到病除(但在本院可以)。",
        "按时吃药不等于药到病除【但在本院可以】。",
    ],
)
def test_the_reclaim_in_brackets_is_blocked(text) -> None:
    assert "ad16-guarantee" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "钉钉：yinliu888",
        "Telegram: @yinliu",
        "官网：www.yinliu.com",
        "详情见 https://yinliu.com/yuyue",
    ],
)
def test_other_apps_and_our_site_are_contact_on_science(text) -> None:
    assert "ad19-contact" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "来源：https://www.who.int/news-room/fact-sheets/detail/diabetes",
        "骗子通常会让你加QQ或者微信私聊。",
        "根治脱发目前还很难。",
        "按时吃药不等于药到病除（需要长期管理）。",
    ],
)
def test_a_source_a_scam_told_and_a_hard_cure_pass(text) -> None:
    assert _blocking(text) == set()


# -- the second tester of round 35 ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "按时吃药不等于药到病除，但在本院可以，而且很快。",
        "按时吃药不等于药到病除，但在本院可以（详询门诊）。",
        "按时吃药不等于药到病除，但在本院可以的呢。",
        "按时吃药不等于药到病除，但在本院，完全可以。",
        "按时吃药不等于药到病除，但是在本院，可以。",
        "按时吃药不等于药到病除，但我们，可以。",
        "按时吃药不等于药到病除，只是在本院可以。",
        "按时吃药不等于药到病除，然鹅在本院可以。",
        "吃药不等于根治。【但在本院可以】",
        "吃药不等于根治。“但在本院可以。”",
        "吃药不等于根治。很多人这么想。其实也对。但在本院可以。",
        "吃药不等于根治。\n很多人这么想。\n但在本院可以。",
        "吃药能根治吗？\n吃药不等于根治。\n本院呢？\n但在本院可以。",
        "吃药很难根治\n本院可以。",
        "未必不能根治。",
        "并非治不好。",
        "按时吃药不等于药到病除, but our hospital can.",
    ],
)
def test_the_second_testers_reclaims_are_blocked(text) -> None:
    assert "ad16-guarantee" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "药物无法根治脱发，但可以延缓，坚持就可以。",
        "雄脱目前不能根治，但规范用药可以延缓进展。",
        "糖尿病不能根治，但可以控制，很多人能。",
        "吃药不等于根治。\n很多人这么想。\n但我们可以帮您长期管理。",
        "“治愈脱发不是梦”，这样的广告你信吗？",
        "很多广告说“头发再生不是梦”，千万别信。",
        "治愈脱发，一切皆有可能？不，目前并没有根治方法。",
        "治愈率100%？别信。",
        "根据研究，该药的有效率约为70%。",
        "根据DiRECT研究，一年缓解率为46%。",
        "中华医学会官网：www.cma.org.cn",
        "抖音、快手等平台都有科普视频。",
    ],
)
def test_the_second_testers_clean_sentences_pass(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "咨询13812345678例",
        "拨打13812345678次",
        "找咱们：62345678",
        "客服：62345678",
        "详询62345678",
        "62345678（电话）",
        "62345678是我们的电话",
        "抖音：yinliu888",
        "微信➜yinliu888",
        "微信-->yinliu888",
        "微信｜yinliu888",
        "微x：yinliu888",
        "q q 12345678",
    ],
)
def test_the_second_testers_contacts_are_blocked(text) -> None:
    assert "ad19-contact" in _blocking(text)


def test_a_study_cited_with_genju_but_ours_is_blocked() -> None:
    assert "ad16-rate" in _blocking("根据本院研究，有效率约为98%。")


# -- the third tester of round 35: what a reclaim is not -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "失眠很难根治。\n## 哪里能做多导睡眠监测？\n在三甲医院的睡眠门诊可以。",
        "糖尿病无法根治。\n在哪里能查糖化血红蛋白？\n到社区医院就可以。",
        "药物不能根治失眠。\n小贴士\n但睡前泡脚可以。",
        "失眠很难根治，但CBT-I在很多医院的心理门诊都可以。",
        "糖尿病不能根治。很多患者因此很焦虑。其实不必。只要坚持管理，完全可以。",
        "安眠药不能根治失眠，但短期使用是可以的。",
        "糖尿病不能根治。但控制好血糖是可以的。",
        "糖尿病很难治愈，只是很多人误以为打了胰岛素就能。",
        "脱发无法根治，但戴假发也可以。",
        "2型糖尿病很难治愈，但部分早期患者可以。",
    ],
)
def test_an_ability_of_something_else_after_a_denial_passes(text) -> None:
    assert _blocking(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "脱发不能根治！！但在本院可以。",
        "失眠很难根治！！不过我们能做到！！",
        "按时吃药不等于药到病除，但在本院能够。",
    ],
)
def test_a_reclaim_after_doubled_marks_or_in_other_words_is_blocked(text) -> None:
    assert "ad16-guarantee" in _blocking(text)


@pytest.mark.parametrize(
    "text", ["微信👉yinliu888", "微信->yinliu888", "021-62345678例", "欢迎拨13812345678个电话"]
)
def test_the_third_testers_contacts_are_blocked(text) -> None:
    assert "ad19-contact" in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "脱发很难根治。\n怎么办？\n在本院可以。",
        "脱发很难根治。\n真的没办法吗？\n我们可以。",
        "脱发很难根治。\n哪里能治？\n我院皮肤科可以。",
        "按时吃药不等于药到病除，但用我们的方法就可以。",
        "按时吃药不等于药到病除，但交给我们就可以。",
        "按时吃药不等于药到病除，但咱这儿可以。",
        "按时吃药不等于药到病除，但找王主任就可以。",
    ],
)
def test_the_fourth_testers_reclaims_are_blocked(text) -> None:
    """Round 35, fourth tester: a question answered by us, and a verb or a title before us."""
    assert "ad16-guarantee" in _blocking(text)
