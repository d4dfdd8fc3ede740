"""Reads on tenants and keys."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from secre.problems import NotFound
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.models import Tenant, TenantAPIKey


def tenant_list_all() -> list[Tenant]:
    """Every tenant, oldest first: a platform read, through the operator bypass."""
    with operator_access() as alias:
        return list(Tenant.objects.using(alias).order_by("created_at", "id"))


def tenant_get(*, tenant_id: UUID) -> Tenant:
    """The tenant row, read in its own tenant context. NotFound (404) otherwise."""
    with tenant_context(tenant_id):
        tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise NotFound("No tenant with this id.")
    return tenant


def api_key_list() -> QuerySet[TenantAPIKey]:
    """The current tenant's keys, oldest first."""
    return TenantAPIKey.objects.order_by("created_at", "id")


def api_key_get(*, api_key_id: UUID) -> TenantAPIKey:
    api_key = TenantAPIKey.objects.select_related("tenant").filter(pk=api_key_id).first()
    if api_key is None:
        raise NotFound("No API key with this id.")
    return api_key
