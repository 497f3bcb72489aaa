"""Signal receivers only enqueue; the work is in services. `page_published` is the one point
every publish passes (admin, workflow approval, scheduled publishing, copies, code); Wagtail's
`after_publish_page` hook only runs for the admin's own publish button.

One receiver acts at once, and first: a page that went live without the compliance gate (a
copy published by Wagtail's copy view) must not stay live until a worker gets to it."""

from __future__ import annotations

from django.dispatch import receiver
from wagtail.signals import page_published


@receiver(page_published, dispatch_uid="cms.compliance_recheck")
def _published_recheck(sender, instance, revision=None, **kwargs) -> None:
    from cms.compliance.gate import published_page_recheck

    published_page_recheck(page=instance, revision=revision)


@receiver(page_published, dispatch_uid="cms.baidu_push")
def _push_to_baidu(sender, instance, **kwargs) -> None:
    if not type(instance).objects.filter(pk=instance.pk, live=True).exists():
        return  # taken down again by the compliance recheck: nothing to announce
    from cms.services.baidu_push import baidu_push_schedule

    baidu_push_schedule(page=instance)
