"""Tenant isolation of scheduling data, over HTTP and in the database itself."""

import datetime
import uuid
from datetime import UTC

import pytest
from django.db import IntegrityError, connection, transaction

from appointments.models import Appointment
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context

pytestmark = [pytest.mark.isolation, pytest.mark.django_db]

START = datetime.datetime(2030, 9, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def theirs(other_tenant):
    doctor = DoctorFactory(tenant=other_tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor)
    patient = PatientFactory(tenant=other_tenant, document_number="12345678")
    with tenant_context(other_tenant.id):
        appointment = Appointment.objects.create(
            tenant=other_tenant, doctor=doctor, patient=patient, start=START, end=START + datetime.timedelta(minutes=30)
        )
    return doctor, patient, appointment


def test_cannot_see_or_touch_another_tenants_scheduling(api, theirs):
    doctor, patient, appointment = theirs
    assert api.get(f"/v1/doctors/{doctor.id}").status_code == 404
    assert api.get("/v1/doctors/by-document/1/99999999").status_code == 404
    assert api.get("/v1/doctors").json()["results"] == []
    assert api.get(f"/v1/appointments/{appointment.id}").status_code == 404
    assert api.get("/v1/appointments").json()["results"] == []
    assert api.patch(f"/v1/appointments/{appointment.id}", {"state": "cancelled"}, format="json").status_code == 404
    assert api.post(f"/v1/appointments/{appointment.id}/cancel", {}, format="json").status_code == 404
    assert api.delete(f"/v1/appointments/{appointment.id}").status_code == 404
    assert api.get("/v1/doctor-availability/time-slots/1/99999999?date=2030-09-26").status_code == 404
    assert api.get("/v1/doctor-availability/availability/1/99999999").status_code == 404
    with tenant_context(appointment.tenant_id):
        assert Appointment.objects.get(pk=appointment.pk).state == "scheduled"


def test_cannot_book_another_tenants_doctor_or_patient(api, theirs):
    response = api.post(
        "/v1/appointments",
        {
            "startAppointment": "2030-09-26T10:00:00",
            "endAppointment": "2030-09-26T10:30:00",
            "patientDocumentTypeId": 1,
            "patientDocumentNumber": "12345678",
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"patientDocumentNumber", "doctorDocumentNumber"}


def test_the_database_refuses_a_cross_tenant_reference(tenant, theirs):
    """Even with a forged insert (application code bypassed), an appointment of tenant A cannot
    reference tenant B's patient: the composite (tenant_id, patient_id) foreign key refuses it."""
    their_doctor, their_patient, _ = theirs
    my_doctor = DoctorFactory(tenant=tenant)
    forged = """INSERT INTO appointments_appointment (id, tenant_id, patient_id, doctor_id, start, "end", state,
                notification_state, capacity, overbooked, custom_fields, created_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, 'scheduled', 'pending', 1, false, '{}', now(), now())"""
    params = [uuid.uuid4(), tenant.id, their_patient.id, my_doctor.id, START, START + datetime.timedelta(hours=1)]
    with tenant_context(tenant.id), connection.cursor() as cursor:  # noqa: SIM117 (the savepoint goes inside)
        with pytest.raises(IntegrityError, match="same_tenant_fk"), transaction.atomic():
            cursor.execute(forged, params)
