"""Admin: ad accounts with their health, the inbox with its quarantine queue and fix & replay,
spend records and pull checkpoints. Secrets are never shown (not in any panel)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from channels.models import ChannelAccount, InboundLead, InboundStatus, PullCheckpoint, SpendRecord
from channels.services.accounts import account_schedules_install
from channels.services.inbox import inbound_replay
from config.errors import ApplicationError
from funnel.admin_labels import admin_columns
from funnel.crypto import mask_name, mask_phone


class ReplayColumn(Column):
    def get_value(self, instance) -> str:
        if instance.status != InboundStatus.QUARANTINED:
            return ""
        url = reverse("channels_inbound_replay", args=[instance.pk])
        return format_html('<a class="button button-small" href="{}">修复并重放</a>', url)


class ChannelAccountViewSet(SnippetViewSet):
    model = ChannelAccount
    icon = "link-external"
    menu_label = "广告账户"
    url_prefix = "channels/accounts"
    list_display = admin_columns(
        ChannelAccount,
        [
            "__str__",
            "is_active",
            "last_pull_at",
            "last_success_at",
            "consecutive_failures",
            "last_error",
        ],
    )
    list_filter = ["channel", "is_active"]
    panels = [
        FieldPanel("channel"),
        FieldPanel("name"),
        FieldPanel("api_base_url"),
        FieldPanel("advertiser_id"),
        FieldPanel("app_id"),
        FieldPanel("is_active"),
        FieldPanel("settings"),
    ]


class InboundLeadViewSet(SnippetViewSet):
    model = InboundLead
    icon = "tray-from"
    menu_label = "原始线索"
    url_prefix = "channels/inbound"
    list_display = [
        "__str__",
        "status",
        "reason",
        "lead",
        "attempts",
        "received_at",
        ReplayColumn("replay", label="操作"),
    ]
    list_filter = ["status", "channel", "reason"]
    list_per_page = 50
    inspect_view_enabled = True
    inspect_view_fields = [
        "channel",
        "account_name",
        "external_id",
        "status",
        "reason",
        "detail",
        "lead",
        "result",
        "attempts",
        "received_at",
        "processed_at",
    ]
    panels = [FieldPanel("reason", read_only=True)]

    def get_queryset(self, request: HttpRequest):
        return InboundLead.objects.select_related("lead").order_by("-received_at")


class SpendRecordViewSet(SnippetViewSet):
    model = SpendRecord
    icon = "table"
    menu_label = "消耗"
    url_prefix = "channels/spend"
    list_display = ["date", "channel", "account", "campaign_name", "cost", "impressions", "clicks"]
    list_filter = ["channel", "account", "date"]
    panels = [FieldPanel("cost", read_only=True)]


class PullCheckpointViewSet(SnippetViewSet):
    model = PullCheckpoint
    icon = "history"
    menu_label = "拉取检查点"
    url_prefix = "channels/checkpoints"
    list_display = admin_columns(
        PullCheckpoint, ["account", "stream", "cursor", "next_page", "pages_done", "updated_at"]
    )
    panels = [FieldPanel("next_page", read_only=True)]


class ChannelsGroup(SnippetViewSetGroup):
    menu_label = "渠道"
    menu_icon = "site"
    menu_order = 210
    items = (ChannelAccountViewSet, InboundLeadViewSet, SpendRecordViewSet, PullCheckpointViewSet)


register_snippet(ChannelsGroup)


@hooks.register("after_create_snippet")
def _account_created(request, instance) -> None:
    # Accounts added in the admin get the same beat schedules as `channel_account add`.
    if isinstance(instance, ChannelAccount):
        account_schedules_install(account=instance)


@hooks.register("after_edit_snippet")
def _account_edited(request, instance) -> None:
    if isinstance(instance, ChannelAccount):
        account_schedules_install(account=instance)


class ReplayForm(forms.Form):
    phone = forms.CharField(label="手机号", required=False, max_length=40)
    name = forms.CharField(label="姓名", required=False, max_length=80)
    specialty = forms.CharField(label="专科（名称或 slug）", required=False, max_length=80)
    city = forms.CharField(label="城市", required=False, max_length=40)
    campaign_name = forms.CharField(label="计划名称", required=False, max_length=200)

    def changes(self) -> dict[str, str]:
        return {k: v.strip() for k, v in self.cleaned_data.items() if v and v.strip()}


@permission_required("channels.change_inboundlead", raise_exception=True)
def inbound_replay_view(request: HttpRequest, inbound_id: int) -> HttpResponse:
    row = get_object_or_404(InboundLead, pk=inbound_id)
    form = ReplayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = inbound_replay(inbound_id=row.pk, changes=form.changes())
        except (ApplicationError, ValueError, TypeError) as err:
            messages.error(request, f"重放失败：{err}")
        else:
            if result.result == "quarantined":
                messages.warning(request, f"仍被隔离：{result.reason}")
            else:
                messages.success(request, f"已重放：{result.result}（线索 {result.lead_id}）")
                return redirect(reverse("wagtailsnippets_channels_inboundlead:list"))
        row.refresh_from_db()
    payload = row.payload or {}
    context = {
        "row": row,
        "form": form,
        "masked_phone": mask_phone(payload.get("phone", "")) or "（无）",
        "masked_name": mask_name(payload.get("name", "")) or "（无）",
        "payload_keys": sorted(k for k, v in payload.items() if v not in ("", None, {}, [])),
    }
    return render(request, "channels/admin/inbound_replay.html", context)


@permission_required("channels.view_inboundlead", raise_exception=True)
def quarantine_view(request: HttpRequest) -> HttpResponse:
    rows = (
        InboundLead.objects.filter(status=InboundStatus.QUARANTINED)
        .order_by("-received_at")
        .only("pk", "channel", "account_name", "external_id", "reason", "detail", "received_at")[
            :200
        ]
    )
    return render(request, "channels/admin/quarantine.html", {"rows": rows})


@hooks.register("register_admin_urls")
def channels_admin_urls():
    return [
        path("channels/quarantine/", quarantine_view, name="channels_quarantine"),
        path(
            "channels/inbound/<int:inbound_id>/replay/",
            inbound_replay_view,
            name="channels_inbound_replay",
        ),
    ]


class QuarantineMenuItem(MenuItem):
    """Shown only to those the quarantine view lets in (editors, doctors and assistants used
    to see a menu that answered "no permission")."""

    def is_shown(self, request) -> bool:
        return request.user.has_perm("channels.view_inboundlead")


@hooks.register("register_admin_menu_item")
def quarantine_menu_item() -> MenuItem:
    return QuarantineMenuItem(
        "隔离队列", reverse("channels_quarantine"), icon_name="warning", order=211
    )
