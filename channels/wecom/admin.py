"""Admin (Wagtail snippets, group 企业微信): companies, with their secrets write-only (never
shown; left blank on edit they keep their stored value), customer contacts, where staff
find the unmatched ones (an add whose state named no lead) and bind them to a lead, welcome
message templates (checked against the medical-ad rules on save), the welcome log, and two
read-only logs of what we changed at WeCom (API changes raise no callback): the stage tags
marked (企业微信阶段标签) and the customer transfers (企业微信客户转接). The logs are scoped by
the funnel's one rule (`lead_owned_visible_to`: an assistant sees their own leads' rows; the
tag and transfer logs in the list, the chooser and every per-row view). Registered from
`channels.wagtail_hooks`."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    DeleteView,
    EditView,
    HistoryView,
    InspectView,
    SnippetViewSetGroup,
    UsageView,
)

from channels.wecom.models import (
    WecomAccount,
    WecomContact,
    WecomTagMark,
    WecomTransfer,
    WecomWelcome,
    WecomWelcomeTemplate,
)
from channels.wecom.selectors import contact_hint
from channels.wecom.services import (
    account_field_problems,
    aes_key_check,
    base_url_check,
    contact_bind,
)
from channels.wecom.welcome import reason_label
from config.admin_policies import ServiceCreatedViewSetMixin, ViewOnlyPolicy, service_created
from config.errors import ApplicationError
from funnel.admin_choosers import CheckedSnippetViewSet, scoped_chooser_viewset
from funnel.admin_labels import ReadOnlyPanel, admin_columns
from funnel.crypto import mask_phone
from funnel.models import Lead
from funnel.public_text import public_text_problems
from funnel.selectors import lead_owned_visible_to, leads_visible_to
from funnel.wagtail_hooks import ScopedObjectMixin

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

    def clean_settings(self):
        """其他配置 must be a JSON object whose known keys hold usable values: a bad value
        here once made every callback of the account answer 500."""
        from channels.wecom.contactways import CONTACT_MODES

        value = self.cleaned_data.get("settings")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError('须为 JSON 对象，例如 {"contact_mode": "temp"}')
        mode = value.get("contact_mode")
        if mode is not None and mode not in CONTACT_MODES:
            raise forms.ValidationError(f"contact_mode 只能是 {'、'.join(CONTACT_MODES)}")
        skew = value.get("callback_max_skew_seconds")
        if skew is not None and not (
            isinstance(skew, int) and not isinstance(skew, bool) and 30 <= skew <= 3600
        ):
            raise forms.ValidationError("callback_max_skew_seconds 须为 30–3600 的整数（秒）")
        links = value.get("acquisition_links")
        if links is not None and not (
            isinstance(links, dict) and all(isinstance(v, dict) for v in links.values())
        ):
            raise forms.ValidationError(
                "acquisition_links 由系统写入（每位成员一个获客链接），须为对象；不确定时请删除该项"
            )
        return value

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
        # The command's rules (lengths, required agent id), one set: services.
        problems = account_field_problems(
            name=data.get("name") or self.instance.name or "",
            corp_id=data.get("corp_id") or "",
            secret=data.get("secret") or "",
            agent_id=data.get("agent_id") or "",
            token=data.get("token") or "",
        )
        for field, message in problems.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
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


class WecomAccountViewSet(CheckedSnippetViewSet):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        contact = self.instance
        if not contact.pk or contact.lead_id is not None:
            return
        hint = contact_hint(contact)
        field = self.fields["bind_lead"]
        # The suggestion only for staff who may see that lead (an id is not a key).
        visible = (
            hint.lead_id is not None
            and self.for_user is not None
            and leads_visible_to(user=self.for_user).filter(pk=hint.lead_id).exists()
        )
        detail = hint.detail() if visible else ""
        field.help_text = "；".join(p for p in (f"来源：{hint.text}", detail) if p) + (
            "。核对后保存即绑定" if visible else "。核对后填写线索编号并保存即绑定"
        )
        if visible:
            field.initial = hint.lead_id

    def clean_bind_lead(self):
        value = self.cleaned_data.get("bind_lead")
        # Only a lead this user may see (an assistant: their own): an id is not a key.
        visible = leads_visible_to(user=self.for_user) if self.for_user else Lead.objects.none()
        if value and not visible.filter(pk=value).exists():
            raise forms.ValidationError("没有这个线索")
        if value and Lead.objects.filter(pk=value, anonymized_at__isnull=False).exists():
            raise forms.ValidationError("该线索已撤回授权（已匿名化），不能绑定")
        bound = self.instance.lead_id if self.instance.pk else None
        if value and bound is not None and bound != value:
            # Moving a patient's chat to another record silently would send that record's
            # stage tags to this patient: a contact is bound once.
            raise forms.ValidationError(f"该客户已绑定线索 #{bound}，不能改绑")
        return value


def contacts_visible_to(*, user):
    """WeCom contacts of the leads `user` may see (`lead_owned_visible_to`): an assistant sees
    their own patients' contacts and no unmatched ones (binding is a supervisor's job)."""
    return lead_owned_visible_to(user=user, model=WecomContact)


class _ContactScope(ScopedObjectMixin):
    visible_to = staticmethod(contacts_visible_to)


ContactEditView = type("ContactEditView", (_ContactScope, EditView), {})
ContactDeleteView = type("ContactDeleteView", (_ContactScope, DeleteView), {})
ContactHistoryView = type("ContactHistoryView", (_ContactScope, HistoryView), {})
ContactUsageView = type("ContactUsageView", (_ContactScope, UsageView), {})
ContactInspectView = type("ContactInspectView", (_ContactScope, InspectView), {})


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


class _HintColumn(Column):
    """Why an unmatched contact is unmatched, in words (never the raw state alone)."""

    def __init__(self) -> None:
        super().__init__("hint", label="来源说明")

    def get_value(self, instance) -> str:
        return contact_hint(instance).text


# Contacts come from WeCom's callbacks (through intake) only: none added by hand.
service_created(WecomContact)


class WecomContactViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    model = WecomContact
    icon = "user"
    menu_label = "企业微信客户"
    url_prefix = "channels/wecom/contacts"
    # No copy either (ServiceCreatedViewSetMixin; its view is not lead-scoped either).
    filterset_class = ContactFilterSet
    list_display = [
        *admin_columns(
            WecomContact, ["__str__", "lead", "member_userid", "status", "state", "added_at"]
        ),
        _HintColumn(),
    ]
    edit_handler = ObjectList(
        [
            ReadOnlyPanel("member_userid"),
            ReadOnlyPanel("state"),
            ReadOnlyPanel("status"),
            ReadOnlyPanel("half_added_at"),
            ReadOnlyPanel("added_at"),
            ReadOnlyPanel("lead"),
            FieldPanel("bind_lead"),
        ],
        base_form_class=WecomContactForm,
    )
    edit_view_class = ContactEditView
    delete_view_class = ContactDeleteView
    history_view_class = ContactHistoryView
    usage_view_class = ContactUsageView
    inspect_view_class = ContactInspectView
    chooser_viewset_class = scoped_chooser_viewset(
        contacts_visible_to, "WecomContactChooserViewSet"
    )

    def get_queryset(self, request):
        return contacts_visible_to(user=request.user)


class WelcomeTemplateForm(WagtailAdminModelForm):
    """A template that fails the medical-ad check cannot be saved (the whole message is
    checked again before each send: rules change, and the sender adds text)."""

    def clean_text(self):
        text = self.cleaned_data.get("text") or ""
        problems = public_text_problems(text)
        if problems is None:
            raise forms.ValidationError("合规检查不可用，暂不能保存欢迎语")
        if problems:
            raise forms.ValidationError(["未通过医疗广告合规检查：", *problems])
        return text


class WecomWelcomeTemplateViewSet(CheckedSnippetViewSet):
    model = WecomWelcomeTemplate
    icon = "mail"
    menu_label = "欢迎语模板"
    url_prefix = "channels/wecom/welcome-templates"
    list_display = admin_columns(WecomWelcomeTemplate, ["__str__", "is_active", "updated_at"])
    edit_handler = ObjectList(
        [FieldPanel("specialty"), FieldPanel("text"), FieldPanel("is_active")],
        base_form_class=WelcomeTemplateForm,
    )


def welcomes_visible_to(*, user):
    """Welcome records of the leads `user` may see (an assistant: their own patients')."""
    return lead_owned_visible_to(user=user, model=WecomWelcome)


class _WelcomeScope(ScopedObjectMixin):
    visible_to = staticmethod(welcomes_visible_to)


class WelcomeInspectView(_WelcomeScope, InspectView):
    pass


class WelcomeHistoryView(_WelcomeScope, HistoryView):
    pass


class WelcomeUsageView(_WelcomeScope, UsageView):
    pass


class WelcomeEditView(_WelcomeScope, EditView):
    pass


class WelcomeDeleteView(_WelcomeScope, DeleteView):
    pass


register_permission_policy(WecomWelcome, ViewOnlyPolicy(WecomWelcome))


class WecomWelcomeViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    """One row per add event's welcome: sent, failed (WeCom's code) or not sent (why)."""

    model = WecomWelcome
    icon = "mail"
    menu_label = "欢迎语记录"
    url_prefix = "channels/wecom/welcomes"
    list_filter = ["status"]
    list_per_page = 50
    inspect_view_enabled = True
    list_display = [
        Column(
            "lead",
            label="线索",
            accessor=lambda w: f"线索 #{w.lead_id}" if w.lead_id else "未匹配（通用欢迎语）",
        ),
        *admin_columns(WecomWelcome, ["member_userid", "status"]),
        Column("reason", label="原因", accessor=lambda w: reason_label(w.reason)),
        *admin_columns(WecomWelcome, ["event_at", "sent_at"]),
    ]
    inspect_view_fields = [
        "lead",
        "member_userid",
        "status",
        "reason",
        "detail",
        "text",
        "event_at",
        "sent_at",
        "created_at",
    ]
    inspect_view_class = WelcomeInspectView
    history_view_class = WelcomeHistoryView
    usage_view_class = WelcomeUsageView
    edit_view_class = WelcomeEditView
    delete_view_class = WelcomeDeleteView

    def get_queryset(self, request):
        return welcomes_visible_to(user=request.user)


class _LeadColumn(Column):
    """The row's lead, masked (`#id 138****5678`), as the postback log shows it."""

    def __init__(self) -> None:
        super().__init__("lead", label="线索", accessor="lead")

    def get_value(self, instance) -> str:
        lead = instance.lead
        return f"#{lead.pk} {mask_phone(lead.phone)}" if lead.phone else f"#{lead.pk}"


def _scoped(model):
    """A read-only, lead-scoped snippet: the list, the chooser and each row's history and
    usage views see only rows of leads the user may see."""

    def visible_to(*, user):
        return lead_owned_visible_to(user=user, model=model).select_related("lead")

    class Scope(ScopedObjectMixin):
        pass

    Scope.visible_to = staticmethod(visible_to)
    register_permission_policy(model, ViewOnlyPolicy(model))
    history = type(f"{model.__name__}HistoryView", (Scope, HistoryView), {})
    usage = type(f"{model.__name__}UsageView", (Scope, UsageView), {})
    chooser = scoped_chooser_viewset(visible_to, f"{model.__name__}ChooserViewSet")
    return visible_to, history, usage, chooser


_marks_visible, _MarkHistory, _MarkUsage, _MarkChooser = _scoped(WecomTagMark)
_transfers_visible, _TransferHistory, _TransferUsage, _TransferChooser = _scoped(WecomTransfer)


class WecomTagMarkViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    """Which stage tag we marked on which contact, with WeCom's answer (read-only)."""

    model = WecomTagMark
    icon = "tag"
    menu_label = "企业微信阶段标签"
    url_prefix = "channels/wecom/tag-marks"
    list_per_page = 50
    inspect_view_enabled = False
    list_filter = ["status", "stage"]
    list_display = [
        _LeadColumn(),
        *admin_columns(
            WecomTagMark,
            ["member_userid", "stage", "status", "tries", "last_answer", "event_at", "marked_at"],
        ),
    ]
    history_view_class = _MarkHistory
    usage_view_class = _MarkUsage
    chooser_viewset_class = _MarkChooser

    def get_queryset(self, request):
        return _marks_visible(user=request.user).order_by("-created_at", "-pk")


class WecomTransferViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    """Each reassignment's customer transfer and how it ended (read-only)."""

    model = WecomTransfer
    icon = "resubmit"
    menu_label = "企业微信客户转接"
    url_prefix = "channels/wecom/transfers"
    list_per_page = 50
    inspect_view_enabled = False
    list_filter = ["status"]
    list_display = [
        _LeadColumn(),
        *admin_columns(
            WecomTransfer,
            [
                "handover_userid",
                "takeover_userid",
                "status",
                "tries",
                "last_answer",
                "requested_at",
                "finished_at",
            ],
        ),
    ]
    history_view_class = _TransferHistory
    usage_view_class = _TransferUsage
    chooser_viewset_class = _TransferChooser

    def get_queryset(self, request):
        return _transfers_visible(user=request.user).order_by("-created_at", "-pk")


class WecomGroup(SnippetViewSetGroup):
    menu_label = "企业微信"
    menu_icon = "group"
    menu_order = 211
    items = (
        WecomAccountViewSet,
        WecomContactViewSet,
        WecomWelcomeTemplateViewSet,
        WecomWelcomeViewSet,
        WecomTagMarkViewSet,
        WecomTransferViewSet,
    )


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
