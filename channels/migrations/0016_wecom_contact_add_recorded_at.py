from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    """Contacts added before this field: the row's last write is the nearest we know of when
    their add was written (as `_spent` read it until now). A contact that never had an add
    (made by a deletion or a transfer) or carries no state (it spends no code) stays empty."""
    WecomContact = apps.get_model("channels", "WecomContact")
    WecomContact.objects.filter(added_at__isnull=False).exclude(state="").update(
        add_recorded_at=F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0015_wecom_transfer_queue_sweeps"),
    ]

    operations = [
        migrations.AddField(
            model_name="wecomcontact",
            name="add_recorded_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="添加记录时间"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
