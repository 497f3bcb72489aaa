"""The image and document edit forms: a picture or a file (a video) shown on a published page
cannot be swapped in place.

Replacing an image's file changes every live page that shows it at once, with no publish, no
workflow and no compliance gate (review of issue 17: an editor without publish rights put a
WeCom QR code on a live 科普 page, and a certified ad's pictures changed after review). So a
new file for an image that a live page uses is refused: the editor uploads it as a new image
and puts it on the page, whose publication the gate checks (pictures decoded for QR codes,
`cms.compliance.qr`; an ad page needs its reviewer again). The focal point likewise: it picks
which part of the picture the page's crops show, so moving it onto a corner the gate never saw
(a QR code at the edge of a wide banner) is a new picture too (review of issue 17, round 2).
Title and tags stay editable. Which pages use the image: Wagtail's reference index (what
"使用情况" shows)."""

from __future__ import annotations

from django import forms
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm
from wagtail.models import Page, ReferenceIndex

FOCAL_FIELDS = ("focal_point_x", "focal_point_y", "focal_point_width", "focal_point_height")
FOCAL_IN_USE = (
    "该图片正用于已发布的页面（{pages}）：不能修改焦点区域（会改变页面显示的裁切）。"
    "请上传为新图片，在页面中替换后重新发布（发布前会再次检查）"
)
IN_USE = (
    "该{what}正用于已发布的页面（{pages}）：不能直接替换文件。"
    "请上传为新{what}，在页面中替换后重新发布（发布前会再次检查）"
)


def live_pages_using(image) -> list[Page]:
    """Live pages whose published content shows `image` (or a document: reference index),
    at most 5."""
    page_type = ReferenceIndex._get_base_content_type(Page)
    ids = (
        ReferenceIndex.get_references_to(image)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    return list(
        Page.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()], live=True)[:5]
    )


def _file_swap_error(form, what: str) -> None:
    if form.instance.pk and "file" in form.changed_data:
        pages = live_pages_using(form.instance)
        if pages:
            names = "、".join(f"「{p.title}」" for p in pages)
            form.add_error("file", forms.ValidationError(IN_USE.format(what=what, pages=names)))


def _focal_point_error(form) -> None:
    moved = [name for name in FOCAL_FIELDS if name in form.changed_data]
    if form.instance.pk and moved:
        pages = live_pages_using(form.instance)
        if pages:
            names = "、".join(f"「{p.title}」" for p in pages)
            form.add_error(None, forms.ValidationError(FOCAL_IN_USE.format(pages=names)))


class GatedImageForm(BaseImageForm):
    def clean(self):
        cleaned = super().clean()
        _file_swap_error(self, "图片")
        _focal_point_error(self)
        return cleaned


class GatedDocumentForm(BaseDocumentForm):
    """A video file (VideoPage plays a Wagtail document) follows the pictures' rule."""

    def clean(self):
        cleaned = super().clean()
        _file_swap_error(self, "文件")
        return cleaned
