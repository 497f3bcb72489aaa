"""seed_demo can run any number of times: the second run changes no row counts."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from funnel.models import FollowUp, Lead, LeadEvent
from funnel.services.followups import followups_dispatch
from landing.selectors import assistant_today

pytestmark = pytest.mark.django_db

# Tables that legitimately grow on every run (logs, sessions), if any, go here.
# (django-axes logs every admin login: the test logs the demo assistant in between the seeds.)
VOLATILE = {
    "wagtailcore.modellogentry",
    "wagtailcore.pagelogentry",
    "sessions.session",
    "axes.accesslog",
    "axes.accessattempt",
    "axes.accessfailurelog",
}


def _counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model.objects.count()
        for model in apps.get_models()
        if model._meta.label_lower not in VOLATILE and not model._meta.proxy
    }


def test_seed_demo_is_idempotent(client) -> None:
    # given a seeded database
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    # the patient who adds a demo assistant on WeCom gets a welcome that may be sent
    from channels.wecom.models import WecomWelcomeTemplate
    from funnel.public_text import public_text_problems

    (welcome,) = WecomWelcomeTemplate.objects.all()
    assert welcome.specialty_id is None
    assert public_text_problems(welcome.text) == []
    # the demo assistant's phone page has today's work and this week's birthdays
    from django.contrib.auth import get_user_model

    lin = get_user_model().objects.get(username="yizhu_lin")
    client.force_login(lin)
    html = client.get("/h5/assistant/").content.decode()
    today = assistant_today(user=lin)
    assert len(today["revisit"]) >= 2
    assert len(today["refill"]) >= 1
    assert len(today["birthday"]) >= 2
    assert html.count("data-followup=") == sum(len(items) for items in today.values())

    # when seeding again
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    # then nothing was added, removed or duplicated
    assert _counts() == first
    assert "seed_demo: done" in out.getvalue()

    # and when every 加微 time limit of the demo passes, no lead is left with nobody
    unassigned = Lead.objects.filter(assignee__isnull=True).count()
    FollowUp.objects.filter(kind="sla_check", status="pending").update(
        due_at="2000-01-01T00:00:00Z"
    )
    followups_dispatch()
    assert Lead.objects.filter(assignee__isnull=True).count() == unassigned
    assert not LeadEvent.objects.filter(data__reason="sla", data__unassigned=True).exists()


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


def test_the_demo_time_to_add_has_a_realistic_spread() -> None:
    """The assistant board's 分配到加微 chart reads `_add_minutes` through
    `assistant_wecom_inputs`: the seeded adds (已加微 at the add's own time, through the same
    stage change a WeCom add makes) range from minutes to days, never in the Shanghai night."""
    import datetime as dt
    import statistics
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from funnel.reports.selectors import Window, assistant_wecom_inputs

    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    window = Window(start=today - dt.timedelta(days=60), end=today)

    per_assistant = assistant_wecom_inputs(window=window)["add_minutes"]

    minutes = sorted(m for values in per_assistant.values() for m in values)
    assert len(per_assistant) >= 3
    assert len(minutes) >= 100
    assert minutes[0] >= 0
    assert minutes[0] < 15  # some patients add within minutes
    assert minutes[-1] > 24 * 60  # some take more than a day
    assert 30 < statistics.median(minutes) < 12 * 60
    assert len({round(m) for m in minutes}) > len(minutes) // 2  # not one delay for all
    # each assistant's median differs: the chart is not flat across assistants either
    assert len({round(statistics.median(v)) for v in per_assistant.values()}) > 1
    shanghai = ZoneInfo("Asia/Shanghai")
    adds = LeadEvent.objects.filter(kind="stage", to_stage="contacted", actor_label="企业微信")
    assert adds.count() >= len(minutes)
    # (the last days' adds may be cut at the seeding moment, whatever its hour)
    settled = adds.filter(created_at__lt=timezone.now() - dt.timedelta(days=4))
    assert settled.count() >= 100
    assert all(8 <= e.created_at.astimezone(shanghai).hour < 22 for e in settled)


def test_a_rerun_leaves_what_staff_did_alone(client) -> None:
    """Nineteenth re-verification E-F1, E-F3: a rerun of `make demo` published the editor's
    package draft in the reviewer's name (her day-one queue was empty), put an ad she had
    withdrawn back online on the seed's certificate, and crashed after a doctor page's slug
    was changed (a second page with her licence number is refused)."""
    from cms.compliance.gate import certificate_apply, certificate_revoked_take_down
    from cms.compliance.page import check_page
    from cms.models import DoctorPage
    from cms.seed import demo_reviewer
    from cms.selectors import ads_awaiting_review
    from funnel.models import ServicePackage
    from landing.models import LandingPage

    call_command("seed_demo", stdout=io.StringIO())
    # day one: the editor's package draft waits for the reviewer
    (draft_package,) = [p for p in ServicePackage.objects.all() if p.has_unpublished_changes]
    assert "营养师" not in draft_package.summary  # the public still sees the live text
    assert [i.kind for i in ads_awaiting_review()] == ["服务包"]
    # the reviewer withdraws a landing page's certificate (it goes offline) ...
    ad = LandingPage.objects.get(slug="insomnia")
    withdrawn = ad.get_latest_revision_as_object()
    certificate_apply(
        page=withdrawn, user=demo_reviewer(), certificate="", report=check_page(withdrawn)
    )
    withdrawn.save_revision(user=demo_reviewer())
    assert certificate_revoked_take_down(withdrawn, user=demo_reviewer())
    # ... and an administrator gives a doctor page, a landing page and a package other
    # addresses, and an editor saves a new package as a draft (nineteenth re-verification
    # E-F3, F-F1)
    doctor = DoctorPage.objects.order_by("pk").first()
    doctor.slug = f"{doctor.slug}-renamed"
    doctor.save_revision().publish()
    renamed_ad = LandingPage.objects.get(slug="diabetes")
    renamed_ad.slug = "tangniaobing"
    renamed_ad.save(update_fields=["slug"])
    package = ServicePackage.objects.exclude(pk=draft_package.pk).order_by("pk").first()
    package.slug = f"{package.slug}-new"
    package.save(update_fields=["slug"])
    new_package = ServicePackage(
        specialty=package.specialty,
        name="编辑新建的服务包",
        slug="editor-new",
        list_price=199,
        live=False,  # as the admin saves a new package as a draft
    )
    new_package.save()
    new_package.save_revision()
    counts = (
        DoctorPage.objects.count(),
        LandingPage.objects.count(),
        ServicePackage.objects.count(),
    )
    doctors = counts[0]

    call_command("seed_demo", stdout=io.StringIO())

    assert ServicePackage.objects.get(pk=draft_package.pk).has_unpublished_changes
    assert "营养师" not in ServicePackage.objects.get(pk=draft_package.pk).summary
    again = LandingPage.objects.get(pk=ad.pk)
    assert not again.live
    assert again.get_latest_revision_as_object().ad_review_certificate == ""
    assert DoctorPage.objects.count() == doctors
    assert (
        DoctorPage.objects.count(),
        LandingPage.objects.count(),
        ServicePackage.objects.count(),
    ) == counts
    assert not ServicePackage.objects.get(pk=new_package.pk).live
