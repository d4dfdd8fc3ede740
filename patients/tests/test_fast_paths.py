"""The request path's shortcuts (issue 16) answer exactly what the long way did, in fewer statements.

* ``patient_representation`` reuses one serializer's fields: the bytes of every patient response
  are still those of ``JSONRenderer().render(PatientSerializer(patient).data)``.
* A POST validates its reference ids against this process's snapshot (secre/reference_cache.py),
  refuses an unknown one as before, asks the database about one the snapshot lacks, and a saved
  reference row empties the snapshot.
* A created object's first event has sequence 1 without reading the last sequence.
* The phone list reads its page in one statement built once: the same rows and links as the
  queryset paged by DRF.
"""

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from rest_framework.pagination import Cursor
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from patients import selectors
from patients.models import Eps, Patient
from patients.serializers import PatientSerializer, patient_representation
from patients.tests.factories import PatientFactory
from secre import reference_cache
from secre.pagination import ReadWindow, StablePagination
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


PHONE = "+573001112233"
# What a request sends inside a test's transaction besides its own statements: its savepoint and
# release, and the test's tenant setting read before and put back after.
TEST_SCAFFOLDING = (
    "SAVEPOINT",
    "RELEASE SAVEPOINT",
    "SELECT NULLIF(current_setting('app.tenant_id', true), '')",
    "SELECT set_config('app.tenant_id', %s, true)",
    "SELECT set_config('app.tenant_id', '', true)",
)


def _patients_with_the_phone(tenant, other_tenant) -> list[Patient]:
    """Five of ``tenant``'s patients with PHONE (as phone or cell phone), one without, and one of
    ``other_tenant`` with it."""
    mine = [PatientFactory(tenant=tenant, phone=PHONE) for _ in range(3)]
    mine += [PatientFactory(tenant=tenant, cell_phone=PHONE) for _ in range(2)]
    PatientFactory(tenant=tenant)
    PatientFactory(tenant=other_tenant, phone=PHONE, cell_phone=PHONE)
    return sorted(mine, key=lambda patient: patient.pk)


def _links(paginator) -> tuple[str | None, str | None]:
    return paginator.get_next_link(), paginator.get_previous_link()


def test_a_phone_page_read_at_once_is_the_querysets_page_with_the_same_links(tenant, other_tenant):
    """The phone list's ReadWindow (one statement built once) against DRF's cursor pagination of the
    ORM's queryset, page by page: the same rows and the same next and previous links."""
    expected_ids = [patient.pk for patient in _patients_with_the_phone(tenant, other_tenant)]
    url = f"/v1/patients?phone={PHONE}&pageSize=2"
    seen = []
    with tenant_context(tenant.id):
        while url:
            request = Request(APIRequestFactory().get(url))
            fast, slow = StablePagination(), StablePagination()
            window = fast.forward_window(request)
            rows = selectors.patient_list(filters={"phone": PHONE, "pageSize": 2}, window=window)
            assert isinstance(rows, ReadWindow)
            page = fast.paginate_queryset(rows, request)
            queryset = Patient.objects.filter(Q(phone=PHONE) | Q(cell_phone=PHONE))
            assert [p.pk for p in page] == [p.pk for p in slow.paginate_queryset(queryset, request)]
            assert _links(fast) == _links(slow)
            assert all(isinstance(p.phone, type(slow.page[0].phone)) for p in page if p.phone)
            seen += [p.pk for p in page]
            url = fast.get_next_link()
    assert seen == expected_ids


def test_the_phone_list_walks_every_page_in_two_statements_each(api, other_tenant):
    expected_ids = [str(patient.pk) for patient in _patients_with_the_phone(api.tenant, other_tenant)]
    url, seen = f"/v1/patients?phone={PHONE}&pageSize=2", []
    api.get("/v1/patients?pageSize=1")  # the key's first use today also records it (last_used_at)
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(url)
        assert response.status_code == 200, response.content
        statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TEST_SCAFFOLDING)]
        assert len(statements) == 2, [sql[:60] for sql in statements]  # the key resolver, the page
        assert "secre_resolve_api_key" in statements[0] and '"patients_patient"."cell_phone" = ' in statements[1]
        seen += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    assert seen == expected_ids
    # The way back (a reverse cursor) goes through the queryset and gives the first page again.
    second = api.get(f"/v1/patients?phone={PHONE}&pageSize=2").json()["next"]
    previous = api.get(second).json()["previous"]
    assert [row["id"] for row in api.get(previous).json()["results"]] == expected_ids[:2]


def test_a_crafted_forward_cursor_is_answered_or_refused_never_a_500(api, other_tenant):
    """A cursor whose id is written in capitals names the same position; one with an offset goes the
    queryset's way (DRF's offset), one that is no id is the 400 it always was."""
    ids = [str(patient.pk) for patient in _patients_with_the_phone(api.tenant, other_tenant)]

    def cursor(**parts) -> str:
        paginator = StablePagination()
        paginator.base_url = "http://testserver/v1/patients"
        link = paginator.encode_cursor(Cursor(**{"offset": 0, "reverse": False, **parts}))
        return link.split("cursor=")[1]

    upper = api.get(f"/v1/patients?phone={PHONE}&pageSize=2&cursor={cursor(position=ids[0].upper())}")
    assert upper.status_code == 200
    assert [row["id"] for row in upper.json()["results"]] == ids[1:3]
    offset = api.get(f"/v1/patients?phone={PHONE}&pageSize=2&cursor={cursor(position=ids[0], offset=1)}")
    assert offset.status_code == 200
    assert [row["id"] for row in offset.json()["results"]] == ids[2:4]
    broken = api.get(f"/v1/patients?phone={PHONE}&cursor={cursor(position='not-an-id')}")
    assert broken.status_code == 400
    assert broken.json()["code"] == "invalid_cursor"
