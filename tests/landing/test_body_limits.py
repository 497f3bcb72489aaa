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
