"""Row locks that work the same on PostgreSQL and on the embedded SQLite."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet


def named_lock(name: str) -> None:
    """Serialise a piece of work across workers until the current transaction ends
    (PostgreSQL's transaction-level advisory lock; SQLite serialises writers already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def locked(queryset: QuerySet, *, skip_locked: bool = False) -> QuerySet:
    """SELECT … FOR UPDATE OF the queryset's own table: joined rows (select_related) are read,
    not locked, and PostgreSQL accepts nullable joins. SQLite serialises writers instead."""
    features = connection.features
    if not features.has_select_for_update:
        return queryset
    kwargs = {}
    if features.has_select_for_update_of:
        kwargs["of"] = ("self",)
    if skip_locked and features.has_select_for_update_skip_locked:
        kwargs["skip_locked"] = True
    return queryset.select_for_update(**kwargs)
