"""Members of the old many-to-many move to membership rows (joined now: the old table kept no
time), the group's count follows; a group holding more than its capacity has its capacity
raised to fit rather than members dropped. Then the old table goes."""

from django.db import migrations
from django.utils import timezone


def members_copy(apps, schema_editor):
    PrivateGroup = apps.get_model("funnel", "PrivateGroup")
    GroupMembership = apps.get_model("funnel", "GroupMembership")
    now = timezone.now()
    for group in PrivateGroup.objects.all():
        lead_ids = list(group.members.values_list("pk", flat=True))
        GroupMembership.objects.bulk_create(
            [GroupMembership(group=group, lead_id=i, joined_at=now) for i in lead_ids]
        )
        group.member_count = len(lead_ids)
        group.capacity = max(group.capacity, len(lead_ids))
        group.save(update_fields=["member_count", "capacity"])


class Migration(migrations.Migration):
    dependencies = [("funnel", "0012_groups_supervisors_membership")]

    operations = [
        migrations.RunPython(members_copy, migrations.RunPython.noop),
        migrations.RemoveField(model_name="privategroup", name="members"),
    ]
