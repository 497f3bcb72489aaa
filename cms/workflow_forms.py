"""The doctor's review dialog forms (`cms.workflows.MedicalReviewTask.get_form_for_action`)."""

from __future__ import annotations

import unicodedata

from django import forms
from wagtail.forms import TaskStateCommentForm

# Letters that show nothing: the Hangul fillers and the blank Braille pattern (twentieth
# verification B7: U+3164, U+115F, U+2800 passed as a comment).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")

REJECT_NEEDS_COMMENT = "请写明需要修改的内容后再退回"


def shows_something(text: str) -> bool:
    """True when `text` says something: a letter or digit (L* N*) that is not a blank letter.
    Spaces and separators (Z*), control and format characters (C*: zero-width, soft hyphen,
    bidi marks, tags), combining marks on their own (M*: variation selectors, U+034F;
    twentieth re-verification D-5) show nothing, and punctuation or symbols alone
    (「。。。」「...」「？」「～」; twenty-first verification B) tell the editor nothing to
    change."""
    return any(ch not in _BLANK_LETTERS and unicodedata.category(ch)[0] in "LN" for ch in text)


class RejectCommentForm(TaskStateCommentForm):
    """Wagtail's comment form with the comment required, said in Chinese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = True
        self.fields["comment"].label = "退回意见"
        self.fields["comment"].error_messages["required"] = REJECT_NEEDS_COMMENT

    def clean_comment(self) -> str:
        comment = (self.cleaned_data.get("comment") or "").strip()
        if not shows_something(comment):  # invisible characters are no comment (F-F4, B7)
            raise forms.ValidationError(REJECT_NEEDS_COMMENT)
        return comment
