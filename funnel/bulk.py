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


def rows_insert(
    objs: Iterable[Model], *, ignore_conflicts: bool = False, returning: Sequence[str] = ()
) -> list[tuple] | None:
    """Insert new objects (all of one model, none saved yet) in one statement, as
    `bulk_create` would: the same prepared values (encrypted fields encrypted, `auto_now`
    set, related instances' ids copied), and each object's pk set from the database.

    With `ignore_conflicts`, rows that would violate a unique constraint are skipped, and no
    object gets its pk here: the caller maps the returned rows to its objects by the
    `returning` fields (e.g. a natural key). Returns one tuple (pk, *`returning` values) per
    row actually inserted, in no promised order; None when the database cannot say which
    rows were inserted (then the caller reads them back).

    Why not `bulk_create`: on PostgreSQL it sends each column as one text array literal
    (`UNNEST`), and psycopg builds such a literal with a per-byte regular expression: for
    kilobyte-sized values (encrypted raw records) that costs more than the insert itself.
    Here the arrays travel in PostgreSQL's binary format (server-side parameters), where a
    text value is sent as it is. Other databases take `bulk_create`."""
    objs = list(objs)
    if not objs:
        return []
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.generated and f is not meta.pk]
    if connection.vendor == "postgresql" and all(o.pk is None for o in objs):
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        columns = [[f.pre_save(obj, True) for obj in objs] for f in fields]
        # An expression (a database default, F()) is left to Django's own statement.
        if not any(hasattr(v, "resolve_expression") for column in columns for v in column):
            return _insert_binary(objs, fields, columns, connection, ignore_conflicts, returning)
    model._base_manager.using(alias).bulk_create(objs, ignore_conflicts=ignore_conflicts)
    if ignore_conflicts:
        return None
    return [(o.pk, *(getattr(o, meta.get_field(n).attname) for n in returning)) for o in objs]


def _insert_binary(objs, fields, columns, connection, ignore_conflicts, returning):
    import psycopg

    meta = type(objs[0])._meta
    columns = [
        [f.get_db_prep_save(v, connection) for v in column]
        for f, column in zip(fields, columns, strict=True)
    ]
    qn = connection.ops.quote_name
    # Only quoted identifiers and column types from the model's meta are interpolated.
    unnest = ", ".join(f"%b::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    back = [meta.pk, *(meta.get_field(n) for n in returning)]
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"SELECT * FROM UNNEST({unnest})"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
        + f" RETURNING {', '.join(qn(f.column) for f in back)}"
    )
    connection.ensure_connection()
    # A server-side-binding cursor on Django's own connection (same transaction), wrapped
    # like every Django cursor: errors become django.db errors, the query is logged.
    raw = psycopg.Cursor(connection.connection)
    with connection.wrap_database_errors:
        cursor = (
            connection.make_debug_cursor(raw)
            if connection.queries_logged
            else connection.make_cursor(raw)
        )
    with cursor:
        cursor.execute(sql, columns)
        rows = [tuple(row) for row in cursor.fetchall()]
    if not ignore_conflicts:
        # PostgreSQL returns the rows of INSERT … SELECT in the order they were given (what
        # `bulk_create` relies on too).
        for obj, row in zip(objs, rows, strict=True):
            obj.pk = row[0]
    for obj in objs:
        if obj.pk is not None:
            obj._state.adding = False
            obj._state.db = connection.alias
    return rows
