"""Beat row for scheduled publishing (Wagtail's `publish_scheduled`, through the compliance
gate): nothing ran it before, so a page scheduled in the editor never went live."""

from django.db import migrations

from config.beat import periodic_task_install, periodic_task_remove

NAME = "定时发布（每分钟）"


def install(apps, schema_editor):
    periodic_task_install(name=NAME, task="cms.publish_scheduled", minute="*", apps=apps)


def uninstall(apps, schema_editor):
    periodic_task_remove(name=NAME, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0014_ad_review_text_hash"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
