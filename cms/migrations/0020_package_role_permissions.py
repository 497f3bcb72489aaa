"""Service-package permissions for the editorial roles on every install, not only the demo's.

Since packages became Wagtail drafts with revisions (issue 17, review round 2, H4), editors
write package drafts and the 医疗广告审查 group records the certificate and publishes. The demo
seed granted this (`cms.seed.PACKAGE_PERMISSIONS`); an existing install upgraded by `migrate`
had groups without it, so its editors met "no permission" on 服务包 (closing note of the
eighth session). Groups that do not exist are left alone: this grants, it creates no role.
"""

from django.db import migrations

REVIEWER_GROUP = "医疗广告审查"
# kept equal to cms.seed.PACKAGE_PERMISSIONS (tests/cms/test_demo_roles.py compares them)
PACKAGE_PERMISSIONS = {
    "Editors": ("view_servicepackage", "add_servicepackage", "change_servicepackage"),
    REVIEWER_GROUP: ("view_servicepackage", "change_servicepackage", "publish_servicepackage"),
}
NAMES = {
    "view_servicepackage": "Can view 服务包",
    "add_servicepackage": "Can add 服务包",
    "change_servicepackage": "Can change 服务包",
    "publish_servicepackage": "Can publish 服务包",
    "view_specialty": "Can view 专科",
}


def _permission(apps, model: str, codename: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="funnel", model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": NAMES[codename]}
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=PACKAGE_PERMISSIONS):
        codenames = PACKAGE_PERMISSIONS[group.name]
        group.permissions.add(
            *(_permission(apps, "servicepackage", codename) for codename in codenames),
            _permission(apps, "specialty", "view_specialty"),
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=PACKAGE_PERMISSIONS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="funnel", codename__in=PACKAGE_PERMISSIONS[group.name]
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0019_install_science_pages_sweep"),
        ("funnel", "0024_servicepackage_draft_state_ad_review"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
