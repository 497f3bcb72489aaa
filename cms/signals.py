"""Signal receivers only enqueue; the work is in services. `page_published` is the one point
every publish passes (admin, workflow approval, scheduled publishing, copies, code); Wagtail's
`after_publish_page` hook only runs for the admin's own publish button.

One receiver acts at once, and first: a page that went live without the compliance gate (a
copy published by Wagtail's copy view) must not stay live until a worker gets to it."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, Site
from wagtail.signals import page_published

from cms.sites import clear_sites_cache


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


@receiver(post_save, dispatch_uid="cms.sites_cache_on_save")
@receiver(post_delete, dispatch_uid="cms.sites_cache_on_delete")
def _sites_changed(sender, instance, **kwargs) -> None:
    """The cached site list (`cms.sites`) holds Site rows and their root pages: a change to
    either is read on the next request, in every process sharing the cache. Cleared now and
    again on commit: a request in another process may refill it from the old rows meanwhile."""
    if isinstance(instance, Site) or (
        isinstance(instance, Page) and Site.objects.filter(root_page_id=instance.pk).exists()
    ):
        clear_sites_cache()
        transaction.on_commit(clear_sites_cache)
