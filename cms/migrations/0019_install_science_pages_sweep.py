"""Beat row for the daily re-check of live 科普 pages (issue 17 review round 2, M1): where a
page's links lead can change after it was published (a redirect, a linked page turned 转化)."""

from django.db import migrations

from config.beat import periodic_task_install, periodic_task_remove

NAME = "科普页面合规复查（每日）"


def install(apps, schema_editor):
    periodic_task_install(
        name=NAME, task="cms.science_pages_sweep", minute="40", hour="0", apps=apps
    )


def uninstall(apps, schema_editor):
    periodic_task_remove(name=NAME, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0018_video_address_paths"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
