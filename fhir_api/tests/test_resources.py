"""Reads and searches of every resource, each answer validated against fhir.resources' R4B models."""

import datetime

import pytest
from django.utils import timezone

from appointments.models import AppointmentType
from appointments.tests.factories import AppointmentFactory, DoctorFactory
from fhir_api.tests.conftest import WEEK, slot_id
from fhir_api.tests.fhir import FHIR_JSON, body, entries, get, outcome
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context

pytestmark = pytest.mark.django_db
CC = "urn:secre:fhir:sid:document:CC"


def ids(response) -> list[str]:
    return [resource["id"] for resource in entries(body(response))]


def test_patient_read_maps_document_name_telecom_gender_birth_date_and_eps(api, clinic):
    _, patient = clinic
    response = get(api, f"Patient/{patient.id}")
    assert response.status_code == 200
    resource = body(response)
    assert resource["identifier"] == [
        {
            "use": "official",
            "type": {
                "coding": [
                    {
                        "system": "urn:secre:fhir:CodeSystem:document-type",
                        "code": "CC",
                        "display": "Cédula de ciudadanía",
                    }
                ],
                "text": "Cédula de ciudadanía",
            },
            "system": CC,
            "value": "12345678",
        }
    ]
    name = resource["name"][0]
    assert name["given"] == ["Juan", "Carlos"] and name["family"] == "Pérez Gómez"
    assert [e["valueString"] for e in name["_family"]["extension"]] == ["Pérez", "Gómez"]
    assert resource["telecom"] == [
        {"system": "phone", "value": "+576015551234", "use": "home"},
        {"system": "phone", "value": "+573001234567", "use": "mobile"},
        {"system": "email", "value": "juan@example.com"},
    ]
    assert resource["gender"] == "male" and resource["birthDate"] == "1990-05-15"
    assert resource["extension"] == [
        {
            "url": "urn:secre:fhir:StructureDefinition:eps",
            "valueCoding": {"system": "urn:secre:fhir:CodeSystem:eps", "code": "EPS010", "display": "EPS Sura"},
        }
    ]


@pytest.mark.parametrize(("gender_id", "gender"), [(1, "male"), (2, "female"), (3, "other"), (4, "unknown")])
def test_genders_map_to_administrative_gender(api, tenant, gender_id, gender):
    patient = PatientFactory(tenant=tenant, gender_id=gender_id)
    assert body(get(api, f"Patient/{patient.id}"))["gender"] == gender


def test_patient_search_by_identifier(api, tenant, clinic):
    _, patient = clinic
    PatientFactory(tenant=tenant, document_type_id=2, document_number="12345678")  # TI with the same number
    assert ids(get(api, "Patient", identifier=f"{CC}|12345678")) == [str(patient.id)]
    assert len(ids(get(api, "Patient", identifier="12345678"))) == 2  # any system
    assert ids(get(api, "Patient", identifier="urn:secre:fhir:sid:document:TI|12345678")) != [str(patient.id)]
    assert ids(get(api, "Patient", identifier=f"{CC}|")) == [str(patient.id)]  # any number of that type
    assert ids(get(api, "Patient", identifier="http://other.example/ids|12345678")) == []
    assert ids(get(api, "Patient", identifier="|12345678")) == []  # Secre's identifiers all have a system
    assert ids(get(api, "Patient", identifier=f"{CC}|1,{CC}|12345678")) == [str(patient.id)]  # OR


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("jua", True),
        ("JUAN", True),
        ("carl", True),
        ("perez", True),
        ("Gómez", True),
        ("GOMEZ", True),
        ("juan carlos p", True),
        ("uan", False),
        ("ómez", False),
        ("%", False),
        ("juan_", False),
    ],
)
def test_patient_name_search_is_starts_with_on_any_part_accent_and_case_blind(api, clinic, value, found):
    _, patient = clinic
    assert ids(get(api, "Patient", name=value)) == ([str(patient.id)] if found else [])


@pytest.mark.parametrize("value", ["+573001234567", "3001234567", "573001234567", "6015551234", "+576015551234"])
def test_patient_phone_search_takes_e164_or_national(api, clinic, value):
    _, patient = clinic
    assert ids(get(api, "Patient", phone=value)) == [str(patient.id)]


def test_patient_phone_search_refuses_what_is_no_phone(api, clinic):
    document = outcome(get(api, "Patient", phone="12"), 400, "validation_error")
    assert document["issue"][0]["expression"] == ["phone"]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"birthdate": "1990-05-15"}, True),
        ({"birthdate": "1990-05"}, True),
        ({"birthdate": "1990"}, True),
        ({"birthdate": "1991"}, False),
        ({"birthdate": "ge1990-05-15"}, True),
        ({"birthdate": "gt1990-05-15"}, False),
        ({"birthdate": "le1990-05-15"}, True),
        ({"birthdate": "lt1990-05-15"}, False),
        ({"birthdate": ["ge1990-01-01", "lt1990-06-01"]}, True),
        ({"birthdate": ["ge1990-06-01", "lt1991-01-01"]}, False),
    ],
)
def test_patient_birthdate_search_with_prefixes(api, clinic, params, found):
    _, patient = clinic
    assert ids(get(api, "Patient", **params)) == ([str(patient.id)] if found else [])


@pytest.mark.parametrize("value", ["ne1990-05-15", "sa1990", "1990-13-01", "1990-05-15T10:00", "soon"])
def test_patient_birthdate_refuses_what_it_does_not_implement(api, clinic, value):
    outcome(get(api, "Patient", birthdate=value), 400, "validation_error")


def test_practitioner_read_and_search(api, clinic):
    doctor, _ = clinic
    resource = body(get(api, f"Practitioner/{doctor.id}"))
    assert resource["identifier"][0]["system"] == CC and resource["identifier"][0]["value"] == "99999999"
    assert resource["active"] is True and resource["name"][0]["family"] == "Ruiz Núñez"
    assert ids(get(api, "Practitioner", identifier=f"{CC}|99999999")) == [str(doctor.id)]
    assert ids(get(api, "Practitioner", name="nune")) == [str(doctor.id)]
    assert ids(get(api, "Practitioner", name="uiz")) == []


def test_practitioner_role_specialty_is_text_and_searched_accent_blind(api, tenant, clinic):
    doctor, _ = clinic
    DoctorFactory(tenant=tenant, specialty="Dermatología")
    role = body(get(api, f"PractitionerRole/{doctor.id}"))
    assert role["specialty"] == [{"text": "Cardiología"}]
    assert role["practitioner"] == {"reference": f"Practitioner/{doctor.id}"}
    assert ids(get(api, "PractitionerRole", specialty="cardiologia")) == [str(doctor.id)]
    assert ids(get(api, "PractitionerRole", specialty="CARDIOLOGÍA")) == [str(doctor.id)]
    assert len(ids(get(api, "PractitionerRole"))) == 2


def test_schedule_one_per_doctor_with_the_booking_horizon(api, tenant, clinic):
    doctor, _ = clinic
    schedule = body(get(api, f"Schedule/{doctor.id}"))
    assert schedule["actor"] == [{"reference": f"Practitioner/{doctor.id}"}]
    assert "planningHorizon" not in schedule  # no horizon set
    with tenant_context(tenant.id):
        doctor.booking_horizon_days = 30
        doctor.save(update_fields=["booking_horizon_days"])
    horizon = body(get(api, f"Schedule/{doctor.id}"))["planningHorizon"]
    end = datetime.datetime.fromisoformat(horizon["end"])
    assert 30 <= (end - timezone.now()).days <= 32
    assert ids(get(api, "Schedule", actor=f"Practitioner/{doctor.id}")) == [str(doctor.id)]
    assert ids(get(api, "Schedule", actor="Practitioner/00000000-0000-0000-0000-000000000000")) == []


def test_slots_of_a_week_free_then_busy_once_booked(api, tenant, clinic):
    doctor, patient = clinic
    params = {"schedule": f"Schedule/{doctor.id}", "status": "free", **WEEK}
    slots = entries(body(get(api, "Slot", **params)))
    assert [s["id"] for s in slots] == [slot_id(doctor, f"{h:02d}{m:02d}") for h in (14, 15, 16) for m in (0, 30)]
    assert slots[0] == {
        "resourceType": "Slot",
        "id": slot_id(doctor),
        "schedule": {"reference": f"Schedule/{doctor.id}"},
        "status": "free",
        "start": "2030-09-26T14:00:00Z",
        "end": "2030-09-26T14:30:00Z",
    }
    AppointmentFactory(
        tenant=tenant, doctor=doctor, patient=patient, start=datetime.datetime.fromisoformat("2030-09-26T14:00:00Z")
    )
    assert slot_id(doctor) not in ids(get(api, "Slot", **params))
    busy = entries(body(get(api, "Slot", **{**params, "status": "busy"})))
    assert [(s["id"], s["status"]) for s in busy] == [(slot_id(doctor), "busy")]
    everything = ids(get(api, "Slot", schedule=doctor.id, **WEEK))
    assert len(everything) == 6  # free and busy together without status


def test_slot_read_by_id_and_its_status(api, tenant, clinic):
    doctor, patient = clinic
    assert body(get(api, f"Slot/{slot_id(doctor, '1430')}"))["status"] == "free"
    AppointmentFactory(
        tenant=tenant, doctor=doctor, patient=patient, start=datetime.datetime.fromisoformat("2030-09-26T14:30:00Z")
    )
    assert body(get(api, f"Slot/{slot_id(doctor, '1430')}"))["status"] == "busy"
    outcome(get(api, f"Slot/{slot_id(doctor, '1415')}"), 404, "not_found")  # off the grid
    outcome(get(api, f"Slot/{slot_id(doctor, '1400', day='20300927')}"), 404, "not_found")  # a Friday
    outcome(get(api, "Slot/not-a-slot-id"), 404, "not_found")


def test_held_slot_is_busy_tentative(api, tenant, clinic):
    doctor, _ = clinic
    response = api.post(
        "/v1/appointments/holds",
        {"doctorDocumentTypeId": 1, "doctorDocumentNumber": "99999999", "start": "2030-09-26T10:00:00"},
        format="json",
    )
    assert response.status_code == 201
    assert body(get(api, f"Slot/{slot_id(doctor, '1500')}"))["status"] == "busy-tentative"
    tentative = ids(get(api, "Slot", schedule=doctor.id, status="busy-tentative", **WEEK))
    assert tentative == [slot_id(doctor, "1500")]


def test_slot_service_type_gives_the_types_duration(api, tenant, clinic):
    doctor, _ = clinic
    with tenant_context(tenant.id):
        AppointmentType.objects.filter(code="primera_vez").update(duration_minutes=60)
    slots = entries(body(get(api, "Slot", schedule=doctor.id, **{"service-type": "primera_vez"}, **WEEK)))
    assert slots[0]["id"] == slot_id(doctor, "1400", 60)
    assert slots[0]["serviceType"][0]["coding"][0]["code"] == "primera_vez"
    assert body(get(api, f"Slot/{slot_id(doctor, '1400', 60)}"))["serviceType"][0]["coding"][0]["code"] == "primera_vez"
    assert ids(get(api, "Slot", schedule=doctor.id, **{"service-type": "no_such_type"}, **WEEK)) == []


def test_slot_search_window_is_bounded(api, clinic):
    doctor, _ = clinic
    too_long = outcome(
        get(api, "Slot", schedule=doctor.id, start=["ge2030-09-01", "lt2030-12-01"]), 400, "validation_error"
    )
    assert too_long["issue"][0]["expression"] == ["start"]
    outcome(get(api, "Slot", status="busy-unavailable"), 400, "validation_error")


def test_appointment_read_and_search(api, tenant, clinic):
    doctor, patient = clinic
    start = datetime.datetime.fromisoformat("2030-09-26T14:00:00Z")
    appointment = AppointmentFactory(
        tenant=tenant, doctor=doctor, patient=patient, start=start, appointment_type="control"
    )
    other = AppointmentFactory(tenant=tenant, start=start + datetime.timedelta(days=7), state="cancelled")
    resource = body(get(api, f"Appointment/{appointment.id}"))
    assert resource["status"] == "booked" and resource["start"] == "2030-09-26T14:00:00Z"
    assert resource["appointmentType"]["coding"][0] == {
        "system": "urn:secre:fhir:CodeSystem:appointment-type",
        "code": "control",
    }
    assert {p["actor"]["reference"]: p["status"] for p in resource["participant"]} == {
        f"Patient/{patient.id}": "needs-action",
        f"Practitioner/{doctor.id}": "accepted",
    }
    mine, theirs = str(appointment.id), str(other.id)
    assert ids(get(api, "Appointment", patient=f"Patient/{patient.id}")) == [mine]
    assert ids(get(api, "Appointment", practitioner=f"Practitioner/{doctor.id}")) == [mine]
    assert ids(get(api, "Appointment", date="2030-09-26")) == [mine]
    assert ids(get(api, "Appointment", date=["ge2030-09-27", "lt2030-10-31"])) == [theirs]
    assert ids(get(api, "Appointment", date="lt2030-09-26T14:00:00Z")) == []
    assert ids(get(api, "Appointment", date="le2030-09-26T14:00:00Z")) == [mine]
    assert ids(get(api, "Appointment", status="booked")) == [mine]
    assert ids(get(api, "Appointment", status="cancelled,noshow")) == [theirs]
    assert ids(get(api, "Appointment", status="proposed")) == []
    outcome(get(api, "Appointment", status="maybe"), 400, "validation_error")
    outcome(get(api, "Appointment", patient=f"Practitioner/{doctor.id}"), 400, "validation_error")


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("scheduled", "booked"),
        ("confirmed", "booked"),
        ("completed", "fulfilled"),
        ("cancelled", "cancelled"),
        ("no_show", "noshow"),
    ],
)
def test_appointment_status_mapping(api, tenant, state, status):
    appointment = AppointmentFactory(
        tenant=tenant, start=datetime.datetime(2030, 9, 26, 14, tzinfo=datetime.UTC), state=state
    )
    assert body(get(api, f"Appointment/{appointment.id}"))["status"] == status
    assert ids(get(api, "Appointment", status=status)) == [str(appointment.id)]


def test_accept_application_json_is_answered_as_application_json(api, clinic):
    _, patient = clinic
    response = api.get(f"/fhir/R4/Patient/{patient.id}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert api.get(f"/fhir/R4/Patient/{patient.id}", {"_format": "json"})["Content-Type"].startswith(FHIR_JSON)
    fhir_version = api.get(f"/fhir/R4/Patient/{patient.id}", HTTP_ACCEPT="application/fhir+json; fhirVersion=4.0")
    assert fhir_version.status_code == 200


def test_a_page_of_resources_costs_a_fixed_number_of_queries(api, tenant, django_assert_max_num_queries):
    for day in range(15):
        patient = PatientFactory(tenant=tenant, eps_id=1, gender_id=2)
        start = datetime.datetime(2030, 9, 26, 14, tzinfo=datetime.UTC) + datetime.timedelta(days=day)
        AppointmentFactory(tenant=tenant, patient=patient, start=start)
    with django_assert_max_num_queries(12):
        assert len(ids(get(api, "Patient", _count="15"))) == 15
    with django_assert_max_num_queries(12):
        assert len(ids(get(api, "Appointment", _count="15"))) == 15
