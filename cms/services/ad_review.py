"""Review certificates over time: live pages whose 医疗广告审查证明 has expired are flagged
(《医疗广告管理办法》第十三条: the certificate is valid for one year; publishing on with an
expired one is publishing an unreviewed medical ad, 《广告法》第四十六条)."""

from __future__ import annotations

import datetime
import logging

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from cms.compliance.gate import CERTIFICATE_VALIDITY, today
from cms.models.base import BasePage

logger = logging.getLogger("yinliu.cms.compliance")


def gated_page_models() -> list[type[BasePage]]:
    """Every concrete page model with the gate's fields (any app: landing pages too)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, BasePage) and not model._meta.abstract
    ]


def ad_review_expired_flag(*, on: datetime.date | None = None) -> int:
    """Flags (once) every live page whose certificate's validity ended before `on` (today,
    Asia/Shanghai); returns how many were newly flagged. Safe to run twice: a flagged page
    keeps its first flag time, and recording a new certificate clears the flag."""
    on = on or today()
    now = timezone.now()
    # A certificate recorded before the printed date was required (none on the row) is
    # read as the gate reads it (`certificate_valid_until`): a year from the day it was
    # recorded, so it expired if recorded before this Shanghai midnight.
    recorded_before = timezone.make_aware(
        datetime.datetime.combine(on - CERTIFICATE_VALIDITY, datetime.time.min)
    )
    passed = Q(ad_review_valid_until__lt=on) | Q(
        ad_review_valid_until__isnull=True, ad_review_recorded_at__lt=recorded_before
    )
    flagged = 0
    for model in gated_page_models():
        expired = model.objects.filter(
            passed, live=True, ad_review_expired_at__isnull=True
        ).exclude(ad_review_certificate="")
        ids = list(expired.values_list("pk", flat=True))
        if not ids:
            continue
        # one UPDATE on the rows (not a revision): the flag is operational state
        flagged += model.objects.filter(pk__in=ids, ad_review_expired_at__isnull=True).update(
            ad_review_expired_at=now
        )
        for page_id in ids:
            logger.warning(
                "ad review certificate expired on live page %s (%s)", page_id, model.__name__
            )
    return flagged
