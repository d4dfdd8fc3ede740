"""The calendars' one statement (appointments/calendars.py): what it reads, what it leaves out, and
that another tenant's rows never come back — neither by the explicit filter nor, without it, by RLS."""

import datetime
from datetime import UTC

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.calendars import read_calendars
from appointments.models import Appointment, BlockedTime, ClosedDay, SlotHold
from appointments.tests.factories import AppointmentFactory, AvailabilityRuleFactory, DoctorFactory
from tenants.context import across_tenants, tenant_context

pytestmark = pytest.mark.django_db

THURSDAY = datetime.date(2030, 9, 26)
DAY_START = datetime.datetime(2030, 9, 26, 5, 0, tzinfo=UTC)  # local midnight in Bogotá
DAY_END = DAY_START + datetime.timedelta(days=1)
NINE = datetime.datetime(2030, 9, 26, 14, 0, tzinfo=UTC)
MINUTES = datetime.timedelta(minutes=1)


def _read(doctors, start=DAY_START, end=DAY_END, days=(THURSDAY, THURSDAY), **kwargs):
    return read_calendars(
        [doctor.pk for doctor in doctors],
        start,
        end,
        days,
        longest_occupied=datetime.timedelta(hours=26),
        margin=datetime.timedelta(hours=2),
        **kwargs,
    )


def _hold(doctor, start, *, expires_in, **fields):
    return SlotHold.objects.create(
        tenant=doctor.tenant,
        doctor=doctor,
        start=start,
        end=start + 30 * MINUTES,
        expires_at=datetime.datetime.now(UTC) + expires_in,
        **fields,
    )


def test_rules_blocked_time_bookings_holds_and_closed_days_in_one_statement():
    rule = AvailabilityRuleFactory(start_time=datetime.time(9), end_time=datetime.time(12))
    doctor, tenant = rule.doctor, rule.tenant
    AvailabilityRuleFactory(doctor=doctor, start_time=datetime.time(14), end_time=datetime.time(16))
    AvailabilityRuleFactory(doctor=doctor, valid_until=THURSDAY - datetime.timedelta(days=1))  # over before
    other = DoctorFactory(tenant=tenant)
    booked = AppointmentFactory(tenant=tenant, doctor=doctor, start=NINE)
    AppointmentFactory(tenant=tenant, doctor=doctor, start=NINE + 60 * MINUTES, state="cancelled")
    with tenant_context(tenant.id):
        Appointment.objects.filter(pk=booked.pk).update(buffer_before_minutes=10, buffer_after_minutes=5)
        BlockedTime.objects.create(tenant=tenant, doctor=doctor, start=NINE + 2 * 60 * MINUTES, end=DAY_END)
        live = _hold(doctor, NINE + 30 * MINUTES, expires_in=datetime.timedelta(minutes=5))
        _hold(doctor, NINE + 90 * MINUTES, expires_in=-MINUTES)  # expired: frees its place at once
        ClosedDay.objects.create(tenant=tenant, date=THURSDAY, name="Festivo")
        ClosedDay.objects.create(tenant=tenant, date=THURSDAY + datetime.timedelta(days=1), name="Otro")
        with CaptureQueriesContext(connection) as captured:
            read = _read([doctor, other])
    assert len(captured.captured_queries) == 1
    mine = read.doctors[doctor.pk]
    assert [(r.start_time, r.end_time) for r in mine.rules] == [
        (datetime.time(9), datetime.time(12)),
        (datetime.time(14), datetime.time(16)),
    ]
    assert mine.booked == [(NINE - 10 * MINUTES, NINE + 35 * MINUTES, booked.pk)]  # widened by its buffers
    assert mine.held == [(live.start, live.end, live.pk)]
    assert mine.blocked == [(NINE + 2 * 60 * MINUTES, DAY_END)]
    assert read.doctors[other.pk].rules == read.doctors[other.pk].booked == []
    assert read.closed_days == {THURSDAY}


def test_one_booking_and_one_hold_can_be_left_out():
    doctor = AvailabilityRuleFactory().doctor
    booked = AppointmentFactory(tenant=doctor.tenant, doctor=doctor, start=NINE)
    with tenant_context(doctor.tenant_id):
        hold = _hold(doctor, NINE + 30 * MINUTES, expires_in=datetime.timedelta(minutes=5))
        _hold(doctor, NINE + 60 * MINUTES, expires_in=datetime.timedelta(minutes=5), appointment=booked)
        assert {span[2] for span in _read([doctor]).doctors[doctor.pk].held} == {hold.pk}  # a used hold is gone
        left = _read([doctor], exclude_appointment=booked.pk, exclude_hold=hold.pk).doctors[doctor.pk]
    assert left.booked == left.held == []


def test_rows_far_from_the_window_are_not_read():
    doctor = AvailabilityRuleFactory().doctor
    AppointmentFactory(tenant=doctor.tenant, doctor=doctor, start=NINE - datetime.timedelta(days=2))
    AppointmentFactory(tenant=doctor.tenant, doctor=doctor, start=NINE + datetime.timedelta(days=2))
    with tenant_context(doctor.tenant_id):
        assert _read([doctor]).doctors[doctor.pk].booked == []


@pytest.mark.isolation
def test_another_tenants_calendar_never_comes_back(tenant, other_tenant):
    theirs = AvailabilityRuleFactory(tenant=other_tenant, doctor=DoctorFactory(tenant=other_tenant)).doctor
    AppointmentFactory(tenant=other_tenant, doctor=theirs, start=NINE)
    with tenant_context(other_tenant.id):
        BlockedTime.objects.create(tenant=other_tenant, doctor=theirs, start=NINE, end=DAY_END)
        _hold(theirs, NINE + 30 * MINUTES, expires_in=datetime.timedelta(minutes=5))
        ClosedDay.objects.create(tenant=other_tenant, date=THURSDAY, name="Festivo")
        assert _read([theirs]).doctors[theirs.pk].rules  # they are there for their own tenant
    empty = {"rules": [], "blocked": [], "booked": [], "held": []}
    with tenant_context(tenant.id):
        with CaptureQueriesContext(connection) as captured:
            read = _read([theirs])
        assert captured.captured_queries[0]["sql"].count('"tenant_id" = ') == 5  # every branch names it
        assert vars(read.doctors[theirs.pk]) == empty and read.closed_days == set()
        with across_tenants():  # no explicit filter: the runtime role's RLS alone still hides them
            with CaptureQueriesContext(connection) as captured:
                read = _read([theirs])
            assert '"tenant_id" = ' not in captured.captured_queries[0]["sql"]
            assert vars(read.doctors[theirs.pk]) == empty and read.closed_days == set()
