"""seed_demo can run any number of times: the second run changes no row counts."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db

# Tables that legitimately grow on every run (logs, sessions), if any, go here.
VOLATILE = {"wagtailcore.modellogentry", "wagtailcore.pagelogentry", "sessions.session"}


def _counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model.objects.count()
        for model in apps.get_models()
        if model._meta.label_lower not in VOLATILE and not model._meta.proxy
    }


def test_seed_demo_is_idempotent() -> None:
    # given a seeded database
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()

    # when seeding again
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    # then nothing was added, removed or duplicated
    assert _counts() == first
    assert "seed_demo: done" in out.getvalue()


def test_the_demo_flags_page_has_flags(client) -> None:
    # given the demo data (leads, stage walks and orders through the services; the rules)
    call_command("seed_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    from funnel.reports.services import elimination_flags_evaluate, flag_text

    flags = elimination_flags_evaluate()
    assert flags
    # when the growth lead opens the flags page
    boss = get_user_model().objects.create_superuser("flags_boss", "f@example.com", "pw")
    client.force_login(boss)
    page = client.get("/admin/reports/flags/").content.decode()
    # then it lists each flag, not "nothing to drop"
    assert "当前没有需要淘汰的渠道或计划" not in page
    assert all(flag_text(f) in page for f in flags)
