"""Issue 13, point 26: `rotate_pii_keys` must not lose an edit made while it runs (real
PostgreSQL, two threads: an editor holding the row, the rotation arriving meanwhile)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from funnel.models import Lead

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_edit_made_during_the_rotation_is_kept(settings) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    # given a lead encrypted under the old key, and a new key put first
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], "rotation-test-new-key"
    lead = Lead.objects.create(phone_hash="rot-1", phone="+8613800000001", name="旧名字")
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    # and an editor who has changed the name and not yet committed
    locked, done = threading.Event(), threading.Event()

    def editor() -> None:
        try:
            with transaction.atomic():
                Lead.objects.filter(pk=lead.pk).update(name="新名字")
                locked.set()
                time.sleep(1.5)  # the rotation starts meanwhile
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=editor)
    thread.start()
    assert locked.wait(10)

    # when the rotation runs while the edit is in flight
    call_command("rotate_pii_keys")
    thread.join(10)

    # then the edit is kept, and it is readable with the new key alone
    assert done.is_set()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Lead.objects.get(pk=lead.pk).name == "新名字"
