"""Issue 13, point 25: a body over the size limit answers 413 with a code on every endpoint
(API, landing form, package reserve, webhooks), never a 500 (nor a bare 400)."""

from __future__ import annotations

import pytest

from funnel.models import InboundLead
from funnel.services.tokens import api_token_create
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db


def _big_json(settings) -> bytes:
    return b'{"phone": "' + b"1" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'


def test_oversize_bodies_answer_413_on_every_endpoint(client, landing, settings) -> None:
    token = api_token_create(name="crm")
    big = _big_json(settings)
    big_form = form_data(concern="掉" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3 + 10))
    lead_id = 1
    answers = {
        "api leads": client.post(
            "/api/v1/leads",
            big,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ),
        "api events": client.post(
            f"/api/v1/leads/{lead_id}/events",
            big,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ),
        "landing form": client.post("/lp/hair-loss/", big_form),
        "package reserve": client.post(f"/packages/{landing.package.slug}/reserve/", big_form),
        "webhook": client.post(
            "/channels/hooks/douyin/nobody/", big, content_type="application/json"
        ),
    }
    got = {name: r.status_code for name, r in answers.items()}
    assert got == dict.fromkeys(answers, 413)
    for name in ("api leads", "api events", "webhook"):
        assert answers[name].json()["error"] == "payload_too_large", name
    assert InboundLead.objects.count() == 0


def test_admin_uploads_larger_than_the_field_limit_are_not_refused(admin_client, settings) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # files do not count, fields do
    upload = SimpleUploadedFile("big.txt", b"x" * 5000, content_type="text/plain")

    answer = admin_client.post("/admin/documents/multiple/add/", {"files[]": upload})

    assert answer.status_code != 413


def _multipart_cases(settings, form: dict) -> dict:
    """Over-limit multipart bodies of each kind (review of point 25: these answered 400)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return {
        "many small fields": {f"f{i}": "x" * 20 for i in range(limit // 20 + 10)},
        "one big field": {**form, "concern": "x" * (limit + 10)},
        "a big file": {**form, "doc": SimpleUploadedFile("a.txt", b"x" * (limit + 10))},
        "many files": {
            **form,
            "doc": [SimpleUploadedFile(f"a{i}.txt", b"x" * (limit // 50)) for i in range(120)],
        },
    }


def test_every_over_limit_multipart_body_answers_413(client, landing, settings) -> None:
    token = api_token_create(name="crm")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    urls = [
        "/lp/hair-loss/",
        f"/packages/{landing.package.slug}/reserve/",
        "/api/v1/leads",
        "/channels/hooks/douyin/nobody/",
        "/r/NOPE/",
    ]
    raw = b"--zz\r\n" + b"x" * (limit + 10)
    got = {}
    for url in urls:
        for name, data in _multipart_cases(settings, form_data()).items():
            answer = client.post(url, data, HTTP_AUTHORIZATION=f"Bearer {token}")
            got[url, name] = (answer.status_code, answer.json()["error"])
        for name, content_type in [
            ("broken body", "multipart/form-data; boundary=zz"),
            ("no boundary", "multipart/form-data"),
            ("upper case type", "Multipart/Form-Data; boundary=zz"),
        ]:
            answer = client.generic(
                "POST", url, raw, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            got[url, name] = (answer.status_code, answer.json()["error"])

    assert got == dict.fromkeys(got, (413, "payload_too_large"))
    assert InboundLead.objects.count() == 0


def test_an_admin_upload_whose_fields_break_the_limit_answers_413(admin_client, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    for name, data in _multipart_cases(settings, {"title": "t"}).items():
        if name == "a big file":
            continue  # files do not count (the test above)
        answer = admin_client.post("/admin/documents/multiple/add/", data)
        assert (answer.status_code, answer.json()["error"]) == (413, "payload_too_large"), name
    broken = admin_client.generic(
        "POST",
        "/admin/documents/multiple/add/",
        b"--zz\r\n" + b"x" * 2000,
        content_type="multipart/form-data; boundary=zz",
    )
    assert broken.status_code == 413
