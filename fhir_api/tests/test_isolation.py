"""Tenant isolation through the FHIR facade: tenant A's key never reads, finds or books tenant B's resources,
through any interaction or search parameter (tests run as the runtime role, under RLS)."""

import datetime

import pytest

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory, AvailabilityRuleFactory, DoctorFactory
from fhir_api.tests.conftest import WEEK, slot_id
from fhir_api.tests.fhir import body, entries, get, outcome, send
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context

pytestmark = [pytest.mark.isolation, pytest.mark.django_db]
CC = "urn:secre:fhir:sid:document:CC"


@pytest.fixture
def theirs(other_tenant):
    doctor = DoctorFactory(
        tenant=other_tenant,
        document_number="77777777",
        first_name="Zoe",
        first_last_name="Quiroga",
        specialty="Oncología",
    )
    AvailabilityRuleFactory(doctor=doctor)
    patient = PatientFactory(
        tenant=other_tenant,
        document_number="66666666",
        first_name="Xiomara",
        first_last_name="Yepes",
        birth_date=datetime.date(1977, 7, 7),
        cell_phone="+573209999999",
    )
    appointment = AppointmentFactory(
        tenant=other_tenant,
        doctor=doctor,
        patient=patient,
        start=datetime.datetime(2030, 9, 26, 15, tzinfo=datetime.UTC),
    )
    return doctor, patient, appointment


def test_reads_of_another_tenants_ids_are_404(api, theirs):
    doctor, patient, appointment = theirs
    for path in (
        f"Patient/{patient.id}",
        f"Practitioner/{doctor.id}",
        f"PractitionerRole/{doctor.id}",
        f"Schedule/{doctor.id}",
        f"Slot/{slot_id(doctor)}",
        f"Appointment/{appointment.id}",
    ):
        outcome(get(api, path), 404, "not_found")


@pytest.mark.parametrize(
    ("resource_type", "params"),
    [
        ("Patient", {}),
        ("Patient", {"identifier": f"{CC}|66666666"}),
        ("Patient", {"identifier": "66666666"}),
        ("Patient", {"name": "xiom"}),
        ("Patient", {"name": "yepes"}),
        ("Patient", {"phone": "3209999999"}),
        ("Patient", {"birthdate": "1977-07-07"}),
        ("Practitioner", {}),
        ("Practitioner", {"identifier": f"{CC}|77777777"}),
        ("Practitioner", {"name": "quir"}),
        ("PractitionerRole", {}),
        ("PractitionerRole", {"specialty": "oncologia"}),
        ("Schedule", {}),
        ("Schedule", {"actor": "Practitioner/{doctor}"}),
        ("Slot", {**WEEK}),
        ("Slot", {"schedule": "Schedule/{doctor}", **WEEK}),
        ("Slot", {"schedule": "Schedule/{doctor}", "status": "busy", **WEEK}),
        ("Slot", {"service-type": "control", **WEEK}),
        ("Appointment", {}),
        ("Appointment", {"patient": "Patient/{patient}"}),
        ("Appointment", {"practitioner": "Practitioner/{doctor}"}),
        ("Appointment", {"date": "2030-09-26"}),
        ("Appointment", {"status": "booked"}),
    ],
)
def test_searches_never_find_another_tenants_resources(api, theirs, resource_type, params):
    doctor, patient, _ = theirs
    filled = {
        name: value.format(doctor=doctor.id, patient=patient.id) if isinstance(value, str) else value
        for name, value in params.items()
    }
    response = get(api, resource_type, **filled)
    assert response.status_code == 200
    assert entries(body(response)) == []


def test_another_tenants_slot_patient_or_doctor_cannot_be_booked(api, tenant, theirs):
    doctor, patient, _ = theirs
    mine = PatientFactory(tenant=tenant)
    their_slot = {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{slot_id(doctor, '1400')}"}],
        "participant": [{"actor": {"reference": f"Patient/{mine.id}"}}],
    }
    document = outcome(send(api, "post", "Appointment", their_slot), 400, "validation_error")
    assert document["issue"][0]["expression"] == ["Appointment.slot"]
    my_doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=my_doctor)
    their_patient = {
        **their_slot,
        "slot": [{"reference": f"Slot/{slot_id(my_doctor, '1400')}"}],
        "participant": [{"actor": {"reference": f"Patient/{patient.id}"}}],
    }
    document = outcome(send(api, "post", "Appointment", their_patient), 400, "validation_error")
    assert document["issue"][0]["expression"] == ["Appointment.participant"]
    by_times = {
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2030-09-26T14:00:00Z",
        "end": "2030-09-26T14:30:00Z",
        "participant": [
            {"actor": {"reference": f"Patient/{mine.id}"}},
            {"actor": {"reference": f"Practitioner/{doctor.id}"}},
        ],
    }
    outcome(send(api, "post", "Appointment", by_times), 400, "validation_error")
    with tenant_context(tenant.id):
        assert Appointment.objects.count() == 0


def test_another_tenants_appointment_cannot_be_cancelled(api, other_api, theirs):
    _, _, appointment = theirs
    resource = body(get(other_api, f"Appointment/{appointment.id}"))
    outcome(send(api, "put", f"Appointment/{appointment.id}", {**resource, "status": "cancelled"}), 404, "not_found")
    with tenant_context(appointment.tenant_id):
        assert Appointment.objects.get(pk=appointment.pk).state == "scheduled"
    assert body(get(other_api, f"Slot/{slot_id(appointment.doctor, '1500')}"))["status"] == "busy"
