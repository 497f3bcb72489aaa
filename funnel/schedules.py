"""The funnel's periodic tasks, written into django-celery-beat's tables (editable in the
admin afterwards) by a data migration; re-running keeps an operator's edited schedule."""

from __future__ import annotations

FUNNEL_SCHEDULES = [
    # (name, task, crontab fields)
    ("跟进提醒派发（每分钟）", "funnel.followups_dispatch", {"minute": "*"}),
    ("生日关怀计划（每天 20:00）", "funnel.birthdays_plan", {"minute": "0", "hour": "20"}),
    (
        "个人信息保存期限清理（每天 03:30）",
        "funnel.leads_purge_expired",
        {"minute": "30", "hour": "3"},
    ),
    (
        "幂等键清理（每天 03:45）",
        "funnel.idempotency_keys_purge",
        {"minute": "45", "hour": "3"},
    ),
]


def schedules_install(apps=None) -> None:
    from config.beat import periodic_task_install

    for name, task, fields in FUNNEL_SCHEDULES:
        periodic_task_install(name=name, task=task, apps=apps, **fields)
