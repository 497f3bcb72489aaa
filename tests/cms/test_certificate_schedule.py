"""A certificate withdrawn while a version of the ad is scheduled (eighteenth verification F3):
Wagtail's scheduled lock kept the reviewer out ("页面已锁定，无法保存") and the scheduled
version went live on the withdrawn certificate. The reviewer may now save the withdrawal, the
schedule is cancelled, and a scheduled version older than a withdrawal is judged with the
current record wherever it is published."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision

from cms.compliance.gate import (
    CERTIFICATE_UNSCHEDULED,
    REVIEWER_GROUP,
    CompliancePublishBlocked,
    certificate_apply,
    scheduled_refusals_unschedule,
)
from cms.compliance.page import check_page
from cms.models import ArticlePage
from tests.cms.compliance_support import reviewer, two_hubs_with_an_ad
from tests.funnel.factories import UserFactory

pytestmark = pytest.mark.django_db

SOON = dt.timedelta(hours=2)


def _only_reviewer(username: str = "shencha-sched"):
    """As the demo's reviewer is: the reviewers' group only, no right to publish pages."""
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    return user


def _schedule(ad: ArticlePage) -> Revision:
    """A new version of the live certified `ad`, scheduled two hours ahead (as an editor's
    定时发布 approved by the doctor leaves it)."""
    page = ArticlePage.objects.get(pk=ad.pk)
    page.go_live_at = timezone.now() + SOON
    revision = page.save_revision()
    revision.publish()
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None
    return revision


def _due(revision: Revision) -> None:
    """The scheduled time has come (as `publish_scheduled` then finds it)."""
    past = timezone.now() - dt.timedelta(minutes=1)
    revision.refresh_from_db()
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])


@pytest.mark.parametrize("live", [True, False])
def test_the_reviewer_withdraws_a_scheduled_ads_certificate(client, live: bool) -> None:
    from tests.cms.test_compliance_admin import _post_ad

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    if not live:
        ArticlePage.objects.get(pk=ad.pk).unpublish()
    scheduled = _schedule(ad)
    assert ArticlePage.objects.get(pk=ad.pk).get_lock() is not None
    client.force_login(_only_reviewer())

    # when she empties the number and confirms (文号留空并确认)
    response = _post_ad(
        client,
        ad,
        publish=False,
        paragraphs=["评估后制定方案。"],
        ad_review_certificate="",
        ad_review_confirm="on",
    )

    # then it is saved (no 「页面已锁定」), the schedule is cancelled, the ad is not live
    assert response.status_code == 302, response.content.decode()[:3000]
    scheduled.refresh_from_db()
    assert scheduled.approved_go_live_at is None
    assert CERTIFICATE_UNSCHEDULED in client.get(response["Location"]).content.decode()
    assert not ArticlePage.objects.get(pk=ad.pk).live
    # and when the time comes, nothing goes live
    call_command("publish_scheduled", stdout=io.StringIO(), stderr=io.StringIO())
    assert not ArticlePage.objects.get(pk=ad.pk).live


def test_the_schedule_banner_is_chinese_and_tells_the_reviewer_what_she_may_do(
    client, django_user_model
) -> None:
    from tests.cms.test_compliance_bypass import _moderator

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    _schedule(ad)
    url = reverse("wagtailadmin_pages:edit", args=[ad.pk])
    client.force_login(_moderator(django_user_model, "bianji-banner"))
    editor = client.get(url).content.decode()
    client.force_login(_only_reviewer("shencha-banner"))
    reviewer = client.get(url).content.decode()

    assert "已定时于" in editor
    assert "不能编辑" in editor
    assert "is locked and has been scheduled" not in editor
    assert "清空审查证明文号并确认审查即可撤销证明" in reviewer


def test_an_editor_still_meets_the_scheduled_lock(client, django_user_model) -> None:
    from tests.cms.test_compliance_admin import _post_ad
    from tests.cms.test_compliance_bypass import _moderator

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    scheduled = _schedule(ad)
    client.force_login(_moderator(django_user_model, "bianji-sched"))

    response = _post_ad(client, ad, publish=False, paragraphs=["评估后制定调理方案。"])

    assert response.status_code == 200  # the form again: locked by the schedule
    scheduled.refresh_from_db()
    assert scheduled.approved_go_live_at is not None
    assert ArticlePage.objects.get(pk=ad.pk).latest_revision_id == scheduled.pk


def _withdrawn_after(scheduled: Revision, ad: ArticlePage) -> None:
    """The reviewer's withdrawal saved as a later revision, the schedule left as it was (a
    withdrawal made before this fix, or by a script)."""
    cleared = ArticlePage.objects.get(pk=ad.pk).get_latest_revision_as_object()
    certificate_apply(
        page=cleared, user=reviewer("shencha-later"), certificate="", report=check_page(cleared)
    )
    cleared.save_revision()
    assert ArticlePage.objects.get(pk=ad.pk).latest_revision_id != scheduled.pk


def test_a_scheduled_version_older_than_a_withdrawal_is_refused_when_published() -> None:
    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    scheduled = _schedule(ad)
    _withdrawn_after(scheduled, ad)

    with pytest.raises(CompliancePublishBlocked):
        Revision.objects.get(pk=scheduled.pk).publish()


def test_the_scheduled_sweep_unschedules_a_version_older_than_a_withdrawal() -> None:
    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    live_revision = ArticlePage.objects.get(pk=ad.pk).live_revision_id
    scheduled = _schedule(ad)
    _withdrawn_after(scheduled, ad)
    _due(scheduled)

    lines = scheduled_refusals_unschedule()

    assert len(lines) == 1
    scheduled.refresh_from_db()
    assert scheduled.approved_go_live_at is None
    assert ArticlePage.objects.get(pk=ad.pk).live_revision_id == live_revision


def test_a_refused_schedule_is_told_in_the_history_and_by_mail(client, mailoutbox) -> None:
    """Twentieth session's leftover: the refusal was only a log line, so the editor who
    scheduled the version learnt of it from nobody."""
    from django.contrib.auth import get_user_model
    from wagtail.models import PageLogEntry

    from cms.compliance.gate import SCHEDULE_REFUSED_ACTION

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    scheduled = _schedule(ad)
    editor = UserFactory(username="bianji-sched-mail", email="bianji@example.cn")
    Revision.objects.filter(pk=scheduled.pk).update(user=editor)
    _withdrawn_after(scheduled, ad)
    _due(scheduled)

    (line,) = scheduled_refusals_unschedule()

    # the page's history names the refusal and its reason
    (entry,) = PageLogEntry.objects.filter(page_id=ad.pk, action=SCHEDULE_REFUSED_ACTION)
    assert entry.revision_id == scheduled.pk
    assert entry.data["message"]
    assert entry.data["message"] in line
    admin = get_user_model().objects.create_superuser("zhuguan-sched", "z@example.cn", "x")
    client.force_login(admin)
    history = client.get(reverse("wagtailadmin_pages:history", args=[ad.pk])).content.decode()
    assert "定时发布未执行" in history
    # and whoever scheduled it has a mail with the reason and the way to the editor
    (mail,) = mailoutbox
    assert mail.to == ["bianji@example.cn"]
    assert ad.title in mail.subject
    assert entry.data["message"] in mail.body
    assert reverse("wagtailadmin_pages:edit", args=[ad.pk]) in mail.body
    # a second sweep finds nothing more to tell
    assert scheduled_refusals_unschedule() == []
    assert len(mailoutbox) == 1


def test_a_scheduled_version_the_reviewer_certified_later_still_goes_live() -> None:
    """The other way round: scheduled first, certified for that same text afterwards (the
    record is on a later revision): it goes live when due."""
    from cms.compliance.gate import page_ad_review_record
    from tests.cms.compliance_support import certificate_for, printed_until

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    page = ArticlePage.objects.get(pk=ad.pk)
    page.unpublish()
    page.ad_review_certificate = ""
    page.ad_review_text_hash = ""
    page.go_live_at = timezone.now() + SOON
    scheduled = page.save_revision()
    Revision.objects.filter(pk=scheduled.pk).update(approved_go_live_at=page.go_live_at)
    page_ad_review_record(
        page=ArticlePage.objects.get(pk=ad.pk).get_latest_revision_as_object(),
        user=reviewer("shencha-after"),
        certificate=certificate_for(page),
        valid_until=printed_until(),
    )
    _due(scheduled)

    assert scheduled_refusals_unschedule() == []
    call_command("publish_scheduled", stdout=io.StringIO(), stderr=io.StringIO())
    page = ArticlePage.objects.get(pk=ad.pk)
    assert page.live
    assert page.live_revision_id == scheduled.pk


def test_the_reviewer_withdraws_a_scheduled_packages_certificate(client) -> None:
    from funnel.models import ServicePackage
    from tests.cms.test_demo_roles import _package_form
    from tests.funnel.factories import PackageFactory, SpecialtyFactory
    from tests.landing.test_package_gate import _certified

    package = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    draft = ServicePackage.objects.get(pk=package.pk)
    draft.go_live_at = timezone.now() + SOON
    scheduled = draft.save_revision()
    scheduled.publish()
    scheduled.refresh_from_db()
    assert scheduled.approved_go_live_at is not None
    client.force_login(_only_reviewer("shencha-package-sched"))
    edit_url = reverse("wagtailsnippets_funnel_servicepackage:edit", args=[package.pk])

    response = client.post(
        edit_url,
        _package_form(
            package, ad_review_certificate="", ad_review_valid_until="", ad_review_confirm="on"
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    scheduled.refresh_from_db()
    assert scheduled.approved_go_live_at is None
    assert not ServicePackage.objects.get(pk=package.pk).live


def _recertified(obj) -> tuple[str, dt.date]:
    """The reviewer records a new certificate (number, two days less validity) on the latest
    revision of `obj` (page or package) while an older version is scheduled, as she does in
    the editor; then the scheduled time comes and `publish_scheduled` runs. Returns the
    certificate she recorded."""
    from cms.compliance.gate import page_ad_review_record
    from tests.cms.compliance_support import printed_until

    year = timezone.localdate().year
    number = f"（京）医广【{year}】第09-99-N{obj.pk:04d}号"
    until = printed_until() - dt.timedelta(2)
    page_ad_review_record(
        page=type(obj).objects.get(pk=obj.pk).get_latest_revision_as_object(),
        user=reviewer(f"shencha-re-{obj.pk}"),
        certificate=number,
        valid_until=until,
    )
    return number, until


def _goes_live(scheduled: Revision) -> None:
    _due(scheduled)
    call_command("publish_scheduled", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_scheduled_version_goes_live_showing_the_certificate_the_gate_judged(client) -> None:
    """Nineteenth verification B-F1: scheduled with certificate P0036 (valid to next year's
    2 December), re-recorded N0002 (valid two days less) before go-live: the gate judged N0002
    but the live row showed P0036 with the longer date, which the serving refusal and the
    daily sweep then read."""
    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    scheduled = _schedule(ad)
    number, until = _recertified(ad)

    _goes_live(scheduled)

    page = ArticlePage.objects.get(pk=ad.pk)
    assert page.live_revision_id == scheduled.pk
    assert (page.ad_review_certificate, page.ad_review_valid_until) == (number, until)
    html = client.get(page.url).content.decode()
    assert f"09-99-N{ad.pk:04d}" in html
    assert "01-23-P" not in html


def test_a_scheduled_package_goes_live_showing_the_certificate_the_gate_judged() -> None:
    from funnel.models import ServicePackage
    from tests.funnel.factories import PackageFactory, SpecialtyFactory
    from tests.landing.test_package_gate import _certified

    package = _certified(PackageFactory(specialty=SpecialtyFactory(slug="hair-loss")))
    draft = ServicePackage.objects.get(pk=package.pk)
    draft.go_live_at = timezone.now() + SOON
    scheduled = draft.save_revision()
    scheduled.publish()
    number, until = _recertified(package)

    _goes_live(scheduled)

    package = ServicePackage.objects.get(pk=package.pk)
    assert package.live_revision_id == scheduled.pk
    assert (package.ad_review_certificate, package.ad_review_valid_until) == (number, until)


def test_an_ad_is_not_scheduled_past_its_certificates_validity() -> None:
    """Twentieth verification B3: 定时发布 on 2027-12-15 of an ad whose certificate ran to
    2027-11-30 was accepted, then refused when due with only a log line."""
    from cms.compliance.gate import certificate_valid_until

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    page = ArticlePage.objects.get(pk=ad.pk)
    until = certificate_valid_until(page)
    page.go_live_at = timezone.make_aware(
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0, 30))
    )  # half past midnight, Asia/Shanghai, the day after the last valid day

    with pytest.raises(CompliancePublishBlocked) as refused:
        page.save_revision().publish()

    assert refused.value.decision.reason == "expires_before_go_live"
    assert f"有效期（至 {until.isoformat()}）" in str(refused.value)
    assert not Revision.objects.filter(approved_go_live_at__isnull=False).exists()

    # on the last valid day itself it is scheduled
    page = ArticlePage.objects.get(pk=ad.pk)
    page.go_live_at = timezone.make_aware(dt.datetime.combine(until, dt.time(23, 30)))
    revision = page.save_revision()
    revision.publish()
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None
