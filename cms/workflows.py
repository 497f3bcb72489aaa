"""Doctor review (医生审核): a group approval task whose review shows the compliance findings
of the revision under review and which cannot approve while a blocking finding is not
covered by a recorded medical-ad review certificate (医疗广告审查证明).

Why refuse instead of only showing: approving the last task publishes, and the publish gate
(cms.compliance.gate) would refuse that publication anyway; refusing at the approval keeps
the doctor's decision and the gate's in agreement and tells the doctor why."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import AbstractGroupApprovalTask

from cms.models.base import BasePage

DOCTOR_GROUP = "医生审核"
WORKFLOW_NAME = "医学内容审核"
TASK_NAME = "医生审核"


# What a revision holds that is not the content the doctor reviews: Wagtail's bookkeeping for
# the page as a whole (tree position, live state, locks, revision pointers, comments; what
# `Page.with_content_json` takes from the page row, not from the revision) and the medical-ad
# reviewer's record. The reviewer records a certificate (or rules findings false matches) by
# saving a new revision while the page waits; that record is what lets the doctor approve and
# its digest pins the text, so it is no change to what was submitted.
NOT_REVIEWED_FIELDS = frozenset(
    {
        "pk",
        "content_type",
        "path",
        "depth",
        "numchild",
        "url_path",
        "draft_title",
        "live",
        "has_unpublished_changes",
        "expired",
        "owner",
        "locked",
        "locked_at",
        "locked_by",
        "latest_revision",
        "latest_revision_created_at",
        "live_revision",
        "first_published_at",
        "last_published_at",
        "alias_of",
        "locale",
        "translation_key",
        "wagtail_admin_comments",
        *BasePage.REVIEW_RECORD_FIELDS,
    }
)

# The comment an approval of a page changed since submission returns the task with.
CHANGED_SINCE_SUBMISSION = "送审后页面内容已被修改，未发布，已退回编辑重新送审："


def _reviewed_content(revision) -> dict:
    return {k: v for k, v in revision.content.items() if k not in NOT_REVIEWED_FIELDS}


def newest_revision(page):
    """`page`'s newest revision, read from the database: an instance loaded before a draft
    was saved still points at the revision before it (`latest_revision`)."""
    return page.revisions.order_by("-created_at", "-id").first()


def approved_revision(*, page, submitted):
    """The revision that approving `submitted` (a TaskState's revision: what was sent for
    review) publishes: the page's newest revision when its content is what was submitted
    (the same revision, or a later one adding only the reviewer's certificate record or
    Wagtail bookkeeping), else None: the page changed since submission (a later draft by
    anyone) and approving would publish something the doctor never reviewed."""
    latest = newest_revision(page)
    if latest is None or submitted is None:
        return None
    if latest.pk == submitted.pk or _reviewed_content(latest) == _reviewed_content(submitted):
        return latest
    return None


def review_target(obj):
    """(revision the doctor reviews, whether approving publishes it) for `obj`'s task in
    progress: the submitted content as it will be published, or the submitted revision itself
    when the page changed since submission (approval then returns it to the editor). None
    when no task is in progress."""
    task_state = obj.current_workflow_task_state
    if task_state is None:
        return None
    publishes = approved_revision(page=obj, submitted=task_state.revision)
    if publishes is not None:
        return publishes, True
    return task_state.revision, False


def review_check(obj):
    """The revision under review as a page, with its report and whether approval publishes
    it (see `review_target`); None for pages outside the gate or with no task in progress.
    `obj` may be a plain Page (the admin's workflow views)."""
    from cms.compliance.page import check_revision

    target = review_target(obj)
    if target is None:
        return None
    revision, publishes = target
    reviewed = revision.as_object()
    if not hasattr(reviewed, "ad_review_certificate"):
        return None
    return reviewed, check_revision(revision), publishes


def review_decision(obj):
    """The compliance gate's decision on the revision approval would publish; None outside
    the gate (or when approval publishes nothing: the page changed since submission). Decided
    afresh each time: whether the certificate's recorder is still a reviewer can change."""
    from cms.compliance.gate import publish_decision

    checked = review_check(obj)
    if checked is None or not checked[2]:
        return None
    reviewed, report, _ = checked
    return publish_decision(page=reviewed, report=report)


def changed_since_submission(obj) -> bool:
    """Whether `obj`'s content changed after its task in progress was submitted."""
    target = review_target(obj)
    return target is not None and not target[1]


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
        # A page changed since submission is not approved either: approving publishes what was
        # submitted, and a later draft is no longer that (it goes back to be resubmitted).
        if changed_since_submission(obj):
            return [("reject", "退回修改", True), ("approve", CHANGED_APPROVE, True)]
        decision = review_decision(obj)
        refused = decision is not None and not decision.allowed
        approve = "审核通过（合规检查未通过，将退回编辑）" if refused else "审核通过"
        return [("reject", "退回修改", True), ("approve", approve, True)]

    def get_template_for_action(self, action):
        return "cms/workflows/review_modal.html"

    def get_form_for_action(self, action):
        """退回修改 needs a comment: the editor revises by it, and the dialog asks for one
        (nineteenth verification C-F7: an empty one was accepted)."""
        if action == "reject":
            from cms.workflow_forms import RejectCommentForm  # admin forms load after models

            return RejectCommentForm
        return super().get_form_for_action(action)

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
            if approved_revision(page=page, submitted=task_state.revision) is None:
                return gate_refusal_return(
                    task_state=task_state,
                    user=user,
                    reason=changed_reason(page=page),
                    prefix=CHANGED_SINCE_SUBMISSION,
                )
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
        if action_name == "reject":
            from django.core.exceptions import PermissionDenied

            from cms.workflow_forms import REJECT_NEEDS_COMMENT, shows_something

            # The dialog asks for a comment (`get_form_for_action`); the edit form's post that
            # follows it carries the comment again, and a hand-made post could skip the dialog
            # (twentieth re-verification D-5: a soft hyphen alone rejected the task)
            if not shows_something(str(kwargs.get("comment") or "")):
                raise PermissionDenied(REJECT_NEEDS_COMMENT)
        super().on_action(task_state, user, action_name, **kwargs)
        return review_done_url(task_state=task_state, user=user)


CHANGED_APPROVE = "审核通过（送审后页面已修改，将退回编辑重新送审）"

# The comment a refused approval returns the task with; the dashboard message reads it back.
GATE_REFUSED = "合规检查未通过，未发布，已退回编辑修改："
REFUSALS = (GATE_REFUSED, CHANGED_SINCE_SUBMISSION)


def changed_reason(*, page) -> str:
    """Why an approval of `page` is refused when it changed since submission (zh-hans): who
    saved the newest draft and when, and what to do."""
    from django.utils import timezone

    latest = newest_revision(page)
    who = getattr(latest.user, "username", None) or "系统"
    when = timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"送审后 {who} 于 {when} 保存了新的草稿，医生审核的是送审时的版本；"
        "请编辑确认新草稿后重新提交审核"
    )


def gate_refusal_return(*, task_state, user, reason: str, prefix: str = GATE_REFUSED) -> str:
    """Returns the task to the editor (rejected, comment `prefix` (one of REFUSALS) + the
    zh-hans `reason`) on `user`'s behalf, and gives the admin URL where `user` reads it."""
    from django.urls import reverse

    task_state.reject(user=user, comment=f"{prefix}{reason}")
    return reverse("cms_review_done", args=(task_state.pk,))


def review_done_refusal(*, task_state) -> str:
    """The dashboard's error after a refused approval ("" for any other outcome)."""
    comment = task_state.comment or ""
    prefix = next((p for p in REFUSALS if comment.startswith(p)), None)
    if task_state.status != "rejected" or prefix is None:
        return ""
    page = task_state.workflow_state.content_object
    title = page.get_latest_revision_as_object().title
    return f"「{title}」{prefix}{comment.removeprefix(prefix)}"


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
    from django.utils import timezone

    page.refresh_from_db(fields=["live"])
    scheduled = page.scheduled_revision
    if task_state.workflow_state.status == "approved" and scheduled is not None:
        # approved for a later time: nothing went live yet, whether an older version is live
        # or not (eighteenth re-verification C-F3: 「已审核通过并发布」 was said)
        when = timezone.localtime(scheduled.approved_go_live_at).strftime("%Y年%-m月%-d日 %H:%M")
        return f"「{title}」已审核通过，将于 {when} 定时发布。"
    if task_state.workflow_state.status == "approved" and page.live:
        return f"「{title}」已审核通过并发布。"
    return f"「{title}」已审核通过。"
