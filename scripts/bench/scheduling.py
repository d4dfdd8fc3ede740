"""Scheduling bench data and requests: doctors, weekly rules, 3M appointments; time-slots and booking.

Load (idempotent, like the patients): every bench tenant gets ``--doctors`` doctors (documents
``8000000000 + d``, type 1) with Monday-Friday rules 08:00-17:00 local, 30-minute slots, capacity
1, then its share of ``--appointments``. Appointment ``m`` of a tenant goes to doctor ``m % D`` as
that doctor's ``n = m // D``-th appointment, on grid slot ``3n`` (one slot in three taken), counted
from Monday ``ANCHOR`` over weekdays with 18 slots a day: with 3,000 per doctor that is about two
years, half past (mostly completed) and half future (mostly scheduled). Its patient is loaded row
``(n * D + d) % P`` of the tenant (``P`` loaded patients): at one instant every doctor's
appointment has a distinct patient and a patient's appointments are at distinct instants, so
neither exclusion constraint can fire. Loaded appointments have empty customFields; a tenant
holding ``k`` of them gets ``k..target-1`` only, one tenant at a time per connection so an
interrupted load stays a prefix. Bogotá has no daylight saving: 08:00 local is 13:00Z.

Booking: request ``i`` of a run phase books a 30-minute slot from ``BOOKING_ANCHOR`` (2028, where
nothing is loaded) on the same grid, marked ``customFields: {"bench": true}`` (not by ``comment``,
which is encrypted at rest and cannot be selected on); every phase (warm-up, fixed, saturation,
retries) gets its own block of grid slots, and the bench's bookings are deleted at the start of
every run, so no request ever collides: any 409 is a bug in this generator or the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection, connections
from django.utils import timezone
from uuid_utils.compat import uuid7

from scripts.bench.data import FIRST_DOCUMENT, LOADED_ROWS, BenchTenant
from scripts.bench.parallel import run_parallel
from tenants.context import tenant_context

FIRST_DOCTOR_DOCUMENT = 8_000_000_000
SLOTS_PER_DAY = 18  # 08:00-17:00, 30 minutes
SLOT_STEP = 3  # one grid slot in three is taken by a loaded appointment
DAY_OPENS_UTC = timedelta(hours=13)  # 08:00 America/Bogota (UTC-5, no DST)
SLOT = timedelta(minutes=30)
ANCHOR = date(2025, 11, 24)  # a Monday, about a year before the first run
BOOKING_ANCHOR = date(2028, 1, 3)  # a Monday, after every loaded appointment
PHASE_SLOTS = 2_000  # grid slots per booking phase and doctor (~111 weekdays)
CHUNK_ROWS = 10_000
BENCH_MARKER = "custom_fields @> '{\"bench\": true}'::jsonb"
LOADED_APPOINTMENTS = f"NOT ({BENCH_MARKER})"

INSERT_DOCTORS = """
INSERT INTO appointments_doctor (
    id, tenant_id, document_type_id, document_number, first_name, first_last_name, second_name,
    second_last_name, specialty, is_active, user_id, created_at, updated_at)
SELECT r.id, %(tenant_id)s, 1, (%(first_document)s + r.k - 1)::text,
       'Doctora', 'Bench ' || (r.k - 1), NULL, NULL,
       coalesce(%(specialty)s::text,
                (ARRAY['medicina general', 'pediatría', 'ginecología', 'dermatología'])[1 + (r.k - 1) %% 4]),
       true, NULL, now(), now()
FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS r(id, k)
ON CONFLICT DO NOTHING
"""
INSERT_RULES = """
INSERT INTO appointments_availabilityrule (
    id, tenant_id, doctor_id, day_of_week, start_time, end_time, appointment_duration_minutes,
    capacity, valid_from, valid_until, custom_fields, created_at, updated_at)
SELECT gen_random_uuid(), %(tenant_id)s, d.id, w, TIME '08:00', TIME '17:00', 30, 1, NULL, NULL, '{}'::jsonb,
       now(), now()
FROM appointments_doctor d CROSS JOIN generate_series(1, 5) AS w
WHERE d.document_type_id = 1 AND d.document_number = ANY(%(documents)s)
  AND NOT EXISTS (SELECT 1 FROM appointments_availabilityrule r WHERE r.doctor_id = d.id AND r.day_of_week = w)
"""
# The SQL modulo operator is written %% (psycopg placeholders use %).
INSERT_APPOINTMENTS = """
INSERT INTO appointments_appointment (
    id, tenant_id, patient_id, doctor_id, start, "end", modality, appointment_type, clinic_id, state,
    notification_state, capacity, overbooked, comment, notes, cancellation_reason, reminded_for_start,
    custom_fields, created_at, updated_at)
SELECT r.id, %(tenant_id)s, p.id, doc.id, t.start, t.start + interval '30 minutes',
       CASE WHEN x.h %% 4 = 0 THEN NULL ELSE 'presencial' END, NULL, NULL,
       CASE WHEN t.start < now() THEN
                CASE WHEN x.h / 16 %% 100 < 85 THEN 'completed' WHEN x.h / 16 %% 100 < 95 THEN 'cancelled'
                     ELSE 'no_show' END
            ELSE CASE WHEN x.h / 16 %% 100 < 85 THEN 'scheduled' WHEN x.h / 16 %% 100 < 95 THEN 'confirmed'
                      ELSE 'cancelled' END END,
       'pending', 1, false, NULL, NULL, NULL, NULL, '{}'::jsonb, now(), now()
FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS r(id, k)
CROSS JOIN LATERAL (
    SELECT %(start)s + r.k - 1 AS m,
           (hashint8extended(%(base)s + %(start)s + r.k - 1, 3) & 9223372036854775807) AS h
) AS x
CROSS JOIN LATERAL (SELECT x.m %% %(doctors)s AS d, x.m / %(doctors)s AS n) AS y
CROSS JOIN LATERAL (
    SELECT y.n * %(step)s / %(per_day)s AS w, y.n * %(step)s %% %(per_day)s AS j
) AS g
CROSS JOIN LATERAL (
    SELECT (%(anchor)s::date + (g.w / 5 * 7 + g.w %% 5)::int)::timestamp AT TIME ZONE 'UTC'
           + interval '13 hours' + g.j * interval '30 minutes' AS start
) AS t
JOIN appointments_doctor doc
  ON doc.document_type_id = 1 AND doc.document_number = (%(first_doctor)s + y.d)::text
JOIN patients_patient p
  ON p.document_type_id = 1
 AND p.document_number = (%(first_patient)s + (y.n * %(doctors)s + y.d) %% %(patients)s)::text
"""


def doctor_document(d: int) -> str:
    return str(FIRST_DOCTOR_DOCUMENT + d)


def grid_start(anchor: date, slot: int) -> datetime:
    """The UTC start of grid slot ``slot`` (weekdays only, 18 a day from 08:00 Bogotá) from ``anchor``."""
    weekday, j = divmod(slot, SLOTS_PER_DAY)
    day = anchor + timedelta(days=weekday // 5 * 7 + weekday % 5)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + DAY_OPENS_UTC + j * SLOT


def loaded_end(per_doctor: int) -> date:
    """The local day after the last loaded appointment."""
    return grid_start(ANCHOR, max(0, per_doctor - 1) * SLOT_STEP).date() + timedelta(days=1)


# Load ------------------------------------------------------------------------------------------


def ensure_doctors(tenants: list[BenchTenant], doctors: int, *, specialty: str | None = None) -> int:
    """``doctors`` doctors with their weekly rules in every tenant; returns the rows inserted. Their
    specialties rotate over four, or are all ``specialty`` (the big tenant's)."""
    documents = [doctor_document(d) for d in range(doctors)]
    inserted = 0
    for tenant in tenants:
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(
                INSERT_DOCTORS,
                {
                    "tenant_id": tenant.id,
                    "ids": [uuid7() for _ in range(doctors)],
                    "first_document": FIRST_DOCTOR_DOCUMENT,
                    "specialty": specialty,
                },
            )
            inserted += cursor.rowcount
            cursor.execute(INSERT_RULES, {"tenant_id": tenant.id, "documents": documents})
            inserted += cursor.rowcount
    return inserted


def appointment_counts(tenants: list[BenchTenant]) -> dict[int, int]:
    counts = {}
    for tenant in tenants:
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM appointments_appointment WHERE {LOADED_APPOINTMENTS}")
            counts[tenant.index] = cursor.fetchone()[0]
    return counts


def _patient_counts(tenants: list[BenchTenant]) -> dict[int, int]:
    counts = {}
    for tenant in tenants:
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM patients_patient WHERE {LOADED_ROWS}")
            counts[tenant.index] = cursor.fetchone()[0]
    return counts


def tidy(tenants: list[BenchTenant], targets: list[int]) -> int:
    """Delete the bench's bookings and loaded appointments past each tenant's target."""
    deleted = 0
    for tenant, target in zip(tenants, targets, strict=True):
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM appointments_appointment WHERE {BENCH_MARKER}")
            deleted += cursor.rowcount
            cursor.execute(f"SELECT count(*) FROM appointments_appointment WHERE {LOADED_APPOINTMENTS}")
            extra = cursor.fetchone()[0] - target
            if extra > 0:
                cursor.execute(
                    "DELETE FROM appointments_appointment WHERE id IN (SELECT id FROM appointments_appointment"
                    f" WHERE {LOADED_APPOINTMENTS} ORDER BY start DESC LIMIT %s)",
                    [extra],
                )
                deleted += cursor.rowcount
    return deleted


def delete_bookings(tenants: list[BenchTenant]) -> int:
    """Delete what the bench's booking requests created (``customFields.bench``)."""
    deleted = 0
    for tenant in tenants:
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM appointments_appointment WHERE {BENCH_MARKER}")
            deleted += cursor.rowcount
    return deleted


def _insert_tenant(tenant: BenchTenant, start: int, target: int, doctors: int, patients: int, report) -> None:
    for chunk_start in range(start, target, CHUNK_ROWS):
        size = min(CHUNK_ROWS, target - chunk_start)
        params = {
            "tenant_id": tenant.id,
            "ids": [uuid7() for _ in range(size)],
            "start": chunk_start,
            "base": tenant.index * 10_000_000,
            "doctors": doctors,
            "patients": patients,
            "step": SLOT_STEP,
            "per_day": SLOTS_PER_DAY,
            "anchor": ANCHOR,
            "first_doctor": FIRST_DOCTOR_DOCUMENT,
            "first_patient": FIRST_DOCUMENT,
        }
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute(INSERT_APPOINTMENTS, params)
            if cursor.rowcount != size:
                raise RuntimeError(f"tenant {tenant.index}: {cursor.rowcount} of {size} appointments inserted")
        report(size)


def load(tenants: list[BenchTenant], targets: list[int], *, doctors: int, jobs: int = 2) -> tuple[int, float]:
    """Insert the missing appointments (one tenant at a time per connection). Returns (rows, seconds)."""
    counts = appointment_counts(tenants)
    patients = _patient_counts(tenants)
    tasks = []
    missing = 0
    for tenant, target in zip(tenants, targets, strict=True):
        if counts[tenant.index] < target:
            if patients[tenant.index] < doctors:
                raise SystemExit(f"bench: tenant {tenant.index} has too few patients for its appointments")
            tasks.append((tenant, counts[tenant.index], target, patients[tenant.index]))
            missing += target - counts[tenant.index]
    if not missing:
        return 0, 0.0

    def insert(task, report) -> None:
        tenant, start, target, n_patients = task
        _insert_tenant(tenant, start, target, doctors, n_patients, report)

    label = f"loading {missing:,} appointments over {len(tenants)} tenants"
    return run_parallel(tasks, insert, jobs=jobs, total=missing, label=label)


def analyze() -> None:
    with connections["owner"].cursor() as cursor:
        for table in ("appointments_doctor", "appointments_availabilityrule", "appointments_appointment"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def total_rows(tenants: list[BenchTenant]) -> int:
    total = 0
    for tenant in tenants:
        with tenant_context(tenant.id), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM appointments_appointment")
            total += cursor.fetchone()[0]
    return total


# Requests --------------------------------------------------------------------------------------


def slot_days(per_doctor: int, count: int, seed: int = 11) -> list[date]:
    """``count`` future weekdays inside the loaded window (from tomorrow), spread evenly."""
    first = timezone.now().date() + timedelta(days=1)
    last = loaded_end(per_doctor) - timedelta(days=1)
    if last < first + timedelta(days=7):  # the loaded window is past: any future weekday
        last = first + timedelta(days=300)
    weekdays = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weekdays = [d for d in weekdays if d.isoweekday() <= 5]
    step = max(1, len(weekdays) // count)
    return [weekdays[(n * step + seed) % len(weekdays)] for n in range(count)]


def time_slot_targets(tenants: list[BenchTenant], doctors: int, per_doctor: int, days: int) -> list[tuple[str, int]]:
    """GET time-slots paths over every tenant, doctor and a spread of future weekdays."""
    dates = slot_days(per_doctor, 97)
    suffix = f"&days={days}" if days > 1 else ""
    targets = []
    n = 0
    for d in range(doctors):
        for tenant in tenants:
            day = dates[n % len(dates)]
            n += 1
            path = f"/v1/doctor-availability/time-slots/1/{doctor_document(d)}?date={day.isoformat()}{suffix}"
            targets.append((path, tenant.index))
    return targets


def slot_search_targets(key: int, per_doctor: int, specialty: str, days: int) -> list[tuple[str, int]]:
    """GET time-slots searches of ``specialty`` over ``days`` days from a spread of future weekdays."""
    return [
        (f"/v1/doctor-availability/time-slots?specialty={specialty}&date={day.isoformat()}&days={days}", key)
        for day in slot_days(per_doctor, 97)
    ]


@dataclass
class Booking:
    """The booking stream: request ``i`` of a phase is a unique free slot of a unique doctor-time,
    for a patient free at that time. Phases are allotted blocks of grid slots on first use."""

    tenants: int
    doctors: int
    patients: int  # loaded patients per tenant (the smallest tenant's count)
    phases: dict[str, int] = field(default_factory=dict)

    def capacity(self) -> int:
        """Requests one phase can make without repeating a slot."""
        return PHASE_SLOTS * self.doctors * self.tenants

    def phase(self, prefix: str) -> int:
        return self.phases.setdefault(prefix, len(self.phases))

    def body(self, i: int, prefix: str) -> tuple[int, str]:
        """(key index, JSON body) of request ``i`` in phase ``prefix``."""
        i %= self.capacity()  # past the capacity slots repeat: 409s, counted as non-2xx
        tenant, k = i % self.tenants, i // self.tenants
        d, s = k % self.doctors, k // self.doctors
        slot = self.phase(prefix) * PHASE_SLOTS + s
        start = grid_start(BOOKING_ANCHOR, slot)
        patient = (slot * self.doctors + d) % self.patients
        body = {
            "startAppointment": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endAppointment": (start + SLOT).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "patientDocumentTypeId": 1,
            "patientDocumentNumber": str(FIRST_DOCUMENT + patient),
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": doctor_document(d),
            "modality": "presencial",
            "customFields": {"bench": True},
        }
        return tenant, json.dumps(body, separators=(",", ":"))


def min_patients(tenants: list[BenchTenant]) -> int:
    return min(_patient_counts(tenants).values())
