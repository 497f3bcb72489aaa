"""Admin report views: filters in, selector + analytics, SVG charts, CSV/XLSX via Wagtail's
SpreadsheetExportMixin (``?export=csv|xlsx`` on any report URL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from funnel.csvsafe import csv_lines
from funnel.reports import analytics, charts
from funnel.reports.selectors import (
    Window,
    assistant_board_counts,
    assistant_wecom_inputs,
    cohort_counts,
    dimension_labels,
    report_inputs,
    spend_by_week,
)

DIMENSION_LABELS = {
    "channel": "渠道",
    "campaign": "计划",
    "content": "内容",
    "assistant": "医助",
    "specialty": "专科",
}
HEADINGS = {
    "period": "周期",
    "channel": "渠道",
    "campaign_id": "计划 ID",
    "campaign": "计划",
    "content_page_id": "内容页 ID",
    "content": "内容",
    "assistant_id": "医助 ID",
    "assistant": "医助",
    "specialty": "专科标识",
    "specialty_name": "专科",
    "spend": "消耗（元）",
    "impressions": "展示",
    "clicks": "点击",
    "ctr": "点击率",
    "leads": "线索",
    "cpl": "线索成本（元）",
    "rate_contacted": "加微率",
    "rate_profiled": "建档率",
    "rate_consulted": "问诊率",
    "rate_prescribed": "开方率",
    "rate_paid": "支付率",
    "conversion_rate": "转化率",
    "paying_patients": "付费患者",
    "cac": "获客成本（元）",
    "revenue": "收入（元）",
    "roi": "ROI",
    "payback_days": "回本天数",
    "repurchase_rate": "复购率",
    "cohort": "队列（周）",
    "size": "人数",
    "retention_day1": "次日留存",
    "retention_day7": "7日留存",
    "retention_day30": "30日留存",
    "referred": "转介绍新线索",
    "k_factor": "K 因子",
    "sla_breaches": "超时未加微",
    "added": "已加微",
    "add_median_minutes": "分配到加微（中位，分钟）",
    "wecom_deletions": "被患者删除",
    "new_contact_cnt": "新增客户（企微）",
    "new_apply_cnt": "发起申请（企微）",
    "chat_cnt": "聊天数（企微）",
    "message_cnt": "发送消息（企微）",
    "reply_percentage": "回复率（企微）",
    "avg_reply_time": "平均首次回复（分钟）",
    "negative_feedback_cnt": "删除 / 拉黑成员（企微）",
    "rule": "规则",
    "name": "对象",
    "reason": "原因",
    "text": "说明",
}
STAGE_LABELS = ["新线索", "已加微", "已建档", "已问诊", "已开方", "已支付", "已复购"]


def can_view_reports(user: Any) -> bool:
    return bool(
        user.is_active and (user.is_superuser or user.has_perm("funnel.view_growth_reports"))
    )


class ReportFilterForm(forms.Form):
    by = forms.ChoiceField(label="维度", choices=list(DIMENSION_LABELS.items()), required=False)
    grain = forms.ChoiceField(
        label="周期",
        choices=[("", "整段"), ("day", "按日"), ("week", "按周"), ("month", "按月")],
        required=False,
    )
    start = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput({"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - dt.timedelta(days=29)
        if start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期")
        if (end - start).days > 731:
            raise forms.ValidationError("一次最多查看两年")
        try:
            Window(start, end)
        except ValueError as err:
            raise forms.ValidationError(str(err)) from err
        data.update(start=start, end=end, by=data.get("by") or "channel")
        return data


def group_label(row: dict[str, Any], by: str) -> str:
    if by == "campaign":
        text = row.get("campaign") or row.get("campaign_id")
    elif by in ("content", "assistant"):
        text = row.get(by) or row.get(f"{by}_id")
    elif by == "specialty":
        text = row.get("specialty_name")
    else:
        text = row.get("channel")
    return str(text) if text not in (None, "") else "未归因"


class BaseReportView(SpreadsheetExportMixin, TemplateView):
    """Filters, permission, spreadsheet export of ``self.rows`` (a list of dicts)."""

    page_title = ""
    export_headings = HEADINGS
    status = 200

    def dispatch(self, request, *args, **kwargs):
        if not can_view_reports(request.user):
            raise PermissionDenied
        self.form = ReportFilterForm(request.GET or None)
        if request.GET and not self.form.is_valid():
            self.status = 400
            self.filters = _defaults()  # shown with the form's errors, answered 400
        else:
            self.filters = self.form.cleaned_data if request.GET else _defaults()
        self.window = Window(self.filters["start"], self.filters["end"])
        return super().dispatch(request, *args, **kwargs)

    def get_rows(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.rows = self.get_rows()
        if self.is_export:
            self.list_export = list(self.rows[0]) if self.rows else list(self.default_columns())
            return self.as_spreadsheet(self.rows, request.GET["export"])
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=self.status)

    def default_columns(self) -> list[str]:
        return []

    def get_filename(self) -> str:
        return f"{self.export_filename}-{self.window.start}-{self.window.end}"

    def to_row_dict(self, item: dict[str, Any]) -> dict[str, Any]:
        return {field: item.get(field) for field in self.list_export}

    def write_csv_response(self, queryset: list[dict[str, Any]]) -> StreamingHttpResponse:
        """Through the project's one safe CSV writer (BOM, formula cells neutralised), not
        Wagtail's plain writer."""
        lines = csv_lines(
            columns=self.list_export,
            rows=(self.to_row_dict(item) for item in queryset),
            headings=self.export_headings,
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        columns = list(self.rows[0]) if self.rows else []
        context.update(
            page_title=self.page_title,
            form=self.form if self.form.is_bound else ReportFilterForm(initial=self.filters),
            filters=self.filters,
            columns=[(c, HEADINGS.get(c, c)) for c in columns],
            table=[[_cell(c, r.get(c)) for c in columns] for r in self.rows],
            csv_url=self.get_export_url("csv"),
            xlsx_url=self.get_export_url("xlsx"),
            dimensions=DIMENSION_LABELS,
        )
        return context


def _defaults() -> dict[str, Any]:
    end = timezone.localdate()
    return {"by": "channel", "grain": "", "start": end - dt.timedelta(days=29), "end": end}


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in analytics.RATIOS or column in {"k_factor"} or column.startswith("retention"):
        return f"{value:.2%}" if column != "roi" else f"{value:.2f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class FunnelReportView(BaseReportView):
    template_name = "reports/report.html"
    page_title = "ROI 与转化漏斗"
    export_filename = "funnel-report"

    def get_rows(self) -> list[dict[str, Any]]:
        by, grain = self.filters["by"], self.filters.get("grain") or None
        inputs = report_inputs(by=by, window=self.window, grain=grain)
        self.reached = [sum(int(r["leads"]) for r in inputs["leads"])] + [
            sum(int(r[f"reached_{s}"] or 0) for r in inputs["leads"]) for s in analytics.STAGES
        ]
        return analytics.funnel_table(
            by=by,
            leads=inputs["leads"],
            spend=inputs["spend"],
            revenue=inputs["revenue"],
            start=self.window.start,
            grain=grain,
            labels=inputs["labels"],
            slugs=inputs["slugs"],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        by, grain = self.filters["by"], self.filters.get("grain") or None
        context["totals"] = analytics.totals(self.rows)
        context["charts"] = [mark_safe(svg) for svg in self.charts(by, grain)]  # noqa: S308 (escaped in charts)
        return context

    def charts(self, by: str, grain: str | None) -> list[str]:
        out = [
            charts.funnel_chart(
                list(zip(STAGE_LABELS, self.reached, strict=True)), title="阶段漏斗（人数）"
            )
        ]
        if grain:
            periods = sorted({r["period"] for r in self.rows if r["period"] is not None})
            totals_by_group: dict[str, int] = {}
            for r in self.rows:
                label = group_label(r, by)
                totals_by_group[label] = totals_by_group.get(label, 0) + r["leads"]
            top = sorted(totals_by_group, key=lambda k: -totals_by_group[k])[:6]
            series: dict[str, list[Any]] = {g: [0] * len(periods) for g in top}
            for r in self.rows:
                label = group_label(r, by)
                if label in series and r["period"] is not None:
                    series[label][periods.index(r["period"])] += r["leads"]
            out.append(
                charts.line_chart([p.isoformat() for p in periods], series, title="线索趋势")
            )
            return out
        rows = sorted(self.rows, key=lambda r: -(r["revenue"] or 0))[:12]
        labels = [group_label(r, by) for r in rows]
        money = {"收入": [r["revenue"] for r in rows]}
        if any(r["spend"] is not None for r in rows):
            money = {"消耗": [r["spend"] for r in rows], **money}
        out.append(charts.bar_chart(labels, money, title="消耗与收入（元）"))
        out.append(
            charts.bar_chart(
                labels, {"转化率": [r["conversion_rate"] for r in rows]}, title="转化率"
            )
        )
        return out


class CohortReportView(BaseReportView):
    template_name = "reports/report.html"
    page_title = "周队列：消耗、获客成本、留存与 K 因子"
    export_filename = "cohorts"

    def get_rows(self) -> list[dict[str, Any]]:
        return analytics.cohort_table(
            cohort_counts(window=self.window), spend_by_week(window=self.window)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        labels = [r["cohort"].isoformat() for r in self.rows]
        svgs = [
            charts.line_chart(
                labels,
                {
                    "次日": [r["retention_day1"] for r in self.rows],
                    "7日": [r["retention_day7"] for r in self.rows],
                    "30日": [r["retention_day30"] for r in self.rows],
                },
                title="留存率",
            ),
            charts.bar_chart(
                labels, {"K 因子": [r["k_factor"] for r in self.rows]}, title="K 因子"
            ),
            charts.bar_chart(
                labels,
                {
                    "线索成本": [r["cpl"] for r in self.rows],
                    "获客成本": [r["cac"] for r in self.rows],
                },
                title="线索成本与获客成本（元）",
            ),
        ]
        context["charts"] = [mark_safe(s) for s in svgs]  # noqa: S308 (escaped in charts)
        context["hide_dimension"] = True
        return context


class AssistantBoardView(BaseReportView):
    template_name = "reports/report.html"
    page_title = "医助看板"
    export_filename = "assistants"

    def get_rows(self) -> list[dict[str, Any]]:
        return assistant_board_rows(self.window)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        names = [r["assistant"] or "未分配" for r in self.rows]
        svgs = [
            charts.bar_chart(
                names,
                {
                    "加微率": [r["rate_contacted"] for r in self.rows],
                    "回复率（企微）": [r["reply_percentage"] for r in self.rows],
                },
                title="加微率与企业微信回复率",
            ),
            charts.bar_chart(
                names,
                {
                    "新增客户": [r["new_contact_cnt"] for r in self.rows],
                    "聊天数": [r["chat_cnt"] for r in self.rows],
                    "被删除": [r["wecom_deletions"] for r in self.rows],
                },
                title="企业微信行为（人 / 次）",
            ),
            charts.bar_chart(
                names,
                {
                    "分配到加微": [r["add_median_minutes"] for r in self.rows],
                    "首次回复": [r["avg_reply_time"] for r in self.rows],
                },
                title="响应时长（分钟）",
            ),
            charts.bar_chart(
                names, {"收入": [r["revenue"] for r in self.rows]}, title="收入（元）"
            ),
            charts.bar_chart(
                names, {"超时未加微": [r["sla_breaches"] for r in self.rows]}, title="SLA 超时"
            ),
        ]
        context["charts"] = [mark_safe(s) for s in svgs]  # noqa: S308 (escaped in charts)
        context["hide_dimension"] = True
        return context


def assistant_board_rows(window: Window) -> list[dict[str, Any]]:
    """The assistant board: funnel figures per assignee and, beside 加微率, the WeCom figures
    (analytics.assistant_wecom)."""
    counts = assistant_board_counts(window=window)
    wecom = assistant_wecom_inputs(window=window)
    ids = {r["assistant_id"] for r in counts} | set(wecom["behavior"]) | set(wecom["deletions"])
    labels = dimension_labels(by="assistant", ids=sorted(i for i in ids if i is not None))
    board = analytics.assistant_board(counts, labels)
    return analytics.assistant_wecom(board, wecom, counts=counts, labels=labels)


class FlagsView(BaseReportView):
    template_name = "reports/flags.html"
    page_title = "淘汰信号"
    export_filename = "elimination-flags"

    def get_rows(self) -> list[dict[str, Any]]:
        from funnel.reports.services import REASONS, elimination_flags_evaluate, flag_text

        return [
            {
                "rule": f["rule"],
                "name": f["name"] or "未归因",
                "reason": REASONS[f["reason"]],
                "text": flag_text(f),
            }
            for f in elimination_flags_evaluate()
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The page lists the same rows its CSV exports (the template used to read a name the
        # view never set, and so always said there was nothing to drop).
        context["flags"] = self.rows
        return context


def dashboard_figures(today: dt.date | None = None) -> list[dict[str, Any]]:
    """Last 7 and 30 days (ending today): spend, leads, paying patients, revenue, ROI."""
    from funnel.reports.selectors import funnel_report

    today = today or timezone.localdate()
    out = []
    for days in (7, 30):
        window = Window(today - dt.timedelta(days=days - 1), today)
        total = analytics.totals(funnel_report(by="channel", window=window))
        out.append({"days": days, **total})
    return out
