"""Reads on patients. Every query runs under the caller's tenant context: RLS does the scoping."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from patients.models import DocumentType, Eps, Gender, Patient
from secre.path_params import could_be_document_number
from secre.problems import NotFound


def patient_get(*, patient_id: UUID) -> Patient:
    """The patient with this id in the current tenant. Raises NotFound (404), also for another
    tenant's id (RLS hides it: the two cases cannot be told apart)."""
    try:
        return Patient.objects.get(pk=patient_id)
    except Patient.DoesNotExist:
        raise NotFound("No patient with this id.") from None


def patient_find_by_document(*, document_type_id: int, document_number: str) -> Patient | None:
    """The tenant's patient with this document, or None (also for a number no document can have)."""
    if not could_be_document_number(document_number):
        return None
    return Patient.objects.filter(document_type_id=document_type_id, document_number=document_number).first()


def patient_get_by_document(*, document_type_id: int, document_number: str) -> Patient:
    """Like :func:`patient_find_by_document`; raises NotFound (404) when there is none."""
    patient = patient_find_by_document(document_type_id=document_type_id, document_number=document_number)
    if patient is None:
        raise NotFound("No patient with this document.")
    return patient


def patient_list(*, filters: dict[str, Any], window: tuple[UUID | None, int] | None = None) -> QuerySet[Patient]:
    """Patients matching ``filters`` (validated PatientFilterSerializer data), in id order.

    ``window`` — ``(after id, limit)``, the keyset page the caller will read
    (StablePagination.forward_window) — lets a name search stop at that page instead of finding every
    match of a common name; it is used only when the name is the only filter (another filter could
    drop rows of the window and end the page early).

    * documentTypeId / documentNumber: exact;  email: case-insensitive exact;
    * phone: E.164, matches phone or cellPhone;
    * name: contains, across the four name parts, accent- and case-insensitive; ``%`` and ``_``
      are literal. Through ``secre_patient_ids_by_name`` (patients/migrations/0007), the one way a
      trigram index serves it under RLS: it filters on the current tenant itself and returns ids;
    * updatedSince: updatedAt >= the given time.
    """
    queryset = Patient.objects.all()
    if "documentTypeId" in filters:
        queryset = queryset.filter(document_type_id=filters["documentTypeId"])
    if "documentNumber" in filters:
        queryset = queryset.filter(document_number=filters["documentNumber"])
    if "email" in filters:
        queryset = queryset.filter(email__iexact=filters["email"])
    if "phone" in filters:
        number = str(filters["phone"])
        queryset = queryset.filter(Q(phone=number) | Q(cell_phone=number))
    if filters.get("name"):
        only_name = window is not None and not (filters.keys() - {"name", "pageSize", "cursor"})
        after, limit = window if only_name else (None, None)
        queryset = queryset.filter(
            id__in=RawSQL("SELECT secre_patient_ids_by_name(%s, %s, %s)", (filters["name"], after, limit))
        )
    if "updatedSince" in filters:
        updated_since: datetime = filters["updatedSince"]
        queryset = queryset.filter(updated_at__gte=updated_since)
    return queryset.order_by("id")


def document_type_list() -> QuerySet[DocumentType]:
    return DocumentType.objects.filter(is_active=True).order_by("id")


def gender_list() -> QuerySet[Gender]:
    return Gender.objects.filter(is_active=True).order_by("id")


def eps_list() -> QuerySet[Eps]:
    return Eps.objects.filter(is_active=True).order_by("id")
