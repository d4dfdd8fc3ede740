"""Writes of the tenant's catalogs: its own modality and appointment-type codes, its clinics.

Codes and clinic names are unique per tenant: the database decides concurrent creates. Every clinic
has the default appointment types (appointments/catalogs.py), which cannot be deleted."""

from __future__ import annotations

from typing import Any

from appointments.catalogs import CATALOGS, DEFAULT_APPOINTMENT_TYPES
from appointments.errors import AppointmentTypeIsDefault, CatalogCodeExists
from appointments.models import AppointmentType, Clinic
from secre.db_errors import constraint_as
from tenants.models import Tenant

CLINIC_NAME_CONSTRAINT = "appointments_clinic_name_uniq"


def appointment_types_create_defaults(*, tenant: Tenant) -> None:
    """Give a new clinic the default appointment types (``primera_vez``, ``control``; no duration, no
    buffers), in its context: the receiver of ``tenants.signals.tenant_created``."""
    AppointmentType.objects.bulk_create(
        [
            AppointmentType(tenant=tenant, code=code, name=name, is_default=True)
            for code, name in DEFAULT_APPOINTMENT_TYPES.items()
        ]
    )


def catalog_entry_create(*, tenant: Tenant, kind: str, code: str, name: str, **extra: Any):
    """Add a tenant code to the ``modality`` or ``appointment_type`` catalog (``extra``: an appointment
    type's duration_minutes, buffer_before_minutes, buffer_after_minutes); CatalogCodeExists (409) when
    the code is a default or already added."""
    model, built_in = CATALOGS[kind]
    if code in built_in or model.objects.filter(code=code).exists():
        raise CatalogCodeExists(catalogCode=code)
    entry = model(tenant=tenant, code=code, name=name, **extra)
    unique = f"appointments_{model._meta.model_name}_code_uniq"
    with constraint_as({unique: lambda: CatalogCodeExists(catalogCode=code)}):
        entry.save(force_insert=True)
    return entry


def catalog_entry_update(*, entry, name: str | None = None, **extra: Any):
    """Rename a catalog code, or change an appointment type's duration and buffers (``extra``; the
    defaults' too). The code itself is what appointments store: it stays. Bookings already made keep
    the buffers they were made with."""
    if name is not None:
        entry.name = name
    for attr, value in extra.items():
        setattr(entry, attr, value)
    entry.full_clean(exclude=["tenant", "code"], validate_unique=False, validate_constraints=False)
    entry.save(update_fields=["name", *extra])
    return entry


def catalog_entry_delete(*, entry) -> None:
    """Remove a tenant's code; appointments that carry it keep it as text. AppointmentTypeIsDefault
    (409) for the default appointment types."""
    if getattr(entry, "is_default", False):
        raise AppointmentTypeIsDefault()
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
