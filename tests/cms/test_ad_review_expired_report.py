"""What the daily expiry sweep flags reaches the reviewer: a 「审查证明过期」 listing on the admin
menu of the 医疗广告审查 group (the demo's shencha_li), each page linked to its editor, the
page's compliance panel saying it has expired, and the public page no longer showing it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cms.compliance.gate import REVIEWER_GROUP, page_ad_review_record, today
from cms.models import ArticlePage
from cms.tasks import ad_review_expiry_sweep_task
from landing.models import LandingPage
from landing.services.cache import page_cache_purge
from tests.cms.compliance_support import CERTIFICATE, editor, hub, printed_until, reviewer, rich
from tests.config.test_admin_chinese import _menu_links
from tests.funnel.factories import UserFactory
from tests.landing.conftest import build_landing

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
REPORT = "/admin/cms/ad-review/expired/"


def _reviewer_role():
    """A user in the reviewer group only, as the demo seed makes shencha_li (not a superuser,
    not a Moderator): what that role sees is what the group's permissions give."""
    user = UserFactory(username="shencha_li")
    user.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    return user


def _expire(page, until: datetime.date) -> None:
    """Time passes: the certificate on the row and on the revision it was published from ends
    on `until` (the sweep unpublishes the page; its editor then opens that revision)."""
    type(page).objects.filter(pk=page.pk).update(ad_review_valid_until=until)
    revision = page.get_latest_revision()
    revision.content["ad_review_valid_until"] = until.isoformat()
    revision.save(update_fields=["content"])


def _certified_article(*, valid_until: datetime.date) -> ArticlePage:
    page = ArticlePage(
        title="失眠调理方案",
        slug="plan",
        layer="conversion",
        body=[{"type": "paragraph", "value": rich("6 周调理，根治失眠。")}],
        live=False,
    )
    hub().add_child(instance=page)
    user = reviewer("shencha-plan")
    page_ad_review_record(
        page=page, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    ).publish(user=user)
    ArticlePage.objects.filter(pk=page.pk).update(ad_review_valid_until=valid_until)
    return ArticlePage.objects.get(pk=page.pk)


def test_the_reviewer_sees_the_flagged_pages_and_opens_each_editor(client) -> None:
    # given a landing page whose certificate ended yesterday and an article whose is valid
    landing = build_landing().page
    assert "医疗广告审查证明" in client.get(landing.url).content.decode()  # while valid
    _expire(landing, today() - DAY)
    valid = _certified_article(valid_until=today() + DAY)

    # when the daily task runs
    assert ad_review_expiry_sweep_task.apply().get() == 1

    # then the reviewer role has 「审查证明过期」 on her menu, and the listing names the page
    client.force_login(_reviewer_role())
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert ("审查证明过期", REPORT) in _menu_links(home)
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    edit_url = reverse("wagtailadmin_pages:edit", args=[landing.pk])
    assert f'<a href="{edit_url}">{landing.title}</a>' in html
    assert landing.ad_review_certificate in html
    assert f'data-page-id="{valid.pk}"' not in html
    assert len(re.findall(r"<tr data-page-id=", html)) == 1
    # the sweep took it down: the listing says so (eighth verification: it said 已发布)
    assert '<td data-live="0">已下线</td>' in html
    assert "以下已发布页面" not in html

    # and the link opens the editor, whose compliance panel says the certificate expired
    panel = client.get(edit_url)
    assert panel.status_code == 200
    assert "data-compliance-expired" in panel.content.decode()
    assert "医疗广告审查证明已于" in panel.content.decode()

    # and the page is taken down: the public address no longer serves the ad
    page_cache_purge()
    assert not LandingPage.objects.get(pk=landing.pk).live
    gone = client.get(landing.url)
    assert gone.status_code == 404
    assert "医疗广告审查证明" not in gone.content.decode()


def test_a_renewed_certificate_leaves_the_listing(client) -> None:
    # given a flagged landing page
    landing = build_landing().page
    _expire(landing, today() - DAY)
    ad_review_expiry_sweep_task.apply()
    user = _reviewer_role()
    client.force_login(user)
    assert f'data-page-id="{landing.pk}"' in client.get(REPORT).content.decode()

    # when the reviewer records the renewed certificate and an editor publishes it (the
    # reviewer role may edit, not publish)
    page = LandingPage.objects.get(pk=landing.pk).get_latest_revision_as_object()
    page_ad_review_record(
        page=page, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    ).publish(user=editor())

    # then the page leaves the listing, and the public page shows the new certificate
    html = client.get(REPORT).content.decode()
    assert f'data-page-id="{landing.pk}"' not in html
    assert "没有审查证明过期的页面" in html
    page_cache_purge()
    assert CERTIFICATE in client.get(landing.url).content.decode()


def test_the_listing_is_for_reviewers_only(client) -> None:
    client.force_login(editor())

    home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert REPORT not in [url for _, url in _menu_links(home)]
    # Wagtail answers an admin view's PermissionDenied with its "no permission" redirect
    refused = client.get(REPORT)
    assert refused.status_code == 302
    assert "data-ad-review-expired" not in refused.content.decode()


def test_a_package_the_sweep_took_down_is_listed_for_the_reviewer(client) -> None:
    """Round 13 verification, F6: the sweep takes service packages down too, and the staff
    notice named them, but the reviewer's list named pages only."""
    from funnel.models import ServicePackage
    from tests.cms.compliance_support import certificate_for

    package = build_landing().package
    user = reviewer("shencha-package")
    page_ad_review_record(
        page=package, user=user, certificate=certificate_for(package), valid_until=printed_until()
    ).publish()
    ServicePackage.objects.filter(pk=package.pk).update(ad_review_valid_until=today() - DAY)

    assert ad_review_expiry_sweep_task.apply().get() >= 1

    client.force_login(_reviewer_role())
    html = client.get(REPORT).content.decode()
    edit_url = reverse("wagtailsnippets_funnel_servicepackage:edit", args=[package.pk])
    assert f'data-package-id="{package.pk}"' in html
    assert f'<a href="{edit_url}">{package.name}</a>' in html
    assert certificate_for(package) in html
    assert client.get(edit_url).status_code == 200  # the reviewer may open it
