"""Secre's rows as FHIR R4 resources (JSON dicts), the mappings of docs/fhir.md.

Renderers read what the selectors returned and never query on their own: reference data (document types,
genders, EPS) comes in one ``catalogs`` dict (patients.selectors.reference_data), so a page of N patients
is the same few queries as one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appointments.availability import BookingWindow, Slot
from appointments.models import Appointment, Doctor
from appointments.times import to_utc_z
from fhir_api import codes
from fhir_api.slots import slot_key
from patients.models import Patient
from tenants.models import Tenant


def _identifier(document_type, number: str) -> dict[str, Any]:
    return {
        "use": "official",
        "type": {
            "coding": [
                {"system": codes.DOCUMENT_TYPE_SYSTEM, "code": document_type.code, "display": document_type.name}
            ],
            "text": document_type.name,
        },
        "system": codes.document_system(document_type.code),
        "value": number,
    }


def _human_name(person) -> dict[str, Any]:
    """Given names and surnames; two surnames also as HL7's fathers-/mothers-family extensions."""
    given = [part for part in (person.first_name, person.second_name) if part]
    surnames = [part for part in (person.first_last_name, person.second_last_name) if part]
    name: dict[str, Any] = {"use": "official", "text": " ".join(given + surnames), "family": " ".join(surnames)}
    if len(surnames) == 2:
        name["_family"] = {
            "extension": [
                {"url": codes.FATHERS_FAMILY, "valueString": surnames[0]},
                {"url": codes.MOTHERS_FAMILY, "valueString": surnames[1]},
            ]
        }
    if given:
        name["given"] = given
    return name


def _meta(row) -> dict[str, Any]:
    return {"lastUpdated": to_utc_z(row.updated_at)}


def patient_resource(patient: Patient, catalogs: dict[str, dict[int, Any]]) -> dict[str, Any]:
    """Patient: identifier (document), name, telecom (E.164 phones, email), gender, birthDate, EPS extension."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": _meta(patient),
        "identifier": [_identifier(catalogs["documentTypes"][patient.document_type_id], patient.document_number)],
        "active": True,
        "name": [_human_name(patient)],
    }
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": str(patient.phone), "use": "home"})
    if patient.cell_phone:
        telecom.append({"system": "phone", "value": str(patient.cell_phone), "use": "mobile"})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if telecom:
        resource["telecom"] = telecom
    if patient.gender_id is not None:
        resource["gender"] = codes.GENDERS.get(catalogs["genders"][patient.gender_id].code, "unknown")
    if patient.birth_date is not None:
        resource["birthDate"] = patient.birth_date.isoformat()
    if patient.eps_id is not None:
        eps = catalogs["eps"][patient.eps_id]
        resource["extension"] = [
            {
                "url": codes.EPS_EXTENSION,
                "valueCoding": {"system": codes.EPS_SYSTEM, "code": eps.code, "display": eps.name},
            }
        ]
    return resource


def practitioner_resource(doctor: Doctor, catalogs: dict[str, dict[int, Any]]) -> dict[str, Any]:
    """Practitioner: identifier (document), name, active."""
    return {
        "resourceType": "Practitioner",
        "id": str(doctor.pk),
        "meta": _meta(doctor),
        "identifier": [_identifier(catalogs["documentTypes"][doctor.document_type_id], doctor.document_number)],
        "active": doctor.is_active,
        "name": [_human_name(doctor)],
    }


def _specialty(doctor: Doctor) -> list[dict[str, Any]]:
    return [{"text": doctor.specialty}] if doctor.specialty else []


def practitioner_role_resource(doctor: Doctor) -> dict[str, Any]:
    """PractitionerRole (one per doctor, the doctor's id): the Practitioner and a text-only specialty."""
    resource: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": str(doctor.pk),
        "meta": _meta(doctor),
        "active": doctor.is_active,
        "practitioner": {"reference": f"Practitioner/{doctor.pk}"},
    }
    if doctor.specialty:
        resource["specialty"] = _specialty(doctor)
    return resource


def schedule_resource(doctor: Doctor, tenant: Tenant, now: datetime) -> dict[str, Any]:
    """Schedule (one per doctor, the doctor's id): actor = the Practitioner; planningHorizon from the booking
    window when it has a horizon (from the minimum notice to the end of the horizon's last local day)."""
    resource: dict[str, Any] = {
        "resourceType": "Schedule",
        "id": str(doctor.pk),
        "meta": _meta(doctor),
        "active": doctor.is_active,
        "actor": [{"reference": f"Practitioner/{doctor.pk}"}],
    }
    if doctor.specialty:
        resource["specialty"] = _specialty(doctor)
    window = BookingWindow.for_doctor(doctor, tenant)
    latest = window.latest(now, tenant.zone)
    if latest is not None:
        resource["planningHorizon"] = {"start": to_utc_z(window.earliest(now)), "end": to_utc_z(latest)}
    return resource


def slot_status(slot: Slot) -> str:
    """free (places left), busy-tentative (live holds take the last places), busy (bookings fill it)."""
    if slot.remaining > 0:
        return "free"
    return "busy-tentative" if slot.held else "busy"


def slot_resource(slot: Slot, *, appointment_type: str | None = None) -> dict[str, Any]:
    """Slot: its computed id, the Schedule, status, times; serviceType = the appointment type it was
    computed for; ``overbooked`` never (an overbooking is the overbook scope's, outside slots)."""
    resource: dict[str, Any] = {
        "resourceType": "Slot",
        "id": slot_key(slot.doctor.pk, slot.start, slot.end).id,
        "schedule": {"reference": f"Schedule/{slot.doctor.pk}"},
        "status": slot_status(slot),
        "start": to_utc_z(slot.start),
        "end": to_utc_z(slot.end),
    }
    if appointment_type:
        resource["serviceType"] = [{"coding": [{"system": codes.APPOINTMENT_TYPE_SYSTEM, "code": appointment_type}]}]
    if slot.capacity > 1:
        resource["comment"] = f"{slot.remaining} of {slot.capacity} places free"
    return resource


def appointment_resource(appointment: Appointment) -> dict[str, Any]:
    """Appointment: status (docs/api.md's mapping), appointmentType, serviceCategory (modality), times,
    comment, cancelationReason, the Patient and the Practitioner (the patient ``needs-action`` until
    confirmed)."""
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(appointment.pk),
        "meta": _meta(appointment),
        "status": codes.APPOINTMENT_STATUS[appointment.state],
    }
    if appointment.state == Appointment.State.CANCELLED and appointment.cancellation_reason:
        resource["cancelationReason"] = {"text": appointment.cancellation_reason}
    if appointment.modality:
        resource["serviceCategory"] = [{"coding": [{"system": codes.MODALITY_SYSTEM, "code": appointment.modality}]}]
    if appointment.appointment_type:
        resource["appointmentType"] = {
            "coding": [{"system": codes.APPOINTMENT_TYPE_SYSTEM, "code": appointment.appointment_type}]
        }
    resource["start"] = to_utc_z(appointment.start)
    resource["end"] = to_utc_z(appointment.end)
    resource["created"] = to_utc_z(appointment.created_at)
    if appointment.comment:
        resource["comment"] = appointment.comment
    resource["participant"] = [
        {
            "actor": {"reference": f"Patient/{appointment.patient_id}"},
            "required": "required",
            "status": codes.PATIENT_PARTICIPATION.get(appointment.state, "accepted"),
        },
        {"actor": {"reference": f"Practitioner/{appointment.doctor_id}"}, "required": "required", "status": "accepted"},
    ]
    return resource
