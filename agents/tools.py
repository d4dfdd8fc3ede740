"""The booking conversation as MCP tools: each validates its arguments (agents/arguments.py), calls the REST
API's own selectors and services, and shapes a compact result (agents/results.py). No rule lives here.

Read tools need the key's ``read`` scope, write tools ``write`` (agents/mcp_server.py checks). Retries are
safe: booking a consumed hold again, or the same patient, doctor and start by times within 10 minutes of a
success (appointments.services.appointment_book_once), returns that appointment with
``alreadyBooked: true``; cancelling or confirming twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from agents import arguments as args
from agents.input_schemas import input_schema
from agents.results import appointment_result, doctor_result, hold_result, patient_result, slot_result
from appointments import selectors as scheduling
from appointments import services as booking
from appointments.availability import database_now
from appointments.errors import OutsideAvailability, SlotHeld, SlotTaken
from appointments.models import Appointment, Doctor
from patients import selectors as patients
from patients import services as patient_services
from patients.phones import phone_from_channel
from tenants.api_keys import ApiClient
from tenants.models import Tenant
from tenants.scopes import READ, WRITE

MAX_PATIENTS = 5
MAX_DOCTORS = 25
SEARCH_DAYS = 14
ALTERNATIVES = 3


@dataclass(frozen=True)
class ToolContext:
    """Who calls: the request (its own thread and connection, inside the key's tenant context)."""

    request: HttpRequest
    tenant: Tenant
    client: ApiClient

    @property
    def zone(self) -> ZoneInfo:
        return self.tenant.zone


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool: its name, what a language model reads, the scope it needs, its arguments and handler."""

    name: str
    title: str
    description: str
    scope: str
    arguments: type[serializers.Serializer]
    run: Callable[[ToolContext, dict[str, Any]], dict[str, Any]]
    destructive: bool = False
    idempotent: bool = False

    @property
    def input_schema(self) -> dict[str, Any]:
        return input_schema(self.arguments)

    def handler(self, context: ToolContext, raw: dict[str, Any]) -> dict[str, Any]:
        return self.run(context, args.validated(self.arguments, raw, zone=context.zone))


def _today(context: ToolContext):
    return database_now().astimezone(context.zone).date()


def next_free_slots(
    context: ToolContext, *, doctor: Doctor, after: datetime, appointment_type: str | None
) -> list[dict[str, Any]]:
    """The first free slots after ``after`` with ``doctor`` in the next two weeks, else with the other
    doctors of its specialty: what an agent offers when the slot asked for cannot be had."""
    first_day = max(after.astimezone(context.zone).date(), _today(context))
    for search in ({"doctor": doctor}, {"specialty": doctor.specialty} if doctor.specialty else None):
        if search is None:
            continue
        slots = scheduling.slot_search(
            tenant=context.tenant,
            first_day=first_day,
            days=SEARCH_DAYS,
            appointment_type=appointment_type,
            limit=200,
            **search,
        )
        later = [slot for slot in slots if slot.start > after][:ALTERNATIVES]
        if later:
            return [slot_result(slot, context.zone) for slot in later]
    return []


@contextmanager
def offering_alternatives(
    context: ToolContext, *, doctor: Doctor, start: datetime, appointment_type: str | None
) -> Iterator[None]:
    """A taken, held or unavailable slot's error carries ``nextFreeSlots`` (the services' rules decided;
    this only looks for what to offer instead)."""
    try:
        yield
    except (SlotTaken, SlotHeld, OutsideAvailability) as exc:
        exc.extra["nextFreeSlots"] = next_free_slots(
            context, doctor=doctor, after=start, appointment_type=appointment_type
        )
        raise


# --- patients --------------------------------------------------------------------------------------


def find_patient(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    if "documentNumber" in data:
        found = patients.patient_find_by_document(
            document_type_id=data["documentTypeId"], document_number=data["documentNumber"]
        )
        matches = [found] if found is not None else []
    else:
        number = phone_from_channel(data["phone"])
        if number is None:
            raise ValidationError({"phone": ["Not a valid phone number."]}, code="invalid")
        matches = list(patients.patient_list(filters={"phone": number})[:MAX_PATIENTS])
    return {
        "found": bool(matches),
        "patients": [patient_result(patient) for patient in matches],
        **({} if matches else {"hint": "No such patient in this clinic: ask for their details and register_patient."}),
    }


def register_patient(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    patient = patient_services.patient_create(tenant=context.tenant, data=data)
    return {"patient": patient_result(patient)}


def update_patient(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    patient = patients.patient_get(patient_id=data.pop("patientId"))
    return {"patient": patient_result(patient_services.patient_update(patient=patient, data=data))}


# --- doctors and slots -----------------------------------------------------------------------------


def list_specialties(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"specialties": scheduling.specialty_list()}


def list_doctors(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    doctors = scheduling.doctor_list(filters={**data, "isActive": True})[:MAX_DOCTORS]
    return {"doctors": [doctor_result(doctor) for doctor in doctors]}


def find_available_slots(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    doctor = scheduling.doctor_get(doctor_id=data["doctorId"]) if "doctorId" in data else None
    if "date" in data:
        first_day = data["date"]
        days = (data["endDate"] - first_day).days + 1 if "endDate" in data else 1
    else:
        first_day, days = _today(context), SEARCH_DAYS
    slots = scheduling.slot_search(
        tenant=context.tenant,
        first_day=first_day,
        days=days,
        specialty=data.get("specialty"),
        doctor=doctor,
        appointment_type=data.get("appointmentType"),
        limit=data["limit"],
    )
    last_day = first_day + timedelta(days=days - 1)
    return {
        "timeZone": context.tenant.timezone,
        "from": first_day.isoformat(),
        "to": last_day.isoformat(),
        "slots": [slot_result(slot, context.zone, doctor=doctor) for slot in slots],
        **({} if slots else {"hint": "No free slot then: try other dates, another doctor or the specialty."}),
    }


# --- holds and appointments ------------------------------------------------------------------------


def hold_slot(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    doctor = scheduling.doctor_get(doctor_id=data["doctorId"])
    patient = patients.patient_get(patient_id=data["patientId"]) if "patientId" in data else None
    with offering_alternatives(
        context, doctor=doctor, start=data["start"], appointment_type=data.get("appointmentType")
    ):
        hold = booking.hold_create(
            tenant=context.tenant,
            doctor=doctor,
            start=data["start"],
            appointment_type=data.get("appointmentType"),
            patient=patient,
            ttl_seconds=data.get("ttlSeconds"),
            api_key_id=context.client.api_key_id,
        )
    return {"hold": hold_result(hold, context.zone, now=database_now())}


def _booking_fields(data: dict[str, Any]) -> dict[str, Any]:
    names = {"appointmentType": "appointment_type", "modality": "modality", "comment": "comment"}
    return {field: data[name] for name, field in names.items() if name in data}


def book_appointment(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    patient = patients.patient_get(patient_id=data["patientId"]) if "patientId" in data else None
    fields = _booking_fields(data)
    if "holdId" in data:
        hold = scheduling.hold_get(hold_id=data["holdId"])
        if hold.patient_id is None and patient is None:
            raise ValidationError({"patientId": ["The hold names no patient: give patientId."]}, code="required")
        kind = fields.get("appointment_type", hold.appointment_type)
        with offering_alternatives(context, doctor=hold.doctor, start=hold.start, appointment_type=kind):
            appointment, created = booking.appointment_book_hold(
                tenant=context.tenant, hold=hold, patient=patient, **fields
            )
    else:
        doctor = scheduling.doctor_get(doctor_id=data["doctorId"])
        with offering_alternatives(
            context, doctor=doctor, start=data["start"], appointment_type=fields.get("appointment_type")
        ):
            appointment, created = booking.appointment_book_once(
                tenant=context.tenant, patient=patient, doctor=doctor, start=data["start"], **fields
            )
    return {"appointment": appointment_result(appointment, context.zone), "alreadyBooked": not created}


def reschedule_appointment(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    appointment = scheduling.appointment_get(appointment_id=data["appointmentId"])
    hold = scheduling.hold_get(hold_id=data["holdId"]) if "holdId" in data else None
    doctor = scheduling.doctor_get(doctor_id=data["doctorId"]) if "doctorId" in data else None
    target = hold.doctor if hold is not None else (doctor or appointment.doctor)
    start = hold.start if hold is not None else data["start"]
    with offering_alternatives(context, doctor=target, start=start, appointment_type=appointment.appointment_type):
        new, created = booking.appointment_reschedule(
            tenant=context.tenant, appointment=appointment, start=data.get("start"), doctor=doctor, hold=hold
        )
    return {
        "appointment": appointment_result(new, context.zone),
        "previousAppointmentId": str(appointment.pk),
        "alreadyRescheduled": not created,
    }


def cancel_appointment(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    appointment = scheduling.appointment_get(appointment_id=data["appointmentId"])
    appointment = booking.appointment_cancel(appointment=appointment, reason=data.get("reason") or None)
    return {"appointment": appointment_result(appointment, context.zone)}


def confirm_appointment(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    appointment = scheduling.appointment_get(appointment_id=data["appointmentId"])
    appointment = booking.appointment_update(
        tenant=context.tenant, appointment=appointment, data={"state": Appointment.State.CONFIRMED}
    )
    return {"appointment": appointment_result(appointment, context.zone)}


def list_patient_appointments(context: ToolContext, data: dict[str, Any]) -> dict[str, Any]:
    patient = patients.patient_get(patient_id=data["patientId"])
    appointments = scheduling.patient_appointment_list(
        patient_id=patient.pk, when=data["when"], include_inactive=data["includeCancelled"], limit=data["limit"]
    )
    return {
        "patientId": str(patient.pk),
        "when": data["when"],
        "appointments": [appointment_result(appointment, context.zone) for appointment in appointments],
    }


TOOLS: list[ToolSpec] = [
    ToolSpec(
        name="find_patient",
        title="Find a patient",
        description=(
            "Look up a patient of this clinic, by identity document or by phone. Use it first in a conversation: "
            "with the WhatsApp sender's number (as WhatsApp gives it, e.g. '573001234567') or the document the "
            "patient wrote. Returns found and the matching patients (several may share a phone: ask which one); "
            "their patientId is what the other tools take."
        ),
        scope=READ,
        arguments=args.FindPatient,
        run=find_patient,
        idempotent=True,
    ),
    ToolSpec(
        name="register_patient",
        title="Register a patient",
        description=(
            "Create a new patient when find_patient found none. Needs firstName, firstLastName, documentTypeId "
            "and documentNumber; give cellPhone (the WhatsApp number) and the rest when known. A document "
            "already registered is the error patient_exists with existingPatientId: use that patient."
        ),
        scope=WRITE,
        arguments=args.RegisterPatient,
        run=register_patient,
    ),
    ToolSpec(
        name="update_patient",
        title="Update a patient",
        description=(
            "Change a patient's details (a new phone, email, a misspelt name): patientId and only the fields "
            "that change; null clears an optional field."
        ),
        scope=WRITE,
        arguments=args.UpdatePatient,
        run=update_patient,
        idempotent=True,
    ),
    ToolSpec(
        name="list_specialties",
        title="List specialties",
        description=(
            "The medical specialties this clinic offers (names as the clinic writes them, each with its number "
            "of doctors). Use it to map what the patient asks for ('heart doctor') to a specialty name."
        ),
        scope=READ,
        arguments=args.NoArguments,
        run=list_specialties,
        idempotent=True,
    ),
    ToolSpec(
        name="list_doctors",
        title="List doctors",
        description=(
            "The clinic's active doctors, optionally of one specialty (any accents or case) or matching part "
            "of a name. Each has a doctorId for find_available_slots and hold_slot."
        ),
        scope=READ,
        arguments=args.ListDoctors,
        run=list_doctors,
        idempotent=True,
    ),
    ToolSpec(
        name="find_available_slots",
        title="Find free slots",
        description=(
            "The earliest free appointment slots, across every doctor of a specialty or for one doctor, on a "
            "local date or range (dates are the clinic's calendar; omit them to search the next 14 days). "
            "Each slot gives its doctor and its time in the clinic's local time (startLocal, weekday) and in "
            "UTC (startUtc). Offer a few to the patient, then hold_slot the one they choose."
        ),
        scope=READ,
        arguments=args.FindAvailableSlots,
        run=find_available_slots,
        idempotent=True,
    ),
    ToolSpec(
        name="hold_slot",
        title="Hold a slot",
        description=(
            "Keep a slot for a few minutes (default 300 seconds) while the patient confirms, so nobody else "
            "takes it. Give the slot's doctorId and start. Returns a holdId for book_appointment. A slot "
            "already taken or held is an error with nextFreeSlots to offer instead."
        ),
        scope=WRITE,
        arguments=args.HoldSlot,
        run=hold_slot,
    ),
    ToolSpec(
        name="book_appointment",
        title="Book an appointment",
        description=(
            "Book the appointment once the patient agreed: with the holdId from hold_slot (best), or with "
            "doctorId and start. Give patientId. Safe to retry: the same booking again returns the same "
            "appointment with alreadyBooked true. A slot that is no longer free is an error (slot_taken, "
            "slot_held, outside_availability) with nextFreeSlots to offer instead."
        ),
        scope=WRITE,
        arguments=args.BookAppointment,
        run=book_appointment,
        idempotent=True,
    ),
    ToolSpec(
        name="reschedule_appointment",
        title="Reschedule an appointment",
        description=(
            "Move a patient's appointment to another time (and optionally doctor): appointmentId and the new "
            "start, or a holdId. The old one is cancelled and a new one booked in one step; the result is the "
            "new appointment. If the new time is not free nothing changes and nextFreeSlots are offered."
        ),
        scope=WRITE,
        arguments=args.RescheduleAppointment,
        run=reschedule_appointment,
        idempotent=True,
    ),
    ToolSpec(
        name="cancel_appointment",
        title="Cancel an appointment",
        description=(
            "Cancel a patient's appointment (the record is kept, the slot is freed). Confirm with the patient "
            "first. Cancelling one already cancelled changes nothing."
        ),
        scope=WRITE,
        arguments=args.CancelAppointment,
        run=cancel_appointment,
        destructive=True,
        idempotent=True,
    ),
    ToolSpec(
        name="list_patient_appointments",
        title="List a patient's appointments",
        description=(
            "A patient's appointments, upcoming by default (earliest first), with appointmentId, doctor, state "
            "and local and UTC times. Use it before cancelling, rescheduling or confirming."
        ),
        scope=READ,
        arguments=args.ListPatientAppointments,
        run=list_patient_appointments,
        idempotent=True,
    ),
    ToolSpec(
        name="confirm_appointment",
        title="Confirm an appointment",
        description=(
            "Record that the patient confirmed they will attend (their yes to a reminder): the appointment "
            "becomes confirmed. Confirming twice changes nothing; a cancelled one cannot be confirmed."
        ),
        scope=WRITE,
        arguments=args.AppointmentReference,
        run=confirm_appointment,
        idempotent=True,
    ),
]
