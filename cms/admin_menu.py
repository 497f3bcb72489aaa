"""The admin's main menu for Chinese staff: Wagtail's 帮助 menu links to English pages on
guide.wagtail.org (slow or unreachable from mainland China, and about Wagtail rather than
this product), so it is removed; docs/ in the repository describes each role's day."""

from __future__ import annotations

from wagtail import hooks


@hooks.register("construct_main_menu")
def hide_wagtail_help(request, menu_items: list) -> None:
    menu_items[:] = [item for item in menu_items if getattr(item, "name", "") != "help"]
