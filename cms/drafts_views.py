"""Admin view: an article's channel drafts, with their compliance findings and copy buttons;
POST (re)generates them. Editors who may edit the article may use it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from cms import drafts
from cms.models import ArticlePage, ChannelDraft
from cms.services.drafts import DraftsOfAnAd, channel_drafts_refresh


@require_http_methods(["GET", "POST"])
def channel_drafts_view(request: HttpRequest, page_id: int) -> HttpResponse:
    article = get_object_or_404(ArticlePage, pk=page_id)
    if not article.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    is_ad = article.is_medical_ad()
    # Regenerating overwrites every draft (hand edits too): it takes the right to change
    # drafts, as 修改 does (editors hold it, `cms/migrations/0011`); a user who may edit the
    # article but not the drafts (the ad reviewer) reads them only (seventeenth verification
    # B-R4: she was offered 修改 and got 「没有权限访问」, and could regenerate).
    can_change = can_generate = request.user.has_perm("cms.change_channeldraft")
    if request.method == "POST":
        if not can_generate:
            raise PermissionDenied
        try:
            found = channel_drafts_refresh(article=article)
        except DraftsOfAnAd as refused:
            messages.error(request, refused.message)
            return redirect("cms_channel_drafts", page_id=article.pk)
        blocking = sum(d.blocking_count() for d in found)
        note = f"，其中 {blocking} 处需修改后才能发布" if blocking else ""
        messages.success(request, f"已生成 {len(found)} 份渠道稿{note}")
        return redirect("cms_channel_drafts", page_id=article.pk)
    return TemplateResponse(
        request,
        "cms/admin/channel_drafts.html",
        {
            "article": article,
            # a 转化 article gets none, and shows none made before it became one
            "is_ad": is_ad,
            "can_change": can_change,
            "can_generate": can_generate,
            "refused": DraftsOfAnAd.message if is_ad else "",
            "drafts": [] if is_ad else ChannelDraft.objects.filter(article=article),
            "page_title": f"渠道稿：{article.title}",
            "limits": {
                "xhs_title": drafts.XHS_TITLE_MAX,
                "xhs_body": drafts.XHS_BODY_MAX,
                "tags_min": drafts.XHS_TAGS_MIN,
                "tags_max": drafts.XHS_TAGS_MAX,
                "cps": drafts.DOUYIN_CHARS_PER_SECOND,
                "seconds": drafts.DOUYIN_SECONDS_MAX,
                "baidu_title": drafts.BAIDU_TITLE_MAX,
                "baidu_description": drafts.BAIDU_DESCRIPTION_MAX,
            },
        },
    )
