"""Choosers now need the chosen model's view (or change) permission (`funnel.admin_choosers`):
Editors and Moderators pick a specialty and a service package on landing pages (and a package
in article blocks), so they get `view_specialty` and `view_servicepackage`."""

from django.db import migrations

EDITOR_GROUPS = ("Editors", "Moderators")
CHOSEN = (("specialty", "专科"), ("servicepackage", "服务包"))


def _view_permissions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    found = []
    for model, label in CHOSEN:
        content_type, _ = ContentType.objects.get_or_create(app_label="funnel", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"view_{model}",
            defaults={"name": f"Can view {label}"},
        )
        found.append(permission)
    return found


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permissions = _view_permissions(apps)
    for group in Group.objects.filter(name__in=EDITOR_GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permissions = _view_permissions(apps)
    for group in Group.objects.filter(name__in=EDITOR_GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0011_demo_role_permissions"),
        ("funnel", "0017_erase_notification_encrypt_withdraw_perm"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
