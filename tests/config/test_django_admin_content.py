"""Public content is edited only where the compliance gate sees it: Django's admin has no
tag, image or document screen (a tag renamed there to a WeChat id showed on every live 科普
page carrying it; fifteenth verification of issue 17), and keeps the screens nothing else
offers (beat schedules)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from taggit.models import Tag
from wagtail.documents.models import Document
from wagtail.images.models import Image

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Tag, Image, Document])
def test_content_models_are_not_in_django_admin(model) -> None:
    import config.urls  # noqa: F401  the URLconf mounts Django's admin without them

    assert not admin.site.is_registered(model)


@pytest.mark.parametrize(
    "path",
    [
        "/django-admin/taggit/tag/",
        "/django-admin/taggit/tag/1/change/",
        "/django-admin/wagtailimages/image/",
        "/django-admin/wagtaildocs/document/",
    ],
)
def test_a_superuser_finds_no_content_screen_there(admin_client, path) -> None:
    assert admin_client.get(path).status_code == 404


def test_a_tag_rename_posted_there_changes_nothing(admin_client) -> None:
    tag = Tag.objects.create(name="专家说", slug="zhuanjia")

    response = admin_client.post(
        f"/django-admin/taggit/tag/{tag.pk}/change/", {"name": "加微信yl2026预约面诊", "slug": "x"}
    )

    assert response.status_code == 404
    assert Tag.objects.get(pk=tag.pk).name == "专家说"


def test_beat_schedules_are_still_there(admin_client) -> None:
    assert admin_client.get("/django-admin/django_celery_beat/periodictask/").status_code == 200
