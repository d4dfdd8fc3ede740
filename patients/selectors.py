"""Reads on patients. Every query runs under the caller's tenant context: RLS does the scoping."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from patients.models import DocumentType, Eps, Gender, NameSearch, Patient
from secre.pagination import ReadWindow
from secre.path_params import could_be_document_number
from secre.problems import NotFound


def patient_get(*, patient_id: UUID) -> Patient:
    """The patient with this id in the current tenant. Raises NotFound (404), also for another
    tenant's id (RLS hides it: the two cases cannot be told apart)."""
    patient = Patient.objects.lookup_one(pk=patient_id)
    if patient is None:
        raise NotFound("No patient with this id.")
    return patient


def patient_find_by_document(*, document_type_id: int, document_number: str) -> Patient | None:
    """The tenant's patient with this document, or None (also for a number no document can have)."""
    if not could_be_document_number(document_number):
        return None
    return Patient.objects.lookup_one(document_type_id=document_type_id, document_number=document_number)


def patient_get_by_document(*, document_type_id: int, document_number: str) -> Patient:
    """Like :func:`patient_find_by_document`; raises NotFound (404) when there is none."""
    patient = patient_find_by_document(document_type_id=document_type_id, document_number=document_number)
    if patient is None:
        raise NotFound("No patient with this document.")
    return patient


def _ids_by_name(needle: str, after: UUID | None = None, limit: int | None = None) -> RawSQL:
    """The ids of the current tenant's patients whose folded name contains ``needle`` (patients/migrations/0007:
    ``secre_patient_ids_by_name``, the one way an index serves a name search under RLS)."""
    return RawSQL("SELECT secre_patient_ids_by_name(%s, %s, %s)", (needle, after, limit))


def name_starts_with(value: str, *, field: str = "name_search") -> Q:
    """HL7 FHIR's ``name`` search (string, default starts-with): ``value`` begins a word of the name —
    any given name or surname, or the whole name — accent- and case-insensitively, compared on the
    ``name_search`` column (the name parts, lower-cased, accent-free, space-joined). ``jua`` finds
    "Juan Pérez", ``perez`` and ``juan pe`` too; ``uan`` does not. ``%`` and ``_`` are literal."""
    needle = NameSearch(Value(" ".join(value.split())))
    return Q(**{f"{field}__startswith": needle}) | Q(**{f"{field}__contains": Concat(Value(" "), needle)})


def patient_list(
    *, filters: dict[str, Any], window: tuple[UUID | None, int] | None = None
) -> QuerySet[Patient] | ReadWindow:
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
    * namePrefix: FHIR's starts-with on any name part (:func:`name_starts_with`; the FHIR facade's): the
      same function finds the names containing it, the rule keeps those where it starts a word;
    * documents: ``[(documentTypeId, documentNumber or None), ...]``, any of them (None: any number of
      that type); the FHIR facade's ``identifier``;
    * birthDateFrom / birthDateBefore: birthDate in ``[from, before)``;
    * updatedSince: updatedAt >= the given time.

    With a ``window`` and the phone as the only filter (a chatbot's "who is writing?"), the page is
    read at once through a statement built once (``lookup_window``) and returned as a
    :class:`~secre.pagination.ReadWindow`, which the paginator reads like the queryset: the same rows
    and links, without building the ORM's query on every message.
    """
    if window is not None and _only_filter(filters, "phone"):
        after, limit = window
        rows = Patient.objects.lookup_window(("phone", "cell_phone"), filters["phone"], after=after, limit=limit)
        return ReadWindow(rows, after=after, limit=limit)
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
        only_name = window is not None and _only_filter(filters, "name")
        after, limit = window if only_name else (None, None)
        queryset = queryset.filter(id__in=_ids_by_name(filters["name"], after, limit))
    if filters.get("namePrefix"):
        needle = " ".join(filters["namePrefix"].split())
        queryset = queryset.filter(name_starts_with(needle), id__in=_ids_by_name(needle))
    if "documents" in filters:
        queryset = queryset.filter(documents_q(filters["documents"]))
    if filters.get("birthDateFrom") is not None:
        queryset = queryset.filter(birth_date__gte=filters["birthDateFrom"])
    if filters.get("birthDateBefore") is not None:
        queryset = queryset.filter(birth_date__lt=filters["birthDateBefore"])
    if "updatedSince" in filters:
        updated_since: datetime = filters["updatedSince"]
        queryset = queryset.filter(updated_at__gte=updated_since)
    return queryset.order_by("id")


def _only_filter(filters: dict[str, Any], name: str) -> bool:
    """Whether ``name`` is the list's one filter (besides the page size and the cursor)."""
    return name in filters and not (filters.keys() - {name, "pageSize", "cursor"})


def documents_q(documents: list[tuple[int, str | None]]) -> Q:
    """Rows whose (document type, number) is any of ``documents`` (a None number: any of that type);
    nothing when the list is empty."""
    condition = Q(pk__in=[])
    for type_id, number in documents:
        condition |= (
            Q(document_type_id=type_id) if number is None else Q(document_type_id=type_id, document_number=number)
        )
    return condition


def reference_data() -> dict[str, dict[int, Any]]:
    """Every document type, gender and EPS (inactive ones too: old rows still name them) by id:
    ``{"documentTypes": {1: DocumentType}, "genders": {...}, "eps": {...}}``; three queries."""
    return {
        "documentTypes": {row.pk: row for row in DocumentType.objects.all()},
        "genders": {row.pk: row for row in Gender.objects.all()},
        "eps": {row.pk: row for row in Eps.objects.all()},
    }


def document_type_list() -> QuerySet[DocumentType]:
    return DocumentType.objects.filter(is_active=True).order_by("id")


def gender_list() -> QuerySet[Gender]:
    return Gender.objects.filter(is_active=True).order_by("id")


def eps_list() -> QuerySet[Eps]:
    return Eps.objects.filter(is_active=True).order_by("id")
