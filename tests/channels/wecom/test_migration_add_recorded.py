"""channels 0016: contacts added before `add_recorded_at` existed get it from their last
write (what `_spent` read until then); rows that never had an add through a code stay empty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

BEFORE = [("channels", "0015_wecom_transfer_queue_sweeps")]
AFTER = [("channels", "0016_wecom_contact_add_recorded_at")]


@pytest.mark.django_db(transaction=True)
def test_existing_adds_are_backfilled_and_nothing_else(migrator) -> None:
    # given contacts from before the field: an add through a code, a row a deletion made
    # (no add yet), a transfer's row (no state: it came through no code)
    apps = migrator(BEFORE)
    account = apps.get_model("channels", "WecomAccount").objects.create(
        name="clinic", corp_id="ww1"
    )
    Contact = apps.get_model("channels", "WecomContact")
    at = timezone.now() - dt.timedelta(days=2)

    def contact(key: str, **fields):
        return Contact.objects.create(
            account=account, member_userid="lin", external_userid=key, external_key=key, **fields
        ).pk

    added = contact("k-added", state="yl-x", added_at=at)
    deleted_first = contact("k-deleted", state="", status="deleted_by_customer")
    transferred = contact("k-transfer", state="", added_at=at)

    # when the migration runs
    apps = migrator(AFTER)

    # then only the add through a code has its write time, the row's last write
    rows = {r.pk: r for r in apps.get_model("channels", "WecomContact").objects.all()}
    assert rows[added].add_recorded_at == rows[added].updated_at
    assert rows[deleted_first].add_recorded_at is None
    assert rows[transferred].add_recorded_at is None
    migrator(BEFORE)  # and back
