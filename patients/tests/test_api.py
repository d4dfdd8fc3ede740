"""Patients API over HTTP: dialects, validation, duplicates, pagination, updates, deletes."""

import pytest

from audit.models import AuditEvent
from patients.models import Patient
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from webhooks.models import Event

pytestmark = pytest.mark.django_db

# The seed 001 README's "Create a Patient" body, verbatim.
SEED_001_BODY = {
    "first_name": "Juan",
    "first_last_name": "Pérez",
    "birth_date": "1990-05-15",
    "gender_id": 1,
    "document_type_id": 1,
    "document_number": "12345678",
    "phone": "3001234567",
    "email": "juan.perez@example.com",
}
PROBLEM = "application/problem+json"


def test_seed_001_create_curl_works_verbatim_with_trailing_slash(api):
    response = api.post("/v1/patients/", SEED_001_BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["firstName"] == "Juan" and body["firstLastName"] == "Pérez"
    assert body["phone"] == "+573001234567"  # E.164, default region CO
    assert body["documentTypeId"] == 1 and body["genderId"] == 1
    assert body["customFields"] == {} and body["habeasData"] is False
    assert body["createdAt"].endswith("Z")
    with tenant_context(api.tenant.id):
        assert Patient.objects.get(pk=body["id"]).phone == "+573001234567"


def test_camel_case_with_n8n_envelope_and_string_ids(api):
    response = api.post(
        "/v1/patients",
        {
            "eventType": "PATIENT",
            "actionType": "CREATE",
            "firstName": "María",
            "firstLastName": "Gómez",
            "documentTypeId": "1",
            "documentNumber": "52123456",
            "genderId": "2",
            "epsId": "10",
            "cellPhone": "310 987 6543",
            "customFields": {"channel": "whatsapp"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["cellPhone"] == "+573109876543"
    assert response.json()["epsId"] == 10


@pytest.mark.parametrize(
    ("envelope", "field"),
    [({"eventType": "APPOINTMENT"}, "eventType"), ({"actionType": "UPDATE"}, "actionType")],
)
def test_wrong_envelope_is_a_400_naming_it(api, envelope, field):
    response = api.post("/v1/patients", {**SEED_001_BODY, **envelope}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_same_field_in_both_spellings_is_conflicting_fields(api):
    response = api.post("/v1/patients", {**SEED_001_BODY, "firstName": "Pedro"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "conflicting_fields"
    assert {e["field"] for e in body["errors"]} == {"first_name", "firstName"}


def test_unknown_field_is_named(api):
    response = api.post("/v1/patients", {**SEED_001_BODY, "fristName": "typo"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_fields"
    assert response.json()["errors"][0]["field"] == "fristName"


def test_validation_errors_name_fields_as_the_client_spelled_them(api):
    body = {k: v for k, v in SEED_001_BODY.items() if k != "first_name"}
    body["gender_id"] = 99
    body["birth_date"] = "1990-13-45"
    response = api.post("/v1/patients", body, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation_error" and problem["status"] == 400
    assert problem["requestId"] == response["X-Request-ID"]
    fields = {e["field"]: e["code"] for e in problem["errors"]}
    assert fields == {"first_name": "required", "gender_id": "does_not_exist", "birth_date": "invalid"}


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"customFields": ["not", "an", "object"]}, "customFields"),
        ({"firstName": "x" * 101}, "firstName"),
        ({"documentNumber": "12 34"}, "documentNumber"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"documentTypeId": True}, "documentTypeId"),
        ({"habeasData": "maybe"}, "habeasData"),
        ({"birthDate": "2999-01-01"}, "birthDate"),
        ({"customFields": {"blob": "x" * 20_000}}, "customFields"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_never_a_500(api, patch, field):
    response = api.post("/v1/patients", {**_camel(SEED_001_BODY), **patch}, format="json")
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}


def test_malformed_json_and_non_object_bodies_are_400(api):
    response = api.post("/v1/patients", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "malformed_request"
    response = api.post("/v1/patients", [1, 2], format="json")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_duplicate_document_is_409_with_existing_id(api):
    first = api.post("/v1/patients", SEED_001_BODY, format="json").json()
    response = api.post("/v1/patients", {**SEED_001_BODY, "first_name": "Otro"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "patient_exists"
    assert response.json()["existingPatientId"] == first["id"]
    # The unique constraint decided it (no read first): the refused insert left nothing behind.
    with tenant_context(api.tenant.id):
        assert Patient.objects.filter(document_number=SEED_001_BODY["document_number"]).count() == 1
        assert Event.objects.filter(type="patient.created").count() == 1
        assert list(AuditEvent.objects.filter(content_type__model="patient").values_list("object_pk", flat=True)) == [
            first["id"]
        ]


def test_same_document_in_two_tenants_is_fine(api, other_api):
    assert api.post("/v1/patients", SEED_001_BODY, format="json").status_code == 201
    assert other_api.post("/v1/patients", SEED_001_BODY, format="json").status_code == 201


def test_get_patch_delete_by_id(api):
    created = api.post("/v1/patients", {**SEED_001_BODY, "custom_fields": {"a": 1, "b": 2}}, format="json").json()
    url = f"/v1/patients/{created['id']}"
    assert api.get(url).json()["documentNumber"] == "12345678"
    response = api.patch(
        url + "/", {"secondName": "Andrés", "email": None, "customFields": {"b": None, "c": 3}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["secondName"] == "Andrés" and body["email"] is None
    assert body["firstName"] == "Juan"  # untouched
    assert body["customFields"] == {"a": 1, "c": 3}  # RFC 7396 merge
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_patch_to_another_patients_document_is_409(api):
    api.post("/v1/patients", SEED_001_BODY, format="json")
    other = api.post("/v1/patients", {**SEED_001_BODY, "document_number": "999"}, format="json").json()
    response = api.patch(f"/v1/patients/{other['id']}", {"documentNumber": "12345678"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "patient_exists"


def test_malformed_and_unknown_ids(api):
    assert api.get("/v1/patients/not-a-uuid").json()["errors"][0]["field"] == "id"
    response = api.get("/v1/patients/019a0000-0000-7000-8000-000000000000")
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"


def test_by_document_get_and_put_upsert(api):
    url = "/v1/patients/by-document/1/12345678"
    assert api.get(url).status_code == 404
    created = api.put(url, {"first_name": "Juan", "first_last_name": "Pérez"}, format="json")
    assert created.status_code == 201, created.content
    updated = api.put(
        url + "/", {"cellPhone": "3001112233", "actionType": "UPDATE", "eventType": "PATIENT"}, format="json"
    )
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["cellPhone"] == "+573001112233" and updated.json()["firstName"] == "Juan"
    assert api.get(url).json()["cellPhone"] == "+573001112233"
    mismatch = api.put(url, {"documentNumber": "555"}, format="json")
    assert mismatch.status_code == 400
    assert api.put("/v1/patients/by-document/x/1", {}, format="json").json()["errors"][0]["field"] == "documentTypeId"


def test_list_filters(api):
    tenant = api.tenant
    juan = PatientFactory(tenant=tenant, first_name="Juan", first_last_name="Pérez", cell_phone="+573001234567")
    PatientFactory(
        tenant=tenant, first_name="Ana", first_last_name="Gómez", email="ana@example.com", phone="+576015551234"
    )
    PatientFactory(tenant=tenant, first_name="Luz", first_last_name="100%_real")

    def ids(**params):
        response = api.get("/v1/patients", params)
        assert response.status_code == 200, response.content
        return [p["firstName"] for p in response.json()["results"]]

    assert ids(name="PEREZ") == ["Juan"]  # case- and accent-insensitive
    assert ids(name="juan pér") == ["Juan"]  # across name parts
    assert ids(name="%") == ["Luz"]  # % is literal
    assert ids(name="_") == ["Luz"]
    assert ids(name="\\") == []  # a backslash is literal too, not LIKE's escape
    assert ids(phone="300 123 4567") == ["Juan"]  # normalised before comparing
    assert ids(phone="6015551234") == ["Ana"]  # matches phone as well as cellPhone
    assert ids(email="ANA@example.com") == ["Ana"]
    assert ids(documentTypeId=1, documentNumber=juan.document_number) == ["Juan"]
    assert ids(document_type_id=1, document_number=juan.document_number) == ["Juan"]
    assert ids(updatedSince="2000-01-01T00:00:00Z") == ["Juan", "Ana", "Luz"]
    assert ids(updatedSince="2199-01-01T00:00:00-05:00") == []
    assert api.get("/v1/patients", {"updatedSince": "2999-01-01T00:00:00Z"}).status_code == 400  # outside 1900-2200
    assert api.get("/v1/patients", {"updatedSince": "yesterday"}).json()["errors"][0]["field"] == "updatedSince"
    conflict = api.get("/v1/patients", {"pageSize": 5, "page_size": 5})
    assert conflict.status_code == 400 and conflict.json()["code"] == "conflicting_fields"


def test_search_by_body_matches_list(api):
    PatientFactory(tenant=api.tenant, first_name="Juan", cell_phone="+573001234567")
    PatientFactory(tenant=api.tenant, first_name="Ana")
    response = api.post("/v1/patients/search", {"phone": "3001234567", "pageSize": 5}, format="json")
    assert response.status_code == 200
    assert [p["firstName"] for p in response.json()["results"]] == ["Juan"]
    assert api.post("/v1/patients/search/", {"pageSize": 0}, format="json").status_code == 400


def test_pagination_is_stable_with_absolute_links(api):
    created = [PatientFactory(tenant=api.tenant).id for _ in range(5)]
    seen, url = [], "/v1/patients?pageSize=2"
    while url:
        body = api.get(url).json()
        assert set(body) == {"results", "next", "previous"}
        seen += [p["id"] for p in body["results"]]
        url = body["next"]
        if url:
            assert url.startswith("http://testserver/v1/patients")
    assert seen == [str(i) for i in sorted(created)]
    for size in ("0", "101", "abc"):
        response = api.get("/v1/patients", {"pageSize": size})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "pageSize"


def test_a_name_search_pages_through_every_match_once_forwards_and_back(api, other_api):
    """The name search stops at each page (secre_patient_ids_by_name's window): the walk must still see
    every match once, in id order, whether matches are dense (the probe) or sparse (the index)."""
    tenant = api.tenant
    gomez = []
    for number in range(40):
        if number % 4 == 0:
            gomez.append(PatientFactory(tenant=tenant, first_name="Ana", first_last_name="Gómez").id)
        else:
            PatientFactory(tenant=tenant, first_name="Luis", first_last_name="Pérez")
    PatientFactory(tenant=other_api.tenant, first_name="Ana", first_last_name="Gómez")  # never ours

    def walk(url):
        seen, pages = [], []
        while url:
            body = api.get(url).json()
            pages.append(body)
            seen += [p["id"] for p in body["results"]]
            url = body["next"]
        return seen, pages

    for query in ("name=gomez", "name=G%C3%93M", "name=ana%20g", "name=o"):
        seen, pages = walk(f"/v1/patients?{query}&pageSize=3")
        assert seen == [str(i) for i in sorted(gomez)], (query, len(seen), [len(p["results"]) for p in pages])
    seen, pages = walk("/v1/patients?name=per&pageSize=7")
    assert len(seen) == 30 and seen == sorted(seen) and len(set(seen)) == 30
    back = api.get(pages[2]["previous"]).json()  # a backwards cursor reads the whole match set
    assert [p["id"] for p in back["results"]] == seen[7:14]
    # Combined with another filter, the window is not used: nothing is cut.
    combined, _ = walk("/v1/patients?name=gomez&updatedSince=2000-01-01T00:00:00Z&pageSize=2")
    assert combined == [str(i) for i in sorted(gomez)]
    body = api.post("/v1/patients/search", {"name": "gómez", "pageSize": 4}, format="json").json()
    assert [p["id"] for p in body["results"]] == [str(i) for i in sorted(gomez)][:4] and body["next"]


def test_next_links_are_https_behind_a_proxy_only_when_proxy_headers_are_trusted(api, settings):
    settings.ALLOWED_HOSTS = ["testserver", "api.example.com"]
    for _ in range(3):
        PatientFactory(tenant=api.tenant)
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "api.example.com"}
    # The default (USE_PROXY_HEADERS off): a client cannot make the app believe it is someone else.
    assert api.get("/v1/patients?pageSize=1", **forwarded).json()["next"].startswith("http://testserver/")
    # USE_PROXY_HEADERS=true sets these two (secre/settings.py).
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    response = api.get("/v1/patients?pageSize=1", **forwarded)
    assert response.json()["next"].startswith("https://api.example.com/v1/patients?")


def test_lookups(api):
    document_types = api.get("/v1/lookups/document-types").json()
    assert document_types[0] == {"id": 1, "code": "CC", "name": "Cédula de ciudadanía"}
    assert {"TI", "CE", "PA", "RC", "NIT"} <= {d["code"] for d in document_types}
    assert [g["code"] for g in api.get("/v1/lookups/genders/").json()][:2] == ["M", "F"]
    assert any(e["code"] == "EPS037" for e in api.get("/v1/lookups/eps").json())


def _camel(body):
    import humps

    return {humps.camelize(k): v for k, v in body.items()}
