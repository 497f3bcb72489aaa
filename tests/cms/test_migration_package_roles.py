"""cms 0020: an install upgraded by `migrate` gives its editorial groups the service-package
permissions the demo seed gives (editors write drafts, 医疗广告审查 publishes)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from cms import seed

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("cms.migrations.0020_package_role_permissions")


def _codenames(group: Group) -> set[str]:
    return set(group.permissions.values_list("codename", flat=True))


def test_existing_groups_get_the_package_permissions_the_seed_gives() -> None:
    # given an install whose editorial groups predate package drafts
    editors, _ = Group.objects.get_or_create(name="Editors")
    reviewers, _ = Group.objects.get_or_create(name=MIGRATION.REVIEWER_GROUP)
    for group in (editors, reviewers):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="funnel"))

    # when the migration runs
    MIGRATION.grant(django_apps, None)

    # then each group holds what the seed grants, and no more package permissions
    assert _codenames(editors) >= {"add_servicepackage", "change_servicepackage", "view_specialty"}
    assert "publish_servicepackage" not in _codenames(editors)
    assert _codenames(reviewers) >= {"publish_servicepackage", "change_servicepackage"}
    assert "add_servicepackage" not in _codenames(reviewers)


def test_a_missing_group_is_not_created_and_revoke_undoes_the_grant() -> None:
    Group.objects.filter(name=MIGRATION.REVIEWER_GROUP).delete()
    editors, _ = Group.objects.get_or_create(name="Editors")

    MIGRATION.grant(django_apps, None)
    assert not Group.objects.filter(name=MIGRATION.REVIEWER_GROUP).exists()
    assert "add_servicepackage" in _codenames(editors)

    MIGRATION.revoke(django_apps, None)
    assert not _codenames(editors) & set(MIGRATION.PACKAGE_PERMISSIONS["Editors"])


def test_the_migration_grants_what_the_seed_grants() -> None:
    assert MIGRATION.PACKAGE_PERMISSIONS == seed.PACKAGE_PERMISSIONS
    assert MIGRATION.REVIEWER_GROUP == seed.REVIEWER_GROUP
