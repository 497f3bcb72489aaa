"""WAGTAIL_FINISH_WORKFLOW_ACTION. A module of its own: wagtail.models imports it while it is
still being imported, so nothing here may import wagtail.models at module level."""

from __future__ import annotations


def publish_workflow_state(workflow_state, user=None):
    """WAGTAIL_FINISH_WORKFLOW_ACTION: the approved revision is published on the authority of
    the workflow (the doctors' group approved it), not of the approver's own publish
    permission, which doctors do not have. The compliance gate still runs (BasePage.publish);
    the publication is logged as the approving user's.

    The approved revision is the final task's `TaskState.revision` (what was submitted to
    it), or the newest revision when that holds the same content plus only the reviewer's
    certificate record (`cms.workflows.approved_revision`). Never a later draft with other
    content: Wagtail's default publishes `get_latest_revision()`, whatever was saved while
    the page waited (issue 17). `MedicalReviewTask` refuses such an approval before it gets
    here; an approval made another way (code calling `TaskState.approve`) publishes the
    submitted revision, and the later draft stays the page's latest, unpublished."""
    from cms.workflows import approved_revision

    page = workflow_state.content_object
    submitted = workflow_state.current_task_state.revision
    revision = approved_revision(page=page, submitted=submitted) or submitted
    revision.publish(user=user, skip_permission_checks=True)
