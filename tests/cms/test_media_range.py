"""Documents (the demo video) answer HTTP Range requests with 206 Partial Content: iOS Safari
and WeChat's browser do not play an MP4 without it."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

pytestmark = pytest.mark.django_db

BODY = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8  # 2060 bytes


@pytest.fixture
def video(settings, tmp_path) -> Document:
    settings.MEDIA_ROOT = tmp_path
    doc = Document(title="演示视频")
    doc.file.save("demo.mp4", ContentFile(BODY), save=False)
    doc.save()
    return doc


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_a_range_request_gets_206_with_content_range(client, video) -> None:
    response = client.get(video.url, HTTP_RANGE="bytes=0-1")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-1/{len(BODY)}"
    assert response["Content-Length"] == "2"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert _body(response) == BODY[:2]


def test_open_ended_and_suffix_ranges(client, video) -> None:
    middle = client.get(video.url, HTTP_RANGE="bytes=1000-")
    tail = client.get(video.url, HTTP_RANGE="bytes=-12")

    assert middle.status_code == 206
    assert middle["Content-Range"] == f"bytes 1000-{len(BODY) - 1}/{len(BODY)}"
    assert _body(middle) == BODY[1000:]
    assert tail["Content-Range"] == f"bytes {len(BODY) - 12}-{len(BODY) - 1}/{len(BODY)}"
    assert _body(tail) == BODY[-12:]


def test_an_end_past_the_file_is_clamped(client, video) -> None:
    response = client.get(video.url, HTTP_RANGE=f"bytes=2000-{len(BODY) + 500}")

    assert response.status_code == 206
    assert _body(response) == BODY[2000:]


def test_an_unsatisfiable_range_is_416(client, video) -> None:
    response = client.get(video.url, HTTP_RANGE=f"bytes={len(BODY)}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(BODY)}"


@pytest.mark.parametrize(
    "header", ["", "bytes=0-1,5-9", "items=0-1", "bytes=x-y", "bytes=5-2", "bytes=9999999-3"]
)
def test_no_or_unsupported_range_gets_the_whole_file(client, video, header) -> None:
    extra = {"HTTP_RANGE": header} if header else {}
    response = client.get(video.url, **extra)

    assert response.status_code == 200
    assert _body(response) == BODY


def test_a_range_request_does_not_bypass_a_view_restriction(client, video) -> None:
    # given the video's collection is restricted to logged-in users
    from wagtail.models import BaseViewRestriction, CollectionViewRestriction

    CollectionViewRestriction.objects.create(
        collection=video.collection, restriction_type=BaseViewRestriction.LOGIN
    )

    # when an anonymous visitor asks for a range of it
    response = client.get(video.url, HTTP_RANGE="bytes=0-1")

    # then Wagtail's restriction answers first (a login redirect), not a 206 with the bytes
    assert response.status_code == 302


def test_a_long_range_is_answered_in_parts(client, video, monkeypatch) -> None:
    from cms import media_range

    monkeypatch.setattr(media_range, "MAX_PART", 1000)

    response = client.get(video.url, HTTP_RANGE="bytes=0-")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-999/{len(BODY)}"
    assert _body(response) == BODY[:1000]


# --- the full-file path's headers (review of issue 17, round 2, L3) ------------------------
@pytest.mark.parametrize("filename", ["demo.mp4", "guide.pdf", "notes.txt", "data.csv"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_a_full_document_answer_has_no_none_encoding_and_a_real_etag(
    client, settings, tmp_path, filename, method
) -> None:
    import hashlib

    settings.MEDIA_ROOT = tmp_path
    doc = Document(title=filename)
    doc.file.save(filename, ContentFile(BODY), save=False)
    doc.save()  # made in code, as the demo seed does: no hash yet
    assert doc.file_hash == ""

    response = getattr(client, method)(doc.url)

    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert response["ETag"] == f'"{hashlib.sha1(BODY).hexdigest()}"'  # noqa: S324
    doc.refresh_from_db()
    assert doc.file_hash == hashlib.sha1(BODY).hexdigest()  # noqa: S324


def test_an_empty_etag_no_longer_matches_every_unhashed_document(client, video) -> None:
    stale = client.get(video.url, HTTP_IF_NONE_MATCH='""')
    current = client.get(video.url, HTTP_IF_NONE_MATCH=client.get(video.url)["ETag"])

    assert stale.status_code == 200
    assert _body(stale) == BODY
    assert current.status_code == 304


def test_the_range_answer_keeps_its_headers(client, video) -> None:
    response = client.get(video.url, HTTP_RANGE="bytes=0-1")

    assert response.status_code == 206
    assert "Content-Encoding" not in response


def test_the_full_answer_says_ranges_are_accepted(client, video) -> None:
    """Eighteenth verification B-F12: only the 206 answers said so; a player probing with a
    plain GET did not learn it may seek."""
    response = client.get(video.url)
    head = client.head(video.url)

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert head["Accept-Ranges"] == "bytes"
    assert "Accept-Ranges" not in client.get("/robots.txt")
