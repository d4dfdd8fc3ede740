"""The front desk's agenda: a grid of doctors (columns) by local times (rows), day by day (issue 21).

:func:`agenda_build` reads what the API's selectors and the time-slots computation know over a range of
local days — weekly rules, blocked time, closed days, live holds, appointments and the free slots of
``availability.slots_search`` — in a fixed number of queries whatever the number of doctors, days or
appointments, and lays it out for the console (appointments/admin_agenda.py renders it).

Layout:

* One :class:`AgendaDay` per local day, each with its own rows, so a daylight-saving day has as many
  rows as it really has: rows are laid in absolute time from the day's first row every ``step``
  minutes and labelled in the tenant's zone (on the day New York falls back, 01:00 and 01:30 appear
  twice, with their offsets; on the day it springs forward there is no 02:00 row).
* A day's rows span the shown doctors' rule windows of that day and whatever is booked or held that
  day, whole rows of ``step`` minutes (the smallest grid step of the rules in view, 30 without rules).
  A day with neither has no rows.
* A cell (doctor x row) has a ``kind`` — ``closed`` (a closed day), ``blocked`` (blocked time overlaps
  it), ``off`` (outside the doctor's weekly rules: a split shift's lunch is off) or ``open`` — and
  lists what starts in it: appointments, live holds and free slots (with their places left, so a
  capacity above 1 shows "2/3").
* Free slots are those the API's time-slots offers for the doctor's own grid, without the booking
  window (the front desk may book sooner than the minimum notice or past the horizon, after a
  confirmation): a slot outside the doctor's window is flagged ``outside_window``. Past slots and full
  ones are not offered.
* A doctor with no weekly rules at all is bookable at any time (appointments/availability.py): their
  cells are ``open`` and list no free slot (the booking form is reached from the column's header).

Cancelled appointments are left out (their place is free again).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from appointments import availability
from appointments.availability import BookingWindow, Slot
from appointments.models import Appointment, AvailabilityRule, BlockedTime, ClosedDay, Doctor, SlotHold
from appointments.times import local_midnight, wall_clock_to_utc
from tenants.models import Tenant

MAX_DAYS = 7
DEFAULT_STEP = 30
MIN_STEP = 5
# What a cell shows of an appointment (no free text: comments and notes stay on the appointment's page).
SHOWN_FIELDS = (
    "id",
    "tenant_id",
    "doctor_id",
    "patient_id",
    "start",
    "end",
    "state",
    "appointment_type",
    "modality",
    "clinic_id",
    "patient__first_name",
    "patient__first_last_name",
    "patient__document_type__code",
    "patient__document_number",
)


@dataclass(frozen=True)
class FreeSlot:
    """A slot with room: UTC ``start``/``end``, places left of ``capacity``; ``outside_window`` when it
    is sooner than the doctor's minimum notice or past the horizon (staff book it after confirming)."""

    start: datetime
    end: datetime
    capacity: int
    remaining: int
    held: bool
    outside_window: bool


@dataclass
class AgendaCell:
    """One doctor during one row: its ``kind`` (closed, blocked, off, open) and what starts in it."""

    doctor: Doctor
    kind: str
    appointments: list[Appointment] = field(default_factory=list)
    holds: list[SlotHold] = field(default_factory=list)
    slots: list[FreeSlot] = field(default_factory=list)


@dataclass
class AgendaRow:
    """``[start, end)`` in UTC; ``label`` is the local wall-clock time (with its UTC offset when the
    day's offset changes); one cell per column, in column order."""

    start: datetime
    end: datetime
    label: str
    cells: list[AgendaCell]


@dataclass
class AgendaDay:
    """A local day: its ``closed`` day's name (None when open) and its rows."""

    date: date
    closed: str | None
    rows: list[AgendaRow]


@dataclass
class Agenda:
    """Doctors (columns) over local days ``first_day`` .. ``first_day + days - 1`` in ``zone``."""

    first_day: date
    days: int
    zone: ZoneInfo
    step: int
    doctors: list[Doctor]
    day_list: list[AgendaDay]
    doctors_without_rules: set[UUID]


def _rule_applies(rule: AvailabilityRule, day: date) -> bool:
    return (
        rule.day_of_week == day.isoweekday()
        and (rule.valid_from is None or rule.valid_from <= day)
        and (rule.valid_until is None or day <= rule.valid_until)
    )


def _floor(instant: datetime, origin: datetime, step: timedelta) -> datetime:
    return origin + ((instant - origin) // step) * step


def _label(instant: datetime, zone: ZoneInfo, *, with_offset: bool) -> str:
    local = instant.astimezone(zone)
    if not with_offset:
        return local.strftime("%H:%M")
    offset = local.strftime("%z")
    return f"{local:%H:%M} ({offset[:3]}:{offset[3:]})"


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def agenda_build(
    *,
    tenant: Tenant,
    first_day: date,
    days: int,
    doctors: list[Doctor],
    appointments: QuerySet[Appointment] | None = None,
    now: datetime | None = None,
) -> Agenda:
    """The agenda of ``doctors`` (in the given order) over ``days`` (1..7) local days from ``first_day``
    in the tenant's zone. ``appointments`` narrows which appointments are shown (e.g. one clinic's); by
    default all of the doctors'. Runs in the caller's tenant context; six queries whatever the number of
    doctors, days or appointments. Raises ValueError for ``days`` outside 1..7."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    zone = tenant.zone
    now = now or timezone.now()
    window_start = local_midnight(first_day, zone)
    window_end = local_midnight(first_day + timedelta(days=days), zone)
    ids = [doctor.pk for doctor in doctors]

    rules: dict[UUID, list[AvailabilityRule]] = defaultdict(list)
    for rule in AvailabilityRule.objects.filter(doctor_id__in=ids).order_by("start_time", "id"):
        rules[rule.doctor_id].append(rule)
    blocked: dict[UUID, list[BlockedTime]] = defaultdict(list)
    for block in BlockedTime.objects.filter(doctor_id__in=ids, start__lt=window_end, end__gt=window_start):
        blocked[block.doctor_id].append(block)
    closed = dict(
        ClosedDay.objects.filter(date__gte=first_day, date__lt=first_day + timedelta(days=days)).values_list(
            "date", "name"
        )
    )
    booked: dict[UUID, list[Appointment]] = defaultdict(list)
    shown = Appointment.objects.all() if appointments is None else appointments
    for appointment in (
        shown.filter(doctor_id__in=ids, start__gte=window_start, start__lt=window_end)
        .exclude(state=Appointment.State.CANCELLED)
        .select_related("patient", "patient__document_type")
        .only(*SHOWN_FIELDS)
        .order_by("start", "id")
    ):
        booked[appointment.doctor_id].append(appointment)
    held: dict[UUID, list[SlotHold]] = defaultdict(list)
    for hold in (
        availability.live_holds()
        .filter(doctor_id__in=ids, start__gte=window_start, start__lt=window_end)
        .order_by("start", "id")
    ):
        held[hold.doctor_id].append(hold)
    # The time-slots computation itself (one statement), without the booking window: flagged below.
    slots: dict[UUID, list[Slot]] = defaultdict(list)
    for slot in availability.slots_search(doctors=doctors, first_day=first_day, days=days, zone=zone):
        if slot.start >= now:
            slots[slot.doctor.pk].append(slot)
    free: dict[UUID, list[FreeSlot]] = {}
    for doctor in doctors:
        window = BookingWindow.for_doctor(doctor, tenant)
        earliest, latest = window.earliest(now), window.latest(now, zone)
        free[doctor.pk] = [
            FreeSlot(
                start=slot.start,
                end=slot.end,
                capacity=slot.capacity,
                remaining=slot.remaining,
                held=slot.held,
                outside_window=slot.start < earliest or (latest is not None and slot.start >= latest),
            )
            for slot in slots[doctor.pk]
        ]
    indexed = {
        doctor.pk: (_ByStart(booked[doctor.pk]), _ByStart(held[doctor.pk]), _ByStart(free[doctor.pk]))
        for doctor in doctors
    }

    steps = [rule.appointment_duration_minutes for doctor_rules in rules.values() for rule in doctor_rules]
    step_minutes = max(MIN_STEP, min(steps)) if steps else DEFAULT_STEP
    step = timedelta(minutes=step_minutes)

    day_list = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        day_start, day_end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
        windows_of_day = {
            doctor.pk: [
                (wall_clock_to_utc(day, rule.start_time, zone), wall_clock_to_utc(day, rule.end_time, zone))
                for rule in rules[doctor.pk]
                if _rule_applies(rule, day)
            ]
            for doctor in doctors
        }
        edges = [edge for spans in windows_of_day.values() for span in spans for edge in span]
        for source in (booked, held):
            edges += [
                edge
                for items in source.values()
                for item in items
                if day_start <= item.start < day_end
                for edge in (item.start, min(item.end, day_end))
            ]
        rows: list[AgendaRow] = []
        if edges:
            first = _floor(min(edges), day_start, step)
            last = max(edges)
            with_offset = (day_end - day_start) != timedelta(days=1)
            row_start = first
            while row_start < last:
                row_end = row_start + step
                cells = [
                    _cell(
                        doctor,
                        row_start,
                        row_end,
                        closed=day in closed,
                        rule_windows=windows_of_day[doctor.pk],
                        has_rules=bool(rules[doctor.pk]),
                        blocked=blocked[doctor.pk],
                        booked=indexed[doctor.pk][0],
                        held=indexed[doctor.pk][1],
                        slots=indexed[doctor.pk][2],
                    )
                    for doctor in doctors
                ]
                rows.append(AgendaRow(row_start, row_end, _label(row_start, zone, with_offset=with_offset), cells))
                row_start = row_end
        day_list.append(AgendaDay(date=day, closed=closed.get(day), rows=rows))
    return Agenda(
        first_day=first_day,
        days=days,
        zone=zone,
        step=step_minutes,
        doctors=list(doctors),
        day_list=day_list,
        doctors_without_rules={doctor.pk for doctor in doctors if not rules[doctor.pk]},
    )


class _ByStart:
    """Items sorted by ``start``: those starting in ``[start, end)``, by bisection."""

    def __init__(self, items: list):
        self.items = sorted(items, key=lambda item: item.start)
        self.starts = [item.start for item in self.items]

    def starting_in(self, start: datetime, end: datetime) -> list:
        return self.items[bisect.bisect_left(self.starts, start) : bisect.bisect_left(self.starts, end)]


def _cell(
    doctor: Doctor,
    start: datetime,
    end: datetime,
    *,
    closed: bool,
    rule_windows: list[tuple[datetime, datetime]],
    has_rules: bool,
    blocked: list[BlockedTime],
    booked: _ByStart,
    held: _ByStart,
    slots: _ByStart,
) -> AgendaCell:
    if closed:
        kind = "closed"
    elif any(_overlaps(start, end, block.start, block.end) for block in blocked):
        kind = "blocked"
    elif has_rules and not any(_overlaps(start, end, opens, closes) for opens, closes in rule_windows):
        kind = "off"
    else:
        kind = "open"
    return AgendaCell(
        doctor=doctor,
        kind=kind,
        appointments=booked.starting_in(start, end),
        holds=held.starting_in(start, end),
        slots=slots.starting_in(start, end) if kind in ("open", "off") else [],
    )
