"""When a doctor can be seen: slots (FHIR Slot) and the availability check behind every booking.

Every scheduling rule of time lives here:

* Weekly rules are wall-clock times in the tenant's IANA zone. A rule's window on a day is turned
  into UTC instants, and slots are laid in absolute time from the window's start, every
  ``appointment_duration_minutes``, while a whole slot fits. So on a daylight-saving day a window
  is as long as it really is, and ``startLocal`` shows the right offset.
* A slot is offered unless it is in the past, overlaps blocked time, falls on a closed day (local
  date), or active appointments (scheduled/confirmed) already fill its capacity.
* With no rules at all a doctor is bookable at any time (capacity 1).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.utils import timezone

from appointments.models import Appointment, AvailabilityRule, BlockedTime, ClosedDay, Doctor
from appointments.times import local_midnight, wall_clock_to_utc

MAX_DAYS = 31
# The longest an appointment may last. It bounds overlap queries from below as well
# (start >= window start - MAX_APPOINTMENT_DURATION), so they read a window of the doctor's
# index instead of the whole history; kept by a check constraint on the table.
MAX_APPOINTMENT_DURATION = timedelta(hours=24)


@dataclass(frozen=True)
class Slot:
    """A bookable interval: UTC ``start``/``end``, its capacity and the places left."""

    start: datetime
    end: datetime
    capacity: int
    remaining: int


@dataclass
class AvailabilityCheck:
    """Whether ``[start, end)`` can be booked with a doctor, and why not.

    ``reasons`` ⊆ outside_hours, blocked, closed_day, taken, in_past, doctor_inactive.
    ``capacity`` is the capacity of the rule covering the interval (1 without rules).
    """

    capacity: int = 1
    reasons: list[str] = field(default_factory=list)
    conflicting_appointment_id: UUID | None = None

    @property
    def available(self) -> bool:
        return not self.reasons


def _rule_applies(rule: AvailabilityRule, day: date) -> bool:
    return (
        rule.day_of_week == day.isoweekday()
        and (rule.valid_from is None or rule.valid_from <= day)
        and (rule.valid_until is None or day <= rule.valid_until)
    )


def _rule_window(rule: AvailabilityRule, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return wall_clock_to_utc(day, rule.start_time, zone), wall_clock_to_utc(day, rule.end_time, zone)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def overlapping(queryset, start: datetime, end: datetime):
    """Rows overlapping ``[start, end)``, bounded on both sides of ``start`` for the index."""
    return queryset.filter(start__lt=end, start__gt=start - MAX_APPOINTMENT_DURATION, end__gt=start)


def _count_overlapping(
    booked: list[tuple[datetime, datetime]], starts: list[datetime], start: datetime, end: datetime
) -> int:
    """How many of ``booked`` (sorted by start) overlap ``[start, end)``: only those starting in
    ``(start - MAX_APPOINTMENT_DURATION, end)`` can, found by bisection."""
    low = bisect.bisect_right(starts, start - MAX_APPOINTMENT_DURATION)
    high = bisect.bisect_left(starts, end)
    return sum(1 for _, booked_end in booked[low:high] if booked_end > start)


def _local_days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    """The local dates an interval touches (end exclusive)."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def active_overlapping(doctor: Doctor, start: datetime, end: datetime, *, exclude: UUID | None = None):
    """Active appointments of ``doctor`` overlapping ``[start, end)``, oldest booking first."""
    queryset = overlapping(Appointment.objects.filter(doctor=doctor, state__in=Appointment.ACTIVE_STATES), start, end)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return queryset.order_by("created_at", "id")


def check_availability(
    *, doctor: Doctor, start: datetime, end: datetime, zone: ZoneInfo, exclude: UUID | None = None
) -> AvailabilityCheck:
    """Evaluate booking ``[start, end)`` (UTC) with ``doctor``; ``exclude`` ignores one appointment
    (the one being rescheduled). Reads in the current tenant context."""
    result = AvailabilityCheck()
    if start < timezone.now():
        result.reasons.append("in_past")
    if not doctor.is_active:
        result.reasons.append("doctor_inactive")
    days = _local_days(start, end, zone)
    rules = list(AvailabilityRule.objects.filter(doctor=doctor))
    if rules:
        covering = [
            rule
            for day in days
            for rule in rules
            if _rule_applies(rule, day) and (window := _rule_window(rule, day, zone))[0] <= start and end <= window[1]
        ]
        if covering:
            result.capacity = max(rule.capacity for rule in covering)
        else:
            result.reasons.append("outside_hours")
    if BlockedTime.objects.filter(doctor=doctor, start__lt=end, end__gt=start).exists():
        result.reasons.append("blocked")
    if ClosedDay.objects.filter(date__in=days).exists():
        result.reasons.append("closed_day")
    booked = list(active_overlapping(doctor, start, end, exclude=exclude).values_list("id", flat=True)[:100])
    if len(booked) >= result.capacity:
        result.reasons.append("taken")
        result.conflicting_appointment_id = booked[0]
    return result


def time_slots(*, doctor: Doctor, first_day: date, days: int, zone: ZoneInfo, include_full: bool = False) -> list[Slot]:
    """Slots of ``doctor`` over ``days`` local days from ``first_day``, in time order.

    Only slots with room unless ``include_full``. Four queries whatever the range: rules, blocked
    time, closed days, appointments.
    """
    window_start = local_midnight(first_day, zone)
    window_end = local_midnight(first_day + timedelta(days=days), zone)
    now = timezone.now()
    rules = list(AvailabilityRule.objects.filter(doctor=doctor))
    if not rules or not doctor.is_active:
        return []
    blocked = list(
        BlockedTime.objects.filter(doctor=doctor, start__lt=window_end, end__gt=window_start).values_list(
            "start", "end"
        )
    )
    closed = set(
        ClosedDay.objects.filter(date__gte=first_day, date__lt=first_day + timedelta(days=days)).values_list(
            "date", flat=True
        )
    )
    booked = sorted(
        overlapping(
            Appointment.objects.filter(doctor=doctor, state__in=Appointment.ACTIVE_STATES), window_start, window_end
        ).values_list("start", "end")
    )
    booked_starts = [start for start, _ in booked]
    slots: list[Slot] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day in closed:
            continue
        for rule in rules:
            if not _rule_applies(rule, day):
                continue
            window_open, window_close = _rule_window(rule, day, zone)
            step = timedelta(minutes=rule.appointment_duration_minutes)
            slot_start = window_open
            while slot_start + step <= window_close:
                slot_end = slot_start + step
                if slot_start >= now and not any(_overlaps(slot_start, slot_end, s, e) for s, e in blocked):
                    taken = _count_overlapping(booked, booked_starts, slot_start, slot_end)
                    remaining = max(rule.capacity - taken, 0)
                    if remaining > 0 or include_full:
                        slots.append(Slot(slot_start, slot_end, rule.capacity, remaining))
                slot_start = slot_end
    slots.sort(key=lambda slot: (slot.start, slot.end))
    return slots
