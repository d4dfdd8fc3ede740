"""Writes on tenants: creating a clinic, its staff, platform operators."""

from __future__ import annotations

import secrets
from uuid import UUID

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from uuid_utils.compat import uuid7

from tenants import roles
from tenants.auth import username_available
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.models import Tenant, User

USERNAME_TAKEN = "This username is not available."


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


def staff_create(
    *,
    tenant: Tenant,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, str | None]:
    """Create a clinic staff member (console user) of ``tenant`` in the ``role`` group (Owner,
    Assistant or Doctor; tenants/roles.py), inside the tenant's context.

    ``password`` None generates one (returned, so the caller can hand it over once; it is stored only
    as an Argon2 hash); a given one must pass the password validators. Returns ``(user, generated
    password or None)``. Raises django ``ValidationError`` naming ``username`` (taken in any tenant:
    usernames are global), ``password`` or ``role``.
    """
    if role not in roles.STAFF_ROLES:
        raise ValidationError({"role": f"One of {', '.join(roles.STAFF_ROLES)}."})
    if not username_available(username):
        raise ValidationError({"username": USERNAME_TAKEN})
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(12)
    user = User(tenant=tenant, username=username, email=email, first_name=first_name, last_name=last_name)
    user.is_staff = True
    with tenant_context(tenant.id):
        user.full_clean(exclude=["password"], validate_unique=False)
        validate_password(password, user)
        user.set_password(password)
        user.save(force_insert=True)
        user.groups.add(Group.objects.get(name=role))
    return user, generated


def operator_create(*, username: str, password: str, superuser: bool = True, email: str = "") -> User:
    """Create a platform operator (no tenant) through the operator path; ``superuser`` False makes an
    operator whose rights come from groups. Raises django ``ValidationError`` (username, password)."""
    if not username_available(username):
        raise ValidationError({"username": USERNAME_TAKEN})
    user = User(username=username, email=email, is_staff=True, is_superuser=superuser)
    user.full_clean(exclude=["password"], validate_unique=False)
    validate_password(password, user)
    user.set_password(password)
    with operator_access() as alias:
        user.save(using=alias, force_insert=True)
    return user


def idempotency_records_purge() -> int:
    """Delete expired idempotency records of every tenant (cross-tenant: the operator bypass).
    Returns how many were deleted."""
    from django.utils import timezone

    from tenants.bypass import operator_access
    from tenants.models import IdempotentRequest

    with operator_access() as alias:
        deleted, _ = IdempotentRequest.objects.using(alias).filter(expires_at__lte=timezone.now()).delete()
    return deleted
