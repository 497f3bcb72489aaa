"""Issue 17: the cost of reading a 科普 page's links. Each distinct link is read once per
check (fields and served page alike), the own-site paths of all the links are routed in a
few queries instead of several per link, with the same answers as routing each alone
(pages, drafts, aliases, redirects, encoded and case-changed paths, /lp/ and /packages/);
a page with more distinct links than the check reads in a request is refused with a form
error, and its check blocks publication without reading any link."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.contrib.redirects.models import Redirect

from cms import errors
from cms.compliance import check_page
from cms.compliance.gate import CompliancePublishBlocked
from cms.compliance.page import LINKS_FIELD, MAX_PAGE_LINKS, check_link_budget
from cms.links import link_kind, link_reading_scope, prime_links, resolved_target
from cms.models import ArticlePage, SpecialtyPage
from config.errors import ApplicationError
from tests.cms.compliance_support import article_edit_post, draft, editor, hub

pytestmark = pytest.mark.django_db

LEAD_CAPTURE = {"landing", "package", "ad_page", "address", "shop", "short", "redirects"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _article(parent, slug: str, *, layer: str = "science", live: bool = True) -> ArticlePage:
    page = ArticlePage(title=f"文章{slug}", slug=slug, layer=layer, live=live)
    parent.add_child(instance=page)
    return page


@pytest.fixture
def site_links() -> list[str]:
    """Hrefs of every kind an own-site path can be, and some of other sites."""
    insomnia = hub()
    for i in range(12):
        _article(insomnia, f"a-{i}")
    ad = _article(insomnia, "consult", layer="conversion")
    _article(insomnia, "not-yet", live=False)
    other = hub("hair-loss", "脱发")
    ad.create_alias(parent=other, update_slug="consult-copy")
    Redirect.objects.create(old_path="/old-consult", redirect_page=ad)
    Redirect.objects.create(old_path="/old-lp", redirect_link="/lp/insomnia/")
    Redirect.objects.create(old_path="/old-query?x=1", redirect_link="https://t.cn/abc")
    Redirect.objects.create(old_path="/old-science", redirect_link="/insomnia/a-1/")
    return [
        *(f"/insomnia/a-{i}/" for i in range(12)),
        "/insomnia/consult/",
        "/insomnia/consult",  # APPEND_SLASH's reading
        "/hair-loss/consult-copy/",  # an alias of the 转化 article
        "/insomnia/not-yet/",  # a draft answers 404
        "/Insomnia/a-1/",  # routing is case-sensitive
        "/insomnia/%61-2/",  # encoded: /insomnia/a-2/
        "/insomnia/./a-3/",
        "/insomnia/",
        "/hair-loss/",
        "/",
        "/old-consult",
        "/old-lp",
        "/old-query?x=1",
        "/old-query",
        "/old-science",
        "/nowhere/at/all/",
        "/lp/insomnia/",
        "/packages/sleep/",
        "https://www.who.int/health-topics/sleep",
        "https://t.cn/abc",
    ]


def test_links_routed_together_read_as_each_routed_alone(site_links) -> None:
    # given each link read alone (its own routes and redirect look-ups)
    alone = [(link_kind(href), resolved_target(href)) for href in site_links]

    # when they are read in one scope, routed together first
    with link_reading_scope():
        prime_links(site_links)
        together = [(link_kind(href), resolved_target(href)) for href in site_links]

    # then every one reads the same
    assert together == alone
    kinds = dict(zip(site_links, (kind for kind, _ in alone), strict=True))
    assert kinds["/insomnia/consult/"] == "ad_page"
    assert kinds["/hair-loss/consult-copy/"] == "ad_page"
    assert kinds["/old-consult"] == "ad_page"
    assert kinds["/old-lp"] == "landing"
    assert kinds["/old-query?x=1"] == "short"
    assert kinds["/insomnia/a-1/"] == kinds["/insomnia/not-yet/"] == ""


def test_links_once_routed_cost_no_query_each(site_links) -> None:
    link_kind("/")  # the cached site list read (`cms.sites`)
    with link_reading_scope():
        with CaptureQueriesContext(connection) as priming:
            prime_links(site_links)
        with CaptureQueriesContext(connection) as reading:
            for href in site_links:
                link_kind(href)

    # pages by url_path, their specific rows (one a kind: article, alias), the redirects
    assert len(priming) <= 5
    # what is left is the redirect chains: /old-science → /insomnia/a-1/ (primed already),
    # /old-lp → /lp/… (no query); only the chain's own page row costs a query
    assert len(reading) <= 3


def test_a_scope_keeps_nothing_after_the_check() -> None:
    # given a 科普 page linking a path no page or redirect answers yet
    page = _science([("看看", "/va-later")])
    assert _link_findings(page) == []

    # when a redirect from it to a landing page is added afterwards
    Redirect.objects.create(old_path="/va-later", redirect_link="/lp/insomnia/")

    # then the next check follows it
    assert _link_findings(page) == [("body[0].paragraph", "链接「看看」（/va-later）")]


def _science(links: list[tuple[str, str]], slug: str = "sleep") -> ArticlePage:
    anchors = "、".join(f'<a href="{href}">{text}</a>' for text, href in links)
    body = [{"type": "paragraph", "value": f"<p>参考：{anchors}</p>"}]
    parent = SpecialtyPage.objects.filter(slug="insomnia").first() or hub()
    return draft(parent, ArticlePage(title="睡眠卫生", slug=slug, layer="science", body=body))


def _link_findings(page) -> list[tuple[str, str]]:
    return [
        (f.field, f.text)
        for f in check_page(page, rendered=False).findings
        if f.text.startswith("链接「")
    ]


def test_many_distinct_links_are_checked_in_a_bounded_number_of_queries(
    site_links, django_assert_max_num_queries
) -> None:
    # given a 科普 page with a few links and one with a hundred and fifty more
    external = [f"https://www.who.int/sleep/{i}" for i in range(60)]
    own = [f"/insomnia/a-{i % 12}/?ref={i}" for i in range(40)]
    missing = [f"/nowhere-{i}/" for i in range(50)]
    many = [*site_links, *external, *own, *missing]
    few_page = _science([(f"文{i}", href) for i, href in enumerate(site_links[:10])], "few")
    many_page = _science([(f"文{i}", href) for i, href in enumerate(many)], "many")
    assert len(set(many)) > 150
    with CaptureQueriesContext(connection) as few:
        check_page(few_page)

    # when the long one is checked, fields and served page
    with django_assert_max_num_queries(len(few) + 6):
        report = check_page(many_page)

    # then its link findings are those of each link read alone, and nothing else
    expected = {
        f"链接「文{i}」（{href}）" for i, href in enumerate(many) if link_kind(href) in LEAD_CAPTURE
    }
    field = {f.text for f in report.findings if f.field == "body[0].paragraph"}
    assert field == expected
    assert {"链接「文12」（/insomnia/consult/）", "链接「文24」（/old-query?x=1）"} <= field


def test_a_page_over_the_link_bound_is_refused_without_reading_a_link(
    django_assert_max_num_queries,
) -> None:
    # given a 科普 page with one distinct link more than the bound
    links = [(f"文{i}", f"/nowhere-{i}/") for i in range(MAX_PAGE_LINKS + 1)]
    page = _science(links)

    # when it is checked: a handful of queries (the page's own texts), no link read
    with django_assert_max_num_queries(8):
        report = check_page(page)

    # then one blocking finding says why, and the gate refuses to publish it
    assert [(f.field, f.blocking) for f in report.findings] == [(LINKS_FIELD, True)]
    assert f"最多 {MAX_PAGE_LINKS} 个" in report.findings[0].message
    with pytest.raises(ApplicationError) as refused:
        check_link_budget(page)
    assert refused.value.code == errors.TOO_MANY_LINKS
    assert refused.value.status == 400
    assert refused.value.extra == {"links": MAX_PAGE_LINKS + 1, "limit": MAX_PAGE_LINKS}
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()
    page.refresh_from_db()
    assert page.live is False


def test_a_page_at_the_bound_is_read_link_by_link() -> None:
    # given a 科普 page with exactly the bound of distinct links, one a short link
    links = [(f"文{i}", f"https://www.who.int/sleep/{i}") for i in range(MAX_PAGE_LINKS - 1)]
    page = _science([*links, ("短", "https://t.cn/abc")])

    check_link_budget(page)  # not refused
    assert [f.field for f in check_page(page, rendered=False).findings] == ["body[0].paragraph"]


def test_the_bound_holds_for_science_pages_only() -> None:
    # a 转化 article's links are not read by its check (it is an ad, under a certificate)
    links = "".join(f'<a href="/nowhere-{i}/">文{i}</a>' for i in range(MAX_PAGE_LINKS + 1))
    page = draft(
        hub(),
        ArticlePage(
            title="咨询",
            slug="ad",
            layer="conversion",
            body=[{"type": "paragraph", "value": f"<p>{links}</p>"}],
        ),
    )

    check_link_budget(page)  # not refused
    assert LINKS_FIELD not in {f.field for f in check_page(page).findings}


def _post_science(client, page, links: list[str]):
    anchors = "".join(f'<a href="{href}">文{i}</a> ' for i, href in enumerate(links))
    return article_edit_post(client, page, f"<p>{anchors}</p>")


def test_saving_a_draft_over_the_link_bound_is_refused_with_a_form_error(client) -> None:
    page = _science([("参考", "https://www.who.int/")])
    client.force_login(editor())
    over = [f"https://www.who.int/sleep/{i}" for i in range(MAX_PAGE_LINKS + 1)]

    # when the editor saves a draft with one link too many
    response = _post_science(client, page, over)

    # then the form comes back with the reason, and nothing is saved
    assert response.status_code == 200
    html = response.content.decode()
    assert f"本页正文共有 {MAX_PAGE_LINKS + 1} 个不同的链接" in html
    assert page.revisions.count() == 0

    # and within the bound the same save works
    response = _post_science(client, page, over[:MAX_PAGE_LINKS])
    assert response.status_code == 302
    assert page.revisions.count() == 1


def test_the_editor_opens_a_page_over_the_bound_and_says_why(client) -> None:
    # given a page that holds too many links already (written before the bound, or in code)
    links = [(f"文{i}", f"/nowhere-{i}/") for i in range(MAX_PAGE_LINKS + 1)]
    page = _science(links)
    client.force_login(editor())

    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))

    assert response.status_code == 200
    assert f"最多 {MAX_PAGE_LINKS} 个" in response.content.decode()
