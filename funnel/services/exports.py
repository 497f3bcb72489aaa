"""Bulk exports of leads. A revealed export (full phone and name) is audited: who, when, which
filter, how many rows (PIPL Art. 51; DESIGN: "revealed exports are audited")."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from funnel.models import ExportAudit
from funnel.selectors import lead_export_rows


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return ""


def leads_export(
    *,
    reveal: bool,
    what: str,
    operator: str = "",
    filters: dict[str, Any] | None = None,
    output_format: str = "",
) -> Iterator[dict[str, Any]]:
    """The export rows (`lead_export_rows`). When `reveal`, an ExportAudit row is committed
    before the first row is yielded and completed with the count after the last one."""
    if not reveal:
        yield from lead_export_rows(reveal=False)
        return
    os_user = _os_user()
    audit = ExportAudit.objects.create(
        what=what,
        operator=(operator.strip() or os_user or "unknown")[:150],
        os_user=os_user[:150],
        revealed=True,
        filters=filters or {},
        output_format=output_format,
    )
    count = 0
    for row in lead_export_rows(reveal=True):
        count += 1
        yield row
    ExportAudit.objects.filter(pk=audit.pk).update(rows=count, finished_at=timezone.now())
