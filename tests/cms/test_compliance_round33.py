"""Round 33 (rules 2027.1.6), tester C's findings on round 32 as kinds: control
characters typed inside a claim (治\\x01愈率百分百), short claims the second reader does not
read (< 8 characters: 失眠我们能治, 有效率玖拾玖 in capital numerals, 中华医学会推荐✅,
成龙强烈推荐, 效果直逼协和, 治愈后付款), 科普 invitations in new words (本科室开展…,
欢迎来门诊, 价格可以私信问, 咨询热线见主页, the way to our door), a key word in quotation
marks (给我们打个“电话”) or drawn (📞), and the false blocks the tester found (希望24热线,
what a drug usually costs, rogue providers' prices warned against, a rate cited with the
guidelines, a disease's prognosis, a definition)."""

from __future__ import annotations

import pytest

from cms.compliance.checker import CONTROL_RULE, check_report
from cms.compliance.extract import rich_text_to_plain
from cms.compliance.gate import CompliancePublishBlocked, page_false_match_record
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub, reviewer, rich


def _blocking(text: str, **kwargs) -> set[str]:
    return {f.rule for f in check_report(text, **kwargs).findings if f.blocking}


# -- control characters ---------------------------------------------------------------------

CONTROLS = ["\x01", "\x08", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\x0b", "\x0c", "\x1c"]


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_inside_a_claim_hides_nothing(control) -> None:
    assert "ad16-rate" in _blocking(f"治{control}愈率百分百", second_reader=False)
    science = _blocking(f"给我们{control}打个电话", scopes={"science"}, second_reader=False)
    assert "ad19-cta" in science


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_is_itself_a_blocking_finding(control) -> None:
    findings = check_report(f"失眠{control}怎么办", second_reader=False).blocking
    found = [f for f in findings if f.rule == CONTROL_RULE]
    assert found
    assert f"U+{ord(control):04X}" in found[0].text
    assert "控制字符" in found[0].message


@pytest.mark.parametrize("text", ["失眠怎么办\t（表格）", "第一行\n第二行", "第一行\r\n第二行"])
def test_tabs_and_line_ends_are_no_control_finding(text) -> None:
    assert CONTROL_RULE not in _blocking(text, second_reader=False)


def test_a_control_character_in_a_rich_text_block_is_found() -> None:
    plain = rich_text_to_plain("<p>本方案治\x01愈率百分百</p>")
    assert {CONTROL_RULE, "ad16-rate"} <= _blocking(plain, second_reader=False)


@pytest.mark.django_db
def test_no_reviewer_ruling_clears_a_control_character() -> None:
    page = draft(
        hub(),
        ArticlePage(
            title="失眠的科学认识",
            slug="science-control",
            layer="science",
            body=[{"type": "paragraph", "value": rich("失眠\x01是常见的睡眠问题。")}],
        ),
    )
    user = reviewer("shencha-control")
    revision = page_false_match_record(page=page, user=user)
    with pytest.raises(CompliancePublishBlocked) as blocked:
        revision.publish(user=user)
    assert blocked.value.decision.reason == "hidden_characters"
    assert not ArticlePage.objects.get(pk=page.pk).live


# -- short claims and their siblings --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # capital numerals (大写数字) and a rate's label followed by a colon or a dash
        ("有效率玖拾玖", "ad16-rate"),
        ("治愈率玖拾伍", "ad16-rate"),
        ("有效率：九十九", "ad16-rate"),
        ("有效率——九十九", "ad16-rate"),
        ("拾分钟起效", "ad16-instant"),
        ("起效只需十分钟", "ad16-instant"),
        ("见效最快三天", "ad16-instant"),
        ("逐步减药直至停药", "ad16-stop-medicine"),
        # a badge with any decoration after it, and badges of more public bodies
        ("中华医学会推荐✅", "ad16-endorse-org"),
        ("中华医学会推荐√", "ad16-endorse-org"),
        ("中华医学会推荐👍👍", "ad16-endorse-org"),
        ("国家卫健委推荐🌟", "ad16-endorse-org"),
        ("世卫组织推荐", "ad16-endorse-org"),
        ("国家中医药管理局推荐", "ad16-endorse-org"),
        ("成龙强烈推荐", "ad16-endorsement"),
        ("张三力荐", "ad16-endorsement"),
        ("效果直逼协和", "ad16-comparison"),
        ("效果和协和差不多", "ad16-comparison"),
        ("效果跟协和一样", "ad16-comparison"),
        ("疗效与华西相当", "ad16-comparison"),
        ("治愈后付款", "ad16-refund"),
        ("好转后收费", "ad16-refund"),
        ("按疗效付费", "ad16-refund"),
        # a claim word in quotation marks
        ("我们“根治”脱发", "ad16-guarantee"),
    ],
)
def test_round_33_short_claims_are_blocked_by_the_rules(text, rule) -> None:
    assert rule in _blocking(text, second_reader=False)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("失眠我们能治", "ad19-cta"),
        ("这个病我们可以治好。", "ad19-cta"),
        ("一个疗程叁仟捌", "ad19-cta"),
        ("本科室开展多导睡眠监测", "ad19-cta"),
        ("我院已引进这种治疗", "ad19-cta"),
        ("我们科可以开这个药", "ad19-cta"),
        ("欢迎来门诊", "ad19-cta"),
        ("欢迎前来我院就诊", "ad19-cta"),
        ("现在来还有优惠，名额仅限前20名", "ad19-cta"),
        ("本月预约可享折扣", "ad19-cta"),
        ("价格可以私信问", "ad19-contact"),
        ("咨询热线见主页", "ad19-contact"),
        ("来我们这，医生一对一帮你看", "ad19-cta"),
        ("乘地铁2号线到人民广场站下车，步行五分钟就到我们医院", "ad19-cta"),
        ("开车二十分钟即可到达本院", "ad19-cta"),
        ("加一下我们的VX", "ad19-cta"),
        ("加一下我们的绿泡泡", "ad19-cta"),
        # quotation marks round the key word, a drawn telephone, a trailing emoji
        ("给我们打个“电话”", "ad19-cta"),
        ("来「我们这里」", "ad19-cta"),
        ("来我们这里😊", "ad19-cta"),
        ("来我们这里😊😊！", "ad19-cta"),
        ("给我们打个📞", "ad19-cta"),
        ("给我们打个☎️", "ad19-cta"),
    ],
)
def test_round_33_science_invitations_are_blocked(text, rule) -> None:
    assert rule in _blocking(text, scopes={"science"}, second_reader=False)


@pytest.mark.parametrize(
    "text",
    [
        "可以拨打希望24热线寻求帮助",
        "胰岛素泵价格一般在两三万元",
        "二甲双胍的月均费用在几十元左右",
        "植发手术的费用一般在一万到三万元之间",
        "专家号的挂号费一般在五十元左右",
        "一些不法机构一个疗程收费上万元，患者要警惕",
        "失眠认知行为治疗的有效率在70%左右，国内外指南均推荐",
        "甲状腺乳头状癌的治愈率很高",
        "央视报道的案例提醒我们，不要轻信偏方",
        "有些机构宣称治好了再付款，其实是陷阱",
        "别让明星代言蒙蔽了双眼",
        "来，我们一起做个深呼吸",
        "治愈率指的是治疗后症状完全消失的患者比例",
        "很多患者第一次来我们这里时都很焦虑",
        # look-alikes of this round's rules
        "本院开展的一项研究显示，认知行为治疗有效",
        "我们能做的是规律作息",
        "这种病我们能治吗？",
        "欢迎在评论区分享你的睡眠经验",
        "现在来看看失眠的原因",
        "乘地铁时也可以做放松训练",
        "这个方法我强烈推荐",
        "指南强烈推荐",
        "世界卫生组织推荐的运动量是每周150分钟",
        "速效胰岛素一般在注射后十五分钟左右起效",
        "应在医生指导下逐步减药，不可自行停药",
        "治疗原则和三甲医院一样，都要遵循指南",
        "收拾一下心情，早点睡",
        "队伍里五十人都做了体检",
        "所谓“根治”是骗人的",
        "宣传“加微信领取”的都不可信",
        "今天也要好好睡觉😊",
    ],
)
def test_round_33_lawful_sentences_pass_on_science(text) -> None:
    assert not _blocking(text, scopes={"science"})


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # the lawful framings do not cover our own
        ("我院植发手术的费用一般在一万到三万元之间", "ad19-cta"),
        ("本院挂号费一般在五十元左右", "ad19-cta"),
        ("治疗费用约一万元左右", "ad19-cta"),
        ("本院方案的有效率在95%左右，国内外指南均推荐", "ad16-rate"),
        ("我们治疗脱发的治愈率很高", "ad16-rate"),
        ("央视报道过我院的专家团队", "ad16-endorse-org"),
    ],
)
def test_round_33_framings_do_not_clear_our_own_claims(text, rule) -> None:
    assert rule in _blocking(text, scopes={"science"})


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li>给我们</li><li>打个电话</li></ul>",
        "<ol><li>来我们</li><li>这里看看</li></ol>",
        "<p>加我们</p><p>微信</p>",
    ],
)
def test_an_invitation_split_over_list_items_is_read_whole(html) -> None:
    plain = rich_text_to_plain(html)
    assert "ad19-cta" in _blocking(plain, scopes={"science"}, second_reader=False)


def test_list_items_that_end_on_us_in_a_clause_are_not_joined() -> None:
    plain = rich_text_to_plain("<ul><li>写信给我们</li><li>睡眠小知识</li></ul>")
    assert not _blocking(plain, scopes={"science"})


@pytest.mark.parametrize("percent", ["%", "％", "﹪", "٪"])
def test_every_percent_sign_is_read_as_one(percent) -> None:
    assert "ad16-rate" in _blocking(f"治愈率100{percent}", second_reader=False)
