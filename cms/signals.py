"""Signal receivers only enqueue; the work is in services. `page_published` is the one point
every publish passes (admin, workflow approval, scheduled publishing, code); Wagtail's
`after_publish_page` hook only runs for the admin's own publish button."""

from __future__ import annotations

from django.dispatch import receiver
from wagtail.signals import page_published


@receiver(page_published, dispatch_uid="cms.baidu_push")
def _push_to_baidu(sender, instance, **kwargs) -> None:
    from cms.services.baidu_push import baidu_push_schedule

    baidu_push_schedule(page=instance)
