"""A page's canonical URL is served as <link rel=canonical> and og:url: it must be an address
on this site that leads to no lead capture or contact (second verification of issue 17's
review: a WeCom 获客链接 published as a doctor page's canonical)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cms.models import ArticlePage
from tests.cms.compliance_support import hub

pytestmark = pytest.mark.django_db

# {root}: the site's root URL, {host}: its host name
REFUSED = [
    "https://work.weixin.qq.com/ca/cawcde123",
    "https://bit.ly/abc",
    "https://weixin.qq.com/r/abcdef",
    "ftp://{host}/x/",
    "{root}/lp/hair-loss/",
    "{root}/packages/hair-loss-3m/",
    "{root}/r/ABC123/",
    # (fourth verification F12) a file of ours, directly or carried by a jump page, and a
    # WeCom customer-group link
    "{root}/documents/7/sleep-handbook.pdf",
    "{root}/media/original_images/qr.png",
    "https://link.zhihu.com/?target={root}/documents/7/sleep-handbook.pdf",
    "https://work.weixin.qq.com/gm/3a7f9c2e1b",
]


def _ours(template: str) -> str:
    from urllib.parse import urlsplit

    from wagtail.models import Site

    root = Site.objects.get(is_default_site=True).root_url
    return template.format(root=root, host=urlsplit(root).hostname)


def _article(parent, canonical: str) -> ArticlePage:
    page = ArticlePage(title="睡眠卫生十条", slug="hygiene", layer="science")
    parent.add_child(instance=page)
    # stored around the form's check, as a script or an older row would have it
    ArticlePage.objects.filter(pk=page.pk).update(canonical_url=canonical)
    return ArticlePage.objects.get(pk=page.pk)


@pytest.mark.parametrize("url", REFUSED)
def test_a_canonical_to_lead_capture_a_contact_or_not_the_web_is_refused(url) -> None:
    hub()
    page = ArticlePage(
        title="睡眠卫生十条", slug="hygiene", layer="science", canonical_url=_ours(url)
    )
    with pytest.raises(ValidationError) as refused:
        page.clean()
    assert "canonical_url" in refused.value.message_dict


def test_an_own_canonical_is_kept() -> None:
    hub()
    page = ArticlePage(
        title="睡眠卫生十条",
        slug="hygiene",
        layer="science",
        canonical_url=_ours("{root}/insomnia/"),
    )
    page.clean()


def test_a_stored_bad_canonical_is_not_served(client) -> None:
    # given a page whose canonical was stored before the check (a script, an old row)
    parent = hub()
    page = _article(parent, "https://work.weixin.qq.com/ca/cawcde123")
    ArticlePage.objects.filter(pk=page.pk).update(live=True)

    html = client.get(page.url).content.decode()

    assert "work.weixin.qq.com" not in html


def test_a_canonical_on_another_sites_file_or_page_is_kept() -> None:
    """A clinic may name its main domain; only our own files are refused (a canonical names
    a page, and the gate scans our files on the page, not in the canonical)."""
    hub()
    ArticlePage(
        title="睡眠卫生十条",
        slug="hygiene",
        layer="science",
        canonical_url="https://www.example-clinic.cn/sleep/hygiene/",
    ).clean()


@pytest.mark.parametrize("where", ["missing", "search", "draft", "private", "renamed"])
def test_an_own_canonical_must_be_a_live_public_page(where: str) -> None:
    """Twenty-first verification C: a canonical on this site naming a 404, a draft, a
    password-protected page, an old slug that now redirects or the search page was served
    as <link rel=canonical>; a crawler told to index that drops the page."""
    from wagtail.models import PageViewRestriction

    parent = hub()
    other = ArticlePage(title="熬夜与脱发", slug="late", layer="science")
    parent.add_child(instance=other)
    path = {"missing": "/no-such-page/", "search": "/search/?q=x"}.get(where, "/insomnia/late/")
    if where == "draft":
        ArticlePage.objects.filter(pk=other.pk).update(live=False)
    elif where == "private":
        PageViewRestriction.objects.create(
            page=other, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
    elif where == "renamed":
        other.slug = "late-night"
        other.save()
    page = ArticlePage(
        title="睡眠卫生十条",
        slug="hygiene",
        layer="science",
        canonical_url=_ours("{root}" + path),
    )

    with pytest.raises(ValidationError) as refused:
        page.clean()
    assert "已发布" in " ".join(refused.value.message_dict["canonical_url"])


def test_an_own_canonical_to_a_live_article_is_kept() -> None:
    parent = hub()
    parent.add_child(instance=ArticlePage(title="熬夜与脱发", slug="late", layer="science"))

    ArticlePage(
        title="睡眠卫生十条",
        slug="hygiene",
        layer="science",
        canonical_url=_ours("{root}/insomnia/late/"),
    ).clean()
