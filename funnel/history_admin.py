"""Wagtail's site history (/admin/reports/site-history/, its results and its CSV/XLSX
export), scoped: Wagtail shows every log entry of a model to anyone holding one permission on
it, so an assistant would read other assistants' leads' entries ("线索 #12 已编辑"). The same
view, with entries about lead-owned rows filtered by `log_entries_visible_to` (which applies
`leads_visible_to`). Mounted ahead of Wagtail's admin URLs in config/urls.py."""

from __future__ import annotations

from wagtail.admin.views.reports.audit_logging import LogEntriesView

from funnel.selectors import log_entries_visible_to


class ScopedLogEntriesView(LogEntriesView):
    def filter_queryset(self, queryset):
        # Called once per log model before Wagtail unions them (see LogEntriesView).
        queryset = super().filter_queryset(queryset)
        return log_entries_visible_to(user=self.request.user, queryset=queryset)
