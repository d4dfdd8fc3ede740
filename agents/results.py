"""Compact results of the MCP tools: what an agent needs to talk to the patient and to call the next tool,
every time both in the clinic's local time (with its offset, and the weekday) and in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from appointments.availability import Slot
from appointments.models import Appointment, Doctor, SlotHold
from appointments.times import to_utc_z
from patients.models import Patient


def _name(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def interval(start: datetime, end: datetime, zone: ZoneInfo) -> dict[str, str]:
    """``startLocal``/``endLocal`` (RFC 3339 with the clinic's offset), ``weekday`` (local, English),
    ``startUtc``/``endUtc`` (Z)."""
    local = start.astimezone(zone)
    return {
        "startLocal": local.isoformat(),
        "endLocal": end.astimezone(zone).isoformat(),
        "weekday": local.strftime("%A"),
        "startUtc": to_utc_z(start),
        "endUtc": to_utc_z(end),
    }


def patient_result(patient: Patient) -> dict[str, Any]:
    return {
        "patientId": str(patient.pk),
        "fullName": _name(patient.first_name, patient.second_name, patient.first_last_name, patient.second_last_name),
        "firstName": patient.first_name,
        "firstLastName": patient.first_last_name,
        "documentTypeId": patient.document_type_id,
        "documentNumber": patient.document_number,
        "birthDate": patient.birth_date.isoformat() if patient.birth_date else None,
        "cellPhone": str(patient.cell_phone) if patient.cell_phone else None,
        "phone": str(patient.phone) if patient.phone else None,
        "email": patient.email,
    }


def doctor_result(doctor: Doctor) -> dict[str, Any]:
    return {
        "doctorId": str(doctor.pk),
        "name": _name(doctor.first_name, doctor.second_name, doctor.first_last_name, doctor.second_last_name),
        "specialty": doctor.specialty or None,
    }


def slot_result(slot: Slot, zone: ZoneInfo, *, doctor: Doctor | None = None) -> dict[str, Any]:
    doctor = slot.doctor or doctor
    found = doctor_result(doctor) if doctor is not None else {}
    return {
        "doctorId": found.get("doctorId"),
        "doctor": found.get("name"),
        "specialty": found.get("specialty"),
        **interval(slot.start, slot.end, zone),
    }


def appointment_result(appointment: Appointment, zone: ZoneInfo) -> dict[str, Any]:
    doctor = doctor_result(appointment.doctor)
    rescheduled_to = getattr(appointment, "rescheduled_to", None)
    return {
        "appointmentId": str(appointment.pk),
        "state": appointment.state,
        "patientId": str(appointment.patient_id),
        "doctorId": doctor["doctorId"],
        "doctor": doctor["name"],
        "specialty": doctor["specialty"],
        **interval(appointment.start, appointment.end, zone),
        "appointmentType": appointment.appointment_type,
        "modality": appointment.modality,
        "rescheduledFromId": str(appointment.rescheduled_from_id) if appointment.rescheduled_from_id else None,
        "rescheduledToId": str(rescheduled_to.pk) if rescheduled_to is not None else None,
    }


def hold_result(hold: SlotHold, zone: ZoneInfo, *, now: datetime) -> dict[str, Any]:
    doctor = doctor_result(hold.doctor)
    status = "expired" if hold.expires_at <= now else "held"
    if hold.appointment_id is not None:
        status = "booked"
    return {
        "holdId": str(hold.pk),
        "status": status,
        "doctorId": doctor["doctorId"],
        "doctor": doctor["name"],
        "specialty": doctor["specialty"],
        **interval(hold.start, hold.end, zone),
        "appointmentType": hold.appointment_type,
        "patientId": str(hold.patient_id) if hold.patient_id else None,
        "expiresAtLocal": hold.expires_at.astimezone(zone).isoformat(),
        "expiresAtUtc": to_utc_z(hold.expires_at),
        "appointmentId": str(hold.appointment_id) if hold.appointment_id else None,
    }
