"""Every ORM query of a tenant table names its tenant explicitly, as well as RLS filtering it.

RLS is the wall; this is defence in depth, and what a distributed PostgreSQL (Citus, docs/scaling.md)
needs to route a query to one shard, since RLS predicates do not route (citus#7415). Inside
``tenant_context(tenant)`` (the middleware's, the console's, a job's), the default manager of every
tenant model adds ``WHERE tenant_id = <tenant>``; outside one (operator_access() work across
tenants) it adds nothing, and RLS with the operator role decides.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, models

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
