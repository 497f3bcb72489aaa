from django.db import migrations


def install(apps, schema_editor):
    from funnel.schedules import schedules_install

    schedules_install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0002_routing_scoring_followups_referrals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
