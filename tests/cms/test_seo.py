"""What a crawler and WeChat see: titles, share cards, canonical and other absolute URLs on
the configured site base URL, the sitemap, robots.txt, JSON-LD; and the demo video plays."""

from __future__ import annotations

import io
import json
import re
from xml.etree import ElementTree

import pytest
from wagtail.models import Site

from cms.models import ArticlePage, DoctorIndexPage, SpecialtyPage, VideoPage
from landing import seed as landing_seed
from landing.models import LandingPage

pytestmark = pytest.mark.django_db

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
BASE = "https://www.yinliu.example"


@pytest.fixture
def site(seeded, django_capture_on_commit_callbacks) -> Site:
    """The seeded site (with its landing pages) served on a configured base URL other than
    the test client's host."""
    with django_capture_on_commit_callbacks(execute=True):
        landing_seed.seed(stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "www.yinliu.example", 443
    site.save()
    return site


def _meta(html: str, prop: str) -> list[str]:
    return re.findall(rf'<meta property="{prop}" content="([^"]*)">', html)


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def _graph(html: str) -> list[dict]:
    (block,) = LD.findall(html)
    return json.loads(block)


PAGE_PATHS = [
    "/",
    "/doctors/",
    "/hair-loss/",
    "/hair-loss/hair-loss-science-1/",
    "/hair-loss/hair-loss-video-1/",
    "/hair-loss/hair-loss-story-1/",
    "/doctors/hair-loss-doctor-1/",
    "/lp/hair-loss/",
    "/packages/hair-loss-3m/",
    "/packages/compare/hair-loss/",
]
# Pages for one visitor or one query: never indexed, so no canonical or share card.


def test_titles_name_the_site_once(site, client):
    for path in PAGE_PATHS:
        title = _title(client.get(path).content.decode())
        assert title.count("引流健康") == 1, (path, title)
    assert (
        _title(client.get("/hair-loss/").content.decode())
        == "脱发的原因、评估与日常管理 | 引流健康"
    )
    assert _title(client.get("/doctors/").content.decode()) == "医生团队 | 引流健康"


def test_every_page_type_separates_its_title_from_the_site_name_the_same_way(site, client):
    """Review L2: hubs, whose SEO title ends 「｜引流健康」, showed the full-width bar; every
    other page 「 | 」."""
    paths = [*PAGE_PATHS, *_noindex_paths(), "/search/", "/no-such-page/", "/lp/thanks/bad/"]
    for path in paths:
        title = _title(client.get(path).content.decode())
        # (the home page's title is the site name alone)
        assert title == "引流健康" or re.fullmatch(r"\S.*\S \| 引流健康", title), (path, title)
        assert title.count("引流健康") == 1, (path, title)
        assert "｜" not in title, (path, title)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("脱发的原因｜引流健康", "脱发的原因 | 引流健康"),
        ("脱发的原因 - 引流健康", "脱发的原因 | 引流健康"),
        ("脱发的原因——引流健康", "脱发的原因 | 引流健康"),
        ("脱发的原因：引流健康", "脱发的原因 | 引流健康"),
        ("脱发的原因引流健康", "脱发的原因 | 引流健康"),
        ("脱发的原因", "脱发的原因 | 引流健康"),
        ("引流健康", "引流健康"),
        ("  ", "引流健康"),
        ("引流健康的医生团队", "引流健康的医生团队"),  # names the site elsewhere: left whole
        ("冬季睡眠 丨 引流健康", "冬季睡眠 | 引流健康"),  # 丨 U+4E28
        ("冬季睡眠‖引流健康", "冬季睡眠 | 引流健康"),
        ("冬季睡眠 / 引流健康", "冬季睡眠 | 引流健康"),
        ("冬季睡眠～引流健康", "冬季睡眠 | 引流健康"),
        ("冬季睡眠 | 引流健康 | 引流健康", "冬季睡眠 | 引流健康"),
        # the bars an input method offers beyond the list (twenty-first session)
        ("冬季睡眠 ― 引流健康", "冬季睡眠 | 引流健康"),  # U+2015
        ("冬季睡眠︱引流健康", "冬季睡眠 | 引流健康"),  # U+FE31
        ("冬季睡眠 ∣ 引流健康", "冬季睡眠 | 引流健康"),  # U+2223
        ("冬季睡眠 » 引流健康", "冬季睡眠 | 引流健康"),
        ("冬季睡眠 ━ 引流健康", "冬季睡眠 | 引流健康"),  # U+2501
        ("冬季睡眠 → 引流健康", "冬季睡眠 | 引流健康"),
        ("冬季睡眠 | 引流 健康", "冬季睡眠 | 引流健康"),  # a space typed inside the name
        ("冬季睡眠 | 引 流 健 康 ｜引流健康", "冬季睡眠 | 引流健康"),
        # what ends a title is kept: a plus, a closing quotation mark
        ("维生素B+ | 引流健康", "维生素B+ | 引流健康"),
        ("医生说“别熬夜” | 引流健康", "医生说“别熬夜” | 引流健康"),
        ("引流 健康", "引流健康"),
        # twenty-first verification C: a comma or ー before the name
        ("血糖记录，引流健康", "血糖记录 | 引流健康"),
        ("冬季睡眠 ー 引流健康", "冬季睡眠 | 引流健康"),
        # twenty-third verification B: the name elsewhere with a space, a zero-width space
        # inside the name, a full stop after it
        ("引流 健康：空腹血糖和餐后血糖", "引流 健康：空腹血糖和餐后血糖"),
        ("冬季睡眠 | 引流\u200b健康", "冬季睡眠 | 引流健康"),
        ("冬季睡眠 | 引流健康。", "冬季睡眠 | 引流健康"),
        ("读懂引流\u2060健康的医生团队", "读懂引流\u2060健康的医生团队"),
    ],
)
def test_title_with_site_writes_one_separator(title, expected):
    from django.template import Context, Template

    rendered = Template("{% load cms_tags %}{% title_with_site title %}").render(
        Context({"title": title})
    )

    assert rendered == expected


def test_the_site_name_is_found_whatever_its_case():
    from cms.models.base import without_site_name

    assert without_site_name("三分钟看懂毛囊镜检查 | yinliu health", "Yinliu Health") == (
        "三分钟看懂毛囊镜检查"
    )
    assert without_site_name("YINLIU HEALTH", "Yinliu Health") == "Yinliu Health"
    assert without_site_name("Sleep - YINLIU HEALTH.", "Yinliu Health") == "Sleep"


@pytest.mark.parametrize(
    ("title", "named"),
    [
        ("yinliu health: sleep", True),
        ("About YinliuHealth", True),
        ("Yinliu\u200bHealth guide", True),
        ("Sleep better", False),
        ("Yinliu guide", False),
    ],
)
def test_the_site_name_is_found_anywhere_whatever_its_case_and_spacing(title, named):
    from cms.models.base import names_site

    assert names_site(title, "Yinliu Health") is named


def test_share_titles_do_not_repeat_the_site_name(site, client):
    # given hubs whose SEO title ends with the site name for Baidu (「…｜引流健康」)
    hub_html = client.get("/hair-loss/").content.decode()

    # then the share card's title is the page's own (WeChat shows the source next to it),
    # while the document title keeps the site name once
    assert _meta(hub_html, "og:title") == ["脱发的原因、评估与日常管理"]
    assert _title(hub_html) == "脱发的原因、评估与日常管理 | 引流健康"
    for path in PAGE_PATHS:
        html = client.get(path).content.decode()
        (title,) = _meta(html, "og:title")
        assert title == "引流健康" or "引流健康" not in title, (path, title)


def test_every_page_type_has_a_share_card_on_the_base_url(site, client):
    for path in PAGE_PATHS:
        html = client.get(path).content.decode()
        assert len(_meta(html, "og:title")) == 1, path
        assert len(_meta(html, "og:description")) == 1, path
        (image,) = _meta(html, "og:image")
        assert image.startswith(f"{BASE}/"), (path, image)
        (canonical,) = re.findall(r'<link rel="canonical" href="([^"]*)">', html)
        assert canonical == f"{BASE}{path}", path


def test_share_image_falls_back_to_the_cover_then_the_site_default(site, client):
    article = ArticlePage.objects.get(slug="hair-loss-science-1")
    assert article.share_image_id is None

    article_image = _meta(client.get(article.url).content.decode(), "og:image")[0]
    landing_image = _meta(client.get("/lp/hair-loss/").content.decode(), "og:image")[0]

    cover_file = article.cover.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    assert f"/{cover_file}." in article_image
    assert ".fill-1200x630" in article_image
    assert landing_image == f"{BASE}/static/img/share-default.png"


def test_landing_page_and_doctors_index_describe_themselves(site, client):
    landing = LandingPage.objects.get(slug="hair-loss")
    index = DoctorIndexPage.objects.get()

    landing_html = client.get("/lp/hair-loss/").content.decode()
    index_html = client.get("/doctors/").content.decode()

    assert _meta(landing_html, "og:title") == [landing.title]
    assert _meta(landing_html, "og:description") == [landing.search_description]
    assert _meta(index_html, "og:title") == ["医生团队"]
    assert _meta(index_html, "og:description") == [index.meta_description()]
    assert index.meta_description() != ""


def test_sitemap_lists_pages_that_answer_200_and_the_package_pages(site, client):
    xml = client.get("/sitemap.xml").content
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    # our own response, not untrusted input
    tree = ElementTree.fromstring(xml)  # noqa: S314
    locations = [loc.text for loc in tree.findall("s:url/s:loc", ns)]

    assert all(location.startswith(f"{BASE}/") for location in locations)
    assert f"{BASE}/lp/" not in locations  # the folder redirects home
    assert f"{BASE}/packages/hair-loss-3m/" in locations
    # one comparison page per specialty with packages (issue 17)
    compare = sorted(x for x in locations if "/packages/compare/" in x)
    assert compare == [
        f"{BASE}/packages/compare/{slug}/" for slug in ("diabetes", "hair-loss", "insomnia")
    ]
    for location in locations:
        assert client.get(location.removeprefix(BASE)).status_code == 200, location


def test_robots_names_the_sitemap_on_the_base_url(site, client):
    assert f"Sitemap: {BASE}/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_article_json_ld_names_the_condition(site, client):
    html = client.get("/hair-loss/hair-loss-science-1/").content.decode()

    assert _graph(html)[0]["about"] == {"@type": "MedicalCondition", "name": "脱发"}


@pytest.mark.parametrize("site_name", ["", "京华皮肤科"])
def test_hub_json_ld_names_the_page_without_the_site_name(site, client, site_name):
    """The hub's SEO title ends with the site's name for Baidu (「脱发的原因…｜引流健康」):
    the structured data names the page, not its <title> (a crawler read 「…｜引流健康」 as
    the page's name)."""
    site.site_name = site_name
    site.save()
    hub = SpecialtyPage.objects.get(slug="hair-loss")
    hub.seo_title = f"脱发的原因、评估与日常管理｜{site_name or '引流健康'}"
    hub.save_revision().publish()

    main = _graph(client.get("/hair-loss/").content.decode())[0]

    assert main["@type"] == "MedicalWebPage"
    assert main["name"] == "脱发的原因、评估与日常管理"
    assert main["about"] == {"@type": "MedicalCondition", "name": "脱发"}


def test_the_demo_video_plays_from_its_content_url(site, client):
    # given a seeded video page
    page = VideoPage.objects.get(slug="hair-loss-video-1")
    html = client.get(page.url).content.decode()
    video = _graph(html)[0]

    # when its contentUrl is fetched
    assert video["contentUrl"].startswith(f"{BASE}/documents/")
    response = client.get(video["contentUrl"].removeprefix(BASE))

    # then it is a real MP4 (an ISO media file: "ftyp" box first), with a poster on the page
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert body[4:8] == b"ftyp"
    assert 1_000 < len(body) < 200_000
    assert video["duration"] == "PT0M4S"
    assert video["thumbnailUrl"].startswith(f"{BASE}/")
    assert re.search(r'<video [^>]*poster="[^"]+"', html)


def test_a_video_whose_cover_file_is_lost_still_serves(site, client):
    """Twenty-first verification C: the cover's file gone from storage (a lost volume, a
    restore without media) was a 500 from the JSON-LD's thumbnail; the page serves without
    a thumbnailUrl, the rest of its data as before."""
    page = VideoPage.objects.get(slug="hair-loss-video-1")
    cover = page.cover
    # the file lost: the row names a file storage does not hold (rolled back with the test;
    # the seeded file itself stays for the module's other tests)
    cover.renditions.all().delete()
    type(cover).objects.filter(pk=cover.pk).update(file="original_images/lost-cover.jpg")
    assert not cover.file.storage.exists("original_images/lost-cover.jpg")

    response = client.get(page.url)

    assert response.status_code == 200
    video = _graph(response.content.decode())[0]
    assert "thumbnailUrl" not in video
    assert video["contentUrl"].startswith(f"{BASE}/documents/")


def _noindex_paths() -> list[str]:
    from funnel.models import Lead
    from landing.models import CarePlan
    from landing.services.careplan import careplan_link_token

    lead = Lead.objects.create(phone_hash="h1", phone="+8613800000001")
    plan = CarePlan.objects.create(lead=lead, title="脱发3个月管理计划")
    return ["/search/?q=脱发", f"/h5/plan/{careplan_link_token(plan_id=plan.pk)}/"]


def test_every_public_page_type_is_walked_for_its_head(site, client):
    # every public page type: indexable ones carry a share card and a canonical on the base
    # URL, per-visitor/per-query ones say noindex and offer nothing to share
    for path in PAGE_PATHS:
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert 'name="robots" content="noindex"' not in html, path
        (title,) = _meta(html, "og:title")
        (description,) = _meta(html, "og:description")
        assert title, path
        assert description, path
    for path in _noindex_paths():
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert '<meta name="robots" content="noindex">' in html, path
        assert 'rel="canonical"' not in html, path
        assert _meta(html, "og:title") == [], path


def test_package_page_shares_its_name_summary_and_an_image(site, client):
    from funnel.models import ServicePackage

    package = ServicePackage.objects.get(slug="hair-loss-3m")
    html = client.get("/packages/hair-loss-3m/").content.decode()

    assert _meta(html, "og:title") == [package.name]
    assert _meta(html, "og:description") == [package.summary]
    assert re.findall(r'<meta name="description" content="([^"]*)">', html) == [package.summary]
    (image,) = _meta(html, "og:image")
    assert image.startswith(f"{BASE}/")
    assert image.endswith(".png")  # the site's share image


def test_each_page_type_says_what_it_is_to_a_share_card(site, client):
    """Review of issue 17: the home page, hubs and the doctor team said og:type article."""
    expected = {
        "/": "website",
        "/hair-loss/": "website",
        "/doctors/": "website",
        "/hair-loss/hair-loss-science-1/": "article",
    }
    for path, kind in expected.items():
        html = client.get(path).content.decode()
        assert _meta(html, "og:type") == [kind], path


# --- the clinic's name from the admin (review of issue 17, round 2, L4) --------------------
def _brand(html: str) -> list[str]:
    return re.findall(r'<a href="/" class="brand">([^<]*)</a>', html)


def test_the_header_titles_and_share_cards_name_the_site_the_admin_sets(site, client):
    # given a clinic that names its site in the admin (设置 → 站点 → 站点名称)
    site.site_name = "安心皮肤诊所"
    site.save()

    for path in [*PAGE_PATHS, "/search/?q=脱发", "/search/", "/no-such-page/"]:
        html = client.get(path).content.decode()
        # then every public page's header and title carry it, and share cards name it
        assert _brand(html) == ["安心皮肤诊所"], path
        assert "安心皮肤诊所" in _title(html), path
        # and no seeded SEO title still carries the demo's own name (twenty-first
        # verification C: 「…｜引流健康 | 安心皮肤诊所」)
        assert "引流健康" not in _title(html), (path, _title(html))
        # (the package pages write their own share card: templates/landing, not base.html)
        if path in PAGE_PATHS and not path.startswith("/packages/"):
            assert _meta(html, "og:site_name") == ["安心皮肤诊所"], path
    assert _title(client.get("/doctors/").content.decode()) == "医生团队 | 安心皮肤诊所"
    assert _title(client.get("/search/?q=脱发").content.decode()) == "搜索：脱发 | 安心皮肤诊所"
    assert (
        _title(client.get("/packages/compare/hair-loss/").content.decode())
        == "脱发服务包对比 | 安心皮肤诊所"
    )


def test_a_site_without_a_name_is_called_by_the_default(site, client):
    site.site_name = ""
    site.save()

    html = client.get("/doctors/").content.decode()

    assert _brand(html) == ["引流健康"]
    assert _title(html) == "医生团队 | 引流健康"


# --- a paginated hub names each page as itself (review of issue 17, round 2, L5) -----------
def _canonical(html: str) -> list[str]:
    return re.findall(r'<link rel="canonical" href="([^"]*)">', html)


@pytest.fixture
def long_hub(site):
    """The hair-loss hub with 26 items: 20 more science articles, three pages of 10."""
    from cms.models import ArticlePage, SpecialtyPage

    hub = SpecialtyPage.objects.get(slug="hair-loss")
    for n in range(20):
        article = ArticlePage(
            title=f"头发护理小知识第{n + 1}篇",
            slug=f"care-{n + 1}",
            layer="science",
            summary="洗发频率因人而异，头皮出油多可以适当增加清洗次数。",
        )
        hub.add_child(instance=article)
        article.save_revision().publish()
    return hub


# out of range shows the last page, junk the first: the canonical names what is shown; a
# filtered list pages on its own
CANONICAL_CASES = [
    ("", "/hair-loss/"),
    ("?p=1", "/hair-loss/"),
    ("?p=2", "/hair-loss/?p=2"),
    ("?p=3", "/hair-loss/?p=3"),
    # out of range shows the last page, junk the first: the canonical names what is shown
    ("?p=4", "/hair-loss/?p=3"),
    ("?p=99999999999999999999", "/hair-loss/?p=3"),
    ("?p=0", "/hair-loss/?p=3"),
    ("?p=-1", "/hair-loss/?p=3"),
    ("?p=abc", "/hair-loss/"),
    ("?p=1.5", "/hair-loss/"),
    ("?p=2abc", "/hair-loss/"),
    ("?p=", "/hair-loss/"),
    ("?p=%00", "/hair-loss/"),
    ("?p=2&p=3", "/hair-loss/?p=3"),
    # a filtered list pages on its own
    ("?layer=science", "/hair-loss/?layer=science"),
    ("?layer=science&p=2", "/hair-loss/?layer=science&p=2"),
    ("?layer=science&p=9", "/hair-loss/?layer=science&p=3"),
    # a layer the hub does not filter on lists everything (the hub has no 转化 tab)
    ("?layer=nonsense&p=2", "/hair-loss/?p=2"),
    ("?layer=conversion&p=2", "/hair-loss/?p=2"),
    ("?layer=conversion", "/hair-loss/"),
]


def test_each_page_of_a_paginated_hub_is_its_own_canonical(long_hub, client):
    from html import unescape

    for query, canonical in CANONICAL_CASES:
        response = client.get(f"/hair-loss/{query}")

        html = response.content.decode()
        assert response.status_code == 200, query
        assert [unescape(h) for h in _canonical(html)] == [BASE + canonical], query
        assert [unescape(h) for h in _meta(html, "og:url")] == [BASE + canonical], query
        shown = response.context["page_obj"]
        assert shown.number <= shown.paginator.num_pages, query


def test_the_pager_links_keep_the_filter_and_link_page_one_without_a_number(long_hub, client):
    second = client.get("/hair-loss/?layer=science&p=2").content.decode()
    first = client.get("/hair-loss/?p=2").content.decode()

    assert '<a href="?layer=science" rel="prev">上一页</a>' in second
    assert '<a href="?layer=science&amp;p=3" rel="next">下一页</a>' in second
    assert '<a href="?" rel="prev">上一页</a>' in first


# --- the footer says what the page is (review of issue 17, round 2, L8) --------------------
def _footer(html: str) -> str:
    return re.search(r'<footer class="site-footer"><p>(.*?)</p></footer>', html, re.S).group(1)


AD_FOOTER = "本页为医疗服务广告。诊疗方案因人而异，以医生面诊为准；如有不适请及时就医。"
SCIENCE_FOOTER = "本站内容仅供健康科普参考，不能替代医生面诊。如有不适请及时就医。"


def test_an_ad_page_does_not_call_itself_science_in_its_footer(site, client):
    # the ads: every landing page, a 转化 article, the service-package pages
    ads = [
        "/lp/hair-loss/",
        "/lp/insomnia/",
        "/lp/diabetes/",
        "/hair-loss/hair-loss-conversion-4/",
        "/packages/hair-loss-3m/",
        "/packages/compare/hair-loss/",
    ]
    science = [
        "/",
        "/hair-loss/",
        "/hair-loss/hair-loss-science-1/",
        "/hair-loss/hair-loss-video-1/",
        "/hair-loss/hair-loss-story-1/",
        "/doctors/",
        "/doctors/hair-loss-doctor-1/",
        "/search/?q=脱发",
    ]

    for path in ads:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _footer(response.content.decode()) == AD_FOOTER, path
    for path in science:
        assert _footer(client.get(path).content.decode()) == SCIENCE_FOOTER, path


def test_an_alias_points_crawlers_at_its_original(site, client):
    """A 科普 article aliased under another hub serves the same content at a second address:
    its canonical, og:url and JSON-LD url name the original, the sitemap lists only the
    original, and the site search finds the article once (at the original)."""
    from cms.models import SpecialtyPage
    from cms.selectors import pages_search

    original = ArticlePage.objects.get(url_path__endswith="/hair-loss/hair-loss-science-1/")
    other_hub = SpecialtyPage.objects.live().exclude(pk=original.get_parent().pk).first()
    alias = original.create_alias(parent=other_hub, update_slug="hair-loss-science-1-alias")
    alias_path = alias.url_path.removeprefix("/home")

    html = client.get(alias_path).content.decode()
    assert _canonical(html) == [f"{BASE}/hair-loss/hair-loss-science-1/"]
    assert _meta(html, "og:url") == [f"{BASE}/hair-loss/hair-loss-science-1/"]
    kinds = ("Article", "MedicalWebPage")
    article = next(item for item in _graph(html) if item.get("@type") in kinds)
    assert article["url"] == f"{BASE}/hair-loss/hair-loss-science-1/"
    # the original still names itself
    assert _canonical(client.get("/hair-loss/hair-loss-science-1/").content.decode()) == [
        f"{BASE}/hair-loss/hair-loss-science-1/"
    ]

    xml = client.get("/sitemap.xml").content.decode()
    assert f"{BASE}/hair-loss/hair-loss-science-1/" in xml
    assert "hair-loss-science-1-alias" not in xml

    found = pages_search(query=original.title)
    assert [p.pk for p in found].count(original.pk) == 1
    assert alias.pk not in [p.pk for p in found]


def test_an_aliass_structured_data_describes_its_original(site, client):
    """The alias of the 脱发 article under another hub: its JSON-LD condition and breadcrumbs
    are the original's (脱发, 首页 › 脱发 hub › article), as its canonical is; the original
    is unchanged."""
    from cms.models import SpecialtyPage

    original = ArticlePage.objects.get(url_path__endswith="/hair-loss/hair-loss-science-1/")
    hair_hub = original.get_parent().specific
    other_hub = SpecialtyPage.objects.live().exclude(pk=hair_hub.pk).first()
    alias = original.create_alias(parent=other_hub, update_slug="hair-loss-science-1-alias")

    def structured(path: str) -> tuple[str, list[str]]:
        graph = _graph(client.get(path).content.decode())
        article = next(item for item in graph if item.get("@type") == "MedicalWebPage")
        crumbs = next(item for item in graph if item.get("@type") == "BreadcrumbList")
        return article["about"]["name"], [c["item"] for c in crumbs["itemListElement"]]

    trail = [f"{BASE}/", f"{BASE}/hair-loss/", f"{BASE}/hair-loss/hair-loss-science-1/"]
    assert other_hub.specialty.name != hair_hub.specialty.name
    assert structured(alias.url_path.removeprefix("/home")) == (hair_hub.specialty.name, trail)
    assert structured("/hair-loss/hair-loss-science-1/") == (hair_hub.specialty.name, trail)


def test_every_breadcrumb_a_page_names_answers_200_without_a_redirect(site, client):
    """Nineteenth verification C-F4: a landing page's BreadcrumbList named the folder /lp/,
    which only redirects home. Every page type's trail is walked."""
    walked = 0
    for path in PAGE_PATHS:
        blocks = LD.findall(client.get(path).content.decode())
        graph = json.loads(blocks[0]) if blocks else []
        trails = [item for item in graph if item.get("@type") == "BreadcrumbList"]
        for crumb in (c for trail in trails for c in trail["itemListElement"]):
            walked += 1
            shown = crumb["item"].removeprefix(BASE) or "/"
            assert client.get(shown).status_code == 200, (path, shown)
    assert walked >= 10


def test_a_description_from_the_body_keeps_its_blocks_apart(site, client):
    """Twentieth verification C: the fallback description was `strip_tags` of the body, so a
    story's card read 「…做三件事早上测空腹血糖晚饭后散步…」."""
    from cms.models import PatientStoryPage

    story = PatientStoryPage.objects.live().get(slug="hair-loss-story-1")
    story.search_description = ""
    story.body = (
        "<h2>我的三件事</h2><p>我现在每天做三件事</p>"
        "<ul><li>早上测空腹血糖</li><li>晚饭后散步</li></ul><p>个体情况不同。</p><p>遵医嘱</p>"
    )
    story.save_revision().publish()

    html = client.get(story.url).content.decode()

    expected = "我的三件事 我现在每天做三件事 早上测空腹血糖 晚饭后散步 个体情况不同。遵医嘱"
    assert _meta(html, "og:description") == [expected]
    assert re.findall(r'<meta name="description" content="([^"]*)">', html) == [expected]


def test_an_articles_headline_and_card_drop_the_site_name_however_it_was_typed(site, client):
    """Twentieth verification C: 「冬季睡眠 丨 引流健康」 (丨 U+4E28) kept its bar in the title and
    the card, and the JSON-LD headline kept the site name."""
    article = ArticlePage.objects.live().get(slug="hair-loss-science-1")
    article.seo_title = "冬季睡眠 丨 引流健康 | 引流健康"
    article.save_revision().publish()

    html = client.get(article.url).content.decode()

    assert _title(html) == "冬季睡眠 | 引流健康"
    assert _meta(html, "og:title") == ["冬季睡眠"]
    (main,) = [node for node in _graph(html) if node.get("@type") == "MedicalWebPage"]
    assert main["headline"] == "冬季睡眠"
