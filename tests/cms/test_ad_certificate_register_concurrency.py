"""Six reviewers record one certificate number on six packages at the same moment, on the real
PostgreSQL: the register's unique number lets exactly one win; the five others are refused
(issue 17 review round 2, M7: a constraint, not a check before the insert)."""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connections

from cms.models import AdReviewCertificate
from tests.cms.compliance_support import CERTIFICATE
from tests.funnel.factories import PackageFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORKERS = 6


def _claim(package_id: int, start, queue) -> None:
    from django.core.exceptions import ValidationError

    from cms.compliance.gate import certificate_claim
    from funnel.models import ServicePackage

    connections.close_all()  # never share the parent's socket
    package = ServicePackage.objects.get(pk=package_id)
    start.wait(timeout=60)
    try:
        certificate_claim(obj=package, certificate=CERTIFICATE)
    except ValidationError:
        queue.put(("refused", package_id))
    else:
        queue.put(("claimed", package_id))
    connections.close_all()


def test_six_reviewers_recording_one_number_at_once_leave_it_with_one_package() -> None:
    # given six packages
    ids = [PackageFactory().pk for _ in range(WORKERS)]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue, start = ctx.Queue(), ctx.Event()

    # when each records the same number at once
    procs = [ctx.Process(target=_claim, args=(pk, start, queue)) for pk in ids]
    for proc in procs:
        proc.start()
    start.set()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=120)

    # then exactly one holds it, in one register row, and five were refused
    claimed = [pk for outcome, pk in results if outcome == "claimed"]
    assert len(claimed) == 1
    assert sorted(outcome for outcome, _ in results).count("refused") == WORKERS - 1
    row = AdReviewCertificate.objects.get()
    assert row.object_id == str(claimed[0])
