"""Review certificates have a validity (one year, 《医疗广告管理办法》第十三条): recorded with
it, refused by the gate once expired, flagged on live pages by the daily sweep, and shown on
landing pages as the one certificate the gate checked."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from wagtail.models import Page

from cms.compliance.gate import (
    CompliancePublishBlocked,
    certificate_latest_valid_until,
    certificate_valid_until,
    page_ad_review_record,
    page_false_match_record,
    today,
)
from cms.models import AdReviewCertificate, ArticlePage
from cms.services.ad_review import ad_review_expired_flag
from cms.tasks import ad_review_expiry_sweep_task
from tests.cms.compliance_support import (
    CERTIFICATE,
    certificate_for,
    draft,
    hub,
    printed_until,
    reviewer,
    rich,
)

DAY = datetime.timedelta(days=1)
YEAR = datetime.timedelta(days=365)


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
    page_ad_review_record(
        page=page, user=user, certificate=certificate_for(page), valid_until=printed_until()
    ).publish(user=user)
    # time passes: the certificate's validity is what it is today
    type(page).objects.filter(pk=page.pk).update(ad_review_valid_until=valid_until)
    return type(page).objects.get(pk=page.pk)


@pytest.mark.django_db
def test_a_certificate_is_recorded_with_the_validity_printed_on_it() -> None:
    page = _article()
    printed = today() + datetime.timedelta(days=200)  # issued some months ago

    revision = page_ad_review_record(
        page=page, user=reviewer(), certificate=CERTIFICATE, valid_until=printed
    )

    recorded = revision.as_object()
    assert recorded.ad_review_valid_until == printed
    assert recorded.ad_review_expired_at is None


@pytest.mark.django_db
def test_a_certificate_without_its_printed_validity_cannot_be_recorded() -> None:
    page = _article()

    with pytest.raises(ValidationError, match="请填写审查证明上印的有效期截止日"):
        page_ad_review_record(page=page, user=reviewer(), certificate=CERTIFICATE, valid_until=None)

    assert page.latest_revision is None  # nothing was saved


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days_after_latest", "error"),
    [(None, "审查证明已过期"), (1, "一年零一天")],
)
def test_an_expired_or_too_long_validity_cannot_be_recorded(
    days_after_latest: int | None, error: str
) -> None:
    page = _article()
    if days_after_latest is None:
        valid_until = today() - DAY
    else:
        valid_until = certificate_latest_valid_until() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError, match=error):
        page_ad_review_record(
            page=page, user=reviewer(), certificate=CERTIFICATE, valid_until=valid_until
        )

    assert page.latest_revision is None  # nothing was saved
    assert page.get_latest_revision_as_object().ad_review_certificate == ""


@pytest.mark.parametrize(
    ("on", "latest"),
    [
        (datetime.date(2026, 11, 30), datetime.date(2027, 12, 1)),  # 365 days + 1
        (datetime.date(2027, 3, 1), datetime.date(2028, 3, 2)),  # over 29 Feb: 366 + 1
        (datetime.date(2028, 2, 29), datetime.date(2029, 3, 1)),  # no 29 Feb next year
    ],
)
def test_the_latest_printed_validity_is_a_calendar_year_and_a_day(
    on: datetime.date, latest: datetime.date
) -> None:
    assert certificate_latest_valid_until(on=on) == latest


@pytest.mark.django_db
def test_a_year_and_a_day_ahead_is_the_latest_validity_recorded() -> None:
    page = _article()

    revision = page_ad_review_record(
        page=page,
        user=reviewer(),
        certificate=CERTIFICATE,
        valid_until=certificate_latest_valid_until(),
    )

    assert revision.as_object().ad_review_valid_until == certificate_latest_valid_until()


@pytest.mark.django_db
def test_a_certificate_recorded_before_the_date_was_required_keeps_the_old_year() -> None:
    # given a certified live page from before: number and recording time, no printed date
    page = _certified_live(_article(), valid_until=today())
    recorded_at = timezone.now() - datetime.timedelta(days=300)
    ArticlePage.objects.filter(pk=page.pk).update(
        ad_review_valid_until=None, ad_review_recorded_at=recorded_at
    )
    page = ArticlePage.objects.get(pk=page.pk)

    # then the gate reads a year from the day it was recorded: still valid, it publishes
    assert certificate_valid_until(page) == timezone.localdate(recorded_at) + YEAR
    page.canonical_url = "https://example.com/plan"
    page.save_revision().publish()
    assert ArticlePage.objects.get(pk=page.pk).canonical_url == "https://example.com/plan"

    # and once that year is over, it is expired: refused and flagged by the sweep
    ArticlePage.objects.filter(pk=page.pk).update(
        ad_review_recorded_at=timezone.now() - datetime.timedelta(days=400)
    )
    page = ArticlePage.objects.get(pk=page.pk)
    with pytest.raises(CompliancePublishBlocked) as blocked:
        page.save_revision().publish()
    assert blocked.value.decision.reason == "expired"
    assert ad_review_expired_flag() == 1


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
    page.canonical_url = "https://example.com/plan"  # not text the check reads

    page.save_revision().publish()

    assert ArticlePage.objects.get(pk=page.pk).canonical_url == "https://example.com/plan"


@pytest.mark.django_db
def test_the_daily_sweep_flags_live_pages_with_an_expired_certificate_once() -> None:
    # given a live page with an expired certificate, one with a valid one, and a draft whose
    # certificate expired
    parent = hub()
    expired = _certified_live(_article(parent, "expired"), valid_until=today() - DAY)
    valid = _certified_live(_article(parent, "valid"), valid_until=today() + DAY)
    unpublished = _article(parent, "draft")
    page_ad_review_record(
        page=unpublished,
        user=reviewer("shencha-d"),
        certificate=CERTIFICATE,
        valid_until=printed_until(),
    )
    ArticlePage.objects.filter(pk=unpublished.pk).update(ad_review_valid_until=today() - DAY)

    # when the beat task runs twice
    first = ad_review_expiry_sweep_task.apply().get()
    flagged_at = ArticlePage.objects.get(pk=expired.pk).ad_review_expired_at
    second = ad_review_expired_flag()

    # then only the live expired page is flagged, once, and taken down (issue 17 review
    # round 2, M7: an expired ad is not served)
    assert (first, second) == (1, 0)
    assert not ArticlePage.objects.get(pk=expired.pk).live
    assert ArticlePage.objects.get(pk=valid.pk).live
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
    page_ad_review_record(
        page=page, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    ).publish(user=user)

    page.refresh_from_db()
    assert page.ad_review_expired_at is None
    assert page.ad_review_valid_until == printed_until()


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
    # when a reviewer tries to record a medical-ad review certificate, it is refused: a
    # certificate approves an ad, it cannot make 科普 one (round 13, F7)
    user = reviewer("shencha-science")
    with pytest.raises(ValidationError, match="科普等非广告页面不是医疗广告"):
        page_ad_review_record(
            page=page, user=user, certificate=CERTIFICATE, valid_until=printed_until()
        )
    # and when she rules the findings false matches, the consultation link still blocks
    revision = page_false_match_record(page=page, user=user)
    with pytest.raises(CompliancePublishBlocked) as blocked:
        revision.publish(user=user)
    assert blocked.value.decision.reason == "science_ad"
    assert "第十九条" in str(blocked.value)
    assert not ArticlePage.objects.get(pk=page.pk).live


@pytest.mark.django_db
def test_seeded_demo_pages_with_a_certificate_carry_its_printed_validity(
    seeded, django_capture_on_commit_callbacks
) -> None:
    import io

    from cms.models.base import BasePage
    from landing import seed as landing_seed
    from landing.models import LandingPage

    def certified() -> list:
        pages = [p for p in Page.objects.live().specific() if isinstance(p, BasePage)]
        return [p for p in pages if p.ad_review_certificate]

    # given the demo content, landing pages included
    with django_capture_on_commit_callbacks(execute=True):
        landing_seed.seed(stdout=io.StringIO())
    assert certified(), "the demo shows at least one certificate"
    assert all(p.ad_review_valid_until is not None for p in certified())

    # on the row and on its live revision (a rerun no longer re-records old pages' dates: it
    # leaves what the reviewer recorded alone, nineteenth re-verification E-F1)
    for page in certified():
        assert page.ad_review_valid_until == printed_until(), page.url_path
        assert page.live_revision.as_object().ad_review_valid_until == printed_until()
    assert LandingPage.objects.live().exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_the_old_year_for_a_number_without_a_date(migrator) -> None:
    # given a certified page from before the printed date was required (no date on the row)
    page = _certified_live(_article(), valid_until=today())
    recorded_at = datetime.datetime(2026, 3, 1, 20, 0, tzinfo=datetime.UTC)  # 3月2日 Shanghai
    ArticlePage.objects.filter(pk=page.pk).update(
        ad_review_valid_until=None, ad_review_recorded_at=recorded_at
    )
    migrator([("cms", "0012_chooser_view_permissions")])

    # when the migration runs
    apps = migrator([("cms", "0013_ad_review_valid_until_required")])

    # then the row keeps the old default: a year from the day recorded, Asia/Shanghai
    migrated = apps.get_model("cms", "ArticlePage").objects.get(pk=page.pk)
    assert migrated.ad_review_valid_until == datetime.date(2027, 3, 2)


@pytest.mark.django_db
def test_the_year_in_the_number_goes_with_the_validity() -> None:
    """Review of issue 17: 【2019】 valid until next year was accepted."""
    from cms.compliance.gate import certificate_year_error

    this_year = today().year
    assert certificate_year_error(f"（京）医广【{this_year}】第01-23-001号", printed_until()) == ""
    assert "请核对文号与有效期" in certificate_year_error(
        "（京）医广【2019】第01-23-001号", printed_until()
    )
    assert "晚于今年" in certificate_year_error(
        f"（京）医广【{this_year + 1}】第01-23-001号", printed_until()
    )
    with pytest.raises(ValidationError):
        page_ad_review_record(
            page=_article(),
            user=reviewer(),
            certificate="（京）医广【2019】第01-23-001号",
            valid_until=printed_until(),
        )


@pytest.mark.django_db
def test_a_number_left_on_a_science_page_is_not_read_swept_or_registered() -> None:
    """Round 13, F7: a page that is no ad takes no certificate. A number recorded on a 科普
    article before (set here on the row, as a migration would leave it) neither clears its
    findings nor holds it back when expired, and the daily sweep does not take it down."""
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠卫生",
            slug="science-old-number",
            layer="science",
            body=[{"type": "paragraph", "value": rich("规律作息，睡前少看手机。")}],
        ),
    )
    ArticlePage.objects.filter(pk=page.pk).update(
        ad_review_certificate=CERTIFICATE, ad_review_valid_until=today() - DAY
    )
    page = ArticlePage.objects.get(pk=page.pk)

    page.save_revision().publish()  # clean text: published although the number "expired"

    assert ArticlePage.objects.get(pk=page.pk).live
    assert ad_review_expired_flag() == 0
    assert ArticlePage.objects.get(pk=page.pk).live
    assert not AdReviewCertificate.objects.filter(object_id=page.pk).exists()

    # and a claim on it is refused with the ruling's reason, not cleared by the number
    page.body = [{"type": "paragraph", "value": rich("坚持练习三天见效。")}]
    with pytest.raises(CompliancePublishBlocked) as blocked:
        page.save_revision().publish()
    assert blocked.value.decision.reason == "not_ruled"
