from django.db import migrations


def install(apps, schema_editor):
    # Databases migrated before 幂等键清理 existed get it; an edited schedule is kept.
    from funnel.schedules import schedules_install

    schedules_install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0025_apitoken_scopes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
