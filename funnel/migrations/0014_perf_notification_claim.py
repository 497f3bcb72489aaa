from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("funnel", "0013_group_members_to_memberships")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="发送中（领取时间）"),
        ),
    ]
