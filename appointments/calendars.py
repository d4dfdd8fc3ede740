"""What is known of some doctors over a window of time, read in one statement.

Every slot search and every availability check (bookings and holds, under the doctor's lock) needs,
for a few doctors and a window: their weekly rules, blocked time, active appointments, live holds,
and the clinic's closed days. As five ORM queries, building them was most of a specialty search's
server time (issue 16 and 18's profiles: about a millisecond of Python per query); here they are
one ``UNION ALL`` statement whose text is built once at import, so PostgreSQL plans each branch by
its own index and the request pays one round trip.

What the rows mean is decided in appointments/availability.py; this module only reads. Like every
ORM read of a tenant table (tenants/scoping.py), each branch names its tenant explicitly when a
tenant context is entered, besides row-level security; outside one (operators' cross-tenant work)
RLS alone decides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections

from appointments.models import Appointment, AvailabilityRule, BlockedTime, ClosedDay, SlotHold
from tenants.context import NOT_SCOPED, scoped_tenant


@dataclass(frozen=True)
class WeeklyRule:
    """One of a doctor's weekly rules (seed 001's availability rule): ISO ``day_of_week`` (1 = Monday),
    wall-clock ``start_time``/``end_time`` in the clinic's zone, the slot grid step
    ``appointment_duration_minutes``, ``capacity`` (patients per slot) and the local dates it is
    valid between (None: open)."""

    id: UUID
    doctor_id: UUID
    day_of_week: int
    start_time: time
    end_time: time
    appointment_duration_minutes: int
    capacity: int
    valid_from: date | None
    valid_until: date | None


@dataclass
class DoctorCalendar:
    """One doctor's rules (by start time), blocked intervals and occupied spans over a window. Spans are
    ``(start, end, id)`` in UTC and already widened by the row's buffers."""

    rules: list[WeeklyRule] = field(default_factory=list)
    blocked: list[tuple[datetime, datetime]] = field(default_factory=list)
    booked: list[tuple[datetime, datetime, UUID]] = field(default_factory=list)
    held: list[tuple[datetime, datetime, UUID]] = field(default_factory=list)


@dataclass
class Calendars:
    """The calendars of the doctors asked for (a doctor with nothing has an empty one) and the clinic's
    closed local dates over the days asked for."""

    doctors: dict[UUID, DoctorCalendar]
    closed_days: set[date]


def _table(model) -> str:
    return f'"{model._meta.db_table}"'


def _statement(scoped: bool) -> str:
    def tenant(model) -> str:
        return f'{_table(model)}."tenant_id" = %(tenant)s AND ' if scoped else ""

    def occupying(kind: str, model, condition: str, exclude: str) -> str:
        """Rows of ``model`` (appointments, holds) whose span with buffers may meet the window."""
        table = _table(model)
        return f"""SELECT '{kind}', {table}."doctor_id",
       {table}."start" - {table}."buffer_before_minutes" * interval '1 minute',
       {table}."end" + {table}."buffer_after_minutes" * interval '1 minute',
       {table}."id", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {table}
 WHERE {tenant(model)}{table}."doctor_id" = ANY(%(doctors)s) AND {condition}
   AND {table}."start" < %(occupied_before)s AND {table}."start" > %(occupied_after)s
   AND {table}."end" > %(occupied_end_after)s
   AND {table}."id" IS DISTINCT FROM %({exclude})s"""

    rule, blocked, appointment, hold, closed = (
        _table(AvailabilityRule),
        _table(BlockedTime),
        _table(Appointment),
        _table(SlotHold),
        _table(ClosedDay),
    )
    booked = occupying("a", Appointment, f'{appointment}."state" = ANY(%(active_states)s)', "exclude_appointment")
    live = f'{hold}."appointment_id" IS NULL AND {hold}."expires_at" > clock_timestamp()'
    held = occupying("h", SlotHold, live, "exclude_hold")
    # Row shape: kind, doctor, span start, span end, id, then the rule's columns, then a closed date.
    # The first branch casts every column, so the others' NULLs take its types.
    return f"""
SELECT 'r'::text, {rule}."doctor_id", NULL::timestamptz, NULL::timestamptz, {rule}."id",
       {rule}."day_of_week"::int, {rule}."start_time", {rule}."end_time",
       {rule}."appointment_duration_minutes"::int, {rule}."capacity"::int,
       {rule}."valid_from", {rule}."valid_until", NULL::date
  FROM {rule}
 WHERE {tenant(AvailabilityRule)}{rule}."doctor_id" = ANY(%(doctors)s)
   AND ({rule}."valid_from" IS NULL OR {rule}."valid_from" <= %(last_day)s)
   AND ({rule}."valid_until" IS NULL OR {rule}."valid_until" >= %(first_day)s)
UNION ALL
SELECT 'b', {blocked}."doctor_id", {blocked}."start", {blocked}."end", NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {blocked}
 WHERE {tenant(BlockedTime)}{blocked}."doctor_id" = ANY(%(doctors)s)
   AND {blocked}."start" < %(end)s AND {blocked}."end" > %(start)s
UNION ALL
{booked}
UNION ALL
{held}
UNION ALL
SELECT 'c', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, {closed}."date"
  FROM {closed}
 WHERE {tenant(ClosedDay)}{closed}."date" >= %(first_day)s AND {closed}."date" <= %(last_day)s
"""


_STATEMENTS = {True: _statement(scoped=True), False: _statement(scoped=False)}


def read_calendars(
    doctor_ids: list[UUID],
    start: datetime,
    end: datetime,
    days: tuple[date, date],
    *,
    longest_occupied: timedelta,
    margin: timedelta,
    exclude_appointment: UUID | None = None,
    exclude_hold: UUID | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Calendars:
    """The calendars of ``doctor_ids`` over ``[start, end)`` (UTC) and the closed days among the local
    ``days`` (first, last; inclusive), in one statement.

    Rules are those valid on some of the days; blocked time is what overlaps the window. Appointments
    (scheduled or confirmed) and live holds (not booked, ``expires_at`` after ``clock_timestamp()``) are
    those whose span with buffers may meet the window: starting less than ``margin`` (the longest
    buffer) after its end and less than ``longest_occupied`` (the longest appointment plus a buffer)
    before its start, so the doctor's ``(tenant, doctor, start)`` index reads a bounded range; the
    caller refines. ``exclude_appointment`` and ``exclude_hold`` leave one row out (a reschedule's old
    appointment, the hold being booked)."""
    tenant = scoped_tenant(using=using)
    params = {
        "tenant": tenant,
        "doctors": list(doctor_ids),
        "start": start,
        "end": end,
        "first_day": days[0],
        "last_day": days[1],
        "active_states": [str(state) for state in Appointment.ACTIVE_STATES],
        "occupied_before": end + margin,
        "occupied_after": start - longest_occupied,
        "occupied_end_after": start - margin,
        "exclude_appointment": exclude_appointment,
        "exclude_hold": exclude_hold,
    }
    calendars: dict[UUID, DoctorCalendar] = defaultdict(DoctorCalendar)
    closed: set[date] = set()
    with connections[using].cursor() as cursor:
        cursor.execute(_STATEMENTS[tenant is not NOT_SCOPED], params)
        rows = cursor.fetchall()
    for kind, doctor_id, span_start, span_end, row_id, *rule, closed_day in rows:
        if kind == "r":
            calendars[doctor_id].rules.append(WeeklyRule(row_id, doctor_id, *rule))
        elif kind == "b":
            calendars[doctor_id].blocked.append((span_start, span_end))
        elif kind == "a":
            calendars[doctor_id].booked.append((span_start, span_end, row_id))
        elif kind == "h":
            calendars[doctor_id].held.append((span_start, span_end, row_id))
        else:
            closed.add(closed_day)
    for calendar in calendars.values():
        calendar.rules.sort(key=lambda rule: (rule.start_time, rule.id))
    return Calendars(doctors={doctor_id: calendars[doctor_id] for doctor_id in doctor_ids}, closed_days=closed)
