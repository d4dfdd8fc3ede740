"""The agenda's grid builder (appointments/agenda.py): rows in the clinic's zone on daylight-saving days,
split shifts, capacity above 1, holds, blocked time, closed days, and a bounded number of queries."""

from __future__ import annotations

import datetime
from datetime import UTC, time, timedelta

import pytest

from appointments import services
from appointments.agenda import agenda_build
from appointments.models import Appointment
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

THURSDAY = datetime.date(2030, 9, 26)
SPRING_FORWARD = datetime.date(2030, 3, 10)  # a Sunday: New York skips 02:00-03:00
FALL_BACK = datetime.date(2030, 11, 3)  # a Sunday: New York repeats 01:00-02:00
NOW = datetime.datetime(2030, 1, 1, tzinfo=UTC)


def _build(tenant, first_day, doctors, days=1, **kwargs):
    with tenant_context(tenant.id):
        return agenda_build(
            tenant=Tenant.objects.get(pk=tenant.id), first_day=first_day, days=days, doctors=doctors, now=NOW, **kwargs
        )


def _column(agenda, index=0):
    """(label, kind, [appointment ids], [slot (start local HH:MM, remaining, capacity)], hold count) per row."""
    out = []
    for day in agenda.day_list:
        for row in day.rows:
            cell = row.cells[index]
            out.append(
                (
                    row.label,
                    cell.kind,
                    [a.pk for a in cell.appointments],
                    [(s.start.astimezone(agenda.zone).strftime("%H:%M"), s.remaining, s.capacity) for s in cell.slots],
                    len(cell.holds),
                )
            )
    return out


def test_the_spring_forward_day_in_new_york_has_no_two_oclock_row():
    tenant = TenantFactory(timezone="America/New_York")
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, day_of_week=7, start_time=time(0, 0), end_time=time(4, 0))
    rows = _column(_build(tenant, SPRING_FORWARD, [doctor]))
    labels = [label for label, *_ in rows]
    assert labels == [
        "00:00 (-05:00)",
        "00:30 (-05:00)",
        "01:00 (-05:00)",
        "01:30 (-05:00)",
        "03:00 (-04:00)",
        "03:30 (-04:00)",
    ]
    # The window is three real hours: six slots, each in its row.
    assert [slots for *_, slots, _ in rows] == [[(label[:5], 1, 1)] for label in labels]


def test_the_fall_back_day_in_new_york_shows_the_repeated_hour_twice_in_time_order():
    tenant = TenantFactory(timezone="America/New_York")
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, day_of_week=7, start_time=time(0, 0), end_time=time(4, 0))
    agenda = _build(tenant, FALL_BACK, [doctor])
    rows = agenda.day_list[0].rows
    assert [row.label for row in rows] == [
        "00:00 (-04:00)",
        "00:30 (-04:00)",
        "01:00 (-04:00)",
        "01:30 (-04:00)",
        "01:00 (-05:00)",
        "01:30 (-05:00)",
        "02:00 (-05:00)",
        "02:30 (-05:00)",
        "03:00 (-05:00)",
        "03:30 (-05:00)",
    ]
    assert all(b.start - a.start == timedelta(minutes=30) for a, b in zip(rows, rows[1:], strict=False))
    assert sum(len(row.cells[0].slots) for row in rows) == 10  # five real hours


def test_an_ordinary_day_next_to_a_dst_day_has_plain_labels():
    tenant = TenantFactory(timezone="America/New_York")
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, day_of_week=6, start_time=time(9, 0), end_time=time(10, 0))
    AvailabilityRuleFactory(doctor=doctor, day_of_week=7, start_time=time(9, 0), end_time=time(10, 0))
    agenda = _build(tenant, FALL_BACK - timedelta(days=1), [doctor], days=2)
    assert [row.label for row in agenda.day_list[0].rows] == ["09:00", "09:30"]
    assert [row.label for row in agenda.day_list[1].rows] == ["09:00 (-05:00)", "09:30 (-05:00)"]
    # 09:00 in New York is 13:00Z on Saturday (EDT) and 14:00Z on Sunday (EST).
    assert agenda.day_list[0].rows[0].start.astimezone(UTC).hour == 13
    assert agenda.day_list[1].rows[0].start.astimezone(UTC).hour == 14


def test_a_split_shift_shades_the_gap_and_a_booking_takes_its_slot():
    tenant = TenantFactory()
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, start_time=time(9, 0), end_time=time(12, 0))
    AvailabilityRuleFactory(doctor=doctor, start_time=time(14, 0), end_time=time(16, 0))
    patient = PatientFactory(tenant=tenant)
    with tenant_context(tenant.id):
        booked = services.appointment_book(
            tenant=Tenant.objects.get(pk=tenant.id),
            patient=patient,
            doctor=doctor,
            start=datetime.datetime(2030, 9, 26, 15, 0, tzinfo=UTC),  # 10:00 Bogotá
        )
    rows = {label: rest for label, *rest in _column(_build(tenant, THURSDAY, [doctor]))}
    assert list(rows) == [f"{h:02d}:{m:02d}" for h in range(9, 16) for m in (0, 30)]
    assert rows["10:00"] == ["open", [booked.pk], [], 0]
    assert rows["09:30"] == ["open", [], [("09:30", 1, 1)], 0]
    for label in ("12:00", "12:30", "13:00", "13:30"):
        assert rows[label] == ["off", [], [], 0]
    assert rows["14:00"] == ["open", [], [("14:00", 1, 1)], 0]


def test_capacity_above_one_shows_bookings_and_the_places_left():
    tenant = TenantFactory()
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, start_time=time(9, 0), end_time=time(10, 0), capacity=3)
    start = datetime.datetime(2030, 9, 26, 14, 0, tzinfo=UTC)  # 09:00 Bogotá
    with tenant_context(tenant.id):
        current = Tenant.objects.get(pk=tenant.id)
        booked = [
            services.appointment_book(tenant=current, patient=PatientFactory(tenant=tenant), doctor=doctor, start=start)
            for _ in range(2)
        ]
    rows = {label: rest for label, *rest in _column(_build(tenant, THURSDAY, [doctor]))}
    assert rows["09:00"] == ["open", [a.pk for a in booked], [("09:00", 1, 3)], 0]
    assert rows["09:30"] == ["open", [], [("09:30", 3, 3)], 0]


def test_holds_blocked_time_closed_days_cancelled_and_the_booking_window():
    tenant = TenantFactory()
    doctor = DoctorFactory(tenant=tenant, minimum_notice_minutes=24 * 60)
    AvailabilityRuleFactory(doctor=doctor, start_time=time(9, 0), end_time=time(12, 0))
    AvailabilityRuleFactory(doctor=doctor, day_of_week=5, start_time=time(9, 0), end_time=time(10, 0))
    patient = PatientFactory(tenant=tenant)
    at = lambda h, m=0: datetime.datetime(2030, 9, 26, h + 5, m, tzinfo=UTC)  # noqa: E731 (Bogotá is UTC-5)
    with tenant_context(tenant.id):
        current = Tenant.objects.get(pk=tenant.id)
        services.hold_create(tenant=current, doctor=doctor, start=at(10, 30), ttl_seconds=300)
        services.blocked_time_create(tenant=current, doctor=doctor, start=at(11), end=at(11, 30), reason="Junta")
        cancelled = services.appointment_book(tenant=current, patient=patient, doctor=doctor, start=at(9))
        services.appointment_cancel(appointment=cancelled, reason="x")
        services.closed_day_create(tenant=current, day=THURSDAY + timedelta(days=1), name="Festivo")
    now = at(8)  # the minimum notice (24 h) puts all of Thursday inside it
    with tenant_context(tenant.id):
        agenda = agenda_build(tenant=current, first_day=THURSDAY, days=2, doctors=[doctor], now=now)
    thursday = {row.label: row.cells[0] for row in agenda.day_list[0].rows}
    assert thursday["09:00"].appointments == []  # cancelled: its place is free again
    assert [s.outside_window for s in thursday["09:00"].slots] == [True]
    assert len(thursday["10:30"].holds) == 1 and thursday["10:30"].slots == []
    assert thursday["11:00"].kind == "blocked" and thursday["11:00"].slots == []
    friday = agenda.day_list[1]
    assert friday.closed == "Festivo"
    assert [cell.kind for row in friday.rows for cell in row.cells] == ["closed", "closed"]
    assert all(not row.cells[0].slots for row in friday.rows)
    with tenant_context(tenant.id):
        later = agenda_build(
            tenant=current, first_day=THURSDAY, days=1, doctors=[doctor], now=at(8) - timedelta(days=2)
        )
    assert [s.outside_window for s in later.day_list[0].rows[0].cells[0].slots] == [False]


def test_past_slots_are_not_offered_and_a_day_without_hours_has_no_rows():
    tenant = TenantFactory()
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, start_time=time(9, 0), end_time=time(10, 0))
    with tenant_context(tenant.id):
        current = Tenant.objects.get(pk=tenant.id)
        agenda = agenda_build(
            tenant=current,
            first_day=THURSDAY,
            days=2,
            doctors=[doctor],
            now=datetime.datetime(2030, 9, 26, 14, 45, tzinfo=UTC),  # 09:45 Bogotá
        )
    thursday, friday = agenda.day_list
    assert [len(row.cells[0].slots) for row in thursday.rows] == [0, 0]
    assert friday.rows == []


def test_days_are_bounded():
    tenant = TenantFactory()
    with pytest.raises(ValueError, match="between 1 and 7"):
        _build(tenant, THURSDAY, [], days=8)


def test_a_week_of_ten_doctors_and_300_appointments_reads_in_six_queries(django_assert_num_queries):
    tenant = TenantFactory()
    doctors, _ = _busy_week(tenant)
    with tenant_context(tenant.id):
        current = Tenant.objects.get(pk=tenant.id)
        with django_assert_num_queries(6):
            agenda = agenda_build(tenant=current, first_day=MONDAY, days=7, doctors=doctors, now=NOW)
            shown = sum(len(cell.appointments) for day in agenda.day_list for row in day.rows for cell in row.cells)
    assert shown == 300


MONDAY = datetime.date(2030, 9, 23)


def _busy_week(tenant):
    """Ten doctors with Monday-Friday 08:00-11:00 rules and every slot booked: 300 appointments."""
    doctors = [DoctorFactory(tenant=tenant) for _ in range(10)]
    for doctor in doctors:
        for day in range(1, 6):
            AvailabilityRuleFactory(doctor=doctor, day_of_week=day, start_time=time(8, 0), end_time=time(11, 0))
    patients = [PatientFactory(tenant=tenant) for _ in range(30)]
    rows = []
    for d, doctor in enumerate(doctors):
        for day in range(5):
            for k in range(6):
                start = datetime.datetime.combine(MONDAY + timedelta(days=day), time(13, 0), tzinfo=UTC) + timedelta(
                    minutes=30 * k
                )
                rows.append(
                    Appointment(
                        tenant=tenant,
                        doctor=doctor,
                        patient=patients[d * 3 + k % 3],
                        start=start,
                        end=start + timedelta(minutes=30),
                    )
                )
    with tenant_context(tenant.id):
        Appointment.objects.bulk_create(rows)
    return doctors, patients
