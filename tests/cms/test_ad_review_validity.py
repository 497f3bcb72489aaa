"""Review certificates have a validity (one year, 《医疗广告管理办法》第十三条): recorded with
it, refused by the gate once expired, flagged on live pages by the daily sweep, and shown on
landing pages as the one certificate the gate checked."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from cms.compliance.gate import CompliancePublishBlocked, page_ad_review_record, today
from cms.models import ArticlePage
from cms.services.ad_review import ad_review_expired_flag
from cms.tasks import ad_review_expiry_sweep_task
from tests.cms.compliance_support import CERTIFICATE, draft, hub, reviewer, rich

DAY = datetime.timedelta(days=1)


def _article(parent=None, slug: str = "plan") -> ArticlePage:
    return draft(
        parent or hub(),
        ArticlePage(
            title="失眠调理方案",
            slug=slug,
            layer="conversion",
            body=[{"type": "paragraph", "value": rich("6 周调理，根治失眠。")}],
        ),
    )


def _certified_live(page, *, valid_until: datetime.date) -> ArticlePage:
    user = reviewer(f"shencha-{page.slug}")
    page_ad_review_record(page=page, user=user, certificate=CERTIFICATE).publish(user=user)
    # time passes: the certificate's validity is what it is today
    type(page).objects.filter(pk=page.pk).update(ad_review_valid_until=valid_until)
    return type(page).objects.get(pk=page.pk)


@pytest.mark.django_db
def test_a_certificate_is_recorded_valid_for_a_year_by_default() -> None:
    page = _article()

    revision = page_ad_review_record(page=page, user=reviewer(), certificate=CERTIFICATE)

    recorded = revision.as_object()
    assert recorded.ad_review_valid_until == today() + datetime.timedelta(days=365)
    assert recorded.ad_review_expired_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offset", "error"),
    [(-1, "审查证明已过期"), (366, "有效期为一年")],
)
def test_an_expired_or_too_long_validity_cannot_be_recorded(offset: int, error: str) -> None:
    page = _article()

    with pytest.raises(ValidationError, match=error):
        page_ad_review_record(
            page=page,
            user=reviewer(),
            certificate=CERTIFICATE,
            valid_until=today() + datetime.timedelta(days=offset),
        )

    assert page.latest_revision is None  # nothing was saved
    assert page.get_latest_revision_as_object().ad_review_certificate == ""


@pytest.mark.django_db
def test_the_gate_refuses_to_publish_with_an_expired_certificate() -> None:
    # given a certified page whose certificate ended yesterday, and a draft change to it
    page = _certified_live(_article(), valid_until=today() - DAY)
    page.title = "失眠调理方案（更新）"
    revision = page.save_revision()

    # when it is published, then the gate refuses, naming the expiry
    with pytest.raises(CompliancePublishBlocked) as blocked:
        revision.publish()
    assert blocked.value.decision.reason == "expired"
    assert (today() - DAY).isoformat() in str(blocked.value)
    assert ArticlePage.objects.get(pk=page.pk).title == "失眠调理方案"


@pytest.mark.django_db
def test_a_certificate_valid_through_today_still_publishes() -> None:
    page = _certified_live(_article(), valid_until=today())
    page.title = "失眠调理方案（更新）"

    page.save_revision().publish()

    assert ArticlePage.objects.get(pk=page.pk).title == "失眠调理方案（更新）"


@pytest.mark.django_db
def test_the_daily_sweep_flags_live_pages_with_an_expired_certificate_once() -> None:
    # given a live page with an expired certificate, one with a valid one, and a draft whose
    # certificate expired
    parent = hub()
    expired = _certified_live(_article(parent, "expired"), valid_until=today() - DAY)
    valid = _certified_live(_article(parent, "valid"), valid_until=today() + DAY)
    unpublished = _article(parent, "draft")
    page_ad_review_record(page=unpublished, user=reviewer("shencha-d"), certificate=CERTIFICATE)
    ArticlePage.objects.filter(pk=unpublished.pk).update(ad_review_valid_until=today() - DAY)

    # when the beat task runs twice
    first = ad_review_expiry_sweep_task.apply().get()
    flagged_at = ArticlePage.objects.get(pk=expired.pk).ad_review_expired_at
    second = ad_review_expired_flag()

    # then only the live expired page is flagged, once
    assert (first, second) == (1, 0)
    assert flagged_at is not None
    assert ArticlePage.objects.get(pk=expired.pk).ad_review_expired_at == flagged_at
    assert ArticlePage.objects.get(pk=valid.pk).ad_review_expired_at is None
    assert ArticlePage.objects.get(pk=unpublished.pk).ad_review_expired_at is None


@pytest.mark.django_db
def test_recording_a_new_certificate_clears_the_expiry_flag() -> None:
    page = _certified_live(_article(), valid_until=today() - DAY)
    ArticlePage.objects.filter(pk=page.pk).update(ad_review_expired_at=timezone.now())
    page.refresh_from_db()

    user = reviewer("renew")
    page_ad_review_record(page=page, user=user, certificate=CERTIFICATE).publish(user=user)

    page.refresh_from_db()
    assert page.ad_review_expired_at is None
    assert page.ad_review_valid_until == today() + datetime.timedelta(days=365)


@pytest.mark.django_db
def test_the_sweep_is_scheduled_daily_by_a_migration() -> None:
    task = PeriodicTask.objects.get(task="cms.ad_review_expiry_sweep")

    assert (task.crontab.minute, task.crontab.hour) == ("10", "0")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


@pytest.mark.django_db
def test_no_certificate_clears_a_consultation_link_on_a_science_page() -> None:
    # given a 科普 article carrying 「在线咨询」 and a phone number (广告法第十九条)
    page = draft(
        hub(),
        ArticlePage(
            title="脱发的科学认识",
            slug="science-with-cta",
            layer="science",
            body=[
                {
                    "type": "paragraph",
                    "value": rich("毛囊有生长期和休止期。有脱发困扰？在线咨询，电话 13800138000。"),
                }
            ],
        ),
    )
    # when a reviewer records a medical-ad review certificate and it is published
    user = reviewer("shencha-science")
    revision = page_ad_review_record(page=page, user=user, certificate=CERTIFICATE)
    # then it is still refused: a certificate approves an ad, it cannot make 科普 one
    with pytest.raises(CompliancePublishBlocked) as blocked:
        revision.publish(user=user)
    assert blocked.value.decision.reason == "science_ad"
    assert "第十九条" in str(blocked.value)
    assert not ArticlePage.objects.get(pk=page.pk).live
