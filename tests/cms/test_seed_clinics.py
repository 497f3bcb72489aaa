"""The demo's medical ads name the clinic their doctors work at (round-34 tester F7): every
seeded landing page printed one Shanghai 医疗机构执业许可证 and every certificate was a 沪
one, while the insomnia page showed a Hangzhou doctor and the diabetes one a Beijing doctor.
A licence's 行政区划代码 and a certificate's province must be those of the doctors' city."""

from __future__ import annotations

import io
import re

import pytest

from cms.models import ArticlePage, DoctorPage
from funnel.models import ServicePackage
from landing import seed as landing_seed
from landing.models import LandingPage

pytestmark = pytest.mark.django_db

# a hospital's city (the first two characters of its name) → (certificate province, the
# first two digits of the district's 行政区划代码 in a licence's 登记号)
CITY_REGION = {"上海": ("沪", "31"), "杭州": ("浙", "33"), "北京": ("京", "11")}


def _region(doctor: DoctorPage) -> tuple[str, str]:
    return CITY_REGION[doctor.hospital[:2]]


def _certificate_province(number: str) -> str:
    found = re.match(r"[（(](.)[）)]医广", number)
    assert found, number
    return found.group(1)


def _licence_region(licence: str) -> str:
    # 登记号: the 9-character 组织机构代码, then the 6-digit 行政区划代码
    found = re.fullmatch(r"[A-Z0-9]{9}(\d{6})\w+", licence)
    assert found, licence
    return found.group(1)[:2]


def test_each_seeded_ad_names_the_clinic_of_the_doctors_it_shows(seeded) -> None:
    # given the demo content, then the landing seed as `seed_demo` runs it
    landing_seed.seed(stdout=io.StringIO())

    # then each landing page's licence and certificate are of its doctors' city
    pages = list(LandingPage.objects.order_by("slug"))
    assert [page.slug for page in pages] == ["diabetes", "hair-loss", "insomnia"]
    for page in pages:
        doctors = [block.value["doctor"] for block in page.trust if block.block_type == "doctor"]
        assert doctors, page.slug
        for doctor in doctors:
            province, code = _region(doctor)
            assert _certificate_province(page.ad_review_certificate) == province, page.slug
            assert _licence_region(page.clinic_licence) == code, (page.slug, doctor.hospital)

    # and so are the 转化 articles' (their doctor cards and reviewer)
    articles = ArticlePage.objects.filter(layer=ArticlePage.Layer.CONVERSION, live=True)
    assert articles.count() == 3
    for article in articles:
        doctors = [b.value["doctor"] for b in article.body if b.block_type == "doctor_card"]
        for doctor in [*doctors, article.reviewer]:
            province = _region(doctor.specific)[0]
            assert _certificate_province(article.ad_review_certificate) == province, article.slug

    # and the service packages' (the doctors of their specialty)
    packages = ServicePackage.objects.filter(live=True)
    assert packages.count() >= 3
    for package in packages:
        for doctor in DoctorPage.objects.filter(specialties=package.specialty):
            province = _region(doctor)[0]
            assert _certificate_province(package.ad_review_certificate) == province, package.slug
