"""customFields stay bounded after merging, and nesting is bounded: a 400 naming the field, nothing written."""

import pytest

from appointments.models import Appointment
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.models import Patient
from patients.tests.factories import PatientFactory
from secre.custom_fields import MAX_DEPTH, depth_exceeds
from tenants.context import tenant_context

pytestmark = pytest.mark.django_db


def _nested(depth: int) -> dict:
    value: dict = {"leaf": True}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


def test_depth_is_measured_without_recursion():
    assert not depth_exceeds(_nested(MAX_DEPTH), MAX_DEPTH)
    assert depth_exceeds(_nested(MAX_DEPTH + 1), MAX_DEPTH)
    assert depth_exceeds(_nested(5000), MAX_DEPTH)  # far deeper than the interpreter's recursion limit


def test_patches_cannot_add_up_past_16_kib(api):
    patient = PatientFactory(tenant=api.tenant)
    statuses = [
        api.patch(f"/v1/patients/{patient.id}", {"customFields": {f"k{n}": "x" * 3000}}, format="json").status_code
        for n in range(8)
    ]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {400}
    refused = api.patch(f"/v1/patients/{patient.id}", {"custom_fields": {"more": "x" * 3000}}, format="json")
    assert refused.json()["errors"][0]["field"] == "custom_fields"  # in the request's spelling
    with tenant_context(api.tenant.id):
        assert set(Patient.objects.get(pk=patient.id).custom_fields) == {f"k{n}" for n in range(5)}
    # Removing keys (null, RFC 7396) makes room again.
    assert (
        api.patch(f"/v1/patients/{patient.id}", {"customFields": {"k0": None, "x": "y"}}, format="json").status_code
        == 200
    )


def test_nesting_is_bounded_in_requests_and_after_merges(api):
    created = api.post(
        "/v1/patients",
        {
            "firstName": "A",
            "firstLastName": "B",
            "documentTypeId": 1,
            "documentNumber": "777",
            "customFields": _nested(33),
        },
        format="json",
    )
    assert created.status_code == 400 and created.json()["errors"][0]["field"] == "customFields"
    # A value stored before the limit (written directly) is not kept growing by merges either.
    patient = PatientFactory(tenant=api.tenant, custom_fields={"a": _nested(40)})
    merged = api.patch(f"/v1/patients/{patient.id}", {"customFields": {"b": 1}}, format="json")
    assert merged.status_code == 400 and "nesting" in merged.json()["detail"]


def test_appointments_are_bounded_too(api):
    doctor = DoctorFactory(tenant=api.tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor)
    PatientFactory(tenant=api.tenant, document_number="12345678")
    booked = api.post(
        "/v1/appointments",
        {
            "startAppointment": "2030-09-26T10:00:00",
            "endAppointment": "2030-09-26T10:30:00",
            "patientDocumentTypeId": 1,
            "patientDocumentNumber": "12345678",
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
            "customFields": {"a": "x" * 10000},
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content
    path = f"/v1/appointments/{booked.json()['id']}"
    refused = api.patch(path, {"customFields": {"b": "x" * 10000}}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "customFields"
    with tenant_context(api.tenant.id):
        assert set(Appointment.objects.get(pk=booked.json()["id"]).custom_fields) == {"a"}


@pytest.mark.parametrize("idempotent", [False, True])
def test_json_nested_thousands_deep_is_a_400_not_a_500(api, idempotent):
    deep = "{}"
    for _ in range(5000):
        deep = '{"n": ' + deep + "}"
    body = (
        '{"firstName": "A", "firstLastName": "B", "documentTypeId": 1, "documentNumber": "1", "customFields": '
        + deep
        + "}"
    )
    headers = {"HTTP_IDEMPOTENCY_KEY": "deep-1"} if idempotent else {}
    response = api.post("/v1/patients", body, content_type="application/json", **headers)
    assert response.status_code == 400 and response.json()["code"] == "malformed_request"
