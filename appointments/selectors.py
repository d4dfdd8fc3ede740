"""Reads of scheduling data. Every query runs under the caller's tenant context (RLS scopes it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Min, QuerySet, Value
from rest_framework.exceptions import ValidationError

from appointments import availability
from appointments.availability import BookingWindow, Slot, SlotKind
from appointments.catalogs import appointment_type_find
from appointments.models import (
    Appointment,
    AppointmentType,
    AvailabilityRule,
    BlockedTime,
    Clinic,
    ClosedDay,
    Doctor,
    SlotHold,
)
from patients.models import NameSearch
from patients.selectors import documents_q, name_starts_with, patient_find_by_document
from secre.path_params import could_be_document_number
from secre.problems import NotFound
from tenants.models import Tenant


def doctor_get(*, doctor_id: UUID) -> Doctor:
    """Raises NotFound (404) for a missing id and for another tenant's id alike."""
    doctor = Doctor.objects.lookup_one(pk=doctor_id)
    if doctor is None:
        raise NotFound("No doctor with this id.")
    return doctor


def doctor_find_by_document(*, document_type_id: int, document_number: str) -> Doctor | None:
    """The tenant's doctor with this document, or None (also for a number no document can have)."""
    if not could_be_document_number(document_number):
        return None
    return Doctor.objects.lookup_one(document_type_id=document_type_id, document_number=document_number)


def doctor_get_by_document(*, document_type_id: int, document_number: str) -> Doctor:
    """Raises NotFound (404) when the tenant has no doctor with this document."""
    doctor = doctor_find_by_document(document_type_id=document_type_id, document_number=document_number)
    if doctor is None:
        raise NotFound("No doctor with this document.")
    return doctor


def doctor_list(*, filters: dict[str, Any]) -> QuerySet[Doctor]:
    """Doctors filtered by ``specialty`` (accent- and case-insensitive exact: "cardiologia" finds
    "Cardiología"), ``name`` (contained in any name part, accent- and case-insensitive), ``namePrefix``
    (FHIR's starts-with on any name part: patients.selectors.name_starts_with), document, ``documents``
    (any of ``[(documentTypeId, documentNumber or None)]``: patients.selectors.documents_q), ``isActive``,
    ``ids`` (any of these ids); id order."""
    queryset = Doctor.objects.all()
    if "specialty" in filters:
        queryset = queryset.filter(specialty_key=NameSearch(Value(filters["specialty"].strip())))
    if "name" in filters:
        queryset = queryset.filter(name_search__contains=NameSearch(Value(filters["name"].strip())))
    if filters.get("namePrefix"):
        queryset = queryset.filter(name_starts_with(filters["namePrefix"]))
    if "documents" in filters:
        queryset = queryset.filter(documents_q(filters["documents"]))
    if "documentTypeId" in filters:
        queryset = queryset.filter(document_type_id=filters["documentTypeId"])
    if "documentNumber" in filters:
        queryset = queryset.filter(document_number=filters["documentNumber"])
    if "isActive" in filters:
        queryset = queryset.filter(is_active=filters["isActive"])
    if "ids" in filters:
        queryset = queryset.filter(pk__in=filters["ids"])
    return queryset.order_by("id")


def specialty_list() -> list[dict[str, Any]]:
    """The tenant's specialties among its active doctors: ``[{"name", "doctorCount"}]`` by name. Spellings
    that differ only in accents or case are one specialty, named as most of its doctors spell it (a tie:
    as it was first written)."""
    spellings = (
        Doctor.objects.filter(is_active=True)
        .exclude(specialty_key="")
        .values("specialty_key", "specialty")
        .annotate(doctors=Count("id"), first=Min("created_at"))
    )
    grouped: dict[str, list[tuple[int, datetime, str]]] = {}
    for row in spellings:
        grouped.setdefault(row["specialty_key"], []).append((row["doctors"], row["first"], row["specialty"]))
    specialties = [
        {"name": min(names, key=lambda item: (-item[0], item[1]))[2], "doctorCount": sum(n for n, _, _ in names)}
        for names in grouped.values()
    ]
    return sorted(specialties, key=lambda item: item["name"].casefold())


def appointment_types_of_duration(*, minutes: int) -> list[AppointmentType]:
    """The tenant's appointment types lasting ``minutes`` (defaults first, then by code): the types a
    slot of that length can be for (the FHIR facade's Slot read)."""
    return list(AppointmentType.objects.filter(duration_minutes=minutes).order_by("-is_default", "code"))


def appointment_type_exists(*, code: str) -> bool:
    """Whether the tenant has an appointment type with this code."""
    return appointment_type_find(code) is not None


def appointment_type_get(*, code: str) -> AppointmentType:
    """The tenant's appointment type by code; NotFound (404) otherwise."""
    entry = appointment_type_find(code)
    if entry is None:
        raise NotFound("No appointment type with this code.")
    return entry


def hold_get(*, hold_id: UUID) -> SlotHold:
    """Raises NotFound (404) for a missing id and for another tenant's id alike."""
    try:
        return SlotHold.objects.select_related("doctor", "patient").get(pk=hold_id)
    except SlotHold.DoesNotExist:
        raise NotFound("No hold with this id.") from None


def availability_rule_get(*, rule_id: UUID) -> AvailabilityRule:
    try:
        return AvailabilityRule.objects.select_related("doctor").get(pk=rule_id)
    except AvailabilityRule.DoesNotExist:
        raise NotFound("No availability rule with this id.") from None


def availability_rule_list(*, doctor: Doctor) -> QuerySet[AvailabilityRule]:
    return (
        AvailabilityRule.objects.filter(doctor=doctor)
        .select_related("doctor")
        .order_by("day_of_week", "start_time", "id")
    )


def blocked_time_get(*, blocked_time_id: UUID) -> BlockedTime:
    try:
        return BlockedTime.objects.select_related("doctor").get(pk=blocked_time_id)
    except BlockedTime.DoesNotExist:
        raise NotFound("No blocked time with this id.") from None


def blocked_time_list(
    *, doctor: Doctor, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[BlockedTime]:
    queryset = BlockedTime.objects.filter(doctor=doctor).select_related("doctor")
    if start is not None:
        queryset = queryset.filter(end__gt=start)
    if end is not None:
        queryset = queryset.filter(start__lt=end)
    return queryset.order_by("start", "id")


def closed_day_get(*, closed_day_id: UUID) -> ClosedDay:
    try:
        return ClosedDay.objects.get(pk=closed_day_id)
    except ClosedDay.DoesNotExist:
        raise NotFound("No closed day with this id.") from None


def closed_day_list(*, year: int | None = None) -> QuerySet[ClosedDay]:
    queryset = ClosedDay.objects.all()
    if year is not None:
        queryset = queryset.filter(date__year=year)
    return queryset.order_by("date")


def clinic_list() -> QuerySet[Clinic]:
    return Clinic.objects.order_by("name")


def appointment_get(*, appointment_id: UUID) -> Appointment:
    """Raises NotFound (404) for a missing id and for another tenant's id alike. (The services lock
    the row themselves when they change it.)"""
    queryset = Appointment.objects.select_related("patient", "doctor", "rescheduled_to")
    try:
        return queryset.get(pk=appointment_id)
    except Appointment.DoesNotExist:
        raise NotFound("No appointment with this id.") from None


def appointment_list(*, filters: dict[str, Any]) -> QuerySet[Appointment]:
    """Appointments starting in ``[start, end)``, by doctor or patient document, modality, state; also (the
    FHIR facade's) ``patientIds`` / ``doctorIds`` (any of these ids) and ``states`` (any of these states)."""
    queryset = Appointment.objects.select_related("patient", "doctor", "rescheduled_to")
    if filters.get("start") is not None:
        queryset = queryset.filter(start__gte=filters["start"])
    if filters.get("end") is not None:
        queryset = queryset.filter(start__lt=filters["end"])
    if "doctorDocumentTypeId" in filters:
        queryset = queryset.filter(doctor__document_type_id=filters["doctorDocumentTypeId"])
    if "doctorDocumentNumber" in filters:
        queryset = queryset.filter(doctor__document_number=filters["doctorDocumentNumber"])
    if "patientDocumentTypeId" in filters:
        queryset = queryset.filter(patient__document_type_id=filters["patientDocumentTypeId"])
    if "patientDocumentNumber" in filters:
        queryset = queryset.filter(patient__document_number=filters["patientDocumentNumber"])
    if "modality" in filters:
        queryset = queryset.filter(modality=filters["modality"])
    if "state" in filters:
        queryset = queryset.filter(state=filters["state"])
    if "patientIds" in filters:
        queryset = queryset.filter(patient_id__in=filters["patientIds"])
    if "doctorIds" in filters:
        queryset = queryset.filter(doctor_id__in=filters["doctorIds"])
    if "states" in filters:
        queryset = queryset.filter(state__in=filters["states"])
    return queryset


def patient_appointment_list(
    *, patient_id: UUID, when: str = "upcoming", include_inactive: bool = False, limit: int = 20
) -> list[Appointment]:
    """A patient's appointments, at most ``limit``: ``when`` ``upcoming`` (ending after now, earliest
    first), ``past`` (started before now, latest first) or ``all`` (latest first); only active ones
    (scheduled, confirmed) unless ``include_inactive``. Another tenant's patient id finds nothing."""
    queryset = Appointment.objects.select_related("patient", "doctor", "rescheduled_to").filter(patient_id=patient_id)
    if not include_inactive:
        queryset = queryset.filter(state__in=Appointment.ACTIVE_STATES)
    now = availability.database_now()
    if when == "upcoming":
        queryset = queryset.filter(end__gt=now).order_by("start", "id")
    elif when == "past":
        queryset = queryset.filter(start__lt=now).order_by("-start", "-id")
    else:
        queryset = queryset.order_by("-start", "-id")
    return list(queryset[:limit])


def doctor_from_reference(reference: dict[str, Any], *, current: Doctor | None = None) -> Doctor:
    """The tenant's doctor named by a ``{"document_type_id", "document_number"}`` reference (either part
    may be missing on a change: ``current``'s is kept). ValidationError (400) naming
    ``doctorDocumentNumber`` when there is none."""
    type_id = reference.get("document_type_id", getattr(current, "document_type_id", None))
    number = reference.get("document_number", getattr(current, "document_number", None))
    doctor = doctor_find_by_document(document_type_id=type_id, document_number=number) if type_id and number else None
    if doctor is None:
        raise ValidationError(
            {"doctorDocumentNumber": ["No doctor with this document in this clinic."]}, code="does_not_exist"
        )
    return doctor


def appointment_parties(*, data: dict[str, Any], current: Appointment | None = None) -> dict[str, Any]:
    """``data`` with its ``patient`` and ``doctor`` references (documents) replaced by the tenant's rows.
    ValidationError (400) naming ``patientDocumentNumber`` / ``doctorDocumentNumber`` for each one that
    does not exist in the tenant."""
    data = dict(data)
    errors = {}
    for role, finder in (("patient", patient_find_by_document), ("doctor", doctor_find_by_document)):
        reference = data.pop(role, None)
        if reference is None:
            continue
        existing = getattr(current, role, None)
        type_id = reference.get("document_type_id", getattr(existing, "document_type_id", None))
        number = reference.get("document_number", getattr(existing, "document_number", None))
        found = finder(document_type_id=type_id, document_number=number) if type_id and number else None
        if found is None:
            errors[f"{role}DocumentNumber"] = [f"No {role} with this document in this clinic."]
        else:
            data[role] = found
    if errors:
        raise ValidationError(errors, code="does_not_exist")
    return data


def doctor_time_slots(
    *,
    tenant: Tenant,
    doctor: Doctor,
    first_day: date,
    days: int,
    appointment_type: str | None = None,
    include_full: bool = False,
) -> list[Slot]:
    """A doctor's slots over ``days`` local days for ``appointment_type`` (its duration and buffers),
    within the doctor's booking window (appointments/availability.py)."""
    return availability.time_slots(
        doctor=doctor,
        first_day=first_day,
        days=days,
        zone=tenant.zone,
        include_full=include_full,
        kind=SlotKind.of(appointment_type_find(appointment_type)),
        window=BookingWindow.for_doctor(doctor, tenant),
    )


def slot_search(
    *,
    tenant: Tenant,
    first_day: date,
    days: int,
    specialty: str | None = None,
    doctor: Doctor | None = None,
    doctor_ids: list[UUID] | None = None,
    appointment_type: str | None = None,
    include_full: bool = False,
    limit: int | None = 50,
) -> list[Slot]:
    """Free slots of every active doctor of ``specialty`` (accent- and case-insensitive), or of ``doctor``
    (both: that doctor if of the specialty), or of the doctors ``doctor_ids`` (the FHIR facade's Slot
    search), earliest first, each naming its doctor; at most ``limit`` (None: all). Seed 004's
    "discovering available doctors by speciality and time"."""
    doctors = Doctor.objects.filter(is_active=True)
    if specialty is not None:
        doctors = doctors.filter(specialty_key=NameSearch(Value(specialty.strip())))
    if doctor is not None:
        doctors = doctors.filter(pk=doctor.pk)
    if doctor_ids is not None:
        doctors = doctors.filter(pk__in=doctor_ids)
    doctors = list(doctors.order_by("id"))
    return availability.slots_search(
        doctors=doctors,
        first_day=first_day,
        days=days,
        zone=tenant.zone,
        kind=SlotKind.of(appointment_type_find(appointment_type)),
        windows={d.pk: BookingWindow.for_doctor(d, tenant) for d in doctors},
        include_full=include_full,
        limit=limit,
    )


def doctors_first_free_slots(
    *, tenant: Tenant, doctors: list[Doctor], day: date, appointment_type: str | None = None
) -> dict[UUID, Slot]:
    """Each doctor's first free slot on the local ``day`` (doctors without one are left out)."""
    slots = availability.slots_search(
        doctors=doctors,
        first_day=day,
        days=1,
        zone=tenant.zone,
        kind=SlotKind.of(appointment_type_find(appointment_type)),
        windows={d.pk: BookingWindow.for_doctor(d, tenant) for d in doctors},
    )
    first: dict[UUID, Slot] = {}
    for slot in slots:
        first.setdefault(slot.doctor.pk, slot)
    return first
