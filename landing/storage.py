"""Where patients' care-plan photos live: outside the media root and outside Wagtail's image
library, so no public URL reaches them and no editor can list, choose or delete them.

Why not a Wagtail collection without editor permissions: Wagtail collection permissions are
inherited from the root collection, where editors hold theirs, and every image and rendition
file is served publicly from MEDIA_URL to anyone who has (or guesses) its address. A file in
this storage is only ever sent by `landing.views.careplan_photo` (the patient's signed,
revocable care-plan link) or `landing.views.careplan_photo_staff` (staff who may see the lead).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def _root() -> Path:
    """`LANDING_PRIVATE_MEDIA_ROOT` when set, else `private-media` next to MEDIA_ROOT."""
    root = getattr(settings, "LANDING_PRIVATE_MEDIA_ROOT", None)
    return Path(root) if root else Path(settings.MEDIA_ROOT).parent / "private-media"


class PrivateStorage(FileSystemStorage):
    """Files under the private root (read from settings on every use, like MEDIA_ROOT)."""

    @property
    def base_location(self) -> str:
        return str(_root())

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        return ""  # never a public address: files go out only through the checked views


def private_photo_storage() -> PrivateStorage:
    return PrivateStorage()


def careplan_photo_path(instance, filename: str) -> str:
    suffix = Path(filename).suffix.lower()[:8] or ".jpg"
    return f"careplans/{uuid.uuid4().hex}{suffix}"
