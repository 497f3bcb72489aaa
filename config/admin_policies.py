"""Admin permission policies every app may use (config's shared kernel, like `config.errors`)."""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy


class ViewOnlyPolicy(ModelPermissionPolicy):
    """Rows written by tasks or listeners (push logs, postback logs): staff with the view
    permission (superusers included) may look, never add, change or delete."""

    def user_has_permission(self, user, action: str) -> bool:
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)
