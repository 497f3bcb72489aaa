"""The doctor approves exactly what was submitted (issue 17): approval publishes the task's
revision (`TaskState.revision`), or the same content with the reviewer's certificate record;
a page changed since submission is returned to the editor to be resubmitted, the later draft
kept. Through the admin's workflow views, as the doctor does."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupApprovalTask, TaskState, WorkflowState, WorkflowTask

from cms.compliance.gate import page_ad_review_record
from cms.models import ArticlePage
from cms.workflows import CHANGED_APPROVE, CHANGED_SINCE_SUBMISSION, DOCTOR_GROUP
from tests.cms.test_workflow import (
    CERTIFICATE,
    _action_url,
    _approve_label,
    _dashboard_after,
    _form_login,
    _modal_html,
    _submitted,
    hub,  # noqa: F401 (fixture)
    users,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db

CLAIM = "坚持六周，保证疗效，治愈率100%。"


def _later_draft(article, user, summary: str = CLAIM):
    """A draft saved while the page waits (the admin's editor or code's save_revision)."""
    page = article.get_latest_revision_as_object()
    page.summary = summary
    return page.save_revision(user=user)


def test_a_draft_saved_after_submission_is_not_published_by_the_doctors_approval(
    client,
    hub,  # noqa: F811
    users,  # noqa: F811
    django_user_model,
):
    # given an editor's submission, then a draft with a claim saved while it waits
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    admin = django_user_model.objects.create_superuser("boss", password="pw-boss-1")
    later = _later_draft(article, admin)
    doctor = users["doctor"]
    client.force_login(doctor)

    # when the doctor opens the review screen and approves
    label = _approve_label(state.task.specific, article, doctor)
    screen = _modal_html(client.get(_action_url(article, "approve", state)))
    response = client.post(_action_url(article, "approve", state), {"comment": "内容准确"})
    visited, html = _dashboard_after(client, response)

    # then the screen said so, nothing went live, the page is back with the editor
    assert label == CHANGED_APPROVE
    assert "data-review-changed" in screen
    assert f'data-review-revision="{state.revision_id}"' in screen
    assert "送审后 boss" in screen
    assert visited[-1] == "/admin/"
    assert CHANGED_SINCE_SUBMISSION in html
    assert "已审核通过并发布" not in html
    article.refresh_from_db()
    state.refresh_from_db()
    assert (article.live, article.live_revision_id) == (False, None)
    assert state.status == "rejected"
    assert state.comment.startswith(CHANGED_SINCE_SUBMISSION)
    assert state.workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    # the later draft is kept as the page's newest, for the editor to resubmit
    assert article.latest_revision_id == later.pk
    assert article.get_latest_revision_as_object().summary == CLAIM


def test_the_resubmitted_draft_is_reviewed_and_published_as_itself(
    client,
    hub,  # noqa: F811
    users,  # noqa: F811
):
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    later = _later_draft(article, users["editor"], "失眠的常见原因和就诊建议。")
    client.force_login(users["doctor"])
    client.post(_action_url(article, "approve", state), {"comment": "好"})

    # when the editor resubmits and the doctor approves the new task
    WorkflowState.objects.get(pk=state.workflow_state_id).resume(users["editor"])
    again = TaskState.objects.get(workflow_state__object_id=str(article.pk), status="in_progress")
    screen = _modal_html(client.get(_action_url(article, "approve", again)))
    client.post(_action_url(article, "approve", again), {"comment": "好"})

    # then the reviewed revision is what went live
    assert again.revision_id == later.pk
    assert f'data-review-revision="{later.pk}"' in screen
    assert "审核通过将发布本次送审的版本" in screen
    article.refresh_from_db()
    assert (article.live, article.live_revision_id) == (True, later.pk)


def test_the_reviewers_certificate_saved_while_the_page_waits_is_published_with_it(
    client,
    hub,  # noqa: F811
    users,  # noqa: F811
):
    # given a 转化 article (a medical ad) submitted, then certified by the ad reviewer
    article = ArticlePage(
        title="失眠门诊预约", slug="booking", layer="conversion", summary="规律作息。", live=False
    )
    hub.add_child(instance=article)
    article.save_revision(user=users["editor"])
    article.get_workflow().start(article, users["editor"])
    state = TaskState.objects.get(workflow_state__object_id=str(article.pk))
    certified = page_ad_review_record(
        page=article.get_latest_revision_as_object(),
        user=users["reviewer"],
        certificate=CERTIFICATE,
        valid_until=datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        + datetime.timedelta(days=200),
    )
    client.force_login(users["doctor"])

    # when the doctor approves
    label = _approve_label(state.task.specific, article, users["doctor"])
    screen = _modal_html(client.get(_action_url(article, "approve", state)))
    client.post(_action_url(article, "approve", state), {"comment": "好"})

    # then the submitted content goes live with the certificate (the same text)
    assert label == "审核通过"
    assert f'data-review-revision="{certified.pk}"' in screen
    article.refresh_from_db()
    assert (article.live, article.live_revision_id) == (True, certified.pk)
    assert article.ad_review_certificate == CERTIFICATE


def test_an_approval_made_in_code_publishes_the_submitted_revision_and_keeps_the_draft(
    hub,  # noqa: F811
    users,  # noqa: F811
):
    """Wagtail's own TaskState.approve (no review screen): the finish action publishes the
    task's revision, not `get_latest_revision()`."""
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    later = _later_draft(article, users["editor"], "失眠的常见原因和就诊建议。")

    state.approve(user=users["doctor"])

    article.refresh_from_db()
    assert (article.live, article.live_revision_id) == (True, state.revision_id)
    assert article.summary == "规律作息是改善睡眠的基础。"
    assert (article.latest_revision_id, article.has_unpublished_changes) == (later.pk, True)


def test_rejecting_a_changed_page_publishes_nothing_and_keeps_the_draft(
    client,
    hub,  # noqa: F811
    users,  # noqa: F811
):
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    later = _later_draft(article, users["editor"])
    client.force_login(users["doctor"])

    screen = _modal_html(client.get(_action_url(article, "reject", state)))
    client.post(_action_url(article, "reject", state), {"comment": "请删去疗效承诺"})

    assert "data-review-changed" in screen
    article.refresh_from_db()
    state.refresh_from_db()
    assert (article.live, state.status, state.comment) == (False, "rejected", "请删去疗效承诺")
    assert article.latest_revision_id == later.pk


def test_a_second_task_approves_what_was_submitted_to_it(
    client,
    hub,  # noqa: F811
    users,  # noqa: F811
):
    # given a workflow with a second step (a plain group approval, then the doctor)
    article = ArticlePage(title="倒班", slug="shift", layer="expert", summary="规律作息。")
    article.live = False
    hub.add_child(instance=article)
    workflow = article.get_workflow()
    first = GroupApprovalTask.objects.create(name="编辑初审")
    first.groups.add(Group.objects.get(name="Editors"))
    doctor_task = workflow.workflow_tasks.get().task
    WorkflowTask.objects.filter(workflow=workflow).update(sort_order=1)
    WorkflowTask.objects.create(workflow=workflow, task=first, sort_order=0)
    article.save_revision(user=users["editor"])
    workflow.start(article, users["editor"])
    first_state = TaskState.objects.get(workflow_state__object_id=str(article.pk))
    first_state.approve(user=users["editor"])
    second = TaskState.objects.get(workflow_state__object_id=str(article.pk), status="in_progress")
    assert second.task_id == doctor_task.pk

    # when a claim is saved while the doctor's step waits, and the doctor approves
    _later_draft(article, users["editor"])
    client.force_login(users["doctor"])
    client.post(_action_url(article, "approve", second), {"comment": "好"})

    # then nothing is published
    article.refresh_from_db()
    second.refresh_from_db()
    assert (article.live, second.status) == (False, "rejected")
    assert second.comment.startswith(CHANGED_SINCE_SUBMISSION)


def test_a_page_published_by_someone_else_meanwhile_is_not_republished_by_the_approval(
    client,
    hub,  # noqa: F811
    users,  # noqa: F811
    django_user_model,
):
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    admin = django_user_model.objects.create_superuser("boss", password="pw-boss-1")
    published = _later_draft(article, admin, "失眠的常见原因和就诊建议。")
    published.publish(user=admin)  # Wagtail cancels the workflow on publication
    client.force_login(users["doctor"])

    response = client.post(_action_url(article, "approve", state), {"comment": "好"})

    article.refresh_from_db()
    state.refresh_from_db()
    assert response.status_code == 302
    assert state.status == "cancelled"
    assert article.live_revision_id == published.pk
    assert not TaskState.objects.filter(pk=state.pk, finished_by=users["doctor"]).exists()


def test_the_seeded_doctor_cannot_publish_a_claim_saved_after_submission(seeded, client):
    # given the seeded submission, and a claim saved as a draft while it waits
    article = ArticlePage.objects.get(slug="insomnia-review-demo")
    state = TaskState.objects.get(workflow_state__object_id=str(article.pk), status="in_progress")
    _later_draft(article, None)
    assert Group.objects.get(name=DOCTOR_GROUP).user_set.filter(username="yisheng_zhou").exists()
    assert _form_login(client, "yisheng_zhou")

    # when the demo doctor approves it in the admin
    response = client.post(_action_url(article, "approve", state), {"comment": "内容准确"})

    # then the claim is not published; the submission goes back to the editor
    assert response.status_code == 302
    article.refresh_from_db()
    state.refresh_from_db()
    assert not article.live
    assert state.status == "rejected"
    assert state.comment.startswith(CHANGED_SINCE_SUBMISSION)
