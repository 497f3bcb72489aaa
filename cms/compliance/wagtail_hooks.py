"""Admin hooks of the compliance gate (imported by cms/wagtail_hooks.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.utils import get_valid_next_url_from_request

from cms.compliance.gate import (
    CERTIFICATE_REVOKED,
    CERTIFICATE_UNSCHEDULED,
    MOVE_OF_AN_AD,
    alias_refused,
    certificate_expired,
    certificate_revoked_take_down,
    certificate_withdrawn_unschedule,
    doctor_removal_refused,
    is_medical_ad,
    is_reviewer,
    move_refused,
    page_compliance_store,
    publish_decision,
)
from cms.compliance.page import check_page, check_revision
from cms.compliance.views import EXPIRED_REPORT_TITLE, ad_review_expired_report, ad_suspended


def _gated(page) -> bool:
    return hasattr(page, "ad_review_certificate")


def _report(page):
    # The view saved the revision it is about to publish (or just saved): check that, once.
    revision = page.latest_revision
    return check_revision(revision) if revision is not None else check_page(page)


@hooks.register("register_log_actions")
def _compliance_log_actions(actions):
    from wagtail.log_actions import LogFormatter

    from cms.compliance.gate import SCHEDULE_REFUSED_ACTION

    @actions.register_action(SCHEDULE_REFUSED_ACTION)
    class ScheduleRefused(LogFormatter):
        label = "定时发布被合规检查拒绝"

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return f"定时发布未执行，已取消定时：{data.get('message', '')}"


@hooks.register("before_publish_page")
def refuse_blocked_publish(request, page):
    """Backstop behind the edit form's check (which already refuses with a form error):
    what the view is about to publish, cluster children included, is checked once more.
    The draft revision is already saved, so nothing the editor typed is lost."""
    if not _gated(page):
        return None
    decision = publish_decision(page=page, report=_report(page))
    if decision.allowed:
        return None
    _keep_new_page_offline(request, page)
    page_compliance_store(page=page, report=decision.report, state="draft")
    messages.error(request, f"未发布：{decision.message}（已保存为草稿）")
    return redirect("wagtailadmin_pages:edit", page.pk)


def _keep_new_page_offline(request, page) -> None:
    """Wagtail's create view saves a page being published with `live=True` (the field's
    default) before it calls `before_publish_page`; refusing there would leave the page
    served, listed on its hub and in the sitemap with the refused text (issue 17, fourth
    verification). A page created in this request and never published is made a draft, as
    「保存草稿」 would have made it. An existing live page keeps serving its live revision."""
    match = getattr(request, "resolver_match", None)
    created_here = match is not None and match.view_name == "wagtailadmin_pages:add"
    if created_here and page.live and page.live_revision_id is None:
        type(page).objects.filter(pk=page.pk).update(live=False)
        page.live = False


@hooks.register("before_copy_page")
def refuse_alias_of_an_ad(request, page):
    """The copy view's 「创建别名」 (an alias follows its original live, never through the
    gate): refused for a medical ad, or a subtree holding one (`gate.alias_refused`)."""
    if request.method != "POST" or not request.POST.get("alias"):
        return None
    why = alias_refused(page, recursive=bool(request.POST.get("copy_subpages")))
    if not why:
        return None
    messages.error(request, why)
    return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))


@hooks.register("before_move_page")
def refuse_move_of_an_ad(request, page, destination):
    """The move view's confirm step: a medical ad is not moved under another parent
    (`gate.move_refused`); told why, back on the page's editor."""
    why = move_refused(page, parent_after=destination)
    if not why:
        return None
    messages.error(request, why)
    return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))


@hooks.register("before_unpublish_page")
def refuse_unpublishing_a_named_doctor(request, page):
    """The unpublish view: a doctor page that live pages name with her credentials stays
    live (`gate.doctor_removal_refused`); so does 「医生团队」 unpublished with its subpages."""
    descendants = bool(request.POST.get("include_descendants"))
    return _doctor_removal_refused(request, [page], descendants, action="下线")


@hooks.register("before_delete_page")
def refuse_deleting_a_named_doctor(request, page):
    """The delete view (a page is deleted with its subpages): the same as unpublishing."""
    if request.method != "POST":
        return None
    return _doctor_removal_refused(request, [page], True, action="删除")


@hooks.register("before_bulk_action")
def refuse_bulk_removal_of_a_named_doctor(request, action_type, objects, action):
    """Bulk 下线 / 删除 from the page explorer: nothing is done when a selected doctor page
    (or one under a selected page) is named by live pages."""
    if action_type not in ("unpublish", "delete"):
        return None
    descendants = action_type == "delete" or bool(
        getattr(action, "cleaned_form", None)
        and action.cleaned_form.cleaned_data.get("include_descendants")
    )
    word = "下线" if action_type == "unpublish" else "删除"
    return _doctor_removal_refused(request, list(objects), descendants, action=word)


def _doctor_removal_refused(request, pages, descendants: bool, *, action: str):
    why = doctor_removal_refused(pages, with_descendants=descendants)
    if not why:
        return None
    messages.error(request, f"未{action}：{why}")
    if len(pages) == 1:
        return redirect(reverse("wagtailadmin_pages:edit", args=[pages[0].pk]))
    return redirect(get_valid_next_url_from_request(request) or "wagtailadmin_explore_root")


@hooks.register("before_bulk_action")
def refuse_bulk_move_of_an_ad(request, action_type, objects, action):
    """Bulk 移动 from the page explorer: nothing is moved when a selected page is a medical
    ad going under another parent; the editor is told which."""
    if action_type != "move" or action.cleaned_form is None:
        return None
    destination = action.cleaned_form.cleaned_data.get("chooser")
    refused = [page.title for page in objects if move_refused(page, parent_after=destination)]
    if not refused:
        return None
    names = "、".join(f"“{title}”" for title in refused)
    messages.error(request, f"未批量移动（{names}）：{MOVE_OF_AN_AD}")
    return redirect(get_valid_next_url_from_request(request) or "wagtailadmin_explore_root")


@hooks.register("before_bulk_action")
def refuse_blocked_bulk_publish(request, action_type, objects, action):
    """Bulk 发布 from the page explorer: each selected page's latest revision goes through the
    gate first. If any is refused, nothing is published and the editor is told which pages
    and why (before, the first refusal surfaced as Wagtail's generic 「没有权限」 page)."""
    if action_type != "publish":
        return None
    refused = []
    for page in objects:
        page = page.specific
        if not _gated(page):
            continue
        revision = page.get_latest_revision()
        candidate = revision.as_object() if revision is not None else page
        decision = publish_decision(page=candidate, report=_report(page))
        if not decision.allowed:
            refused.append(f"“{page.title}”：{decision.message}")
    if not refused:
        return None
    messages.error(
        request,
        f"未批量发布（{len(refused)} 个页面不能发布，其余页面也未发布，请取消勾选后重试）："
        + "；".join(refused),
    )
    # back where the editor came from, only on our own site (never an open redirect)
    return redirect(get_valid_next_url_from_request(request) or "wagtailadmin_explore_root")


def store_result(request, page):
    """After every save or publish: keep the result on the page and tell the editor."""
    if not _gated(page):
        return
    if certificate_withdrawn_unschedule(page, user=request.user):
        messages.warning(request, CERTIFICATE_UNSCHEDULED)
    if certificate_revoked_take_down(page, user=request.user):
        messages.warning(request, CERTIFICATE_REVOKED)
        page.live = False
    report = _report(page)
    published = page.live and not page.has_unpublished_changes
    decision = page_compliance_store(
        page=page, report=report, state="published" if published else "draft"
    )["decision"]
    if decision in ("clean", "certified", "ruled"):
        if report.findings and decision == "clean":
            messages.warning(request, f"有 {len(report.findings)} 处措辞提示，请复核。")
        return
    if not report.blocking:
        # No finding, and still not publishable: a medical ad without its certificate for
        # this text (the count of problems would read 0 while publishing is refused).
        why = publish_decision(page=page, report=report).message
        messages.warning(request, f"已保存为草稿；{why}")
        return
    messages.warning(
        request,
        f"已保存为草稿；有 {len(report.blocking)} 处医疗广告合规问题会阻止发布，"
        "详见内容页签的“医疗广告合规”面板。",
    )


# The create and edit views run these after saving a draft and after publishing alike.
hooks.register("after_create_page", store_result)
hooks.register("after_edit_page", store_result)


@hooks.register("after_edit_snippet")
def _package_certificate_revoked(request, instance) -> None:
    """A service package's certificate withdrawn by the reviewer takes the live package down,
    as a page's does (`store_result`; seventeenth re-verification C-1)."""
    if not hasattr(instance, "ad_review_certificate") or not hasattr(instance, "live"):
        return
    if certificate_withdrawn_unschedule(instance, user=request.user):
        messages.warning(request, CERTIFICATE_UNSCHEDULED)
    if certificate_revoked_take_down(instance, user=request.user):
        messages.warning(request, CERTIFICATE_REVOKED)


# --- expired certificates: where the reviewer sees what the daily sweep flagged -----------
@hooks.register("register_admin_urls")
def _ad_review_urls() -> list:
    return [
        path(
            "cms/ad-review/expired/",
            ad_review_expired_report,
            name="cms_ad_review_expired",
        )
    ]


class ReviewerMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return is_reviewer(request.user)


@hooks.register("register_admin_menu_item")
def _ad_review_expired_menu_item() -> MenuItem:
    return ReviewerMenuItem(
        EXPIRED_REPORT_TITLE,
        reverse("cms_ad_review_expired"),
        name="ad-review-expired",
        icon_name="warning",
        order=215,
    )


@hooks.register("before_serve_page")
def refuse_expired_ad(page, request, serve_args, serve_kwargs):
    """A medical ad (landing page, 转化 article) whose certificate has expired is not served
    (《医疗广告管理办法》第十三条), from the Asia/Shanghai day after its printed validity until
    the daily task (`cms.ad_review_expiry_sweep`) unpublishes it (issue 17 review round 2,
    M7): the neutral 「该页面暂停展示」 page, 404. Page caches end at that midnight too."""
    if is_medical_ad(page) and certificate_expired(page):
        return ad_suspended(request)
    return None


@hooks.register("before_serve_page")
def refuse_past_expiry(page, request, serve_args, serve_kwargs):
    """A page past its scheduled take-down (`BasePage.past_expiry`) answers 404 at once, not
    when `publish_scheduled` next runs (round-34 verification F15); a medical ad answers the
    neutral 「该页面暂停展示」 as an expired certificate does. Landing-page caches end at the
    expiry too (`landing.rendering`)."""
    past = getattr(page, "past_expiry", None)
    if not callable(past) or not past():
        return None
    if is_medical_ad(page):
        return ad_suspended(request)
    raise Http404


class ReviewQueuePanel(Component):
    """「待我审查（医疗广告）」 on a medical-ad reviewer's admin home: the pages and packages
    waiting for her certificate or ruling (`cms.selectors.ads_awaiting_review`), oldest edit
    first, each with why and a link to where she records it (nineteenth verification C-F3:
    her dashboard listed nothing, and an ad the doctor approved first went back to the
    editor, who cannot record a certificate)."""

    name = "ad_review_queue"
    order = 45
    template_name = "cms/compliance/review_queue_panel.html"

    def __init__(self, items) -> None:
        self.items = items

    def get_context_data(self, parent_context=None) -> dict:
        return {"items": self.items, "expired_url": reverse("cms_ad_review_expired")}


@hooks.register("construct_homepage_panels")
def ad_review_queue_panel(request, panels: list) -> None:
    if not is_reviewer(request.user):
        return
    from cms.selectors import ads_awaiting_review

    panels.insert(0, ReviewQueuePanel(ads_awaiting_review()))
