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

    def _insert(self, objs, fields, **kwargs):
        """The INSERT of ``Model.save()`` (``_do_insert`` calls it on the base manager): an INSERT has
        no WHERE clause, so the tenant filter :meth:`get_queryset` adds would be built on every save
        only to be dropped — three per patient POST (patient, audit entry, event; issue 16's profile).
        The row's own ``tenant_id``, checked by RLS's WITH CHECK, is what scopes an insert."""
        return super().get_queryset()._insert(objs, fields, **kwargs)


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

    def lookup_window(
        self, either: tuple[str, ...], value: Any, *, after: Any | None, limit: int
    ) -> list[models.Model]:
        """The rows where any of the fields ``either`` equals ``value``, in primary-key order, after the
        primary key ``after`` (None: from the first), at most ``limit`` of them —
        ``list(filter(Q(a=value) | Q(b=value), pk__gt=after).order_by("pk")[:limit])`` through a statement
        built once, as :meth:`lookup_one`. For a keyset page read in one statement
        (secre.pagination.ReadWindow), such as the patients with a phone number."""
        return self._lookup({}, either=(either, value), after=after, limit=limit)

    def _lookup(
        self,
        equal: dict[str, Any],
        *,
        limit: int | None,
        either: tuple[tuple[str, ...], Any] | None = None,
        after: Any | None = None,
    ) -> list[models.Model]:
        using = self._db or DEFAULT_DB_ALIAS
        tenant = scoped_tenant(using=using)
        connection = connections[using]
        either_names, either_value = either or ((), None)
        shape = _lookup_shape(
            self.model,
            tuple(equal),
            scoped=tenant is not NOT_SCOPED,
            using=using,
            limit=limit,
            either=either_names,
            after=after is not None,
        )
        params = [] if tenant is NOT_SCOPED else [tenant or None]
        params += [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(shape.fields, equal.values(), strict=True)
        ]
        # One value compared with each field of ``either``: prepared once (they share its type).
        if shape.either:
            prepared = shape.either[0].get_db_prep_value(either_value, connection, prepared=False)
            params += [prepared] * len(shape.either)
        if after is not None:
            params.append(self.model._meta.pk.get_db_prep_value(after, connection, prepared=False))
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
    either: list  # the fields of which any may equal the one value
    attnames: list[str]
    columns: list  # each selected column's expression (what converters are given)
    converters: list  # (index, converters) of the columns that have any


_SHAPES: dict[tuple, _LookupShape] = {}


def _lookup_shape(
    model, names: tuple[str, ...], *, scoped: bool, using: str, limit: int | None, either: tuple[str, ...], after: bool
) -> _LookupShape:
    key = (model, names, scoped, using, limit, either, after)
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _SHAPES[key] = _build_lookup(
            model, names, scoped=scoped, using=using, limit=limit, either=either, after=after
        )
    return shape


def _build_lookup(
    model, names: tuple[str, ...], *, scoped: bool, using: str, limit: int | None, either: tuple[str, ...], after: bool
) -> _LookupShape:
    connection = connections[using]
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    concrete = list(meta.concrete_fields)
    columns = [field.get_col(meta.db_table) for field in concrete]

    def field_of(name: str):
        return meta.pk if name == "pk" else meta.get_field(name)

    def column_of(field) -> str:
        return f"{table}.{connection.ops.quote_name(field.column)}"

    fields = [field_of(name) for name in names]
    alternatives = [field_of(name) for name in either]
    if len({type(field) for field in alternatives}) > 1:
        raise ValueError(f"lookup_window compares one value with fields of one type, not {either}")
    pk = column_of(meta.pk)
    where = [f"{table}.{connection.ops.quote_name('tenant_id')} = %s"] if scoped else []
    where += [f"{column_of(field)} = %s" for field in fields]
    if alternatives:
        where.append("(" + " OR ".join(f"{column_of(field)} = %s" for field in alternatives) + ")")
    if after:
        where.append(f"{pk} > %s")
    selected = ", ".join(column_of(field) for field in concrete)
    sql = f"SELECT {selected} FROM {table} WHERE {' AND '.join(where) or 'TRUE'} ORDER BY {pk}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    converters = []
    for index, column in enumerate(columns):
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found))
    return _LookupShape(sql, fields, alternatives, [field.attname for field in concrete], columns, converters)
