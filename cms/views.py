"""Site search (Wagtail search over live public pages) and the admin's page after a review
decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from wagtail.models import TaskState

from cms.search import MAX_QUERY_LENGTH, query_text
from cms.selectors import pages_search


def search(request: HttpRequest) -> HttpResponse:
    # Shown back to the reader, so cleaned like the query itself (no control characters);
    # clipped to what the search form lets a reader type (a longer q comes from a hand-made URL).
    query = query_text(request.GET.get("q") or "")[:MAX_QUERY_LENGTH]
    results = pages_search(query=query)
    page_obj = Paginator(results, 10).get_page(request.GET.get("p"))
    return TemplateResponse(request, "cms/search.html", {"query": query, "page_obj": page_obj})


def review_done(request: HttpRequest, task_state_id: int) -> HttpResponse:
    """Where a reviewer lands after approving or rejecting (`MedicalReviewTask.on_action`):
    the dashboard, which lists what still waits for them, with a message naming the page and
    the outcome. Only the reviewer who finished the task gets the message; anyone else (a
    guessed id) just gets the dashboard."""
    from cms.workflows import review_done_message, review_done_refusal

    task_state = (
        TaskState.objects.filter(pk=task_state_id, finished_by=request.user)
        .select_related("workflow_state")
        .first()
    )
    if task_state is not None:
        if refusal := review_done_refusal(task_state=task_state):
            messages.error(request, refusal)
        else:
            messages.success(request, review_done_message(task_state=task_state))
    return redirect("wagtailadmin_home")
