"""A certificate approves the rows an ad chooses and shows, not only its text
(`cms.compliance.page._shown_choices`): a landing page's service package and specialty, a
转化 article's 审核医生 (seventeenth session: the package chooser changed on a certified page
and it republished on the old certificate, offering another specialty's package at another
price)."""

from __future__ import annotations

import pytest

from cms.compliance.gate import CompliancePublishBlocked
from cms.seed import publish_ad_page
from landing.models import LandingPage
from tests.funnel.factories import PackageFactory, SpecialtyFactory

pytestmark = pytest.mark.django_db


def _publish(page: LandingPage) -> None:
    page.save_revision().publish()


@pytest.mark.parametrize("field", ["package", "specialty"])
def test_another_package_or_specialty_needs_the_reviewer_again(client, landing, field) -> None:
    page = LandingPage.objects.get(pk=landing.page.pk)
    other = SpecialtyFactory(slug="insomnia", name="失眠")
    if field == "package":
        page.package = PackageFactory(specialty=other, slug="sleep-1m", name="失眠1个月套餐")
    else:
        page.specialty = other

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish(page)

    assert refused.value.decision.reason == "content_changed"
    live = LandingPage.objects.get(pk=page.pk)
    assert (live.package_id, live.specialty_id) == (landing.package.pk, landing.specialty.pk)
    assert "失眠1个月套餐" not in client.get(live.url).content.decode()

    # the reviewer records the certificate for the page as it is now: it publishes
    publish_ad_page(page)
    live = LandingPage.objects.get(pk=page.pk)
    assert getattr(live, f"{field}_id") == getattr(page, f"{field}_id")


def test_another_package_in_a_keyword_version_needs_the_reviewer_again(client, landing) -> None:
    """Seventeenth verification F3-4: each 关键词匹配版本 offers its own 服务包 to the visitors
    whose search matches it."""
    page = LandingPage.objects.get(pk=landing.page.pk)
    variants = list(page.keyword_variants.all())
    variant = variants[0]
    variant.package = PackageFactory(
        specialty=SpecialtyFactory(slug="insomnia", name="失眠"),
        slug="sleep-1m",
        name="失眠1个月套餐",
    )
    page.keyword_variants = variants

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish(page)

    assert refused.value.decision.reason == "content_changed"
    live = LandingPage.objects.get(pk=page.pk)
    assert live.keyword_variants.first().package_id != variant.package_id


def test_a_republish_with_the_same_choices_keeps_the_certificate(landing) -> None:
    page = LandingPage.objects.get(pk=landing.page.pk)

    _publish(page)

    assert LandingPage.objects.get(pk=page.pk).live_revision_id == page.latest_revision_id


def test_another_reviewing_doctor_on_a_certified_article_needs_the_reviewer_again(db) -> None:
    from cms.models import ArticlePage, DoctorIndexPage, DoctorPage, HomePage
    from tests.cms.compliance_support import two_hubs_with_an_ad

    _, _, ad = two_hubs_with_an_ad()
    team = HomePage.objects.get().add_child(instance=DoctorIndexPage(title="医生团队", slug="d"))
    doctor = team.add_child(
        instance=DoctorPage(
            title="王建华",
            slug="wang",
            rank="主任医师",
            hospital="徐汇门诊部",
            licence_number="110310000034567",
        )
    )
    page = ArticlePage.objects.get(pk=ad.pk)
    page.reviewer = doctor

    with pytest.raises(CompliancePublishBlocked) as refused:
        _publish(page)

    assert refused.value.decision.reason == "content_changed"
    assert ArticlePage.objects.get(pk=ad.pk).reviewer_id is None
