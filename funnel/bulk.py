"""Set-based writes for batches: one UPDATE … FROM (VALUES …) for many rows.

Django's `bulk_update` builds a CASE WHEN expression per row and field; for a 100-row batch
that costs more Python time than everything else ingest does. PostgreSQL takes the rows as a
VALUES list instead. Other databases (the embedded SQLite) keep `bulk_update`: correctness is
the same, and they are not where throughput matters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, router
from django.db.models import Model


def rows_update(objs: Iterable[Model], fields: Sequence[str]) -> int:
    """Write `fields` of every object (all of one model, all saved) in one statement.
    Values go through each field's `get_db_prep_save`, so encrypted fields are encrypted
    exactly as `save()` would. `auto_now` fields are not touched: set them yourself."""
    objs = list(objs)
    if not objs or not fields:
        return 0
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._base_manager.using(alias).bulk_update(objs, list(fields))
    meta = model._meta
    pk = meta.pk
    model_fields = [meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    columns = [pk.column, *(f.column for f in model_fields)]
    casts = [pk.cast_db_type(connection), *(f.cast_db_type(connection) for f in model_fields)]
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    params: list = []
    for obj in objs:
        params.append(pk.get_db_prep_save(obj.pk, connection))
        params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in model_fields)
    assignments = ", ".join(f"{qn(col)} = v.{qn(col)}" for col in columns[1:])
    # Only quoted identifiers from the model's meta are interpolated; values are parameters.
    sql = (
        f"UPDATE {qn(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join([row_sql] * len(objs))}) "
        f"AS v({', '.join(qn(c) for c in columns)}) "
        f"WHERE t.{qn(pk.column)} = v.{qn(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
