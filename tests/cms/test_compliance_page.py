"""check_page walks every public text of every page type, and flags 科普 pages that are
disguised ads (《广告法》第十九条)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from wagtail.models import Page

from cms.compliance import check_page
from cms.models import (
    ArticlePage,
    BasePage,
    DoctorIndexPage,
    DoctorPage,
    HomePage,
    PatientStoryPage,
    VideoPage,
)
from landing.models import LandingIndexPage, LandingPage
from tests.cms.compliance_support import draft, hub, image, own_video, rich
from tests.funnel.factories import PackageFactory

pytestmark = pytest.mark.django_db


def _where(page) -> set[tuple[str, str]]:
    return {(f.field, f.rule) for f in check_page(page).findings}


def _article_body(package, doctor, photo) -> list[dict]:
    return [
        {"type": "paragraph", "value": rich("入睡困难很常见。", "我们的方案药到病除。")},
        {
            "type": "image",
            "value": {"image": photo.pk, "alt_text": "顶级睡眠实验室", "decorative": False},
        },
        {
            "type": "faq",
            "value": {
                "title": "常见问题",
                "items": [{"question": "多久见效？", "answer": rich("一般7天见效。")}],
            },
        },
        {"type": "callout", "value": {"kind": "tip", "text": "本院治愈率达95%"}},
        {"type": "video", "value": {"url": "https://example.com/v.mp4", "caption": "患者现身说法"}},
        {"type": "doctor_card", "value": {"doctor": doctor.pk}},
        {"type": "package_cta", "value": {"package": package.pk, "text": "保证疗效，立即购买"}},
    ]


def test_article_every_text_of_every_block_is_checked() -> None:
    # given an article with one violation in each kind of text it carries
    parent = hub()
    team = draft(HomePage.objects.get(), DoctorIndexPage(title="医生团队", slug="doctors"))
    doctor = draft(
        team,
        DoctorPage(
            title="国家级专家王医生",
            slug="wang",
            rank="主任医师",
            hospital="某门诊部",
            licence_number="110310000012345",
        ),
    )
    page = draft(
        parent,
        ArticlePage(
            title="最好的失眠疗法",
            slug="a",
            layer="conversion",
            summary="根治失眠",
            search_description="3天见效",
            cover=image("封面", description="神医出诊"),
            body=_article_body(PackageFactory(name="失眠包治套餐"), doctor, image("插图")),
        ),
    )
    page.tags.add("永不复发")

    # when it is checked, then every text is reached, each under its own field path
    assert _where(page) == {
        ("title", "ad9-absolute"),
        ("summary", "ad16-guarantee"),
        ("search_description", "mad7-timeline"),
        ("cover.description", "mad7-superstition"),
        ("body[0].paragraph", "ad16-guarantee"),
        ("body[1].image.alt_text", "ad9-absolute"),
        ("body[2].faq.items[0].answer", "mad7-timeline"),
        ("body[3].callout.text", "ad16-rate"),
        ("body[4].video.caption", "ad16-testimonial"),
        ("body[5].doctor_card.doctor.title", "ad9-national"),
        ("body[6].package_cta.package.name", "ad16-guarantee"),
        ("body[6].package_cta.text", "ad16-guarantee"),
        ("tags", "ad16-guarantee"),
    }
    paragraph = next(f for f in check_page(page).findings if f.field == "body[0].paragraph")
    assert (paragraph.line, paragraph.text) == (2, "药到病除")  # one line per paragraph


def test_identifiers_are_not_read_as_prose() -> None:
    team = draft(HomePage.objects.get(), DoctorIndexPage(title="医生团队", slug="doctors"))
    doctor = draft(
        team,
        DoctorPage(
            title="李医生",
            slug="li",
            rank="副主任医师",
            hospital="徐汇门诊部",
            # a 执业证书编码 (15 digits) is no phone number; one a patient can dial is read
            # (fourth verification F11: tests/cms/test_identifier_prose.py)
            licence_number="110310000012345",
            biography=rich("从事皮肤科工作十六年。"),
        ),
    )

    assert check_page(doctor).findings == []


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            lambda home, parent: draft(
                home, DoctorIndexPage(title="医生团队", slug="d", intro=rich("顶级医生团队"))
            ),
            {("intro", "ad9-absolute")},
        ),
        (
            lambda home, parent: draft(
                parent,
                VideoPage(
                    title="睡前放松",
                    slug="v",
                    video_url=own_video("/media/v.mp4"),
                    transcript="大家好。\n今天教大家放松。\n坚持练习，永不复发。",
                ),
            ),
            {("transcript", "ad16-guarantee")},
        ),
        (
            lambda home, parent: draft(
                parent,
                PatientStoryPage(
                    title="我的经历",
                    slug="s",
                    patient_alias="陈先生",
                    body=rich("吃了两个月药就好了，太感谢医生了！"),
                ),
            ),
            # 两个月…就好了 is also a time-boxed cure (rules 2026.11.6)
            {("body", "ad16-testimonial"), ("body", "mad7-timeline")},
        ),
        (
            lambda home, parent: parent,
            {("seo_title", "ad9-absolute"), ("hero_image.title", "ad16-guarantee")},
        ),
    ],
    ids=["doctor-index", "video", "patient-story", "specialty"],
)
def test_other_page_types(build, expected) -> None:
    home = HomePage.objects.get()
    parent = hub()
    parent.seo_title = "全市最好的睡眠门诊"
    parent.hero_image = image("根治失眠")

    page = build(home, parent)

    assert _where(page) == expected


def test_home_page_intro() -> None:
    home = HomePage.objects.get()
    home.intro = rich("我们是行业第一的专科诊所")

    assert _where(home) == {("intro", "ad9-absolute")}


def test_landing_page_copy_keyword_variants_and_reviews() -> None:
    # given a landing page with violations in its own copy and in its cluster children
    package = PackageFactory()
    index = draft(HomePage.objects.get(), LandingIndexPage(title="专科咨询", slug="lp"))
    page = LandingPage(
        title="脱发咨询",
        slug="hair",
        specialty=package.specialty,
        headline="三个疗程痊愈",
        subheadline="不好不收费",
        package=package,
        ad_review_certificate="（沪）医广【2026】第08-12-0031号",
        form_title="免费咨询",
        trust=[
            {
                "type": "review",
                "value": {"quote": "亲测有效！", "author": "张女士", "consent_on_file": True},
            }
        ],
    )
    draft(index, page)
    page.keyword_variants.create(keywords="根治脱发", headline="比其他医院效果好", sort_order=0)

    assert _where(page) == {
        ("headline", "mad7-timeline"),
        ("subheadline", "ad16-refund"),  # a guarantee dressed as a refund
        ("trust[0].review.quote", "ad16-testimonial"),
        ("trust[0].review", "ad16-testimonial"),  # a named patient's quote as such
        ("keyword_variants[0].headline", "ad16-comparison"),
        # the SEM keywords are targeting data, not copy the public sees
    }


def test_a_patient_review_is_a_testimonial_however_mild_and_consented() -> None:
    # given a landing page quoting a named patient in harmless words, consent on file
    package = PackageFactory()
    index = draft(HomePage.objects.get(), LandingIndexPage(title="专科咨询", slug="lp"))
    review = {"quote": "医生讲得很细，医助每周提醒我护理。", "author": "王女士，29 岁"}
    page = LandingPage(
        title="脱发咨询",
        slug="hair",
        specialty=package.specialty,
        headline="脱发困扰？先做一次毛囊检测",
        package=package,
        trust=[{"type": "review", "value": {**review, "consent_on_file": True}}],
    )
    draft(index, page)

    # when it is checked
    report = check_page(page)

    # then the quote itself blocks publication (《医疗广告管理办法》第七条第（六）项)
    assert [(f.field, f.rule, f.blocking, f.text) for f in report.findings] == [
        ("trust[0].review", "ad16-testimonial", True, f"{review['author']}：{review['quote']}")
    ]


def _science_article(parent, layer: str, **kwargs) -> ArticlePage:
    return draft(
        parent, ArticlePage(title="睡眠卫生", slug=f"sleep-{layer}", layer=layer, **kwargs)
    )


def test_science_page_with_contact_details_is_a_disguised_ad() -> None:
    parent = hub()
    body = [{"type": "paragraph", "value": rich("规律作息很重要。", "咨询电话：0571-88886666")}]

    science = _science_article(parent, "science", body=body)
    conversion = _science_article(parent, "conversion", body=body)

    assert _where(science) == {("body[0].paragraph", "ad19-contact")}
    assert _where(conversion) == set()


def test_science_page_with_a_package_entry_or_landing_link_is_a_disguised_ad() -> None:
    # given a 科普 article linking a landing page and offering a service package
    parent = hub()
    package = PackageFactory()
    index = draft(HomePage.objects.get(), LandingIndexPage(title="专科咨询", slug="lp"))
    landing = draft(
        index,
        LandingPage(
            title="失眠咨询", slug="sem", specialty=package.specialty, headline="失眠困扰？先做评估"
        ),
    )
    body = [
        {
            "type": "paragraph",
            "value": f'<p>想进一步了解，<a linktype="page" id="{landing.pk}">看看这里</a>。</p>',
        },
        {
            "type": "paragraph",
            "value": '<p>或者<a href="https://example.com/lp/insomnia/">点此</a></p>',
        },
        {"type": "package_cta", "value": {"package": package.pk, "text": "了解服务包"}},
    ]

    science = _science_article(parent, "science", body=body)
    expert = _science_article(parent, "expert", body=body)
    conversion = _science_article(parent, "conversion", body=body)

    # then all three are found on the 科普 and the 专家IP page (both health science), none on
    # the 转化 page; the served page also shows the package's price (the links are not
    # reported twice)
    assert sorted(_where(expert)) == sorted(_where(science))
    assert sorted(_where(science)) == [
        ("body[0].paragraph", "ad19-cta"),
        ("body[1].paragraph", "ad19-cta"),
        ("body[2].package_cta", "ad19-cta"),
        ("rendered", "ad19-cta"),
    ]
    rendered = [f.text for f in check_page(science).findings if f.field.startswith("rendered")]
    assert rendered == [f"¥{package.price}"]
    assert _where(conversion) == set()


def test_base_page_instances_are_checked_as_their_specific_type() -> None:
    page = draft(
        hub(),
        PatientStoryPage(
            title="我的经历", slug="s", patient_alias="王女士", body=rich("这里的医生是全国第一")
        ),
    )

    assert _where(Page.objects.get(pk=page.pk)) == {("body", "ad9-absolute")}


def test_seed_demo_content_has_no_blocking_finding() -> None:
    # given everything seed_demo publishes (content pages and landing pages), through the gate
    call_command("seed_demo", stdout=io.StringIO())
    pages = [p.specific for p in Page.objects.live().filter(depth__gt=1)]

    reports = {page.url_path: check_page(page) for page in pages}

    # home, team, 6 doctors, 3 hubs x (4 articles, video, story), landing index + 3 landings
    assert len(pages) == 33
    assert {path: r.as_dicts() for path, r in reports.items() if r.has_blocking} == {}
    # publishing stored each gated page's result
    gated = [p for p in pages if isinstance(p, BasePage)]
    assert len(gated) == 32
    # landing pages and 转化 articles are medical ads: live on the reviewer's certificate
    decisions = {p.url_path: p.compliance_result.get("decision") for p in gated}
    expected = {p.url_path: "certified" if p.is_medical_ad() else "clean" for p in gated}
    assert decisions == expected
    assert sum(p.is_medical_ad() for p in gated) == 6  # 3 landing pages, 3 转化 articles
