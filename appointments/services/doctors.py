"""Writes of doctors (FHIR Practitioner), and the per-doctor lock every schedule change takes."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from appointments.errors import DoctorExists, DoctorHasAppointments
from appointments.models import Doctor
from appointments.selectors import doctor_find_by_document
from secre.db_errors import constraint_as
from tenants.models import Tenant

DOCTOR_DOCUMENT_CONSTRAINT = "appointments_doctor_document_uniq"


def doctor_lock(doctor: Doctor) -> None:
    """Serialise every change to one doctor's schedule (bookings, holds, weekly rules) until the
    transaction ends: a transaction-level advisory lock on (tenant, doctor). Checks made under it see
    every commit made before it was granted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"secre:doctor:{doctor.tenant_id}:{doctor.pk}"]
        )


def doctor_create(*, tenant: Tenant, data: dict[str, Any]) -> Doctor:
    """Create a doctor; DoctorExists (409, ``existingDoctorId``) when the document is taken (the unique
    constraint decides a race)."""
    existing = doctor_find_by_document(
        document_type_id=data["document_type"].pk, document_number=data["document_number"]
    )
    if existing is not None:
        raise DoctorExists(existingDoctorId=str(existing.pk))
    doctor = Doctor(tenant=tenant, **data)
    _save_doctor(doctor, force_insert=True)
    return doctor


def doctor_update(*, doctor: Doctor, data: dict[str, Any]) -> Doctor:
    """Partial update; DoctorExists (409) when moving to another doctor's document."""
    for attr, value in data.items():
        setattr(doctor, attr, value)
    other = doctor_find_by_document(document_type_id=doctor.document_type_id, document_number=doctor.document_number)
    if other is not None and other.pk != doctor.pk:
        raise DoctorExists(existingDoctorId=str(other.pk))
    _save_doctor(doctor)
    return doctor


def doctor_delete(*, doctor: Doctor) -> None:
    """Delete a doctor with their rules and blocked time; DoctorHasAppointments (409) if booked ever."""
    try:
        with transaction.atomic():
            doctor.delete()
    except (ProtectedError, IntegrityError):
        raise DoctorHasAppointments() from None


def _save_doctor(doctor: Doctor, **kwargs: Any) -> None:
    with constraint_as({DOCTOR_DOCUMENT_CONSTRAINT: DoctorExists}):
        doctor.save(**kwargs)
