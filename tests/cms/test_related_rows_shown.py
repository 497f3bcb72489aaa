"""What a live page shows of the rows it chooses (a reviewing doctor, a doctor card, a
package card) is what was published: a row that is not live holds an unreviewed draft
(Wagtail saves a non-live page's or snippet's edits on its row), and a package past its
certificate or 下架 is not offered (round 13 verification, F1, F2, F3, F7, F8)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from wagtail.models import Page

from cms.compliance.gate import today
from cms.models import ArticlePage, DoctorIndexPage, DoctorPage, HomePage
from landing.selectors import package_offer
from tests.cms.compliance_support import hub, rich
from tests.funnel.factories import PackageFactory

pytestmark = pytest.mark.django_db


def _doctor(*, live: bool) -> DoctorPage:
    team = HomePage.objects.get().add_child(
        instance=DoctorIndexPage(title="医生团队", slug="doctors")
    )
    doctor = DoctorPage(
        title="吴医生",
        slug="wu",
        rank="主治医师",
        hospital="引流健康门诊部",
        licence_number="110101199001011",
        live=live,
    )
    return team.add_child(instance=doctor)


def _article(parent, *, layer: str, body: list, **kwargs) -> ArticlePage:
    page = ArticlePage(title="头皮屑与皮炎", slug="dandruff", layer=layer, body=body, **kwargs)
    return parent.add_child(instance=page)  # live: set up directly, the gate is not under test


def _served(page: Page) -> str:
    response = Client().get(page.url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_doctor_page_not_live_is_not_shown_nor_its_draft() -> None:
    # given a live 科普 article naming a doctor whose page was never published
    doctor = _doctor(live=False)
    article = _article(
        hub(),
        layer="science",
        body=[
            {"type": "paragraph", "value": rich("规律洗头、减少熬夜有助于改善。")},
            {"type": "doctor_card", "value": {"doctor": doctor.pk}},
        ],
        reviewer=doctor,
    )

    # when an editor saves a draft of the doctor page (Wagtail writes it on the row)
    doctor.title = "吴医生（加微信hair2024预约）"
    doctor.rank = "主任医师·治愈率98%"
    doctor.save_revision()
    doctor.save()

    # then the article shows neither the draft nor a link to a page that answers 404
    html = _served(article)
    assert "hair2024" not in html
    assert "治愈率" not in html
    assert "/doctors/wu/" not in html
    assert "审核医生" not in html


def test_a_live_doctor_page_is_shown_as_published() -> None:
    doctor = _doctor(live=True)
    article = _article(
        hub(),
        layer="science",
        body=[{"type": "doctor_card", "value": {"doctor": doctor.pk}}],
        reviewer=doctor,
    )

    html = _served(article)

    assert "审核医生：" in html
    assert html.count('href="/doctors/wu/"') == 2  # the byline and the card
    assert "主治医师 · 引流健康门诊部" in html


@pytest.mark.parametrize(
    "state",
    [
        {"live": False},  # never published: the row holds the draft
        {"is_active": False},  # 下架
        {"ad_review_valid_until": "yesterday"},  # past its certificate
    ],
)
def test_a_package_not_on_sale_is_not_shown_on_an_article_or_offered(state) -> None:
    fields = {"live": True, "is_active": True, "ad_review_valid_until": today()}
    if state.get("ad_review_valid_until") == "yesterday":
        state = {"ad_review_valid_until": today() - datetime.timedelta(days=1)}
    package = PackageFactory(name="头皮检测套餐 保证治愈", **{**fields, **state})
    article = _article(
        hub(),
        layer="conversion",
        body=[{"type": "package_cta", "value": {"package": package.pk, "text": "了解服务包"}}],
    )

    html = _served(article)

    assert "保证治愈" not in html
    assert f"/packages/{package.slug}/" not in html
    assert package_offer(package=package) == {}


def test_a_package_on_sale_is_shown_on_a_conversion_article_and_offered() -> None:
    package = PackageFactory(live=True, is_active=True, ad_review_valid_until=today())
    article = _article(
        hub(),
        layer="conversion",
        body=[{"type": "package_cta", "value": {"package": package.pk, "text": "了解服务包"}}],
    )

    html = _served(article)

    assert package.name in html
    assert package_offer(package=package)["package"] == package


def test_a_redirect_from_a_chosen_page_s_path_rechecks_the_pages_choosing_it(monkeypatch):
    """F3: a redirect added from the path of a page that articles choose (the reviewer, a
    doctor card) re-judges those articles, whose template links the page: no stored href
    holds that link, the reference index does."""
    from wagtail.contrib.redirects.models import Redirect

    from cms.services import science_recheck

    doctor = _doctor(live=True)
    article = _article(hub(), layer="science", body=[], reviewer=doctor)
    article.save()  # the reference index records the reviewer link
    judged: list[set[int]] = []
    monkeypatch.setattr(
        science_recheck, "science_pages_recheck", lambda ids=None: judged.append(set(ids)) or []
    )

    science_recheck.science_links_recheck(paths=["/doctors/wu/"])
    assert judged == [{article.pk}]
    assert science_recheck._pages_at({"/doctors/wu"}) == {doctor.pk}
    assert science_recheck._pages_at({"/doctors/nobody"}) == set()
    assert Redirect.objects.count() == 0
