from django.db import migrations, models
from django.db.models import F


def half_adds_forward(apps, schema_editor):
    """Contacts still 待通过 were written with the half add's time as their add time: it is
    the request's time (`half_added_at`), and they have no add yet."""
    WecomContact = apps.get_model("channels", "WecomContact")
    WecomContact.objects.filter(status="pending", added_at__isnull=False).update(
        half_added_at=F("added_at"), added_at=None
    )


def half_adds_backward(apps, schema_editor):
    WecomContact = apps.get_model("channels", "WecomContact")
    WecomContact.objects.filter(status="pending", added_at__isnull=True).update(
        added_at=F("half_added_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0016_wecom_contact_add_recorded_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="wecomcontact",
            name="half_added_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="申请添加时间（待通过）"
            ),
        ),
        migrations.RunPython(half_adds_forward, half_adds_backward),
    ]
