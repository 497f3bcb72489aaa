"""A workflow decision posted with the page editor's form (审核通过 / 退回修改 in the editor's
footer) is read by Wagtail's edit view, which `json.loads` the dialog's data and calls the
task with it: malformed data was a 500, and a reject without a comment, refused by
`MedicalReviewTask.on_action`, showed Wagtail's generic 「没有权限」 (twenty-first
verification B). Both are answered here, before the view."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

_EDIT_PATH = re.compile(r"^/admin/pages/(\d+)/edit/$")


class WorkflowActionPostMiddleware:
    """On a POST to `/admin/pages/<id>/edit/` carrying `workflow-action-name`: extra data that
    is not a JSON object answers 400 `form_unreadable`; a reject whose comment says nothing
    (`cms.workflow_forms.shows_something`) goes back to the editor with
    REJECT_NEEDS_COMMENT and nothing changed. After MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and _EDIT_PATH.match(request.path):
            refusal = _refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)


def _refusal(request: HttpRequest) -> HttpResponse | None:
    from cms.workflow_forms import REJECT_NEEDS_COMMENT, shows_something
    from config.middleware import FORM_UNREADABLE, _admin_form_error

    action = request.POST.get("workflow-action-name")
    if not action:
        return None
    raw = request.POST.get("workflow-action-extra-data")
    extra: object = {}
    if raw:
        try:
            extra = json.loads(raw)
        except ValueError:
            extra = None
        if not isinstance(extra, dict):
            return _admin_form_error(request, FORM_UNREADABLE)
    if action == "reject" and not shows_something(str(extra.get("comment") or "")):
        messages.error(request, REJECT_NEEDS_COMMENT)
        return HttpResponseRedirect(request.path)
    return None
