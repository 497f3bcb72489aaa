"""Review certificates over time: live pages whose 医疗广告审查证明 has expired are flagged
(《医疗广告管理办法》第十三条: the certificate is valid for one year; publishing on with an
expired one is publishing an unreviewed medical ad, 《广告法》第四十六条)."""

from __future__ import annotations

import datetime
import logging

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from cms.compliance.gate import CERTIFICATE_VALIDITY, is_medical_ad, today
from cms.models.base import BasePage

logger = logging.getLogger("yinliu.cms.compliance")


def gated_page_models() -> list[type[BasePage]]:
    """Every concrete page model with the gate's fields (any app: landing pages too)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, BasePage) and not model._meta.abstract
    ]


def gated_ad_models() -> list[type]:
    """Every model whose rows the gate publishes: the page models, and service packages
    (`funnel.ServicePackage`, a medical ad with the same `ad_review_*` fields)."""
    from funnel.models import ServicePackage

    return [*gated_page_models(), ServicePackage]


EXPIRED_NOTICE_TITLE = "医疗广告审查证明过期，已下线"


def ad_review_expired_flag(*, on: datetime.date | None = None) -> int:
    """Daily (issue 17 review round 2, M7): every live page or service package whose
    certificate's validity ended before `on` (today, Asia/Shanghai) is flagged and
    unpublished — an ad whose certificate has expired is an unreviewed medical ad, so it is
    not served (until this runs, serving refuses it: `refuse_expired_ad`,
    `landing.views.package_detail`). Each is logged, and staff are notified once per run
    (`funnel.services.notify`). Returns how many were taken down. Safe to run twice: what
    was taken down is no longer live; the flag keeps its first time and is cleared when a
    reviewer records a new certificate, which the editor then publishes again."""
    from funnel.services.notify import notify

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
    taken_down: list[str] = []
    for model in gated_ad_models():
        expired = model.objects.filter(passed, live=True).exclude(ad_review_certificate="")
        for obj in expired.order_by("pk"):
            if not is_medical_ad(obj):
                # a number left on a page that is no ad (recorded before such pages stopped
                # taking one) is not read by the gate and shown nowhere: nothing expires
                continue
            # the flag first, as one UPDATE on the row (not a revision): operational state
            model.objects.filter(pk=obj.pk, ad_review_expired_at__isnull=True).update(
                ad_review_expired_at=now
            )
            obj.ad_review_expired_at = obj.ad_review_expired_at or now
            obj.unpublish(log_action=True)
            label = f"{model._meta.verbose_name}「{obj}」（{obj.ad_review_certificate}）"
            logger.warning(
                "ad review certificate expired: %s %s unpublished", model.__name__, obj.pk
            )
            taken_down.append(label)
    if taken_down:
        notify(
            title=EXPIRED_NOTICE_TITLE,
            body="以下广告的医疗广告审查证明已过期，已自动下线，须由审查人员记录新的证明后重新发布：\n"
            + "\n".join(taken_down),
            level="warning",
        )
    return len(taken_down)
