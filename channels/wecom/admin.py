"""Admin (Wagtail snippets, group 企业微信): companies, with their secrets write-only (never
shown; left blank on edit they keep their stored value), and customer contacts, where staff
find the unmatched ones (an add whose state named no lead) and bind them to a lead.
Registered from `channels.wagtail_hooks`."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from channels.wecom.models import WecomAccount, WecomContact
from channels.wecom.services import aes_key_check, base_url_check, contact_bind
from config.errors import ApplicationError
from funnel.admin_labels import admin_columns
from funnel.models import Lead

SECRET_FIELDS = ("secret", "token", "aes_key")


class WecomAccountForm(WagtailAdminModelForm):
    secret = forms.CharField(
        label="客户联系 / 应用 Secret",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="不显示已保存的值；留空则保持不变",
    )
    token = forms.CharField(
        label="回调 Token", required=False, widget=forms.PasswordInput(render_value=False)
    )
    aes_key = forms.CharField(
        label="回调 EncodingAESKey",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="43 位，企业微信后台「接收消息服务器配置」中生成",
    )

    def clean(self):
        data = super().clean()
        if self.instance.pk and "name" in data and data["name"] != self.instance.name:
            self.add_error("name", "创建后不能修改：回调地址以它为标识")
        for field in SECRET_FIELDS:
            if not data.get(field):
                if self.instance.pk:
                    data[field] = getattr(self.instance, field)  # blank keeps the stored value
                else:
                    self.add_error(field, "必填")
        try:
            if data.get("aes_key"):
                aes_key_check(data["aes_key"])
        except ApplicationError as exc:
            self.add_error("aes_key", exc.message)
        try:
            data["api_base_url"] = base_url_check(data.get("api_base_url", ""))
        except ApplicationError as exc:
            self.add_error("api_base_url", exc.message)
        return data


class WecomAccountViewSet(SnippetViewSet):
    model = WecomAccount
    icon = "link-external"
    menu_label = "企业微信账户"
    url_prefix = "channels/wecom/accounts"
    list_display = admin_columns(WecomAccount, ["__str__", "corp_id", "agent_id", "is_active"])
    edit_handler = ObjectList(
        [
            FieldPanel("name", help_text="回调地址：/channels/hooks/wecom/<账户名>/"),
            FieldPanel("corp_id"),
            FieldPanel("agent_id"),
            FieldPanel("secret"),
            FieldPanel("token"),
            FieldPanel("aes_key"),
            FieldPanel("api_base_url"),
            FieldPanel("is_active"),
            FieldPanel("settings"),
        ],
        base_form_class=WecomAccountForm,
    )


class WecomContactForm(WagtailAdminModelForm):
    bind_lead = forms.IntegerField(
        label="绑定到线索 ID",
        required=False,
        min_value=1,
        help_text="未匹配的客户：填写线索编号，线索将在添加时间进入「已加微」",
    )

    def clean_bind_lead(self):
        value = self.cleaned_data.get("bind_lead")
        if value and not Lead.objects.filter(pk=value).exists():
            raise forms.ValidationError("没有这个线索")
        return value


class ContactFilterSet(WagtailFilterSet):
    matched = django_filters.ChoiceFilter(
        label="匹配", choices=[("no", "未匹配"), ("yes", "已匹配")], method="filter_matched"
    )

    class Meta:
        model = WecomContact
        fields = ["status", "account"]

    def filter_matched(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "no":
            return queryset.filter(lead__isnull=True)
        if value == "yes":
            return queryset.filter(lead__isnull=False)
        return queryset


class WecomContactViewSet(SnippetViewSet):
    model = WecomContact
    icon = "user"
    menu_label = "企业微信客户"
    url_prefix = "channels/wecom/contacts"
    filterset_class = ContactFilterSet
    list_display = admin_columns(
        WecomContact, ["__str__", "lead", "member_userid", "status", "state", "added_at"]
    )
    edit_handler = ObjectList(
        [
            FieldPanel("member_userid", read_only=True),
            FieldPanel("state", read_only=True),
            FieldPanel("status", read_only=True),
            FieldPanel("added_at", read_only=True),
            FieldPanel("lead", read_only=True),
            FieldPanel("bind_lead"),
        ],
        base_form_class=WecomContactForm,
    )


class WecomGroup(SnippetViewSetGroup):
    menu_label = "企业微信"
    menu_icon = "group"
    menu_order = 211
    items = (WecomAccountViewSet, WecomContactViewSet)


register_snippet(WecomGroup)


@hooks.register("after_edit_snippet")
def _contact_bound(request, instance) -> None:
    if isinstance(instance, WecomContact):
        lead_id = request.POST.get("bind_lead", "").strip()
        if lead_id.isdigit():
            contact_bind(contact_id=instance.pk, lead_id=int(lead_id), actor=request.user)


@hooks.register("funnel_group_panels")
def _group_code_panel(request, group) -> str:
    """The group's WeCom join code on its roster page (made on first display; a full or closed
    camp shows why there is none). Staff show it to patients or forward the image."""
    from channels.wecom.groups import group_code_for

    code = group_code_for(group_id=group.pk)
    if not code.image_url:
        return format_html(
            '<section class="w-mb-4" data-testid="wecom-group-code"><h2 class="w-h3">'
            "企业微信入群码</h2><p>{}</p></section>",
            code.reason,
        )
    return format_html(
        '<section class="w-mb-4" data-testid="wecom-group-code"><h2 class="w-h3">企业微信入群码'
        '</h2><img src="{}" alt="企业微信入群码" width="180" height="180">'
        "<p>渠道参数 state：<code>{}</code>（群满时企业微信自动新建群）</p></section>",
        code.image_url,
        code.state,
    )
