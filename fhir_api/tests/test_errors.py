"""Every error under /fhir/R4 is an OperationOutcome carrying the problem code: the middleware's, the body
limits', Django's and DRF's alike; interactions not implemented are 405; the CapabilityStatement lists
exactly what is served."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from fhir_api.tests.conftest import slot_id
from fhir_api.tests.fhir import BASE, FHIR_JSON, body, get, outcome, send
from fhir_api.views import RESOURCE_VIEWS
from tenants.api_keys import platform_key_create
from tenants.context import tenant_context
from tenants.models import TenantAPIKey
from tenants.tests.factories import TenantFactory, make_api_key
from tenants.tests.test_rate_limits import limits  # noqa: F401 (the fixture)

# What the issue asks for, and nothing more.
IMPLEMENTED = {
    "Patient": ({"read", "search-type"}, {"identifier", "name", "phone", "birthdate"}),
    "Practitioner": ({"read", "search-type"}, {"identifier", "name"}),
    "PractitionerRole": ({"read", "search-type"}, {"specialty"}),
    "Schedule": ({"read", "search-type"}, {"actor"}),
    "Slot": ({"read", "search-type"}, {"schedule", "status", "start", "service-type"}),
    "Appointment": ({"read", "search-type", "create", "update"}, {"patient", "practitioner", "date", "status"}),
}
SAMPLE_VALUES = {
    "identifier": "urn:secre:fhir:sid:document:CC|1",
    "name": "ana",
    "phone": "3001234567",
    "birthdate": "ge1990",
    "specialty": "cardiologia",
    "actor": "Practitioner/01a231e3-0000-7000-8000-000000000000",
    "schedule": "Schedule/01a231e3-0000-7000-8000-000000000000",
    "status": "booked",
    "start": "ge2030-09-26",
    "service-type": "control",
    "patient": "Patient/01a231e3-0000-7000-8000-000000000000",
    "practitioner": "Practitioner/01a231e3-0000-7000-8000-000000000000",
    "date": "ge2030-09-26",
}


def request(client, method: str, path: str):
    """``method`` on ``path``, with an empty FHIR JSON object as the body where a method has one."""
    if method in ("get", "options", "delete"):
        return client.generic(method.upper(), path)
    return client.generic(method.upper(), path, "{}", content_type=FHIR_JSON)


def test_metadata_is_public_valid_and_lists_exactly_what_is_implemented(db):
    response = Client().get(f"{BASE}/metadata")
    assert response.status_code == 200
    statement = body(response)
    assert statement["fhirVersion"] == "4.0.1" and statement["kind"] == "instance"
    listed = {
        resource["type"]: (
            {i["code"] for i in resource["interaction"]},
            {p["name"] for p in resource.get("searchParam", [])},
        )
        for resource in statement["rest"][0]["resource"]
    }
    assert listed == IMPLEMENTED


@pytest.mark.parametrize("resource_type", sorted(IMPLEMENTED))
def test_every_listed_search_parameter_is_served_and_no_other(api, resource_type):
    _, parameters = IMPLEMENTED[resource_type]
    for name in parameters:
        value = "free" if (resource_type, name) == ("Slot", "status") else SAMPLE_VALUES[name]
        response = get(api, resource_type, **{name: value})
        assert response.status_code == 200, (resource_type, name, response.content)
        body(response)
    for unknown in ("_sort", "_include", "_summary", "name:exact", "family", "format"):
        document = outcome(get(api, resource_type, **{unknown: "x"}), 400, "unknown_fields")
        assert document["issue"][0]["expression"] == [unknown]


@pytest.mark.parametrize("resource_type", sorted(IMPLEMENTED))
def test_interactions_not_implemented_are_405(api, resource_type):
    interactions, _ = IMPLEMENTED[resource_type]
    some_id = "01a231e3-0000-7000-8000-000000000000"
    refused = [
        ("delete", f"{resource_type}/{some_id}"),
        ("patch", f"{resource_type}/{some_id}"),
        ("get", f"{resource_type}/{some_id}/_history"),
        ("get", f"{resource_type}/{some_id}/_history/1"),
        ("get", f"{resource_type}/_history"),
        ("post", f"{resource_type}/_search"),
        ("get", f"{resource_type}/$everything"),
        ("delete", resource_type),
        ("options", resource_type),
    ]
    if "create" not in interactions:
        refused.append(("post", resource_type))
    if "update" not in interactions:
        refused.append(("put", f"{resource_type}/{some_id}"))
    for method, path in refused:
        outcome(request(api, method, f"{BASE}/{path}"), 405, "method_not_allowed")


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_whole_system_interactions_are_405(api, method):
    outcome(request(api, method, BASE), 405, "method_not_allowed")
    outcome(request(api, method, f"{BASE}/_history"), 405, "method_not_allowed")


def test_resource_types_not_served_are_404(api):
    outcome(get(api, "Observation"), 404, "not_found")
    outcome(get(api, "Coverage/1"), 404, "not_found")
    outcome(api.get(f"{BASE}/nothing/here"), 404, "not_found")


def test_the_middleware_refusals_are_operation_outcomes(tenant):
    missing = outcome(Client().get(f"{BASE}/Patient"), 401, "authentication_failed")
    assert missing["issue"][0]["code"] == "login"
    client = APIClient()
    client.credentials(HTTP_X_API_KEY="abcdefgh." + "x" * 32)
    outcome(client.get(f"{BASE}/Patient"), 401, "authentication_failed")
    key, plaintext = make_api_key(tenant)
    with tenant_context(tenant.id):
        TenantAPIKey.objects.filter(pk=key.pk).update(revoked=True)
    client.credentials(HTTP_X_API_KEY=plaintext)
    outcome(client.get(f"{BASE}/Patient"), 401, "authentication_failed")


def test_a_platform_key_is_refused_as_an_operation_outcome(committed_db):
    """(The platform key is written through the operator bypass's connection: committed for real.)"""
    _, plaintext = platform_key_create(name="ops")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=plaintext)
    outcome(client.get(f"{BASE}/Patient"), 403, "tenant_key_required")


def test_rate_limited_is_an_operation_outcome_with_retry_after(db, limits):  # noqa: F811
    limits.RATE_LIMIT_TENANT = "2/m"
    _, plaintext = make_api_key(TenantFactory())
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=plaintext)
    statuses = [get(client, "Patient").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = get(client, "Patient")
    outcome(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1


def test_body_limits_are_operation_outcomes(api, clinic):
    doctor, patient = clinic
    outcome(api.post(f"{BASE}/Appointment", "x", content_type="text/plain"), 415, "unsupported_media_type")
    outcome(api.post(f"{BASE}/Appointment", "{", content_type=FHIR_JSON), 400, "malformed_request")
    huge = api.generic("POST", f"{BASE}/Appointment", b"{}", content_type=FHIR_JSON, CONTENT_LENGTH=str(10**8))
    outcome(huge, 413, "payload_too_large")
    nul = {"resourceType": "Appointment", "comment": "a\u0000b"}
    outcome(api.post(f"{BASE}/Appointment", json.dumps(nul), content_type=FHIR_JSON), 400, "validation_error")
    outcome(send(api, "post", "Appointment", {"resourceType": "Patient"}), 400, "validation_error")
    outcome(send(api, "post", "Appointment", []), 400, "validation_error")
    outcome(send(api, "put", f"Appointment/{patient.id}", {"resourceType": "Appointment"}), 404, "not_found")
    assert doctor


def test_unsupported_formats_are_406(api, clinic):
    _, patient = clinic
    outcome(api.get(f"{BASE}/Patient/{patient.id}", {"_format": "xml"}), 406, "not_acceptable")
    outcome(api.get(f"{BASE}/Patient/{patient.id}", HTTP_ACCEPT="application/fhir+xml"), 406, "not_acceptable")


def test_reads_and_searches_refuse_bad_paging(api, clinic):
    doctor, patient = clinic
    outcome(get(api, "Patient", _count="0"), 400, "validation_error")
    outcome(get(api, "Patient", _count="many"), 400, "validation_error")
    outcome(get(api, "Patient", _cursor="%%%"), 400, "invalid_cursor")
    outcome(get(api, "Slot", schedule=doctor.id, _cursor="%%%"), 400, "invalid_cursor")
    outcome(get(api, "Patient", name=["a", "b"]), 400, "validation_error")
    outcome(get(api, f"Patient/{patient.id}", name="x"), 400, "unknown_fields")
    assert len(body(get(api, "Patient", _count="1000"))["entry"]) == 1  # served as 100
    outcome(get(api, "Patient/not-a-uuid"), 404, "not_found")
    outcome(get(api, f"Slot/{slot_id(doctor)[:-2]}99999"), 404, "not_found")


def test_the_fhir_routes_stay_out_of_the_openapi_document(db):
    paths = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json").json()["paths"]
    assert "/v1/patients" in paths and not [path for path in paths if path.startswith("/fhir")]


def test_hostile_bodies_are_400s_never_500s(api, clinic):
    _, patient = clinic
    for participant in (
        "x",
        [1],
        [{"actor": "Patient/1"}],
        [{"actor": {"reference": 7}}],
        [{"actor": {"reference": "Patient"}}],
    ):
        document = {"resourceType": "Appointment", "status": "booked", "participant": participant}
        assert send(api, "post", "Appointment", document).status_code == 400
    for element, value in (("start", 5), ("slot", "Slot/x"), ("slot", [{"reference": None}]), ("comment", {"a": 1})):
        document = {
            "resourceType": "Appointment",
            "status": "booked",
            "participant": [{"actor": {"reference": f"Patient/{patient.id}"}}],
            element: value,
        }
        assert send(api, "post", "Appointment", document).status_code == 400, element
    assert get(api, "Patient/" + "a" * 65).status_code == 404
    outcome(get(api, "Patient", name="a\x00b"), 400, "validation_error")


def test_views_are_the_capability_statement():
    assert [view.resource_type for view in RESOURCE_VIEWS] == list(IMPLEMENTED)
