"""Argument helpers for ops commands that act inside one tenant."""

import uuid

from django.core.management.base import CommandError

from tenants.models import Tenant, TenantAPIKey


def parse_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"{what} must be a UUID, got {value!r}.") from None


def tenant_in_context(tenant_id: uuid.UUID) -> Tenant:
    """The tenant row; call inside ``tenant_context(tenant_id)`` (RLS shows nothing otherwise)."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise CommandError(f"No tenant {tenant_id}.")
    return tenant


def api_key_in_context(key_id: uuid.UUID) -> TenantAPIKey:
    api_key = TenantAPIKey.objects.select_related("tenant").filter(pk=key_id).first()
    if api_key is None:
        raise CommandError(f"No API key {key_id} in this tenant.")
    return api_key
