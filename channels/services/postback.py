"""Tell the ad platform what became of its lead (Douyin clue callback, Baidu OCPC upload).

The funnel's stage service calls `lead_stage_changed` explicitly after a stage change; this
module decides whether a platform wants to hear about it. (Filled in by the connectors work.)
"""

from __future__ import annotations


def lead_stage_changed(*, lead_id: int, stage: str) -> None:
    """Enqueue postbacks (after commit) for the platforms that brought this lead."""
    return None
