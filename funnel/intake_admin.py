"""Admin for what enters the funnel: raw intake records with the quarantine queue and fix &
replay, ad spend facts, and the outbox's deliveries (what other apps were told, and what
failed). Personal data in raw records is shown masked."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from django.views.generic import RedirectView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from config.admin_policies import ServiceCreatedViewSetMixin, service_created
from config.errors import ApplicationError
from funnel.admin_choosers import CheckedSnippetViewSet
from funnel.admin_labels import ReadOnlyPanel
from funnel.consent import CONSENT_CLOCK_SKEW, consent_version_check
from funnel.crypto import mask_name, mask_phone
from funnel.models import InboundLead, InboundStatus, OutboxDelivery, SpendRecord
from funnel.outbox import outbox_retry
from funnel.services.intake import ConsentRecord, intake_replay

# Raw records are written by intake only, spend facts by the spend import, deliveries by the
# outbox: no add view, for superusers neither (config.admin_policies).
service_created(InboundLead, SpendRecord, OutboxDelivery)


class ReplayColumn(Column):
    def get_value(self, instance) -> str:
        if instance.status != InboundStatus.QUARANTINED:
            return ""
        url = reverse("intake_replay", args=[instance.pk])
        return format_html('<a class="button button-small" href="{}">修复并重放</a>', url)


class InboundLeadViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    model = InboundLead
    icon = "tray-from"
    menu_label = "原始线索"
    url_prefix = "funnel/inbound"
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
    panels = [ReadOnlyPanel("reason")]

    def get_queryset(self, request: HttpRequest):
        return InboundLead.objects.select_related("lead").order_by("-received_at")


class SpendRecordViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    model = SpendRecord
    icon = "table"
    menu_label = "消耗"
    url_prefix = "funnel/spend"
    list_display = [
        "date",
        "channel",
        "account_name",
        "campaign_name",
        "cost",
        "impressions",
        "clicks",
    ]
    list_filter = ["channel", "account_name", "date"]
    panels = [ReadOnlyPanel("cost")]


class RetryColumn(Column):
    def get_value(self, instance) -> str:
        if instance.status != OutboxDelivery.Status.FAILED:
            return ""
        url = reverse("outbox_retry", args=[instance.pk])
        return format_html(
            '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken"'
            ' value="{}"><button class="button button-small" type="submit">重试</button></form>',
            url,
            self.csrf_token,
        )

    def get_cell_context_data(self, instance, parent_context):
        self.csrf_token = str(parent_context.get("csrf_token", ""))
        return super().get_cell_context_data(instance, parent_context)


class OutboxDeliveryViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    model = OutboxDelivery
    icon = "mail"
    menu_label = "事件投递"
    url_prefix = "funnel/outbox"
    list_display = [
        "__str__",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        RetryColumn("retry", label="操作"),
    ]
    list_filter = ["status", "listener"]
    panels = [ReadOnlyPanel("last_error")]


class IntakeGroup(SnippetViewSetGroup):
    menu_label = "数据接入"
    menu_icon = "download"
    menu_order = 205
    items = (InboundLeadViewSet, SpendRecordViewSet, OutboxDeliveryViewSet)


class ReplayForm(forms.Form):
    phone = forms.CharField(label="手机号", required=False, max_length=40)
    name = forms.CharField(label="姓名", required=False, max_length=80)
    specialty = forms.CharField(label="专科（名称或 slug）", required=False, max_length=80)
    city = forms.CharField(label="城市", required=False, max_length=40)
    campaign_name = forms.CharField(label="计划名称", required=False, max_length=200)
    campaign_id = forms.CharField(label="计划 ID", required=False, max_length=64)
    keyword = forms.CharField(label="搜索词", required=False, max_length=200)
    concern = forms.CharField(label="主要困扰", required=False, max_length=200)
    wechat_id = forms.CharField(label="微信号", required=False, max_length=64)
    referral_code = forms.CharField(label="推荐码", required=False, max_length=16)
    # Consent the record lacked (e.g. a CSV from an event, a call centre): recorded with
    # who recorded it, never assumed.
    consent_version = forms.CharField(
        label="授权文本版本（补录授权时填写）", required=False, max_length=40
    )
    consent_source = forms.CharField(
        label="授权来源（如：线下活动纸质授权书）", required=False, max_length=30
    )
    consent_at = forms.DateTimeField(label="授权时间（默认现在）", required=False)
    consent_confirmed = forms.BooleanField(
        label="我已核实此人签署了上述版本的健康信息授权", required=False
    )

    FIELDS = (
        "phone",
        "name",
        "specialty",
        "city",
        "campaign_name",
        "campaign_id",
        "keyword",
        "concern",
        "wechat_id",
        "referral_code",
    )

    def clean(self) -> dict:
        data = super().clean()
        parts = [data.get(k) for k in ("consent_version", "consent_source", "consent_confirmed")]
        if any(parts) and not all(parts):
            raise forms.ValidationError("补录授权需填写版本、来源并勾选核实")
        at = data.get("consent_at")
        if at is not None and at > timezone.now() + CONSENT_CLOCK_SKEW:
            # the same bound intake applies (`consent_time_in_future`): said here, not after
            self.add_error("consent_at", "授权时间不能晚于现在")
        version = (data.get("consent_version") or "").strip()
        if version:
            try:
                consent_version_check(version)
            except ApplicationError as err:
                self.add_error("consent_version", err.message)
        return data

    def changes(self) -> dict[str, str]:
        data = self.cleaned_data
        return {k: data[k].strip() for k in self.FIELDS if data.get(k) and data[k].strip()}

    def consent(self, user) -> ConsentRecord | None:
        data = self.cleaned_data
        if not data.get("consent_confirmed"):
            return None
        return ConsentRecord(
            version=data["consent_version"].strip(),
            source=data["consent_source"].strip(),
            at=data.get("consent_at") or timezone.now(),
            recorded_by=user.get_username(),
        )


@permission_required("funnel.change_inboundlead", raise_exception=True)
def intake_replay_view(request: HttpRequest, inbound_id: int) -> HttpResponse:
    row = get_object_or_404(InboundLead, pk=inbound_id)
    form = ReplayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = intake_replay(
                inbound_id=row.pk, changes=form.changes(), consent=form.consent(request.user)
            )
        except ApplicationError as err:
            messages.error(request, f"重放失败：{err.message}")
        except (ValueError, TypeError) as err:
            messages.error(request, f"重放失败：{err}")
        else:
            if result.result == "quarantined":
                messages.warning(request, f"仍被隔离：{result.reason}")
            elif result.result == "failed":
                # its platform still refuses: kept for the sweep, with why
                messages.warning(request, f"仍失败，稍后由补处理任务重试：{result.detail}")
            else:
                messages.success(request, f"已重放：{result.result}（线索 {result.lead_id}）")
                return redirect(reverse("wagtailsnippets_funnel_inboundlead:list"))
        row.refresh_from_db()
    payload = row.payload or {}
    context = {
        "row": row,
        "form": form,
        "masked_phone": mask_phone(payload.get("phone", "")) or "（无）",
        "masked_name": mask_name(payload.get("name", "")) or "（无）",
        "payload_keys": sorted(k for k, v in payload.items() if v not in ("", None, {}, [])),
    }
    return render(request, "funnel/admin/intake_replay.html", context)


@permission_required("funnel.view_inboundlead", raise_exception=True)
def quarantine_view(request: HttpRequest) -> HttpResponse:
    rows = (
        InboundLead.objects.filter(status=InboundStatus.QUARANTINED)
        .order_by("-received_at")
        .only("pk", "channel", "account_name", "external_id", "reason", "detail", "received_at")[
            :200
        ]
    )
    return render(request, "funnel/admin/quarantine.html", {"rows": rows})


@require_POST
@permission_required("funnel.change_outboxdelivery", raise_exception=True)
def outbox_retry_view(request: HttpRequest, delivery_id: int) -> HttpResponse:
    outbox_retry(delivery_id=delivery_id)
    messages.success(request, "已安排重试：下一次投递补投时发送")
    return redirect(reverse("wagtailsnippets_funnel_outboxdelivery:list"))


def admin_urls() -> list:
    return [
        path("intake/quarantine/", quarantine_view, name="intake_quarantine"),
        path("intake/<int:inbound_id>/replay/", intake_replay_view, name="intake_replay"),
        path("intake/outbox/<int:delivery_id>/retry/", outbox_retry_view, name="outbox_retry"),
        # The addresses these pages had before intake moved into the funnel (bookmarks).
        path(
            "channels/quarantine/",
            RedirectView.as_view(pattern_name="intake_quarantine", query_string=True),
        ),
        path(
            "channels/inbound/<int:inbound_id>/replay/",
            RedirectView.as_view(pattern_name="intake_replay", query_string=True),
        ),
        path(
            "channels/inbound/",
            RedirectView.as_view(url="/admin/funnel/inbound/", query_string=True),
        ),
        path(
            "channels/spend/",
            RedirectView.as_view(url="/admin/funnel/spend/", query_string=True),
        ),
    ]


class QuarantineMenuItem(MenuItem):
    """Shown only to those the quarantine view lets in (editors, doctors and assistants used
    to see a menu that answered "no permission")."""

    def is_shown(self, request) -> bool:
        return request.user.has_perm("funnel.view_inboundlead")


def quarantine_menu_item() -> MenuItem:
    return QuarantineMenuItem(
        "隔离队列", reverse("intake_quarantine"), icon_name="warning", order=211
    )


hooks.register("register_admin_urls", admin_urls)
hooks.register("register_admin_menu_item", quarantine_menu_item)
