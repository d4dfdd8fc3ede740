"""Booking, rescheduling and changing appointments, race-free.

Under the doctor's advisory lock (appointments.services.doctors.doctor_lock) the interval is checked
against the doctor's availability, the booking window, live holds and capacity (with the appointment
type's buffers), then saved; PostgreSQL exclusion constraints (capacity-1 doctor time, any patient
time) are the last word, so two concurrent requests can never both win. Updates, cancellations and
reschedules lock the appointment's row first. Every function runs in the caller's tenant context and
emits its events into the outbox in the same transaction.

Who may pass which rule: ``overbook`` (keys with the overbook scope) books outside availability,
capacity, holds and the booking window; ``front_desk`` (console staff) books over a hold and outside
the booking window, never outside availability or capacity.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from appointments import lifecycle
from appointments.availability import (
    MAX_APPOINTMENT_DURATION,
    BookingWindow,
    SlotKind,
    active_overlapping,
    appointment_end,
    check_availability,
    database_now,
    overlapping,
)
from appointments.catalogs import appointment_type_find
from appointments.errors import (
    HoldForAnotherPatient,
    InvalidInitialState,
    InvalidInterval,
    InvalidTransition,
    OutsideAvailability,
    OutsideBookingWindow,
    PatientBusy,
    SlotHeld,
    SlotTaken,
)
from appointments.models import Appointment, Doctor, SlotHold
from appointments.serializers import appointment_representation, appointment_representations
from appointments.services.doctors import doctor_lock
from patients.models import Patient
from secre.custom_fields import custom_fields_merge
from secre.db_errors import constraint_as
from tenants.models import Tenant
from webhooks.events import event_emit, events_emit

DOCTOR_OVERLAP_CONSTRAINT = "appointments_doctor_no_overlap"
PATIENT_OVERLAP_CONSTRAINT = "appointments_patient_no_overlap"
RESCHEDULE_FIELDS = {"start", "end", "doctor", "patient", "appointment_type"}
RESCHEDULED = "rescheduled"
# Reasons only overbooking passes; the booking window's (front desk too); holds' (front desk too).
AVAILABILITY_REASONS = ("outside_hours", "blocked", "closed_day", "in_past", "doctor_inactive")
WINDOW_REASONS = ("minimum_notice", "booking_horizon")
# A booking by times repeated within this long of a successful one (same patient, doctor and start) is
# a retry: appointment_book_once returns the first (n8n retries a tool call whose answer it lost).
REPEAT_BOOKING_WINDOW = timedelta(minutes=10)


def appointment_book(
    *,
    tenant: Tenant,
    patient: Patient,
    doctor: Doctor,
    start: datetime,
    end: datetime | None = None,
    overbook: bool = False,
    front_desk: bool = False,
    **fields: Any,
) -> Appointment:
    """Book ``[start, end)`` (UTC) for ``patient`` with ``doctor``. Without ``end`` the appointment type's
    duration (or the rule's grid step) gives it; the type's buffers are kept free around it.

    A new appointment is ``scheduled`` or ``confirmed`` (lifecycle.INITIAL_STATES; InvalidInitialState,
    400 naming ``state``, otherwise) and lasts at most 24 hours (InvalidInterval, 400 naming ``endAppointment``).
    Raises OutsideAvailability (409, ``reasons``) outside the doctor's rules, on blocked time, a
    closed day, in the past or with an inactive doctor; OutsideBookingWindow (409, ``rule``) sooner than
    the minimum notice or past the horizon; SlotTaken (409) when bookings fill the capacity; SlotHeld
    (409) when live holds do; PatientBusy (409) when the patient has an overlapping active appointment;
    conflicts name ``conflictingAppointmentId`` / ``conflictingHoldId``. ``overbook`` and ``front_desk``:
    see the module. ``fields``: modality, appointment_type, clinic, state, notification_state, comment,
    custom_fields, notes.
    """
    state = fields.get("state", Appointment.State.SCHEDULED)
    if state not in lifecycle.INITIAL_STATES:
        raise InvalidInitialState()
    kind = SlotKind.of(appointment_type_find(fields.get("appointment_type")))
    if end is None:
        end = appointment_end(doctor=doctor, start=start, kind=kind, zone=tenant.zone)
    appointment = Appointment(tenant=tenant, patient=patient, doctor=doctor, start=start, end=end, **fields)
    # One savepoint for the whole booking: all or nothing, and an exclusion constraint's verdict on the
    # insert becomes SlotTaken/PatientBusy once it is rolled back.
    with _conflicts_as_409(appointment):
        _place(appointment, tenant=tenant, kind=kind, overbook=overbook, front_desk=front_desk, force_insert=True)
        # A new appointment has no successor yet: its rescheduledToId is null without a query.
        Appointment.rescheduled_to.related.set_cached_value(appointment, None)
        _emit(appointment, "appointment.created", created=True)
    return appointment


def appointment_book_once(
    *,
    tenant: Tenant,
    patient: Patient,
    doctor: Doctor,
    start: datetime,
    end: datetime | None = None,
    overbook: bool = False,
    **fields: Any,
) -> tuple[Appointment, bool]:
    """:func:`appointment_book`, safe to retry without an idempotency key (what an AI agent's tool call
    is): when this patient already has an active appointment with this doctor at this ``start`` made
    less than :data:`REPEAT_BOOKING_WINDOW` (10 minutes) ago, that appointment is returned as
    ``(appointment, False)`` and nothing is written (the other fields are not compared: the retry
    repeats the call). Otherwise ``(appointment_book(...), True)``, raising what it raises.

    The look-up runs under the doctor's lock, so two concurrent retries make one appointment. A
    cancelled booking is not repeated: booking again then is a new appointment. Used by the MCP
    tools (agents/); REST clients send ``Idempotency-Key`` instead."""
    with transaction.atomic():
        doctor_lock(doctor)
        earlier = (
            Appointment.objects.select_related("patient", "doctor", "rescheduled_to")
            .filter(
                patient=patient,
                doctor=doctor,
                start=start,
                state__in=Appointment.ACTIVE_STATES,
                created_at__gte=timezone.now() - REPEAT_BOOKING_WINDOW,  # created_at is the app's clock
            )
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            return earlier, False
        return (
            appointment_book(
                tenant=tenant, patient=patient, doctor=doctor, start=start, end=end, overbook=overbook, **fields
            ),
            True,
        )


def appointment_book_hold(
    *,
    tenant: Tenant,
    hold: SlotHold,
    patient: Patient | None = None,
    overbook: bool = False,
    front_desk: bool = False,
    **fields: Any,
) -> tuple[Appointment, bool]:
    """Book a hold: its doctor, times and appointment type, for its patient (or ``patient`` when it names
    none; HoldForAnotherPatient, 409, when they differ). The hold's own place is the one taken, and it is
    consumed. Booking a consumed hold again returns the appointment it made: ``(appointment, False)``,
    a retry, not a second booking. An expired hold is booked like its times would be (the slot may have
    gone meanwhile: SlotTaken or SlotHeld). Otherwise as :func:`appointment_book`; returns
    ``(appointment, True)``."""
    with transaction.atomic():
        doctor_lock(hold.doctor)
        hold = SlotHold.objects.select_related("doctor", "patient").select_for_update(of=("self",)).get(pk=hold.pk)
        if hold.appointment_id is not None:
            return Appointment.objects.select_related("patient", "doctor").get(pk=hold.appointment_id), False
        if hold.patient_id is not None and patient is not None and patient.pk != hold.patient_id:
            raise HoldForAnotherPatient(holdId=str(hold.pk))
        patient = patient or hold.patient
        if patient is None:
            raise ValidationError(
                {"patientDocumentNumber": ["The hold names no patient: give the patient's document."]},
                code="required",
            )
        fields.setdefault("appointment_type", hold.appointment_type)
        state = fields.get("state", Appointment.State.SCHEDULED)
        if state not in lifecycle.INITIAL_STATES:
            raise InvalidInitialState()
        live = hold.expires_at > database_now()
        appointment = Appointment(
            tenant=tenant, patient=patient, doctor=hold.doctor, start=hold.start, end=hold.end, **fields
        )
        kind = SlotKind.of(appointment_type_find(appointment.appointment_type))
        with _conflicts_as_409(appointment):
            _place(
                appointment,
                tenant=tenant,
                kind=kind,
                overbook=overbook,
                front_desk=front_desk,
                exclude_hold=hold.pk if live else None,
                force_insert=True,
            )
        hold.appointment = appointment
        hold.save(update_fields=["appointment"])
        _emit(appointment, "appointment.created", created=True)
    return appointment, True


def appointment_reschedule(
    *,
    tenant: Tenant,
    appointment: Appointment,
    start: datetime | None = None,
    end: datetime | None = None,
    doctor: Doctor | None = None,
    hold: SlotHold | None = None,
    overbook: bool = False,
    front_desk: bool = False,
) -> tuple[Appointment, bool]:
    """Move an active appointment to new times (or a hold's, or another doctor's): in one transaction
    the old one is cancelled with reason ``rescheduled`` and a new one booked with the same patient,
    type, modality, clinic, comment and custom fields, linked both ways (``rescheduled_from`` /
    ``rescheduled_to``). Cancelling first lets the new one overlap the old; both doctors are locked in a
    fixed order. Events: ``appointment.cancelled`` for the old, ``appointment.created`` for the new.

    A retry of a reschedule already made (same target) returns the new appointment: ``(new, False)``.
    InvalidTransition (409) when the appointment is not active; the booking errors of
    :func:`appointment_book` otherwise (nothing changes then). Returns ``(new, True)``.
    """
    with transaction.atomic():
        old = _locked(appointment)
        target_doctor = hold.doctor if hold is not None else (doctor or old.doctor)
        if hold is not None:
            start, end = hold.start, hold.end
        previous = getattr(old, "rescheduled_to", None) if old.state == Appointment.State.CANCELLED else None
        if previous is not None and (previous.doctor_id, previous.start) == (target_doctor.pk, start):
            return previous, False
        if not lifecycle.is_active(old.state):
            raise InvalidTransition(
                "Only scheduled or confirmed appointments can be rescheduled.",
                currentState=old.state,
                allowedTransitions=sorted(lifecycle.TRANSITIONS[old.state]),
            )
        for locked in sorted({old.doctor, target_doctor}, key=lambda d: str(d.pk)):
            doctor_lock(locked)
        old.state = Appointment.State.CANCELLED
        old.cancellation_reason = RESCHEDULED
        old.save(update_fields=["state", "cancellation_reason", "updated_at"])
        held_type = hold.appointment_type if hold is not None else None
        fields = {
            "modality": old.modality,
            "appointment_type": held_type or old.appointment_type,
            "clinic": old.clinic,
            "comment": old.comment,
            "custom_fields": old.custom_fields,
            "rescheduled_from": old,
        }
        if hold is not None:
            new, _ = appointment_book_hold(
                tenant=tenant, hold=hold, patient=old.patient, overbook=overbook, front_desk=front_desk, **fields
            )
        else:
            new = appointment_book(
                tenant=tenant,
                patient=old.patient,
                doctor=target_doctor,
                start=start,
                end=end,
                overbook=overbook,
                front_desk=front_desk,
                **fields,
            )
        old.rescheduled_to = new
        _emit(old, "appointment.cancelled")
    return new, True


def appointment_update(
    *,
    tenant: Tenant,
    appointment: Appointment,
    data: dict[str, Any],
    overbook: bool = False,
    front_desk: bool = False,
) -> Appointment:
    """Partial update, on the appointment's row locked first. A state change must follow the lifecycle
    (InvalidTransition, 409); changing only notificationState is always allowed; new times, doctor,
    patient or appointment type go through the booking rules again, with the type's buffers (only while
    the appointment is active); customFields merge per RFC 7396, bounded (secre/custom_fields.py: 400
    naming customFields)."""
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
            kind = SlotKind.of(appointment_type_find(appointment.appointment_type))
            with _conflicts_as_409(appointment):
                _place(appointment, tenant=tenant, kind=kind, overbook=overbook, front_desk=front_desk)
        elif moved and changed & (RESCHEDULE_FIELDS - {"appointment_type"}):
            raise InvalidTransition(
                "Only scheduled or confirmed appointments can be rescheduled.",
                currentState=appointment.state,
                allowedTransitions=[],
            )
        else:
            with _conflicts_as_409(appointment):
                appointment.save()
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
    data = appointment_representations(appointments)
    events_emit(
        tenant_id=appointments[0].tenant_id,
        type=event_type,
        object_type="appointment",
        items=[(appointment.pk, item) for appointment, item in zip(appointments, data, strict=True)],
    )


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_related("patient", "doctor", "rescheduled_to")
        .select_for_update(of=("self",))
        .get(pk=appointment.pk)
    )


def _update_event_type(current_state: str, new_state: str, changed: set[str]) -> str | None:
    """The most specific event of an update: cancelled, state_changed, updated; none when only
    notificationState changed (n8n sets it after sending a message: an event would loop it)."""
    if new_state != current_state:
        return "appointment.cancelled" if new_state == Appointment.State.CANCELLED else "appointment.state_changed"
    if changed - {"notification_state"}:
        return "appointment.updated"
    return None


def _emit(appointment: Appointment, event_type: str, *, created: bool = False) -> None:
    """The outbox event of a change; ``created``: the appointment was inserted by this transaction
    (its first event: webhooks.events.events_emit reads no earlier sequence)."""
    event_emit(
        tenant_id=appointment.tenant_id,
        type=event_type,
        object_type="appointment",
        object_id=appointment.pk,
        data=appointment_representation(appointment),
        created=created,
    )


def _check_interval(appointment: Appointment) -> None:
    if appointment.end <= appointment.start:
        raise InvalidInterval("The end must be after the start.")
    if appointment.end - appointment.start > MAX_APPOINTMENT_DURATION:
        raise InvalidInterval("An appointment lasts at most 24 hours.")


def _place(
    appointment: Appointment,
    *,
    tenant: Tenant,
    kind: SlotKind,
    overbook: bool,
    front_desk: bool = False,
    exclude_hold=None,
    force_insert: bool = False,
) -> None:
    """Check and save an appointment's interval (inside the caller's transaction, under the doctor's lock).
    A live hold being booked (``exclude_hold``) passed the booking window when it was made.

    The patient's other appointments are not read for a new one (``force_insert``): it is active
    (lifecycle.INITIAL_STATES), so the patient exclusion constraint, which covers exactly the active
    states and overlapping times, answers PatientBusy with the same conflictingAppointmentId. The
    caller holds the save in a :func:`_conflicts_as_409` block (a booking's is its whole block)."""
    _check_interval(appointment)
    doctor_lock(appointment.doctor)
    window = BookingWindow.for_doctor(appointment.doctor, tenant)
    check = check_availability(
        doctor=appointment.doctor,
        start=appointment.start,
        end=appointment.end,
        zone=tenant.zone,
        kind=kind,
        window=window,
        exclude=None if force_insert else appointment.pk,
        exclude_hold=exclude_hold,
    )
    blocking = [reason for reason in check.reasons if reason in AVAILABILITY_REASONS]
    if blocking and not overbook:
        raise OutsideAvailability(
            f"Not available: {', '.join(blocking)}.", reasons=blocking, availableCapacity=check.capacity
        )
    outside_window = [reason for reason in check.reasons if reason in WINDOW_REASONS]
    if outside_window and not (overbook or front_desk or exclude_hold is not None):
        raise outside_window_error(outside_window[0], window)
    if "taken" in check.reasons and not overbook:
        raise SlotTaken(conflictingAppointmentId=str(check.conflicting_appointment_id))
    if "held" in check.reasons and not (overbook or front_desk):
        expires = SlotHold.objects.filter(pk=check.conflicting_hold_id).values_list("expires_at", flat=True).first()
        raise SlotHeld(
            conflictingHoldId=str(check.conflicting_hold_id), expiresAt=expires.isoformat() if expires else None
        )
    if not force_insert:
        busy = _patient_conflict(appointment)
        if busy is not None:
            raise PatientBusy(conflictingAppointmentId=str(busy))
    appointment.capacity = check.capacity
    appointment.overbooked = bool(blocking) or "taken" in check.reasons
    appointment.buffer_before_minutes = int(kind.before.total_seconds() // 60)
    appointment.buffer_after_minutes = int(kind.after.total_seconds() // 60)
    appointment.save(force_insert=force_insert)


def outside_window_error(rule: str, window: BookingWindow) -> OutsideBookingWindow:
    """The 409 for a time outside the booking ``window``, naming the ``rule`` (and its value)."""
    if rule == "minimum_notice":
        minutes = int(window.minimum_notice.total_seconds() // 60)
        return OutsideBookingWindow(
            f"Bookings need {minutes} minutes' notice.", rule=rule, minimumNoticeMinutes=minutes
        )
    return OutsideBookingWindow(
        f"Bookings are taken at most {window.horizon_days} days ahead.",
        rule=rule,
        bookingHorizonDays=window.horizon_days,
    )


def _patient_conflict(appointment: Appointment):
    active = Appointment.objects.filter(patient_id=appointment.patient_id, state__in=Appointment.ACTIVE_STATES)
    return (
        overlapping(active, appointment.start, appointment.end)
        .exclude(pk=appointment.pk)
        .values_list("id", flat=True)
        .first()
    )


def _conflicts_as_409(appointment: Appointment):
    """A savepoint in which an exclusion-constraint violation by ``appointment`` becomes SlotTaken or
    PatientBusy naming the other booking. Under RLS PostgreSQL hides the other row in the error detail,
    so after rolling back to the savepoint it is selected (the caller's tenant can see it)."""

    def patient_busy():
        return PatientBusy(conflictingAppointmentId=_str(_patient_conflict(appointment)))

    def slot_taken():
        other = active_overlapping(appointment.doctor, appointment.start, appointment.end, exclude=appointment.pk)
        return SlotTaken(conflictingAppointmentId=_str(other.values_list("id", flat=True).first()))

    return constraint_as({PATIENT_OVERLAP_CONSTRAINT: patient_busy, DOCTOR_OVERLAP_CONSTRAINT: slot_taken})


def _str(value: object) -> str | None:
    return None if value is None else str(value)
