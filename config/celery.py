"""Celery application. Settings come from Django's (CELERY_* names); tasks are autodiscovered.

Production settings unless DJANGO_SETTINGS_MODULE says otherwise (`make demo` names the dev
settings); a worker or beat with DEBUG off refuses weak or throwaway keys at start."""

from __future__ import annotations

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("yinliu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_weak_keys(**kwargs) -> None:
    from django.conf import settings

    from config.keys import keys_refuse_weak

    keys_refuse_weak(settings)


def startup_objects_freeze(*, collect: bool = True) -> None:
    """Move every object alive now (Django's and Wagtail's models, URL patterns, templates,
    compiled rules: built at start, kept for the process's life) out of the garbage
    collector's reach (`gc.freeze`, which Python's documentation recommends for pre-forked
    servers). A pull or an import allocates hundreds of thousands of short-lived objects per
    minute, and each full collection would otherwise walk the whole start-up heap again:
    about a tenth of a 10,000-lead pull (`make bench ONLY=channels` sets its process up the
    same way). Nothing is leaked: a frozen object is still freed when its last reference goes,
    only cycles among start-up objects are no longer looked for."""
    import gc

    if collect:
        gc.collect()
    gc.freeze()


@signals.worker_init.connect
def _freeze_before_fork(**kwargs) -> None:
    # In the worker's main process, before the prefork pool forks (the solo and thread pools
    # run tasks in this process): children inherit the frozen generation and share its pages.
    startup_objects_freeze()


@signals.worker_process_init.connect
def _freeze_after_fork(**kwargs) -> None:
    # In each prefork child, what it built since the fork; no collection here: it would write
    # to every inherited object's header and copy the parent's pages into each child.
    startup_objects_freeze(collect=False)
