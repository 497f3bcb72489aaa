"""Everything a patient is shown of a service package needs the reviewer again (issue 17
review round 2, H2): its specialty (the comparison page it is sold on), its slug (its URL),
its remaining places (「剩余 N」) and putting it up (上架); reordering does not, and neither
does taking it down. Through the package editor, as an administrator who is no reviewer."""

from __future__ import annotations

import pytest

from funnel.models import ServicePackage
from landing.services.cache import page_cache_purge
from tests.funnel.factories import PackageFactory, SpecialtyFactory
from tests.landing.test_package_gate import EDIT, _admin, _certified, _form, _public

pytestmark = pytest.mark.django_db

CHANGED = "内容在记录审查证明后有改动"


def _live_package():
    hair = SpecialtyFactory(slug="hair-loss", name="脱发")
    insomnia = SpecialtyFactory(slug="insomnia", name="失眠")
    package = PackageFactory(specialty=hair, name="脱发3个月管理套餐", slug="hair-3m")
    return _certified(package), insomnia


@pytest.mark.parametrize(
    "changes",
    [
        {"specialty": "insomnia", "slug": "insomnia-3m", "stock": "1"},  # the reported edit
        {"specialty": "insomnia"},
        {"slug": "insomnia-3m"},
        {"stock": "1"},
        {"stock": "0"},
    ],
    ids=["all", "specialty", "slug", "stock-1", "stock-0"],
)
def test_a_shown_fact_changed_is_not_published_on_the_old_certificate(client, changes) -> None:
    # given a live, certified hair-loss package
    package, insomnia = _live_package()
    if "specialty" in changes:
        changes = {**changes, "specialty": str(insomnia.pk)}
    admin = type(client)()
    _admin(admin)

    # when an administrator changes what the patient is shown and presses 发布
    response = admin.post(
        EDIT.format(pk=package.pk), {**_form(package, **changes), "action-publish": "1"}
    )

    # then the gate refuses (the certificate approved another ad), the row keeps the live
    # version, and no insomnia page sells it, with no 「剩余」
    assert response.status_code == 200
    assert CHANGED in response.content.decode()
    row = ServicePackage.objects.get(pk=package.pk)
    assert (row.specialty_id, row.slug, row.stock) == (
        package.specialty_id,
        "hair-3m",
        None,
    )
    compare = client.get("/packages/compare/insomnia/").content.decode()
    assert "脱发3个月管理套餐" not in compare
    assert client.get("/packages/insomnia-3m/").status_code == 404
    assert "剩余" not in _public(client, package)


def test_reordering_needs_no_reviewer(client) -> None:
    package, _ = _live_package()
    admin = type(client)()
    _admin(admin)

    response = admin.post(
        EDIT.format(pk=package.pk), {**_form(package, sort_order="7"), "action-publish": "1"}
    )

    assert response.status_code == 302
    assert ServicePackage.objects.get(pk=package.pk).sort_order == 7


def test_taking_down_needs_no_reviewer_and_putting_up_again_does(client) -> None:
    # given a live, certified package
    package, _ = _live_package()
    admin = type(client)()
    _admin(admin)

    # when an administrator who is no reviewer takes it down (上架 unticked) and publishes
    form = _form(package)
    del form["is_active"]
    down = admin.post(EDIT.format(pk=package.pk), {**form, "action-publish": "1"})

    # then it is down at once: the gate does not wait for a reviewer to stop an ad
    assert down.status_code == 302
    assert not ServicePackage.objects.get(pk=package.pk).is_active
    assert client.get(f"/packages/{package.slug}/").status_code == 404

    # when they put it up again, unchanged otherwise
    row = ServicePackage.objects.get(pk=package.pk)
    up = admin.post(EDIT.format(pk=package.pk), {**_form(row), "action-publish": "1"})

    # then the reviewer must confirm again first: the package stays down
    assert up.status_code == 200
    assert CHANGED in up.content.decode()
    assert not ServicePackage.objects.get(pk=package.pk).is_active
    assert client.get(f"/packages/{package.slug}/").status_code == 404

    # and a reviewer's confirmation of the version put up puts it up
    again = ServicePackage.objects.get(pk=package.pk).get_latest_revision_as_object()
    again.is_active = True
    _certified(again)
    page_cache_purge()
    assert client.get(f"/packages/{package.slug}/").status_code == 200


@pytest.mark.parametrize("certificate", ["", "new"], ids=["none", "not-by-a-reviewer"])
def test_a_refused_package_is_called_a_package(client, certificate) -> None:
    """issue 17 review round 2, L2: the refusal of a package with no finding named landing
    pages and 转化 articles."""
    from tests.landing.test_package_gate import ADD

    package, _ = _live_package()
    admin = type(client)()
    _admin(admin)
    form = _form(package, slug="new-package", name="新服务包")
    if certificate:
        form["ad_review_certificate"] = "（沪）医广【2026】第 08-12-9999 号"
    else:
        form.update(ad_review_certificate="", ad_review_valid_until="")

    response = admin.post(ADD, {**form, "action-publish": "1"})

    shown = response.content.decode()
    assert response.status_code == 200
    assert "服务包属于医疗广告" in shown
    assert "落地页和转化文章" not in shown
    assert not ServicePackage.objects.filter(slug="new-package", live=True).exists()
