"""What the connectors keep about a person, wiped when the funnel anonymizes them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from channels.models import PostbackLog
from channels.wecom.models import WecomChatMember, WecomContact
from funnel.models import Channel, InboundLead, InboundStatus
from funnel.services.pii import inbound_anonymize

ANONYMIZED_KEY = "anonymized:"


def postbacks_anonymize(lead_id: int) -> None:
    """A postback log names the visit (click id, platform lead id) and keeps the platform's
    answer: both go; platform, stage and time stay for the counts. Registered with the
    funnel's anonymizer (`ChannelsConfig.ready`); idempotent."""
    PostbackLog.objects.filter(lead_id=lead_id).update(target="", last_answer="")


# A callback is received after the event it reports; the first add of a contact is the
# earliest callback naming that person there. The margin covers clocks between hosts.
CALLBACK_MARGIN = dt.timedelta(days=1)


def wecom_contacts_anonymize(lead_id: int) -> None:
    """A WeCom contact identifies the person: the external userid (encrypted), its keyed
    fingerprint, the `state` of the code they scanned. Every contact of the lead, and every
    contact with the same external userid (another member's, never bound), keeps its member,
    status and times (the add and churn counts) and loses those; the raw callbacks naming the
    person (any event, matched or not) are wiped like any raw intake record. Registered with
    the funnel's anonymizer (`ChannelsConfig.ready`); idempotent (issue 13 point 2)."""
    contacts = list(WecomContact.objects.select_related("account").filter(lead_id=lead_id))
    keys = {c.external_key for c in contacts if not c.external_key.startswith(ANONYMIZED_KEY)}
    if keys:
        contacts += list(
            WecomContact.objects.select_related("account")
            .filter(external_key__in=keys)
            .exclude(lead_id=lead_id)
        )
    _chat_members_anonymize(lead_id, keys)
    if not contacts:
        return
    externals = {c.external_userid for c in contacts if c.external_userid}
    accounts = {c.account.name for c in contacts}
    first_ids = [c.inbound_id for c in contacts if c.inbound_id]
    first = InboundLead.objects.filter(pk__in=first_ids).order_by("received_at").first()
    callbacks = InboundLead.objects.filter(
        channel=Channel.WECOM, account_name__in=accounts
    ).exclude(status=InboundStatus.ANONYMIZED)
    if first is not None:
        callbacks = callbacks.filter(received_at__gte=first.received_at - CALLBACK_MARGIN)
    naming = set(first_ids)
    for row in callbacks.only("pk", "raw").iterator(chunk_size=500):
        raw = row.raw if isinstance(row.raw, dict) else {}
        if str(raw.get("ExternalUserID") or "") in externals:
            naming.add(row.pk)
    inbound_anonymize(queryset=InboundLead.objects.filter(pk__in=naming))
    for contact in contacts:
        WecomContact.objects.filter(pk=contact.pk).update(
            external_userid="",
            # Unique per (account, member, key): a placeholder per row keeps the constraint.
            external_key=f"{ANONYMIZED_KEY}{contact.pk}",
            state="",
            updated_at=timezone.now(),
        )


def _chat_members_anonymize(lead_id: int, keys: set[str]) -> None:
    """Group-chat stays of the person (bound to the lead, or with one of their fingerprints):
    the external userid, its fingerprint and the state go; a placeholder key per row keeps the
    one-open-stay constraint. Called before the contacts lose their fingerprints."""
    stays = WecomChatMember.objects.filter(lead_id=lead_id)
    if keys:
        stays = stays | WecomChatMember.objects.filter(external_key__in=keys)
    for pk in stays.exclude(external_key__startswith=ANONYMIZED_KEY).values_list("pk", flat=True):
        WecomChatMember.objects.filter(pk=pk).update(
            external_userid="", external_key=f"{ANONYMIZED_KEY}{pk}", state=""
        )
