"""Patients' progress photos are private (issue 13 point 12): not in Wagtail's image library
(editors cannot list, choose or delete them), no public media address; only the plan's signed
link and staff who may see the lead reach them; anonymizing the person deletes the files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

from funnel.models import Lead
from funnel.services.pii import consent_withdraw
from landing.models import CarePlan, CarePlanPhoto
from landing.services.careplan import careplan_link_token
from tests.funnel.factories import AssistantFactory, UserFactory
from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db


def jpeg() -> ContentFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (120, 90, 80)).save(buffer, format="JPEG")
    return ContentFile(buffer.getvalue(), name="scalp.jpg")


@pytest.fixture
def photo(client, landing, settings, tmp_path) -> CarePlanPhoto:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LANDING_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    client.post("/lp/hair-loss/", form_data())
    plan = CarePlan.objects.create(lead=Lead.objects.get(), title="脱发3个月管理计划")
    return CarePlanPhoto.objects.create(
        plan=plan, month=dt.date(2026, 10, 1), angle="头顶", photo=jpeg()
    )


def test_photos_are_not_in_the_image_library_nor_under_media(photo, tmp_path) -> None:
    assert get_image_model().objects.count() == 0  # nothing editors can list or choose
    stored = tmp_path / "private" / photo.photo.name
    assert stored.exists()
    assert not list((tmp_path / "media").rglob("*.jpg"))  # no public media copy
    assert photo.photo.url == ""  # no public address at all


def test_the_signed_link_shows_the_photo_and_a_revoked_link_does_not(client, photo) -> None:
    token = careplan_link_token(plan_id=photo.plan_id)
    page = client.get(f"/h5/plan/{token}/").content.decode()
    address = f"/h5/plan/{token}/photos/{photo.pk}/"
    assert address in page

    response = client.get(address)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # the JPEG itself

    from landing.services.careplan import careplan_link_revoke

    careplan_link_revoke(plan_id=photo.plan_id, actor=None)
    assert client.get(address).status_code == 410


def test_a_link_to_another_plan_cannot_fetch_this_photo(client, photo) -> None:
    other = CarePlan.objects.create(lead=photo.plan.lead, title="另一个计划")
    token = careplan_link_token(plan_id=other.pk)
    assert client.get(f"/h5/plan/{token}/photos/{photo.pk}/").status_code == 404


def test_only_staff_who_may_see_the_lead_get_the_photo(client, landing, photo) -> None:
    address = f"/h5/assistant/photos/{photo.pk}/"
    assert client.get(address).status_code == 302  # login first
    other = AssistantFactory(user=UserFactory(username="other_yz"))
    client.force_login(other.user)
    assert client.get(address).status_code == 404
    client.force_login(landing.assistant.user)  # the treating assistant
    assert client.get(address).status_code == 200


def test_withdrawal_deletes_the_photo_files(
    photo, tmp_path, django_capture_on_commit_callbacks
) -> None:
    stored = tmp_path / "private" / photo.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(lead_id=photo.plan.lead_id)
    assert not CarePlanPhoto.objects.exists()
    assert not stored.exists()
