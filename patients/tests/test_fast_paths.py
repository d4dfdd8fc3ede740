"""The request path's shortcuts (issue 16) answer exactly what the long way did, in fewer statements.

* ``patient_representation`` reuses one serializer's fields: the bytes of every patient response
  are still those of ``JSONRenderer().render(PatientSerializer(patient).data)``.
* A POST validates its reference ids against this process's snapshot (secre/reference_cache.py),
  refuses an unknown one as before, asks the database about one the snapshot lacks, and a saved
  reference row empties the snapshot.
* A created object's first event has sequence 1 without reading the last sequence.
"""

import datetime

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from patients.models import Eps, Patient
from patients.serializers import PatientSerializer, patient_representation
from patients.tests.factories import PatientFactory
from secre import reference_cache
from tenants.context import tenant_context
from webhooks.models import Event

pytestmark = pytest.mark.django_db

BODY = {
    "firstName": "María",
    "secondName": "José",
    "firstLastName": "Gómez",
    "secondLastName": "Ruiz",
    "birthDate": "1985-03-02",
    "genderId": 2,
    "documentTypeId": 1,
    "documentNumber": "52123456",
    "phone": "6015551234",
    "cellPhone": "3109876543",
    "email": "maria.gomez@example.com",
    "epsId": 10,
    "habeasData": True,
    "customFields": {"preferredChannel": "whatsapp", "n": 1.5, "nested": {"a": [1, None, "ü\u2028"]}},
}


def _representative(tenant) -> list[Patient]:
    """A full patient, a minimal one, and one with every optional text blank-turned-null."""
    full = PatientFactory(
        tenant=tenant,
        second_name="José",
        second_last_name="Núñez",
        birth_date=datetime.date(1940, 2, 29),
        gender_id=2,
        phone="+576015551234",
        email="x@example.com",
        eps_id=10,
        habeas_data=True,
        custom_fields={"vip": True, "score": 0.1, "tags": ["a", "ñ"], "line": "a\u2028b"},
    )
    minimal = PatientFactory(tenant=tenant, cell_phone=None)
    return [full, minimal]


def test_patient_representation_is_the_serializers_data(tenant):
    with tenant_context(tenant.id):
        for patient in _representative(tenant):
            patient = Patient.objects.get(pk=patient.pk)
            assert patient_representation(patient) == PatientSerializer(patient).data
            assert JSONRenderer().render(patient_representation(patient)) == JSONRenderer().render(
                PatientSerializer(patient).data
            )


def test_responses_are_byte_for_byte_what_the_serializer_renders(api):
    created = api.post("/v1/patients", BODY, format="json")
    assert created.status_code == 201, created.content
    with tenant_context(api.tenant.id):
        patient = Patient.objects.get(pk=created.json()["id"])
        expected = JSONRenderer().render(PatientSerializer(patient).data)
    # jsonb orders an object's keys (shorter first): the POST answers them as sent, a read as stored.
    assert created.json() == PatientSerializer(patient).data
    assert api.get(f"/v1/patients/{patient.pk}").content == expected
    assert api.get("/v1/patients/by-document/1/52123456").content == expected
    listed = api.get("/v1/patients?documentNumber=52123456")
    assert expected in listed.content  # the page's one item
    others = _representative(api.tenant)
    for other in others:
        with tenant_context(api.tenant.id):
            row = Patient.objects.get(pk=other.pk)
            other_expected = JSONRenderer().render(PatientSerializer(row).data)
        assert api.get(f"/v1/patients/{other.pk}").content == other_expected


def _post_statements(api, body) -> list[str]:
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        response = api.post("/v1/patients", body, format="json")
    assert response.status_code == 201, response.content
    return [q["sql"] for q in captured.captured_queries]


def test_reference_ids_come_from_the_snapshot_after_the_first_post(api):
    _post_statements(api, {**BODY, "documentNumber": "1"})  # warm: key use, snapshots
    statements = _post_statements(api, {**BODY, "documentNumber": "2"})
    for table in ("patients_gender", "patients_documenttype", "patients_eps"):
        assert not [s for s in statements if f'FROM "{table}"' in s], table
    assert not [s for s in statements if "MAX(" in s.upper()]  # a new patient's first event
    # No duplicate check before the insert: the unique constraint decides (patients/services.py).
    assert not [s for s in statements if s.startswith("SELECT") and 'FROM "patients_patient"' in s]


def test_unknown_reference_ids_are_still_refused(api):
    _post_statements(api, {**BODY, "documentNumber": "3"})
    response = api.post("/v1/patients", {**BODY, "documentNumber": "4", "epsId": 999}, format="json")
    assert response.status_code == 400 and "epsId" in response.content.decode()


def test_a_row_missing_from_the_snapshot_is_looked_up_in_the_database(api):
    _post_statements(api, {**BODY, "documentNumber": "6"})
    for rows in reference_cache._snapshots.values():
        rows.pop(10, None)  # as if EPS 10 had been added after the snapshot
    statements = _post_statements(api, {**BODY, "documentNumber": "7"})
    assert [s for s in statements if 'FROM "patients_eps"' in s]


def test_saving_a_reference_row_empties_the_snapshot(api):
    _post_statements(api, {**BODY, "documentNumber": "9"})
    assert reference_cache._snapshots
    post_save.send(sender=Eps, instance=Eps.objects.get(pk=10), created=False)  # what a save sends
    assert not reference_cache._snapshots


def test_created_patients_first_event_is_sequence_one_and_updates_follow(api):
    patient_id = api.post("/v1/patients", {**BODY, "documentNumber": "8"}, format="json").json()["id"]
    assert api.patch(f"/v1/patients/{patient_id}", {"firstName": "Ana"}, format="json").status_code == 200
    with tenant_context(api.tenant.id):
        events = list(Event.objects.filter(object_id=patient_id).order_by("sequence"))
    assert [(e.type, e.sequence) for e in events] == [("patient.created", 1), ("patient.updated", 2)]
