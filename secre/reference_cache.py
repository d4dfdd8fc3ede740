"""An in-process cache of reference data: the rows of global catalogue tables (document types,
genders, EPS) that a write validates ids against.

Those tables change only by migration (the console shows them read-only: patients/admin.py), so a
process may keep them: a patient POST then looks up its three ids in memory instead of in three
statements. The cache holds a queryset's rows as one snapshot, keyed by model and filter; a miss
always falls back to the database (a row added since is found, never refused), and saving or
deleting a row of a cached model, or migrating, empties it. A row deactivated by a migration while
old workers run is still accepted by them until they restart (a deploy restarts them). Tenant
data never goes here: it is under row-level security and per tenant.
"""

from __future__ import annotations

import threading

from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_migrate, post_save

_lock = threading.Lock()
_snapshots: dict[tuple[type[Model], str], dict[object, Model]] = {}
_watched: set[type[Model]] = set()


def reference_row(queryset: QuerySet, pk: object) -> Model | None:
    """The row of ``queryset`` with primary key ``pk``, from this process's snapshot of it (taken by
    one query on first use), or None when the snapshot has none (the caller asks the database). A
    tenant model's queryset is never cached (always None)."""
    if _is_tenant_data(queryset.model):
        return None  # never cached: per tenant, under row-level security
    key = (queryset.model, str(queryset.query.where))
    rows = _snapshots.get(key)
    if rows is None:
        rows = {row.pk: row for row in queryset.all()}
        with _lock:
            _watch(queryset.model)
            _snapshots[key] = rows
    return rows.get(pk)


def reference_cache_clear(**kwargs) -> None:
    """Forget every snapshot (a signal receiver: saves, deletes, migrations; tests call it too)."""
    with _lock:
        _snapshots.clear()


def _is_tenant_data(model: type[Model]) -> bool:
    return any(field.name == "tenant" for field in model._meta.concrete_fields)


def reference_lookup(queryset: QuerySet, pk: object) -> Model | None:
    """The row of ``queryset`` with primary key ``pk``: from the snapshot (:func:`reference_row`), else
    from the database (a row added since the snapshot is found, never refused); None when neither has it."""
    row = reference_row(queryset, pk)
    return row if row is not None else queryset.filter(pk=pk).first()


def _watch(model: type[Model]) -> None:
    if model in _watched:
        return
    _watched.add(model)
    uid = f"secre.reference_cache.{model._meta.label}"
    post_save.connect(reference_cache_clear, sender=model, weak=False, dispatch_uid=f"{uid}.save")
    post_delete.connect(reference_cache_clear, sender=model, weak=False, dispatch_uid=f"{uid}.delete")


post_migrate.connect(reference_cache_clear, weak=False, dispatch_uid="secre.reference_cache.migrate")
