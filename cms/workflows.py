"""Doctor review (医生审核): a group approval task whose review shows the compliance findings
of the revision under review and which cannot approve while a blocking finding is not
covered by a recorded medical-ad review certificate (医疗广告审查证明).

Why refuse instead of only showing: approving the last task publishes, and the publish gate
(cms.compliance.gate) would refuse that publication anyway; refusing at the approval keeps
the doctor's decision and the gate's in agreement and tells the doctor why."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import AbstractGroupApprovalTask

DOCTOR_GROUP = "医生审核"
WORKFLOW_NAME = "医学内容审核"
TASK_NAME = "医生审核"


def review_check(obj):
    """The newest revision (what approval publishes) as a page, with its report; None for
    pages outside the gate. `obj` may be a plain Page (the admin's workflow views)."""
    from cms.compliance.page import check_revision

    revision = obj.get_latest_revision()
    if revision is None:
        return None
    latest = revision.as_object()
    if not hasattr(latest, "ad_review_certificate"):
        return None
    return latest, check_revision(revision)


def review_decision(obj):
    """The compliance gate's decision on the newest revision; None outside the gate. Decided
    afresh each time: whether the certificate's recorder is still a reviewer can change."""
    from cms.compliance.gate import publish_decision

    checked = review_check(obj)
    if checked is None:
        return None
    latest, report = checked
    return publish_decision(page=latest, report=report)


class MedicalReviewTask(AbstractGroupApprovalTask):
    class Meta:
        verbose_name = "医生审核（含合规检查）"
        verbose_name_plural = "医生审核（含合规检查）"

    @classmethod
    def get_description(cls):
        return "所选用户组（医生）审核医学内容；存在未取得审查证明的禁止性合规问题时不能通过"

    def locked_for_user(self, obj, user):
        """Open to the doctors and to the medical-ad reviewers: a reviewer records the review
        certificate on a page while it waits here (it is what lets the doctor approve)."""
        from cms.compliance.gate import is_reviewer

        return super().locked_for_user(obj, user) and not is_reviewer(user)

    def get_actions(self, obj, user):
        if not (user.is_superuser or self._user_in_groups(user)):
            return []
        # every action opens the review screen, which lists the compliance findings. Approval
        # is offered even when the gate refuses the revision (a screen opened before a finding
        # appeared posts it anyway): it then says what it will do, and `on_action` returns the
        # page to the editor with the gate's reason instead of a bare 「没有权限」.
        decision = review_decision(obj)
        refused = decision is not None and not decision.allowed
        approve = "审核通过（合规检查未通过，将退回编辑）" if refused else "审核通过"
        return [("reject", "退回修改", True), ("approve", approve, True)]

    def get_template_for_action(self, action):
        return "cms/workflows/review_modal.html"

    def on_action(self, task_state, user, action_name, **kwargs):
        """Approve or reject; returns where the admin sends the reviewer next (None: Wagtail's
        default, the page's editor). A doctor may open the editor only while the page waits
        on this task, so after deciding they would land on 「没有权限」: they go to the
        dashboard (their review queue) with a message saying what happened instead.

        An approval the publish gate refuses (decided before, or raised by the publication
        itself) publishes nothing: the task is returned to the editor with the gate's reason
        as its comment (the editor cannot edit a page waiting on this task, so leaving it in
        progress left nobody able to act), and the doctor lands on the dashboard with that
        reason (review of issue 17, round 2, L1: they got 「对不起，你没有权限访问。」)."""
        from cms.compliance.gate import CompliancePublishBlocked

        page = task_state.workflow_state.content_object
        if action_name == "approve":
            decision = review_decision(page)
            if decision is not None and not decision.allowed:
                return gate_refusal_return(
                    task_state=task_state, user=user, reason=decision.message
                )
            try:
                with transaction.atomic():
                    super().on_action(task_state, user, action_name, **kwargs)
            except CompliancePublishBlocked as blocked:
                task_state.refresh_from_db()
                return gate_refusal_return(
                    task_state=task_state, user=user, reason=blocked.decision.message
                )
            return review_done_url(task_state=task_state, user=user)
        super().on_action(task_state, user, action_name, **kwargs)
        return review_done_url(task_state=task_state, user=user)


# The comment a refused approval returns the task with; the dashboard message reads it back.
GATE_REFUSED = "合规检查未通过，未发布，已退回编辑修改："


def gate_refusal_return(*, task_state, user, reason: str) -> str:
    """Returns the task to the editor (rejected, comment GATE_REFUSED + the gate's zh-hans
    `reason`) on `user`'s behalf, and gives the admin URL where `user` reads the reason."""
    from django.urls import reverse

    task_state.reject(user=user, comment=f"{GATE_REFUSED}{reason}")
    return reverse("cms_review_done", args=(task_state.pk,))


def review_done_refusal(*, task_state) -> str:
    """The dashboard's error after an approval the gate refused ("" for any other outcome)."""
    comment = task_state.comment or ""
    if task_state.status != "rejected" or not comment.startswith(GATE_REFUSED):
        return ""
    page = task_state.workflow_state.content_object
    title = page.get_latest_revision_as_object().title
    return f"「{title}」{GATE_REFUSED}{comment.removeprefix(GATE_REFUSED)}"


def reviewer_may_edit(*, page, user) -> bool:
    """Whether `user` may still open `page`'s editor now (page permission, or a task of a
    workflow still in progress that opens the editor to them)."""
    page = type(page).objects.get(pk=page.pk)
    if page.permissions_for_user(user).can_edit():
        return True
    task = page.current_workflow_task
    return task is not None and task.specific.user_can_access_editor(page, user)


def review_done_url(*, task_state, user) -> str | None:
    """The admin URL that confirms `user`'s decision on `task_state` and shows the
    dashboard, or None when they may still open the page's editor (an editor, a superuser)."""
    from django.urls import reverse

    if reviewer_may_edit(page=task_state.workflow_state.content_object, user=user):
        return None
    return reverse("cms_review_done", args=(task_state.pk,))


def review_done_message(*, task_state) -> str:
    """The dashboard's message after a review decision, in the reviewer's words."""
    page = task_state.workflow_state.content_object
    title = page.get_latest_revision_as_object().title
    if task_state.status == "rejected":
        return f"「{title}」已退回修改，编辑会收到通知。"
    page.refresh_from_db(fields=["live"])
    if task_state.workflow_state.status == "approved" and page.live:
        return f"「{title}」已审核通过并发布。"
    return f"「{title}」已审核通过。"
