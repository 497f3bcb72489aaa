"""CSV rows without an id column were stored under a plain SHA-256 of their content (first 32
hex digits): a phone-only row is reversed by hashing every phone in about a second. Re-key them
with the keyed digest `funnel.services.imports.csv_row_key` now uses, whose input is that same
SHA-256, so no row content is needed and a re-import of the same file still finds its rows.

Chosen over a dual lookup: a dual lookup would keep the reversible ids in the table for good.
Ids taken from a file's own id column are left as they are. Irreversible by design."""

import re

from django.db import migrations

from funnel.crypto import record_key

LEGACY = re.compile(r"[0-9a-f]{32}")
ID_HEADERS = {"external_id", "id", "编号"}


def _from_column(raw: dict, own_id: str) -> bool:
    return any(
        (k or "").strip().lower() in ID_HEADERS and str(v or "").strip() == own_id
        for k, v in (raw or {}).items()
    )


def csv_ids_rekey(apps, schema_editor):
    InboundLead = apps.get_model("funnel", "InboundLead")
    for row in InboundLead.objects.filter(channel="csv").iterator(chunk_size=500):
        prefix, _, own_id = row.external_id.rpartition(":")
        if not prefix or not LEGACY.fullmatch(own_id) or _from_column(row.raw, own_id):
            continue
        new_id = f"{prefix}:k{record_key('csv-row', own_id)[:32]}"[:128]
        row.external_id = new_id
        if isinstance(row.payload, dict):
            row.payload = {**row.payload, "external_id": new_id}
        row.save(update_fields=["external_id", "payload"])


class Migration(migrations.Migration):
    dependencies = [("funnel", "0013_group_members_to_memberships")]

    operations = [migrations.RunPython(csv_ids_rekey, migrations.RunPython.noop)]
