"""`field__any=[…]`: membership in a long list as one array parameter on PostgreSQL.

`field__in=[…]` becomes `IN (%s, %s, …)`, one placeholder per value: Django prepares every value
as a separate expression parameter, and psycopg's client-side binding scans the query text
placeholder by placeholder, so a 500-value list (an intake batch's ids or phone keys) costs
more Python time than the query itself (`make bench ONLY=channels`, pull). `field__any` sends
`"col" = ANY(%s::type[])` with the list as a single parameter instead. Same rows: NULLs never
match either way, duplicates do not matter, an empty list matches nothing. Other databases
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
        values = list(self.rhs)
        prep = self.lhs.output_field.get_prep_value
        return [v if v is None else prep(v) for v in values]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        field = self.lhs.output_field
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Only the column type from the model's meta is interpolated (a foreign key's is its
        # target's); the values are one parameter.
        array_type = field.db_type(connection).split("(")[0]
        prep = field.get_db_prep_value
        values = [v if v is None else prep(v, connection, prepared=True) for v in self.rhs]
        return f"{lhs} = ANY(%s::{array_type}[])", [*lhs_params, values]


def register() -> None:
    Field.register_lookup(AnyOf)
    # Relations read only their own and ForeignObject's lookups (not Field's).
    ForeignObject.register_lookup(AnyOf)
