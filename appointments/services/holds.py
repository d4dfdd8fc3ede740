"""Slot holds: a slot kept for a patient who is still deciding (FHIR Slot busy-tentative; Medplum's
$hold, Cal.com's 5-minute reservations).

A hold is made under the doctor's advisory lock, after the same check as a booking (availability,
booking window, capacity with bookings and live holds, the appointment type's buffers), so 20
concurrent holds of one capacity-1 slot give exactly one. Its expiry is the database's clock plus the
TTL; the checks compare it with ``clock_timestamp()``, so it frees its place the moment it expires and
no job is needed. The worker only deletes old rows (:func:`holds_purge`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction

from appointments.availability import (
    BookingWindow,
    SlotKind,
    appointment_end,
    check_availability,
    database_now,
)
from appointments.catalogs import appointment_type_find
from appointments.errors import HoldBooked, HoldTtlTooLong, OutsideAvailability, SlotHeld, SlotTaken
from appointments.models import Doctor, SlotHold
from appointments.services.booking import AVAILABILITY_REASONS, WINDOW_REASONS, outside_window_error
from appointments.services.doctors import doctor_lock
from patients.models import Patient
from tenants.bypass import operator_access
from tenants.models import Tenant

DEFAULT_TTL_SECONDS = 300


def hold_create(
    *,
    tenant: Tenant,
    doctor: Doctor,
    start: datetime,
    end: datetime | None = None,
    appointment_type: str | None = None,
    patient: Patient | None = None,
    ttl_seconds: int | None = None,
    api_key_id: UUID | None = None,
) -> SlotHold:
    """Hold ``[start, end)`` (UTC; without ``end``, the appointment type's duration or the rule's grid
    step) with ``doctor`` for ``ttl_seconds`` (default 300, at most the clinic's
    ``hold_max_ttl_seconds``: HoldTtlTooLong, 400 naming ``ttlSeconds``).

    Raises as a booking would: OutsideAvailability, OutsideBookingWindow, SlotTaken, SlotHeld (409).
    Overbooking does not apply to holds: a hold is a place that exists.
    """
    ttl = DEFAULT_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    if ttl > tenant.hold_max_ttl_seconds:
        raise HoldTtlTooLong(tenant.hold_max_ttl_seconds)
    kind = SlotKind.of(appointment_type_find(appointment_type))
    if end is None:
        end = appointment_end(doctor=doctor, start=start, kind=kind, zone=tenant.zone)
    with transaction.atomic():
        doctor_lock(doctor)
        window = BookingWindow.for_doctor(doctor, tenant)
        check = check_availability(doctor=doctor, start=start, end=end, zone=tenant.zone, kind=kind, window=window)
        blocking = [reason for reason in check.reasons if reason in AVAILABILITY_REASONS]
        if blocking:
            raise OutsideAvailability(
                f"Not available: {', '.join(blocking)}.", reasons=blocking, availableCapacity=check.capacity
            )
        outside = [reason for reason in check.reasons if reason in WINDOW_REASONS]
        if outside:
            raise outside_window_error(outside[0], window)
        if "taken" in check.reasons:
            raise SlotTaken(conflictingAppointmentId=str(check.conflicting_appointment_id))
        if "held" in check.reasons:
            raise SlotHeld(conflictingHoldId=str(check.conflicting_hold_id))
        hold = SlotHold(
            tenant=tenant,
            doctor=doctor,
            patient=patient,
            start=start,
            end=end,
            appointment_type=kind.code,
            buffer_before_minutes=int(kind.before.total_seconds() // 60),
            buffer_after_minutes=int(kind.after.total_seconds() // 60),
            expires_at=database_now() + timedelta(seconds=ttl),
            api_key_id=api_key_id,
        )
        hold.save(force_insert=True)
    return hold


def hold_release(*, hold: SlotHold) -> None:
    """Give the held place back now (DELETE). HoldBooked (409, ``appointmentId``) once it is booked:
    cancel the appointment instead."""
    with transaction.atomic():
        hold = SlotHold.objects.select_for_update().get(pk=hold.pk)
        if hold.appointment_id is not None:
            raise HoldBooked(appointmentId=str(hold.appointment_id))
        hold.delete()


def holds_purge() -> int:
    """Delete holds expired more than ``HOLD_RETENTION_HOURS`` ago, in every clinic (the worker's
    housekeeping, through operator_access()). A booked hold goes too: its appointment stays, and a retry
    of that booking is long over. Returns how many went."""
    cutoff = database_now() - timedelta(hours=settings.HOLD_RETENTION_HOURS)
    with operator_access() as alias:
        deleted, _ = SlotHold.objects.using(alias).filter(expires_at__lt=cutoff).delete()
    return deleted
