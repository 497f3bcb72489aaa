"""A chooser redisplays a crafted value without a 500.

Wagtail's chooser widgets (`wagtail.admin.widgets.chooser.BaseChooser.get_instance`) read the
value posted back into a form as an id and look the object up with it: a value that is no id
(「abc」, 「1' OR 1=1」, posted by hand into 审核医生, 封面 or 服务包) raises ValueError while the
form with its error is rendered, so the editor's save answers 500 instead of the form's own
「选择一个有效的选项」 (twentieth verification B6). The field already refuses the value; here the
widget shows no choice for it. Wagtail offers no setting or hook for this, so the one method
is wrapped (`install`, from `CmsConfig.ready`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def install() -> None:
    from wagtail.admin.widgets.chooser import BaseChooser

    if getattr(BaseChooser.get_instance, "crafted_values_safe", False):
        return
    original = BaseChooser.get_instance

    def get_instance(self, value):
        try:
            return original(self, value)
        except (ValueError, TypeError, OverflowError, ValidationError):
            return None  # not an id of anything: nothing chosen

    get_instance.crafted_values_safe = True
    BaseChooser.get_instance = get_instance
