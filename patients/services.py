"""Writes on patients: create, update (RFC 7396 merge of customFields), upsert by document, delete.

Each write also emits its event (patient.created/updated/deleted) into the webhook outbox, in the
same transaction.

Each service runs inside the caller's tenant context (the API middleware or ``tenant_context``).
Inputs are the ``validated_data`` of :class:`patients.serializers.PatientSerializer` (model
attribute names).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from patients.errors import PatientExists, PatientHasAppointments
from patients.models import Patient
from patients.selectors import patient_find_by_document
from patients.serializers import patient_representation
from secre.custom_fields import custom_fields_merge
from tenants.models import Tenant
from webhooks.events import event_emit

DOCUMENT_CONSTRAINT = "patients_patient_document_uniq"


def patient_create(*, tenant: Tenant, data: dict[str, Any]) -> Patient:
    """Create a patient. Raises PatientExists (409, with existingPatientId) when the tenant already
    has a patient with this (documentTypeId, documentNumber) — decided by the unique constraint
    alone (no read first: the insert is tried in a savepoint), so two concurrent creates cannot both
    succeed, and a new patient costs no lookup."""
    patient = Patient(tenant=tenant, **data)
    _save_unique(patient, force_insert=True)
    _emit(patient, "patient.created", created=True)
    return patient


def patient_update(*, patient: Patient, data: dict[str, Any]) -> Patient:
    """Apply a partial update: only the given fields change; ``None`` clears an optional field;
    ``custom_fields`` is merged per RFC 7396 (a key set to null is removed) and the result bounded
    (secre/custom_fields.py: 400 naming customFields). Changing the document to one another patient
    has is a PatientExists (409)."""
    data = dict(data)
    if "custom_fields" in data:
        data["custom_fields"] = custom_fields_merge(patient.custom_fields, data["custom_fields"])
    for attr, value in data.items():
        setattr(patient, attr, value)
    if {"document_type", "document_number"} & data.keys():
        other = patient_find_by_document(
            document_type_id=patient.document_type_id, document_number=patient.document_number
        )
        if other is not None and other.pk != patient.pk:
            raise PatientExists(existingPatientId=str(other.pk))
    _save_unique(patient)
    _emit(patient, "patient.updated")
    return patient


def patient_upsert_by_document(
    *, tenant: Tenant, document_type_id: int, document_number: str, data: dict[str, Any]
) -> tuple[Patient, bool]:
    """Create or update the patient with this document (what a bot does when it only knows the
    document). Returns ``(patient, created)``. Creating needs the required fields in ``data``."""
    existing = patient_find_by_document(document_type_id=document_type_id, document_number=document_number)
    if existing is not None:
        return patient_update(patient=existing, data=data), False
    return patient_create(tenant=tenant, data=data), True


def patient_delete(*, patient: Patient) -> None:
    """Delete a patient. Raises PatientHasAppointments (409) when appointments reference it:
    clinical records are kept (the foreign key is RESTRICT in the database as well)."""
    representation = patient_representation(patient)
    patient_id = patient.pk
    try:
        with transaction.atomic():
            patient.delete()
    except (ProtectedError, IntegrityError):
        raise PatientHasAppointments() from None
    event_emit(
        tenant_id=patient.tenant_id,
        type="patient.deleted",
        object_type="patient",
        object_id=patient_id,
        data=representation,
    )


def _emit(patient: Patient, event_type: str, *, created: bool = False) -> None:
    """The outbox event of a change (patient.created/updated), in the same transaction; ``created``:
    the patient was inserted by it (its first event, webhooks.events.events_emit)."""
    event_emit(
        tenant_id=patient.tenant_id,
        type=event_type,
        object_type="patient",
        object_id=patient.pk,
        data=patient_representation(patient),
        created=created,
    )


def _save_unique(patient: Patient, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            patient.save(**kwargs)
    except IntegrityError as exc:
        if DOCUMENT_CONSTRAINT not in str(exc):
            raise
        existing = patient_find_by_document(
            document_type_id=patient.document_type_id, document_number=patient.document_number
        )
        raise PatientExists(existingPatientId=str(existing.pk) if existing else None) from None
