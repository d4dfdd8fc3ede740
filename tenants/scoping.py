"""Every ORM query of a tenant table names its tenant explicitly, as well as RLS filtering it.

RLS is the wall; this is defence in depth, and what a distributed PostgreSQL (Citus, docs/scaling.md)
needs to route a query to one shard, since RLS predicates do not route (citus#7415). Inside
``tenant_context(tenant)`` (the middleware's, the console's, a job's), the default manager of every
tenant model adds ``WHERE tenant_id = <tenant>``; outside one (operator_access() work across
tenants) it adds nothing, and RLS with the operator role decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

from tenants.context import NOT_SCOPED, scoped_tenant


class TenantScopedQuerySetMixin:
    """Adds the current tenant to a manager's base queryset (models with a ``tenant`` foreign key)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        tenant = scoped_tenant(using=self._db or DEFAULT_DB_ALIAS)
        if tenant is NOT_SCOPED:
            return queryset
        return queryset.filter(tenant_id=tenant or None)


class TenantScopedManager(TenantScopedQuerySetMixin, models.Manager):
    """The default manager of a tenant model: its queries carry ``tenant_id`` (see the module)."""

    def lookup_one(self, **equal: Any) -> models.Model | None:
        """The row whose fields equal ``equal`` (names or attnames, ``pk`` too), the first by primary
        key, or None — what ``filter(**equal).order_by("pk").first()`` returns, with the same tenant
        filter, through a statement built once per model and set of fields.

        For the hottest reads (a patient or a doctor by id or by document): building the ORM query
        was a third of such a request's Python (issue 16's profile; docs/benchmarks.md). Values go
        through each field's ``get_db_prep_value`` and the row through the same database converters
        the ORM applies (phone numbers, JSON, encrypted text), so the instance is the ORM's."""
        rows = self._lookup(equal, limit=1)
        return rows[0] if rows else None

    def lookup_all(self, **equal: Any) -> list[models.Model]:
        """Every row whose fields equal ``equal``, in primary-key order: ``list(filter(**equal).order_by("pk"))``
        through a statement built once, as :meth:`lookup_one` (for small sets read on every write,
        such as a tenant's webhook endpoints)."""
        return self._lookup(equal, limit=None)

    def _lookup(self, equal: dict[str, Any], *, limit: int | None) -> list[models.Model]:
        using = self._db or DEFAULT_DB_ALIAS
        tenant = scoped_tenant(using=using)
        connection = connections[using]
        shape = _lookup_shape(self.model, tuple(equal), scoped=tenant is not NOT_SCOPED, using=using, limit=limit)
        params = [] if tenant is NOT_SCOPED else [tenant or None]
        params += [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(shape.fields, equal.values(), strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(shape.sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            values = list(row)
            for index, converters in shape.converters:
                for converter in converters:
                    values[index] = converter(values[index], shape.columns[index], connection)
            found.append(self.model.from_db(using, shape.attnames, values))
        return found


@dataclass(frozen=True)
class _LookupShape:
    sql: str
    fields: list  # the fields compared, in the order of ``equal``
    attnames: list[str]
    columns: list  # each selected column's expression (what converters are given)
    converters: list  # (index, converters) of the columns that have any


_SHAPES: dict[tuple, _LookupShape] = {}


def _lookup_shape(model, names: tuple[str, ...], *, scoped: bool, using: str, limit: int | None) -> _LookupShape:
    key = (model, names, scoped, using, limit)
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _SHAPES[key] = _build_lookup(model, names, scoped=scoped, using=using, limit=limit)
    return shape


def _build_lookup(model, names: tuple[str, ...], *, scoped: bool, using: str, limit: int | None) -> _LookupShape:
    connection = connections[using]
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    concrete = list(meta.concrete_fields)
    columns = [field.get_col(meta.db_table) for field in concrete]
    fields = [meta.pk if name == "pk" else meta.get_field(name) for name in names]
    where = [f"{table}.{connection.ops.quote_name('tenant_id')} = %s"] if scoped else []
    where += [f"{table}.{connection.ops.quote_name(field.column)} = %s" for field in fields]
    selected = ", ".join(f"{table}.{connection.ops.quote_name(field.column)}" for field in concrete)
    pk = f"{table}.{connection.ops.quote_name(meta.pk.column)}"
    sql = f"SELECT {selected} FROM {table} WHERE {' AND '.join(where) or 'TRUE'} ORDER BY {pk}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    converters = []
    for index, column in enumerate(columns):
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found))
    return _LookupShape(sql, fields, [field.attname for field in concrete], columns, converters)
