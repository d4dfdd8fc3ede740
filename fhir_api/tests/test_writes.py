"""Booking and cancelling through FHIR: the same services as /v1, so the same conflicts, audit and events."""

import pytest
from rest_framework.test import APIClient

from appointments.models import Appointment
from audit.models import AuditEvent
from fhir_api.tests.conftest import slot_id
from fhir_api.tests.fhir import body, get, outcome, send
from tenants.context import tenant_context
from tenants.tests.factories import make_api_key
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def by_slot(patient, reference: str, **extra) -> dict:
    """A FHIR create booking ``reference`` for ``patient`` (a Patient row or its id)."""
    patient_id = getattr(patient, "id", patient)
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": reference}],
        "participant": [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}],
        **extra,
    }


def test_booking_a_slot_by_reference(api, tenant, clinic):
    doctor, patient = clinic
    response = send(api, "post", "Appointment", by_slot(patient, f"Slot/{slot_id(doctor)}", comment="Dolor"))
    assert response.status_code == 201, response.content
    appointment = body(response)
    assert response["Location"].endswith(f"/fhir/R4/Appointment/{appointment['id']}")
    assert (appointment["start"], appointment["end"], appointment["status"]) == (
        "2030-09-26T14:00:00Z",
        "2030-09-26T14:30:00Z",
        "booked",
    )
    assert appointment["comment"] == "Dolor"
    with tenant_context(tenant.id):
        stored = Appointment.objects.get(pk=appointment["id"])
        assert (stored.doctor_id, stored.patient_id, stored.state) == (doctor.id, patient.id, "scheduled")
        entry = AuditEvent.objects.get(object_pk=str(stored.pk))
        assert entry.origin == "fhir" and entry.api_key_id is not None
        assert list(Event.objects.filter(object_id=stored.pk).values_list("type", flat=True)) == ["appointment.created"]
    assert body(get(api, f"Slot/{slot_id(doctor)}"))["status"] == "busy"
    assert body(get(api, f"Appointment/{appointment['id']}")) == appointment


def test_a_stale_slot_is_a_409(api, tenant, clinic):
    doctor, patient = clinic
    first = body(send(api, "post", "Appointment", by_slot(patient, f"Slot/{slot_id(doctor)}")))
    other = api.post(
        "/v1/patients",
        {"firstName": "Ana", "firstLastName": "Mora", "documentTypeId": 1, "documentNumber": "555"},
        format="json",
    ).json()
    refused = outcome(
        send(api, "post", "Appointment", by_slot(other["id"], f"Slot/{slot_id(doctor)}")),
        409,
        "slot_taken",
    )
    members = {m["url"]: m["valueString"] for m in refused["extension"][0]["extension"]}
    assert members["conflictingAppointmentId"] == first["id"]
    assert refused["issue"][0]["code"] == "conflict"
    with tenant_context(tenant.id):
        assert Appointment.objects.count() == 1


def test_booking_by_start_end_and_participants(api, clinic):
    doctor, patient = clinic
    document = {
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2030-09-26T10:30:00-05:00",
        "end": "2030-09-26T11:00:00-05:00",
        "appointmentType": {"coding": [{"system": "urn:secre:fhir:CodeSystem:appointment-type", "code": "control"}]},
        "serviceCategory": [{"coding": [{"code": "virtual"}]}],
        "participant": [
            {"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{doctor.id}"}, "status": "accepted"},
        ],
    }
    appointment = body(send(api, "post", "Appointment", document))
    assert appointment["start"] == "2030-09-26T15:30:00Z"
    assert appointment["appointmentType"]["coding"][0]["code"] == "control"
    assert appointment["serviceCategory"][0]["coding"][0]["code"] == "virtual"
    outside = {**document, "start": "2030-09-26T13:00:00-05:00", "end": "2030-09-26T13:30:00-05:00"}
    document = outcome(send(api, "post", "Appointment", outside), 409, "outside_availability")
    assert {"url": "reasons", "valueString": "outside_hours"} in document["extension"][0]["extension"]


@pytest.mark.parametrize(
    ("change", "element"),
    [
        ({"status": "proposed"}, "Appointment.status"),
        ({"slot": [{"reference": "Slot/nonsense"}]}, "Appointment.slot"),
        ({"slot": [{"reference": "Schedule/x"}]}, "Appointment.slot"),
        ({"participant": []}, "Appointment.participant"),
        (
            {"participant": [{"actor": {"reference": "Patient/01a231e3-0000-7000-8000-000000000000"}}]},
            "Appointment.participant",
        ),
        ({"participant": [{"actor": {"reference": "Group/1"}}]}, "Appointment.participant"),
        ({"start": "2030-09-26T08:00:00Z"}, "Appointment.start"),
        ({"appointmentType": {"coding": [{"code": "nope"}]}}, "Appointment.appointmentType"),
        ({"minutesDuration": 30}, "Appointment.minutesDuration"),
    ],
)
def test_a_create_that_is_wrong_names_the_element(api, clinic, change, element):
    doctor, patient = clinic
    response = send(api, "post", "Appointment", {**by_slot(patient, f"Slot/{slot_id(doctor)}"), **change})
    assert response.status_code == 400
    document = body(response)
    assert element in [expression for issue in document["issue"] for expression in issue.get("expression", [])]


def test_cancel_by_put_with_only_status_changed(api, tenant, clinic):
    doctor, patient = clinic
    appointment = body(send(api, "post", "Appointment", by_slot(patient, f"Slot/{slot_id(doctor)}")))
    same = send(api, "put", f"Appointment/{appointment['id']}", appointment)
    assert same.status_code == 200 and body(same)["status"] == "booked"
    moved = {**appointment, "status": "cancelled", "start": "2030-09-26T15:00:00Z"}
    document = outcome(send(api, "put", f"Appointment/{appointment['id']}", moved), 400, "validation_error")
    assert document["issue"][0]["expression"] == ["Appointment.start"]
    fulfilled = {**appointment, "status": "fulfilled"}
    outcome(send(api, "put", f"Appointment/{appointment['id']}", fulfilled), 400, "validation_error")
    cancel = {**appointment, "status": "cancelled", "cancelationReason": {"text": "Viaje"}}
    cancelled = body(send(api, "put", f"Appointment/{appointment['id']}", cancel))
    assert cancelled["status"] == "cancelled" and cancelled["cancelationReason"] == {"text": "Viaje"}
    again = send(api, "put", f"Appointment/{appointment['id']}", cancelled)
    assert again.status_code == 200
    with tenant_context(tenant.id):
        stored = Appointment.objects.get(pk=appointment["id"])
        assert (stored.state, stored.cancellation_reason) == ("cancelled", "Viaje")
        types = list(Event.objects.filter(object_id=stored.pk).order_by("occurred_at").values_list("type", flat=True))
        assert types == ["appointment.created", "appointment.cancelled"]
        assert AuditEvent.objects.filter(object_pk=str(stored.pk), origin="fhir").count() == 2
    assert body(get(api, f"Slot/{slot_id(doctor)}"))["status"] == "free"


def test_cancelling_a_finished_appointment_is_an_invalid_transition(api, tenant, clinic):
    doctor, patient = clinic
    appointment = body(send(api, "post", "Appointment", by_slot(patient, f"Slot/{slot_id(doctor)}")))
    with tenant_context(tenant.id):
        Appointment.objects.filter(pk=appointment["id"]).update(state="completed")
    current = body(get(api, f"Appointment/{appointment['id']}"))
    outcome(
        send(api, "put", f"Appointment/{appointment['id']}", {**current, "status": "cancelled"}),
        409,
        "invalid_transition",
    )


def test_put_names_the_id_of_the_url(api, clinic):
    doctor, patient = clinic
    appointment = body(send(api, "post", "Appointment", by_slot(patient, f"Slot/{slot_id(doctor)}")))
    wrong = {**appointment, "id": "01a231e3-0000-7000-8000-000000000000", "status": "cancelled"}
    outcome(send(api, "put", f"Appointment/{appointment['id']}", wrong), 400, "validation_error")


def test_a_read_only_key_cannot_book(tenant, clinic):
    doctor, patient = clinic
    _, key = make_api_key(tenant, scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    document = outcome(
        send(client, "post", "Appointment", by_slot(patient, f"Slot/{slot_id(doctor)}")), 403, "permission_denied"
    )
    assert {"url": "missingScope", "valueString": "write"} in document["extension"][0]["extension"]
    assert get(client, "Slot", schedule=doctor.id, start="ge2030-09-26").status_code == 200
