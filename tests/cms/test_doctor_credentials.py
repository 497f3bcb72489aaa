"""One doctor, one set of credentials in the text (issue 17 point 6): a doctor named in a
page's text with a 职称 or a licence number is a doctor of the doctor pages, with that page's
职称 and 医师执业证书编码 (《医疗广告管理办法》第六条；《广告法》第四条、第二十八条), on a
landing page and on a 科普 page alike."""

from __future__ import annotations

import pytest

from cms.compliance import check_page
from cms.compliance.doctors import RULE, UNKNOWN_LICENCE, UNREGISTERED
from cms.models import ArticlePage, DoctorIndexPage, DoctorPage, HomePage
from landing.models import LandingIndexPage, LandingPage
from tests.cms.compliance_support import draft, hub, rich
from tests.funnel.factories import PackageFactory

pytestmark = pytest.mark.django_db

LI = "110310000012345"
ZHAO = "110310000023456"


@pytest.fixture
def doctors() -> dict[str, DoctorPage]:
    """Two live doctor pages, as the demo seeds them."""
    team = HomePage.objects.get().add_child(
        instance=DoctorIndexPage(title="医生团队", slug="doctors")
    )
    pages = {}
    for slug, name, rank, licence in (
        ("li", "李文静", "副主任医师", LI),
        ("zhao", "赵明远", "主治医师", ZHAO),
    ):
        pages[name] = team.add_child(
            instance=DoctorPage(
                title=name, slug=slug, rank=rank, hospital="徐汇门诊部", licence_number=licence
            )
        )
    return pages


def landing(hero: str) -> LandingPage:
    package = PackageFactory()
    index = draft(HomePage.objects.get(), LandingIndexPage(title="专科咨询", slug="lp"))
    page = LandingPage(
        title="脱发咨询",
        slug="hair",
        specialty=package.specialty,
        headline="脱发困扰？先做一次毛囊检测",
        package=package,
        hero_body=rich(hero),
    )
    return draft(index, page)


def article(*paragraphs: str) -> ArticlePage:
    body = [{"type": "paragraph", "value": rich(*paragraphs)}]
    return draft(hub(), ArticlePage(title="脱发科普", slug="a", layer="science", body=body))


def credentials(page) -> list[tuple[str, str, str]]:
    """(field, text, message) of the page's doctor-credentials findings, all blocking."""
    found = [f for f in check_page(page).findings if f.rule == RULE]
    assert all(f.blocking for f in found)
    return [(f.field, f.text, f.message) for f in found]


def test_landing_page_stating_other_credentials_than_the_doctor_pages(doctors) -> None:
    # given the verifier's hero text: 李文静 is 副主任医师 with another number, 赵明远 is
    # 主治医师 (issue 17 point 6)
    page = landing("李文静主任医师为您面诊，执业证号110310000099999。赵明远教授每周坐诊。")

    # when it is checked, then each credential the doctor pages do not register blocks
    assert credentials(page) == [
        ("hero_body", "李文静主任医师", "医生职称与医生页面不一致：页面为副主任医师"),
        (
            "hero_body",
            "执业证号110310000099999",
            f"医师执业证书编码与医生页面不一致：李文静的医生页面为{LI}",
        ),
        ("hero_body", "赵明远教授", "医生职称与医生页面不一致：页面为主治医师"),
    ]


def test_landing_page_presenting_a_doctor_who_has_no_page(doctors) -> None:
    page = landing("王医生（主任医师，医师执业证书编码110101199001011）亲诊。")

    assert credentials(page) == [
        (
            "hero_body",
            "王医生（主任医师，医师执业证书编码110101199001011）",
            f"{UNREGISTERED}（王）",
        )
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("主治医师李文静为您制定方案。", "主治医师李文静"),  # the 职称 before the name
        ("李文静（主任医师）为您面诊。", "李文静（主任医师）"),
        ("李文靜主任醫師為您面診。", "李文靜主任醫師"),  # in traditional characters
    ],
)
def test_rank_in_another_order_or_spelling(doctors, text, shown) -> None:
    assert credentials(landing(text)) == [
        ("hero_body", shown, "医生职称与医生页面不一致：页面为副主任医师")
    ]


def test_a_licence_number_with_no_name_near_is_one_of_a_doctor_page() -> None:
    page = landing("本院医生均已注册，执业证号110310000099999。")

    assert credentials(page) == [("hero_body", "执业证号110310000099999", UNKNOWN_LICENCE)]


def test_science_article_is_held_to_the_same_credentials(doctors) -> None:
    # given a 科普 article: wrong 职称, an outside expert quoted with a 职称 (no page: lawful
    # on 科普, thirteenth verification F2), 职称 before the name, another's licence number
    page = article(
        "李文静主任医师提醒：脱发要先分型。",
        "钟南山教授指出，戒烟越早越好。",
        "主治医师李文静建议记录掉发数量。",
        "赵明远医生，医师执业证书编码110310000012345。",
    )

    # then each of our doctors' wrong credentials blocks, line by line; the quote passes
    assert [(f.line, f.text) for f in check_page(page).findings if f.rule == RULE] == [
        (1, "李文静主任医师"),
        (3, "主治医师李文静"),
        (4, "医师执业证书编码110310000012345"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "钟南山教授指出，戒烟越早越好。",
        "张文宏教授提醒，发热时多休息。",
        "据该院主任医师王某介绍，脱发需要分型。",
        "我在老家找过一位刘建国主任医师看病。",
    ],
)
def test_outside_experts_and_patients_stories_pass_on_science(doctors, text) -> None:
    assert [f for f in check_page(article(text)).findings if f.rule == RULE] == []


@pytest.mark.parametrize(
    "text",
    [
        "建议找主任医师复诊。",  # a 职称 with no name
        "医生会结合毛囊检测给出建议。",  # 医生 with no name
        "诺贝尔奖得主高锟教授的研究改变了通信。",  # a scientist's study
        "王教授团队发表的论文显示，睡眠不足会加重脱发。",
        "李文静副主任医师为您面诊，执业证号110310000012345。",  # named as registered
        "主治医师赵明远每周三坐诊。",
        "李文静医生：雄激素性脱发为什么需要长期管理",  # a name without credentials
        "高年资主任医师、康复医师和营养师共同随访。",  # no names
        "对于主任医师而言，复诊记录同样重要。",
        "我们的医生均持有医师执业证书。",
        "我去年到北京找王主任看过，他建议先调整作息。",  # a surname alone with a 职称
    ],
)
def test_lawful_text_passes_on_landing_and_science_pages(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


def test_a_doctor_page_naming_its_own_rank_passes_and_an_edit_is_read_as_edited(
    doctors,
) -> None:
    li = doctors["李文静"]
    li.biography = rich("李文静副主任医师从事皮肤科临床工作十六年。")
    assert credentials(li) == []

    # a promotion typed into both the rank and the biography: the page as edited is the
    # register (the unsaved instance, not its stored row)
    li.rank = "主任医师"
    li.biography = rich("李文静主任医师从事皮肤科临床工作十六年。")
    assert credentials(li) == []

    # the biography claiming a rank the page's own field does not say blocks
    li.biography = rich("李文静教授从事皮肤科临床工作十六年。")
    assert credentials(li) == [
        ("biography", "李文静教授", "医生职称与医生页面不一致：页面为主任医师")
    ]

    # and so does one in a bio card's brackets (twenty-first verification B)
    li.rank = "副主任医师"
    li.biography = rich("李文静（女，医学博士）主任医师为您面诊。")
    assert [m for _, _, m in credentials(li)] == ["医生职称与医生页面不一致：页面为副主任医师"]


def test_a_doctor_page_that_is_not_live_is_no_registered_doctor(doctors) -> None:
    doctors["赵明远"].unpublish()

    assert credentials(landing("赵明远主治医师每周坐诊。")) == [
        ("hero_body", "赵明远主治医师", f"{UNREGISTERED}（赵明远）")
    ]


WRONG_LI = "医生职称与医生页面不一致：页面为副主任医师"
WRONG_ZHAO = "医生职称与医生页面不一致：页面为主治医师"


@pytest.mark.parametrize(
    ("text", "shown", "message"),
    [
        # no doctor page on an ad
        ("主任大夫王建华为您面诊。", "主任大夫王建华", f"{UNREGISTERED}（王建华）"),
        ("王建华主治医生每周坐诊。", "王建华主治医生", f"{UNREGISTERED}（王建华）"),
        # a 副主任医师 called 主任 医生 / 大夫, a 主治医师 called 主任医生
        ("主任大夫李文静为您面诊。", "主任大夫李文静", WRONG_LI),
        ("主任医生李文静为您面诊。", "主任医生李文静", WRONG_LI),
        ("主治医生李文静为您面诊。", "主治医生李文静", WRONG_LI),
        ("李文静主治大夫为您面诊。", "李文静主治大夫", WRONG_LI),
        ("赵明远主任医生每周坐诊。", "赵明远主任医生", WRONG_ZHAO),
        ("赵明远（副主任大夫）每周坐诊。", "赵明远（副主任大夫）", WRONG_ZHAO),
    ],
)
def test_a_rank_spelled_with_yisheng_or_daifu_is_read_as_the_yishi_rank(
    doctors, text, shown, message
) -> None:
    assert credentials(landing(text)) == [("hero_body", shown, message)]


@pytest.mark.parametrize(
    "text",
    [
        "副主任医生李文静为您面诊。",  # as registered
        "李文静副主任大夫为您面诊。",
        "赵明远主治大夫每周三坐诊。",
        "主治医生赵明远每周三坐诊。",
        "主任医生的号很难挂。",  # no name
        "建议找主治大夫复诊。",
        "由主任大夫亲自面诊。",
    ],
)
def test_yisheng_and_daifu_ranks_as_registered_or_with_no_name_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    ("text", "shown", "message"),
    [
        ("王建华老师（主任医师）为您面诊。", "王建华老师（主任医师）", f"{UNREGISTERED}（王建华）"),
        ("王建华博士（主治医师）为您面诊。", "王建华博士（主治医师）", f"{UNREGISTERED}（王建华）"),
        ("李文静老师（主任医师）为您面诊。", "李文静老师（主任医师）", WRONG_LI),
        ("李文静专家（主任医生）为您面诊。", "李文静专家（主任医生）", WRONG_LI),
        ("赵明远博士（副主任医师）每周坐诊。", "赵明远博士（副主任医师）", WRONG_ZHAO),
    ],
)
def test_a_name_with_a_title_before_a_bracketed_rank(doctors, text, shown, message) -> None:
    assert credentials(landing(text)) == [("hero_body", shown, message)]


@pytest.mark.parametrize(
    "text",
    [
        "李文静专家（副主任医师）为您面诊。",  # as registered
        "赵明远老师（主治医师）每周坐诊。",
        "由资深专家（主任医师）亲自面诊。",  # no name
        "多位专家（主任医师及以上）共同会诊。",
    ],
)
def test_titled_bracketed_ranks_as_registered_or_with_no_name_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    ("text", "shown", "message"),
    [
        (
            "王医生，执业证号 1103 1000 0099 999。",
            "王医生，执业证号 1103 1000 0099 999",
            f"{UNREGISTERED}（王）",
        ),
        (
            "李文静副主任医师，执业证号 1103 1000 0099 999。",
            "执业证号 1103 1000 0099 999",
            f"医师执业证书编码与医生页面不一致：李文静的医生页面为{LI}",
        ),
        (
            "赵明远医生，执业证书编码：110-310-000-099-999。",
            "执业证书编码：110-310-000-099-999",
            f"医师执业证书编码与医生页面不一致：赵明远的医生页面为{ZHAO}",
        ),
        (
            "本院医生均已注册，执业证书编码：110-310-000-099-999。",
            "执业证书编码：110-310-000-099-999",
            UNKNOWN_LICENCE,
        ),
    ],
)
def test_a_licence_number_in_groups_is_read_by_its_digits(doctors, text, shown, message) -> None:
    assert credentials(landing(text)) == [("hero_body", shown, message)]
    assert credentials(article(text)) == [("body[0].paragraph", shown, message)]


@pytest.mark.parametrize(
    "text",
    [
        "李文静副主任医师，执业证号 1103 1000 0012 345。",  # as registered
        "李文静副主任医师，执业证书编码：110-310-000-012-345。",
        "赵明远医生，执业证号：110 310 000 023 456，每周三坐诊。",
        "执业证号请以卫健委官网查询为准。",  # no number
        "李文静副主任医师，执业证号110310000012345 2024年注册。",  # a year after is no group
    ],
)
def test_grouped_licence_numbers_as_registered_or_none_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


def test_a_licence_stored_in_groups_matches_by_its_digits(doctors) -> None:
    # given a doctor row stored before the page's format check, with separators
    DoctorPage.objects.filter(pk=doctors["李文静"].pk).update(licence_number="110-310-000-012-345")

    assert credentials(landing(f"李文静副主任医师，执业证号{LI}。")) == []
    assert credentials(article(f"执业证号 {LI}。")) == []  # no name near: still hers


@pytest.mark.parametrize(
    ("text", "shown", "message"),
    [
        (
            "王建华，主任医师，从事脱发诊疗二十年。",
            "王建华，主任医师",
            f"{UNREGISTERED}（王建华）",
        ),
        ("主任医师：王建华", "主任医师：王建华", f"{UNREGISTERED}（王建华）"),
        ("李文静，主任医师，从事脱发诊疗二十年。", "李文静，主任医师", WRONG_LI),
        ("李文静：主任医师", "李文静：主任医师", WRONG_LI),
        ("主任医师：李文静", "主任医师：李文静", WRONG_LI),
        ("主任医师 李文静", "主任医师 李文静", WRONG_LI),
        ("李文静 主任医师", "李文静 主任医师", WRONG_LI),
        ("专家简介 李文静，皮肤科主任医师。", "李文静，皮肤科主任医师", WRONG_LI),
        ("1. 赵明远，主任医师。", "赵明远，主任医师", WRONG_ZHAO),
        # a second 职称 of the doctor just named
        ("医生团队：李文静，副主任医师、教授", "李文静，副主任医师、教授", WRONG_LI),
    ],
)
def test_a_name_and_rank_apart_by_punctuation_are_read(doctors, text, shown, message) -> None:
    assert credentials(landing(text)) == [("hero_body", shown, message)]


@pytest.mark.parametrize(
    "text",
    [
        "李文静，副主任医师，从事皮肤科临床工作十六年。",  # as registered
        "副主任医师：李文静",
        "赵明远 主治医师",
        "主治医师 赵明远",
        "我挂了号，主任医师看得很仔细。",  # no name starts the clause
        "我陪王建华挂号，主任医师说先做检查。",
        "那天见到王建华，主任医师。",
        "主任医师：高血压患者要按时服药。",  # a word shaped like a name does not end its clause
        "主任医师的号很难挂。",
    ],
)
def test_punctuated_ranks_as_registered_or_naming_nobody_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


def test_a_punctuated_outside_expert_passes_on_science_only(doctors) -> None:
    text = "王建华，主任医师，从事脱发诊疗二十年。"

    assert credentials(article(text)) == []
    assert [m for _, _, m in credentials(landing(text))] == [f"{UNREGISTERED}（王建华）"]


@pytest.mark.parametrize(
    ("text", "shown", "message"),
    [
        ("王建华为我院主任医师。", "王建华为我院主任医师", f"{UNREGISTERED}（王建华）"),
        ("王建华是主任医师，擅长脱发诊疗。", "王建华是主任医师", f"{UNREGISTERED}（王建华）"),
        ("李文静是主任医师。", "李文静是主任医师", WRONG_LI),
        ("李文静现任皮肤科主任医师，擅长脱发诊疗。", "李文静现任皮肤科主任医师", WRONG_LI),
        ("李文静为本院的主任医师。", "李文静为本院的主任医师", WRONG_LI),
        ("赵明远系内分泌科副主任医师。", "赵明远系内分泌科副主任医师", WRONG_ZHAO),
        ("赵明远担任徐汇门诊部主任。", "赵明远担任徐汇门诊部主任", WRONG_ZHAO),
        # a longer place with a praise word inside it (twenty-first session's leftover)
        (
            "李文静是我院资深的皮肤科主任医师。",
            "李文静是我院资深的皮肤科主任医师",
            WRONG_LI,
        ),
        ("赵明远为本院内分泌科知名的主任医师。", "赵明远为本院内分泌科知名的主任医师", WRONG_ZHAO),
    ],
)
def test_a_name_is_or_serves_as_a_rank(doctors, text, shown, message) -> None:
    assert credentials(landing(text)) == [("hero_body", shown, message)]


@pytest.mark.parametrize(
    "text",
    [
        "李文静现任皮肤科副主任医师。",  # as registered
        "赵明远为我院主治医师，每周三坐诊。",
        "他是主任医师吗？",  # no name
        "李文静不是主任医师，是副主任医师。",  # her 职称 stated as registered
        "王建华为患者请来主任医师。",  # no place word between: no link
        "王建华为患者请来了我院资深的主任医师。",  # a verb in the long gap: no link
        "李文静是我院资深的皮肤科副主任医师。",  # as registered
        "王建华为主任医师团队的一员。",  # the 职称 does not end the clause
        "主任医师的号很难挂。",
    ],
)
def test_is_and_serves_as_with_registered_ranks_or_no_link_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        (
            "李文静、王建华两位主任医师联合会诊。",
            {WRONG_LI, f"{UNREGISTERED}（王建华）"},
        ),
        ("李文静和赵明远两位主任医师坐诊。", {WRONG_LI, WRONG_ZHAO}),
        ("李文静、赵明远均为主任医师。", {WRONG_LI, WRONG_ZHAO}),
        ("主任医师赵明远、李文静坐诊。", {WRONG_LI, WRONG_ZHAO}),
        ("李文静与赵明远都是主任医师。", {WRONG_LI, WRONG_ZHAO}),
        (
            "李文静、赵明远及王建华三位主任医师出诊。",
            {WRONG_LI, WRONG_ZHAO, f"{UNREGISTERED}（王建华）"},
        ),
    ],
)
def test_names_sharing_one_rank_are_each_read(doctors, text, messages) -> None:
    """Sixteenth verification M4: several doctors named before one 职称 they share."""
    assert {m for _, _, m in credentials(landing(text))} == messages


@pytest.mark.parametrize(
    "text",
    [
        "李文静、赵明远两位医师联合会诊。",  # 医师: any 医师 rank is one
        "我和家人都是主任医师的患者。",  # no names
        "李文静是副主任医师，赵明远是主治医师。",  # each as registered
    ],
)
def test_names_sharing_a_rank_they_hold_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []


@pytest.mark.parametrize(
    ("text", "shown", "message"),
    [
        ("李文静也是主任医师。", "李文静也是主任医师", WRONG_LI),
        ("赵明远同样为我院主任医师。", "赵明远同样为我院主任医师", WRONG_ZHAO),
        ("王建华目前担任皮肤科主任。", "王建华目前担任皮肤科主任", f"{UNREGISTERED}（王建华）"),
        ("主任医师，李文静", "主任医师，李文静", WRONG_LI),
        ("专家介绍：主任医师，王建华。", "主任医师，王建华", f"{UNREGISTERED}（王建华）"),
        ("李文静，资深主任医师，从事脱发诊疗二十年。", "李文静，资深主任医师", WRONG_LI),
        ("李文静为皮肤科知名主任医师。", "李文静为皮肤科知名主任医师", WRONG_LI),
    ],
)
def test_a_rank_linked_through_an_adverb_a_praise_word_or_before_the_name(
    doctors, text, shown, message
) -> None:
    """Left open by the fourteenth session: 也是 / 同样为, 资深 / 知名 before the 职称, and the
    职称 first with a comma (「主任医师，李文静」)."""
    assert credentials(landing(text)) == [("hero_body", shown, message)]


@pytest.mark.parametrize(
    "text",
    [
        "李文静也是副主任医师。",  # as registered
        "赵明远，资深主治医师。",
        "主治医师，赵明远",
        "我问了主任医师，王建华说先做检查。",  # the name does not end its clause
        "去年挂了主任医师，王建华陪我去的。",  # the 职称 does not start its clause
        "李文静也是主任医师的患者。",  # the 职称 does not end its clause
    ],
)
def test_adverbs_praise_words_and_rank_first_as_registered_or_naming_nobody_pass(
    doctors, text
) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


# --- a doctor page changing under the pages that name the doctor ---------------------------


def _live_article(text: str) -> ArticlePage:
    page = article(text)
    page.save_revision().publish()
    return ArticlePage.objects.get(pk=page.pk)


def _live_ad(text: str, *, reviewer: DoctorPage | None = None) -> ArticlePage:
    """A 转化 article saying `text` (its 审核医生 `reviewer`), live on its certificate."""
    from cms.seed import publish_ad_page

    page = draft(
        hub("hair-loss", "脱发"),
        ArticlePage(
            title="脱发方案",
            slug="plan",
            layer="conversion",
            reviewer=reviewer,
            body=[{"type": "paragraph", "value": rich(text)}],
        ),
    )
    publish_ad_page(page)
    return ArticlePage.objects.get(pk=page.pk)


def _publish_doctor(doctor: DoctorPage, **changes) -> None:
    page = DoctorPage.objects.get(pk=doctor.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


@pytest.mark.parametrize(
    "changes",
    [{"rank": "主任医师"}, {"licence_number": "110310000099999"}],
)
def test_a_doctor_page_change_is_refused_while_a_page_states_the_old_credentials(
    doctors, changes
) -> None:
    from cms.compliance.gate import CompliancePublishBlocked

    # given a live 科普 article that introduces 李文静 with her registered credentials
    shown = _live_article(f"李文静副主任医师（执业证号{LI}）为您讲解脱发的分期。")

    # when her page is published with another 职称 or licence number
    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["李文静"], **changes)

    # then it is refused, naming the article, and her page is unchanged
    assert refused.value.decision.reason == "doctor_changed"
    assert f"“{shown.title}”" in refused.value.decision.message
    live = DoctorPage.objects.get(pk=doctors["李文静"].pk)
    assert (live.rank, live.licence_number) == ("副主任医师", LI)


def test_a_renamed_doctor_is_refused_while_a_certified_ad_names_her(doctors) -> None:
    from cms.compliance.gate import CompliancePublishBlocked

    ad = _live_ad("李文静副主任医师为您制定方案。")

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["李文静"], title="李雯静")

    assert f"“{ad.title}”" in refused.value.decision.message


def test_a_doctor_page_change_no_page_states_otherwise_is_published(doctors) -> None:
    # a page naming her without a 职称, one naming another doctor, and one already stating
    # her new rank: none states what the change makes untrue
    _live_article("李文静医生提醒：熬夜会加重脱发。")
    _live_ad("赵明远主治医师为您制定方案。")

    _publish_doctor(doctors["李文静"], rank="主任医师", hospital="徐汇门诊部")

    assert DoctorPage.objects.get(pk=doctors["李文静"].pk).rank == "主任医师"


def test_an_ad_taken_down_while_her_rank_changed_needs_the_reviewer_again(doctors) -> None:
    """Round-34 verification F14: the ads were unpublished, her 职称 published (no live ad chose
    her), the ads republished on the certificate recorded for the old 职称."""
    from cms.compliance.gate import CompliancePublishBlocked, page_ad_review_record
    from tests.cms.compliance_support import printed_until, reviewer

    her = doctors["李文静"]
    ad = _live_landing_choosing(her)
    ad.unpublish()
    _publish_doctor(her, rank="主任医师")

    with pytest.raises(CompliancePublishBlocked) as refused:
        LandingPage.objects.get(pk=ad.pk).save_revision().publish()

    assert refused.value.decision.reason == "content_changed"
    assert not LandingPage.objects.get(pk=ad.pk).live
    # the reviewer reads it again with her new 职称, and it goes live
    page = LandingPage.objects.get(pk=ad.pk)
    page_ad_review_record(
        page=page,
        user=reviewer("shencha-f14"),
        certificate=page.ad_review_certificate,
        valid_until=printed_until(),
    ).publish()
    assert LandingPage.objects.get(pk=ad.pk).live


def test_an_ad_choosing_no_doctor_keeps_its_certificate_digest() -> None:
    from cms.compliance.doctors import shown_doctor_credentials

    assert shown_doctor_credentials(landing("先做一次毛囊检测。")) == []


def _publish_rank_in_the_form(client, doctor: DoctorPage, rank: str) -> str:
    """A superuser publishes `rank` on the doctor's page through the admin edit form; the
    page the form answers (200: refused and shown again)."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from tests.cms.test_workflow import _edit_form_data

    admin = get_user_model().objects.create_superuser(
        f"zhuguan-{doctor.pk}", f"z{doctor.pk}@example.com", "x"
    )
    client.force_login(admin)
    edit = reverse("wagtailadmin_pages:edit", args=[doctor.pk])
    data = _edit_form_data(client.get(edit).content.decode())
    data["rank"] = [rank]
    data["action-publish"] = ["action-publish"]
    response = client.post(edit, data)
    assert response.status_code == 200
    return response.content.decode()


def test_the_doctor_page_form_says_why_the_change_is_refused(client, doctors) -> None:
    shown = _live_article("李文静副主任医师为您讲解脱发的分期。")

    html = _publish_rank_in_the_form(client, doctors["李文静"], "主任医师")

    assert "修改后这些页面介绍的资质将与医生页面不一致" in html
    assert f"“{shown.title}”" in html
    assert DoctorPage.objects.get(pk=doctors["李文静"].pk).rank == "副主任医师"


# --- a doctor chosen by a certified ad (round-34 tester F6) ---------------------------------
# A landing page's 医生 block, a doctor card and a 转化 article's 审核医生 render the doctor
# page: publishing her new 职称 changed the certified ad's text without the reviewer.


def _live_landing_choosing(doctor: DoctorPage) -> LandingPage:
    """A landing page whose 医生 block chooses `doctor`, live on its certificate."""
    from cms.seed import publish_ad_page

    page = landing("先做一次毛囊检测。")
    page.trust = [{"type": "doctor", "value": {"doctor": doctor.pk, "intro": ""}}]
    page.save()
    publish_ad_page(page)
    return LandingPage.objects.get(pk=page.pk)


@pytest.mark.parametrize(
    "changes",
    [
        {"rank": "主任医师"},
        {"licence_number": "110310000099999"},
        {"hospital": "静安门诊部"},
        {"title": "李雯静"},
    ],
)
def test_a_doctor_a_certified_landing_page_chooses_keeps_her_shown_credentials(
    client, doctors, changes
) -> None:
    from cms.compliance.gate import CompliancePublishBlocked
    from landing.services.cache import page_cache_purge

    her = doctors["李文静"]
    ad = _live_landing_choosing(her)
    page_cache_purge()
    before = client.get(ad.url).content.decode()
    assert "李文静</a></strong> · 副主任医师 · 徐汇门诊部" in before

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(her, **changes)

    assert refused.value.decision.reason == "doctor_changed"
    assert f"“{ad.title}”" in refused.value.decision.message
    assert "审查证明" in refused.value.decision.message
    page_cache_purge()
    assert client.get(ad.url).content.decode() == before


def test_a_doctor_a_certified_conversion_article_has_as_reviewer_keeps_her_rank(doctors):
    from cms.compliance.gate import CompliancePublishBlocked

    ad = _live_ad("三个月头皮管理。", reviewer=doctors["赵明远"])

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["赵明远"], rank="副主任医师")

    assert f"“{ad.title}”" in refused.value.decision.message
    assert DoctorPage.objects.get(pk=doctors["赵明远"].pk).rank == "主治医师"


def test_a_change_no_certified_ad_shows_is_published(doctors) -> None:
    # her biography is not on the ad's doctor block; a 科普 card choosing her is no ad and
    # follows her page
    her = doctors["李文静"]
    _live_landing_choosing(her)
    _publish_doctor(her, biography=rich("擅长雄激素性脱发的综合管理。"))

    carded = draft(
        hub(),
        ArticlePage(
            title="失眠科普",
            slug="card",
            layer="science",
            body=[
                {"type": "paragraph", "value": rich("规律作息有助于睡眠。")},
                {"type": "doctor_card", "value": {"doctor": doctors["赵明远"].pk}},
            ],
        ),
    )
    carded.save_revision().publish()
    _publish_doctor(doctors["赵明远"], rank="副主任医师")

    assert DoctorPage.objects.get(pk=doctors["赵明远"].pk).rank == "副主任医师"


def test_once_the_ad_chooses_another_doctor_her_change_is_published(doctors) -> None:
    from cms.seed import publish_ad_page

    her = doctors["李文静"]
    ad = _live_landing_choosing(her)
    ad.trust = [{"type": "doctor", "value": {"doctor": doctors["赵明远"].pk, "intro": ""}}]
    publish_ad_page(ad)

    _publish_doctor(her, rank="主任医师")

    assert DoctorPage.objects.get(pk=her.pk).rank == "主任医师"


def test_the_doctor_page_form_names_the_ad_that_chooses_her(client, doctors) -> None:
    ad = _live_landing_choosing(doctors["李文静"])

    html = _publish_rank_in_the_form(client, doctors["李文静"], "主任医师")

    assert "以下医疗广告选用了本医生" in html
    assert f"“{ad.title}”" in html
    assert DoctorPage.objects.get(pk=doctors["李文静"].pk).rank == "副主任医师"


# --- no certificate or ruling covers a credential ------------------------------------------


def test_a_certificate_does_not_cover_a_credential_the_doctor_page_does_not_hold(
    doctors,
) -> None:
    """Seventeenth verification B-D1: the reviewer's 确认审查 covered the two findings of
    「李文静主任医师亲诊，执业证号110310000099999。」 in a landing page's doctor block, and the
    live ad stated two 职称 and two licence numbers for one doctor."""
    from cms.compliance.gate import CompliancePublishBlocked, page_ad_review_record
    from tests.cms.compliance_support import printed_until, reviewer

    page = landing("评估后制定方案。")
    page.trust = [
        (
            "doctor",
            {"doctor": doctors["李文静"], "intro": "李文静主任医师亲诊，执业证号110310000099999。"},
        )
    ]
    page.save_revision()
    assert len(credentials(page)) == 2
    revision = page_ad_review_record(
        page=LandingPage.objects.get(pk=page.pk).get_latest_revision_as_object(),
        user=reviewer(),
        certificate=f"（京）医广【{printed_until().year - 1}】第01-23-D{page.pk:03d}号",
        valid_until=printed_until(),
    )

    with pytest.raises(CompliancePublishBlocked) as refused:
        revision.publish()

    assert refused.value.decision.reason == "doctor_credentials"
    assert "审查证明和误报确认都不能豁免" in refused.value.decision.message
    assert not LandingPage.objects.get(pk=page.pk).live


def test_a_false_match_ruling_does_not_cover_a_credential_on_science(doctors) -> None:
    from cms.compliance.gate import CompliancePublishBlocked, page_false_match_record
    from tests.cms.compliance_support import reviewer

    page = article("李文静主任医师提醒：熬夜会加重脱发。")
    revision = page_false_match_record(page=page, user=reviewer())

    with pytest.raises(CompliancePublishBlocked) as refused:
        revision.publish()

    assert refused.value.decision.reason == "doctor_credentials"


def test_the_editor_panel_says_a_credential_is_fixed_on_the_doctor_page(client, doctors) -> None:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    page = article("李文静主任医师提醒：熬夜会加重脱发。")
    page.save_revision()
    admin = get_user_model().objects.create_superuser("zhuguan-p", "p@example.com", "x")
    client.force_login(admin)

    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()

    assert "data-compliance-credentials" in html
    assert "请按医生页面修改" in html


def test_a_licence_stated_without_her_name_holds_her_page_too(doctors) -> None:
    """Seventeenth re-verification C-2: 「…医师执业证书编码为110310000012345。」 with no name
    near is her number; her page's new number made it a number no doctor page holds."""
    from cms.compliance.gate import CompliancePublishBlocked

    shown = _live_article(f"本文审阅专家的医师执业证书编码为{LI}。")

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["李文静"], licence_number="110310000099001")

    assert f"“{shown.title}”" in refused.value.decision.message


def test_unpublishing_her_page_then_changing_it_is_held_as_a_change(client, doctors) -> None:
    """Seventeenth re-verification C-3, D-1: unpublish, change the 职称 in the editor, publish
    again passed while a live page stated the old 职称 (the editor's save of a page that is not
    live writes the change into its row, which then held the change itself)."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from tests.cms.test_workflow import _edit_form_data

    shown = _live_article("李文静副主任医师提醒大家规律作息。")
    her = DoctorPage.objects.get(pk=doctors["李文静"].pk)
    her.save_revision().publish()  # published through a revision, as the editor does
    DoctorPage.objects.get(pk=her.pk).unpublish()
    admin = get_user_model().objects.create_superuser("zhuguan-u", "u@example.com", "x")
    client.force_login(admin)
    edit = reverse("wagtailadmin_pages:edit", args=[her.pk])

    # the editor saves the change as a draft, then publishes it
    data = _edit_form_data(client.get(edit).content.decode())
    data["rank"] = ["主任医师"]
    client.post(edit, data)
    data = _edit_form_data(client.get(edit).content.decode())
    data["action-publish"] = ["action-publish"]
    response = client.post(edit, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert f"“{shown.title}”" in html
    assert not DoctorPage.objects.get(pk=her.pk).live


def test_a_renamed_doctor_is_refused_while_a_science_page_names_her(doctors) -> None:
    """Seventeenth re-verification E-2: renamed, 「李文静副主任医师」 on a 科普 page read as a
    quoted outside expert, so the rename published while her own article named her."""
    from cms.compliance.gate import CompliancePublishBlocked

    shown = _live_article("李文静副主任医师提醒大家规律作息。")

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["李文静"], title="李雯静")

    assert f"“{shown.title}”" in refused.value.decision.message


def test_after_an_unpublish_an_ad_stating_her_old_rank_holds_the_change(doctors) -> None:
    """Seventeenth re-verification E-1: with her page taken down, the ad's 「未登记」 finding
    sat where the change's 「职称不一致」 would, and the change published; both pages are
    named."""
    from cms.compliance.gate import CompliancePublishBlocked

    article_page = _live_article("李文静副主任医师提醒大家规律作息。")
    ad = _live_ad("李文静副主任医师为您制定方案。")
    her = DoctorPage.objects.get(pk=doctors["李文静"].pk)
    her.save_revision().publish()
    DoctorPage.objects.get(pk=her.pk).unpublish()
    draft = DoctorPage.objects.get(pk=her.pk)
    draft.rank = "主任医师"

    with pytest.raises(CompliancePublishBlocked) as refused:
        draft.save_revision().publish()

    assert f"“{ad.title}”" in refused.value.decision.message
    assert f"“{article_page.title}”" in refused.value.decision.message


def test_her_surname_with_yisheng_and_her_rank_holds_her_page(doctors) -> None:
    """Seventeenth re-verification F-1: 「李医生（副主任医师）」 is read as 李文静, and the pages
    saying so were not re-read (only her full name or licence)."""
    from cms.compliance.gate import CompliancePublishBlocked

    shown = _live_article("李医生（副主任医师）提醒大家规律作息。")
    ad = _live_ad("李大夫（副主任医师）为您制定方案。")

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["李文静"], rank="主任医师")

    assert f"“{shown.title}”" in refused.value.decision.message
    assert f"“{ad.title}”" in refused.value.decision.message


def test_her_surname_with_a_title_before_her_bracketed_rank_holds_her_page(doctors) -> None:
    """Seventeenth re-verification G-1: 「李教授（副主任医师）」「李老师（副主任医师）」 are read as
    her, and the pages saying so were not re-read (a pre-filter of her name forms)."""
    from cms.compliance.gate import CompliancePublishBlocked

    shown = _live_article("李老师（副主任医师）提醒大家规律作息。")
    ad = _live_ad("李教授（副主任医师）为您制定方案。")

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["李文静"], rank="主任医师")

    assert f"“{shown.title}”" in refused.value.decision.message
    assert f"“{ad.title}”" in refused.value.decision.message


def test_a_live_package_stating_her_rank_holds_her_page(doctors) -> None:
    """Seventeenth re-verification F-2: a service package (a medical ad) was not re-read."""
    from cms.compliance.gate import CompliancePublishBlocked
    from cms.seed import publish_ad_page

    package = PackageFactory(summary="李文静副主任医师亲自制定方案")
    package.save_revision()
    publish_ad_page(package.get_latest_revision_as_object())

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["李文静"], rank="主任医师")

    assert package.name in refused.value.decision.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"王建国（执业证号{LI}）为您面诊。", f"{UNREGISTERED}（王建国）"),
        (f"主诊医生：王建国，执业证书编码{LI}。", f"{UNREGISTERED}（王建国）"),
    ],
)
def test_a_name_before_the_bracket_of_a_licence_is_the_person_it_introduces(
    doctors, text, message
) -> None:
    """Seventeenth re-verification G-2: a registered number under a name with no page passed
    (the number was read as a loose one), so a renamed doctor's ad kept her old name."""
    assert [m for _, _, m in credentials(landing(text))] == [message]


def test_her_name_before_the_bracket_of_her_licence_passes_and_holds_a_rename(doctors) -> None:
    from cms.compliance.gate import CompliancePublishBlocked

    assert credentials(landing(f"李文静（执业证号{LI}）为您面诊。")) == []
    ad = _live_ad(f"李文静（执业证号{LI}）为您制定方案。")

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish_doctor(doctors["李文静"], title="李雯静")

    assert f"“{ad.title}”" in refused.value.decision.message


LICENCE_LI = f"医师执业证书编码与医生页面不一致：李文静的医生页面为{LI}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # a title between the name and the comma or verb (eighteenth verification A-F4)
        ("李文静医生，主任医师，从事脱发诊疗十五年。", WRONG_LI),
        ("李文静博士，主任医师。", WRONG_LI),
        ("赵明远大夫，副主任医师。", WRONG_ZHAO),
        ("李文静医生是我院的主任医师。", WRONG_LI),
        ("孟凡宇医生，主任医师。", f"{UNREGISTERED}（孟凡宇）"),
        # a name set in marks before its 职称
        ("【李文静】主任医师", WRONG_LI),
        # the labels ads use for the licence, and digits grouped by dots or slashes
        ("李文静 执业注册号110310000099999，每周三坐诊。", LICENCE_LI),
        ("李文静副主任医师，执业编号110310000099999。", LICENCE_LI),
        ("李文静副主任医师，医师证号110310000099999。", LICENCE_LI),
        ("李文静副主任医师，证书编码110310000099999。", LICENCE_LI),
        ("李文静副主任医师，执业证号110.310.000.099.999。", LICENCE_LI),
        ("李文静副主任医师，执业证号110/310/000/099/999。", LICENCE_LI),
        # a surname alone before a title, a dash (eighteenth re-verification C-F4)
        ("李医生，主任医师。", WRONG_LI),
        ("李大夫，主任医师。", WRONG_LI),
        ("【李医生】主任医师", WRONG_LI),
        ("张博士，主任医师。", f"{UNREGISTERED}（张）"),
        ("李文静医生——主任医师", WRONG_LI),
        # 作为, titles after the 职称, Chinese digits (the eighteenth session's leftovers)
        ("王建华作为主任医师亲自面诊。", f"{UNREGISTERED}（王建华）"),
        ("李文静作为我院资深主任医师为您面诊。", WRONG_LI),
        ("主任医师、博士生导师王建华亲诊。", f"{UNREGISTERED}（王建华）"),
        ("主任医师、博士生导师李文静坐诊。", WRONG_LI),
        ("李文静副主任医师，执业证号：一一〇三一〇〇〇〇〇九九九九九。", LICENCE_LI),
        ("执业证号一一〇三一〇〇〇〇〇九九九九九", UNKNOWN_LICENCE),
        # nineteenth re-verification E-F2
        ("作为主任医师的李文静为您面诊。", WRONG_LI),
        ("李文静是一位主任医师。", WRONG_LI),
        ("李文静以主任医师身份出诊。", WRONG_LI),
        ("李文静，现任主任医师。", WRONG_LI),
        ("李文静任主任医师。", WRONG_LI),
        ("李文静【主任医师】", WRONG_LI),
        ("姓名：李文静 职称：主任医师", WRONG_LI),
        ("赵明远医师（主任）", WRONG_ZHAO),
        ("执业证号壹壹零叁壹零零零零零玖玖玖玖玖", UNKNOWN_LICENCE),
        ("执业证号幺幺洞叁幺洞洞洞洞洞玖玖玖玖玖", UNKNOWN_LICENCE),
        # nineteenth re-verification F-F2
        ("作为主任医师，李文静为您面诊。", WRONG_LI),
        ("作为本院主任医师的李文静亲自为您面诊。", WRONG_LI),
        ("李文静已晋升为主任医师。", WRONG_LI),
        ("【主任医师】李文静为您面诊", WRONG_LI),
        ("职称：主任医师 姓名：李文静", WRONG_LI),
        ("李文静是一位经验丰富的主任医师。", WRONG_LI),
        ("李文静〔主任医师〕", WRONG_LI),
        # twentieth verification B1: bio items between the name and the 职称
        ("赵明远，男，主任医师，每周二在门诊部坐诊。", WRONG_ZHAO),
        ("李文静，女，主任医师。", WRONG_LI),
        ("李文静：女，主任医师。", WRONG_LI),
        ("李文静，医学博士，主任医师。", WRONG_LI),
        ("李文静博士、主任医师亲诊。", WRONG_LI),
        ("李文静，1975年生，主任医师。", WRONG_LI),
        ("李文静，毕业于复旦大学，主任医师。", WRONG_LI),
        ("李文静，从医16年，主任医师。", WRONG_LI),
        ("李文静，硕士生导师、主任医师。", WRONG_LI),
        ("李文静，中华医学会会员、主任医师。", WRONG_LI),
        ("孙晓梅，女，主任医师。", f"{UNREGISTERED}（孙晓梅）"),
        ("李文静，女，汉族，医学博士，主任医师。", WRONG_LI),
        # twentieth re-verification D-1: more bio items and separators
        ("李文静，女，45岁，主任医师。", WRONG_LI),
        ("李文静，河北石家庄人，主任医师。", WRONG_LI),
        ("李文静，籍贯河北，主任医师。", WRONG_LI),
        ("李文静，硕士研究生，主任医师。", WRONG_LI),
        ("李文静，北京大学医学博士，主任医师。", WRONG_LI),
        ("李文静，复旦大学医学博士、主任医师。", WRONG_LI),
        ("李文静，皮肤科，主任医师。", WRONG_LI),
        ("李文静，擅长脱发治疗，主任医师。", WRONG_LI),
        ("李文静，从事皮肤科临床工作十六年，主任医师。", WRONG_LI),
        ("李文静｜医学博士｜主任医师", WRONG_LI),
        ("李文静·医学博士·主任医师", WRONG_LI),
        ("李文静；医学硕士；主任医师", WRONG_LI),
        ("李文静 - 医学博士 - 主任医师", WRONG_LI),
        ("李文静，MD，主任医师。", WRONG_LI),
        ("李文静，女，Dr.，主任医师。", WRONG_LI),
        ("李文静，医学博士，资深主任医师。", WRONG_LI),
        ("赵明远，男，49岁，教授。", WRONG_ZHAO),
        ("李文静（女，医学博士）主任医师", WRONG_LI),
        # twenty-first session: spaces between the items, a full stop after the bio
        ("李文静 女 主任医师", WRONG_LI),
        ("李文静 女 医学博士 主任医师", WRONG_LI),
        ("李文静　女　主任医师", WRONG_LI),
        ("李文静，女。主任医师。", WRONG_LI),
        ("李文静，女，医学博士。主任医师，擅长脱发。", WRONG_LI),
        # twenty-first verification B: the 职称 after the brackets serves the reader
        ("李文静（女，医学博士）主任医师为您面诊。", WRONG_LI),
        ("李文静（女）主任医师亲诊", WRONG_LI),
        ("李文静医生【女，博士】主任医师为您面诊", WRONG_LI),
        ("李文静医生[女，博士]主任医师", WRONG_LI),
        ("钱建新（女，医学博士）主任医师亲诊", f"{UNREGISTERED}（钱建新）"),
        # twenty-second session: a bio's last item states the 职称 with a verb
        ("李文静医生，女，1980年生，毕业于复旦大学医学院，现任主任医师。", WRONG_LI),
        ("李文静，女，医学博士，现为主任医师。", WRONG_LI),
        ("赵明远，男，从医20年，担任主任医师。", WRONG_ZHAO),
    ],
)
def test_titles_marks_and_licence_labels_ads_use_are_read(doctors, text, message) -> None:
    assert [m for _, _, m in credentials(landing(text))] == [message]


@pytest.mark.parametrize(
    "text",
    [
        "李文静博士，副主任医师。",
        "李医生，副主任医师。",
        "李文静医生——副主任医师",
        "【李文静】副主任医师",
        "李文静医生是我院的副主任医师。",
        "赵明远大夫，主治医师。",
        "李文静副主任医师，执业注册号110310000012345。",
        "李文静副主任医师，执业证号110.310.000.012.345。",
        "医师证书需要定期注册，执业注册信息可在卫健委官网查询。",
        "本页审查证明：（京）医广【2026】第01-23-001号。",
        "研究纳入110.5万名成人，随访3.5年。",
        "李文静作为副主任医师亲自面诊。",
        "作为主任医师，我建议脱发早点就诊。",
        "李文静作为主任医师团队的一员参与会诊。",
        "副主任医师、博士生导师李文静坐诊。",
        "主任医师、专家号都很难挂。",
        "李文静副主任医师，执业证号：一一〇三一〇〇〇〇〇一二三四五。",
        "医师证书一年一审，执业注册九十天内办结。",
        "作为副主任医师的李文静为您面诊。",
        "李文静是一位副主任医师。",
        "李文静，现任副主任医师。",
        "李文静医生，女，1980年生，毕业于复旦大学医学院，现任副主任医师。",
        "我是患者，女，45岁，现任主任医师的患者。",  # no name; the 职称 does not end its clause
        "李文静【副主任医师】",
        "姓名：李文静 职称：副主任医师",
        "我以主任医师的建议为准。",
        "信任主任医师的判断，按时复诊。",
        "作为主任医师的助手，我每天很忙。",
        "执业证号壹壹零叁壹零零零零零壹贰叁肆伍",
        "晋升为主任医师需要多年积累。",
        "【主任医师】门诊时间调整",
        "【副主任医师】李文静为您面诊",
        "李文静已晋升为副主任医师。",
        "李文静，女，副主任医师。",
        "李文静，医学博士，副主任医师，每周三坐诊。",
        "李文静博士、副主任医师亲诊。",
        "赵明远，男，主治医师。",
        # a patient's bio, then a doctor's rank saying something: no one introduced
        "患者王女士，女，52岁，主任医师建议她复查。",
        "我叫王芳，今年32岁，主任医师说我是雄激素性脱发。",
        "王芳，女，在门诊遇到了主任医师。",
        "李文静，女，45岁，副主任医师。",
        "李文静，皮肤科，副主任医师。",
        "张女士，45岁，河北人，主任医师建议她复查。",
        "李文静｜医学博士｜副主任医师",
        "李文静（女，医学博士）副主任医师",
        "王女士（45岁，河北人）主任医师建议她复查。",
        # twenty-first session: spaces and a full stop between bio and 职称, as registered;
        # a patient's bio sentence, then a 职称 saying something
        "李文静 女 副主任医师",
        "李文静，女。副主任医师。",
        "患者王芳，女。主任医师建议她复查。",
        "我们医院的女主任医师很多。",
        "李文静（女，医学博士）副主任医师为您面诊。",
        "患者王芳（女，45岁）主任医师建议她复查。",
    ],
)
def test_those_wordings_as_registered_or_naming_nobody_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("张秀女主治医师为您面诊。", []),
        ("张秀女主任医师为您面诊。", ["医生职称与医生页面不一致：页面为主治医师"]),
    ],
)
def test_a_doctor_whose_name_ends_in_a_gender_is_read_by_her_whole_name(
    doctors, text, messages
) -> None:
    # given a doctor whose given name ends with 女 (the gender read after a name, above)
    doctors["李文静"].get_parent().add_child(
        instance=DoctorPage(
            title="张秀女",
            slug="zhang",
            rank="主治医师",
            hospital="徐汇门诊部",
            licence_number="110310000054321",
        )
    )

    # then her own 职称 passes and another is hers, not 张秀's
    assert [m for _, _, m in credentials(landing(text))] == messages


# --- taking a named doctor's page down -----------------------------------------------------
# The eighteenth session's leftover: her page could be unpublished or deleted while live pages
# introduced her with her 职称 or licence number, which then named a doctor with no page.


@pytest.fixture
def staff(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("zhuguan-d", "d@example.com", "x")
    client.force_login(admin)
    return client


def test_her_page_is_not_unpublished_while_a_live_page_names_her(staff, doctors) -> None:
    from django.urls import reverse

    shown = _live_ad("李文静副主任医师为您制定方案。")
    her = doctors["李文静"]

    response = staff.post(reverse("wagtailadmin_pages:unpublish", args=[her.pk]), follow=True)

    html = response.content.decode()
    assert "未下线" in html
    assert f"“{shown.title}”" in html
    assert DoctorPage.objects.get(pk=her.pk).live


def test_her_page_is_not_deleted_while_a_live_page_states_her_licence(staff, doctors) -> None:
    from django.urls import reverse

    shown = _live_article(f"执业证号{LI}的医生为您讲解脱发分期。")
    her = doctors["李文静"]

    response = staff.post(reverse("wagtailadmin_pages:delete", args=[her.pk]), follow=True)

    html = response.content.decode()
    assert "未删除" in html
    assert f"“{shown.title}”" in html
    assert DoctorPage.objects.filter(pk=her.pk).exists()


def test_the_team_page_is_not_unpublished_with_its_subpages_while_one_is_named(
    staff, doctors
) -> None:
    from django.urls import reverse

    _live_ad("赵明远主治医师为您制定方案。")
    team = doctors["赵明远"].get_parent()

    staff.post(
        reverse("wagtailadmin_pages:unpublish", args=[team.pk]), {"include_descendants": "on"}
    )

    assert DoctorPage.objects.get(pk=doctors["赵明远"].pk).live


def test_bulk_unpublish_of_a_named_doctor_does_nothing(staff, doctors) -> None:
    from django.urls import reverse

    _live_ad("李文静副主任医师为您制定方案。")
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "unpublish"))
    ids = f"?id={doctors['李文静'].pk}&id={doctors['赵明远'].pk}"

    response = staff.post(url + ids, {}, follow=True)

    assert "未下线" in response.content.decode()
    assert DoctorPage.objects.live().filter(pk__in=[d.pk for d in doctors.values()]).count() == 2


def test_a_doctor_no_live_page_introduces_is_unpublished(staff, doctors) -> None:
    from django.urls import reverse

    # named without a 职称 or licence: nothing states credentials she would no longer have
    _live_article("李文静医生提醒：熬夜会加重脱发。")
    her = doctors["李文静"]

    staff.post(reverse("wagtailadmin_pages:unpublish", args=[her.pk]))

    assert not DoctorPage.objects.get(pk=her.pk).live


def test_her_page_is_not_published_with_a_scheduled_take_down_while_a_page_names_her(
    doctors,
) -> None:
    """Nineteenth re-verification E-F5: 定时下线 took her page down when due (Wagtail's
    scheduled unpublishing runs no hook) while a live ad stated her licence number."""
    import datetime as dt

    from django.utils import timezone

    from cms.compliance.gate import CompliancePublishBlocked

    shown = _live_ad(f"李文静医生（执业证号{LI}）为您制定方案。")
    her = DoctorPage.objects.get(pk=doctors["李文静"].pk)
    her.expire_at = timezone.now() + dt.timedelta(hours=1)

    with pytest.raises(CompliancePublishBlocked) as refused:
        her.save_revision().publish()

    assert refused.value.decision.reason == "doctor_expiry"
    assert f"“{shown.title}”" in refused.value.decision.message
    assert DoctorPage.objects.get(pk=her.pk).expire_at is None


def test_a_doctor_no_page_introduces_may_be_scheduled_to_go(doctors) -> None:
    import datetime as dt

    from django.utils import timezone

    _live_article("赵明远医生提醒：控糖要循序渐进。")  # named without credentials
    zhao = DoctorPage.objects.get(pk=doctors["赵明远"].pk)
    zhao.expire_at = timezone.now() + dt.timedelta(hours=1)

    zhao.save_revision().publish()

    assert DoctorPage.objects.get(pk=zhao.pk).expire_at is not None


def test_a_page_naming_a_doctor_scheduled_to_go_is_refused(doctors) -> None:
    """Nineteenth re-verification F-F3: his page set to go offline first, a page naming him
    published after, and it outlived his page."""
    import datetime as dt

    from django.utils import timezone

    zhao = DoctorPage.objects.get(pk=doctors["赵明远"].pk)
    zhao.expire_at = timezone.now() + dt.timedelta(hours=1)
    zhao.save_revision().publish()

    # on an ad; a 科普 page quoting a doctor with no page reads as an outside expert
    assert credentials(landing("赵明远主治医师为您制定方案。")) == [
        ("hero_body", "赵明远主治医师", f"{UNREGISTERED}（赵明远）")
    ]


# --- taking a chosen doctor's page down (twentieth verification B4) -------------------------
# Her page could be unpublished or deleted while live pages chose her as 审核医生 or in a
# doctor block: the article lost its reviewer (SET_NULL), the certified ad its doctor card.


def test_her_page_is_not_unpublished_while_a_live_article_has_her_as_reviewer(
    staff, doctors
) -> None:
    from django.urls import reverse

    her = doctors["李文静"]
    reviewed = article("熬夜会加重脱发，规律作息更重要。")
    reviewed.reviewer = her
    reviewed.save_revision().publish()

    response = staff.post(reverse("wagtailadmin_pages:unpublish", args=[her.pk]), follow=True)

    html = response.content.decode()
    assert "未下线" in html
    assert "选用了本医生" in html
    assert f"“{reviewed.title}”" in html
    assert DoctorPage.objects.get(pk=her.pk).live
    assert ArticlePage.objects.get(pk=reviewed.pk).reviewer_id == her.pk

    # once the article names another reviewer, her page goes down
    reviewed = ArticlePage.objects.get(pk=reviewed.pk)
    reviewed.reviewer = doctors["赵明远"]
    reviewed.save_revision().publish()
    staff.post(reverse("wagtailadmin_pages:unpublish", args=[her.pk]))
    assert not DoctorPage.objects.get(pk=her.pk).live


def test_her_page_is_not_deleted_while_a_live_page_shows_her_card(staff, doctors) -> None:
    from django.urls import reverse

    her = doctors["赵明远"]
    carded = draft(
        hub(),
        ArticlePage(
            title="失眠科普",
            slug="card",
            layer="science",
            body=[
                {"type": "paragraph", "value": rich("规律作息有助于睡眠。")},
                {"type": "doctor_card", "value": {"doctor": her.pk}},
            ],
        ),
    )
    carded.save_revision().publish()

    response = staff.post(reverse("wagtailadmin_pages:delete", args=[her.pk]), follow=True)

    assert "未删除" in response.content.decode()
    assert DoctorPage.objects.filter(pk=her.pk, live=True).exists()


def test_her_page_is_not_scheduled_to_go_while_a_live_article_has_her_as_reviewer(
    doctors,
) -> None:
    import datetime as dt

    from django.utils import timezone

    from cms.compliance.gate import CompliancePublishBlocked

    reviewed = article("熬夜会加重脱发，规律作息更重要。")
    reviewed.reviewer = doctors["李文静"]
    reviewed.save_revision().publish()
    her = DoctorPage.objects.get(pk=doctors["李文静"].pk)
    her.expire_at = timezone.now() + dt.timedelta(hours=1)

    with pytest.raises(CompliancePublishBlocked) as refused:
        her.save_revision().publish()

    assert refused.value.decision.reason == "doctor_expiry"
    assert "选用了本医生" in str(refused.value)


@pytest.mark.parametrize(("action", "status"), [("unpublish", 200), ("delete", 204)])
def test_the_admin_api_does_not_take_a_chosen_doctor_down(staff, doctors, action, status):
    """Twentieth verification D-4a: the admin API's unpublish and delete actions took her
    page down while live pages chose her."""
    her = doctors["李文静"]
    reviewed = article("熬夜会加重脱发，规律作息更重要。")
    reviewed.reviewer = her
    reviewed.save_revision().publish()
    url = f"/admin/api/main/pages/{her.pk}/action/{action}/"

    refused = staff.post(url, {}, content_type="application/json")

    assert refused.status_code == 400
    assert "选用了本医生" in refused.json()["compliance"][0]
    assert DoctorPage.objects.get(pk=her.pk).live
    # a doctor no live page names or chooses goes as Wagtail's action does
    other = doctors["赵明远"]
    done = staff.post(f"/admin/api/main/pages/{other.pk}/action/{action}/", {}, "application/json")
    assert done.status_code == status
    assert not DoctorPage.objects.filter(pk=other.pk, live=True).exists()


@pytest.mark.parametrize(
    ("rank", "refused"),
    [
        ("主任医师、副主任医师、主治医师、教授、院长", True),
        ("教授、副教授", True),
        ("专家", True),
        ("主任医师", False),
        ("主任医师、教授", False),
        ("副主任医师、科主任", False),
        ("主治医生", False),
    ],
)
def test_a_doctor_pages_rank_holds_one_of_each_kind(doctors, rank, refused) -> None:
    """Twenty-first verification B: 「主任医师、副主任医师、主治医师、教授、院长」 in the field
    let any 职称 written about the doctor pass."""
    from django.core.exceptions import ValidationError

    page = doctors["李文静"]
    page.rank = rank
    if refused:
        with pytest.raises(ValidationError) as error:
            page.clean()
        assert "rank" in error.value.message_dict
    else:
        page.clean()


# --- issue 17 verification, point 6: the doctor as her sentence's subject -----------------

RANK_MISMATCH = "医生职称与医生页面不一致：页面为副主任医师"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("李文静毕业于复旦大学医学院，现任主任医师。", "李文静毕业于复旦大学医学院，现任主任医师"),
        ("李文静于2020年晋升主任医师。", "李文静于2020年晋升主任医师"),
        ("李文静2018年被聘为主任医师。", "李文静2018年被聘为主任医师"),
        ("李文静2019年起任主任医师。", "李文静2019年起任主任医师"),
        ("李文静获评主任医师。", "李文静获评主任医师"),
        ("李文静担任主任医师一职。", "李文静担任主任医师"),
        ("李文静，医生职称：主任医师。", "李文静，医生职称：主任医师"),
        ("主任医师（李文静）为您面诊。", "主任医师（李文静）"),
        ("李文静是引流健康皮肤专科诊所主任医师。", "李文静是引流健康皮肤专科诊所主任医师"),
        ("专家简介：李文静毕业于复旦大学，现任主任医师。", "李文静毕业于复旦大学，现任主任医师"),
        ("李文静现已是主任医师。", "李文静现已是主任医师"),  # not 「文静现」
    ],
)
def test_her_rank_said_by_a_later_clause_of_her_sentence_is_read(doctors, text, shown) -> None:
    assert credentials(landing(text)) == [("hero_body", shown, RANK_MISMATCH)]
    assert [(f.text, f.message) for f in check_page(article(text)).findings if f.rule == RULE] == [
        (shown, RANK_MISMATCH)
    ]


@pytest.mark.parametrize(
    ("text", "shown", "name"),
    [
        ("张三丰主任医师为您面诊。", "张三丰主任医师", "张三丰"),  # 三 glues words, yet a name
        ("王一鸣主任医师为您面诊。", "王一鸣主任医师", "王一鸣"),
        ("特邀专家：张主任医师", "张主任医师", "张"),  # a surname before a full 医师 rank
    ],
)
def test_an_ad_presenting_an_unregistered_name_the_character_rules_missed(
    doctors, text, shown, name
) -> None:
    assert credentials(landing(text)) == [("hero_body", shown, f"{UNREGISTERED}（{name}）")]


@pytest.mark.parametrize(
    "text",
    [
        "李文静将于明年申报主任医师。",  # 申报 is a word, not a name; the rank is not yet hers
        "李文静明年将晋升主任医师。",
        "李文静还不是主任医师。",
        "李文静是主任医师吗？",
        "李文静的丈夫是主任医师。",
        "李文静告诉我，她的导师是主任医师。",
        "李文静建议患者找主任医师复诊。",
        "李文静毕业于复旦大学医学院，现任副主任医师。",  # as registered
        "李文静现已是副主任医师。",
        "高年资主任医师坐诊，周一至周五。",  # 高 / 年资, no name
        "于周三主任医师坐诊时复查。",
        "我找过一位张主任医师。",  # a surname in a story, not opening its clause
        "副主任医师（李文静）为您面诊。",
    ],
)
def test_unheld_ranks_and_word_look_alikes_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


# --- issue 17 re-verification of point 6 ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "李文静毕业于复旦大学医学院，现为主任医师、硕士研究生导师。",  # a title after the rank
        "李文静主任医师发表SCI论文十余篇。",  # our doctor in a study's clause is still ours
        "李文静（主任医师）牵头的研究显示，熬夜加重脱发。",
        "李文静毕业于复旦大学，发表论文十余篇，现任主任医师。",
        "李文静取得主任医师职称。",
        "李文静具有主任医师职称。",
        "李文静拥有主任医师资格。",
        "李文静被授予主任医师职称。",
        "李文静荣获主任医师职称。",
        "李文静晋升主任医师已有五年。",
        "李文静毕业于复旦大学医学院。现任主任医师。",  # the subject carried over a full stop
        "李文静毕业于复旦大学医学院。她现任主任医师。",
        "李文静现任主任医师.",
        "【专家简介】李文静毕业于复旦大学，现任主任医师。",
        "医生简介 | 李文静，毕业于复旦大学，现任主任医师。",
        "李文静毕业于复旦大学，现任主任医师兼教授。",
        "李文静毕业于复旦大学，主任医师，擅长脱发。",
        "主任医师（李文静医生）为您面诊。",
        "李文静医生｜主任医师",
        "李文静医生 - 主任医师",
        "李文静现任上海市第一人民医院皮肤科主任医师。",
        "李医生毕业于复旦大学医学院，现任主任医师。",  # her surname and title
        "李大夫2020年晋升主任医师。",
        "赵建国与李文静均为主任医师。",
    ],
)
def test_her_wrong_rank_in_the_shapes_of_the_re_verification_is_refused(doctors, text) -> None:
    for page in (landing(text), article(text)):
        messages = [m for _, _, m in credentials(page)]
        assert RANK_MISMATCH in messages, (page, messages)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("特邀专家：张教授亲诊", "张"),
        ("王主任亲自为您面诊", "王"),
        ("特邀王主任为您面诊", "王"),
        ("老张主任医师为您面诊", "张"),
        ("王一鸣毕业于北京大学，现任主任医师。", "王一鸣"),
        ("王一鸣博士（主任医师）", "王一鸣"),
        ("王一鸣，男，主任医师", "王一鸣"),
        ("刘主任每周三坐诊", "刘"),  # serving at a time
        ("刘教授周六上午为您面诊", "刘"),
    ],
)
def test_an_ad_presenting_an_unregistered_doctor_in_those_shapes(doctors, text, name) -> None:
    assert [m for _, _, m in credentials(landing(text))] == [f"{UNREGISTERED}（{name}）"]


@pytest.mark.parametrize(
    "text",
    [
        # a registered doctor's name is never cut into another name (宁获聘, 梅获评, 文静作)
        "赵明远获聘主治医师，每周二为您面诊。",
        "李文静获评副主任医师。",
        "李文静作为副主任医师，为您面诊。",
        "李文静团队的成员均为主任医师。",
        "李医生毕业于复旦大学医学院，现任副主任医师。",
        "向主任医师咨询。",
        "谢谢主任医师的耐心解答。",
        # someone else holds the rank
        "李文静表示，主诊医生为主任医师。",
        "李文静介绍，本次义诊的坐诊专家均为主任医师。",
        "李文静说，最好的选择是主任医师。",
        "李文静副主任医师表示，每周三的会诊专家是主任医师。",
        "李文静的同门师兄是主任医师。",
        "李文静的搭档是主任医师。",
        "李文静回忆，当年带她的是一位主任医师。",
        "李文静毕业于复旦大学，所在科室带头人为主任医师。",
        "李文静毕业于复旦大学，科室主任为主任医师。",
        "李文静的目标是成为主任医师。",
        "李文静是否为主任医师，请以医生页面为准。",
        # her career told in order: the earlier ranks are history
        "李文静2010年任住院医师，2015年晋升主治医师，2020年晋升副主任医师。",
        "李文静毕业于复旦大学医学院，曾任住院医师、主治医师，现任副主任医师。",
        "李文静的职称是副主任医师。",
        "钱建新的同事王国强是我们的患者。",  # names jieba knows as words, no rank
    ],
)
def test_the_re_verifications_clean_clinic_text_passes(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    "biography",
    ["现任主任医师。", "本人现任主任医师。", "她于2020年晋升主任医师。"],
)
def test_her_own_biography_naming_nobody_is_about_her(doctors, biography) -> None:
    li = doctors["李文静"]
    li.biography = rich(biography)
    assert [m for _, _, m in credentials(li)] == [RANK_MISMATCH]
    li.biography = rich(biography.replace("主任医师", "副主任医师"))
    assert credentials(li) == []


@pytest.mark.parametrize(
    "unit",
    [
        "主任医师",
        "李文静毕业于复旦大学，现任主任医师。",
        "（主任医师，",
        "王医生，执业证号110310000012345，",
        "本周六刘主任坐诊，",  # the day before her surname (`_INTRO_BEFORE`)
        "北京协和医院张教授每周三在我院坐诊，",  # a hospital before, a place after
        "副主任医师，王教授，为您面诊",
        "李文静曾在华山医院进修，现任主任医师，",
        "甲）主任医师，",  # a closing bracket with no opening (textnorm drops those)
        "（、）主任医师，",
    ],
)
def test_the_doctor_reader_reads_a_long_line_in_linear_time(unit) -> None:
    """A hero text of 主任医师 × 4,000 took 20 seconds (re-verification): each 职称 looked
    back to the line's start. 4x the text takes about 4x the CPU time (16x if quadratic)."""
    import time

    from cms.compliance.doctors import _mentions

    def once(n: int) -> float:
        started = time.process_time()
        _mentions(unit * n, ("李文静",))
        return time.process_time() - started

    once(10)
    small = min(once(500) for _ in range(3))
    large = min(once(2000) for _ in range(3))
    assert large / max(small, 1e-4) < 9, (small, large)


# --- issue 17 second re-verification of point 6 -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "李文静医生毕业于复旦大学医学院，现任主任医师。",  # her name and title as the subject
        "李文静大夫毕业于复旦大学医学院，现任主任医师。",
        "李文静医生于2020年晋升主任医师。",
        "【专家简介】李文静医生毕业于复旦大学，现任主任医师。",
        "李文静医生，从业16年，现任皮肤科主任医师。",
        "李文静医生毕业于复旦大学，他现任主任医师。",
        "李文静毕业于复旦大学医学院。2008年起在本院工作。现任主任医师。",  # two sentences on
        "李文静同时担任主任医师和硕士研究生导师。",
        "李文静现在已经是主任医师了。",
        "李主任现任主任医师。",
        "李教授毕业于复旦大学，现任主任医师。",
        "李文静和赵明远分别为主任医师和主治医师。",  # paired by 分别: hers is wrong
    ],
)
def test_her_wrong_rank_in_the_second_re_verifications_shapes_is_refused(doctors, text) -> None:
    for page in (landing(text), article(text)):
        messages = [m for _, _, m in credentials(page)]
        assert RANK_MISMATCH in messages, (page, messages)


@pytest.mark.parametrize(
    "text",
    [
        "李文静毕业于复旦大学医学院。科室主任现任主任医师。",  # a subject of its own
        "李文静毕业于复旦大学医学院。院长现任主任医师。",
        "李文静和赵明远分别为副主任医师和主治医师。",
        "李文静、赵明远分别是副主任医师、主治医师。",
        "李文静2015年曾晋升主治医师。",  # 曾 "once", no surname
        "李文静，副主任医师，2015年曾晋升主治医师。",
        "李文静医生毕业于复旦大学医学院，现任副主任医师。",
    ],
)
def test_the_second_re_verifications_clean_text_passes(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


def test_her_own_biography_in_the_first_person(doctors) -> None:
    li = doctors["李文静"]
    li.biography = rich("我现任主任医师。")
    assert [m for _, _, m in credentials(li)] == [RANK_MISMATCH]


@pytest.mark.parametrize("unit", ["王（", "字（字", "（王医生"])
def test_brackets_that_never_close_are_read_in_linear_time(unit) -> None:
    """`cms.textnorm` looked for each opening mark's closing one to the text's end: 32,000
    characters of 「王（」 took 20 s in a landing page's check (second re-verification)."""
    import time

    from cms.compliance.doctors import _mentions
    from cms.textnorm import normalize_map

    def once(n: int) -> float:
        started = time.process_time()
        _mentions(normalize_map((unit * n)[:n])[0], ("李文静",))
        return time.process_time() - started

    once(100)
    small = min(once(4000) for _ in range(3))
    large = min(once(16000) for _ in range(3))
    assert large / max(small, 1e-4) < 9, (small, large)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("本周六刘主任坐诊", "刘"),  # a day before her surname
        ("特邀北京协和医院张教授为您面诊", "张"),  # invited, with the hospital she comes from
        ("专家：老王，主任医师", "王"),  # a label's value, then the 职称 as a bio item
        ("主任医师王教授为您面诊", "王"),  # the 职称 first, then surname and title serving
    ],
)
def test_an_ad_presenting_an_unregistered_doctor_in_the_third_rounds_shapes(
    doctors, text, name
) -> None:
    assert f"{UNREGISTERED}（{name}）" in [m for _, _, m in credentials(landing(text))]


@pytest.mark.parametrize(
    "text",
    [
        "李文静是赵明远的主治医师。",  # her role for a patient, no rank of hers
        "李文静是我的主治医师，她很耐心。",
        "赵明远是她的主治医师。",
        "那天我找过王主任，后来才来本院。",  # a patient's story serves nobody
    ],
)
def test_a_role_for_someone_is_no_rank_held(doctors, text) -> None:
    assert credentials(landing(text)) == []


def test_our_invited_doctor_with_no_page_is_refused_on_science_too(doctors) -> None:
    # an unregistered doctor who sees our patients is no outside expert quoted
    # (an outside expert quoted still passes on 科普: line 2)
    page = article(
        "我院特邀王一鸣主任医师为您面诊。", "北京协和医院张一鸣主任医师指出，脱发要先分型。"
    )
    found = [(f.line, f.message) for f in check_page(page).findings if f.rule == RULE]
    assert found == [(1, f"{UNREGISTERED}（王一鸣）")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # (a fresh tester's round on the third reading) her wrong rank behind a title in brackets
        ("李主任（主任医师）为您面诊", RANK_MISMATCH),
        ("李主任（主任医师）每周三坐诊。", RANK_MISMATCH),
        # a past told in an earlier clause leaves the present one standing
        ("李文静曾在华山医院进修，现任主任医师。", RANK_MISMATCH),
        ("李文静曾任主治医师，现任主任医师。", RANK_MISMATCH),
        ("李文静毕业于复旦大学，曾在华山医院进修，现任主任医师。", RANK_MISMATCH),
        # unregistered doctors in more shapes
        ("王主任（主任医师）为您面诊。", f"{UNREGISTERED}（王）"),
        ("刘主任本周六坐诊", f"{UNREGISTERED}（刘）"),  # the day after the name
        ("3月5日刘主任坐诊。", f"{UNREGISTERED}（刘）"),  # a date first
        ("本周六刘医生坐诊。", f"{UNREGISTERED}（刘）"),  # 医生, no 职称
        ("本周六刘大夫坐诊。", f"{UNREGISTERED}（刘）"),
        ("特邀北京协和医院张教授，为您面诊。", f"{UNREGISTERED}（张）"),  # a comma before serving
        ("我院特邀上海华山医院皮肤科张主任为您面诊。", f"{UNREGISTERED}（张）"),
        ("北京协和医院张教授为您面诊。", f"{UNREGISTERED}（张）"),  # the hospital, no 特邀
        ("北京协和医院张教授本周六坐诊。", f"{UNREGISTERED}（张）"),
        ("专家：老王（主任医师）", f"{UNREGISTERED}（王）"),
        ("专家: 老王, 主任医师", f"{UNREGISTERED}（王）"),
        ("副主任医师，王教授，为您面诊", f"{UNREGISTERED}（王）"),
        ("欧阳主任本周六坐诊。", f"{UNREGISTERED}（欧阳）"),  # a compound surname
    ],
)
def test_the_fourth_rounds_shapes_are_refused_on_an_ad(doctors, text, message) -> None:
    assert message in [m for _, _, m in credentials(landing(text))]


@pytest.mark.parametrize(
    "text",
    [
        "王一鸣主任医师每周三在我院坐诊。",
        "王一鸣主任医师每周三在本院坐诊。",
        "王一鸣主任医师在我院为您面诊。",
        "王一鸣主任医师将为您面诊。",
        "王一鸣主任医师可为您面诊。",
        "王一鸣主任医师为患者面诊。",
        "王一鸣主任医师为大家面诊。",
        "王一鸣主任医师本周六坐诊。",
    ],
)
def test_an_unregistered_doctor_serving_our_patients_is_refused_on_science(doctors, text) -> None:
    assert f"{UNREGISTERED}（王一鸣）" in [m for _, _, m in credentials(article(text))]


@pytest.mark.parametrize(
    "text",
    [
        "协和医院的张一鸣主任医师每周三坐诊，患者常排长队。",  # an outside hospital's schedule
        "张一鸣主任医师每周三在协和医院坐诊，他指出脱发要先分型。",
        "北京协和医院张一鸣主任医师指出，脱发要先分型。",
        "大会特邀张一鸣主任医师作主题报告。",
    ],
)
def test_an_outside_doctors_schedule_or_words_pass_on_science(doctors, text) -> None:
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "张先生说：王主任说得对。",  # words said, no label
        "李文静曾任主治医师，现任副主任医师。",
        "李文静副主任医师每周三上午出诊。",
        "我问过刘主任，他说要早治疗。",
    ],
)
def test_the_fourth_rounds_lawful_text_passes_on_an_ad(doctors, text) -> None:
    assert credentials(landing(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        # (second round of fresh testers) an outside doctor's clinic told on 科普
        "王建国主任医师每周二在华山医院门诊坐诊。",
        "王建国主任医师每周二在湘雅医院3楼皮肤科坐诊。",
        "在华山医院，王建国主任医师每周二坐诊。",
        "华山医院有位王建国主任医师，每周二坐诊。",
        "湘雅医院皮肤科主任刘建国教授每周二坐诊。",
        "刘建国主任医师每周二坐诊于湘雅医院。",
        "我在县医院看过刘建国主任医师，每周二坐诊。",
        "张一鸣主任医师为您解读脱发的五个误区。",  # words for the reader, no consultation
        "北京协和医院张一鸣主任医师为您讲解。",
        "张文宏教授坐诊时常说，发热要多休息。",  # when it happened
        "刘建国主任医师为患者面诊时发现，很多人作息不规律。",
    ],
)
def test_an_outside_doctors_clinic_or_words_for_the_reader_pass_on_science(doctors, text):
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "王一鸣主任医师每周三来我院坐诊。",
        "王一鸣主任医师目前每周三在我院坐诊。",
        "王一鸣主任医师本周六亲临坐诊。",
        "我院特邀北京协和医院王一鸣主任医师为您面诊。",
        "我院邀请到了王一鸣主任医师，本周六坐诊。",
    ],
)
def test_more_shapes_of_an_unregistered_doctor_serving_our_patients_on_science(doctors, text):
    assert f"{UNREGISTERED}（王一鸣）" in [m for _, _, m in credentials(article(text))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("北京协和医院张教授（主任医师）为您面诊", f"{UNREGISTERED}（张）"),
        ("我院刘主任坐诊", f"{UNREGISTERED}（刘）"),
        ("老王（主任医师）为您面诊", f"{UNREGISTERED}（王）"),
        ("王建国是我们的主任医师", f"{UNREGISTERED}（王建国）"),  # a rank, not a role
        ("刘主任本周六坐镇", f"{UNREGISTERED}（刘）"),
        ("协和刘教授为您面诊", f"{UNREGISTERED}（刘）"),
        ("小李（主任医师）为您面诊", RANK_MISMATCH),
        ("李文静曾在华山医院进修。现任主任医师。", RANK_MISMATCH),  # 曾 a sentence before
        ("李文静曾在华山医院进修，现主任医师", RANK_MISMATCH),
    ],
)
def test_the_second_testers_ad_shapes_are_refused(doctors, text, message) -> None:
    assert message in [m for _, _, m in credentials(landing(text))]


# --- round 2 of fresh testers on the fourth reading ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # (round-2 tester) a full name with no title, serving
        ("刘建国为您面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国本周六坐诊", f"{UNREGISTERED}（刘建国）"),
        ("王建华每周三坐诊。", f"{UNREGISTERED}（王建华）"),
        ("本周日刘建国坐诊。", f"{UNREGISTERED}（刘建国）"),
        ("刘建国，为您面诊。", f"{UNREGISTERED}（刘建国）"),
        # (round-2 tester) 博士 / 专家 / 老师 with no 职称, serving
        ("刘博士本周六坐诊", f"{UNREGISTERED}（刘）"),
        ("刘专家为您面诊", f"{UNREGISTERED}（刘）"),
        ("刘老师为您面诊", f"{UNREGISTERED}（刘）"),
        ("张博士每周三坐诊。", f"{UNREGISTERED}（张）"),
        ("孙老师, 为您面诊", f"{UNREGISTERED}（孙）"),
        ("刘建国博士为您面诊", f"{UNREGISTERED}（刘建国）"),
        # (round-2 tester) other serving words, and booking before the name
        ("刘主任帮您看", f"{UNREGISTERED}（刘）"),
        ("刘主任帮您看病。", f"{UNREGISTERED}（刘）"),
        ("刘主任专家号限量", f"{UNREGISTERED}（刘）"),
        ("刘主任的专家号，每周三放号。", f"{UNREGISTERED}（刘）"),
        ("预约刘主任", f"{UNREGISTERED}（刘）"),
        ("立即预约张主任！", f"{UNREGISTERED}（张）"),
        ("挂刘主任的号", f"{UNREGISTERED}（刘）"),
        ("预约刘医生", f"{UNREGISTERED}（刘）"),
        ("预约刘博士", f"{UNREGISTERED}（刘）"),
        # (round-2 tester) dashes between the name and her 职称
        ("李主任——主任医师——为您面诊", RANK_MISMATCH),
        ("李文静——主任医师——为您面诊", RANK_MISMATCH),
        ("刘主任——主任医师——为您面诊", f"{UNREGISTERED}（刘）"),
        ("刘主任—主任医师—为您面诊", f"{UNREGISTERED}（刘）"),
        # (round-2 tester) the name after the 职称, with 老 / 小
        ("主任医师老王为您面诊", f"{UNREGISTERED}（王）"),
        ("副主任医师小张本周六坐诊。", f"{UNREGISTERED}（张）"),
        ("主任医师小李为您面诊", RANK_MISMATCH),
        # (round-2 tester) a past clause before the name
        ("曾在华山医院进修的刘文静，现任主任医师，每周六坐诊", f"{UNREGISTERED}（刘文静）"),
        ("毕业于复旦大学的刘文静，主任医师，每周三坐诊。", f"{UNREGISTERED}（刘文静）"),
        ("曾在华山医院进修的李文静，现任主任医师。", RANK_MISMATCH),
    ],
)
def test_the_round_2_testers_ad_shapes_are_refused(doctors, text, message) -> None:
    assert message in [m for _, _, m in credentials(landing(text))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # (round-2 tester) an unregistered doctor who joined us
        ("刘主任加盟我院", f"{UNREGISTERED}（刘）"),
        ("刘主任受聘于我院", f"{UNREGISTERED}（刘）"),
        ("刘主任是我院特聘专家", f"{UNREGISTERED}（刘）"),
        ("张教授已正式加盟本院。", f"{UNREGISTERED}（张）"),
        ("刘主任于2023年加盟我院。", f"{UNREGISTERED}（刘）"),
        ("王主任，现为本院特聘专家。", f"{UNREGISTERED}（王）"),
        # (round-2 tester) every serving phrase of the sentence is read, not the first only
        ("刘主任在协和医院坐诊，每周六在我院坐诊", f"{UNREGISTERED}（刘）"),
        ("刘主任在协和医院坐诊,周日也在本院坐诊。", f"{UNREGISTERED}（刘）"),
        ("王一鸣主任医师在协和医院出诊，每周三来我院坐诊。", f"{UNREGISTERED}（王一鸣）"),
        # (round-2 tester) a consultation offered, no 职称 or no 我院
        ("王医生为您面诊", f"{UNREGISTERED}（王）"),
        ("王主任为您面诊", f"{UNREGISTERED}（王）"),
        ("王大夫本周三坐诊。", f"{UNREGISTERED}（王）"),
        ("刘建国为您面诊。", f"{UNREGISTERED}（刘建国）"),
    ],
)
def test_the_round_2_testers_science_shapes_are_refused(doctors, text, message) -> None:
    assert message in [m for _, _, m in credentials(article(text))]


@pytest.mark.parametrize(
    "text",
    [
        # (round-2 tester) an outside expert quoted, a patient, a teacher: no doctor of ours
        "北京协和医院的刘主任在门诊中常说，脱发要早治疗。",
        "刘建国教授的研究发表在《柳叶刀》上。",
        "患者刘建国来我院就诊",
        "患者刘建国来我院诊疗，三个月后明显好转。",
        "刘老师教我们做八段锦",
        "刘建国来我院面诊后，确诊为雄激素性脱发。",
        "专家团队每周六坐诊。",
        "节假日照常坐诊。",
        "资深专家为您面诊。",
        "刘主任在协和医院坐诊，每周六休息。",
        "刘主任在协和医院坐诊时常说，脱发要早治疗。",
        "刘主任在协和医院坐诊时间很长。",
    ],
)
def test_the_round_2_testers_lawful_text_passes_on_science(doctors, text) -> None:
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        # (round-2 tester) a patient, a teacher, no doctor named: lawful on an ad too
        "患者刘建国来我院就诊",
        "患者刘建国来我院诊疗，三个月后明显好转。",
        "刘老师教我们做八段锦",
        "刘建国来我院面诊后，确诊为雄激素性脱发。",
        "专家团队每周六坐诊。",
        "节假日照常坐诊。",
        "资深专家为您面诊。",
        "预约面诊，请拨打热线。",
        "李文静——副主任医师——为您面诊",
        "预约李文静医生",
    ],
)
def test_the_round_2_testers_lawful_text_passes_on_an_ad(doctors, text) -> None:
    assert credentials(landing(text)) == []


@pytest.mark.parametrize(
    "unit",
    ["刘建国为您面诊，", "为您面诊", "预约刘主任，", "刘主任在协和医院坐诊，每周六在我院坐诊。"],
)
def test_the_round_2_serving_reader_reads_a_long_line_in_linear_time(unit) -> None:
    """(round-2 tester) the names before a serving word are looked back for a bounded span."""
    import time

    from cms.compliance.doctors import _mentions

    def once(n: int) -> float:
        started = time.process_time()
        _mentions(unit * n, ("李文静",))
        return time.process_time() - started

    once(10)
    small = min(once(500) for _ in range(3))
    large = min(once(2000) for _ in range(3))
    assert large / max(small, 1e-4) < 9, (small, large)


@pytest.mark.parametrize(
    "text",
    [
        # (round-2 doctor tester, after the final runs) a patient's booking story, a teacher's
        # class, a doctor's 专家号 in a patient's story: no doctor serving our patients
        "我妈预约刘主任，等了一个月。",
        "我预约了刘医生，还没轮到。",
        "预约刘老师的八段锦课程",
        "欢迎预约刘老师的太极拳讲座。",
        "刘主任专家号很难挂，我挂了三次才挂上。",
        "张阿姨说，刘建国坐诊那天人特别多。",
        "邻居王大爷说，他挂过刘主任的号。",
    ],
)
def test_a_patients_story_and_a_teachers_class_pass_on_science(doctors, text) -> None:
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    "text",
    # (on an ad, 「我妈预约刘主任」 still presents a 主任 with no page: refused as before)
    ["我妈预约刘建国，等了一个月。", "预约刘老师的八段锦课程", "欢迎预约刘老师的太极拳讲座。"],
)
def test_a_patients_story_and_a_teachers_class_pass_on_an_ad(doctors, text) -> None:
    assert credentials(landing(text)) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # the story words do not excuse an offer, our place or a booking offered
        ("患者说，刘主任每周六在我院坐诊。", f"{UNREGISTERED}（刘）"),
        ("我妈说，刘建国为您面诊。", f"{UNREGISTERED}（刘建国）"),
        ("刘主任专家号限量，欢迎预约。", f"{UNREGISTERED}（刘）"),
        ("您可以预约刘医生。", f"{UNREGISTERED}（刘）"),
        ("预约刘老师的面诊", f"{UNREGISTERED}（刘）"),
    ],
)
def test_story_words_do_not_excuse_an_offer_on_science(doctors, text, message) -> None:
    assert message in [m for _, _, m in credentials(article(text))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # (round-2 doctor tester, after the final runs) surnames beyond the commonest 130
        ("洪建国主任医师为您面诊", f"{UNREGISTERED}（洪建国）"),
        ("赖主任每周六坐诊", f"{UNREGISTERED}（赖）"),
        ("卓医生为您面诊", f"{UNREGISTERED}（卓）"),
        ("戚主任本周六坐诊", f"{UNREGISTERED}（戚）"),
        # 于 and 向, words a sentence opens with, as surnames serving
        ("于主任每周六坐诊", f"{UNREGISTERED}（于）"),
        ("向主任为您面诊", f"{UNREGISTERED}（向）"),
        # a doctor's work named otherwise, for the reader
        ("刘建国为您号脉", f"{UNREGISTERED}（刘建国）"),
        ("刘建国为您开方", f"{UNREGISTERED}（刘建国）"),
        ("刘建国为您针灸调理", f"{UNREGISTERED}（刘建国）"),
        ("刘建国给您看病", f"{UNREGISTERED}（刘建国）"),
        ("刘博士为您手术", f"{UNREGISTERED}（刘）"),
        ("刘建国专家门诊每周六开放", f"{UNREGISTERED}（刘建国）"),
        ("刘建国特需门诊每周六", f"{UNREGISTERED}（刘建国）"),
        ("刘主任门诊时间：每周六", f"{UNREGISTERED}（刘）"),
        # a word before the verb
        ("刘建国一对一为您面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国免费为您面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国线上为您面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国为您在线面诊", f"{UNREGISTERED}（刘建国）"),
        # days said as lists, dates and hours
        ("刘建国每周六、周日坐诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国每月第一个周六坐诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国9:00-12:00坐诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国本月15日坐诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国逢周六坐诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国周六上午9点坐诊", f"{UNREGISTERED}（刘建国）"),
        # asked or booked in other words
        ("请刘主任为您面诊", f"{UNREGISTERED}（刘）"),
        ("约刘医生面诊", f"{UNREGISTERED}（刘）"),
        ("抢刘主任的号", f"{UNREGISTERED}（刘）"),
        # marks between her name and her serving
        ("刘建国：为您面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国——为您面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国（每周六坐诊）", f"{UNREGISTERED}（刘建国）"),
        # a serving label before her name
        ("坐诊专家：刘建国", f"{UNREGISTERED}（刘建国）"),
        ("主诊医生：刘建国", f"{UNREGISTERED}（刘建国）"),
        ("出诊医生：刘建国（周六）", f"{UNREGISTERED}（刘建国）"),
        # two doctors serving together
        ("刘建国与王小明为您面诊", f"{UNREGISTERED}（王小明）"),
        ("刘建国与王小明为您面诊", f"{UNREGISTERED}（刘建国）"),
        # titles patients use
        ("刘院士为您面诊", f"{UNREGISTERED}（刘）"),
        ("刘大师为您面诊", f"{UNREGISTERED}（刘）"),
        ("刘名医为您面诊", f"{UNREGISTERED}（刘）"),
        ("老刘为您面诊", f"{UNREGISTERED}（刘）"),
        # a name in Latin letters, an aside in brackets before her serving
        ("Dr. Liu为您面诊", f"{UNREGISTERED}（Dr. Liu）"),
        ("Prof. Wang每周六坐诊", f"{UNREGISTERED}（Prof. Wang）"),
        ("刘医生（Dr. Liu）每周六坐诊", f"{UNREGISTERED}（刘）"),
        ("刘建国（特邀专家）为您面诊", f"{UNREGISTERED}（刘建国）"),
        # a day after 于, a manner, an offer made with 提供/进行/做, her team
        ("刘建国将于本周六为您面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国于本周六坐诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国现场为您面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国为您提供面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国为您进行面诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国为您做检查", f"{UNREGISTERED}（刘建国）"),
        ("刘建国团队每周六坐诊", f"{UNREGISTERED}（刘建国）"),
        ("刘建国教授团队为您面诊", f"{UNREGISTERED}（刘建国）"),
        # her hours labelled (坐诊时间 is no 「坐诊时」), a day of a list said alone, surnames
        # and titles joined before the serving
        ("刘建国坐诊时间：周六", f"{UNREGISTERED}（刘建国）"),
        ("刘建国出诊时间：周六上午", f"{UNREGISTERED}（刘建国）"),
        ("刘建国本周六、日坐诊", f"{UNREGISTERED}（刘建国）"),
        ("王主任、李主任为您面诊", f"{UNREGISTERED}（王）"),
        ("王主任和张医生每周六坐诊", f"{UNREGISTERED}（王）"),
    ],
)
def test_the_round_2_doctor_testers_later_shapes_are_refused(doctors, text, message) -> None:
    assert message in [m for _, _, m in credentials(landing(text))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # (round-2 doctor tester) joining us on a 科普 page, in other words
        ("刘主任入职我院", f"{UNREGISTERED}（刘）"),
        ("刘主任加盟我们", f"{UNREGISTERED}（刘）"),
        ("刘主任受聘我院", f"{UNREGISTERED}（刘）"),
        ("刘主任是我们的特聘专家", f"{UNREGISTERED}（刘）"),
        ("刘主任被我院聘为特聘专家", f"{UNREGISTERED}（刘）"),
        ("我院特聘刘主任。", f"{UNREGISTERED}（刘）"),
        ("刘主任在协和医院和我院坐诊", f"{UNREGISTERED}（刘）"),
        ("协和医院刘主任周末来我院坐诊", f"{UNREGISTERED}（刘）"),
        ("刘建国为您号脉", f"{UNREGISTERED}（刘建国）"),
        ("坐诊专家：刘建国", f"{UNREGISTERED}（刘建国）"),
        # our doctor named after us and her title, no 职称: ours, so she has a page
        ("我院特聘专家刘建国", f"{UNREGISTERED}（刘建国）"),
        ("我院专家刘建国提醒：脱发要早治疗。", f"{UNREGISTERED}（刘建国）"),
    ],
)
def test_the_round_2_doctor_testers_later_science_shapes_are_refused(
    doctors, text, message
) -> None:
    assert message in [m for _, _, m in credentials(article(text))]


@pytest.mark.parametrize(
    "text",
    [
        # look-alikes of those shapes that name no doctor of ours
        "向主任医师咨询用药问题。",
        "于是我来到医院面诊。",
        "卓越的医疗团队为您面诊。",
        "亲戚推荐我来面诊。",
        "约30%的患者需要复诊。",
        "大约一个月后复诊。",
        "请医生为您面诊。",
        "抢购活动已结束。",
        "项目主任为您介绍课程。",
        "老师为您讲解八段锦。",
        "刘建国与王小明是高中同学。",
        "专家门诊每周六开放。",
        "刘老师：为您讲解八段锦。",
        "预约方式：电话或在线。",
        "李文静与赵明远为您面诊",
        "坐诊专家：李文静",
        "哈佛大学Dr. Smith的研究发表在期刊上。",
        "患者刘建国为您做检查前要空腹。",
        "刘建国将于3月5日在协和医院坐诊。",
        "本院医生李文静提醒：脱发要早治疗。",
        "我院专家团队提醒，熬夜伤发。",
    ],
)
def test_look_alikes_of_the_later_shapes_pass(doctors, text) -> None:
    assert credentials(landing(text)) == []
    assert credentials(article(text)) == []


@pytest.mark.parametrize(
    "unit",
    [
        "刘建国与王小明为您面诊，",
        "坐诊专家：刘建国，",
        "刘建国每周六、周日、",
        "我妈预约刘主任，",
        "我院特聘",
        "治疗",
        "为您治疗，",
        "刘建国9:00-12:00",
    ],
)
def test_the_later_shapes_are_read_in_linear_time(unit) -> None:
    """The joined names, serving labels, day lists and stories are looked at in bounded
    spans: a line of thousands of them is read in linear time."""
    import time

    from cms.compliance.doctors import _mentions

    def once(n: int) -> float:
        started = time.process_time()
        _mentions((unit * n)[: n * 4], ("李文静",))
        return time.process_time() - started

    once(10)
    small = min(once(500) for _ in range(3))
    large = min(once(2000) for _ in range(3))
    assert large / max(small, 1e-4) < 9, (small, large)


# --- round-6 tester: a card's own text is about the doctor it chooses ----------------------


@pytest.mark.parametrize(
    ("intro", "expected"),
    [
        ("副主任医师，执业证号110310000012345。", "医生职称与医生页面不一致：页面为主治医师"),
        ("主任医师亲诊。", "医生职称与医生页面不一致：页面为主治医师"),
        (
            "执业证号110310000012345，欢迎预约。",
            f"医师执业证书编码与医生页面不一致：赵明远的医生页面为{ZHAO}",
        ),
    ],
)
def test_a_doctor_cards_intro_states_the_chosen_doctors_credentials(
    doctors, intro, expected
) -> None:
    # given 赵明远's card (主治医师) whose intro states another 职称 or 李文静's licence
    page = landing("评估后制定方案。")
    page.trust = [("doctor", {"doctor": doctors["赵明远"], "intro": intro})]
    page.save_revision()

    # then the intro is read as hers and refused
    assert expected in [message for _field, _text, message in credentials(page)]
    assert all(field == "trust[0].doctor.intro" for field, _t, _m in credentials(page))


@pytest.mark.parametrize(
    "intro",
    ["主治医师，执业证号110310000023456。", "从事脱发诊疗十年，擅长毛囊检测。", "每周六上午出诊。"],
)
def test_a_doctor_cards_intro_true_to_her_page_passes(doctors, intro) -> None:
    page = landing("评估后制定方案。")
    page.trust = [("doctor", {"doctor": doctors["赵明远"], "intro": intro})]
    page.save_revision()

    assert credentials(page) == []
