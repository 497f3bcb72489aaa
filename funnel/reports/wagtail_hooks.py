"""Growth reports in the Wagtail admin: menu, URLs, home dashboard panel, elimination rules."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils.safestring import mark_safe
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet

from funnel.admin_choosers import CheckedSnippetViewSet
from funnel.admin_labels import admin_columns
from funnel.models import EliminationRule
from funnel.reports import charts, views


@hooks.register("register_admin_urls")
def report_urls() -> list:
    return [
        path("reports/", views.FunnelReportView.as_view(), name="funnel_reports"),
        path("reports/cohorts/", views.CohortReportView.as_view(), name="funnel_reports_cohorts"),
        path(
            "reports/assistants/",
            views.AssistantBoardView.as_view(),
            name="funnel_reports_assistants",
        ),
        path("reports/flags/", views.FlagsView.as_view(), name="funnel_reports_flags"),
    ]


class ReportsMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return views.can_view_reports(request.user)


@hooks.register("register_admin_menu_item")
def reports_menu_item() -> MenuItem:
    return ReportsMenuItem("增长报表", reverse("funnel_reports"), icon_name="table", order=250)


class GrowthPanel(Component):
    name = "growth_dashboard"
    order = 50
    template_name = "reports/dashboard_panel.html"

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        figures = views.dashboard_figures()
        labels = [f"近 {f['days']} 天" for f in figures]
        chart = charts.bar_chart(
            labels,
            {"消耗": [f["spend"] for f in figures], "收入": [f["revenue"] for f in figures]},
            title="消耗与收入（元）",
            width=420,
            height=200,
        )
        return {"figures": figures, "chart": mark_safe(chart)}  # noqa: S308 (escaped in charts)


@hooks.register("construct_homepage_panels")
def growth_panel(request, panels: list) -> None:
    if views.can_view_reports(request.user):
        panels.insert(0, GrowthPanel())


class EliminationRuleViewSet(CheckedSnippetViewSet):
    model = EliminationRule
    icon = "warning"
    menu_label = "淘汰规则"
    list_display = admin_columns(
        EliminationRule,
        ["name", "dimension", "max_cac", "min_conversion_rate", "after_days", "is_active"],
    )
    add_to_admin_menu = False


register_snippet(EliminationRuleViewSet)
