"""The console agenda's render time (issue 21): a week of 10 doctors with 300 appointments.

``python -m scripts.bench.agenda`` (``make bench-agenda``): migrate, make sure the tenant ``bench-agenda``
exists with 10 doctors (Monday-Friday 08:00-17:00, 30-minute slots), 30 patients, an Assistant and 300
appointments in the week of ``WEEK`` (each doctor's 08:00-11:00 fully booked Monday to Friday, the rest of
each day free slots: 1,200 of them), then request the week view as the Assistant through
Django's full stack in this process (sessions, authentication, the tenancy middleware, the view, the
templates) ``--runs`` times after ``--warmup`` requests. Prints the median, p95 and worst server time, the
queries of one request, and the median as a share of the 300 ms target (docs/benchmarks.md). Exits 1 when
the median is over it. No HTTP server or load generator is involved: this is the server's own time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_MS = 300.0
TENANT_NAME = "bench-agenda"
WEEK = date(2030, 9, 23)  # a Monday
DOCTORS = 10
PATIENTS = 30
PER_DAY = 6  # 08:00-11:00, 30 minutes: 10 doctors x 5 days x 6 = 300
URL = "/admin/appointments/appointment/agenda/"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secre.settings")
    import django

    django.setup()


def _prepare():
    """The bench tenant and its week (idempotent); returns its Assistant."""
    from django.db import transaction

    from appointments.models import Appointment, AvailabilityRule, Doctor
    from patients.models import Patient
    from tenants import roles
    from tenants.bypass import operator_access
    from tenants.context import tenant_context
    from tenants.models import Tenant, User
    from tenants.services import staff_create, tenant_create

    with transaction.atomic(), operator_access() as alias:
        tenant = Tenant.objects.using(alias).filter(name=TENANT_NAME).first()
        user = User.objects.using(alias).filter(username=TENANT_NAME).first()
    if tenant is None:
        tenant = tenant_create(name=TENANT_NAME, timezone="America/Bogota")
    with tenant_context(tenant.id):
        tenant = Tenant.objects.get(pk=tenant.id)
        if user is None:
            user, _ = staff_create(tenant=tenant, username=TENANT_NAME, role=roles.ASSISTANT, password=None)
        user = User.objects.get(pk=user.pk)  # on the default connection (not the operator's)
        doctors = list(Doctor.objects.order_by("document_number"))
        if not doctors:
            doctors = Doctor.objects.bulk_create(
                Doctor(
                    tenant=tenant,
                    document_type_id=1,
                    document_number=str(7_000_000_000 + d),
                    first_name="Doctora",
                    first_last_name=f"Agenda {d}",
                    specialty="medicina general",
                )
                for d in range(DOCTORS)
            )
            AvailabilityRule.objects.bulk_create(
                AvailabilityRule(
                    tenant=tenant,
                    doctor=doctor,
                    day_of_week=day,
                    start_time=datetime.min.time().replace(hour=8),
                    end_time=datetime.min.time().replace(hour=17),
                )
                for doctor in doctors
                for day in range(1, 6)
            )
        patients = list(Patient.objects.order_by("document_number"))
        if not patients:
            patients = Patient.objects.bulk_create(
                Patient(
                    tenant=tenant,
                    document_type_id=1,
                    document_number=str(6_000_000_000 + p),
                    first_name="Paciente",
                    first_last_name=f"Agenda {p}",
                )
                for p in range(PATIENTS)
            )
        if not Appointment.objects.exists():
            opens = datetime.combine(WEEK, datetime.min.time(), tzinfo=UTC) + timedelta(hours=13)  # 08:00 Bogotá
            Appointment.objects.bulk_create(
                Appointment(
                    tenant=tenant,
                    doctor=doctor,
                    patient=patients[d * 3 + k % 3],
                    start=opens + timedelta(days=day, minutes=30 * k),
                    end=opens + timedelta(days=day, minutes=30 * (k + 1)),
                    appointment_type="control",
                )
                for d, doctor in enumerate(doctors)
                for day in range(5)
                for k in range(PER_DAY)
            )
        count = Appointment.objects.filter(
            start__gte=opens_of(WEEK), start__lt=opens_of(WEEK + timedelta(days=7))
        ).count()
    return user, count


def opens_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.agenda", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="measured requests (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="requests before measuring (default 3)")
    parser.add_argument("--skip-migrate", action="store_true", help="do not apply migrations first")
    args = parser.parse_args(argv)
    if not args.skip_migrate:
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True)
    _setup()
    import logging

    from django.db import connection
    from django.test import Client

    from scripts.bench import cpu

    logging.getLogger("secre.request").setLevel(logging.WARNING)  # one line per request otherwise

    user, count = _prepare()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    params = {"date": WEEK.isoformat(), "view": "week"}
    for _ in range(args.warmup):
        assert client.get(URL, params, secure=True).status_code == 200
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        response = client.get(URL, params, secure=True)
    assert response.status_code == 200, response.status_code
    shown = response.content.decode().count('class="appt state-') - 4  # the legend's four
    times, cpu_times, db_times = [], [], []
    in_db = [0.0]

    def timed(execute, sql, *rest):
        started = time.perf_counter()
        try:
            return execute(sql, *rest)
        finally:
            in_db[0] += time.perf_counter() - started

    meter = cpu.Meter()
    with connection.execute_wrapper(timed):
        for _ in range(args.runs):
            in_db[0] = 0.0
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(URL, params, secure=True)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - started_cpu) * 1000)
            db_times.append(in_db[0] * 1000)
    usage = meter.stop()
    times.sort()
    median = statistics.median(times)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"agenda week: {DOCTORS} doctors, {count} appointments in the week, {shown} shown,"
        f" {len(response.content):,} bytes"
    )
    print(f"queries per request: {len(queries)}")
    if os.environ.get("BENCH_AGENDA_QUERIES"):
        for sql in queries:
            print("  ", sql[:150])
    print(
        f"server time over {args.runs} requests: median {median:.1f} ms, p95 {p95:.1f} ms, worst {times[-1]:.1f} ms"
        f" — median {median / TARGET_MS:.0%} of the {TARGET_MS:.0f} ms target"
    )
    print(
        f"median per request: {statistics.median(cpu_times):.1f} ms of this process's CPU (the app's Python),"
        f" {statistics.median(db_times):.1f} ms waiting on its {len(queries)} queries"
    )
    if usage is not None:
        print(f"other load during the run: {usage.other_cores:.2f} cores of {os.cpu_count()}")
    return 0 if median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
