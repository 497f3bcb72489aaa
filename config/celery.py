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
