"""Signal receivers only enqueue; the work is in services. `page_published` is the one point
every publish passes (admin, workflow approval, scheduled publishing, copies, code); Wagtail's
`after_publish_page` hook only runs for the admin's own publish button.

One receiver acts at once, and first: a page that went live without the compliance gate (a
copy published by Wagtail's copy view) must not stay live until a worker gets to it."""

from __future__ import annotations

import threading

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move, pre_page_move

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


def _is_or_under_site_root(page: Page) -> bool:
    """`page` is a Site's root page, or a child of one: adding or removing a child changes the
    root's `numchild`, and routing from a cached root with a stale count of none finds no child
    (a new hub answered 404 while the cached list held its root from before: the seed's gate
    check fills the list while it adds the hubs)."""
    if not page.path or not page.depth:
        return True  # a raw save (fixture, serialized rollback): parent unknown, clear anyway
    parent_path = page.path[: -Page.steplen] if page.depth > 1 else ""
    return Site.objects.filter(Q(root_page_id=page.pk) | Q(root_page__path=parent_path)).exists()


def _tags_reindex(sender, instance, **kwargs) -> None:
    """An article's tags are in its search index (`ArticlePage.search_fields`), but the page's
    own post_save indexes it before modelcluster writes the tag rows: the index would hold
    the tags of the save before. Each tag row written or removed reindexes its page once the
    transaction commits, through Wagtail's own indexing task."""
    page_id = instance.content_object_id
    transaction.on_commit(lambda: _article_reindex(page_id))


def _article_reindex(page_id: int) -> None:
    """Wagtail's indexing task for the article, when it still exists: deleting an article
    deletes its tag rows too, and the task's own lookup would raise on the missing page."""
    from wagtail.search.tasks import insert_or_update_object_task

    from cms.models import ArticlePage

    if ArticlePage.objects.filter(pk=page_id).exists():
        insert_or_update_object_task.enqueue("cms", "articlepage", str(page_id))


def _tags_connect() -> None:
    from cms.models.pages import ArticlePageTag

    post_save.connect(_tags_reindex, sender=ArticlePageTag, dispatch_uid="cms.tags_reindex_save")
    post_delete.connect(
        _tags_reindex, sender=ArticlePageTag, dispatch_uid="cms.tags_reindex_delete"
    )


_tags_connect()


@receiver(post_save, dispatch_uid="cms.sites_cache_on_save")
@receiver(post_delete, dispatch_uid="cms.sites_cache_on_delete")
def _sites_changed(sender, instance, **kwargs) -> None:
    """The cached site list (`cms.sites`) holds Site rows and their root pages: a change to
    either is read on the next request, in every process sharing the cache. Cleared now and
    again on commit: a request in another process may refill it from the old rows meanwhile."""
    if isinstance(instance, Site) or (
        isinstance(instance, Page) and _is_or_under_site_root(instance)
    ):
        clear_sites_cache()
        transaction.on_commit(clear_sites_cache)


# Changes made in one transaction (a seed publishing many pages, a page moved with its
# subtree) are re-checked by one task: the pending batch of this thread's transaction.
_pending = threading.local()


class _LinksBatch:
    def __init__(self) -> None:
        self.paths: set[str] = set()
        self.page_ids: set[int] = set()

    def __call__(self) -> None:
        from cms.tasks import science_links_recheck_task

        if getattr(_pending, "batch", None) is self:
            _pending.batch = None
        science_links_recheck_task.delay(paths=sorted(self.paths), page_ids=sorted(self.page_ids))


def _links_recheck_enqueue(*, paths: list[str] = (), page_ids: list[int] = ()) -> None:
    """Re-judge, after commit and in a worker, the live 科普 pages that link `paths` or the
    pages `page_ids` (issue 17 review round 2, M1): where a link leads may change without
    the linking page changing. One task per transaction, however many changes it holds."""
    connection = transaction.get_connection()
    batch = getattr(_pending, "batch", None)
    # the batch is joined only while its callback still waits on this connection (Django's
    # `run_on_commit` list of (savepoint ids, callback, robust)): a rolled-back transaction
    # or savepoint dropped it, a committed one ran it
    if batch is None or not any(entry[1] is batch for entry in connection.run_on_commit):
        batch = _LinksBatch()
        batch.paths.update(p for p in paths if p)
        batch.page_ids.update(i for i in page_ids if i)
        if connection.in_atomic_block:
            _pending.batch = batch
        transaction.on_commit(batch, robust=True)  # outside a transaction: runs now
        return
    batch.paths.update(p for p in paths if p)
    batch.page_ids.update(i for i in page_ids if i)


@receiver(page_published, dispatch_uid="cms.science_links_on_publish")
@receiver(page_unpublished, dispatch_uid="cms.science_links_on_unpublish")
def _page_changed_links(sender, instance, **kwargs) -> None:
    """A published page may now be a 转化 article, or be served at a new slug a 科普 page
    links; an unpublished one leaves its path to a redirect that may lead to lead capture."""
    _links_recheck_enqueue(page_ids=[instance.pk])


@receiver(pre_page_move, dispatch_uid="cms.ad_not_moved")
def _ad_not_moved(sender, instance, parent_page_after=None, **kwargs) -> None:
    """A medical ad is not moved to another parent, whatever path moves it (the admin's
    move and bulk move stop earlier with a message: `cms.compliance.wagtail_hooks`)."""
    from cms.compliance.gate import MoveRefused, move_refused

    if why := move_refused(instance, parent_after=parent_page_after):
        raise MoveRefused(why)


@receiver(post_page_move, dispatch_uid="cms.science_links_on_move")
def _page_moved_links(sender, instance, url_path_before="", url_path_after="", **kwargs) -> None:
    """A moved page (and its subtree) is served at new paths a 科普 page may link."""
    if url_path_before != url_path_after:
        _links_recheck_enqueue(page_ids=[instance.pk])


@receiver(post_save, sender=Redirect, dispatch_uid="cms.science_links_on_redirect_save")
@receiver(post_delete, sender=Redirect, dispatch_uid="cms.science_links_on_redirect_delete")
def _redirect_changed_links(sender, instance, **kwargs) -> None:
    """A redirect added or changed sends its old path somewhere new (a landing page); a
    deleted one hands the path back to whatever the site serves there."""
    _links_recheck_enqueue(paths=[instance.old_path])
