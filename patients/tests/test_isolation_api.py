"""Tenant isolation over HTTP: tenant A's key can do nothing to tenant B's patients."""

import pytest

from patients.models import Patient
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context

pytestmark = [pytest.mark.isolation, pytest.mark.django_db]


@pytest.fixture
def theirs(other_tenant):
    return PatientFactory(
        tenant=other_tenant,
        first_name="Beatriz",
        first_last_name="Otálora",
        cell_phone="+573005550000",
        email="beatriz@example.com",
    )


def _unchanged(patient):
    with tenant_context(patient.tenant_id):
        row = Patient.objects.get(pk=patient.pk)
    assert (row.first_name, row.cell_phone, row.email) == (patient.first_name, patient.cell_phone, patient.email)


def test_cannot_read_list_search_or_find_anothers_patient(api, theirs):
    assert api.get(f"/v1/patients/{theirs.id}").status_code == 404
    assert api.get(f"/v1/patients/{theirs.id}").json()["code"] == "not_found"
    assert api.get("/v1/patients").json()["results"] == []
    for params in (
        {"name": "Beatriz"},
        {"phone": "3005550000"},
        {"email": "beatriz@example.com"},
        {"documentTypeId": 1, "documentNumber": theirs.document_number},
    ):
        assert api.get("/v1/patients", params).json()["results"] == []
        assert api.post("/v1/patients/search", params, format="json").json()["results"] == []
    assert api.get(f"/v1/patients/by-document/1/{theirs.document_number}").status_code == 404


def test_cannot_update_or_delete_anothers_patient(api, theirs):
    assert api.patch(f"/v1/patients/{theirs.id}", {"firstName": "Hacked"}, format="json").status_code == 404
    assert api.delete(f"/v1/patients/{theirs.id}").status_code == 404
    _unchanged(theirs)


def test_upsert_by_anothers_document_creates_own_patient_and_leaves_theirs(api, theirs):
    response = api.put(
        f"/v1/patients/by-document/1/{theirs.document_number}",
        {"firstName": "Mine", "firstLastName": "Own"},
        format="json",
    )
    assert response.status_code == 201  # created in A: B's row was invisible, not updated
    assert response.json()["id"] != str(theirs.id)
    _unchanged(theirs)


def test_a_missing_id_and_anothers_id_answer_identically(api, theirs):
    theirs_response = api.get(f"/v1/patients/{theirs.id}").json()
    missing_response = api.get("/v1/patients/019a0000-0000-7000-8000-000000000000").json()
    for body in (theirs_response, missing_response):
        body.pop("requestId")
    assert theirs_response == missing_response


def test_two_tenants_alternating_on_one_connection(api, other_api):
    mine = PatientFactory(tenant=api.tenant)
    theirs = PatientFactory(tenant=other_api.tenant)
    for _ in range(3):
        assert [p["id"] for p in api.get("/v1/patients").json()["results"]] == [str(mine.id)]
        assert [p["id"] for p in other_api.get("/v1/patients").json()["results"]] == [str(theirs.id)]
