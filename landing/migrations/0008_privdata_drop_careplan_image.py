"""The care-plan photo's old Wagtail image column, emptied by 0007, goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("landing", "0007_privdata_private_careplan_photos"),
    ]

    operations = [
        migrations.RemoveField(model_name="careplanphoto", name="image"),
    ]
