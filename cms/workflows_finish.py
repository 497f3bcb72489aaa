"""WAGTAIL_FINISH_WORKFLOW_ACTION. A module of its own: wagtail.models imports it while it is
still being imported, so nothing here may import wagtail.models at module level."""

from __future__ import annotations


def publish_workflow_state(workflow_state, user=None):
    """WAGTAIL_FINISH_WORKFLOW_ACTION: the approved revision is published on the authority of
    the workflow (the doctors' group approved it), not of the approver's own publish
    permission, which doctors do not have. The compliance gate still runs (BasePage.publish);
    the publication is logged as the approving user's."""
    workflow_state.content_object.get_latest_revision().publish(
        user=user, skip_permission_checks=True
    )
