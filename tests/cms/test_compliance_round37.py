"""Round 37 (rules 2027.1.10): the clinic's own names are ours. A study, a price or a rate told
under the brand, the institution or one of our doctors (「一项在仁和健康完成的研究显示…」,
「张主任牵头的研究显示…」) is the clinic's own result, as under 本院: `check_page`, the
channel drafts, the consent texts and `check_compliance` read the names from the Sites and the
doctor pages (`cms.compliance.ours.own_names`). And a quoted claim owned as a promise or a
slogan (“无效退款”是我们的承诺) is no warning against it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Site

from cms.compliance import check_page
from cms.compliance.checker import Ours, check_report
from cms.compliance.ours import own_names
from cms.models import ArticlePage, DoctorIndexPage, DoctorPage, HomePage
from tests.cms.compliance_support import draft, hub, rich

OURS = Ours(
    names=("仁和健康", "上海徐汇皮肤病专科门诊部", "仁和"),
    doctors=("张建国", "李文静", "向明", "欧阳修文", "司马云"),
)


def _blocking(text: str, *, ours: Ours | None = OURS, science: bool = False) -> set[str]:
    report = check_report(
        text, scopes=("science",) if science else (), second_reader=False, ours=ours
    )
    return {f.rule for f in report.blocking}


# -- a result under our names --------------------------------------------------------------------

UNDER_OUR_NAMES = [
    # the brand, the institution, a two-character brand beside what it is or does
    ("一项在仁和健康完成的研究显示，有效率达95%。", "ad16-rate"),
    ("仁和健康的数据显示，治愈率达98%。", "ad16-rate"),
    ("上海徐汇皮肤病专科门诊部统计，有效率达95%。", "ad16-rate"),
    ("仁和医院的研究显示，有效率达95%。", "ad16-rate"),
    ("仁和的数据显示，治愈率达98%。", "ad16-rate"),
    # a doctor: her full name, her surname and title, a compound surname
    ("张建国牵头的研究显示，有效率达95%。", "ad16-rate"),
    ("张主任牵头的研究显示，有效率达95%。", "ad16-rate"),
    ("李医生团队的临床数据显示，有效率达95%。", "ad16-rate"),
    ("欧阳主任的研究显示，有效率达95%。", "ad16-rate"),
    # the institution's own doctor
    ("上海徐汇皮肤病专科门诊部的张主任牵头的研究显示，有效率达95%。", "ad16-rate"),
    # a quoted promise owned by us, under our name or not
    ("“无效退款”是我们的承诺。", "ad16-refund"),
    ("“无效退款”是仁和健康的承诺。", "ad16-refund"),
    ("“三天见效”是本院的口号。", "mad7-timeline"),
    ("“三天见效”是我们的广告语。", "mad7-timeline"),
    # (fresh tester) the same, spelled otherwise or owned otherwise
    ("一项在仁 和 健 康完成的研究显示，有效率达95%。", "ad16-rate"),
    ("一项在「仁和健康」完成的研究显示，有效率达95%。", "ad16-rate"),
    ("張主任牽頭的研究顯示，有效率達95%。", "ad16-rate"),
    ("“张主任”牵头的研究显示，有效率达95%。", "ad16-rate"),
    ("张副主任牵头的研究显示，有效率达95%。", "ad16-rate"),
    ("欧阳副教授的研究显示，有效率达95%。", "ad16-rate"),
    ("张主治医师牵头的研究显示，有效率达95%。", "ad16-rate"),
    ("一项由张主任牵头的研究显示，有效率达95%。", "ad16-rate"),
    ("本院的张主任团队研究显示，有效率达95%。", "ad16-rate"),
    ("“无效退款”是张主任的承诺。", "ad16-refund"),
    ("“无效退款”——这是张主任对患者的承诺。", "ad16-refund"),
    ("“无效退款”是张建国主任的承诺。", "ad16-refund"),
    ("“无效退款”不是我们的承诺，而是我们的保证。", "ad16-refund"),
    ("“无效退款”不是我们的口号，是我们的底线。", "ad16-refund"),
    # (second fresh tester) a compound surname, a quoted promise of a short brand, 这是 before her
    ("司马教授牵头的研究显示，有效率达95%。", "ad16-rate"),
    ("李文静等发表于《中华皮肤科杂志》的研究显示，有效率达95%。", "ad16-rate"),
    ("本文由仁和健康整理，本院数据显示，有效率达95%。", "ad16-rate"),
    ("本文由仁和健康整理\n本院数据显示，有效率达95%。", "ad16-rate"),
    ("“无效退款”是仁和的承诺。", "ad16-refund"),
    ("“无效退款”，这是张主任的承诺。", "ad16-refund"),
    ("“无效退款”是院方的承诺。", "ad16-refund"),
    ("“无效退款”不是我们的承诺——而是写进合同的条款。", "ad16-refund"),
    ("张主任团队\n研究显示，有效率达95%。", "ad16-rate"),
]


@pytest.mark.parametrize(("text", "rule"), UNDER_OUR_NAMES)
def test_a_result_under_our_names_is_ours(text, rule) -> None:
    assert rule in _blocking(text)


@pytest.mark.parametrize(
    "text",
    [
        "一项在仁和健康完成的研究显示，有效率达95%。",
        "张主任牵头的研究显示，有效率达95%。",
        "仁和医院的研究显示，有效率达95%。",
    ],
)
def test_without_our_names_the_same_sentence_reads_as_a_citation(text) -> None:
    # what the names change: unknown names are someone else's study
    assert _blocking(text, ours=None) == set()


@pytest.mark.parametrize(
    "text",
    [
        # another institution's doctor who shares a surname with ours
        "协和医院的张教授研究显示，米诺地尔有效率约为40%至60%。",
        "北京大学的李教授研究发现，有效率约为60%。",
        # a surname that is also a word before 医生 (向明): only rank titles take it
        "请向医生咨询用药方案。",
        # a two-character brand alone may be a word
        "仁和是一种美德，心理健康很重要。",
        # our doctor signing or advising
        "作者：李文静 副主任医师",
        "李医生提醒：研究表明米诺地尔的有效率约为40%至60%。",
        "张建国医生说，研究发现有效率约60%。",
        # (fresh tester) our doctor explaining or advising cites as anyone does
        "张主任解释，国外一项研究显示，CBT-I的有效率约为70%至80%。",
        "欧阳修文主任提到，《柳叶刀》发表的研究显示，有效率约为60%。",
        "研究显示，米诺地尔有效率约为40%至60%，李医生提醒要坚持用药。",
        "据国外研究，有效率约为40%至60%，欧阳主任建议耐心治疗。",
        "张主任翻译的这篇综述显示，有效率约为40%至60%。",
        # another place's doctor who shares a surname with ours
        "北京协和医院皮肤科张主任的研究显示，米诺地尔有效率约为40%至60%。",
        "梅奥诊所睡眠科的李医生研究显示，有效率约为60%。",
        "斯坦福张教授研究显示，CBT-I有效率约为70%至80%。",
        "日本的张教授研究显示，CBT-I有效率约为70%至80%。",
        "国外的李博士研究发现，有效率约为60%。",
        "协和医院皮肤科张主任说，脱发的原因很多。",
        # (helper-211) who put the text together is no owner of the study on the next line
        "本文由仁和健康整理\n研究显示，米诺地尔的有效率约为40%至60%。",
        "本文由仁和健康整理，研究显示，米诺地尔的有效率约为40%至60%。",
        # a quoted promise said not to be ours
        "“无效退款”不是我们的承诺，治疗效果因人而异。",
        "“无效退款”并非仁和健康的承诺。",
        "“无效退款”从来不是我们的承诺。",
        # (second fresh tester) a study she passes on, a heading naming her, an aside, a place
        "刘医生引用的研究显示，CBT-I有效率约为70%。",
        "张主任提到的研究显示，米诺地尔有效率约为40%至60%。",
        "张主任分享的研究显示，米诺地尔有效率约为40%至60%。",
        "李文静主任\n研究显示，米诺地尔有效率约为40%至60%。",
        "张主任的话\n研究显示，米诺地尔有效率约为40%至60%。",
        "张教授（北京大学）的研究显示，有效率约为60%。",
        "深圳市仁和医院的研究显示，CBT-I有效率约为70%。",
        # a slogan disowned, the lawful thing or someone else's named after
        "“药到病除”不是我们的口号，规范治疗才是。",
        "“包治百病”不是我们的承诺，规范治疗才是我们的原则。",
        "“无效退款”不是我们的承诺，而是一些不良机构的噱头。",
        # quoted promises warned against
        "“无效退款”之类的承诺不可信。",
        "警惕“无效退款”这类宣传。",
        "“三天见效”是他们的广告语，别信。",
        "“根治”这类字眼不能用。",
    ],
)
@pytest.mark.parametrize("science", [False, True])
def test_their_look_alikes_pass(text, science) -> None:
    assert _blocking(text, science=science) == set()


@pytest.mark.parametrize(
    "text",
    [
        # (demo tester) a word after her that is no ownership: her patients told, not hers
        "李主任经常提醒患者，研究显示米诺地尔的有效率约为40%至60%。",
        "张主任叮嘱患者，研究显示米诺地尔的有效率约为40%至60%。",
    ],
)
@pytest.mark.parametrize("science", [False, True])
def test_our_doctor_speaking_to_patients_cites_as_anyone(text, science) -> None:
    assert _blocking(text, science=science) == set()


@pytest.mark.parametrize(
    ("names", "doctors", "text", "expected"),
    [
        # a short brand that is an everyday word is ours only beside what an institution is called
        (("健康",), (), "关于健康的研究显示，米诺地尔的有效率约为40%至60%。", set()),
        (("睡眠",), (), "睡眠研究显示，CBT-I的有效率约为70%至80%。", set()),
        (("健康",), (), "健康医院的研究显示，有效率达95%。", {"ad16-rate"}),
        # a rare short brand doing a study
        (("仁和",), (), "一项在仁和完成的研究显示，有效率达95%。", {"ad16-rate"}),
        # a doctor page titled with her rank, a five-character name of a compound surname
        ((), ("李文静 主任医师",), "李文静主任牵头的研究显示，有效率达95%。", {"ad16-rate"}),
        ((), ("欧阳文静华",), "欧阳文静华主任牵头的研究显示，有效率达95%。", {"ad16-rate"}),
    ],
)
def test_names_as_the_site_and_the_doctor_pages_give_them(names, doctors, text, expected) -> None:
    assert _blocking(text, ours=Ours(names=names, doctors=doctors)) == expected


def test_a_call_to_come_to_us_by_name_is_a_call_to_action_on_science() -> None:
    assert "ad19-cta" in _blocking("来仁和健康看看吧。", science=True)


@pytest.mark.parametrize(
    ("name", "text", "rule"),
    [
        # a brand or a doctor page titled with a claim is no name: read as written
        ("根治脱发医院", "根治脱发医院欢迎您。", "ad16-guarantee"),
        ("国家级专家王医生", "国家级专家王医生为您服务。", "ad9-national"),
    ],
)
def test_a_name_that_is_a_claim_is_not_read_as_ours(name, text, rule) -> None:
    ours = Ours(names=(name,), doctors=(name,))
    assert rule in _blocking(text, ours=ours)


def test_a_finding_under_our_name_points_at_the_name_as_typed() -> None:
    text = "张主任牵头的研究显示，有效率达95%。"
    report = check_report(text, second_reader=False, ours=OURS)
    finding = next(f for f in report.blocking if f.rule == "ad16-rate")
    assert finding.text == text[finding.start : finding.end]
    assert "95%" in finding.text


# -- the names come from the database, through every surface -------------------------------------


def _doctor(title: str, hospital: str = "仁和健康门诊部") -> DoctorPage:
    team = draft(HomePage.objects.get(), DoctorIndexPage(title="医生团队", slug="doctors"))
    return draft(
        team,
        DoctorPage(
            title=title,
            slug="doctor",
            rank="主任医师",
            hospital=hospital,
            licence_number="110310000012345",
        ),
    )


@pytest.mark.django_db
def test_own_names_reads_the_sites_and_the_doctor_pages() -> None:
    Site.objects.update(site_name="仁和健康")
    _doctor("张建国", hospital="仁和健康门诊部")
    assert own_names() == Ours(names=("仁和健康", "仁和健康门诊部"), doctors=("张建国",))


@pytest.mark.django_db
def test_a_site_without_a_name_is_the_default_brand() -> None:
    Site.objects.update(site_name="")
    assert own_names().names == ("引流健康",)


def _article(body: str) -> ArticlePage:
    return draft(
        hub(),
        ArticlePage(
            title="睡眠门诊的一项研究",
            slug="study",
            layer="conversion",
            body=[{"type": "paragraph", "value": rich(body)}],
        ),
    )


@pytest.mark.django_db
def test_check_page_reads_the_site_name_as_ours() -> None:
    page = _article("一项在仁和健康完成的研究显示，有效率达95%。")
    Site.objects.update(site_name="引流健康")
    assert "ad16-rate" not in {f.rule for f in check_page(page, rendered=False).blocking}
    Site.objects.update(site_name="仁和健康")
    assert "ad16-rate" in {f.rule for f in check_page(page, rendered=False).blocking}


@pytest.mark.django_db
def test_check_page_reads_a_doctor_of_ours_by_surname_and_title() -> None:
    page = _article("张主任牵头的研究显示，有效率达95%。")
    assert "ad16-rate" not in {f.rule for f in check_page(page, rendered=False).blocking}
    _doctor("张建国")
    assert "ad16-rate" in {f.rule for f in check_page(page, rendered=False).blocking}


@pytest.mark.django_db
def test_check_compliance_reads_our_names_in_a_text_file(tmp_path: Path) -> None:
    Site.objects.update(site_name="仁和健康")
    copy = tmp_path / "copy.txt"
    copy.write_text("一项在仁和健康完成的研究显示，有效率达95%。\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("check_compliance", str(copy), stdout=out)
    assert raised.value.returncode == 1
    assert "ad16-rate" in out.getvalue()


# -- a bad outcome of ours asked, then denied outright -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "本院植发术后复发？不可能。",
        "做完会反弹吗？不会的。",
        "治疗后有副作用吗？放心。",
        "植发后头发还会再掉吗？不会。",
        "我们的疗法会无效吗？绝对不会！",
        # the answer in other words, or a sentence of its own
        "植发后会不会复发？绝不会。",
        "术后会复发吗？当然不会。",
        "治疗后有副作用吗？请放心。",
        "治疗后会有后遗症吗？不会的。",
        "术后会复发吗？完全不用担心。",
    ],
)
@pytest.mark.parametrize("science", [False, True])
def test_a_bad_outcome_denied_outright_is_a_guarantee(text, science) -> None:
    assert "ad16-guarantee" in _blocking(text, ours=None, science=science)


@pytest.mark.parametrize(
    "text",
    [
        "有人说中药调理没有副作用？不可能。",
        "米诺地尔停用后会反弹吗？会。",
        "植发后还会掉吗？会，原生发仍可能脱落。",
        "吃完这个药会有副作用吗？放心，医生会根据情况调整。",
        "治疗后无效怎么办？不要放弃。",
        # (second fresh tester) a habit after treatment asked about, then denied
        "用药后喝咖啡会让药物无效吗？不会。",
        "吃完饭马上吃药会无效吗？不会。",
        "手术后吃辣会导致复发吗？不会的。",
        "术后头皮发红是副作用吗？放心。",
    ],
)
@pytest.mark.parametrize("science", [False, True])
def test_a_good_thing_denied_or_a_bad_one_told_passes(text, science) -> None:
    assert _blocking(text, ours=None, science=science) == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "second",
    [
        {"type": "callout", "value": {"kind": "tip", "text": "研究显示，有效率达95%。"}},
        {
            "type": "faq",
            "value": {
                "title": "常见问题",
                "items": [{"question": "研究显示，有效率达95%。", "answer": rich("因人而异。")}],
            },
        },
    ],
)
def test_a_claim_split_into_a_callout_or_an_faq_is_found_too(second) -> None:
    Site.objects.update(site_name="仁和健康")
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠研究",
            slug="split-kinds",
            layer="conversion",
            body=[{"type": "paragraph", "value": rich("一项在仁和健康完成的")}, second],
        ),
    )
    assert "ad16-rate" in {f.rule for f in check_page(page, rendered=False).blocking}


@pytest.mark.django_db
def test_a_claim_made_whole_across_two_blocks_under_our_name_is_found_as_served() -> None:
    # (helper-210) the fields alone hold half a sentence each; the served page reads them on
    Site.objects.update(site_name="仁和健康")
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠研究",
            slug="split",
            layer="science",
            body=[
                {"type": "paragraph", "value": rich("一项在仁和健康完成的")},
                {"type": "paragraph", "value": rich("研究显示，有效率达95%。")},
            ],
        ),
    )
    assert "ad16-rate" in {f.rule for f in check_page(page).blocking}
    Site.objects.update(site_name="引流健康")
    assert "ad16-rate" not in {f.rule for f in check_page(page).blocking}, [
        (f.field, f.rule, f.text) for f in check_page(page).blocking
    ]


@pytest.mark.django_db
def test_a_doctor_card_over_the_footer_is_no_call_to_come_to_us() -> None:
    # the card's institution (ours) reads on into the footer's 「…不能替代医生面诊」
    doctor = _doctor("赵明远", hospital="徐汇门诊部")
    doctor.save_revision().publish()
    page = draft(
        hub(),
        ArticlePage(
            title="失眠科普",
            slug="card",
            layer="science",
            body=[
                {"type": "paragraph", "value": rich("规律作息有助于睡眠。")},
                {"type": "doctor_card", "value": {"doctor": doctor.pk}},
            ],
        ),
    )
    assert check_page(page).blocking == []
