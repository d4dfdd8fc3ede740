"""Input is never silently ignored (issue 13 §3): unknown parameters, the prototypes' aliases, dialects,
cursors, and the calendar edges of the scheduling routes."""

import base64

import pytest

from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from appointments.tests.test_api import DAY, booking
from patients.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

NEXT_DAY = "2030-09-27"


@pytest.fixture
def clinic(api):
    doctor = DoctorFactory(tenant=api.tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor, day_of_week=4, end_time="17:00")
    AvailabilityRuleFactory(doctor=doctor, day_of_week=5, end_time="17:00")
    PatientFactory(tenant=api.tenant, document_number="12345678")
    first = api.post("/v1/appointments", booking(), format="json")
    second = api.post(
        "/v1/appointments",
        booking(start_datetime=f"{NEXT_DAY}T10:00:00", end_datetime=f"{NEXT_DAY}T10:30:00"),
        format="json",
    )
    assert first.status_code == second.status_code == 201, (first.content, second.content)
    return first.json(), second.json()


def test_one_day_of_the_prototype_is_one_day_not_every_day(api, clinic):
    first, _ = clinic
    response = api.get("/v1/appointments", {"start_date": DAY, "end_date": DAY})
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [first["id"]]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/appointments",
        "/v1/appointments/by-date-range",
        "/v1/patients",
        "/v1/doctors",
        "/v1/lookups/genders",
        "/v1/doctor-availability/time-slots/1/99999999",
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it(api, clinic, path):
    response = api.get(path, {"date": DAY, "doctor": "99999999"} if "time-slots" in path else {"doctor": "x"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_fields"
    assert [e["field"] for e in body["errors"]] == ["doctor"]


def test_size_and_page_one_are_the_prototypes_paging(api, clinic):
    assert len(api.get("/v1/appointments", {"size": 1}).json()["results"]) == 1
    assert len(api.get("/v1/appointments", {"page": 1, "pageSize": 1}).json()["results"]) == 1
    later = api.get("/v1/appointments", {"page": 2})
    assert later.status_code == 400 and later.json()["errors"][0]["field"] == "page"
    both = api.get("/v1/appointments", {"size": 1, "pageSize": 2})
    assert both.status_code == 400 and both.json()["code"] == "conflicting_fields"


def test_crafted_and_undecodable_cursors_are_400_invalid_cursor(api, clinic):
    for cursor in ["%%%", base64.b64encode(b"p=not-a-time").decode(), base64.b64encode(b"o=-1&p=x").decode()]:
        response = api.get("/v1/appointments", {"cursor": cursor})
        assert response.status_code == 400, (cursor, response.content)
        assert response.json()["code"] == "invalid_cursor"
        assert response.json()["errors"][0]["field"] == "cursor"
    page = api.get("/v1/appointments", {"pageSize": 1}).json()
    assert api.get(page["next"]).status_code == 200  # a cursor the API gave out still works


def test_check_availability_takes_start_datetime_and_end_datetime(api, clinic):
    url = "/v1/doctor-availability/check-availability/1/99999999"
    aliased = api.get(url, {"start_datetime": f"{DAY}T10:00:00", "end_datetime": f"{DAY}T10:30:00"})
    canonical = api.get(url, {"start": f"{DAY}T10:00:00", "end": f"{DAY}T10:30:00"})
    assert aliased.status_code == 200 and aliased.json() == canonical.json()
    assert aliased.json()["available"] is False  # the booked slot
    both = api.get(url, {"start": f"{DAY}T10:00:00", "start_datetime": f"{DAY}T10:00:00", "end": f"{DAY}T11:00"})
    assert both.status_code == 400 and both.json()["code"] == "conflicting_fields"


def test_blocked_time_takes_start_datetime_without_a_reason_and_keeps_custom_fields(api, clinic):
    response = api.post(
        "/v1/doctor-availability/blocked-time",
        {
            "doctor_document_type_id": 1,
            "doctor_document_number": "99999999",
            "start_datetime": f"{DAY}T15:00:00",
            "end_datetime": f"{DAY}T16:00:00",
            "custom_fields": {"motivo": "congreso"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    blocked = response.json()
    assert blocked["reason"] is None and blocked["customFields"] == {"motivo": "congreso"}
    assert blocked["start"] == f"{DAY}T20:00:00Z"


def test_availability_rule_custom_fields_are_stored_returned_and_merged(api, clinic):
    created = api.post(
        "/v1/doctor-availability/availability",
        {
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
            "dayOfWeek": 1,
            "startTime": "08:00",
            "endTime": "12:00",
            "customFields": {"sede": "norte", "piso": 2},
        },
        format="json",
    ).json()
    patched = api.patch(
        f"/v1/doctor-availability/availability/{created['id']}",
        {"customFields": {"piso": None, "consultorio": "204"}},
        format="json",
    )
    assert patched.json()["customFields"] == {"sede": "norte", "consultorio": "204"}
    listed = api.get("/v1/doctor-availability/availability/1/99999999").json()
    assert {"sede": "norte", "consultorio": "204"} in [rule["customFields"] for rule in listed]


def test_errors_speak_the_dialect_of_the_request(api, clinic):
    snake = api.post(
        "/v1/appointments",
        booking(start_datetime=f"{DAY}T12:00:00", end_datetime=f"{DAY}T11:00:00"),
        format="json",
    ).json()
    assert snake["errors"][0]["field"] == "end_datetime"
    assert "startAppointment" not in snake["detail"] and "endAppointment" not in snake["detail"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/appointments", {"start": "9999-12-31T23:00:00"}, "start"),
        ("/v1/appointments", {"end": "9999-12-31"}, "end"),
        ("/v1/appointments", {"start": "0001-01-01T00:00:00+14:00"}, "start"),
        ("/v1/doctor-availability/time-slots/1/99999999", {"date": "9999-12-31"}, "date"),
        (
            "/v1/doctor-availability/check-availability/1/99999999",
            {"start": "9999-12-31T23:00:00-14:00", "end": "9999-12-31T23:30:00-14:00"},
            "start",
        ),
    ],
)
def test_calendar_edges_are_a_400_naming_the_field(api, clinic, path, params, field):
    response = api.get(path, params)
    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_rule_valid_until_the_end_of_time_still_lays_slots(api, clinic):
    created = api.post(
        "/v1/doctor-availability/availability",
        {
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
            "dayOfWeek": 3,
            "startTime": "08:00",
            "endTime": "09:00",
            "validUntil": "9999-12-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    slots = api.get("/v1/doctor-availability/time-slots/1/99999999", {"date": "2030-09-25"}).json()["slots"]
    assert [s["startLocal"][11:16] for s in slots] == ["08:00", "08:30"]


@pytest.mark.parametrize(
    "route",
    [
        "/v1/patients/by-document/1/{}",
        "/v1/doctors/by-document/1/{}",
        "/v1/doctor-availability/availability/1/{}",
        "/v1/doctor-availability/blocked-time/1/{}",
        "/v1/doctor-availability/time-slots/1/{}?date=2030-09-26",
        "/v1/doctor-availability/check-availability/1/{}?start=2030-09-26T10:00&end=2030-09-26T10:30",
    ],
)
@pytest.mark.parametrize("number", ["ab%00c", "%C2%B2", "Mar%C3%ADa"])
def test_a_document_number_no_one_can_have_is_a_404(api, clinic, route, number):
    response = api.get(route.format(number))
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
