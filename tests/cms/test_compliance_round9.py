"""Issue 17 review round 2, round 9 of the checker (docs/compliance.md): the time on a run of
numerals (L7 sibling), invisible and look-alike separators and bidi controls, wordings that
passed, 科普 contacts and calls to act, and the false blocks of the second fresh review. Every
case goes through the real checker (`check_text` / `check_report` / `check_page`), with the
siblings of each reported input beside it and the lawful look-alikes that must still pass."""

from __future__ import annotations

import re

import pytest

from cms.compliance.checker import check_report
from cms.compliance.rules import _expand, _lexicon, load_rules
from cms.textnorm import normalize
from tests.cms.compliance_support import growth_ratio


def _blocked(text: str, scopes=()) -> bool:
    return check_report(text, scopes=scopes, second_reader=False).has_blocking


def _rules(text: str, scopes=()) -> set[str]:
    return {f.rule for f in check_report(text, scopes=scopes, second_reader=False).blocking}


# --- L7 sibling: a long run of numerals ------------------------------------------------


@pytest.mark.parametrize(
    "make_line",
    [
        lambda n: "1" * n,
        lambda n: "有效率" + "九" * n,
        lambda n: "治愈率" + "9" * n + "%",
        lambda n: "一" * n + "天见效",
        lambda n: "百" * n,
        lambda n: "第" + "十" * n + "天就好了",
        lambda n: "1.5" * (n // 3) + "%",
    ],
    ids=[
        "ascii",
        "han-after-rate",
        "ascii-rate",
        "han-before-effect",
        "hundreds",
        "ordinal",
        "decimal",
    ],
)
def test_a_long_run_of_numerals_is_read_in_near_linear_time(make_line) -> None:
    # was 141 s for 「1」×20,000 (each start in the run read the run to its end): 4x the run
    # now takes about 4x the time, where that reading took 16x. A ratio measured in the same
    # run, not a wall-clock bound (a shared runner can be slow)
    ratio = growth_ratio(make_line, small=5_000, large=20_000)
    assert ratio < 9, ratio


def test_numeral_runs_anchored_at_their_start_find_what_they_found_before() -> None:
    """Each rule's own examples and look-alikes, and numeral-heavy siblings, give the same
    matches with the patterns as written (unanchored) as with the anchored ones."""
    import tomllib

    from cms.compliance.rules import RULES_FILE

    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    lexicon = _lexicon(data)
    extra = ["12天见效", "治愈率99.5%", "十个患者九个好", "3个月长出新发", "第21天就好了", "1两天"]
    for raw, rule in zip(data["rules"], load_rules().rules, strict=True):
        plain = [re.compile(_expand("t", p, lexicon), re.IGNORECASE) for p in raw["patterns"]]
        for text in [*rule.examples, *rule.clean, *extra]:
            folded = normalize(text)
            for before, after in zip(plain, rule.patterns, strict=True):
                assert [m.span() for m in before.finditer(folded)] == [
                    m.span() for m in after.finditer(folded)
                ], (rule.id, before.pattern, text)


# --- invisible and look-alike separators, bidi controls --------------------------------

_SEPARATORS = [
    "\u3164",
    "\u115f",
    "\u1160",
    "\uffa0",  # Hangul fillers
    "･",
    "⋅",
    "∙",
    "‧",
    "․",
    "‥",
    "⸱",
    "+",
    "=",
    "＋",
    "＝",  # dot-like, plus, equals
    *(chr(c) for c in range(0x2000, 0x200B)),
    "\u202f",
    "\u205f",  # em, thin, narrow spaces
]


@pytest.mark.parametrize("sep", _SEPARATORS)
@pytest.mark.parametrize(
    "template", ["根{s}治脱发", "保{s}证{s}治{s}愈", "立竿见{s}影", "彻底{s}治好失眠"]
)
def test_an_invisible_or_look_alike_separator_does_not_hide_a_claim(sep, template) -> None:
    # plain text (the check_compliance CLI, channel drafts) reads like a page
    assert _blocked(template.format(s=sep))


@pytest.mark.parametrize("sep", ["･", "⋅", "+", "=", "\u2009"])
def test_a_separator_next_to_digits_or_latin_letters_stays(sep) -> None:
    assert normalize(f"2型{sep}1型") == f"2型{sep}1型"
    assert normalize(f"HbA1c{sep}7") == f"HbA1c{sep}7"


@pytest.mark.parametrize(
    "text",
    [
        "本方案\u202e发脱治根\u202c",  # RLO … PDF: displays 本方案根治脱发
        "本方案\u202b愈治证保\u202c",  # RLE
        "失眠调理\u2067眠秒\u2069",  # RLI … PDI
        "\u202d说明\u202c",  # LRO, even round harmless words
        "说明\u2066文字\u2069",  # LRI
        "说明\u2068文字\u2069",  # FSI
        "说明\u202a文字\u202c",  # LRE
    ],
)
def test_bidi_controls_are_a_blocking_finding(text) -> None:
    findings = check_report(text, second_reader=False).blocking
    bidi = [f for f in findings if f.rule == "bidi-control"]
    controls = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert bidi
    assert all(set(f.text) <= controls for f in bidi)
    assert "双向文字控制符" in bidi[0].message


def test_bidi_controls_on_a_page_block_it() -> None:
    from cms.compliance.extract import rich_text_to_plain

    plain = rich_text_to_plain("<p>本方案\u202e发脱治根\u202c</p>")
    assert "bidi-control" in _rules(plain)


@pytest.mark.parametrize("text", ["从左到右\u200e的标记", "普通的中文句子。"])
def test_marks_that_reorder_nothing_are_not_bidi_findings(text) -> None:
    assert "bidi-control" not in _rules(text)


# --- wordings that passed --------------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        # safety and recurrence
        "0副作用",
        "零不良反应，放心调理",
        "不复发",
        "治疗后不再复发",
        "复发率为0",
        "复发率几乎为零",
        # rank
        "全网第一",
        "全网销量第一的生发液",
        "排名第1",
        "排名第一的睡眠门诊",
        "口碑榜第一",
        # cohorts and counts
        "10人中9人有效",
        "十个患者九个好",
        "100位糖友里有95位达标",
        "治愈了10000+患者",
        "已治好3000多名患者",
        # stopping drugs, reversal, sure cures
        "停掉胰岛素",
        "甩掉降压药",
        "戒掉安眠药",
        "逆转糖尿病",
        "逆转2型糖尿病",
        "治好2型糖尿病",
        "百治百效",
        "百用百灵",
        "保正治愈",
        "包正治好",
        # instant sleep and speed
        "沾枕即睡",
        "一沾枕头就睡着",
        "沾床就能睡",
        "疗程短见效快",
        "周期短，见效快",
        # endorsement
        "院士团队研发",
        "院士领衔的生发方案",
        "诺贝尔奖技术",
        "诺贝尔成果转化的疗法",
        # claims in questions and double negation
        "脱发能根治吗？能！",
        "失眠可以彻底治好吗？当然可以！",
        "糖尿病能逆转吗？我们就能",
        "谁说脱发不能根治？我们就能",
        "谁说失眠治不好，我们就能",
        "脱发并非不能根治",
        "糖尿病不是不能治愈",
    ],
)
def test_round9_wordings_are_blocked(claim) -> None:
    assert _blocked(claim), claim


@pytest.mark.parametrize(
    "lawful",
    [
        "脱发能根治吗？目前不能",
        "谁说脱发不能治疗？规范用药可以控制",
        "规范治疗可以控制脱发",
        "脱发能根治吗？",
        "停药后会不会复发要看病情",
        "规律用药可以降低复发率",
        "心脑血管病在我国死因中排名第一",
        "停用激素后脱发可能加重，需要逐步减量",
        "有人轻信网上的说法而停掉胰岛素，最终住院",
        "不要擅自停掉降压药",
        "短效胰岛素起效快",
        "诺贝尔生理学或医学奖曾授予昼夜节律的研究",
    ],
)
def test_round9_lawful_look_alikes_pass(lawful) -> None:
    assert not _blocked(lawful, scopes={"science"}), _rules(lawful, scopes={"science"})


# --- 科普 contacts and calls to act (广告法第十九条) ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "加我：yisheng_2026",
        "作者微：yisheng2026",
        "weixin：yisheng2026",
        "wechat: doc_hair88",
        "威信号 abc12345",
        "薇信号 abc12345",
        "请拨一三八零零一三八零零零",
        "电话一三九一二三四五六七八",
        "咨询热线 ４００－８８８－６６６６",
        "４００－８８８－６６６６",
        "０２１－１２３４５６７８",
        "一次大约1980元",
        "价格199",
        "费用约3000元",
        "首单一元",
        "首次9元",
        "到院即送价值299元检测",
        "本周六义诊，免费测毛囊",
        "周日义诊",
        "免费检测头皮",
        "长按识别图中码",
        "长按二维码",
        "扫描下方图片",
        "识别图中二维码",
        "留言“1”领取资料",
        "留言“脱发”即可",
        "阅读原文报名",
        "阅读原文预约",
        "到店咨询",
        "到院体验",
        "主页有联系方式",
        "主页置顶有预约",
    ],
)
def test_science_contacts_and_ctas_are_blocked(text) -> None:
    assert _rules(text, scopes={"science"}) & {"ad19-contact", "ad19-cta"}, text


def test_science_rules_stay_out_of_non_science_pages() -> None:
    assert not _rules("到店咨询") & {"ad19-contact", "ad19-cta"}


# --- false blocks of the second fresh review -------------------------------------------


@pytest.mark.parametrize(
    "lawful",
    [
        # a disease stated as not (yet) curable
        "乙型肝炎目前尚不能彻底治愈",
        "雄激素性脱发目前无法彻底治愈",
        "2型糖尿病目前还不能完全治愈",
        "银屑病暂时无法根治",
        # one of the best ways (a general practice, no rank of a service)
        "早睡早起是最简单也最有效的办法之一",
        "规律作息是改善睡眠最好的方法之一",
        "运动是控制血糖最重要的措施之一",
        # named public crisis hotlines
        "全国心理援助热线400-161-9995",
        "北京心理危机研究与干预中心热线 010-82951332",
        "心理危机干预热线：010-82951332",
        "出现轻生念头请拨打12320或120",
        # a drug class's usual onset
        "降压药一般服用一周左右见效",
        "二甲双胍通常服用两周后起效",
        "安眠药一般半小时左右起效",
        # a claim asked, then denied
        "头发再也不掉了？别信这种说法",
        "三天根治脱发？这是谣言",
        "秒睡？别轻信这种广告",
    ],
)
def test_round9_false_blocks_pass(lawful) -> None:
    assert not _blocked(lawful, scopes={"science"}), _rules(lawful, scopes={"science"})


@pytest.mark.parametrize(
    "claim",
    [
        "我院是最好的医院之一",  # an institution, not a practice
        "我院心理援助热线400-123-4567",  # the clinic's own line by a public-sounding name
        "吃我们的药一周就见效",  # a promise, no drug class's general onset
        "本院热线 010-82951332",
        "患者编号 15012345678",  # decided: a mobile-shaped number stays a contact
        "失眠的认知行为治疗有效率约为70%至80%",  # decided: a bare rate stays blocked
    ],
)
def test_round9_exceptions_do_not_open_the_claims_next_to_them(claim) -> None:
    assert _blocked(claim, scopes={"science"}), claim
