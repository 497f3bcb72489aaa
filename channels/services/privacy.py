"""What the connectors keep about a person, wiped when the funnel anonymizes them."""

from __future__ import annotations

from channels.models import PostbackLog


def postbacks_anonymize(lead_id: int) -> None:
    """A postback log names the visit (click id, platform lead id) and keeps the platform's
    answer: both go; platform, stage and time stay for the counts. Registered with the
    funnel's anonymizer (`ChannelsConfig.ready`); idempotent."""
    PostbackLog.objects.filter(lead_id=lead_id).update(target="", last_answer="")
