"""Slots and availability checks: rules, blocked time, closed days, bookings, the past, DST."""

import datetime
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest

from appointments import availability
from appointments.models import Appointment, BlockedTime, ClosedDay
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

BOGOTA = ZoneInfo("America/Bogota")
THURSDAY = datetime.date(2030, 9, 26)  # a Thursday in the future


def _slots(doctor, day, zone=BOGOTA, days=1, include_full=False):
    with tenant_context(doctor.tenant_id):
        return availability.time_slots(doctor=doctor, first_day=day, days=days, zone=zone, include_full=include_full)


def _local(slots, zone=BOGOTA):
    return [s.start.astimezone(zone).strftime("%H:%M%z") for s in slots]


def _book(doctor, start, end, state="scheduled", capacity=1):
    patient = PatientFactory(tenant=doctor.tenant)
    with tenant_context(doctor.tenant_id):
        return Appointment.objects.create(
            tenant=doctor.tenant, doctor=doctor, patient=patient, start=start, end=end, state=state, capacity=capacity
        )


def test_bogota_rule_is_local_wall_clock_time():
    rule = AvailabilityRuleFactory(start_time=datetime.time(9), end_time=datetime.time(10))
    slots = _slots(rule.doctor, THURSDAY)
    assert [s.start for s in slots] == [
        datetime.datetime(2030, 9, 26, 14, 0, tzinfo=UTC),
        datetime.datetime(2030, 9, 26, 14, 30, tzinfo=UTC),
    ]
    assert _local(slots) == ["09:00-0500", "09:30-0500"]
    assert _slots(rule.doctor, THURSDAY + datetime.timedelta(days=1)) == []  # Friday: no rule


def test_split_shifts_and_several_days_in_time_order():
    morning = AvailabilityRuleFactory(start_time=datetime.time(8), end_time=datetime.time(9), day_of_week=4)
    AvailabilityRuleFactory(
        doctor=morning.doctor, start_time=datetime.time(14), end_time=datetime.time(15), day_of_week=4
    )
    AvailabilityRuleFactory(
        doctor=morning.doctor, start_time=datetime.time(7), end_time=datetime.time(8), day_of_week=5
    )
    slots = _slots(morning.doctor, THURSDAY, days=2)
    assert _local(slots) == ["08:00-0500", "08:30-0500", "14:00-0500", "14:30-0500", "07:00-0500", "07:30-0500"]
    assert slots == sorted(slots, key=lambda s: s.start)


def test_blocked_time_closed_days_and_validity_remove_slots():
    rule = AvailabilityRuleFactory(start_time=datetime.time(9), end_time=datetime.time(11))
    doctor = rule.doctor
    with tenant_context(doctor.tenant_id):
        BlockedTime.objects.create(
            tenant=doctor.tenant,
            doctor=doctor,
            start=datetime.datetime(2030, 9, 26, 14, 15, tzinfo=UTC),  # 09:15 local
            end=datetime.datetime(2030, 9, 26, 15, 0, tzinfo=UTC),
        )
    assert _local(_slots(doctor, THURSDAY)) == ["10:00-0500", "10:30-0500"]
    next_week = THURSDAY + datetime.timedelta(days=7)
    with tenant_context(doctor.tenant_id):
        ClosedDay.objects.create(tenant=doctor.tenant, date=next_week, name="Festivo")
    assert _slots(doctor, next_week) == []
    rule.valid_until = THURSDAY - datetime.timedelta(days=1)
    with tenant_context(doctor.tenant_id):
        rule.save()
    assert _slots(doctor, THURSDAY) == []


def test_booked_slots_disappear_and_cancelled_or_no_show_free_them():
    rule = AvailabilityRuleFactory(start_time=datetime.time(9), end_time=datetime.time(10))
    nine = datetime.datetime(2030, 9, 26, 14, 0, tzinfo=UTC)
    appointment = _book(rule.doctor, nine, nine + datetime.timedelta(minutes=30))
    assert _local(_slots(rule.doctor, THURSDAY)) == ["09:30-0500"]
    full = _slots(rule.doctor, THURSDAY, include_full=True)
    assert [(s.capacity, s.remaining) for s in full] == [(1, 0), (1, 1)]
    for freeing_state in ("cancelled", "no_show"):
        with tenant_context(rule.doctor.tenant_id):
            Appointment.objects.filter(pk=appointment.pk).update(state=freeing_state)
        assert _local(_slots(rule.doctor, THURSDAY)) == ["09:00-0500", "09:30-0500"]


def test_group_capacity_counts_remaining_places():
    rule = AvailabilityRuleFactory(start_time=datetime.time(9), end_time=datetime.time(10), capacity=3)
    nine = datetime.datetime(2030, 9, 26, 14, 0, tzinfo=UTC)
    _book(rule.doctor, nine, nine + datetime.timedelta(minutes=30), capacity=3)
    _book(rule.doctor, nine, nine + datetime.timedelta(minutes=30), capacity=3)
    first = _slots(rule.doctor, THURSDAY)[0]
    assert (first.capacity, first.remaining) == (3, 1)


def test_never_the_past():
    today = datetime.datetime.now(BOGOTA).date()
    rule = AvailabilityRuleFactory(
        day_of_week=today.isoweekday(), start_time=datetime.time(0), end_time=datetime.time(23, 30)
    )
    now = datetime.datetime.now(UTC)
    assert all(slot.start >= now for slot in _slots(rule.doctor, today))


def test_new_york_spring_forward_day():
    """2030-03-10, 02:00 EST jumps to 03:00 EDT: a 00:00-04:00 rule is three real hours."""
    tenant = TenantFactory(timezone="America/New_York")
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, day_of_week=7, start_time=datetime.time(0), end_time=datetime.time(4))
    AvailabilityRuleFactory(doctor=doctor, day_of_week=7, start_time=datetime.time(9), end_time=datetime.time(10))
    zone = ZoneInfo("America/New_York")
    slots = _slots(doctor, datetime.date(2030, 3, 10), zone=zone)
    assert _local(slots, zone) == [
        "00:00-0500",
        "00:30-0500",
        "01:00-0500",
        "01:30-0500",
        "03:00-0400",
        "03:30-0400",
        "09:00-0400",
        "09:30-0400",
    ]
    assert slots[-2].start == datetime.datetime(2030, 3, 10, 13, 0, tzinfo=UTC)


def test_new_york_fall_back_day():
    """2030-11-03, 02:00 EDT falls back to 01:00 EST: the 01:00 hour happens twice."""
    tenant = TenantFactory(timezone="America/New_York")
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, day_of_week=7, start_time=datetime.time(0), end_time=datetime.time(3))
    AvailabilityRuleFactory(doctor=doctor, day_of_week=7, start_time=datetime.time(9), end_time=datetime.time(10))
    zone = ZoneInfo("America/New_York")
    slots = _slots(doctor, datetime.date(2030, 11, 3), zone=zone)
    assert _local(slots, zone) == [
        "00:00-0400",
        "00:30-0400",
        "01:00-0400",
        "01:30-0400",
        "01:00-0500",
        "01:30-0500",
        "02:00-0500",
        "02:30-0500",
        "09:00-0500",
        "09:30-0500",
    ]
    assert slots[-2].start == datetime.datetime(2030, 11, 3, 14, 0, tzinfo=UTC)


def test_check_availability_reasons():
    rule = AvailabilityRuleFactory(start_time=datetime.time(9), end_time=datetime.time(10))
    doctor = rule.doctor
    nine = datetime.datetime(2030, 9, 26, 14, 0, tzinfo=UTC)
    half = datetime.timedelta(minutes=30)

    def check(start, end):
        with tenant_context(doctor.tenant_id):
            return availability.check_availability(doctor=doctor, start=start, end=end, zone=BOGOTA)

    assert check(nine, nine + half).available
    assert check(nine - half, nine).reasons == ["outside_hours"]
    booked = _book(doctor, nine, nine + half)
    result = check(nine, nine + half)
    assert result.reasons == ["taken"] and result.conflicting_appointment_id == booked.id
    past = datetime.datetime(2020, 1, 2, 14, tzinfo=UTC)
    assert "in_past" in check(past, past + half).reasons
    with tenant_context(doctor.tenant_id):
        doctor.is_active = False
        doctor.save()
    assert "doctor_inactive" in check(nine + half, nine + 2 * half).reasons


def test_overlap_queries_read_a_window_of_the_index_not_the_whole_history():

    rule = AvailabilityRuleFactory(start_time=datetime.time(9), end_time=datetime.time(10))
    doctor = rule.doctor
    with tenant_context(doctor.tenant_id):
        queryset = availability.active_overlapping(
            doctor, datetime.datetime(2030, 9, 26, 14, tzinfo=UTC), datetime.datetime(2030, 9, 26, 15, tzinfo=UTC)
        )
        sql, params = queryset.query.sql_with_params()
    assert '"start" >' in sql and '"start" <' in sql  # bounded on both sides: an index range, not a scan
