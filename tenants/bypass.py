"""The one named bypass of tenant isolation, ``operator_access()``, and sign-in's narrow door,
``sign_in_access()``.

Every place that reads or writes across tenants goes through ``operator_access()``, so
``grep -rn operator_access`` finds them all: the operator console (platform operators in the admin),
the platform API's tenant list, and cross-tenant jobs. ``sign_in_access()`` reads staff rows before
any tenant is known (checking a password, loading a session's user, checking that a username is
free) and can do nothing else: ``grep -rn sign_in_access`` finds its three uses in tenants/auth.py.

How it works: the ``console`` database connection logs in as ``secre_console`` (NOINHERIT: no power
of its own) and, inside a transaction, runs ``SET LOCAL ROLE secre_operator`` (a policy on every
tenant table lets that role see every row) or ``SET LOCAL ROLE secre_auth`` (a SELECT-only policy on
the staff table alone). The API's runtime role is a member of neither, so no SQL on an API
connection can escalate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

from tenants.context import across_tenants
from tenants.rls import AUTH_ROLE, OPERATOR_ROLE

OPERATOR_DB = "console"


@contextmanager
def _console_role(role: str) -> Iterator[str]:
    """Run the block on the console connection as ``role``; nested use restores the outer role."""
    with transaction.atomic(using=OPERATOR_DB):
        with connections[OPERATOR_DB].cursor() as cursor:
            cursor.execute("SELECT current_user")
            previous = cursor.fetchone()[0]
            if previous != role:
                cursor.execute(f"SET LOCAL ROLE {role}")
        yield OPERATOR_DB
        if previous != role and not connections[OPERATOR_DB].needs_rollback:
            with connections[OPERATOR_DB].cursor() as cursor:
                # The login role itself is "no role set"; an outer block's role is restored.
                if previous in (OPERATOR_ROLE, AUTH_ROLE):
                    cursor.execute(f"SET LOCAL ROLE {previous}")
                else:
                    cursor.execute("SET LOCAL ROLE NONE")


@contextmanager
def operator_access() -> Iterator[str]:
    """Run the block with cross-tenant access; yields the database alias to query (``console``).

    Querysets must name it: ``Patient.objects.using(alias)``. The role lasts until the block ends;
    nesting is allowed (the inner block is a savepoint).
    """
    with _console_role(OPERATOR_ROLE) as alias, across_tenants():
        yield alias


@contextmanager
def sign_in_access() -> Iterator[str]:
    """Read staff rows (only them, and only reads) before any tenant is known: the console's sign-in,
    session loading and the username-availability check. Yields the alias to query (``console``)."""
    with _console_role(AUTH_ROLE) as alias:
        yield alias
