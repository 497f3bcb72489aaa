"""Chinese labels and values for admin listings, forms and inspect pages.

Fields declared without ``verbose_name`` (foreign keys mostly: ``specialty``, ``referrer`` …)
would show Django's English default ("Specialty", "Referrer"); booleans and empty values
would show ``True``/``False``/``None``. Viewsets build their columns and panels here instead,
so the admin stays Chinese without a schema migration for a label.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, TitleColumn

# Field name → label, used only where the model field's own label is still English.
FIELD_LABELS = {
    "account": "账户",
    "actor": "操作人",
    "assignee": "负责医助",
    "assistant": "医助",
    "clinic": "门店",
    "created_at": "创建时间",
    "created_day": "创建日期",
    "current_weight": "当前权重",
    "inbound": "原始线索",
    "last_used_at": "最近使用",
    "lead": "线索",
    "order": "订单",
    "package": "服务包",
    "page": "落地页",
    "plan": "治疗计划",
    "pool": "活码",
    "referee": "被推荐人",
    "referrer": "推荐人",
    "sort_order": "排序",
    "specialty": "专科",
    "token_hash": "令牌指纹",
    "updated_at": "更新时间",
    "user": "登录账号",
    "utm": "UTM 参数",
}
EMPTY = "—"


def field_label(model: type[models.Model], name: str) -> str:
    """The Chinese label of ``model.name``: its verbose name when that is Chinese already."""
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except Exception:  # a property or method column: keep the caller's name
        return FIELD_LABELS.get(name, name)
    return FIELD_LABELS.get(name, label) if label.isascii() else label


def display_value(value: Any) -> Any:
    """是/否 for booleans, a dash for nothing; anything else as it is."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


class ZhColumn(Column):
    """A listing column with a Chinese heading and Chinese booleans / empty values."""

    def get_value(self, instance: Any) -> Any:
        # A field with choices shows its label (进行中, 已结束), not the stored code.
        display = getattr(instance, f"get_{self.name}_display", None)
        if callable(display):
            return display_value(display())
        value = super().get_value(instance)
        if isinstance(value, models.Model):
            return str(value)
        return display_value(value)


class ZhTitleColumn(ZhColumn, TitleColumn):
    """The first column of a listing: a ``ZhColumn`` whose value links to the row's edit
    page (its inspect page without edit permission), as Wagtail's own title column does.
    Wagtail builds that column only from a field name given as the first ``list_display``
    entry; a Column given there stays unlinked, and every listing built with
    ``admin_columns`` had no way into a row (seventeenth verification B-R0). The URL is
    Wagtail's `AdminURLFinder` for the requesting user (it honours their permissions)."""

    def get_link_url(self, instance: Any, parent_context: Any) -> str | None:
        from wagtail.admin.admin_url_finder import AdminURLFinder

        request = parent_context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return None
        return AdminURLFinder(user).get_edit_url(instance)


def admin_columns(model: type[models.Model], names: list[Any]) -> list[Any]:
    """``list_display`` with every plain field name turned into a ``ZhColumn``, the first
    into a ``ZhTitleColumn`` (the link to the row); Column objects and ``__str__`` pass
    through (Wagtail links a leading ``__str__`` itself)."""
    out: list[Any] = []
    for i, name in enumerate(names):
        if isinstance(name, str) and name != "__str__":
            sortable = any(f.name == name and f.concrete for f in model._meta.get_fields())
            column = ZhTitleColumn if i == 0 else ZhColumn
            out.append(
                column(name, label=field_label(model, name), sort_key=name if sortable else None)
            )
        else:
            out.append(name)
    return out


def admin_panels(model: type[models.Model]) -> list[FieldPanel]:
    """A panel for every field the default form would show, headed in Chinese."""
    panels = []
    for field in model._meta.get_fields():
        if (
            field.auto_created
            or not getattr(field, "editable", False)
            or getattr(field, "primary_key", False)
            or not (field.concrete or field.many_to_many)
        ):
            continue
        panels.append(FieldPanel(field.name, heading=field_label(model, field.name)))
    return panels


class ReadOnlyPanel(FieldPanel):
    """A read-only field shown like the listings (`display_value`, Shanghai time): Wagtail's
    own read-only output prints 「None」 for a missing date or link, and True/False."""

    def __init__(self, field_name: str, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(field_name, **kwargs)

    def format_value_for_display(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        shown = display_value(value)
        return shown if shown is not value else super().format_value_for_display(value)
