"""Every demo role does its job after `seed_demo`: each logs in with the seeded account and
the demo password, as a person trying the demo would, and goes through the admin (or the H5
page) with Django's test client."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from wagtail.models import TaskState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cms.models import ArticlePage, ChannelDraft
from funnel import seed as funnel_seed
from funnel.models import Lead
from funnel.seed import DEMO_PASSWORD
from tests.cms.compliance_support import CERTIFICATE, printed_until
from tests.cms.conftest import _SharedSeeding

pytestmark = pytest.mark.django_db


def _seed_demo() -> None:
    # `make demo`'s data: seed_demo, then demo_admin (dev settings only, hence DEBUG). Fewer
    # generated leads than the demo's: the roles need some, not hundreds.
    real = funnel_seed.LEAD_COUNT
    funnel_seed.LEAD_COUNT = 30
    try:
        with override_settings(DEBUG=True), TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", stdout=io.StringIO())
            call_command("demo_admin", stdout=io.StringIO(), stderr=io.StringIO())
    finally:
        funnel_seed.LEAD_COUNT = real


_DEMO = _SharedSeeding(_seed_demo)


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker):
    # seeded once for the module (35 s a time) inside a transaction rolled back at its end;
    # each test runs in its own savepoint, so what one test does is undone for the next
    _DEMO.open(django_db_blocker)
    yield _DEMO
    _DEMO.close(django_db_blocker)


@pytest.fixture
def demo(_demo_module, db, settings) -> None:
    """`make demo`'s data, as each role finds it on day one."""
    settings.DEBUG = True


def _login(client, username: str) -> None:
    client.logout()
    # through the login form, as the person does (and as django-axes needs: it throttles by
    # the request's address)
    response = client.post("/admin/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username


def _article_form(article: ArticlePage, **overrides) -> dict:
    """The article editor's POST body for a page without body blocks or tags."""
    data = {
        "title": article.title,
        "slug": article.slug,
        "layer": article.layer,
        "summary": article.summary,
        "cover": "",
        "reviewer": "",
        "published_on": "",
        "tags": "",
        "body": streamfield([]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "canonical_url": "",
        "share_image": "",
        "ad_review_certificate": "",
        "ad_review_valid_until": "",
    }
    data.update(overrides)
    return nested_form_data(data)


def _waiting_submission() -> tuple[ArticlePage, TaskState]:
    article = ArticlePage.objects.get(slug="insomnia-review-demo")
    state = TaskState.objects.get(workflow_state__object_id=str(article.pk), status="in_progress")
    return article, state


def _doctor_actions(article: ArticlePage, state: TaskState) -> list[str]:
    """What the doctor's review screen offers, for the article as stored now."""
    doctor = get_user_model().objects.get(username="yisheng_zhou")
    fresh = ArticlePage.objects.get(pk=article.pk)
    return [label for _name, label, _modal in state.task.specific.get_actions(fresh, doctor)]


def test_admin_reaches_the_admin_and_the_reports(demo, client):
    _login(client, "admin")

    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert client.get("/admin/reports/").status_code == 200


def test_assistant_sees_her_leads_on_the_phone_page_and_in_the_admin(demo, client):
    # given the seed's assistant, who owns some of the generated leads
    own = Lead.objects.filter(assignee__user__username="yizhu_lin").count()
    assert own > 0
    _login(client, "yizhu_lin")

    # when she opens her phone page and the admin's lead list
    h5 = client.get("/h5/assistant/")
    listing = client.get("/admin/funnel/leads/")

    # then both answer, and the list holds her leads only
    assert h5.status_code == 200
    assert listing.status_code == 200
    assert listing.context["paginator"].count == own


def test_the_assistants_admin_home_shows_her_day_and_the_way_to_her_page(demo, client):
    """Twentieth verification B: her admin home was empty but for a search box."""
    from landing.selectors import assistant_today

    _login(client, "yizhu_lin")
    user = Lead.objects.filter(assignee__user__username="yizhu_lin").first().assignee.user
    due = sum(len(items) for items in assistant_today(user=user).values())

    html = client.get("/admin/").content.decode()

    assert f"医助工作台（今日待办 {due} 项）" in html
    assert 'href="/h5/assistant/"' in html
    _login(client, "bianji_chen")  # an editor has no such panel
    assert "医助工作台" not in client.get("/admin/").content.decode()


def test_editor_generates_and_edits_a_channel_draft(demo, client):
    # given the editor and a seeded article
    article = ArticlePage.objects.get(slug="hair-loss-science-1")
    _login(client, "bianji_chen")

    # when she generates its drafts and follows the 「修改」 link of one
    generated = client.post(reverse("cms_channel_drafts", args=[article.pk]))
    draft = ChannelDraft.objects.get(article=article, kind="baidu")
    edit_url = reverse("wagtailsnippets_cms_channeldraft:edit", args=[draft.pk])
    listing = client.get(reverse("cms_channel_drafts", args=[article.pk]))
    form = client.get(edit_url)
    saved = client.post(
        edit_url, {"title": "脱发的常见原因", "body": draft.body, "hashtags": draft.hashtags}
    )

    # then every step is allowed and her edit is kept
    assert generated.status_code == 302
    assert edit_url in listing.content.decode()
    assert form.status_code == 200
    assert saved.status_code == 302
    assert ChannelDraft.objects.get(pk=draft.pk).title == "脱发的常见原因"


def test_the_ad_reviewer_reads_channel_drafts_and_is_offered_no_edit(demo, client):
    """Seventeenth verification B-R4: the reviewer was offered 修改 (「没有权限访问」) and could
    regenerate the drafts over the editor's hand edits."""
    article = ArticlePage.objects.get(slug="hair-loss-science-1")
    _login(client, "bianji_chen")
    client.post(reverse("cms_channel_drafts", args=[article.pk]))
    draft = ChannelDraft.objects.get(article=article, kind="baidu")
    ChannelDraft.objects.filter(pk=draft.pk).update(title="编辑手工改过的标题")
    client.logout()
    _login(client, "shencha_li")

    listing = client.get(reverse("cms_channel_drafts", args=[article.pk])).content.decode()
    regenerated = client.post(reverse("cms_channel_drafts", args=[article.pk]))

    assert reverse("wagtailsnippets_cms_channeldraft:edit", args=[draft.pk]) not in listing
    # her way in from the article's editor: 查看渠道稿 (C-6), not 生成渠道稿
    editor_html = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()
    assert "查看渠道稿" in editor_html
    assert "生成渠道稿" not in editor_html
    assert "重新生成渠道稿" not in listing
    assert "data-drafts-read-only" in listing
    assert "可在「渠道稿」中修改" not in listing  # verification D-3: no edit promised to her
    assert regenerated.status_code in (302, 403)
    assert ChannelDraft.objects.get(pk=draft.pk).title == "编辑手工改过的标题"


def test_doctor_approves_the_seeded_submission(demo, client):
    article, state = _waiting_submission()
    _login(client, "yisheng_zhou")

    response = client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(article.pk, "approve", state.pk)),
        {"comment": "内容准确"},
    )

    assert response.status_code in (200, 302)
    assert ArticlePage.objects.get(pk=article.pk).live


def test_ad_reviewer_rules_a_false_match_that_lets_the_doctor_approve(demo, client):
    # given the seeded 科普 submission, revised with words the check blocks
    article, state = _waiting_submission()
    assert not article.is_medical_ad()
    article.summary = "坚持练习三天见效。"
    editor = article.get_latest_revision().user
    article.save_revision(user=editor)
    # and resubmitted (the admin's 重新提交审核: the doctor approves only what was submitted)
    state.workflow_state.cancel(user=editor)
    article.get_workflow().start(article, editor)
    assert _doctor_actions(article, state) == ["退回修改", "审核通过（合规检查未通过，将退回编辑）"]
    _login(client, "shencha_li")
    url = reverse("wagtailadmin_pages:edit", args=[article.pk])

    # when the ad reviewer opens it in the admin: a certificate number is refused there (a
    # 科普 article is no ad, round 13 F7); she confirms the finding a false match instead
    dashboard = client.get(reverse("wagtailadmin_home"))
    editor = client.get(url)
    numbered = client.post(
        url,
        _article_form(
            article,
            summary="坚持练习三天见效。",
            ad_review_certificate=CERTIFICATE,
            ad_review_valid_until=printed_until().isoformat(),
            ad_review_confirm="on",
        ),
    )
    saved = client.post(
        url, _article_form(article, summary="坚持练习三天见效。", ad_review_confirm="on")
    )

    # then her ruling is on the revision under review, and the doctor may now approve it
    assert dashboard.status_code == 200
    assert editor.status_code == 200
    assert numbered.status_code == 200
    assert "不记录医疗广告审查证明文号" in numbered.content.decode()
    assert saved.status_code == 302, saved.content.decode()[:2000]
    latest = ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object()
    assert latest.ad_review_certificate == ""
    assert latest.ad_review_recorded_by.username == "shencha_li"
    assert _doctor_actions(article, state) == ["退回修改", "审核通过"]


def _package_form(package, **overrides) -> dict:
    """The package editor's POST body for `package` as its editor shows it."""
    data = {
        "specialty": str(package.specialty_id),
        "name": package.name,
        "slug": package.slug,
        "summary": package.summary,
        "includes": package.includes,
        "list_price": str(package.list_price),
        "promo_price": str(package.promo_price or ""),
        "duration_days": str(package.duration_days),
        "stock": "" if package.stock is None else str(package.stock),
        "deadline": package.deadline.strftime("%Y-%m-%d %H:%M") if package.deadline else "",
        "sort_order": str(package.sort_order),
        "ad_review_certificate": package.ad_review_certificate,
        "ad_review_valid_until": (
            package.ad_review_valid_until.isoformat() if package.ad_review_valid_until else ""
        ),
    }
    if package.is_active:
        data["is_active"] = "on"
    data.update(overrides)
    return data


def test_an_edited_package_goes_live_through_editor_and_reviewer(demo, client):
    """issue 17 review round 2, H3: in the demo an editor writes a package draft and the
    medical-ad reviewer records its certificate and publishes it, each with their own login."""
    from funnel.models import ServicePackage
    from landing.services.cache import page_cache_purge

    package = ServicePackage.objects.on_sale().first()
    edit_url = reverse("wagtailsnippets_funnel_servicepackage:edit", args=[package.pk])
    listing_url = reverse("wagtailsnippets_funnel_servicepackage:list")
    new_name = f"{package.name}（新版）"

    # the editor: finds 服务包, writes a draft; she cannot publish it herself
    _login(client, "bianji_chen")
    assert client.get(listing_url).status_code == 200
    assert client.get(edit_url).status_code == 200
    saved = client.post(edit_url, _package_form(package, name=new_name))
    assert saved.status_code == 302
    pressed = client.post(
        edit_url, {**_package_form(package, name=new_name), "action-publish": "1"}
    )
    assert ServicePackage.objects.get(pk=package.pk).name == package.name
    assert pressed.status_code in (200, 302, 403)
    draft = ServicePackage.objects.get(pk=package.pk).get_latest_revision_as_object()
    assert draft.name == new_name

    # the reviewer: opens the draft, confirms the certificate for it and publishes
    _login(client, "shencha_li")
    assert client.get(listing_url).status_code == 200
    assert client.get(edit_url).status_code == 200
    published = client.post(
        edit_url,
        {**_package_form(draft), "ad_review_confirm": "on", "action-publish": "1"},
    )
    assert published.status_code == 302, published.content.decode()[:2000]

    # then the public sees the new version
    live = ServicePackage.objects.get(pk=package.pk)
    assert live.name == new_name
    assert live.ad_review_recorded_by.username == "shencha_li"
    page_cache_purge()
    assert new_name in client.get(f"/packages/{package.slug}/").content.decode()


def test_growth_runs_a_landing_page_ab_test_and_b_waits_for_the_certificate(demo, client):
    """The growth team (zhuguan_he, 增长 and 主管) opens the A/B tests, edits the seeded one,
    and a new arm B headline is not shown to visitors until the reviewer's certificate
    covers it."""
    from landing.models import ABTest
    from landing.selectors import ab_arm_b_certified

    test = ABTest.objects.filter(status=ABTest.Status.RUNNING).order_by("pk").first()
    assert ab_arm_b_certified(page=test.page)
    _login(client, "zhuguan_he")

    listing = client.get("/admin/snippets/landing/abtest/")
    edit_url = f"/admin/snippets/landing/abtest/edit/{test.pk}/"
    form = client.get(edit_url)
    saved = client.post(
        edit_url,
        {
            "page": test.page_id,
            "name": test.name,
            "status": test.status,
            "headline_b": "三个月见到新发，医生全程跟进",
            "subheadline_b": "",
            "package_b": "",
            "horizon": 800,
            "alpha": "0.05",
        },
    )

    assert listing.status_code == 200
    assert form.status_code == 200
    assert saved.status_code == 302, saved.content.decode()[:2000]
    test.refresh_from_db()
    assert test.horizon == 800
    assert test.headline_b == "三个月见到新发，医生全程跟进"
    assert not ab_arm_b_certified(page=test.page)  # B waits for the reviewer


def test_an_editor_has_no_ab_tests(demo, client):
    _login(client, "bianji_chen")
    assert client.get("/admin/snippets/landing/abtest/").status_code in (302, 403)


def test_the_demo_seeds_again_after_the_doctor_sent_the_submission_back(demo, client):
    """Nineteenth verification C-F1: the doctor's 退回修改 left a "needs changes" state, and
    the next `make demo` crashed in seed_demo on Wagtail's one-open-state constraint."""
    import io

    from django.core.management import call_command
    from wagtail.models import WorkflowState

    article, state = _waiting_submission()
    _login(client, "yisheng_zhou")
    client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(article.pk, "reject", state.pk)),
        {"comment": "请补充夜班后的补觉时长"},
    )
    (sent_back,) = WorkflowState.objects.for_instance(article)
    assert sent_back.status == WorkflowState.STATUS_NEEDS_CHANGES

    call_command("seed_demo", stdout=io.StringIO())

    # the doctor's work stands: the editor still has it to revise, nothing resubmitted
    (after,) = WorkflowState.objects.for_instance(article)
    assert (after.pk, after.status) == (sent_back.pk, WorkflowState.STATUS_NEEDS_CHANGES)


def test_the_reviewers_home_lists_what_waits_for_her(demo, client):
    """Nineteenth verification C-F3: the ad reviewer's dashboard listed nothing; a package
    draft and a landing page changed by the editor now wait on her home, with why."""
    from funnel.models import ServicePackage
    from landing.models import LandingPage

    package = ServicePackage.objects.on_sale().first()
    landing = LandingPage.objects.live().first()
    _login(client, "bianji_chen")
    assert "待我审查（医疗广告）" not in client.get(reverse("wagtailadmin_home")).content.decode()
    edit_url = reverse("wagtailsnippets_funnel_servicepackage:edit", args=[package.pk])
    client.post(edit_url, _package_form(package, summary=f"{package.summary}（已更新）"))
    # the editor saves the landing page as a draft with a new subtitle (the edit view stores
    # the gate's decision on the row, as every admin save does)
    from cms.compliance.gate import page_compliance_store
    from cms.compliance.page import check_page

    draft = LandingPage.objects.get(pk=landing.pk)
    draft.headline = f"{draft.headline}（更新）"
    draft.save_revision()
    page_compliance_store(page=draft, report=check_page(draft), state="draft")

    _login(client, "shencha_li")
    home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "待我审查（医疗广告）" in home
    assert package.name in home
    assert landing.title in home
    assert "内容已改动，待重新确认审查证明" in home
    assert reverse("wagtailadmin_pages:edit", args=[landing.pk]) in home
    assert edit_url in home
