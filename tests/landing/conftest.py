from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core import signing

from cms.seed import publish_ad_page
from funnel.models import Assistant, AssistantPool, ServicePackage, Specialty
from landing.models import ABTest, ConsentText, LandingIndexPage, LandingPage
from landing.services.consent import consent_text_publish
from landing.services.guards import TICKET_SALT
from tests.funnel.factories import (
    PackageFactory,
    SpecialtyFactory,
    UserFactory,
    catch_all_rule,
    pool_with,
)

CONSENT_V1 = "health-2026-01"


@dataclass
class Landing:
    specialty: Specialty
    package: ServicePackage
    pool: AssistantPool
    assistant: Assistant
    consent: ConsentText
    page: LandingPage


def old_ticket(seconds: float = 60) -> str:
    """A start-time ticket issued `seconds` ago (what the token endpoint gave the browser)."""
    import time

    return signing.dumps({"t": time.time() - seconds}, salt=TICKET_SALT)


def _home():
    """The site's HomePage. A transactional test that follows another one may find the
    tables flushed (the migration's pages gone): rebuild the minimal tree then."""
    from wagtail.models import Locale, Page, Site

    from cms.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        from django.conf import settings
        from wagtail.coreutils import get_supported_content_language_variant

        code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
        Locale.objects.get_or_create(language_code=code)
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="引流健康", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"root_page": home, "hostname": "localhost", "port": 80},
        )
    return home


def build_landing(*, slug: str = "hair-loss", name: str = "脱发") -> Landing:
    specialty = SpecialtyFactory(slug=slug, name=name)
    package = PackageFactory(specialty=specialty, slug=f"{slug}-3m", name=f"{name}3个月管理套餐")
    pool, (assistant,) = pool_with([1], slug=f"{slug}-pool")
    user = UserFactory(username=f"yz_{slug}")
    user.set_password("pw-for-tests")
    user.save()
    assistant.user = user
    assistant.name = "林晓雯"
    assistant.save()
    catch_all_rule(pool, package=package)
    consent = consent_text_publish(
        version=CONSENT_V1, text="为提供咨询服务，我们将处理您的健康信息。"
    )
    index = LandingIndexPage.objects.first()
    if index is None:
        index = _home().add_child(instance=LandingIndexPage(title="专科咨询", slug="lp"))
    page = LandingPage(
        title=f"{name}咨询",
        slug=f"{slug}-sem",  # not the specialty slug: /lp/<specialty>/ must still resolve
        specialty=specialty,
        headline=f"{name}困扰？先弄清原因再调理",
        package=package,
    )
    index.add_child(instance=page)
    page.keyword_variants.create(
        keywords="脂溢性脱发,头油",
        headline="头皮出油、掉发多？先查清是不是脂溢性脱发",
        sort_order=0,
    )
    # a landing page is a medical ad: live on a reviewer's certificate for its text
    publish_ad_page(page)
    return Landing(
        specialty, package, pool, assistant, consent, LandingPage.objects.get(pk=page.pk)
    )


def certified_ab_test(page: LandingPage, **fields) -> ABTest:
    """An A/B test of `page` whose B arm the reviewer's certificate covers: the test is
    created, then the reviewer records the page's certificate again for its text with the
    B headline (`publish_ad_page`); until then no visitor is split (round 13 verification F1)."""
    test = ABTest.objects.create(page=page, **fields)
    publish_ad_page(LandingPage.objects.get(pk=page.pk))
    return test


@pytest.fixture
def landing(db) -> Landing:
    return build_landing()


def form_data(**overrides) -> dict:
    data = {
        "name": "张女士",
        "phone": "13912345678",
        "age": "32",
        "gender": "f",
        "concern": "最近半年掉发明显，头皮出油",
        "consent": "on",
        "consent_version": CONSENT_V1,
        "idem": "k-0001",
        "ticket": old_ticket(),
        "utm_term": "脂溢性脱发怎么办",
        "bd_vid": "BDVID123",
        "utm_source": "baidu",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture(autouse=True)
def _no_local_page_copy(settings) -> None:
    """Tests share one process across many databases: the per-process page copy is tested on
    its own (test_cache.py) and off elsewhere."""
    settings.LANDING_CACHE_LOCAL_SECONDS = 0
