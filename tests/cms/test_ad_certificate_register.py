"""One 医疗广告审查证明 approves one ad (issue 17 review round 2, M7): a number already recorded
for another page or package is refused with a zh-hans message, by a unique register (not a
check before an insert); the same page records it again on a new revision."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cms.compliance.gate import (
    CERTIFICATE_TAKEN,
    certificate_normalise,
    page_ad_review_record,
    publish_decision,
)
from cms.compliance.page import check_page
from cms.models import AdReviewCertificate, ArticlePage
from tests.cms.compliance_support import CERTIFICATE, draft, hub, printed_until, reviewer, rich
from tests.funnel.factories import PackageFactory

pytestmark = pytest.mark.django_db

# the same number as a reviewer might type it again: other spaces, ASCII brackets
SAME_NUMBER = [
    CERTIFICATE,
    CERTIFICATE.replace("第", "第 ").replace("号", " 号"),
    CERTIFICATE.replace("（", "(").replace("）", ")").replace("【", "[").replace("】", "]"),
]


def _conversion(parent, slug: str) -> ArticlePage:
    return draft(
        parent,
        ArticlePage(
            title=f"失眠调理方案 {slug}",
            slug=slug,
            layer="conversion",
            body=[{"type": "paragraph", "value": rich("6 周睡眠调理。")}],
        ),
    )


def _record(obj, number: str, username: str = "shencha"):
    return page_ad_review_record(
        page=obj, user=reviewer(username), certificate=number, valid_until=printed_until()
    )


@pytest.mark.parametrize("number", SAME_NUMBER)
def test_a_number_recorded_for_one_page_is_refused_on_another(number) -> None:
    # given a page whose certificate is recorded
    parent = hub()
    first = _conversion(parent, "first")
    _record(first, CERTIFICATE)
    second = _conversion(parent, "second")
    revisions = second.revisions.count()

    # when a reviewer records the same number on another page
    with pytest.raises(ValidationError) as refused:
        _record(second, number, "shencha-2")

    # then it is refused in Chinese, and the second page got no revision with it
    assert refused.value.messages == [CERTIFICATE_TAKEN]
    assert second.revisions.count() == revisions
    assert AdReviewCertificate.objects.count() == 1


def test_a_pages_number_is_refused_on_a_package_and_the_reverse() -> None:
    parent = hub()
    page = _conversion(parent, "page")
    _record(page, CERTIFICATE)
    package = PackageFactory()

    with pytest.raises(ValidationError, match="一份审查证明只批准一个广告"):
        _record(package, CERTIFICATE, "shencha-2")
    other = CERTIFICATE.replace("001号", "002号")
    _record(package, other, "shencha-3")
    with pytest.raises(ValidationError, match="一份审查证明只批准一个广告"):
        _record(_conversion(parent, "later"), other, "shencha-4")


def test_the_same_page_records_its_number_again() -> None:
    # given a page live on its certificate
    page = _conversion(hub(), "plan")
    _record(page, CERTIFICATE).publish()

    # when its text changes and the reviewer records the same certificate for the new revision
    page = ArticlePage.objects.get(pk=page.pk)
    page.body = [{"type": "paragraph", "value": rich("8 周睡眠调理。")}]
    revision = _record(page, CERTIFICATE, "shencha-2")

    # then it is accepted and goes live
    revision.publish()
    assert ArticlePage.objects.get(pk=page.pk).ad_review_certificate == CERTIFICATE
    assert AdReviewCertificate.objects.count() == 1


def test_a_page_carrying_another_ads_number_is_not_published() -> None:
    # given a live page on its certificate, and a second page carrying the same fields (as a
    # copy, an import or an edit of the row would)
    parent = hub()
    first = _conversion(parent, "first")
    _record(first, CERTIFICATE).publish()
    first = ArticlePage.objects.get(pk=first.pk)
    second = _conversion(parent, "second")
    for name in ("ad_review_certificate", "ad_review_recorded_by", "ad_review_valid_until"):
        setattr(second, name, getattr(first, name))
    second.ad_review_text_hash = first.ad_review_text_hash

    # then the gate refuses it as another ad's certificate
    decision = publish_decision(page=second, report=check_page(second))
    assert (decision.allowed, decision.reason) == (False, "duplicate")
    assert CERTIFICATE_TAKEN in decision.message


def test_the_register_is_a_constraint() -> None:
    # given a registered number
    page = _conversion(hub(), "plan")
    _record(page, CERTIFICATE)
    row = AdReviewCertificate.objects.get()

    # when anything inserts it again, bypassing the services
    with pytest.raises(IntegrityError), transaction.atomic():
        AdReviewCertificate.objects.create(
            number=row.number, shown=row.shown, content_type_id=row.content_type_id, object_id="0"
        )


# issue 17 review round 2, M3: respellings of one number (letter case, 第/号 left out, other
# brackets and dashes, spaces) are that number in the register
HELD = "（沪）医广【{year}】第 08-12-P0011 号"
RESPELLED = [
    "（沪）医广【{year}】第 08-12-p0011 号",
    "（沪）医广【{year}】08-12-P0011",
    "（沪）医广【{year}】第08-12-P0011",
    "（沪）医广【{year}】08-12-P0011号",
    "(沪)医广[{year}]第08－12－p0011号",
    "（沪） 医广 【{year}】 第 08—12—P0011 号",
    # second verification of the review: round brackets, no dashes, a trailing dash, a zero
    "（沪）医广（{year}）第08-12-P0011号",
    "(沪)医广({year})08-12-P0011",
    "(沪)医广[{year}]008-12-P0011",
]  # 「08-12-P0011-」 is refused as no number at all (a dash joins groups only)
# Other certificates: the serial's groups are part of its number (twentieth verification B2)
OTHERS = [
    ("（京）医广【{year}】第01-23-001号", "（京）医广【{year}】第12-03-001号"),
    ("（京）医广【{year}】第1-12-1号", "（京）医广【{year}】第11-2-1号"),
    ("（沪）医广【{year}】第08-12-P0011号", "（沪）医广【{year}】第0812P0011号"),
]


@pytest.mark.parametrize(("held", "other"), OTHERS)
def test_numbers_whose_groups_differ_are_two_certificates(held, other) -> None:
    year = printed_until().year - 1
    _record(_conversion(hub(), "held"), held.format(year=year))

    _record(PackageFactory(), other.format(year=year), "shencha-2")

    assert AdReviewCertificate.objects.count() == 2


@pytest.mark.parametrize("respelled", RESPELLED)
def test_a_respelled_number_is_the_held_number(respelled) -> None:
    year = printed_until().year - 1
    parent = hub()
    _record(_conversion(parent, "held"), HELD.format(year=year))
    package = PackageFactory()

    with pytest.raises(ValidationError) as refused:
        _record(package, respelled.format(year=year), "shencha-2")

    assert refused.value.messages == [CERTIFICATE_TAKEN]
    assert AdReviewCertificate.objects.count() == 1


@pytest.mark.parametrize(
    "digits",
    [
        str.maketrans("0123456789", "０１２３４５６７８９"),  # full-width
        str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),  # Arabic-Indic
        str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"),  # mathematical bold
    ],
)
@pytest.mark.parametrize("part", ["year", "serial"])
def test_a_number_with_non_ascii_digits_is_refused(digits, part) -> None:
    year = str(printed_until().year - 1)
    serial = "08-12-P0011"
    if part == "year":
        year = year.translate(digits)
    else:
        serial = serial.translate(digits)

    with pytest.raises(ValidationError, match="格式不正确"):
        _record(PackageFactory(), f"（沪）医广【{year}】第 {serial} 号")

    assert AdReviewCertificate.objects.count() == 0


def test_the_migration_rewrites_held_numbers_in_the_canonical_form() -> None:
    """cms/0017: rows held in the old form (spaces dropped, brackets in ASCII) become the
    canonical form; a later row that is the same number respelled keeps nothing blocked."""
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    migration = importlib.import_module("cms.migrations.0017_ad_review_certificate_canonical")
    kind = ContentType.objects.get_for_model(AdReviewCertificate)
    old = [
        ("(沪)医广[2026]第08-12-P0011号", "（沪）医广【2026】第 08-12-P0011 号", "1"),
        ("(沪)医广[2026]第08-12-p0011号", "（沪）医广【2026】第08-12-p0011号", "2"),
        ("(京)医广[2026]01-23-001", "（京）医广【2026】01-23-001", "3"),
    ]
    for number, shown, object_id in old:
        AdReviewCertificate.objects.create(
            number=number, shown=shown, content_type=kind, object_id=object_id
        )

    migration.canonicalise(apps, None)

    numbers = dict(AdReviewCertificate.objects.values_list("object_id", "number"))
    assert numbers["1"] == "沪医广2026812P11"
    assert numbers["2"].startswith("重复:")
    assert numbers["3"] == "京医广20261231"


def test_the_migration_keeps_the_groups_of_a_serial_apart() -> None:
    """cms/0021: rows of 0017's form (groups run together) are rewritten with the groups
    apart, so 京医广20261231 no longer holds 12-03-001; 「重复:」 rows stay as they are."""
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    migration = importlib.import_module("cms.migrations.0021_ad_review_certificate_groups")
    kind = ContentType.objects.get_for_model(AdReviewCertificate)
    for number, shown, object_id in [
        ("京医广20261231", "（京）医广【2026】第01-23-001号", "1"),
        ("沪医广2026812P11", "（沪）医广【2026】第 08-12-P0011 号", "2"),
        ("重复:7:(沪)医广[2026]第08-12-p0011号", "（沪）医广【2026】第08-12-p0011号", "3"),
    ]:
        AdReviewCertificate.objects.create(
            number=number, shown=shown, content_type=kind, object_id=object_id
        )

    migration.regroup(apps, None)

    numbers = dict(AdReviewCertificate.objects.values_list("object_id", "number"))
    assert numbers == {
        "1": "京-医广-2026-1-23-1",
        "2": "沪-医广-2026-8-12-P11",
        "3": "重复:7:(沪)医广[2026]第08-12-p0011号",
    }
    held = certificate_normalise("（京）医广【2026】第12-03-001号")
    assert not AdReviewCertificate.objects.filter(number=held).exists()
