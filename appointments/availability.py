"""When a doctor can be seen: slots (FHIR Slot) and the availability check behind every booking and hold.

Every scheduling rule of time lives here:

* Weekly rules are wall-clock times in the tenant's IANA zone. A rule's window on a day is turned
  into UTC instants, and slots are laid in absolute time from the window's start, every
  ``appointment_duration_minutes`` (the rule's grid). So on a daylight-saving day a window is as long
  as it really is, and ``startLocal`` shows the right offset.
* An appointment type (a tenant's row, ``AppointmentType``) may give its appointments a length and
  buffers before and after (minutes). A slot of that type starts on the rule's grid, lasts the type's
  duration (the grid step when it has none), and is offered only when its span with the buffers fits
  inside the rule's window. A booking or a hold occupies its span with its buffers (copied onto the row
  when made), so the next patient's span may not meet it.
* A slot is offered unless it is in the past, sooner than the minimum notice, past the booking
  horizon (per tenant, overridable per doctor: :class:`BookingWindow`), overlaps blocked time, falls on
  a closed day (local date), or active appointments (scheduled/confirmed) and live holds already fill
  its capacity.
* A hold is live while ``expires_at`` is after the database's ``clock_timestamp()``: an expired hold
  frees its place at once, with no job. A live hold takes a place like a booking.
* With no rules at all a doctor is bookable at any time (capacity 1).

Sources: seed 001 (rules, slots), FHIR Slot/Schedule, Cal.com's and Medplum's scheduling parameters
(minimum notice, booking horizon, buffers, holds).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import DateTimeField, Func
from django.utils import timezone

from appointments.calendars import WeeklyRule, read_calendars
from appointments.models import Appointment, AppointmentType, AvailabilityRule, Doctor, SlotHold
from appointments.times import local_midnight, wall_clock_to_utc
from tenants.models import Tenant

MAX_DAYS = 31
# The longest an appointment may last. It bounds overlap queries from below as well
# (start >= window start - MAX_APPOINTMENT_DURATION), so they read a window of the doctor's
# index instead of the whole history; kept by a check constraint on the table.
MAX_APPOINTMENT_DURATION = timedelta(hours=24)
# The longest buffer an appointment type may set on either side (a check constraint keeps it).
MAX_BUFFER = timedelta(minutes=120)
_MAX_SPAN = MAX_APPOINTMENT_DURATION + 2 * MAX_BUFFER


class ClockTimestamp(Func):
    """PostgreSQL's ``clock_timestamp()``: the time now, not the transaction's start (``now()``), so a
    check made after waiting for a lock sees a hold that expired while it waited as expired."""

    template = "clock_timestamp()"
    output_field = DateTimeField()


@dataclass(frozen=True)
class SlotKind:
    """The appointment type a slot is for: its ``duration`` (None: the rule's grid step) and buffers."""

    code: str | None = None
    duration: timedelta | None = None
    before: timedelta = timedelta(0)
    after: timedelta = timedelta(0)

    @classmethod
    def of(cls, appointment_type: AppointmentType | None) -> SlotKind:
        if appointment_type is None:
            return cls()
        duration = appointment_type.duration_minutes
        return cls(
            code=appointment_type.code,
            duration=timedelta(minutes=duration) if duration else None,
            before=timedelta(minutes=appointment_type.buffer_before_minutes),
            after=timedelta(minutes=appointment_type.buffer_after_minutes),
        )


@dataclass(frozen=True)
class BookingWindow:
    """How soon and how far ahead a doctor may be booked: ``minimum_notice`` from now, and at most
    ``horizon_days`` local days after today (None: no horizon). The doctor's own values override the
    tenant's (None on the doctor: the tenant's)."""

    minimum_notice: timedelta = timedelta(0)
    horizon_days: int | None = None

    @classmethod
    def for_doctor(cls, doctor: Doctor, tenant: Tenant) -> BookingWindow:
        notice = doctor.minimum_notice_minutes
        horizon = doctor.booking_horizon_days
        return cls(
            minimum_notice=timedelta(minutes=tenant.minimum_notice_minutes if notice is None else notice),
            horizon_days=tenant.booking_horizon_days if horizon is None else horizon,
        )

    def earliest(self, now: datetime) -> datetime:
        """The first instant a booking may start."""
        return now + self.minimum_notice

    def latest(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The instant bookings stop (exclusive): the end of the local day ``horizon_days`` after today."""
        if self.horizon_days is None:
            return None
        return local_midnight(now.astimezone(zone).date() + timedelta(days=self.horizon_days + 1), zone)


@dataclass(frozen=True)
class Slot:
    """A bookable interval: UTC ``start``/``end``, its capacity, the places left, whether live holds take
    any of them (``held``), and the doctor (in searches across doctors)."""

    start: datetime
    end: datetime
    capacity: int
    remaining: int
    held: bool = False
    doctor: Doctor | None = field(default=None, compare=False)


@dataclass
class AvailabilityCheck:
    """Whether ``[start, end)`` can be booked with a doctor, and why not.

    ``reasons`` ⊆ outside_hours, blocked, closed_day, in_past, doctor_inactive, minimum_notice,
    booking_horizon, taken (bookings fill the capacity), held (bookings and live holds fill it).
    ``capacity`` is the capacity of the rule covering the interval (1 without rules).
    """

    capacity: int = 1
    reasons: list[str] = field(default_factory=list)
    conflicting_appointment_id: UUID | None = None
    conflicting_hold_id: UUID | None = None

    @property
    def available(self) -> bool:
        return not self.reasons


class _Spans:
    """Occupied spans (start, end, id) sorted by start: how many overlap an interval, by bisection
    (only spans starting within ``_MAX_SPAN`` before its end can)."""

    def __init__(self, spans: Iterable[tuple[datetime, datetime, UUID]]):
        self.spans = sorted(spans)
        self.starts = [span[0] for span in self.spans]

    def overlapping(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, UUID]]:
        low = bisect.bisect_right(self.starts, start - _MAX_SPAN)
        high = bisect.bisect_left(self.starts, end)
        return [span for span in self.spans[low:high] if span[1] > start]


@dataclass
class _Calendar:
    """What is known of one doctor over a window: rules, blocked time, and occupied spans."""

    doctor: Doctor
    rules: list[WeeklyRule]
    blocked: list[tuple[datetime, datetime]]
    booked: _Spans
    held: _Spans


def _rule_applies(rule: WeeklyRule | AvailabilityRule, day: date) -> bool:
    return (
        rule.day_of_week == day.isoweekday()
        and (rule.valid_from is None or rule.valid_from <= day)
        and (rule.valid_until is None or day <= rule.valid_until)
    )


def _rule_window(rule: WeeklyRule | AvailabilityRule, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return wall_clock_to_utc(day, rule.start_time, zone), wall_clock_to_utc(day, rule.end_time, zone)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def overlapping(queryset, start: datetime, end: datetime):
    """Rows overlapping ``[start, end)``, bounded on both sides of ``start`` for the index."""
    return queryset.filter(start__lt=end, start__gt=start - MAX_APPOINTMENT_DURATION, end__gt=start)


def live_holds():
    """Holds that still take their place: not booked, and not expired by the database's clock."""
    return SlotHold.objects.filter(appointment__isnull=True, expires_at__gt=ClockTimestamp())


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


def _calendars(
    doctors: list[Doctor],
    start: datetime,
    end: datetime,
    days: list[date],
    *,
    exclude_appointment: UUID | None = None,
    exclude_hold: UUID | None = None,
) -> tuple[dict[UUID, _Calendar], set[date]]:
    """The calendars of ``doctors`` over ``[start, end)`` and the closed days among the local ``days``:
    one statement whatever their number (appointments/calendars.py)."""
    read = read_calendars(
        [doctor.pk for doctor in doctors],
        start,
        end,
        (days[0], days[-1]),
        longest_occupied=MAX_APPOINTMENT_DURATION + MAX_BUFFER,
        margin=MAX_BUFFER,
        exclude_appointment=exclude_appointment,
        exclude_hold=exclude_hold,
    )
    calendars = {
        doctor.pk: _Calendar(
            doctor=doctor,
            rules=(found := read.doctors[doctor.pk]).rules,
            blocked=found.blocked,
            booked=_Spans(found.booked),
            held=_Spans(found.held),
        )
        for doctor in doctors
    }
    return calendars, read.closed_days


def check_availability(
    *,
    doctor: Doctor,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    kind: SlotKind = SlotKind(),
    window: BookingWindow = BookingWindow(),
    exclude: UUID | None = None,
    exclude_hold: UUID | None = None,
) -> AvailabilityCheck:
    """Evaluate booking or holding ``[start, end)`` (UTC) with ``doctor`` for an appointment of ``kind``
    (its buffers widen the span it occupies) within the booking ``window``. ``exclude`` ignores one
    appointment (the one being rescheduled), ``exclude_hold`` one hold (the one being booked). Reads in
    the current tenant context; booking and holding call it under the doctor's lock."""
    result = AvailabilityCheck()
    now = timezone.now()
    if start < now:
        result.reasons.append("in_past")
    elif start < window.earliest(now):
        result.reasons.append("minimum_notice")
    latest = window.latest(now, zone)
    if latest is not None and start >= latest:
        result.reasons.append("booking_horizon")
    if not doctor.is_active:
        result.reasons.append("doctor_inactive")
    span_start, span_end = start - kind.before, end + kind.after
    days = _local_days(start, end, zone)
    calendars, closed = _calendars(
        [doctor], span_start, span_end, days, exclude_appointment=exclude, exclude_hold=exclude_hold
    )
    calendar = calendars[doctor.pk]
    if calendar.rules:
        covering = [
            rule
            for day in days
            for rule in calendar.rules
            if _rule_applies(rule, day)
            and (window_open := _rule_window(rule, day, zone))[0] <= span_start
            and span_end <= window_open[1]
        ]
        if covering:
            result.capacity = max(rule.capacity for rule in covering)
        else:
            result.reasons.append("outside_hours")
    if any(_overlaps(start, end, block_start, block_end) for block_start, block_end in calendar.blocked):
        result.reasons.append("blocked")
    if closed:
        result.reasons.append("closed_day")
    booked = calendar.booked.overlapping(span_start, span_end)
    held = calendar.held.overlapping(span_start, span_end)
    if len(booked) >= result.capacity:
        result.reasons.append("taken")
        result.conflicting_appointment_id = _oldest_booking(booked)
    elif len(booked) + len(held) >= result.capacity:
        result.reasons.append("held")
        result.conflicting_hold_id = held[0][2]
    return result


def _oldest_booking(booked: list[tuple[datetime, datetime, UUID]]) -> UUID:
    # UUIDv7 ids order by creation: the first booking made is the one that took the place.
    return min(span[2] for span in booked)


def time_slots(
    *,
    doctor: Doctor,
    first_day: date,
    days: int,
    zone: ZoneInfo,
    include_full: bool = False,
    kind: SlotKind = SlotKind(),
    window: BookingWindow = BookingWindow(),
) -> list[Slot]:
    """Slots of ``doctor`` for appointments of ``kind`` over ``days`` local days from ``first_day``, in
    time order; only slots with room unless ``include_full``. One statement whatever the range
    (appointments/calendars.py)."""
    return slots_search(
        doctors=[doctor],
        first_day=first_day,
        days=days,
        zone=zone,
        include_full=include_full,
        kind=kind,
        windows={doctor.pk: window},
    )


def slots_search(
    *,
    doctors: list[Doctor],
    first_day: date,
    days: int,
    zone: ZoneInfo,
    kind: SlotKind = SlotKind(),
    windows: dict[UUID, BookingWindow] | None = None,
    include_full: bool = False,
    limit: int | None = None,
) -> list[Slot]:
    """Slots of several doctors (a specialty) over ``days`` local days, earliest first (then by doctor),
    each naming its doctor; at most ``limit``.

    A local day's slots all start before the next day's, so with a ``limit`` the first day is read
    alone and the rest only when the first does not fill it (a chatbot's "the earliest few": one day
    of calendars instead of a week). One statement per step, so one or two whatever the number of
    doctors or days."""
    doctors = [doctor for doctor in doctors if doctor.is_active]
    if not doctors:
        return []
    steps = [(0, days)] if limit is None or days <= 1 else [(0, 1), (1, days)]
    slots: list[Slot] = []
    for start, stop in steps:
        slots += _days_slots(
            doctors, first_day + timedelta(days=start), stop - start, zone, kind, windows, include_full
        )
        if limit is not None and len(slots) >= limit:
            break
    return slots[:limit] if limit is not None else slots


def _days_slots(
    doctors: list[Doctor],
    first_day: date,
    days: int,
    zone: ZoneInfo,
    kind: SlotKind,
    windows: dict[UUID, BookingWindow] | None,
    include_full: bool,
) -> list[Slot]:
    """Every slot of ``doctors`` over ``days`` local days from ``first_day``, sorted; one statement."""
    window_start = local_midnight(first_day, zone)
    window_end = local_midnight(first_day + timedelta(days=days), zone)
    local_days = [first_day + timedelta(days=n) for n in range(days)]
    calendars, closed = _calendars(doctors, window_start - kind.before, window_end + kind.after, local_days)
    now = timezone.now()
    slots: list[Slot] = []
    for doctor in doctors:
        window = (windows or {}).get(doctor.pk, BookingWindow())
        slots += _doctor_slots(
            calendars[doctor.pk], first_day, days, zone, closed, kind, window, now, include_full=include_full
        )
    slots.sort(key=lambda slot: (slot.start, slot.end, str(slot.doctor.pk)))
    return slots


def _doctor_slots(
    calendar: _Calendar,
    first_day: date,
    days: int,
    zone: ZoneInfo,
    closed: set[date],
    kind: SlotKind,
    window: BookingWindow,
    now: datetime,
    *,
    include_full: bool,
) -> list[Slot]:
    earliest = max(now, window.earliest(now))
    latest = window.latest(now, zone)
    slots: list[Slot] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day in closed:
            continue
        for rule in calendar.rules:
            if not _rule_applies(rule, day):
                continue
            window_open, window_close = _rule_window(rule, day, zone)
            step = timedelta(minutes=rule.appointment_duration_minutes)
            length = kind.duration or step
            slot_start = window_open
            while slot_start + length <= window_close:
                slot_end = slot_start + length
                span_start, span_end = slot_start - kind.before, slot_end + kind.after
                if latest is not None and slot_start >= latest:
                    break
                if (
                    slot_start >= earliest
                    and window_open <= span_start
                    and span_end <= window_close
                    and not any(_overlaps(slot_start, slot_end, s, e) for s, e in calendar.blocked)
                ):
                    taken = len(calendar.booked.overlapping(span_start, span_end))
                    holding = len(calendar.held.overlapping(span_start, span_end))
                    remaining = max(rule.capacity - taken - holding, 0)
                    if remaining > 0 or include_full:
                        slots.append(Slot(slot_start, slot_end, rule.capacity, remaining, holding > 0, calendar.doctor))
                slot_start += step
    return slots


def appointment_end(*, doctor: Doctor, start: datetime, kind: SlotKind, zone: ZoneInfo) -> datetime:
    """The end of an appointment or hold of ``kind`` starting at ``start`` when none is given: the type's
    duration, else the grid step of the doctor's rule covering ``start`` (30 minutes without one)."""
    if kind.duration is not None:
        return start + kind.duration
    for day in _local_days(start, start + timedelta(minutes=1), zone):
        for rule in AvailabilityRule.objects.filter(doctor=doctor, day_of_week=day.isoweekday()):
            window_open, window_close = _rule_window(rule, day, zone)
            if _rule_applies(rule, day) and window_open <= start < window_close:
                return start + timedelta(minutes=rule.appointment_duration_minutes)
    return start + timedelta(minutes=30)


def database_now() -> datetime:
    """The database's ``clock_timestamp()``: what hold expiry is compared with."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]
