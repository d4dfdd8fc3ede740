"""Writes of scheduling data: doctors, availability, blocked time, closed days, catalogs, bookings.

Booking is race-free: under a transaction-level advisory lock on (tenant, doctor) the interval is
checked against the doctor's availability and capacity, then inserted; PostgreSQL exclusion
constraints (capacity-1 doctor time, any patient time) are the last word, so two concurrent
requests can never both win. Every function runs in the caller's tenant context.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from appointments import lifecycle
from appointments.availability import active_overlapping, check_availability, overlapping
from appointments.catalogs import CATALOGS
from appointments.errors import (
    CatalogCodeExists,
    ClosedDayExists,
    DoctorExists,
    DoctorHasAppointments,
    InvalidTransition,
    OutsideAvailability,
    OverlappingAvailability,
    PatientBusy,
    SlotTaken,
)
from appointments.models import Appointment, AvailabilityRule, BlockedTime, Clinic, ClosedDay, Doctor
from appointments.selectors import doctor_find_by_document
from appointments.serializers import AppointmentSerializer
from patients.models import Patient
from secre.custom_fields import custom_fields_merge
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.models import Tenant
from webhooks.events import event_emit

DOCTOR_DOCUMENT_CONSTRAINT = "appointments_doctor_document_uniq"
DOCTOR_OVERLAP_CONSTRAINT = "appointments_doctor_no_overlap"
PATIENT_OVERLAP_CONSTRAINT = "appointments_patient_no_overlap"
RESCHEDULE_FIELDS = {"start", "end", "doctor", "patient"}


# Doctors ---------------------------------------------------------------------------------------


def doctor_create(*, tenant: Tenant, data: dict[str, Any]) -> Doctor:
    """Create a doctor; DoctorExists (409, ``existingDoctorId``) when the document is taken."""
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
    try:
        with transaction.atomic():
            doctor.save(**kwargs)
    except IntegrityError as exc:
        if DOCTOR_DOCUMENT_CONSTRAINT not in str(exc):
            raise
        raise DoctorExists() from None


# Availability ----------------------------------------------------------------------------------


def availability_rule_create(*, tenant: Tenant, doctor: Doctor, data: dict[str, Any]) -> AvailabilityRule:
    """Add a weekly rule; OverlappingAvailability (409) when it overlaps another rule of the same
    doctor on the same day within overlapping validity dates."""
    rule = AvailabilityRule(tenant=tenant, doctor=doctor, **data)
    _check_rule_overlap(rule)
    rule.save(force_insert=True)
    return rule


def availability_rule_update(*, rule: AvailabilityRule, data: dict[str, Any]) -> AvailabilityRule:
    for attr, value in data.items():
        setattr(rule, attr, value)
    _check_rule_overlap(rule)
    rule.save()
    return rule


def availability_rule_delete(*, rule: AvailabilityRule) -> None:
    rule.delete()


def _check_rule_overlap(rule: AvailabilityRule) -> None:
    siblings = AvailabilityRule.objects.filter(
        doctor_id=rule.doctor_id,
        day_of_week=rule.day_of_week,
        start_time__lt=rule.end_time,
        end_time__gt=rule.start_time,
    ).exclude(pk=rule.pk)
    for other in siblings:
        starts_before_other_ends = (
            other.valid_until is None or rule.valid_from is None or rule.valid_from <= other.valid_until
        )
        ends_after_other_starts = (
            other.valid_from is None or rule.valid_until is None or other.valid_from <= rule.valid_until
        )
        if starts_before_other_ends and ends_after_other_starts:
            raise OverlappingAvailability(conflictingRuleId=str(other.pk))


def blocked_time_create(
    *, tenant: Tenant, doctor: Doctor, start: datetime, end: datetime, reason: str | None
) -> BlockedTime:
    """Block ``[start, end)`` (UTC) for a doctor. Existing appointments are kept: cancel them
    explicitly if the doctor will not see them."""
    blocked = BlockedTime(tenant=tenant, doctor=doctor, start=start, end=end, reason=reason)
    blocked.save(force_insert=True)
    return blocked


def blocked_time_delete(*, blocked_time: BlockedTime) -> None:
    blocked_time.delete()


def closed_day_create(*, tenant: Tenant, day: date, name: str, source: str = ClosedDay.Source.CLINIC) -> ClosedDay:
    """Close the whole clinic on a local date; ClosedDayExists (409) if already closed."""
    if ClosedDay.objects.filter(date=day).exists():
        raise ClosedDayExists(date=day.isoformat())
    closed = ClosedDay(tenant=tenant, date=day, name=name, source=source)
    closed.save(force_insert=True)
    return closed


def closed_day_delete(*, closed_day: ClosedDay) -> None:
    closed_day.delete()


def holidays_load(*, tenant: Tenant, year: int, country: str = "CO") -> list[ClosedDay]:
    """Add a year's public holidays (the ``holidays`` package; CO = Colombian festivos, with
    Ley Emiliani's Monday moves) as closed days. Dates already closed are left as they are.
    Returns the days added."""
    existing = set(ClosedDay.objects.filter(date__year=year).values_list("date", flat=True))
    added = []
    for day, name in sorted(holidays.country_holidays(country, years=year, language="es").items()):
        if day in existing:
            continue
        added.append(ClosedDay(tenant=tenant, date=day, name=str(name)[:150], source=ClosedDay.Source.HOLIDAY))
    for closed in added:
        closed.save(force_insert=True)  # one row at a time: every write goes through the model
    return added


# Catalogs --------------------------------------------------------------------------------------


def catalog_entry_create(*, tenant: Tenant, kind: str, code: str, name: str):
    """Add a tenant code to the ``modality`` or ``appointment_type`` catalog; CatalogCodeExists (409)
    when the code is a default or already added."""
    model, defaults = CATALOGS[kind]
    if code in defaults or model.objects.filter(code=code).exists():
        raise CatalogCodeExists(code=code)
    entry = model(tenant=tenant, code=code, name=name)
    entry.save(force_insert=True)
    return entry


def clinic_create(*, tenant: Tenant, name: str, address: str | None) -> Clinic:
    if Clinic.objects.filter(name=name).exists():
        raise CatalogCodeExists("A clinic with this name already exists.", name=name)
    clinic = Clinic(tenant=tenant, name=name, address=address)
    clinic.save(force_insert=True)
    return clinic


# Appointments ----------------------------------------------------------------------------------


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

    Raises OutsideAvailability (409, ``reasons``) outside the doctor's rules, on blocked time, a
    closed day, in the past or with an inactive doctor; SlotTaken (409) when capacity is full;
    PatientBusy (409) when the patient has an overlapping active appointment; both name
    ``conflictingAppointmentId``. ``overbook`` (keys with the overbook scope) skips the first two.
    ``fields``: modality, appointment_type, clinic, state, notification_state, comment, custom_fields.
    """
    appointment = Appointment(tenant=tenant, patient=patient, doctor=doctor, start=start, end=end, **fields)
    with transaction.atomic():
        _place(appointment, zone=tenant.zone, overbook=overbook, force_insert=True)
        _emit(appointment, "appointment.created")
    return appointment


def appointment_update(
    *, tenant: Tenant, appointment: Appointment, data: dict[str, Any], overbook: bool = False
) -> Appointment:
    """Partial update. A state change must follow the lifecycle (InvalidTransition, 409); changing
    only notificationState is always allowed; new times, doctor or patient go through the booking
    rules again (only while the appointment is active); customFields merge per RFC 7396, bounded
    (secre/custom_fields.py: 400 naming customFields)."""
    data = dict(data)
    if "custom_fields" in data:
        data["custom_fields"] = custom_fields_merge(appointment.custom_fields, data["custom_fields"])
    if "state" in data:
        lifecycle.check_transition(appointment.state, data["state"])
    changed = {key for key, value in data.items() if getattr(appointment, key) != value}
    event_type = _update_event_type(appointment.state, data.get("state", appointment.state), changed)
    moved = any(key in data and data[key] != getattr(appointment, key) for key in RESCHEDULE_FIELDS)
    for attr, value in data.items():
        setattr(appointment, attr, value)
    with transaction.atomic():
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
    """Cancel (the record stays: clinical records are kept). InvalidTransition (409) unless active."""
    lifecycle.check_transition(appointment.state, Appointment.State.CANCELLED)
    appointment.state = Appointment.State.CANCELLED
    if reason is not None:
        appointment.cancellation_reason = reason
    with transaction.atomic():
        appointment.save(update_fields=["state", "cancellation_reason", "updated_at"])
        _emit(appointment, "appointment.cancelled")
    return appointment


def appointment_reminders_emit() -> int:
    """Emit ``appointment.reminder_due`` once per active appointment whose start is within its
    tenant's ``reminder_lead_minutes``, and set its notificationState to ``pending`` (n8n then sets
    ``sent`` or ``failed``). A rescheduled appointment gets a new reminder. Finding them crosses
    tenants (the operator bypass); each is then handled in its own tenant's context.
    Returns how many reminders were emitted."""
    now = timezone.now()
    with operator_access() as alias:
        due = [
            (appointment_id, tenant_id)
            for appointment_id, tenant_id, start, lead in Appointment.objects.using(alias)
            .filter(state__in=Appointment.ACTIVE_STATES, start__gt=now, tenant__reminder_lead_minutes__isnull=False)
            .exclude(reminded_for_start=F("start"))
            .values_list("id", "tenant_id", "start", "tenant__reminder_lead_minutes")
            if start <= now + timedelta(minutes=lead)
        ]
    for appointment_id, tenant_id in due:
        with tenant_context(tenant_id):
            appointment = (
                Appointment.objects.select_for_update().select_related("patient", "doctor").get(pk=appointment_id)
            )
            if appointment.reminded_for_start == appointment.start or not lifecycle.is_active(appointment.state):
                continue
            appointment.reminded_for_start = appointment.start
            appointment.notification_state = Appointment.NotificationState.PENDING
            appointment.save(update_fields=["reminded_for_start", "notification_state", "updated_at"])
            _emit(appointment, "appointment.reminder_due")
    return len(due)


def _update_event_type(current_state: str, new_state: str, changed: set[str]) -> str | None:
    """The most specific event of an update: cancelled, state_changed, updated; none when only
    notificationState changed (n8n sets it after sending a message: an event would loop it)."""
    if new_state != current_state:
        return "appointment.cancelled" if new_state == Appointment.State.CANCELLED else "appointment.state_changed"
    if changed - {"notification_state"}:
        return "appointment.updated"
    return None


def _emit(appointment: Appointment, event_type: str) -> None:
    """The outbox event of this change, in the same transaction (webhooks)."""
    event_emit(
        tenant_id=appointment.tenant_id,
        type=event_type,
        object_type="appointment",
        object_id=appointment.pk,
        data=AppointmentSerializer(appointment).data,
    )


def _lock_doctor(doctor: Doctor) -> None:
    """Serialise bookings of one doctor until the transaction ends (capacity above 1 is counted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"secre:doctor:{doctor.tenant_id}:{doctor.pk}"]
        )


def _place(appointment: Appointment, *, zone: ZoneInfo, overbook: bool, force_insert: bool = False) -> None:
    """Check and save an appointment's interval (inside the caller's transaction)."""
    _lock_doctor(appointment.doctor)
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
    try:
        with transaction.atomic():
            appointment.save(**kwargs)
    except IntegrityError as exc:
        message = str(exc)
        if PATIENT_OVERLAP_CONSTRAINT in message:
            raise PatientBusy(conflictingAppointmentId=_str(_patient_conflict(appointment))) from None
        if DOCTOR_OVERLAP_CONSTRAINT in message:
            other = (
                active_overlapping(appointment.doctor, appointment.start, appointment.end, exclude=appointment.pk)
                .values_list("id", flat=True)
                .first()
            )
            raise SlotTaken(conflictingAppointmentId=_str(other)) from None
        raise


def _str(value: object) -> str | None:
    return None if value is None else str(value)
