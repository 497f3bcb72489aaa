"""Migrations landing 0007-0008 move existing care-plan photos out of Wagtail's image library into
the private storage, byte for byte, and deletes the library copy (issue 13 point 12)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

BEFORE = [("landing", "0006_privdata_careplan_link_revocation")]
AFTER = [("landing", "0008_privdata_drop_careplan_image")]


@pytest.mark.django_db(transaction=True)
def test_existing_photos_move_to_private_storage(settings, tmp_path, migrator) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LANDING_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (10, 20, 30)).save(buffer, format="JPEG")
    picture = buffer.getvalue()
    try:
        apps = migrator(BEFORE)
        Plan = apps.get_model("landing", "CarePlan")
        Photo = apps.get_model("landing", "CarePlanPhoto")
        from wagtail.models import Collection

        # A transactional test before this one may have flushed the root collection.
        if Collection.get_first_root_node() is None:
            Collection.add_root(name="Root")
        image = get_image_model().objects.create(
            title="头顶 10月", file=ImageFile(io.BytesIO(picture), name="scalp.jpg")
        )
        from funnel.models import Lead  # the funnel stays at its newest schema

        lead = Lead.objects.create(phone_hash="h-photo", phone="+8613800000009", name="x")
        plan = Plan.objects.create(lead_id=lead.pk, title="计划")
        photo = Photo.objects.create(plan=plan, month="2026-10-01", angle="头顶", image_id=image.pk)
        library_file = Path(settings.MEDIA_ROOT) / image.file.name
        assert library_file.exists()

        migrator(AFTER)

        from landing.models import CarePlanPhoto

        moved = CarePlanPhoto.objects.get(pk=photo.pk)
        assert (tmp_path / "private" / moved.photo.name).read_bytes() == picture
        assert not get_image_model().objects.filter(pk=image.pk).exists()
        assert not library_file.exists()
    finally:
        from landing.models import CarePlan

        CarePlan.objects.all().delete()
