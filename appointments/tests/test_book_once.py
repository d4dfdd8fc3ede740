"""Booking by times that is safe to retry (appointments.services.appointment_book_once): a repeat of the same
patient, doctor and start within 10 minutes of a success is that booking, under concurrency too."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections

from appointments.errors import SlotTaken
from appointments.models import Appointment
from appointments.services import appointment_book_once, appointment_cancel
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory

NINE = datetime(2030, 9, 26, 9, 0, tzinfo=ZoneInfo("America/Bogota"))  # a Thursday


def _clinic():
    tenant = TenantFactory()
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor, day_of_week=4)
    return tenant, doctor, PatientFactory(tenant=tenant)


def _book(tenant, doctor, patient, start=NINE):
    with tenant_context(tenant.id):
        return appointment_book_once(tenant=tenant, patient=patient, doctor=doctor, start=start)


@pytest.mark.django_db
def test_a_repeat_within_ten_minutes_is_the_same_booking():
    tenant, doctor, patient = _clinic()
    first, created = _book(tenant, doctor, patient)
    again, created_again = _book(tenant, doctor, patient)
    assert created is True and created_again is False and again.pk == first.pk
    with tenant_context(tenant.id):
        assert Appointment.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_after_ten_minutes_it_is_a_new_booking_and_meets_the_rules():
    tenant, doctor, patient = _clinic()
    first, _ = _book(tenant, doctor, patient)
    with tenant_context(tenant.id):
        Appointment.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(minutes=11))
    with pytest.raises(SlotTaken):  # no retry any more: the slot is its own
        _book(tenant, doctor, patient)


@pytest.mark.django_db
def test_a_cancelled_booking_is_not_repeated_and_another_start_is_another_booking():
    tenant, doctor, patient = _clinic()
    first, _ = _book(tenant, doctor, patient)
    with tenant_context(tenant.id):
        appointment_cancel(appointment=first)
    second, created = _book(tenant, doctor, patient)
    assert created is True and second.pk != first.pk
    third, created = _book(tenant, doctor, patient, start=NINE + timedelta(hours=1))
    assert created is True and third.pk not in (first.pk, second.pk)


@pytest.mark.usefixtures("committed_db")
def test_concurrent_repeats_make_one_appointment():
    tenant, doctor, patient = _clinic()
    attempts = 8
    barrier = threading.Barrier(attempts)
    results: list = []
    errors: list = []

    def attempt() -> None:
        try:
            barrier.wait()
            appointment, created = _book(tenant, doctor, patient)
            results.append((appointment.pk, created))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({pk for pk, _ in results}) == 1 and [created for _, created in results].count(True) == 1
    with tenant_context(tenant.id):
        assert Appointment.objects.filter(patient=patient).count() == 1
