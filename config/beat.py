"""django-celery-beat rows, written one way by data migrations (historical models through
`apps`) and by services (the live models). Schedules read in Asia/Shanghai, as clinics do."""

from __future__ import annotations

from typing import Any

TIME_ZONE = "Asia/Shanghai"


def _model(apps: Any, name: str) -> Any:
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    return apps.get_model("django_celery_beat", name)


def crontab_get(*, minute: str = "*", hour: str = "*", apps: Any = None) -> Any:
    crontab, _ = _model(apps, "CrontabSchedule").objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=TIME_ZONE,
    )
    return crontab


def periodic_task_install(
    *, name: str, task: str, minute: str = "*", hour: str = "*", apps: Any = None
) -> None:
    """Create the row once; re-running keeps an operator's edited schedule."""
    crontab = crontab_get(minute=minute, hour=hour, apps=apps)
    _model(apps, "PeriodicTask").objects.get_or_create(
        name=name, defaults={"task": task, "crontab": crontab}
    )


def periodic_task_remove(*, name: str, apps: Any = None) -> None:
    _model(apps, "PeriodicTask").objects.filter(name=name).delete()
