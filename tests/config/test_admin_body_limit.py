"""Issue 13 review: an anonymous POST to the admin (the login form, or any admin URL) with a
large body was read and parsed before anyone logged in: multipart bodies over the field limit
were parsed by the body-size middleware itself (files spooled to disk), smaller ones by the
CSRF check and the login form. An anonymous admin request declaring more than
ADMIN_ANONYMOUS_MAX_BYTES now answers 413 `payload_too_large` before its body is read;
logged-in staff keep their own (larger) upload rules."""

from __future__ import annotations

import io
import os

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import FakePayload
from PIL import Image as PILImage
from wagtail.images.models import Image

from tests.funnel.factories import UserFactory

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


@pytest.fixture
def body_reads(monkeypatch) -> list[int]:
    """How many bytes of each request body the server read (the test client's wsgi.input)."""
    reads: list[int] = []
    original = FakePayload.read

    def read(self, size=-1, /):
        chunk = original(self, size)
        reads.append(len(chunk))
        return chunk

    monkeypatch.setattr(FakePayload, "read", read)
    return reads


def _big_multipart(size: int) -> dict:
    return {
        "username": "admin",
        "password": "x",
        "file": SimpleUploadedFile("big.bin", b"x" * size),
    }


@pytest.mark.parametrize("size", [MiB, 3 * MiB], ids=["1MiB", "over the field limit"])
@pytest.mark.parametrize(
    "url", ["/admin/login/", "/admin/images/multiple/add/", "/django-admin/login/"]
)
def test_an_anonymous_oversize_admin_body_is_413_before_it_is_read(
    client, body_reads, settings, url, size
) -> None:
    assert settings.ADMIN_ANONYMOUS_MAX_BYTES <= 64 * 1024 < size

    answer = client.post(url, _big_multipart(size))

    assert answer.status_code == 413
    assert answer.json()["error"] == "payload_too_large"
    assert sum(body_reads) == 0


def test_an_anonymous_body_declared_oversize_in_any_type_is_413_unread(client, body_reads):
    answer = client.generic(
        "POST",
        "/admin/login/",
        b"username=admin&password=" + b"x" * (100 * 1024),
        content_type="application/x-www-form-urlencoded",
    )

    assert answer.status_code == 413
    assert sum(body_reads) == 0


def test_the_login_form_still_works_anonymously(client) -> None:
    user = UserFactory(username="bianji_chen")
    user.set_password("pw-for-the-test")
    user.save()
    user.groups.add(Group.objects.get(name="Editors"))

    answer = client.post(
        "/admin/login/", {"username": "bianji_chen", "password": "pw-for-the-test"}
    )

    assert answer.status_code == 302
    assert client.get("/admin/").status_code == 200


def _noise_png(side: int = 600) -> bytes:
    # random pixels do not compress: about side² × 3 bytes
    buffer = io.BytesIO()
    PILImage.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_logged_in_editor_still_uploads_a_large_image(client, body_reads, settings) -> None:
    # Given the seeded editor's kind of account (Wagtail's Editors group: images in the root
    # collection) and an image larger than the anonymous limit and the field limit
    editor = UserFactory(username="bianji_chen")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
    png = _noise_png()
    assert len(png) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    # When it is uploaded through Wagtail's multiple upload
    answer = client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("cover.png", png, content_type="image/png")},
    )

    # Then it is stored
    assert answer.status_code == 200
    assert answer.json()["success"] is True
    assert Image.objects.get().file.size == len(png)
    assert sum(body_reads) >= len(png)
