"""HTTP Range requests (RFC 9110 §14) for documents such as the demo video: iOS Safari and
WeChat's browser only play an MP4 that answers `Range: bytes=0-1` with 206 Partial Content.
Wagtail's document view streams the whole file with 200; `before_serve_document` (registered
in cms.wagtail_hooks, after Wagtail's own view-restriction check) answers range requests here.
A request without Range, with several ranges, or with If-Range is left to Wagtail (a full 200,
which RFC 9110 allows).

Wagtail only accepts an `HttpResponse` from the hook (not a streaming one), so a part is read
into memory: at most MAX_PART bytes, a longer range is answered with its first MAX_PART bytes
and a Content-Range saying so (players then ask for the next part).

The full-file path stays Wagtail's (`wagtail.documents.views.serve`), with two faults fixed
around it (review of issue 17, round 2): its ETag is the document's `file_hash`, empty for a
document made in code (the demo video), which made every such file `ETag: ""` (and an
`If-None-Match: ""` a 304 for any of them) — `document_hash_ensure` fills the hash first; and
`wagtail.utils.sendfile` sets `Content-Encoding` to the guessed encoding even when there is
none, which Django writes as the text `None` — `DocumentHeadersMiddleware` drops it."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.I)
MAX_PART = 4 * 1024 * 1024


def byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) inclusive for one satisfiable range; False when unsatisfiable (416);
    None when the header is not one valid byte range we answer (serve the whole file)."""
    match = _RANGE.match(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        # an invalid range-spec (RFC 9110 §14.1.1): ignored, the whole file answered, as a
        # server may (§14.2) and as common servers do; 416 is for a valid range past the end
        return None
    end = size - 1 if not last else min(int(last), size - 1)
    if start >= size:
        return False
    return start, end


def _read(document, start: int, length: int) -> bytes:
    with document.file.storage.open(document.file.name, "rb") as fileobj:
        fileobj.seek(start)
        return fileobj.read(length)


def document_range_response(document, request) -> HttpResponse | None:
    header = request.headers.get("Range")
    if request.method not in ("GET", "HEAD") or not header or request.headers.get("If-Range"):
        return None
    size = document.file.size
    span = byte_range(header, size)
    if span is None:
        return None
    if span is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = span
    end = min(end, start + MAX_PART - 1)
    length = end - start + 1
    body = b"" if request.method == "HEAD" else _read(document, start, length)
    response = HttpResponse(body, status=206, content_type=document.content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = document.content_disposition
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def document_hash_ensure(document) -> None:
    """Fills a document's empty `file_hash` (SHA-1 of the file, saved) before Wagtail's view
    uses it as the ETag. Once per document: uploads through the admin hash at upload; only
    documents created in code (seeds, imports) arrive here without one."""
    if not document.file_hash:
        document.get_file_hash()  # Wagtail's own: hashes, then saves update_fields=[file_hash]


class DocumentHeadersMiddleware:
    """Drops a `Content-Encoding` whose value is the text "None": `wagtail.utils.sendfile`
    (Wagtail 8.0) assigns `encoding or guessed_encoding`, None for an uncompressed file, and
    Django turns the None into that text. A client honouring it would fail to decode the
    file (RFC 9110 §8.4: the codings applied to the content; there is no coding "None").

    A document's full answer (200) says `Accept-Ranges: bytes`, as its 206 answers do: a
    player that probes with a plain GET learns it may seek (RFC 9110 §14.3; eighteenth
    verification B-F12)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Encoding") == "None":
            del response["Content-Encoding"]
        match = getattr(request, "resolver_match", None)
        if (
            response.status_code == 200
            and match is not None
            and match.url_name == "wagtaildocs_serve"
            and not response.has_header("Accept-Ranges")
        ):
            response["Accept-Ranges"] = "bytes"
        return response
