"""Wagtail discovers hooks here; each feature keeps its own in its package. Also here: the
Baidu push log (read-only) and the channel drafts."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.models import TaskState
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from cms import admin_menu  # noqa: F401
from cms.compliance import wagtail_hooks as compliance_hooks  # noqa: F401
from cms.drafts_views import channel_drafts_view
from cms.models import ArticlePage, BaiduPush, ChannelDraft
from cms.services.drafts import channel_draft_check
from cms.site_forms import CheckedSiteViewSet
from cms.views import review_done
from cms.workflows import reviewer_may_edit
from config.admin_policies import ServiceCreatedViewSetMixin, ViewOnlyPolicy, service_created
from funnel.admin_choosers import CheckedSnippetViewSet

register_permission_policy(BaiduPush, ViewOnlyPolicy(BaiduPush))


class BaiduPushViewSet(ServiceCreatedViewSetMixin, ModelViewSet):
    model = BaiduPush
    icon = "globe"
    menu_label = "百度推送"
    menu_order = 900
    add_to_admin_menu = True
    list_display = ["url", "status", "http_status", "tries", "pushed_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["url"]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["url"]


@hooks.register("register_admin_viewset")
def _baidu_push_viewset():
    return BaiduPushViewSet("baidu_push")


# Settings → Sites with the site name checked (cms.site_forms): ahead of wagtail.sites' own
# registration (default order 0), so its URLs are the ones /admin/sites/… resolves to; a
# namespace of its own (a second "wagtailsites" would make Django's reversing ambiguous).
@hooks.register("register_admin_viewset", order=-1)
def _checked_site_viewset():
    return CheckedSiteViewSet("cms_sites", url_prefix="sites")


# --- channel drafts -----------------------------------------------------------------------
# Drafts are made from their article (POST on its drafts page regenerates them): none added
# here by hand, where no article or channel would be set.
service_created(ChannelDraft)


class ChannelDraftViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    model = ChannelDraft
    icon = "doc-full"
    menu_label = "渠道稿"
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["title", "kind", "article", "blocking_count", "updated_at"]
    list_filter = ["kind"]
    copy_view_enabled = False
    panels = [FieldPanel("title"), FieldPanel("body"), FieldPanel("hashtags")]


register_snippet(ChannelDraft, viewset=ChannelDraftViewSet)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def _recheck_edited_draft(request, instance) -> None:
    if isinstance(instance, ChannelDraft):
        channel_draft_check(draft=instance)


@hooks.register("register_admin_urls")
def _channel_drafts_urls() -> list:
    return [
        path(
            "cms/articles/<int:page_id>/drafts/",
            channel_drafts_view,
            name="cms_channel_drafts",
        ),
        path("cms/reviewed/<int:task_state_id>/", review_done, name="cms_review_done"),
    ]


@hooks.register("after_edit_page")
def _reviewer_leaves_the_editor(request, page):
    """A doctor who approves or rejects from the editor's footer would be sent to the page
    tree or back to the editor, neither of which they may open once the task is done: send
    them to the dashboard with the outcome (the review modal's path: MedicalReviewTask)."""
    if not request.POST.get("workflow-action-name"):
        return None
    state = (
        TaskState.objects.filter(finished_by=request.user, workflow_state__object_id=str(page.pk))
        .order_by("-finished_at")
        .first()
    )
    if state is None or reviewer_may_edit(page=page, user=request.user):
        return None
    return redirect(reverse("cms_review_done", args=(state.pk,)))


HUB_NOT_COPIED = (
    "专科主页每个专科只有一个，不能复制或创建别名（含复制其子页面时包含的专科主页）："
    "请先在「专科」中新建专科，再为其添加专科主页"
)


@hooks.register("before_copy_page")
def _no_copy_of_a_hub(request, page):
    """A hub is the one page of its specialty (`SpecialtyPage.specialty` is one-to-one): a
    copy or an alias of it, or of a subtree holding one, failed inside Wagtail's copy with a
    500 (fourteenth verification). Refused with why, before the form is even filled in."""
    from wagtail.models import Page

    from cms.models import SpecialtyPage

    subtree = request.method == "POST" and request.POST.get("copy_subpages")
    pages = Page.objects.descendant_of(page, inclusive=True) if subtree else [page]
    if not any(p.specific_class is SpecialtyPage for p in pages):
        return None
    messages.error(request, HUB_NOT_COPIED)
    return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))


def _drafts_button(page, priority: int, user=None):
    # who may not change drafts reads them (the ad reviewer; seventeenth re-verification C-6)
    reads_only = user is not None and not user.has_perm("cms.change_channeldraft")
    return Button(
        "查看渠道稿" if reads_only else "生成渠道稿",
        reverse("cms_channel_drafts", args=[page.pk]),
        icon_name="doc-full",
        priority=priority,
    )


def _drafts_offered(page, user) -> bool:
    """An article of the health-science layers its user may edit: a 转化 article (a medical
    ad) gets no channel drafts (`cms.services.drafts.DraftsOfAnAd`)."""
    if page.specific_class is not ArticlePage or not page.permissions_for_user(user).can_edit():
        return False
    return not page.specific_deferred.is_medical_ad()


@hooks.register("register_page_listing_more_buttons")
def _drafts_listing_button(page, user, next_url=None):
    if _drafts_offered(page, user):
        yield _drafts_button(page, 70, user)


@hooks.register("register_page_header_buttons")
def _drafts_header_button(page, user, view_name, next_url=None):
    if _drafts_offered(page, user):
        yield _drafts_button(page, 75, user)


@hooks.register("before_serve_document", order=99)  # after Wagtail's view restrictions
def document_etag_hash(document, request) -> None:
    """The full-file answer's ETag is the document's hash: make sure it has one."""
    from cms.media_range import document_hash_ensure

    document_hash_ensure(document)


@hooks.register("before_serve_document", order=100)  # after Wagtail's view restrictions
def serve_document_range(document, request):
    """Range requests get 206 Partial Content (iOS/WeChat play MP4 only so)."""
    from cms.media_range import document_range_response

    return document_range_response(document, request)
