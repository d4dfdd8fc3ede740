"""Writes on tenants: creating a clinic."""

from __future__ import annotations

from uuid import UUID

from uuid_utils.compat import uuid7

from tenants.context import tenant_context
from tenants.models import Tenant


def tenant_create(*, name: str, timezone: str | None = None, tenant_id: UUID | None = None) -> Tenant:
    """Create a tenant (clinic). ``timezone`` is an IANA name (default: settings); ``tenant_id``
    is normally generated (UUIDv7) and given only by fixtures such as the demo tenant.

    The row is written inside its own tenant context: RLS lets nobody insert a tenant row that
    is not the current tenant. Raises django ``ValidationError`` on a bad name or time zone.
    """
    tenant = Tenant(id=tenant_id or uuid7(), name=name)
    if timezone:
        tenant.timezone = timezone
    tenant.full_clean()
    with tenant_context(tenant.id):
        tenant.save(force_insert=True)
    return tenant


def tenant_update(*, tenant: Tenant, data: dict) -> Tenant:
    """Change name, time zone or ``is_active`` (False: its keys stop working at once, since every
    request checks the tenant). Runs in the tenant's own context. Raises django ValidationError."""
    for attr, value in data.items():
        setattr(tenant, attr, value)
    tenant.full_clean()
    tenant.save(update_fields=list(data))
    return tenant


def idempotency_records_purge() -> int:
    """Delete expired idempotency records of every tenant (cross-tenant: the operator bypass).
    Returns how many were deleted."""
    from django.utils import timezone

    from tenants.bypass import operator_access
    from tenants.models import IdempotentRequest

    with operator_access() as alias:
        deleted, _ = IdempotentRequest.objects.using(alias).filter(expires_at__lte=timezone.now()).delete()
    return deleted
