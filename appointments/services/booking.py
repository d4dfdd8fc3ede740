"""Booking and changing appointments, race-free.

Under the doctor's advisory lock (appointments.services.doctors.doctor_lock) the interval is checked
against the doctor's availability and capacity, then saved; PostgreSQL exclusion constraints
(capacity-1 doctor time, any patient time) are the last word, so two concurrent requests can never
both win. Updates and cancellations lock the appointment's row first. Every function runs in the
caller's tenant context and emits its event into the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from appointments import lifecycle
from appointments.availability import MAX_APPOINTMENT_DURATION, active_overlapping, check_availability, overlapping
from appointments.errors import (
    InvalidInitialState,
    InvalidInterval,
    InvalidTransition,
    OutsideAvailability,
    PatientBusy,
    SlotTaken,
)
from appointments.models import Appointment, Doctor
from appointments.serializers import AppointmentSerializer
from appointments.services.doctors import doctor_lock
from patients.models import Patient
from secre.custom_fields import custom_fields_merge
from secre.db_errors import constraint_as
from tenants.models import Tenant
from webhooks.events import event_emit, events_emit

DOCTOR_OVERLAP_CONSTRAINT = "appointments_doctor_no_overlap"
PATIENT_OVERLAP_CONSTRAINT = "appointments_patient_no_overlap"
RESCHEDULE_FIELDS = {"start", "end", "doctor", "patient"}


def appointment_book(
    *,
    tenant: Tenant,
    patient: Patient,
    doctor: Doctor,
    start: datetime,
    end: datetime,
    overbook: bool = False,
    **fields: Any,
) -> Appointment:
    """Book ``[start, end)`` (UTC) for ``patient`` with ``doctor``.

    A new appointment is ``scheduled`` or ``confirmed`` (lifecycle.INITIAL_STATES; InvalidInitialState,
    400 naming ``state``, otherwise) and lasts at most 24 hours (InvalidInterval, 400 naming ``endAppointment``).
    Raises OutsideAvailability (409, ``reasons``) outside the doctor's rules, on blocked time, a
    closed day, in the past or with an inactive doctor; SlotTaken (409) when capacity is full;
    PatientBusy (409) when the patient has an overlapping active appointment; both name
    ``conflictingAppointmentId``. ``overbook`` (keys with the overbook scope, console staff) skips the
    first two. ``fields``: modality, appointment_type, clinic, state, notification_state, comment,
    custom_fields, notes.
    """
    state = fields.get("state", Appointment.State.SCHEDULED)
    if state not in lifecycle.INITIAL_STATES:
        raise InvalidInitialState()
    appointment = Appointment(tenant=tenant, patient=patient, doctor=doctor, start=start, end=end, **fields)
    with transaction.atomic():
        _place(appointment, zone=tenant.zone, overbook=overbook, force_insert=True)
        _emit(appointment, "appointment.created")
    return appointment


def appointment_update(
    *, tenant: Tenant, appointment: Appointment, data: dict[str, Any], overbook: bool = False
) -> Appointment:
    """Partial update, on the appointment's row locked first. A state change must follow the lifecycle
    (InvalidTransition, 409); changing only notificationState is always allowed; new times, doctor or
    patient go through the booking rules again (only while the appointment is active); customFields
    merge per RFC 7396, bounded (secre/custom_fields.py: 400 naming customFields)."""
    with transaction.atomic():
        appointment = _locked(appointment)
        data = dict(data)
        if "custom_fields" in data:
            data["custom_fields"] = custom_fields_merge(appointment.custom_fields, data["custom_fields"])
        if "state" in data:
            lifecycle.check_transition(appointment.state, data["state"])
        changed = {key for key, value in data.items() if getattr(appointment, key) != value}
        event_type = _update_event_type(appointment.state, data.get("state", appointment.state), changed)
        moved = bool(changed & RESCHEDULE_FIELDS)
        for attr, value in data.items():
            setattr(appointment, attr, value)
        if moved and lifecycle.is_active(appointment.state):
            _place(appointment, zone=tenant.zone, overbook=overbook)
        elif moved:
            raise InvalidTransition(
                "Only scheduled or confirmed appointments can be rescheduled.",
                currentState=appointment.state,
                allowedTransitions=[],
            )
        else:
            _save_appointment(appointment)
        if event_type is not None:
            _emit(appointment, event_type)
    return appointment


def appointment_cancel(*, appointment: Appointment, reason: str | None = None) -> Appointment:
    """Cancel (the record stays: clinical records are kept), on the row locked first. Cancelling an
    appointment already cancelled changes nothing and emits nothing: a retry answers as the first
    call did. InvalidTransition (409) from completed or no-show."""
    with transaction.atomic():
        appointment = _locked(appointment)
        if appointment.state == Appointment.State.CANCELLED:
            return appointment
        lifecycle.check_transition(appointment.state, Appointment.State.CANCELLED)
        appointment.state = Appointment.State.CANCELLED
        if reason is not None:
            appointment.cancellation_reason = reason
        appointment.save(update_fields=["state", "cancellation_reason", "updated_at"])
        _emit(appointment, "appointment.cancelled")
    return appointment


def appointment_emit(appointment: Appointment, event_type: str) -> None:
    """The outbox event of a change of this appointment, in the same transaction (webhooks)."""
    _emit(appointment, event_type)


def appointments_emit(appointments: list[Appointment], event_type: str) -> None:
    """The same event for many appointments of one tenant, in the caller's transaction and tenant
    context, in a fixed number of statements (the reminder scan). Each appointment is serialized as
    :func:`appointment_emit` would (load ``patient`` and ``doctor`` with it)."""
    if not appointments:
        return
    data = AppointmentSerializer(appointments, many=True).data
    events_emit(
        tenant_id=appointments[0].tenant_id,
        type=event_type,
        object_type="appointment",
        items=[(appointment.pk, item) for appointment, item in zip(appointments, data, strict=True)],
    )


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_related("patient", "doctor").select_for_update(of=("self",)).get(pk=appointment.pk)
    )


def _update_event_type(current_state: str, new_state: str, changed: set[str]) -> str | None:
    """The most specific event of an update: cancelled, state_changed, updated; none when only
    notificationState changed (n8n sets it after sending a message: an event would loop it)."""
    if new_state != current_state:
        return "appointment.cancelled" if new_state == Appointment.State.CANCELLED else "appointment.state_changed"
    if changed - {"notification_state"}:
        return "appointment.updated"
    return None


def _emit(appointment: Appointment, event_type: str) -> None:
    event_emit(
        tenant_id=appointment.tenant_id,
        type=event_type,
        object_type="appointment",
        object_id=appointment.pk,
        data=AppointmentSerializer(appointment).data,
    )


def _check_interval(appointment: Appointment) -> None:
    if appointment.end <= appointment.start:
        raise InvalidInterval("The end must be after the start.")
    if appointment.end - appointment.start > MAX_APPOINTMENT_DURATION:
        raise InvalidInterval("An appointment lasts at most 24 hours.")


def _place(appointment: Appointment, *, zone: ZoneInfo, overbook: bool, force_insert: bool = False) -> None:
    """Check and save an appointment's interval (inside the caller's transaction)."""
    _check_interval(appointment)
    doctor_lock(appointment.doctor)
    exclude = None if force_insert else appointment.pk
    check = check_availability(
        doctor=appointment.doctor, start=appointment.start, end=appointment.end, zone=zone, exclude=exclude
    )
    blocking = [reason for reason in check.reasons if reason != "taken"]
    if blocking and not overbook:
        raise OutsideAvailability(
            f"Not available: {', '.join(blocking)}.", reasons=blocking, availableCapacity=check.capacity
        )
    if "taken" in check.reasons and not overbook:
        raise SlotTaken(conflictingAppointmentId=str(check.conflicting_appointment_id))
    busy = _patient_conflict(appointment)
    if busy is not None:
        raise PatientBusy(conflictingAppointmentId=str(busy))
    appointment.capacity = check.capacity
    appointment.overbooked = bool(check.reasons)
    _save_appointment(appointment, force_insert=force_insert)


def _patient_conflict(appointment: Appointment):
    active = Appointment.objects.filter(patient_id=appointment.patient_id, state__in=Appointment.ACTIVE_STATES)
    return (
        overlapping(active, appointment.start, appointment.end)
        .exclude(pk=appointment.pk)
        .values_list("id", flat=True)
        .first()
    )


def _save_appointment(appointment: Appointment, **kwargs: Any) -> None:
    """Save; an exclusion-constraint violation becomes SlotTaken/PatientBusy naming the other
    booking. Under RLS PostgreSQL hides the other row in the error detail, so after rolling back
    to the savepoint it is selected (the caller's tenant can see it)."""

    def patient_busy():
        return PatientBusy(conflictingAppointmentId=_str(_patient_conflict(appointment)))

    def slot_taken():
        other = active_overlapping(appointment.doctor, appointment.start, appointment.end, exclude=appointment.pk)
        return SlotTaken(conflictingAppointmentId=_str(other.values_list("id", flat=True).first()))

    with constraint_as({PATIENT_OVERLAP_CONSTRAINT: patient_busy, DOCTOR_OVERLAP_CONSTRAINT: slot_taken}):
        appointment.save(**kwargs)


def _str(value: object) -> str | None:
    return None if value is None else str(value)
