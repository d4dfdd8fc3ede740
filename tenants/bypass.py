"""The one named bypass of tenant isolation: ``operator_access()``.

Every place that reads or writes across tenants goes through this context manager, so
``grep -rn operator_access`` finds them all: the operator console (platform operators in the admin),
the platform API's tenant list, and cross-tenant jobs.

How it works: the ``console`` database connection logs in as ``secre_console`` (NOINHERIT: no power
of its own) and, inside a transaction, runs ``SET LOCAL ROLE secre_operator``; a policy on every
tenant table lets that role see every row. The API's runtime role is not a member of
``secre_operator``, so no SQL on an API connection can escalate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

from tenants.rls import OPERATOR_ROLE

OPERATOR_DB = "console"


@contextmanager
def operator_access() -> Iterator[str]:
    """Run the block with cross-tenant access; yields the database alias to query (``console``).

    Querysets must name it: ``Patient.objects.using(alias)``. The role lasts until the block ends.
    """
    with transaction.atomic(using=OPERATOR_DB):
        with connections[OPERATOR_DB].cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {OPERATOR_ROLE}")
        yield OPERATOR_DB
        if not connections[OPERATOR_DB].needs_rollback:
            with connections[OPERATOR_DB].cursor() as cursor:
                cursor.execute("SET LOCAL ROLE NONE")
