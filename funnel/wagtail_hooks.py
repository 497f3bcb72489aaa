"""Funnel admin: leads (masked, role-scoped, timeline, reveal, stage actions, bulk stage),
and the configuration staff edit: packages, pools, assistants, scoring and routing rules."""

from __future__ import annotations

import datetime as dt
import json

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    DeleteView,
    EditView,
    HistoryView,
    InspectView,
    SnippetViewSetGroup,
    UsageView,
)

from config.admin_policies import ServiceCreatedViewSetMixin, service_created
from config.errors import ApplicationError
from funnel import errors
from funnel.admin_choosers import CheckedSnippetViewSet, scoped_chooser_viewset
from funnel.admin_labels import admin_columns, admin_panels, display_value, field_label
from funnel.crypto import mask_name, mask_phone
from funnel.intake_admin import IntakeGroup
from funnel.locks import locked
from funnel.models import (
    ApiToken,
    Assistant,
    AssistantPool,
    Channel,
    Clinic,
    FollowUp,
    Lead,
    PoolMember,
    PrivateGroup,
    ReferralReward,
    RoutingRule,
    ScoringRule,
    ServicePackage,
    Specialty,
    Stage,
)
from funnel.selectors import (
    followups_for_supervisor,
    followups_visible_to,
    group_roster,
    groups_open_for_lead,
    lead_ids_matching,
    lead_memberships,
    leads_unassigned,
    leads_visible_to,
    user_can_assign,
)
from funnel.services.groups import group_enroll, group_leave
from funnel.services.idempotency import form_submit_once, form_token_new
from funnel.services.identity import lead_merge, leads_mark_distinct
from funnel.services.pii import WITHDRAW_PERMISSION, consent_withdraw, lead_reveal
from funnel.services.routing import lead_reassign, leads_reassign
from funnel.services.stages import lead_stage_change, transition_allowed
from funnel.templatetags.funnel_display import shanghai_format

# Made by services only: no add view, for superusers neither (config.admin_policies).
service_created(Lead, FollowUp, ReferralReward, ApiToken)


class LeadFilterSet(WagtailFilterSet):
    channel = django_filters.ChoiceFilter(
        label="渠道", field_name="touchpoints__channel", choices=Channel.choices, distinct=True
    )
    created_at = django_filters.DateFromToRangeFilter(
        label="创建日期", widget=DateRangePickerWidget
    )
    specialty = django_filters.ModelChoiceFilter(label="专科", queryset=Specialty.objects.all())
    # Names and phones are encrypted, so Wagtail's text search cannot find a patient who
    # calls in: the phone is matched on its keyed hash (`lead_ids_matching`).
    phone = django_filters.CharFilter(
        label="手机号或线索编号", method="filter_phone", help_text="完整手机号（任意写法）或 #编号"
    )

    class Meta:
        model = Lead
        fields = ["phone", "stage", "specialty", "assignee", "channel", "created_at"]

    def filter_phone(self, queryset, name: str, value: str):
        if not (value or "").strip():
            return queryset
        return queryset.filter(pk__in=lead_ids_matching(value))


class MaskedColumn(Column):
    def __init__(self, name: str, label: str, masker) -> None:
        super().__init__(name, label=label)
        self.masker = masker

    def get_value(self, instance) -> str:
        return self.masker(getattr(instance, self.name))


class ScopedObjectMixin:
    """Wagtail applies a viewset's queryset to the index only; every view of one object (edit,
    inspect, delete, history, usage) checks it here, so an assistant cannot open another
    assistant's lead or follow-up by its URL. `visible_to(user=…)` is the scope selector."""

    visible_to = staticmethod(leads_visible_to)

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.visible_to(user=self.request.user).filter(pk=obj.pk).exists():
            raise Http404("not visible to this user")
        return obj


VisibleLeadMixin = ScopedObjectMixin


class LeadEditView(ScopedObjectMixin, EditView):
    def form_valid(self, form):
        """Save only into a live lead: a withdrawn or purged person's city or birthday typed
        here would re-identify them (`already_anonymized`, shown as a form error, nothing
        stored). The row is locked, so a withdrawal running now comes first or after."""
        try:
            with transaction.atomic():
                errors.lead_live_require(
                    locked(Lead.objects.only("anonymized_at")).get(pk=self.object.pk)
                )
                return super().form_valid(form)
        except ApplicationError as err:
            form.add_error(None, err.message)
            self.produced_error_message = err.message
            return self.form_invalid(form)


class LeadHistoryView(ScopedObjectMixin, HistoryView):
    pass


class LeadUsageView(ScopedObjectMixin, UsageView):
    pass


class LeadDeleteView(ScopedObjectMixin, DeleteView):
    pass


LeadChooserViewSet = scoped_chooser_viewset(leads_visible_to, "LeadChooserViewSet")


class LeadInspectView(VisibleLeadMixin, InspectView):
    """Never shows decrypted PII: masked values here, the full ones only through reveal."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead = self.object
        user = self.request.user
        context.update(
            stages=[(v, label) for v, label in Stage.choices if transition_allowed(lead.stage, v)]
            + ([(Stage.PAID.value, Stage.PAID.label)] if lead.stage == Stage.PAID else []),
            masked_name=mask_name(lead.name),
            masked_phone=mask_phone(lead.phone),
            events=lead.events.select_related("actor").order_by("created_at", "pk"),
            touchpoints=lead.touchpoints.order_by("occurred_at", "pk"),
            memberships=lead_memberships(lead=lead),
            can_assign=user_can_assign(user=user),
            assistants=Assistant.objects.filter(is_active=True).order_by("name"),
            groups_open=groups_open_for_lead(lead=lead),
            can_withdraw=lead.anonymized_at is None and user.has_perm(WITHDRAW_PERMISSION),
            # Each rendering of the stage form may act once (`lead_stage_view`).
            stage_form_token=form_token_new(),
        )
        return context

    def get_field_label(self, field_name, field):
        return field_label(Lead, field_name)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, dt.datetime):
            return shanghai_format(value)  # Wagtail would print the stored UTC value
        return display_value(value)


class LeadViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    """Leads come in through intake only (landing form, API, import, pulls, pushes): no add
    or copy view here, for superusers neither (`service_created`)."""

    model = Lead
    icon = "user"
    menu_label = "线索"
    menu_name = "leads"
    url_prefix = "funnel/leads"
    list_display = admin_columns(
        Lead,
        [
            "__str__",
            MaskedColumn("name", "姓名", mask_name),
            MaskedColumn("phone", "手机号", mask_phone),
            "stage",
            "specialty",
            "assignee",
            "score",
            "created_at",
        ],
    )
    filterset_class = LeadFilterSet
    list_per_page = 50
    inspect_view_enabled = True
    inspect_view_class = LeadInspectView
    edit_view_class = LeadEditView
    history_view_class = LeadHistoryView
    usage_view_class = LeadUsageView
    delete_view_class = LeadDeleteView
    chooser_viewset_class = LeadChooserViewSet
    inspect_view_fields = [
        "stage",
        "specialty",
        "assignee",
        "pool",
        "recommended_package",
        "score",
        "gender",
        "age",
        "city",
        "referred_by",
        "consent_version",
        "consent_given_at",
        "created_at",
    ]
    inspect_template_name = "funnel/admin/lead_inspect.html"
    panels = [
        FieldPanel("gender"),
        FieldPanel("age"),
        FieldPanel("city"),
        FieldPanel("birthday"),
        FieldPanel("specialty", heading="专科"),
    ]

    def get_queryset(self, request: HttpRequest):
        return (
            leads_visible_to(user=request.user)
            .select_related("specialty", "assignee")
            .order_by("-created_at")
        )


class StageForm(forms.Form):
    to_stage = forms.ChoiceField(label="新阶段", choices=Stage.choices)
    amount = forms.DecimalField(label="金额（支付时填写）", required=False, decimal_places=2)
    note = forms.CharField(label="备注", required=False)


class BulkStageForm(StageForm):
    """A payment is one order of one patient with its own amount, recorded from the lead page
    (once per page, `form_submit_once`): the bulk action offers every stage but those, so a
    resubmitted bulk page can never duplicate orders (review of issue 14)."""

    to_stage = forms.ChoiceField(
        label="新阶段",
        choices=[
            (v, label) for v, label in Stage.choices if v not in (Stage.PAID, Stage.REPURCHASED)
        ],
    )
    amount = None


class StageBulkAction(SnippetBulkAction):
    display_name = "变更阶段"
    action_type = "change_stage"
    aria_label = "变更所选线索的阶段"
    template_name = "funnel/admin/bulk_stage.html"
    models = [Lead]
    action_priority = 20

    def get_form_class(self):
        return BulkStageForm

    def check_perm(self, obj) -> bool:
        return leads_visible_to(user=self.request.user).filter(pk=obj.pk).exists()

    def get_execution_context(self):
        data = self.cleaned_form.cleaned_data
        return {**super().get_execution_context(), **data}

    @classmethod
    def execute_action(cls, objects, user=None, to_stage="", amount=None, note="", **kwargs):
        changed = 0
        for lead in objects:
            try:
                lead_stage_change(
                    lead_id=lead.pk, to_stage=to_stage, actor=user, note=note, amount=amount
                )
            except ApplicationError:
                continue  # a forbidden move for one lead does not stop the others
            changed += 1
        return changed, len(objects) - changed

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"已变更 {num_parent_objects} 条线索；{num_child_objects} 条不允许此变更，未改动。"


class ReassignForm(forms.Form):
    assistant = forms.ModelChoiceField(
        label="改派给", queryset=Assistant.objects.filter(is_active=True).order_by("name")
    )


class ReassignBulkAction(SnippetBulkAction):
    display_name = "改派医助"
    action_type = "reassign"
    aria_label = "把所选线索改派给一位医助"
    template_name = "funnel/admin/bulk_reassign.html"
    models = [Lead]
    action_priority = 30

    def get_form_class(self):
        return ReassignForm

    def check_perm(self, obj) -> bool:
        return user_can_assign(user=self.request.user)

    def get_execution_context(self):
        return {**super().get_execution_context(), **self.cleaned_form.cleaned_data}

    @classmethod
    def execute_action(cls, objects, user=None, assistant=None, **kwargs):
        moved = leads_reassign(
            lead_ids=[lead.pk for lead in objects], assistant_id=assistant.pk, actor=user
        )
        return moved, len(objects) - moved

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"已改派 {num_parent_objects} 条线索；{num_child_objects} 条原本就是该医助，未改动。"


def _visible_lead(request: HttpRequest, lead_id: int) -> Lead:
    return get_object_or_404(leads_visible_to(user=request.user), pk=lead_id)


@login_required
@require_POST
def lead_reveal_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    try:
        revealed = lead_reveal(lead_id=lead.pk, user=request.user)
    except ApplicationError as err:
        return render(request, "funnel/admin/error.html", {"error": err}, status=err.status)
    return render(request, "funnel/admin/reveal.html", {"lead": lead, "revealed": revealed})


@login_required
@require_POST
def lead_stage_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The lead page's stage form. It acts once per rendered form (its one-time `form_token`):
    a double click or a second tab sending 已支付 again records no second order (nor a false
    已复购) and says so."""
    lead = _visible_lead(request, lead_id)
    form = StageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            form_submit_once(
                user_id=request.user.pk,
                form="lead_stage",
                token=request.POST.get("form_token"),
                body={"lead_id": lead.pk, **data},
                run=lambda: {
                    "lead_id": lead.pk,
                    "stage": lead_stage_change(
                        lead_id=lead.pk,
                        to_stage=data["to_stage"],
                        actor=request.user,
                        note=data["note"],
                        amount=data["amount"],
                    ).stage,
                },
            )
            messages.success(request, "阶段已更新")
        except ApplicationError as err:
            if err.code == errors.FORM_RESUBMITTED:
                messages.warning(request, err.message)
            else:
                messages.error(request, err.message)
    else:
        messages.error(request, "表单无效")
    return redirect(reverse("wagtailsnippets_funnel_lead:inspect", args=[lead.pk]))


@login_required
@require_POST
def lead_identity_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Merge another lead into this one, or mark the two as different people (staff who may
    change leads and see both)."""
    lead = _visible_lead(request, lead_id)
    back = redirect(reverse("wagtailsnippets_funnel_lead:inspect", args=[lead.pk]))
    if not request.user.has_perm("funnel.change_lead"):
        messages.error(request, "没有修改线索的权限")
        return back
    try:
        other_id = int(request.POST.get("other_id", ""))
    except ValueError:
        messages.error(request, "请填写另一条线索的编号")
        return back
    if not leads_visible_to(user=request.user).filter(pk=other_id).exists():
        messages.error(request, f"线索 #{other_id} 不存在或不可见")
        return back
    action = request.POST.get("action")
    if action not in ("merge", "distinct"):
        messages.error(request, "未知操作")
        return back
    try:
        if action == "merge":
            lead_merge(keep_id=lead.pk, drop_id=other_id, actor=request.user)
            messages.success(request, f"已将线索 #{other_id} 合并到本线索")
        else:
            leads_mark_distinct(lead_a=lead.pk, lead_b=other_id, actor=request.user)
            messages.success(request, f"已标记与线索 #{other_id} 为不同的人")
    except ApplicationError as err:
        messages.error(request, err.message)
    return back


def _inspect(lead_id: int) -> HttpResponse:
    return redirect(reverse("wagtailsnippets_funnel_lead:inspect", args=[lead_id]))


@login_required
@require_POST
def lead_reassign_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    if not user_can_assign(user=request.user):
        raise PermissionDenied
    form = ReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择医助")
        return _inspect(lead.pk)
    try:
        moved = lead_reassign(
            lead_id=lead.pk, assistant_id=form.cleaned_data["assistant"].pk, actor=request.user
        )
    except ApplicationError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, "已改派" if moved else "线索原本就是该医助，未改动")
    return _inspect(lead.pk)


class UnassignedAssignForm(forms.Form):
    assistant = forms.ModelChoiceField(queryset=Assistant.objects.filter(is_active=True))
    leads = forms.ModelMultipleChoiceField(queryset=Lead.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leads"].queryset = leads_unassigned()


@login_required
def unassigned_queue_view(request: HttpRequest) -> HttpResponse:
    """待分配线索: leads nobody owns, masked, with an assign action."""
    if not user_can_assign(user=request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = UnassignedAssignForm(request.POST)
        if form.is_valid():
            moved = leads_reassign(
                lead_ids=[lead.pk for lead in form.cleaned_data["leads"]],
                assistant_id=form.cleaned_data["assistant"].pk,
                actor=request.user,
            )
            messages.success(request, f"已分配 {moved} 条线索给 {form.cleaned_data['assistant']}")
            return redirect("funnel_unassigned")
        messages.error(request, "请勾选线索并选择医助")
    paginator = Paginator(leads_unassigned(), 50)
    page = paginator.get_page(request.GET.get("p"))
    rows = [(lead, mask_name(lead.name), mask_phone(lead.phone)) for lead in page]
    return render(
        request,
        "funnel/admin/unassigned.html",
        {
            "page": page,
            "rows": rows,
            "total": paginator.count,
            "assistants": Assistant.objects.filter(is_active=True).order_by("name"),
        },
    )


@login_required
@require_POST
def lead_enroll_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    if not request.user.has_perm("funnel.change_lead"):
        raise PermissionDenied
    group_id = request.POST.get("group", "")
    if not group_id.isdigit():
        messages.error(request, "请选择社群")
        return _inspect(lead.pk)
    group = get_object_or_404(PrivateGroup, pk=int(group_id))
    try:
        group_enroll(group_id=group.pk, lead_id=lead.pk, actor=request.user)
    except ApplicationError as err:
        messages.error(request, f"{group.name}：{err.message}")
    else:
        messages.success(request, f"已加入「{group.name}」")
    return _inspect(lead.pk)


@login_required
def lead_withdraw_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """撤回授权并匿名化 (PIPL Art. 15, on the patient's request): GET shows what will happen and
    changes nothing; POST (CSRF-checked) anonymizes the person at once, audited as a consent
    event by the acting user. No `funnel.withdraw_consent` → 403 `withdraw_forbidden`;
    already anonymized → 409 `already_anonymized` (nothing written)."""
    lead = _visible_lead(request, lead_id)
    refused = None
    if not request.user.has_perm(WITHDRAW_PERMISSION):
        refused = errors.refusal(errors.WITHDRAW_FORBIDDEN, status=403)
    elif lead.anonymized_at is not None:
        refused = errors.refusal(errors.ALREADY_ANONYMIZED, status=409)
    if refused is None and request.method == "POST":
        try:
            consent_withdraw(lead_id=lead.pk, actor=request.user)
        except ApplicationError as err:  # a second click raced the first
            refused = err
        else:
            messages.success(request, f"{lead}：已撤回授权，个人信息已匿名化")
            return _inspect(lead.pk)
    if refused is not None:
        return render(request, "funnel/admin/error.html", {"error": refused}, status=refused.status)
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(request, "funnel/admin/withdraw_confirm.html", {"lead": lead})


GROUP_PANELS_HOOK = "funnel_group_panels"


def _roster_allowed(request: HttpRequest) -> None:
    if not request.user.has_perm("funnel.view_privategroup"):
        raise PermissionDenied


@login_required
def group_roster_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """名单: who joined and who left, with times in Shanghai; search by phone or lead id."""
    _roster_allowed(request)
    group = get_object_or_404(PrivateGroup, pk=group_id)
    query = request.GET.get("q", "")
    rows = group_roster(group=group, user=request.user, query=query)
    visible = {r["lead_id"] for r in rows}  # the roster holds only leads the user may see
    # Other apps add panels (the WeCom group join code) through a Wagtail hook: the funnel
    # never imports them. Each hook returns escaped HTML (format_html).
    panels = [fn(request=request, group=group) for fn in hooks.get_hooks(GROUP_PANELS_HOOK)]
    return render(
        request,
        "funnel/admin/group_roster.html",
        {"group": group, "rows": rows, "query": query, "visible": visible, "panels": panels},
    )


@login_required
@require_POST
def group_leave_view(request: HttpRequest, group_id: int, lead_id: int) -> HttpResponse:
    _roster_allowed(request)
    lead = _visible_lead(request, lead_id)
    try:
        group_leave(group_id=group_id, lead_id=lead.pk, actor=request.user)
    except ApplicationError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"线索 #{lead.pk} 已退出")
    return redirect(reverse("funnel_group_roster", args=[group_id]))


@hooks.register("register_admin_urls")
def funnel_admin_urls():
    return [
        path(
            "funnel/leads/<int:lead_id>/identity/",
            lead_identity_view,
            name="funnel_lead_identity",
        ),
        path("funnel/leads/<int:lead_id>/reveal/", lead_reveal_view, name="funnel_lead_reveal"),
        path("funnel/leads/<int:lead_id>/stage/", lead_stage_view, name="funnel_lead_stage"),
        path(
            "funnel/leads/<int:lead_id>/reassign/", lead_reassign_view, name="funnel_lead_reassign"
        ),
        path("funnel/leads/<int:lead_id>/enroll/", lead_enroll_view, name="funnel_lead_enroll"),
        path(
            "funnel/leads/<int:lead_id>/withdraw/", lead_withdraw_view, name="funnel_lead_withdraw"
        ),
        path("funnel/unassigned/", unassigned_queue_view, name="funnel_unassigned"),
        path("funnel/groups/<int:group_id>/roster/", group_roster_view, name="funnel_group_roster"),
        path(
            "funnel/groups/<int:group_id>/leave/<int:lead_id>/",
            group_leave_view,
            name="funnel_group_leave",
        ),
    ]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, shown_to, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shown_to = shown_to

    def is_shown(self, request) -> bool:
        return self.shown_to(request.user)


@hooks.register("register_admin_menu_item")
def unassigned_menu_item():
    return PermissionMenuItem(
        "待分配线索",
        reverse("funnel_unassigned"),
        icon_name="warning",
        order=199,
        shown_to=lambda user: user_can_assign(user=user),
    )


hooks.register("register_bulk_action", StageBulkAction)
hooks.register("register_bulk_action", ReassignBulkAction)


class _FollowUpScope(ScopedObjectMixin):
    visible_to = staticmethod(followups_visible_to)


class FollowUpEditView(_FollowUpScope, EditView):
    pass


class FollowUpInspectView(_FollowUpScope, InspectView):
    pass


class FollowUpHistoryView(_FollowUpScope, HistoryView):
    pass


class FollowUpUsageView(_FollowUpScope, UsageView):
    pass


class FollowUpDeleteView(_FollowUpScope, DeleteView):
    pass


class FollowUpViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    """Follow-ups are planned by the services (`followup_schedule`, SLA, birthdays, refills),
    which refuse a withdrawn person's lead: no add or copy view."""

    model = FollowUp
    icon = "time"
    menu_label = "跟进"
    list_display = admin_columns(
        FollowUp, ["__str__", "lead", "assignee", "supervisor", "status", "due_at"]
    )
    panels = admin_panels(FollowUp)
    list_filter = ["kind", "status"]
    edit_view_class = FollowUpEditView
    inspect_view_class = FollowUpInspectView
    history_view_class = FollowUpHistoryView
    usage_view_class = FollowUpUsageView
    delete_view_class = FollowUpDeleteView
    chooser_viewset_class = scoped_chooser_viewset(followups_visible_to, "FollowUpChooserViewSet")

    def get_queryset(self, request: HttpRequest):
        # An assistant's list holds their own leads' follow-ups only.
        return followups_visible_to(user=request.user).select_related("lead", "assignee")


class SupervisorFollowUpsPanel(Component):
    """「待我跟进」 on a supervisor's admin home: the open follow-ups that belong to them
    (被删除挽回 …), due first."""

    name = "supervisor_followups"
    order = 40
    template_name = "funnel/admin/supervisor_followups_panel.html"

    def __init__(self, followups: list[FollowUp]) -> None:
        self.followups = followups

    def get_context_data(self, parent_context=None) -> dict:
        return {"followups": self.followups}


@hooks.register("construct_homepage_panels")
def supervisor_followups_panel(request: HttpRequest, panels: list) -> None:
    followups = followups_for_supervisor(user=request.user)
    if followups:
        panels.insert(0, SupervisorFollowUpsPanel(followups))


class ServicePackageEditView(EditView):
    """The package editor: 发布 goes through the medical-ad gate (`ServicePackage.publish`).
    The form refuses first with the gate's reason; should the gate still refuse (a race, a
    certificate that expired meanwhile), the draft is kept and the refusal shown, not a 403."""

    def publish_action(self):
        try:
            return super().publish_action()
        except PermissionDenied as refused:
            messages.error(self.request, f"已保存为草稿，未发布：{refused}")
            return redirect(self.get_edit_url())

    def form_valid(self, form):
        """A draft is checked on every save: its blocking findings are shown at once, not
        first at 发布 (the form's `compliance_problems`, set by the registered gate's form)."""
        response = super().form_valid(form)
        problems = getattr(form, "compliance_problems", None)
        if problems and self.action != "publish":
            shown = "；".join(problems[:3]) + (
                f" 等 {len(problems)} 处" if len(problems) > 3 else ""
            )
            messages.warning(self.request, f"草稿存在医疗广告合规问题，发布前须处理：{shown}")
        return response


class ServicePackageViewSet(CheckedSnippetViewSet):
    """服务包 (a medical ad): edits are drafts, published only through the gate; the
    reviewer records the 医疗广告审查证明 for the draft's exact text and prices."""

    model = ServicePackage
    icon = "tag"
    menu_label = "服务包"
    edit_view_class = ServicePackageEditView
    list_display = [
        *admin_columns(
            ServicePackage,
            [
                "name",
                "specialty",
                "list_price",
                "promo_price",
                "duration_days",
                "is_active",
            ],
        ),
        Column("status_string", label="状态"),
    ]
    business_fields = (
        "specialty",
        "name",
        "slug",
        "summary",
        "includes",
        "list_price",
        "promo_price",
        "duration_days",
        "stock",
        "deadline",
        "is_active",
        "sort_order",
    )

    def get_edit_handler(self):
        from wagtail.admin.panels import MultiFieldPanel, ObjectList

        from funnel.ad_gate import ad_gate

        gate = ad_gate()
        panels = [
            FieldPanel(name, heading=field_label(ServicePackage, name))
            for name in self.business_fields
        ]
        review = [FieldPanel("ad_review_certificate"), FieldPanel("ad_review_valid_until")]
        if gate is not None:
            review.append(FieldPanel("ad_review_confirm"))
        panels.append(MultiFieldPanel(review, heading="医疗广告合规", classname="collapsible"))
        form_class = gate.form_class if gate is not None else None
        return ObjectList(panels, base_form_class=form_class).bind_to_model(ServicePackage)


class SpecialtyViewSet(CheckedSnippetViewSet):
    model = Specialty
    icon = "folder-open-inverse"
    menu_label = "专科"
    list_display = admin_columns(Specialty, ["name", "slug"])
    panels = admin_panels(Specialty)


class AssistantViewSet(CheckedSnippetViewSet):
    model = Assistant
    icon = "group"
    menu_label = "医助"
    list_display = admin_columns(Assistant, ["name", "clinic", "daily_cap", "on_duty", "is_active"])
    panels = admin_panels(Assistant)


class AssistantPoolViewSet(CheckedSnippetViewSet):
    model = AssistantPool
    icon = "link"
    menu_label = "活码"
    list_display = admin_columns(AssistantPool, ["name", "slug", "overflow", "sla_minutes"])
    panels = admin_panels(AssistantPool)


class PoolMemberViewSet(CheckedSnippetViewSet):
    model = PoolMember
    icon = "list-ul"
    menu_label = "活码成员"
    list_display = admin_columns(PoolMember, ["pool", "assistant", "weight"])
    panels = admin_panels(PoolMember)
    list_filter = ["pool"]


class RoutingRuleViewSet(CheckedSnippetViewSet):
    model = RoutingRule
    icon = "redirect"
    menu_label = "分配规则"
    list_display = admin_columns(
        RoutingRule,
        [
            "name",
            "priority",
            "specialty",
            "channel",
            "package",
            "pool",
            "is_active",
        ],
    )
    panels = admin_panels(RoutingRule)


class ScoringRuleViewSet(CheckedSnippetViewSet):
    model = ScoringRule
    icon = "order"
    menu_label = "评分规则"
    list_display = admin_columns(ScoringRule, ["name", "kind", "points", "is_active"])
    panels = admin_panels(ScoringRule)


class RosterColumn(Column):
    def get_value(self, instance) -> str:
        return f"{instance.member_count} / {instance.capacity}"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["value"] = format_html(
            '<a href="{}">{} 名单</a>',
            reverse("funnel_group_roster", args=[instance.pk]),
            self.get_value(instance),
        )
        return context


class PrivateGroupViewSet(CheckedSnippetViewSet):
    model = PrivateGroup
    icon = "group"
    menu_label = "私域社群"
    list_display = admin_columns(
        PrivateGroup, ["name", "kind", "owner", "capacity", "opens_on", "closes_on"]
    )
    panels = admin_panels(PrivateGroup)

    list_display = [
        "name",
        "kind",
        "owner",
        RosterColumn("roster", label="人数 / 容量"),
        "opens_on",
        "closes_on",
    ]


class ClinicViewSet(CheckedSnippetViewSet):
    model = Clinic
    icon = "home"
    menu_label = "门店"
    list_display = admin_columns(Clinic, ["name", "city"])
    panels = admin_panels(Clinic)


class ReferralRewardViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    """Written by `order_record` from the reward rule, one per paid order: no add or copy."""

    model = ReferralReward
    icon = "pick"
    menu_label = "转介绍奖励"
    list_display = admin_columns(ReferralReward, ["referrer", "referee", "amount", "points"])
    panels = admin_panels(ReferralReward)


class ScopesWidget(forms.CheckboxSelectMultiple):
    """The token's scopes (a JSON list) as checkboxes: the JSON form field hands the widget a
    JSON string, the checkboxes want the list."""

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = []
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        # back to the JSON text the JSON form field reads
        return json.dumps(super().value_from_datadict(data, files, name) or [])


class ApiTokenViewSet(ServiceCreatedViewSetMixin, CheckedSnippetViewSet):
    """Tokens are made by `api_token create` (it prints the token once and stores its hash);
    here staff rename or deactivate them, never add one (it would have no token)."""

    model = ApiToken
    icon = "key"
    menu_label = "API 令牌"
    list_display = admin_columns(
        ApiToken, ["name", "scopes", "is_active", "created_at", "last_used_at"]
    )
    panels = [
        FieldPanel("name"),
        FieldPanel(
            "scopes",
            widget=ScopesWidget(choices=ApiToken.SCOPE_CHOICES),
        ),
        FieldPanel("is_active"),
    ]


class FunnelGroup(SnippetViewSetGroup):
    menu_label = "漏斗"
    menu_icon = "resubmit"
    menu_order = 200
    items = (
        LeadViewSet,
        FollowUpViewSet,
        ServicePackageViewSet,
        SpecialtyViewSet,
        AssistantViewSet,
        AssistantPoolViewSet,
        PoolMemberViewSet,
        RoutingRuleViewSet,
        ScoringRuleViewSet,
        PrivateGroupViewSet,
        ClinicViewSet,
        ReferralRewardViewSet,
        ApiTokenViewSet,
    )


register_snippet(FunnelGroup)
register_snippet(IntakeGroup)


@hooks.register("register_admin_viewset")
def _export_audit_viewset():
    from funnel.audit_admin import export_audit_viewset

    return export_audit_viewset


# The growth reports register their own admin views and menu.
from funnel.reports import wagtail_hooks as _reports_hooks  # noqa: E402, F401
