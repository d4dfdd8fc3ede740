"""The tenant context: the one place that sets ``app.tenant_id`` on a database connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from tenants.rls import TENANT_SETTING

# The tenant each connection alias is in, as tenant_context set it (in this thread or task): what the
# ORM adds to every query of a tenant table (tenants/scoping.py), beside the database's own setting.
_SCOPES: ContextVar[dict[str, str] | None] = ContextVar("secre_tenant_scopes", default=None)
NOT_SCOPED = object()


@contextmanager
def tenant_context(tenant_id: UUID | str | None, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block in a transaction whose queries see only ``tenant_id``'s rows.

    ``None`` sets the empty tenant: row-level security then shows no rows and refuses every write
    (fail-closed). The setting is transaction-local (``set_config(..., true)``); when the block
    is nested in an outer transaction (a savepoint, as in tests), the previous value is restored
    on exit so an inner tenant never leaks to the outer block; the outermost block's transaction
    ends with it, taking the setting along.
    """
    value = "" if tenant_id is None else str(UUID(str(tenant_id)))
    token = _SCOPES.set({**(_SCOPES.get() or {}), using: value})
    try:
        with _database_tenant(value, using):
            yield
    finally:
        _SCOPES.reset(token)


@contextmanager
def _database_tenant(value: str, using: str) -> Iterator[None]:
    # Outermost in autocommit mode (a request's block): the transaction ends with the block and the
    # setting with it, so there is nothing to restore (one round trip fewer per request).
    nested = connections[using].in_atomic_block or not connections[using].get_autocommit()
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT current_setting(%s, true), set_config(%s, %s, true)",
                [TENANT_SETTING, TENANT_SETTING, value],
            )
            previous = cursor.fetchone()[0] or ""
        yield
        # A failed query leaves the block to be rolled back, which restores the value by itself.
        if nested and previous != value and not connections[using].needs_rollback:
            with connections[using].cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, true)", [TENANT_SETTING, previous])


@contextmanager
def across_tenants() -> Iterator[None]:
    """Inside, the ORM adds no tenant to any query (tenants/scoping.py) until a nested
    ``tenant_context`` sets one: for ``tenants.bypass.operator_access()``, whose querysets are built
    on the default manager and then sent to the console alias, where the operator role's policy
    decides. RLS is untouched: the default connection still sees only its own tenant."""
    token = _SCOPES.set(None)
    try:
        yield
    finally:
        _SCOPES.reset(token)


def scoped_tenant(*, using: str = DEFAULT_DB_ALIAS):
    """The tenant id (str) ``tenant_context`` set for ``using`` in this thread, ``""`` for the empty
    tenant, or :data:`NOT_SCOPED` outside any tenant context (cross-tenant work: operators, jobs)."""
    return (_SCOPES.get() or {}).get(using, NOT_SCOPED)


def tenant_setting_sql(tenant_column: str) -> str:
    """The select-list expression that enters the tenant named by ``tenant_column`` (a uuid column, or
    NULL for none) for the rest of the transaction: ``set_config('app.tenant_id', ..., true)``.

    For a statement that finds the tenant and enters its context in one round trip: the API key
    resolution of a request (tenants/api_keys.py, tenants/middleware.py). Only inside the request's
    outermost transaction (``transaction.atomic()``): the setting ends with it, so nothing needs
    restoring. When the statement returns no row nothing is set and row-level security shows
    nothing (fail-closed).
    """
    return f"set_config('{TENANT_SETTING}', coalesce(({tenant_column})::text, ''), true)"


def tenant_setting_restore(tenant_id: UUID | None, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Put ``tenant_id`` (as read by :func:`current_tenant_id`) back after a nested block that entered
    another tenant with :func:`tenant_setting_sql` (a request inside a test's transaction)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [TENANT_SETTING, "" if tenant_id is None else str(tenant_id)])


@contextmanager
def entered_tenant_scope(tenant_id: UUID | str | None, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """The ORM's tenant scope (tenants/scoping.py) for the rest of a transaction whose statement already
    entered ``tenant_id`` in the database (:func:`tenant_setting_sql`): what :func:`tenant_context`
    does, without its statement. The request's key resolution (tenants/middleware.py)."""
    value = "" if tenant_id is None else str(UUID(str(tenant_id)))
    token = _SCOPES.set({**(_SCOPES.get() or {}), using: value})
    try:
        yield
    finally:
        _SCOPES.reset(token)


def current_tenant_id(*, using: str = DEFAULT_DB_ALIAS) -> UUID | None:
    """The tenant set on the connection right now, or None."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT NULLIF(current_setting(%s, true), '')", [TENANT_SETTING])
        value = cursor.fetchone()[0]
    return UUID(value) if value else None
