"""Reads for landing pages, packages, A/B results, care plans and the assistant H5."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, F, IntegerField, OuterRef, QuerySet, Value, When
from django.db.models.lookups import StartsWith
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms.compliance.gate import certificate_expired, is_medical_ad
from funnel.models import FollowUp, Lead, LeadEvent, ServicePackage
from landing.models import ABTest, CarePlan, ConsentText, KeywordVariant, LandingPage
from landing.stats import ABResult, ab_decide


def landing_page_for_specialty(*, slug: str) -> LandingPage | None:
    """The landing page a patient is sent to for the specialty `slug` (a 转化 article's
    「在线咨询」, `/lp/<slug>/` when no page has that slug): one that answers 200, i.e. live,
    without a view restriction and not refused for an expired certificate (the reading of
    `cms.compliance.wagtail_hooks.refuse_expired_ad`, before the daily sweep unpublishes it)
    and not past its scheduled expiry (`expire_at`, which `publish_scheduled` acts on within a
    minute); the one at `/lp/<slug>/` first, then in tree order. None when the specialty has none: a
    link to it would be a 404."""
    # `.public()` would read every view restriction first (one more query on each 转化
    # article, which renders within 15): a restriction on the page or an ancestor, inline
    restricted = PageViewRestriction.objects.filter(StartsWith(OuterRef("path"), F("page__path")))
    pages = (
        LandingPage.objects.live()
        .filter(specialty__slug=slug)
        .exclude(Exists(restricted))
        .exclude(expire_at__lte=timezone.now())
        .order_by(
            Case(When(slug=slug, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "path",
        )
    )
    return next((p for p in pages if not (is_medical_ad(p) and certificate_expired(p))), None)


def consult_url_for(specialty) -> str | None:
    """The path of the landing page a 转化 article's 「在线咨询」 links for `specialty`
    (`landing_page_for_specialty`), None when there is none (registered in `cms.links`)."""
    page = landing_page_for_specialty(slug=specialty.slug)
    return page.get_url() if page is not None else None


def consent_current() -> ConsentText | None:
    return ConsentText.objects.filter(is_current=True).first()


@dataclass(frozen=True)
class Hero:
    variant: str  # "0" for the page defaults, else the KeywordVariant id
    headline: str
    body: str
    package: ServicePackage | None


def keyword_variant_match(*, variants: list[KeywordVariant], keyword: str) -> KeywordVariant | None:
    """The first variant (in editor order) with a keyword contained in the search term."""
    term = keyword.strip().lower()
    if not term:
        return None
    for variant in variants:
        if any(word in term for word in variant.keyword_list()):
            return variant
    return None


def hero_for(*, page: LandingPage, keyword: str) -> Hero:
    variants = list(page.keyword_variants.select_related("package").all())
    match = keyword_variant_match(variants=variants, keyword=keyword)
    if match is None:
        return Hero("0", page.headline, "", page.package)
    return Hero(str(match.pk), match.headline, match.body, match.package or page.package)


def running_test(*, page: LandingPage) -> ABTest | None:
    return (
        ABTest.objects.filter(page=page, status=ABTest.Status.RUNNING)
        .select_related("package_b")
        .first()
    )


def test_for_visit(*, page: LandingPage, hero: Hero) -> ABTest | None:
    """The running test this visit takes part in. A visitor whose search keyword chose the
    headline (a keyword variant) sees the same headline in both arms, so a headline test
    leaves them out: counting them would only dilute the difference it measures."""
    test = running_test(page=page)
    if test is not None and test.headline_b and hero.variant != "0":
        return None
    if test is not None and not ab_arm_b_certified(page=page):
        # B's words are unreviewed ad text until the reviewer's certificate covers them
        # (round 13 verification F1: 「三天见效，治愈率98%」 went to half the visitors under
        # the page's certificate): no visitor is split, everyone reads the certified page
        return None
    return test


def ab_arm_b_certified(*, page: LandingPage) -> bool:
    """The live page's certificate was recorded for its text as it reads now, the running A/B
    test's B headline and subheadline included (`LandingPage.compliance_extra_texts`): the
    digest recorded (`ad_review_text_hash`) equals the page's digest now."""
    from cms.compliance.gate import approved_digest

    return bool(page.ad_review_text_hash) and page.ad_review_text_hash == approved_digest(page)


def ab_results(*, test: ABTest) -> ABResult:
    counts = {arm.arm: arm for arm in test.arms.all()}
    a, b = counts.get("a"), counts.get("b")
    return ab_decide(
        visitors_a=a.visitors if a else 0,
        conversions_a=a.conversions if a else 0,
        visitors_b=b.visitors if b else 0,
        conversions_b=b.conversions if b else 0,
        horizon=test.horizon,
        alpha=float(test.alpha),
    )


def package_offer(*, package: ServicePackage | None, now: dt.datetime | None = None) -> dict:
    """Price and honest urgency: deadline and stock only when they are set and still true."""
    if package is None or not package.is_on_sale():
        # a package never published (its row holds a draft), 下架 or past its certificate's
        # validity is not offered (round 13 verification, F7: an expired package stayed on a
        # landing page until the daily sweep, while its own page answered 「暂停展示」)
        return {}
    now = now or timezone.now()
    deadline = package.deadline if package.deadline and package.deadline > now else None
    promo = package.promo_active(now)
    return {
        "package": package,
        "includes": [line for line in package.includes.splitlines() if line.strip()],
        # The promo price and its strike-through end at the deadline (the page cache is cut
        # there too: landing.services.cache.cache_seconds).
        "has_promo": promo,
        "price": package.promo_price if promo else package.list_price,
        "deadline": deadline,
        "stock": package.stock if package.stock else None,
        "sold_out": package.stock == 0,
    }


def packages_for_specialty(*, slug: str) -> QuerySet[ServicePackage]:
    return ServicePackage.objects.on_sale().filter(specialty__slug=slug).select_related("specialty")


def compared_specialty_slugs() -> list[str]:
    """Slugs of the specialties whose comparison page answers (/packages/compare/<slug>/):
    those with at least one active package, in slug order."""
    return sorted(set(ServicePackage.objects.on_sale().values_list("specialty__slug", flat=True)))


def careplan_view(*, plan_id: int) -> dict[str, Any]:
    plan = (
        CarePlan.objects.select_related("lead__assignee", "therapist")
        .prefetch_related("items", "photos", "articles")
        .get(pk=plan_id)
    )
    today = timezone.localdate()
    months: dict[str, list] = {}
    for item in sorted(plan.items.all(), key=lambda i: (i.day, i.sort_order or 0)):
        months.setdefault(item.day.strftime("%Y年%m月"), []).append(item)
    return {
        "plan": plan,
        "months": months,
        "today": today,
        "photos": list(plan.photos.all()),
        "articles": [p for p in plan.articles.all() if p.live],
        "therapist": plan.therapist,
        # whom the patient adds on WeCom: the plan's therapist, else the lead's assistant
        "contact": plan.therapist or plan.lead.assignee,
    }


def assistant_today(*, user: Any, day: dt.date | None = None) -> dict[str, list]:
    """Due follow-ups of the signed-in assistant grouped for the phone page, with the
    birthdays of the coming week."""
    from funnel.selectors import followups_due_for_user

    groups: dict[str, list] = {kind: [] for kind in FollowUp.Kind.values}
    for followup in followups_due_for_user(user=user, day=day):
        groups[followup.kind].append(followup)
    # Birthdays are worth knowing a week ahead (a gift, a call on the day): the coming six
    # days' greetings are listed with today's.
    day = day or timezone.localdate()
    week_end = day + dt.timedelta(days=7)
    for followup in followups_due_for_user(user=user, day=week_end - dt.timedelta(days=1)).filter(
        kind=FollowUp.Kind.BIRTHDAY
    ):
        if followup not in groups[FollowUp.Kind.BIRTHDAY]:
            groups[FollowUp.Kind.BIRTHDAY].append(followup)
    return groups


def lead_notes(*, lead: Lead) -> QuerySet[LeadEvent]:
    """The lead's story on the phone page, newest first: stages, notes, reservations,
    assignments, groups and follow-ups done or put off (reveals are audit, not story)."""
    kinds = ["note", "stage", "reserve", "assign", "group", "followup"]
    return lead.events.filter(kind__in=kinds).order_by("-created_at", "-pk")[:30]


def consent_versions() -> list[str]:
    """Every consent text version ever published (leads may hold any of them)."""
    return list(ConsentText.objects.values_list("version", flat=True))
