"""Issue 17, fifth verification HIGH-1: a draft checked when it was saved must be checked
again when it is published. Bulk 发布 and a workflow approval published a 科普 draft whose
picture file was replaced with a WeCom QR code after the save (the guard on file swaps covers
live pages only), or whose link was redirected to a landing page: the revision's report was
kept for the life of the process. Reports now live for one request or task."""

from __future__ import annotations

import io

import pytest
import segno
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import TaskState

from cms.compliance.page import check_revision
from cms.models import ArticlePage
from cms.workflows import DOCTOR_GROUP
from tests.cms.compliance_support import draft, editor, hub, image, rich

pytestmark = pytest.mark.django_db

WECOM = "https://work.weixin.qq.com/ca/cawcde8812"


def _qr_png() -> bytes:
    """A 1200 × 676 cover with the code in its middle (a cover is shown cropped)."""
    from PIL import Image as PILImage

    code = io.BytesIO()
    segno.make(WECOM, error="m").save(code, kind="png", scale=10, border=4)
    code.seek(0)
    cover = PILImage.new("RGB", (1200, 676), "white")
    qr = PILImage.open(code).convert("RGB")
    cover.paste(qr, ((1200 - qr.width) // 2, (676 - qr.height) // 2))
    out = io.BytesIO()
    cover.save(out, format="PNG")
    return out.getvalue()


def _article(parent, **fields) -> ArticlePage:
    page = draft(
        parent,
        ArticlePage(
            title="睡眠卫生",
            slug="hygiene",
            layer="science",
            body=[{"type": "paragraph", "value": rich(fields.pop("body", "固定起床时间。"))}],
            **fields,
        ),
    )
    page.save_revision()
    return page


def _swap_file(picture) -> None:
    # what the image edit form does for a picture no live page shows: a new file in place
    from django.core.files.images import ImageFile

    picture.file = ImageFile(io.BytesIO(_qr_png()), name="cover.png")
    picture.width, picture.height = 0, 0
    picture._set_image_file_metadata()
    picture.save()
    picture.renditions.all().delete()


def _bulk_publish(client, page):
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
    return client.post(f"{url}?id={page.pk}", {"include_descendants": ""})


def test_bulk_publish_reads_a_picture_replaced_after_the_draft_was_checked(client) -> None:
    cover = image("配图")
    page = _article(hub(), cover=cover)
    assert not check_revision(page.get_latest_revision()).has_blocking  # the save's check
    _swap_file(cover)
    client.force_login(editor())

    _bulk_publish(client, page)

    page.refresh_from_db()
    assert not page.live


def test_bulk_publish_reads_a_redirect_added_after_the_draft_was_checked(client) -> None:
    page = _article(hub(), body='<a href="/insomnia/old-guide/">旧版睡眠指南</a>，请参考。')
    assert not check_revision(page.get_latest_revision()).has_blocking
    Redirect.objects.create(old_path="/insomnia/old-guide", redirect_link="/lp/insomnia/")
    client.force_login(editor())

    _bulk_publish(client, page)

    page.refresh_from_db()
    assert not page.live


def test_a_workflow_approval_reads_a_picture_replaced_after_submission(client) -> None:
    cover = image("配图")
    page = _article(hub(), cover=cover)
    author = editor()
    page.get_workflow().start(page, author)
    state = TaskState.objects.get(workflow_state__object_id=str(page.pk))
    assert not check_revision(page.get_latest_revision()).has_blocking  # the review screen
    _swap_file(cover)
    doctor = editor("doctor")
    doctor.groups.add(Group.objects.get(name=DOCTOR_GROUP))
    client.force_login(doctor)

    client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", state.pk)),
        {"comment": "通过"},
    )

    page.refresh_from_db()
    assert not page.live


def test_bulk_publish_of_a_draft_whose_picture_stayed_clean_publishes(client) -> None:
    cover = image("配图")
    page = _article(hub(), cover=cover)
    check_revision(page.get_latest_revision())
    client.force_login(editor())

    _bulk_publish(client, page)

    page.refresh_from_db()
    assert page.live
