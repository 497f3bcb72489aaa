"""Admin: ad accounts with their health, where each account's pulls stand, and the postback
log. Secrets are never shown (the webhook secret is a write-only field); leads are shown
masked. Raw records, quarantine and spend are the funnel's (`funnel.intake_admin`)."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    HistoryView,
    InspectView,
    SnippetViewSetGroup,
    UsageView,
)

from channels.models import ChannelAccount, PostbackLog, PullCheckpoint
from channels.selectors import Outcome, postback_log
from channels.services.accounts import (
    account_config_problems,
    account_has_records,
    account_schedules_install,
)
from config.admin_policies import ServiceCreatedViewSetMixin, ViewOnlyPolicy, service_created
from funnel.admin_choosers import CheckedSnippetViewSet, scoped_chooser_viewset
from funnel.admin_labels import ReadOnlyPanel, admin_columns
from funnel.crypto import mask_phone
from funnel.models import Channel, Stage
from funnel.selectors import lead_owned_visible_to
from funnel.wagtail_hooks import ScopedObjectMixin


class ChannelAccountForm(WagtailAdminModelForm):
    """An account's channel and name are what its push URL, intake records and spend facts
    name it by: fixed once it exists (deactivate it and add a new one to start over).

    The webhook secret is write-only: never shown, left blank it keeps the stored one. The
    settings (其他配置) must be an object of known keys whose values a connector can use, the
    API base URL and URL settings must be the platform's own hosts, and a push-only account
    needs its secret (`account_config_problems`, shared with `channel_account add`)."""

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            for field in ("channel", "name"):
                if field in data and data[field] != getattr(self.instance, field):
                    self.add_error(field, "创建后不能修改：推送地址、原始线索和消耗都以它为标识")
            if "webhook_secret" in data and not data["webhook_secret"]:
                data["webhook_secret"] = self.instance.webhook_secret
        problems = account_config_problems(
            channel=data.get("channel") or self.instance.channel,
            api_base_url=data.get("api_base_url") or "",
            webhook_secret=data.get("webhook_secret") or "",
            settings=data.get("settings"),
        )
        for field, (_code, message) in problems.items():
            if field.startswith("settings."):
                field = "settings"  # a URL setting: shown at the settings field
            if field in self.fields and field in self.errors:
                continue  # the field's own error (unreadable JSON) says it already
            self.add_error(field if field in self.fields else None, message)
        return data


class ChannelAccountViewSet(CheckedSnippetViewSet):
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
    edit_handler = ObjectList(
        [
            FieldPanel("channel"),
            FieldPanel("name", help_text="创建后不能修改（推送地址与数据以它为标识）"),
            FieldPanel("api_base_url", help_text="留空使用平台官方地址；只接受该平台的官方域名"),
            FieldPanel(
                "webhook_secret",
                widget=forms.PasswordInput(render_value=False),
                help_text="平台推送配置里的 token；留空则保留已保存的密钥（不会显示）",
            ),
            FieldPanel("advertiser_id"),
            FieldPanel("app_id"),
            FieldPanel("is_active"),
            FieldPanel("settings"),
        ],
        base_form_class=ChannelAccountForm,
    )


# A pull writes its checkpoints (under row locks, with the page): none added by hand.
service_created(PullCheckpoint)


class PullCheckpointViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    model = PullCheckpoint
    icon = "history"
    menu_label = "拉取检查点"
    url_prefix = "channels/checkpoints"
    list_display = admin_columns(
        PullCheckpoint, ["account", "stream", "cursor", "next_page", "pages_done", "updated_at"]
    )
    panels = [ReadOnlyPanel("next_page")]


class PostbackFilterSet(WagtailFilterSet):
    outcome = django_filters.ChoiceFilter(
        label="结果", choices=Outcome.CHOICES, method="filter_outcome"
    )
    platform = django_filters.ChoiceFilter(
        label="平台", choices=[c for c in Channel.choices if c[0] in ("douyin", "baidu")]
    )

    class Meta:
        model = PostbackLog
        fields = ["platform"]

    def filter_outcome(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(outcome=value) if value else queryset


class _Annotated(Column):
    """A column read from `channels.selectors.postback_log`'s annotations."""

    def __init__(self, name: str, label: str, render=str) -> None:
        super().__init__(name, label=label, accessor=name)
        self._render = render

    def get_value(self, instance) -> str:
        return self._render(getattr(instance, self.accessor, ""))


def _outcome_label(value: str) -> str:
    return dict(Outcome.CHOICES).get(value, value)


register_permission_policy(PostbackLog, ViewOnlyPolicy(PostbackLog))


def postbacks_visible_to(*, user) -> QuerySet[PostbackLog]:
    """Postbacks of the leads `user` may see (an assistant: their own patients' visits)."""
    return postback_log().filter(pk__in=lead_owned_visible_to(user=user, model=PostbackLog))


class _PostbackScope(ScopedObjectMixin):
    visible_to = staticmethod(postbacks_visible_to)


class PostbackLogViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    """One row per platform send; read-only (the listeners write it)."""

    model = PostbackLog
    icon = "upload"
    menu_label = "回传记录"
    url_prefix = "channels/postbacks"
    filterset_class = PostbackFilterSet
    list_per_page = 50
    inspect_view_enabled = True
    list_display = [
        _Annotated("lead", "线索", lambda lead: f"#{lead.pk} {mask_phone(lead.phone)}"),
        "platform",
        # the funnel's stage names (已加微, 已支付 …), not their codes (review of issue 14)
        _Annotated("stage", "阶段", lambda code: dict(Stage.choices).get(code, code)),
        "platform_event",
        _Annotated("outcome", "结果", _outcome_label),
        _Annotated("attempts", "尝试次数"),
        _Annotated("answer", "平台应答", lambda text: (text or "")[:120]),
        "created_at",
        "sent_at",
    ]

    inspect_view_class = type("PostbackInspectView", (_PostbackScope, InspectView), {})
    history_view_class = type("PostbackHistoryView", (_PostbackScope, HistoryView), {})
    usage_view_class = type("PostbackUsageView", (_PostbackScope, UsageView), {})
    chooser_viewset_class = scoped_chooser_viewset(postbacks_visible_to, "PostbackChooserViewSet")

    def get_queryset(self, request):
        return postbacks_visible_to(user=request.user)


class ChannelsGroup(SnippetViewSetGroup):
    menu_label = "渠道"
    menu_icon = "site"
    menu_order = 210
    items = (ChannelAccountViewSet, PullCheckpointViewSet, PostbackLogViewSet)


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


@hooks.register("before_delete_snippet")
def _account_delete_guard(request, instances):
    # Intake records and spend name their account: deleting it would orphan them (and a
    # re-created namesake would inherit them). Deactivate it instead.
    kept = [a for a in instances if isinstance(a, ChannelAccount) and account_has_records(a)]
    if kept:
        names = "、".join(a.name for a in kept)
        messages.error(request, f"账户 {names} 已有原始线索或消耗数据，不能删除；请改为停用")
        return redirect(reverse("wagtailsnippets_channels_channelaccount:list"))
    return None


from channels.wecom import admin as _wecom_admin  # noqa: E402, F401  (registers the WeCom group)
