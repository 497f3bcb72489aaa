"""Beat row for the daily review-certificate expiry sweep (live pages with an expired
医疗广告审查证明 are flagged)."""

from django.db import migrations

from config.beat import periodic_task_install, periodic_task_remove

NAME = "医疗广告审查证明过期检查（每日）"


def install(apps, schema_editor):
    periodic_task_install(
        name=NAME, task="cms.ad_review_expiry_sweep", minute="10", hour="0", apps=apps
    )


def uninstall(apps, schema_editor):
    periodic_task_remove(name=NAME, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0009_ad_review_validity"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
