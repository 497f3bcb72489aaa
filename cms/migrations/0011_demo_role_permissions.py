"""Permissions the editorial roles need to do their jobs in the admin.

- 医疗广告审查 (ad reviewers) reach the admin and may edit pages (not publish them): a
  reviewer records the review certificate on the page itself, often while it waits in the
  doctor's review (MedicalReviewTask opens the editor to them).
- Editors and Moderators may view and change the channel drafts (the 「修改」 link of the
  drafts screen opens the snippet editor): without it they got "no permission".
"""

from django.db import migrations

REVIEWER_GROUP = "医疗广告审查"
DRAFT_GROUPS = ("Editors", "Moderators")


def _permission(apps, app_label: str, model: str, codename: str, name: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    HomePage = apps.get_model("cms", "HomePage")

    reviewers, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
    reviewers.permissions.add(
        _permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
    )
    change_page = _permission(apps, "wagtailcore", "page", "change_page", "Can change page")
    home = HomePage.objects.first()
    if home is not None:
        GroupPagePermission.objects.get_or_create(
            group=reviewers, page_id=home.pk, permission=change_page
        )

    draft_permissions = [
        _permission(apps, "cms", "channeldraft", f"{action}_channeldraft", f"Can {action} 渠道稿")
        for action in ("view", "change")
    ]
    for group in Group.objects.filter(name__in=DRAFT_GROUPS):
        group.permissions.add(*draft_permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(
        group__name=REVIEWER_GROUP, permission__codename="change_page"
    ).delete()
    reviewers = Group.objects.filter(name=REVIEWER_GROUP).first()
    if reviewers is not None:
        reviewers.permissions.remove(*Permission.objects.filter(codename="access_admin"))
    drafts = Permission.objects.filter(codename__in=["view_channeldraft", "change_channeldraft"])
    for group in Group.objects.filter(name__in=DRAFT_GROUPS):
        group.permissions.remove(*drafts)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0010_install_ad_review_expiry_sweep"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
