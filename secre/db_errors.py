"""Reading what a database error means, without its message (which quotes the values it refused)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint an IntegrityError violated (PostgreSQL's diagnostics), or None."""
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


@contextmanager
def constraint_as(constraints: dict[str, Callable[[], Exception]], *, using: str | None = None) -> Iterator[None]:
    """Run the block in a savepoint; when it violates one of ``constraints`` (name -> the exception to
    raise instead), roll back to the savepoint and raise that: the database decides races, the loser
    gets a clean 409. Other integrity errors propagate."""
    try:
        with transaction.atomic(using=using):
            yield
    except IntegrityError as exc:
        make = constraints.get(violated_constraint(exc) or "")
        if make is None:
            raise
        raise make() from None
