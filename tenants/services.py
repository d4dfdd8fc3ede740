"""Writes on tenants: creating a clinic, its staff, platform operators."""

from __future__ import annotations

import secrets
from uuid import UUID

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone
from uuid_utils.compat import uuid7

from secre import encryption
from secre.db_errors import violated_constraint
from secre.problems import NotFound
from tenants import roles
from tenants.api_keys import api_key_create
from tenants.auth import username_available
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.models import ConsoleSession, IdempotentRequest, Tenant, TenantAPIKey, User
from tenants.signals import tenant_created

USERNAME_TAKEN = "This username is not available."


def tenant_create(*, name: str, timezone: str | None = None, tenant_id: UUID | None = None) -> Tenant:
    """Create a tenant (clinic). ``timezone`` is an IANA name (default: settings); ``tenant_id``
    is normally generated (UUIDv7) and given only by fixtures such as the demo tenant. The apps set up
    what a clinic starts with (``tenants.signals.tenant_created``) in the same transaction.

    The row is written inside its own tenant context: RLS lets nobody insert a tenant row that
    is not the current tenant. Raises django ``ValidationError`` on a bad name or time zone.
    """
    tenant = Tenant(id=tenant_id or uuid7(), name=name)
    if timezone:
        tenant.timezone = timezone
    tenant.full_clean()
    with tenant_context(tenant.id):  # one transaction: the tenant and what the apps add
        tenant.save(force_insert=True)
        # The apps above set up what every clinic starts with (tenants/signals.py).
        tenant_created.send(sender=Tenant, tenant=tenant)
    return tenant


def tenant_update(*, tenant_id: UUID, data: dict) -> Tenant:
    """Change name, time zone, rate limit, reminder lead or ``is_active`` (False: its keys stop working
    at once, since every request checks the tenant), on the row locked, in the tenant's own context.
    NotFound (404) for an unknown id; django ValidationError on bad values."""
    with tenant_context(tenant_id):
        tenant = Tenant.objects.select_for_update().filter(pk=tenant_id).first()
        if tenant is None:
            raise NotFound("No tenant with this id.")
        for attr, value in data.items():
            setattr(tenant, attr, value)
        tenant.full_clean()
        tenant.save(update_fields=list(data))
    return tenant


def tenant_bootstrap(
    *, name: str, timezone: str | None, key_name: str, scopes: list[str] | None = None
) -> tuple[Tenant, TenantAPIKey, str]:
    """A tenant and its first API key, in one transaction (seed 001's bootstrap). Returns the tenant,
    the key and its plaintext (shown once). Raises django ValidationError on a bad name or zone."""
    with transaction.atomic():
        tenant = tenant_create(name=name, timezone=timezone)
        with tenant_context(tenant.id):
            api_key, plaintext = api_key_create(tenant=tenant, name=key_name, scopes=scopes)
    return tenant, api_key, plaintext


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


def staff_save(*, user: User, by_operator: bool, groups=None) -> User:
    """Save a staff member's changes from the console (and set their roles when ``groups`` is given).

    By a clinic's Owner: the user is staff of the Owner's own clinic and never a superuser — the rule
    the database's restrictive policy keeps too; saved in that tenant's context. By a platform
    operator: through the operator path (operators and superusers are written nowhere else). A
    superuser has no clinic: ValidationError naming ``is_superuser`` otherwise.
    """
    if user.is_superuser and user.tenant_id is not None:
        raise ValidationError({"is_superuser": "A superuser is a platform operator and belongs to no clinic."})
    if by_operator:
        try:
            with operator_access() as alias:
                user.save(using=alias)
                if groups is not None:
                    user.groups.set(groups)
        except IntegrityError as exc:
            if not (violated_constraint(exc) or "").endswith("_same_tenant_fk"):
                raise
            raise ValidationError(
                {"tenant": "Records of the present clinic name this user (a doctor's login)."}
            ) from None
        return user
    user.is_superuser = False
    user.save(using=DEFAULT_DB_ALIAS)
    if groups is not None:
        user.groups.set(groups)
    return user


def staff_password_set(*, user: User, password: str | None) -> User:
    """A new console password (Argon2), or none at all (``None``: the user cannot sign in with one),
    saved on the user's own connection (the staff member's tenant, or the operator path)."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    if user.tenant_id is None:
        with operator_access() as alias:
            user.save(using=alias, update_fields=["password"])
    else:
        with tenant_context(user.tenant_id):
            user.save(using=DEFAULT_DB_ALIAS, update_fields=["password"])
    return user


def role_save(*, group: Group, permissions) -> Group:
    """A console role (a Django group) and its permissions: the operator role alone writes them."""
    with operator_access() as alias:
        group.save(using=alias)
        group.permissions.set(permissions)
    return group


def idempotency_records_purge() -> int:
    """Delete expired idempotency records of every tenant (cross-tenant: the operator bypass).
    Returns how many were deleted."""
    with operator_access() as alias:
        deleted, _ = IdempotentRequest.objects.using(alias).filter(expires_at__lte=timezone.now()).delete()
    return deleted


def sign_in_attempts_purge() -> int:
    """Forget failed console sign-ins (usernames, addresses) once their lockout has cooled off."""
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - settings.AXES_COOLOFF_TIME).delete()
    return deleted


def console_sessions_purge() -> int:
    """Delete expired console sessions (Django's ``clearsessions``, counted). Returns how many."""
    deleted, _ = ConsoleSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def encrypted_columns() -> list[tuple[str, str]]:
    """Every ``(table, column)`` holding an encrypted field (secre/encryption.py), across the apps."""
    return [
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, encryption.EncryptedTextField)
    ]


def encrypted_columns_rotate(*, batch_size: int = 1000) -> dict[str, int]:
    """Encrypt legacy plaintext and re-encrypt values under older keys, so that every encrypted column
    holds ciphertext of the first ``FIELD_ENCRYPTION_KEYS`` key; older keys can then be removed.

    Batched by primary key (each batch its own transaction), and resumable: values already under the
    first key are skipped, so an interrupted run is simply run again. Crosses tenants: the operator
    bypass (the owner role sees no tenant rows). Returns ``{"table.column": values rewritten}``.
    """
    rewritten: dict[str, int] = {}
    for table, column in encrypted_columns():
        count, last_id = 0, None
        while True:
            with operator_access() as alias, connections[alias].cursor() as cursor:
                after = "" if last_id is None else "WHERE id > %s"
                cursor.execute(
                    f'SELECT id, "{column}" FROM "{table}" {after} ORDER BY id LIMIT %s FOR UPDATE',
                    [last_id, batch_size] if last_id is not None else [batch_size],
                )
                rows = cursor.fetchall()
                changes = [
                    (encryption.rotated(value), row_id)
                    for row_id, value in rows
                    if value is not None and not encryption.is_current(value)
                ]
                if changes:
                    cursor.executemany(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', changes)
            if not rows:
                break
            count += len(changes)
            last_id = rows[-1][0]
        rewritten[f"{table}.{column}"] = count
    return rewritten
