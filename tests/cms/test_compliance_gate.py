"""The publish gate when code publishes a revision: blocked, then allowed once a reviewer
records a certificate for exactly those findings; nobody else can unlock it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cms.compliance.gate import (
    CompliancePublishBlocked,
    certificate_is_valid,
    page_ad_review_record,
)
from cms.models import ArticlePage
from tests.cms.compliance_support import (
    CERTIFICATE,
    draft,
    editor,
    hub,
    printed_until,
    reviewer,
    rich,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def article() -> ArticlePage:
    return draft(
        hub(),
        ArticlePage(
            title="失眠调理方案",
            slug="plan",
            layer="conversion",
            body=[{"type": "paragraph", "value": rich("6 周调理，根治失眠。")}],
        ),
    )


def _live(page) -> bool:
    return type(page).objects.get(pk=page.pk).live


def test_clean_page_publishes_and_stores_its_result() -> None:
    page = draft(hub(), ArticlePage(title="睡眠卫生", slug="ok", body=[]))

    page.save_revision().publish()

    page.refresh_from_db()
    assert page.live
    assert page.compliance_result["decision"] == "clean"
    assert page.compliance_result["state"] == "published"
    assert page.compliance_result["findings"] == []


def test_blocking_finding_stops_publication_in_code(article) -> None:
    revision = article.save_revision()

    with pytest.raises(CompliancePublishBlocked) as blocked:
        revision.publish()

    assert blocked.value.decision.reason == "no_certificate"
    assert "根治" in str(blocked.value)
    assert isinstance(blocked.value, PermissionDenied)  # admin views answer 403, not 500
    assert not _live(article)
    assert ArticlePage.objects.get(pk=article.pk).live_revision_id is None


def test_reviewer_certificate_allows_publication(article) -> None:
    # given a reviewer records the certificate for the page as it is
    user = reviewer()
    revision = page_ad_review_record(
        page=article, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    )

    # when the revision is published
    revision.publish(user=user)

    # then the page is live and remembers who certified what
    page = ArticlePage.objects.get(pk=article.pk)
    assert page.live
    assert page.ad_review_certificate == CERTIFICATE
    assert page.ad_review_recorded_by == user
    assert page.ad_review_recorded_at is not None
    assert page.ad_review_scope == ["ad16-guarantee:根治"]
    assert page.compliance_result["decision"] == "certified"
    assert page.compliance_result["blocking"] == 1
    assert page.compliance_result["findings"][0]["reference"].startswith("《广告法》第十六条")


def test_non_reviewer_cannot_record_a_certificate(article) -> None:
    with pytest.raises(PermissionDenied):
        page_ad_review_record(
            page=article, user=editor(), certificate=CERTIFICATE, valid_until=printed_until()
        )

    article.refresh_from_db()
    assert article.ad_review_certificate == ""
    assert article.revisions.count() == 0


def test_certificate_written_without_a_reviewer_does_not_unlock(article) -> None:
    # a number typed in code, or recorded by someone who is not a reviewer
    article.ad_review_certificate = CERTIFICATE
    article.ad_review_scope = ["ad16-guarantee:根治"]
    with pytest.raises(CompliancePublishBlocked) as blocked:
        article.save_revision().publish()
    assert blocked.value.decision.reason == "not_reviewer"

    article.ad_review_recorded_by = editor()
    with pytest.raises(CompliancePublishBlocked):
        article.save_revision().publish()
    assert not _live(article)


def test_violation_added_after_the_certificate_is_not_covered(article) -> None:
    user = reviewer()
    page_ad_review_record(
        page=article, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    )
    article.body = [{"type": "paragraph", "value": rich("6 周调理，根治失眠。", "治愈率达 99%")}]

    with pytest.raises(CompliancePublishBlocked) as blocked:
        article.save_revision(user=editor()).publish()

    # the text changed, so the certificate no longer speaks for it (before any scope check)
    assert blocked.value.decision.reason == "content_changed"
    assert not _live(article)


def test_a_new_finding_in_the_approved_text_is_not_covered(article) -> None:
    # given a certificate for the text as it is, whose recorded scope misses a finding the
    # rules find in that same text (rules grow between versions; the text did not change)
    user = reviewer()
    page_ad_review_record(
        page=article, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    )
    article.refresh_from_db()
    page = article.get_latest_revision_as_object()
    page.ad_review_scope = []

    # when it is published, then the finding is not covered
    with pytest.raises(CompliancePublishBlocked) as blocked:
        page.save_revision().publish()
    assert blocked.value.decision.reason == "uncovered"
    assert not _live(article)


# issue 17: a certificate approves a text, not a rule and a word
def _rewrite(page, *paragraphs: str) -> None:
    page.body = [{"type": "paragraph", "value": rich(*paragraphs)}]


def test_a_certificate_approves_the_text_it_was_recorded_for(article) -> None:
    # given a reviewer's certificate for 「6 周调理，根治失眠。」, published
    user = reviewer()
    _rewrite(article, "6 周调理，根治失眠。", "每周复诊一次。")
    page_ad_review_record(
        page=article, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    ).publish()
    assert _live(article)

    # when an editor rewrites one other sentence (no new finding) and publishes
    page = ArticlePage.objects.get(pk=article.pk)
    _rewrite(page, "6 周调理，根治失眠。", "疗程内可以随时加做检查。")
    with pytest.raises(CompliancePublishBlocked) as blocked:
        page.save_revision(user=editor()).publish()

    # then it is refused, the live page keeps the reviewed text
    assert blocked.value.decision.reason == "content_changed"
    assert "内容在记录审查证明后有改动，须由审查人员重新确认" in str(blocked.value)
    assert "每周复诊一次" in str(ArticlePage.objects.get(pk=article.pk).body)

    # when the reviewer records the certificate again for the new text, it publishes
    page = ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object()
    page_ad_review_record(
        page=page, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    ).publish()
    live = ArticlePage.objects.get(pk=article.pk)
    assert "疗程内可以随时加做检查" in str(live.body)
    assert live.compliance_result["decision"] == "certified"


def test_text_the_check_does_not_read_leaves_the_certificate_standing(article) -> None:
    # given a certified page
    page_ad_review_record(
        page=article, user=reviewer(), certificate=CERTIFICATE, valid_until=printed_until()
    ).publish()

    # when its slug and canonical link change (not text the check reads), it publishes
    page = ArticlePage.objects.get(pk=article.pk)
    page.slug = "plan-2026"
    page.canonical_url = "https://example.com/plan"
    page.save_revision().publish()

    assert ArticlePage.objects.get(pk=article.pk).slug == "plan-2026"


@pytest.mark.parametrize(
    "change",
    [
        lambda page: setattr(page, "seo_title", "失眠调理方案｜六周"),
        lambda page: setattr(page, "search_description", "六周调理方案，每周复诊。"),
        lambda page: setattr(page, "title", "失眠六周调理方案"),
    ],
    ids=["seo_title", "search_description", "title"],
)
def test_titles_and_descriptions_are_part_of_the_approved_text(article, change) -> None:
    page_ad_review_record(
        page=article, user=reviewer(), certificate=CERTIFICATE, valid_until=printed_until()
    ).publish()
    page = ArticlePage.objects.get(pk=article.pk)
    change(page)

    with pytest.raises(CompliancePublishBlocked) as blocked:
        page.save_revision().publish()
    assert blocked.value.decision.reason == "content_changed"


def test_a_certificate_recorded_before_digests_needs_the_reviewer_again(article) -> None:
    # given a certificate recorded before the digest was kept (empty, as migrated)
    revision = page_ad_review_record(
        page=article, user=reviewer(), certificate=CERTIFICATE, valid_until=printed_until()
    )
    content = dict(revision.content, ad_review_text_hash="")
    type(revision).objects.filter(pk=revision.pk).update(content=content)

    # when it is published, then the reviewer has to confirm it first
    with pytest.raises(CompliancePublishBlocked) as blocked:
        type(revision).objects.get(pk=revision.pk).publish()
    assert blocked.value.decision.reason == "content_changed"
    assert not _live(article)


def test_reviewer_who_lost_the_permission_no_longer_vouches(article) -> None:
    user = reviewer()
    revision = page_ad_review_record(
        page=article, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    )
    user.groups.clear()  # the revision loads its recorder afresh, without cached perms

    with pytest.raises(CompliancePublishBlocked):
        revision.publish()
    assert not _live(article)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("（京）医广【2026】第01-23-001号", True),
        ("(沪)医广[2025]第2501-001号", True),
        ("（沪）医广【2026】第 08-12-0031 号", True),
        ("（粤）医广【2026】0312", True),
        ("", False),
        ("待审查", False),
        ("医广2026", False),
        ("（京）医广【26】第1号", False),
        ("（沪）医广【2026】第" + "1" * 66, False),  # a paste cut at the field's 80 characters
        ("（沪）医广【2026】第08-12-P0036-0001-0002号", True),
        ("（沪）医广【2026】第1-----号", False),  # dashes only join letters and digits
        ("（沪）医广【2026】第-01-23号", False),
        ("（沪）医广【2026】第01--23号", False),
        ("（沪）医广【2026】第01-23-号", False),
        ("（沪）医广【2026】第01－23—001号", True),
        # twenty-first session: zeros alone number nothing
        ("（沪）医广【2026】第0号", False),
        ("（沪）医广【2026】第000号", False),
        ("（沪）医广【2026】第00-000号", False),
        ("（沪）医广【2026】第 0 号", False),
        ("（沪）医广【2026】第0-01号", True),
        ("（沪）医广【2026】第0A号", True),
    ],
)
def test_certificate_number_format_is_checked_loosely(number: str, valid: bool) -> None:
    assert certificate_is_valid(number) is valid


def test_reviewer_with_a_malformed_number_is_refused(article) -> None:
    with pytest.raises(ValidationError):
        page_ad_review_record(
            page=article, user=reviewer(), certificate="待补", valid_until=printed_until()
        )

    assert article.revisions.count() == 0


def test_publishing_a_revision_loaded_later_judges_the_revision_content(article) -> None:
    # given a certified revision, published later from a freshly loaded revision (as
    # workflows and scheduled publishing do), while the page row still has no certificate
    revision = page_ad_review_record(
        page=article, user=reviewer(), certificate=CERTIFICATE, valid_until=printed_until()
    )
    loaded = type(revision).objects.get(pk=revision.pk)
    assert ArticlePage.objects.get(pk=article.pk).ad_review_certificate == ""

    loaded.publish()

    page = ArticlePage.objects.get(pk=article.pk)
    assert page.live
    assert page.compliance_result["decision"] == "certified"


def test_a_copy_does_not_inherit_the_certificate(article) -> None:
    page_ad_review_record(
        page=article, user=reviewer(), certificate=CERTIFICATE, valid_until=printed_until()
    ).publish()
    article.refresh_from_db()
    assert article.ad_review_certificate == CERTIFICATE  # the original row carries it

    copy = article.copy(update_attrs={"slug": "plan-copy", "title": "失眠调理方案（副本）"})

    copy = ArticlePage.objects.get(pk=copy.pk)
    assert (copy.ad_review_certificate, copy.ad_review_recorded_by, copy.ad_review_scope) == (
        "",
        None,
        [],
    )
    with pytest.raises(CompliancePublishBlocked):
        copy.save_revision().publish()


# ---- a medical-ad page needs its certificate whatever its wording (issue 17 point 4) -------


def _clean_conversion() -> ArticlePage:
    return draft(
        hub(),
        ArticlePage(
            title="失眠门诊咨询",
            slug="clinic",
            layer="conversion",
            body=[{"type": "paragraph", "value": rich("由睡眠门诊医生评估后制定调理方案。")}],
        ),
    )


def test_a_medical_ad_without_a_finding_still_needs_a_reviewer_certificate() -> None:
    """Review of issue 17: a 转化 article or landing page with no finding published with no
    certificate at all; it is a medical ad (医疗广告管理办法 Art. 3, 8) whatever its words."""
    page = _clean_conversion()
    with pytest.raises(CompliancePublishBlocked) as blocked:
        page.save_revision().publish()
    assert blocked.value.decision.reason == "no_certificate"
    assert "属于医疗广告" in str(blocked.value)
    assert not _live(page)

    # an editor typing a number is not a review
    page.ad_review_certificate = CERTIFICATE
    page.ad_review_valid_until = printed_until()
    with pytest.raises(CompliancePublishBlocked) as typed:
        page.save_revision(user=editor()).publish()
    assert typed.value.decision.reason == "not_reviewer"

    # the reviewer's certificate for this text publishes it
    user = reviewer()
    page_ad_review_record(
        page=page, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    ).publish()
    assert _live(page)
    assert ArticlePage.objects.get(pk=page.pk).compliance_result["decision"] == "certified"

    # and a rewritten sentence needs the reviewer again, findings or none
    page = ArticlePage.objects.get(pk=page.pk)
    page.body = [{"type": "paragraph", "value": rich("由睡眠门诊医生当面评估。")}]
    with pytest.raises(CompliancePublishBlocked) as changed:
        page.save_revision().publish()
    assert changed.value.decision.reason == "content_changed"


def test_a_clean_science_article_needs_no_certificate() -> None:
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠卫生",
            slug="hygiene",
            layer="science",
            body=[{"type": "paragraph", "value": rich("固定起床时间有助于睡眠。")}],
        ),
    )
    page.save_revision().publish()
    assert _live(page)
    assert ArticlePage.objects.get(pk=page.pk).compliance_result["decision"] == "clean"


def test_a_certificate_approves_the_pictures_too() -> None:
    """Review of issue 17 (M6): on a certified 转化 article another cover (a before/after photo
    under the same title) kept the certificate standing."""
    from tests.cms.compliance_support import image

    page = _clean_conversion()
    page.cover = image("封面")
    page_ad_review_record(
        page=page, user=reviewer(), certificate=CERTIFICATE, valid_until=printed_until()
    ).publish()
    assert _live(page)

    page = ArticlePage.objects.get(pk=page.pk)
    page.cover = image("封面")  # same title, another picture
    with pytest.raises(CompliancePublishBlocked) as swapped:
        page.save_revision().publish()
    assert swapped.value.decision.reason == "content_changed"
