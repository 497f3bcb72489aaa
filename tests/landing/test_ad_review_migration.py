"""landing 0004 makes the review certificate one field and keeps every existing number."""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from landing.models import LandingPage

BEFORE = [("landing", "0003_compliance_gate_fields")]
AFTER = [("landing", "0004_ad_review_one_certificate")]
LATEST = [("landing", "0011_ad_review_text_hash")]
NUMBER = "（沪）医广【2026】第 08-12-0031 号"


# No serialized_rollback: a transactional test before this one (a migration test, a browser
# test) leaves content types re-created with new ids, which a restored snapshot would clash
# with; the `landing` fixture builds what this test needs.
@pytest.mark.django_db(transaction=True)
def test_the_displayed_number_becomes_the_certificate_in_rows_and_revisions(
    landing, migrator
) -> None:
    # given a landing page from before: its displayed number in its own field, the gate's
    # certificate empty, in the row and in a saved draft
    page = landing.page
    never_recorded = {
        "ad_review_certificate": "",
        "ad_review_valid_until": None,
        "ad_review_recorded_at": None,
        "ad_review_recorded_by": None,
    }
    LandingPage.objects.filter(pk=page.pk).update(**never_recorded)
    for name, value in never_recorded.items():
        setattr(page, name, value)
    revision = page.save_revision()
    content = dict(revision.content, ad_review_certificate="", ad_review_number=NUMBER)
    migrator(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE landing_landingpage SET ad_review_number = %s WHERE page_ptr_id = %s",
            [NUMBER, page.pk],
        )
        cursor.execute(
            "UPDATE wagtailcore_revision SET content = %s WHERE id = %s",
            [json.dumps(content, cls=DjangoJSONEncoder, ensure_ascii=False), revision.pk],
        )

    # when the migration runs
    apps = migrator(AFTER)

    # then the number is the page's one certificate, in the row (read as of that migration:
    # later ones add columns) and in the draft
    # (values(): the historical page class, a FormMixin, cannot be built)
    migrated = (
        apps.get_model("landing", "LandingPage")
        .objects.filter(pk=page.pk)
        .values("ad_review_certificate", "ad_review_valid_until")
        .get()
    )
    assert migrated["ad_review_certificate"] == NUMBER
    assert migrated["ad_review_valid_until"] is None  # never recorded: no date to count from
    migrator(LATEST)
    assert LandingPage.objects.get(pk=page.pk).ad_review_certificate == NUMBER
    revision.refresh_from_db()
    assert revision.content["ad_review_certificate"] == NUMBER
    assert "ad_review_number" not in revision.content
    assert revision.as_object().ad_review_certificate == NUMBER
