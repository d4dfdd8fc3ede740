"""Writes of the tenant's catalogs: its own modality and appointment-type codes, its clinics.

Codes and clinic names are unique per tenant: the database decides concurrent creates."""

from __future__ import annotations

from appointments.catalogs import CATALOGS
from appointments.errors import CatalogCodeExists
from appointments.models import Clinic
from secre.db_errors import constraint_as
from tenants.models import Tenant

CLINIC_NAME_CONSTRAINT = "appointments_clinic_name_uniq"


def catalog_entry_create(*, tenant: Tenant, kind: str, code: str, name: str):
    """Add a tenant code to the ``modality`` or ``appointment_type`` catalog; CatalogCodeExists (409)
    when the code is a default or already added."""
    model, defaults = CATALOGS[kind]
    if code in defaults or model.objects.filter(code=code).exists():
        raise CatalogCodeExists(catalogCode=code)
    entry = model(tenant=tenant, code=code, name=name)
    unique = f"appointments_{model._meta.model_name}_code_uniq"
    with constraint_as({unique: lambda: CatalogCodeExists(catalogCode=code)}):
        entry.save(force_insert=True)
    return entry


def catalog_entry_update(*, entry, name: str):
    """Rename a tenant's catalog code (the code itself is what appointments store: it stays)."""
    entry.name = name
    entry.save(update_fields=["name"])
    return entry


def catalog_entry_delete(*, entry) -> None:
    """Remove a tenant's code; appointments that carry it keep it as text."""
    entry.delete()


def clinic_create(*, tenant: Tenant, name: str, address: str | None = None) -> Clinic:
    """Add a place of care; CatalogCodeExists (409, ``name``) when the tenant has one of that name."""
    if Clinic.objects.filter(name=name).exists():
        raise CatalogCodeExists("A clinic with this name already exists.", name=name)
    clinic = Clinic(tenant=tenant, name=name, address=address)
    with constraint_as(
        {CLINIC_NAME_CONSTRAINT: lambda: CatalogCodeExists("A clinic with this name already exists.", name=name)}
    ):
        clinic.save(force_insert=True)
    return clinic


def clinic_update(*, clinic: Clinic, data: dict) -> Clinic:
    """Rename, move or deactivate a clinic (``is_active``; clinics with appointments are never deleted)."""
    for attr, value in data.items():
        setattr(clinic, attr, value)
    with constraint_as(
        {CLINIC_NAME_CONSTRAINT: lambda: CatalogCodeExists("A clinic with this name already exists.", name=clinic.name)}
    ):
        clinic.save()
    return clinic
