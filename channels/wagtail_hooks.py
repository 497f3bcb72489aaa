"""Admin: ad accounts with their health, and where each account's pulls stand. Secrets are
never shown (not in any panel). Raw records, quarantine and spend are the funnel's
(`funnel.intake_admin`)."""

from __future__ import annotations

from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from channels.models import ChannelAccount, PullCheckpoint
from channels.services.accounts import account_schedules_install


class ChannelAccountViewSet(SnippetViewSet):
    model = ChannelAccount
    icon = "link-external"
    menu_label = "广告账户"
    url_prefix = "channels/accounts"
    list_display = [
        "__str__",
        "is_active",
        "last_pull_at",
        "last_success_at",
        "consecutive_failures",
        "last_error",
    ]
    list_filter = ["channel", "is_active"]
    panels = [
        FieldPanel("channel"),
        FieldPanel("name"),
        FieldPanel("api_base_url"),
        FieldPanel("advertiser_id"),
        FieldPanel("app_id"),
        FieldPanel("is_active"),
        FieldPanel("settings"),
    ]


class PullCheckpointViewSet(SnippetViewSet):
    model = PullCheckpoint
    icon = "history"
    menu_label = "拉取检查点"
    url_prefix = "channels/checkpoints"
    list_display = ["account", "stream", "cursor", "next_page", "pages_done", "updated_at"]
    panels = [FieldPanel("next_page", read_only=True)]


class ChannelsGroup(SnippetViewSetGroup):
    menu_label = "渠道"
    menu_icon = "site"
    menu_order = 210
    items = (ChannelAccountViewSet, PullCheckpointViewSet)


register_snippet(ChannelsGroup)


@hooks.register("after_create_snippet")
def _account_created(request, instance) -> None:
    # Accounts added in the admin get the same beat schedules as `channel_account add`.
    if isinstance(instance, ChannelAccount):
        account_schedules_install(account=instance)


@hooks.register("after_edit_snippet")
def _account_edited(request, instance) -> None:
    if isinstance(instance, ChannelAccount):
        account_schedules_install(account=instance)
