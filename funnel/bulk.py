"""Set-based writes for batches: one statement for many rows, on PostgreSQL with one binary
array parameter per column (`UPDATE … FROM UNNEST(…)`, `INSERT … SELECT * FROM UNNEST(…)`).

Django's `bulk_update` builds a CASE WHEN expression per row and field; for a 100-row batch
that costs more Python time than everything else ingest does. Its `bulk_create` sends one
text array literal per column, which psycopg builds with a per-byte regular expression (slow
for the kilobyte-sized encrypted values intake stores), and a VALUES list is parsed and planned
row by row. Binary arrays cost neither. Other databases (the embedded SQLite) keep Django's
`bulk_update` and `bulk_create`: correctness is the same, and they are not where throughput
matters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    ForeignKey,
    IntegerField,
    Model,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallIntegerField,
    TextField,
)
from django.db.models.base import DEFERRED as _DEFERRED

M = TypeVar("M", bound=Model)

# Field classes (exactly these, not subclasses such as the encrypted ones) whose database
# value is the Python value itself when it already has the column's plain type: for them the
# per-value trip through `get_db_prep_save` is skipped.
_AS_IS = {
    CharField: str,
    TextField: str,
    IntegerField: int,
    SmallIntegerField: int,
    BigIntegerField: int,
    PositiveIntegerField: int,
    PositiveSmallIntegerField: int,
    BooleanField: bool,
}


def _db_values(field, values: list, connection) -> list:
    """`field.get_db_prep_save` of each value, skipping the call where it returns the value
    as it is (None, or a value of exactly the column's plain type)."""
    kind = type(field)
    if kind is ForeignKey and type(field.target_field) in (AutoField, BigAutoField):
        plain = int
    else:
        plain = _AS_IS.get(kind)
    if plain is None:
        return [field.get_db_prep_save(v, connection) for v in values]
    prep = field.get_db_prep_save
    return [v if v is None or type(v) is plain else prep(v, connection) for v in values]


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
    model_fields = [pk, *(meta.get_field(name) for name in fields)]
    qn = connection.ops.quote_name
    columns = [f.column for f in model_fields]
    values = [
        _db_values(f, [getattr(obj, f.attname) for obj in objs], connection) for f in model_fields
    ]
    assignments = ", ".join(f"{qn(col)} = v.{qn(col)}" for col in columns[1:])
    # Only quoted identifiers and types from the model's meta are interpolated; values are
    # parameters, one array per column (see `rows_insert` for why binary).
    sql = (
        f"UPDATE {qn(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM UNNEST({_arrays(model_fields, connection)}) "
        f"AS v({', '.join(qn(c) for c in columns)}) "
        f"WHERE t.{qn(pk.column)} = v.{qn(pk.column)}"
    )
    with _binary_cursor(connection) as cursor:
        cursor.execute(sql, values)
        return cursor.rowcount


def _arrays(fields, connection) -> str:
    """One binary array parameter per field, cast to the column's type (without its length:
    the column checks that)."""
    return ", ".join(f"%b::{f.db_type(connection).split('(')[0]}[]" for f in fields)


def _binary_cursor(connection):
    """A server-side-binding cursor on Django's own connection (the same transaction), wrapped
    like every Django cursor: errors become django.db errors, the query is logged."""
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    with connection.wrap_database_errors:
        if connection.queries_logged:
            return connection.make_debug_cursor(raw)
        return connection.make_cursor(raw)


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

    Why not `bulk_create`: see the module doc (for a page of encrypted raw records its text
    arrays cost more than the insert itself)."""
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
    meta = type(objs[0])._meta
    columns = [_db_values(f, column, connection) for f, column in zip(fields, columns, strict=True)]
    qn = connection.ops.quote_name
    back = [meta.pk, *(meta.get_field(n) for n in returning)]
    # Only quoted identifiers and column types from the model's meta are interpolated.
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"SELECT * FROM UNNEST({_arrays(fields, connection)})"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
        + f" RETURNING {', '.join(qn(f.column) for f in back)}"
    )
    cursor = _binary_cursor(connection)
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


@cache
def _constructor_plan(model: type[Model]) -> tuple[tuple[Any, ...], frozenset[str]]:
    """Per concrete field (in column order): (field, attname, name when it is a relation's
    instance keyword, else None); and every keyword `model_new` accepts."""
    plan = tuple(
        (f, f.attname, f.name if f.name != f.attname else None) for f in model._meta.concrete_fields
    )
    names = {f.attname for f, _a, _n in plan} | {n for _f, _a, n in plan if n}
    return plan, frozenset(names)


def model_new(model: type[M], **values: Any) -> M:
    """An unsaved `model(**values)`, built through the constructor's positional path (the one
    Django uses to load rows): for batch writers that build hundreds per batch (intake's
    records, ingest's leads, touchpoints, events, follow-ups).

    Why not `model(**values)`: the keyword path looks each field up in `values` by catching a
    KeyError for every field left to its default (33 on a lead), which costs more than the
    rest of building the lead; measured 34 µs against 14 µs per lead, and about a tenth of
    a pull (`make bench ONLY=channels`). Same result: defaults from `field.get_default()`,
    a related instance given by the field's name set through its descriptor (cached, its id
    copied at save), an unknown keyword a TypeError."""
    plan, known = _constructor_plan(model)
    unknown = values.keys() - known
    if unknown:
        raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {sorted(unknown)}")
    args = []
    related = []
    for field, attname, name in plan:
        if field.generated:
            args.append(_DEFERRED)  # the database computes it (the keyword path skips it too)
        elif attname in values:
            args.append(values[attname])
        elif name is not None and name in values:
            args.append(_DEFERRED)  # set below, through the descriptor
            related.append((name, values[name]))
        else:
            args.append(field.get_default())
    obj = model(*args)
    for name, instance in related:
        setattr(obj, name, instance)
    return obj
