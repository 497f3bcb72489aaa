"""Beat row for the Baidu push sweep: pushes left pending are tried again."""

from django.db import migrations

from config.beat import periodic_task_install, periodic_task_remove

NAME = "百度推送补推（每小时）"


def install(apps, schema_editor):
    periodic_task_install(name=NAME, task="cms.baidu_push_sweep", minute="17", apps=apps)


def uninstall(apps, schema_editor):
    periodic_task_remove(name=NAME, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0007_doctor_review_workflow"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
