"""The doctor's review dialog forms (`cms.workflows.MedicalReviewTask.get_form_for_action`)."""

from __future__ import annotations

import re

from django import forms
from wagtail.forms import TaskStateCommentForm

_VISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u2064\ufeff]")


class RejectCommentForm(TaskStateCommentForm):
    """Wagtail's comment form with the comment required, said in Chinese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = True
        self.fields["comment"].label = "退回意见"
        self.fields["comment"].error_messages["required"] = "请写明需要修改的内容后再退回"

    def clean_comment(self) -> str:
        comment = (self.cleaned_data.get("comment") or "").strip()
        if not _VISIBLE.sub("", comment):  # zero-width characters are no comment (F-F4)
            raise forms.ValidationError("请写明需要修改的内容后再退回")
        return comment
