"""Beat row for the inbox sweep: stored-but-unprocessed records are picked up again."""

from django.db import migrations

from config.beat import periodic_task_install, periodic_task_remove

NAME = "原始线索补处理（每 5 分钟）"


def install(apps, schema_editor):
    periodic_task_install(name=NAME, task="channels.inbound_sweep", minute="*/5", apps=apps)


def uninstall(apps, schema_editor):
    periodic_task_remove(name=NAME, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0004_health_checkpoint"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
