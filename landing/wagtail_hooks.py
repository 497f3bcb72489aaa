"""Landing admin: consent texts, A/B tests with results and winner, care plans with their
share links; cache purge on publish."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    DeleteView,
    EditView,
    HistoryView,
    InspectView,
    SnippetViewSetGroup,
    UsageView,
)

from funnel.admin_choosers import CheckedSnippetViewSet, scoped_chooser_viewset
from funnel.admin_labels import admin_columns
from funnel.models import Lead
from funnel.selectors import lead_owned_visible_to
from funnel.wagtail_hooks import ScopedObjectMixin
from landing import errors
from landing.models import ABTest, CarePlan, ConsentText
from landing.selectors import ab_results
from landing.services.cache import page_cache_purge
from landing.services.careplan import (
    ERASED_ACTION,
    REVOKE_ACTION,
    careplan_link_revoke,
    careplan_link_token,
)
from landing.services.consent import consent_text_publish


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
@hooks.register("after_delete_snippet")
def _purge_on_snippet(request, instances_or_instance=None, **kwargs) -> None:
    instances = instances_or_instance
    items = instances if isinstance(instances, list | tuple) else [instances]
    for item in items:
        if isinstance(item, ABTest):
            page_cache_purge()


AB_AWAITS_REVIEW = (
    "B 版标题、副标题和服务包属于落地页的广告内容：须由医疗广告审查人员在该落地页记录审查证明（勾选"
    "“确认审查”后发布）后，B 版才会展示给访客；在此之前所有访客看到的都是已审查的 A 版。"
)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def _ab_test_awaits_review(request, instance) -> None:
    # the B arm is served only on a certificate covering its words (round 13 verification F1)
    from landing.selectors import ab_arm_b_certified

    if (
        isinstance(instance, ABTest)
        and instance.status == ABTest.Status.RUNNING
        and (instance.headline_b or instance.subheadline_b or instance.package_b_id)
        and not ab_arm_b_certified(page=instance.page)
    ):
        messages.warning(request, AB_AWAITS_REVIEW)


@hooks.register("after_create_snippet")
def _publish_new_consent_text(request, instance) -> None:
    # A new version becomes the one every form shows (and cached forms are purged). Edits
    # never get here with new words: the form refuses them (a change is a new version).
    if isinstance(instance, ConsentText):
        consent_text_publish(version=instance.version, text=instance.text, title=instance.title)


@hooks.register("before_delete_snippet")
def _keep_consent_texts(request, instances):
    texts = [i for i in instances if isinstance(i, ConsentText)]
    if not texts:
        return None
    used = set(
        Lead.objects.filter(consent_version__in=[t.version for t in texts]).values_list(
            "consent_version", flat=True
        )
    )
    kept = [t.version for t in texts if t.is_current or t.version in used]
    if kept:
        messages.error(request, f"授权文本 {'、'.join(kept)} 正在使用或已有线索同意，不能删除。")
        return redirect("wagtailsnippets_landing_consenttext:list")
    return None


class ConsentTextForm(WagtailAdminModelForm):
    """A saved consent text is read-only: leads hold the words of the version they agreed
    to. The admin's 复制 (copy) with a new version number is how a text changes."""

    def clean(self) -> dict:
        data = super().clean()
        if self.instance.pk and self.changed_data:
            raise forms.ValidationError(
                errors.MESSAGES[errors.CONSENT_TEXT_IMMUTABLE],
                code=errors.CONSENT_TEXT_IMMUTABLE,
            )
        # A new text goes onto every landing and package page at once, outside any page's
        # text and certificate: it carries no ad claim at all, read as an ad page's text (round 13
        # verification F2: 「治愈率98%…加微信」 went live on every form unchecked).
        from cms.compliance import check_report
        from cms.compliance.ours import own_names

        ours = own_names()
        for name in ("title", "text"):
            report = check_report(data.get(name) or "", field=name, ours=ours)
            if report.has_blocking:
                found = "；".join(f"“{f.text}”（{f.reference}）" for f in report.blocking[:3])
                self.add_error(name, f"授权文本不得含有医疗广告用语：{found}")
        return data


def _ab_cell(test: ABTest, what: str) -> str:
    result = ab_results(test=test)
    if what == "a":
        return f"{result.conversions_a}/{result.visitors_a} ({result.rate_a:.1%})"
    if what == "b":
        return f"{result.conversions_b}/{result.visitors_b} ({result.rate_b:.1%})"
    if what == "p":
        return f"z={result.z:.2f} p={result.p_value:.4f}"
    labels = {"a": "A 版胜出", "b": "B 版胜出", "none": "无显著差异", "": "样本未达到，继续观察"}
    return test.winner and labels.get(test.winner, test.winner) or labels[result.winner]


class ConsentTextViewSet(CheckedSnippetViewSet):
    model = ConsentText
    icon = "doc-full"
    menu_label = "授权文本"
    list_display = admin_columns(ConsentText, ["version", "title", "is_current", "published_at"])
    edit_handler = ObjectList(
        [FieldPanel("version"), FieldPanel("title"), FieldPanel("text")],
        base_form_class=ConsentTextForm,
    )


class ABTestViewSet(CheckedSnippetViewSet):
    model = ABTest
    icon = "table"
    menu_label = "A/B 测试"
    list_display = [
        "name",
        *admin_columns(ABTest, ["page", "status"]),
        Column("arm_a", label="A 转化/访客", accessor=lambda t: _ab_cell(t, "a")),
        Column("arm_b", label="B 转化/访客", accessor=lambda t: _ab_cell(t, "b")),
        Column("stats", label="检验", accessor=lambda t: _ab_cell(t, "p")),
        Column("winner_label", label="结论", accessor=lambda t: _ab_cell(t, "w")),
    ]


def _share_link(plan: CarePlan) -> str:
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "landing:careplan", args=[careplan_link_token(plan_id=plan.pk)]
    )
    return format_html('<a href="{}" target="_blank" rel="noopener">分享链接</a>', url)


def _revoke_button(plan: CarePlan, csrf_token: str) -> str:
    revoked = (
        format_html(
            '<span class="help">已于 {} 撤销</span> ',
            timezone.localtime(plan.link_revoked_at).strftime("%Y-%m-%d %H:%M"),
        )
        if plan.link_revoked_at
        else ""
    )
    return format_html(
        '{}<form method="post" action="{}" style="display:inline">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit" class="button button-small button-secondary no">撤销已发出的链接'
        "</button></form>",
        revoked,
        reverse("landing_careplan_revoke", args=[plan.pk]),
        csrf_token,
    )


class _RevokeColumn(Column):
    """A POST button with the request's CSRF token (so the cell is built per request)."""

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["value"] = _revoke_button(instance, get_token(request) if request else "")
        return context


def careplans_visible_to(*, user):
    """Care plans of the leads `user` may see (`leads_visible_to`, through the funnel)."""
    return lead_owned_visible_to(user=user, model=CarePlan)


class _CarePlanScope(ScopedObjectMixin):
    visible_to = staticmethod(careplans_visible_to)


class CarePlanEditView(_CarePlanScope, EditView):
    pass


class CarePlanInspectView(_CarePlanScope, InspectView):
    pass


class CarePlanHistoryView(_CarePlanScope, HistoryView):
    pass


class CarePlanUsageView(_CarePlanScope, UsageView):
    pass


class CarePlanDeleteView(_CarePlanScope, DeleteView):
    pass


class CarePlanViewSet(CheckedSnippetViewSet):
    model = CarePlan
    icon = "date"
    menu_label = "治疗计划"
    list_display = [
        *admin_columns(CarePlan, ["title", "lead", "therapist"]),
        Column("link", label="患者链接", accessor=_share_link),
        _RevokeColumn("revoke", label="撤销链接"),
    ]
    edit_view_class = CarePlanEditView
    inspect_view_class = CarePlanInspectView
    history_view_class = CarePlanHistoryView
    usage_view_class = CarePlanUsageView
    delete_view_class = CarePlanDeleteView
    # A form's care-plan field: its chooser lists, searches and answers only visible plans.
    chooser_viewset_class = scoped_chooser_viewset(careplans_visible_to, "CarePlanChooserViewSet")

    def get_queryset(self, request):
        # An assistant's list holds their own patients' plans only.
        return careplans_visible_to(user=request.user).select_related("lead", "therapist")


@require_POST
def careplan_revoke_view(request, plan_id: int):
    """Admin action: every link issued so far for this plan answers 410 from now on."""
    if not request.user.has_perm("landing.change_careplan"):
        raise PermissionDenied
    plan = get_object_or_404(careplans_visible_to(user=request.user), pk=plan_id)
    careplan_link_revoke(plan_id=plan.pk, actor=request.user)
    messages.success(request, f"「{plan.title}」已发出的患者链接已撤销；新生成的链接可正常打开。")
    return redirect(reverse("wagtailsnippets_landing_careplan:list"))


@hooks.register("register_admin_urls")
def _careplan_admin_urls():
    return [
        path(
            "careplans/<int:plan_id>/revoke/",
            careplan_revoke_view,
            name="landing_careplan_revoke",
        )
    ]


@hooks.register("register_log_actions")
def _careplan_log_actions(actions):
    actions.register_action(REVOKE_ACTION, "撤销患者链接", "撤销治疗计划的患者链接")
    actions.register_action(ERASED_ACTION, "随患者匿名化删除", "治疗计划已随患者匿名化删除")


class LandingGroup(SnippetViewSetGroup):
    menu_label = "落地页"
    menu_icon = "site"
    menu_order = 260
    items = (ABTestViewSet, ConsentTextViewSet, CarePlanViewSet)


register_snippet(LandingGroup)


class AssistantTodayPanel(Component):
    """「医助工作台」 on a medical assistant's admin home: what is due today, by kind, and the
    way to her phone page (/h5/assistant/), where she works (twentieth verification B: her
    admin home was empty but for a search box she may not use)."""

    name = "assistant_today"
    order = 30
    template_name = "landing/admin/assistant_today_panel.html"

    def __init__(self, counts: list[tuple[str, int]]) -> None:
        self.counts = counts

    def get_context_data(self, parent_context=None) -> dict:
        return {
            "counts": self.counts,
            "total": sum(n for _, n in self.counts),
            "url": reverse("landing:assistant_home"),
        }


@hooks.register("construct_homepage_panels")
def assistant_today_panel(request, panels: list) -> None:
    from funnel.models import FollowUp
    from landing.selectors import assistant_today

    if getattr(request.user, "assistant", None) is None:
        return
    groups = assistant_today(user=request.user)
    counts = [(label, len(groups[kind])) for kind, label in FollowUp.Kind.choices]
    panels.insert(0, AssistantTodayPanel(counts))
