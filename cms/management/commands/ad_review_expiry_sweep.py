"""The daily sweep of expired medical-ad certificates as a command (issue 17 point 4): for
cron on a deployment without Celery beat, and for staff who want it now. Beat runs the same
service daily (`cms.ad_review_expiry_sweep`, `cms.services.ad_review.ad_review_expired_flag`):
every live landing page, 转化 article and service package whose certificate's printed
validity ended before today (Asia/Shanghai) is flagged and unpublished, staff notified once."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "下线医疗广告审查证明已过期的在线广告（落地页、转化文章、服务包）并标记、通知（每日任务）"
    )

    def handle(self, *args, **options) -> None:
        from cms.services.ad_review import ad_review_expired_flag

        taken_down = ad_review_expired_flag()
        self.stdout.write(f"审查证明过期下线：{taken_down} 个广告")
