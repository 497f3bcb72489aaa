from __future__ import annotations

import io

import pytest

from cms import seed as cms_seed
from funnel import seed as funnel_seed


@pytest.fixture
def seeded(db, django_capture_on_commit_callbacks):
    """The demo content (three specialties' pages and their packages), without demo leads.
    On-commit work (Wagtail's search indexing) runs as it would after a real commit."""
    with django_capture_on_commit_callbacks(execute=True):
        funnel_seed._packages(funnel_seed._specialties())
        cms_seed.seed(stdout=io.StringIO())
