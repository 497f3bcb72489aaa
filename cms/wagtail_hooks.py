"""Content admin: the Baidu push log (read-only) and the channel drafts."""

from __future__ import annotations

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from cms.models import BaiduPush


class ViewOnlyPolicy(ModelPermissionPolicy):
    """Rows written by tasks: editors (superusers included) may look, never add or change."""

    def user_has_permission(self, user, action: str) -> bool:
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(BaiduPush, ViewOnlyPolicy(BaiduPush))


class BaiduPushViewSet(ModelViewSet):
    model = BaiduPush
    icon = "globe"
    menu_label = "百度推送"
    menu_order = 900
    add_to_admin_menu = True
    list_display = ["url", "status", "http_status", "tries", "pushed_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["url"]
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["url"]


@hooks.register("register_admin_viewset")
def _baidu_push_viewset():
    return BaiduPushViewSet("baidu_push")
