"""`field__any=[…]`: membership in a long list as one array parameter on PostgreSQL.

`field__in=[…]` becomes `IN (%s, %s, …)`, one placeholder per value: Django prepares every value
as a separate expression parameter, and psycopg's client-side binding scans the query text
placeholder by placeholder, so a 500-value list (an intake batch's ids or phone keys) costs
more Python time than the query itself (`make bench ONLY=channels`, pull). `field__any` sends
`"col" = ANY(%s::type[])` with the list as a single parameter instead. Same rows, negated too:
None is dropped (as `IN` drops it; `NOT (x = ANY('{a,NULL}'))` would be NULL), a number beyond
an integer column's type is dropped (it matches nothing), duplicates do not matter, an empty
list matches nothing; a subquery is refused (use `__in`). Other databases
(the embedded SQLite) get Django's own `IN`, so a query reads the same on both.

Django has no such lookup (its `ArrayField` lookups compare array columns), and a custom
`Lookup` is its documented extension point for exactly this. Registered on every field by
`FunnelConfig.ready()`. Values are what the column holds (ids for a foreign key, not model
instances).
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        if hasattr(self.rhs, "query") or hasattr(self.rhs, "resolve_expression"):
            raise TypeError("field__any takes a list of values; use field__in for a subquery")
        prep = self.lhs.output_field.get_prep_value
        # NULL never equals anything, and `NOT (x = ANY('{a,NULL}'))` is NULL rather than
        # true: drop it, as Django's IN does, so exclude() and ~Q() read the same on both.
        return [prep(v) for v in self.rhs if v is not None]

    def as_sql(self, compiler, connection):
        field = self.lhs.output_field
        wanted = self.rhs
        low_high = _integer_range(field, connection)
        if low_high is not None:
            # a number outside the column's type matches no row (a typed array would refuse
            # it, "bigint out of range", and SQLite's driver cannot even send it)
            low, high = low_high
            wanted = [v for v in wanted if low <= v <= high]
        if connection.vendor != "postgresql":
            return In(self.lhs, wanted).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Only the column type from the model's meta is interpolated (a foreign key's is its
        # target's); the values are one parameter.
        array_type = field.db_type(connection).split("(")[0]
        prep = field.get_db_prep_value
        values = [prep(v, connection, prepared=True) for v in wanted]
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, values]


def _integer_range(field, connection) -> tuple[int, int] | None:
    target = getattr(field, "target_field", field)
    kind = target.get_internal_type()
    if "Integer" not in kind and "AutoField" not in kind:
        return None
    kind = {"AutoField": "IntegerField", "BigAutoField": "BigIntegerField",
            "SmallAutoField": "SmallIntegerField"}.get(kind, kind)  # fmt: skip
    return connection.ops.integer_field_range(kind)


def register() -> None:
    Field.register_lookup(AnyOf)
    # Relations read only their own and ForeignObject's lookups (not Field's).
    ForeignObject.register_lookup(AnyOf)
