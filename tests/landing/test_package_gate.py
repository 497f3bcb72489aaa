"""A service package is a medical ad (a priced medical service): its edits are drafts, checked
by the compliance checker, and go live only through the gate, on a reviewer's certificate for
exactly that text and those prices (issue 17 review round 2, H4). Public surfaces show only
the live package."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cms.compliance.gate import (
    REVIEWER_GROUP,
    page_ad_review_record,
    scheduled_refusals_unschedule,
)
from cms.compliance.page import check_page
from funnel.models import ServicePackage
from landing.services.cache import page_cache_purge
from tests.cms.compliance_support import certificate_for, printed_until, reviewer
from tests.funnel.factories import PackageFactory, SpecialtyFactory

pytestmark = pytest.mark.django_db

EDIT = "/admin/snippets/funnel/servicepackage/edit/{pk}/"
ADD = "/admin/snippets/funnel/servicepackage/add/"

# every field a package page shows as the ad, and a changed value for it
EDITS = {
    "name": "脱发3个月管理套餐（升级版）",
    "summary": "三个月头皮管理与复诊",
    "includes": "医生复诊 6 次\n头皮检测 3 次",
    "list_price": "2880.00",
    "promo_price": "1580.00",
    "duration_days": "120",
    "deadline": "2099-01-01 10:00",
}


def _form(package: ServicePackage, **changes: str) -> dict[str, str]:
    data = {
        "specialty": str(package.specialty_id),
        "name": package.name,
        "slug": package.slug,
        "summary": package.summary,
        "includes": package.includes,
        "list_price": str(package.list_price),
        "promo_price": str(package.promo_price or ""),
        "duration_days": str(package.duration_days),
        "stock": "",
        "deadline": "",
        "is_active": "on",
        "sort_order": "0",
        "ad_review_certificate": package.ad_review_certificate,
        "ad_review_valid_until": (
            package.ad_review_valid_until.isoformat() if package.ad_review_valid_until else ""
        ),
    }
    data.update(changes)
    return data


def _admin(client, *, reviewer_too: bool = False):
    user = get_user_model().objects.create_superuser(
        f"root{int(reviewer_too)}", "root@example.com", "pw"
    )
    if reviewer_too:
        user.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    client.force_login(user)
    return user


def _public(client, package: ServicePackage) -> str:
    page_cache_purge()
    return "".join(
        client.get(url).content.decode()
        for url in (
            f"/packages/{package.slug}/",
            f"/packages/compare/{package.specialty.slug}/",
        )
    )


def _certified(package: ServicePackage) -> ServicePackage:
    """The package live on a reviewer's certificate for its current text and prices."""
    user = reviewer(f"shencha-{package.pk}")
    page_ad_review_record(
        page=package,
        user=user,
        certificate=certificate_for(package),
        valid_until=printed_until(),
    ).publish()  # the reviewer records; publishing is the editors' (as the seed does)
    return ServicePackage.objects.get(pk=package.pk)


@pytest.mark.parametrize(("field", "value"), list(EDITS.items()))
def test_an_edit_publishes_only_on_a_certificate_for_it(client, field, value) -> None:
    # given a live, certified package and an administrator who is no reviewer
    package = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    live_before = _public(client, package)
    admin = type(client)()
    _admin(admin)

    # when the field is changed and 发布 pressed, then saved as a draft
    published = admin.post(
        EDIT.format(pk=package.pk), {**_form(package, **{field: value}), "action-publish": "1"}
    )
    drafted = admin.post(EDIT.format(pk=package.pk), _form(package, **{field: value}))

    # then publication is refused with the gate's reason (the certificate approved another
    # text), the draft is kept as a revision, and the public still sees the live package
    assert published.status_code == 200
    assert "内容在记录审查证明后有改动" in published.content.decode()
    assert drafted.status_code == 302
    row = ServicePackage.objects.get(pk=package.pk)
    assert str(getattr(row, field) or "") != value
    assert row.live
    assert row.has_unpublished_changes
    draft = row.get_latest_revision_as_object()
    assert field in {"deadline"} or str(getattr(draft, field)) == value
    assert _public(client, package) == live_before


def test_a_reviewer_publishes_the_edit_with_its_certificate(client) -> None:
    # given a live package whose new price the growth lead saved as a draft
    package = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    lead = type(client)()
    _admin(lead)
    saved = lead.post(EDIT.format(pk=package.pk), _form(package, promo_price="1580.00"))
    assert saved.status_code == 302
    admin = type(client)()
    _admin(admin, reviewer_too=True)
    number = certificate_for(package).replace("P", "S").replace("号", "-2号")

    # when the reviewer records a (renewed) certificate for the new price and publishes
    response = admin.post(
        EDIT.format(pk=package.pk),
        {
            **_form(package, promo_price="1580.00"),
            "ad_review_certificate": number,
            "ad_review_valid_until": printed_until().isoformat(),
            "ad_review_confirm": "on",
            "action-publish": "1",
        },
    )

    # then the new price is live, on the package page with the certificate the gate checked
    assert response.status_code == 302
    row = ServicePackage.objects.get(pk=package.pk)
    assert row.promo_price == Decimal("1580.00")
    assert not row.has_unpublished_changes
    shown = _public(client, package)
    assert "¥1580.00" in shown
    assert f"<span data-ad-review-number>{number}</span>" in shown


def test_the_checker_reads_a_package_and_a_finding_blocks_it(client) -> None:
    # given a certified package, edited to promise a cure
    package = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    admin = type(client)()
    _admin(admin)

    # when it is published
    response = admin.post(
        EDIT.format(pk=package.pk),
        {**_form(package, summary="三个月根治脱发，无效退款"), "action-publish": "1"},
    )

    # then the checker's finding names the words, and nothing went live
    package.summary = "三个月根治脱发，无效退款"
    assert check_page(package).has_blocking
    assert response.status_code == 200
    assert "根治" in response.content.decode()
    assert ServicePackage.objects.get(pk=package.pk).summary == ""


def test_publishing_in_code_passes_the_gate(client) -> None:
    # given a certified package whose next revision changes the price
    package = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    package.list_price = Decimal("99.00")
    revision = package.save_revision()

    # when code publishes that revision (revision.publish(), as scheduled publishing does)
    with pytest.raises(PermissionDenied):
        revision.publish()

    # then the row (what orders charge) keeps the certified price
    assert ServicePackage.objects.get(pk=package.pk).list_price == Decimal("2680.00")


def test_a_package_never_published_is_shown_nowhere(client) -> None:
    # given a live certified package, and a new one an administrator saved (a draft)
    live = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    admin = type(client)()
    _admin(admin)
    response = admin.post(
        ADD,
        _form(
            live,
            slug="new-draft",
            name="新服务包草稿",
            ad_review_certificate="",
            ad_review_valid_until="",
        ),
    )
    assert response.status_code == 302
    draft = ServicePackage.objects.get(slug="new-draft")

    # then it is not live, and no public surface shows it
    assert not draft.live
    page_cache_purge()
    assert client.get("/packages/new-draft/").status_code == 404
    assert "新服务包草稿" not in _public(client, live)
    assert "new-draft" not in client.get("/sitemap.xml").content.decode()
    assert ServicePackage.objects.on_sale().filter(pk=draft.pk).count() == 0


def test_existing_packages_are_migrated_live() -> None:
    # a package as it was before the gate (a row created directly, as migrations keep it)
    package = PackageFactory()
    assert package.live
    assert ServicePackage.objects.on_sale().filter(pk=package.pk).exists()


def test_a_scheduled_package_revision_the_gate_refuses_is_unscheduled() -> None:
    # given a certified package with a scheduled revision that changes its price, now due
    package = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    package.list_price = Decimal("99.00")
    revision = package.save_revision()
    revision.approved_go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    revision.save(update_fields=["approved_go_live_at"])

    # when the scheduled-publishing sweep runs
    lines = scheduled_refusals_unschedule()

    # then the revision is taken off the schedule, with the gate's reason, and nothing changed
    assert len(lines) == 1
    assert "content_changed" in lines[0]
    revision.refresh_from_db()
    assert revision.approved_go_live_at is None
    assert ServicePackage.objects.get(pk=package.pk).list_price == Decimal("2680.00")


def test_a_draft_is_checked_when_it_is_saved(client) -> None:
    # given a certified package and an administrator
    package = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    admin = type(client)()
    _admin(admin)

    # when a draft promising a cure is saved (not published)
    response = admin.post(
        EDIT.format(pk=package.pk), _form(package, includes="三个月根治脱发"), follow=True
    )

    # then the editor is told at once which words would block publication
    html = response.content.decode()
    assert "草稿存在医疗广告合规问题" in html
    assert "根治" in html
    assert ServicePackage.objects.get(pk=package.pk).includes == ""


def test_each_line_of_a_packages_contents_is_an_item_of_its_own() -> None:
    """Seventeenth verification B-H3: 「包含内容（每行一项）」 is shown as a list, and was
    read as running text: 「头发不长」 then 「不收费的检查项目」 made a refund guarantee
    (「不长不收费」); a claim within one line is still found."""
    package = PackageFactory(includes="头发不长\n不收费的检查项目\n毛囊检测 1 次")
    assert [f.rule for f in check_page(package).blocking] == []

    package.includes = "毛囊检测 1 次\n头发不长不收费"
    assert "ad16-refund" in {f.rule for f in check_page(package).blocking}


def test_the_reviewer_withdrawing_a_live_packages_certificate_takes_it_down(client) -> None:
    """Seventeenth re-verification C-1: 文号留空并确认 on a live package left it on sale
    showing the withdrawn number (pages were taken down, packages were not)."""
    package = _certified(PackageFactory())
    assert package.ad_review_certificate in _public(client, package)
    client.force_login(reviewer("shencha-withdraw"))

    response = client.post(
        EDIT.format(pk=package.pk),
        _form(package, ad_review_certificate="", ad_review_valid_until="", ad_review_confirm="on"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not ServicePackage.objects.get(pk=package.pk).live
    page_cache_purge()
    assert client.get(f"/packages/{package.slug}/").status_code == 404
