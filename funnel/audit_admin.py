"""导出审计 in the admin: who took patients' full phones and names out, when, how many rows.

Read-only (the export writes it; nobody may add, change or delete a row) and shown only to
users with `funnel.view_exportaudit` (supervisors and superusers): assistants and editors
neither see the menu entry nor open the list."""

from __future__ import annotations

from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from config.admin_policies import ServiceCreatedViewSetMixin, ViewOnlyPolicy
from funnel.admin_labels import admin_columns
from funnel.models import ExportAudit

register_permission_policy(ExportAudit, ViewOnlyPolicy(ExportAudit))


class ExportAuditViewSet(ServiceCreatedViewSetMixin, ModelViewSet):
    model = ExportAudit
    icon = "clipboard-list"
    menu_label = "导出审计"
    name = "export_audit"
    url_prefix = "funnel/export-audit"
    add_to_settings_menu = True
    menu_order = 900
    list_per_page = 50
    list_display = admin_columns(
        ExportAudit,
        ["at", "what", "operator", "os_user", "revealed", "output_format", "rows", "finished_at"],
    )
    list_filter = ["what", "revealed"]
    search_fields = ["operator", "os_user", "what"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "at",
        "what",
        "operator",
        "os_user",
        "revealed",
        "filters",
        "output_format",
        "rows",
        "finished_at",
    ]
    copy_view_enabled = False
    form_fields = ["what"]  # never offered: the policy refuses add and change

    @property
    def permission_policy(self):
        return ViewOnlyPolicy(ExportAudit)


export_audit_viewset = ExportAuditViewSet()
