"""Scheduling API over HTTP: doctors, availability, bookings, lifecycle, catalogs."""

import uuid

import pytest

from appointments.models import Appointment
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from audit.models import AuditEvent
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from webhooks.models import Event

pytestmark = pytest.mark.django_db

DAY = "2030-09-26"  # a Thursday in the future (Bogotá: UTC-5)


@pytest.fixture
def doctor(api):
    doctor = DoctorFactory(tenant=api.tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor, day_of_week=4)  # Thursdays 09:00-12:00, 30 min
    return doctor


@pytest.fixture
def patient(api):
    return PatientFactory(tenant=api.tenant, document_number="12345678")


def booking(**overrides):
    """Seed 001 README's appointment body, on a future Thursday."""
    body = {
        "start_datetime": f"{DAY}T10:00:00",
        "end_datetime": f"{DAY}T10:30:00",
        "patient_document_type_id": 1,
        "patient_document_number": "12345678",
        "doctor_document_type_id": 1,
        "doctor_document_number": "99999999",
        "modality": "presencial",
        "state": "scheduled",
    }
    return {**body, **overrides}


def test_doctor_crud_filters_and_by_document(api):
    created = api.post(
        "/v1/doctors",
        {
            "documentTypeId": 1,
            "documentNumber": "5555",
            "firstName": "Laura",
            "firstLastName": "Restrepo",
            "specialty": "Pediatría",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    doctor_id = created.json()["id"]
    assert (
        api.post(
            "/v1/doctors",
            {"documentTypeId": 1, "documentNumber": "5555", "firstName": "X", "firstLastName": "Y"},
            format="json",
        ).json()["code"]
        == "doctor_exists"
    )
    assert api.get("/v1/doctors/by-document/1/5555").json()["id"] == doctor_id
    assert [d["id"] for d in api.get("/v1/doctors", {"specialty": "pediatría"}).json()["results"]] == [doctor_id]
    assert api.patch(f"/v1/doctors/{doctor_id}", {"isActive": False}, format="json").json()["isActive"] is False
    assert api.get("/v1/doctors", {"isActive": "true"}).json()["results"] == []
    assert api.delete(f"/v1/doctors/{doctor_id}/").status_code == 204
    assert api.get(f"/v1/doctors/{doctor_id}").status_code == 404


def test_seed_001_availability_body_works_verbatim(api):
    DoctorFactory(tenant=api.tenant, document_number="99999999")
    body = {
        "doctor_document_type_id": 1,
        "doctor_document_number": "99999999",
        "day_of_week": 1,
        "start_time": "09:00",
        "end_time": "17:00",
        "appointment_duration_minutes": 30,
    }
    response = api.post("/v1/doctor-availability/availability", body, format="json")
    assert response.status_code == 201, response.content
    rule = response.json()
    assert (rule["dayOfWeek"], rule["startTime"], rule["endTime"], rule["capacity"]) == (1, "09:00", "17:00", 1)
    overlapping = api.post(
        "/v1/doctor-availability/availability", {**body, "start_time": "16:00", "end_time": "18:00"}, format="json"
    )
    assert overlapping.status_code == 409 and overlapping.json()["code"] == "overlapping_availability"
    listed = api.get("/v1/doctor-availability/availability/1/99999999").json()
    assert [r["id"] for r in listed] == [rule["id"]]
    patched = api.patch(f"/v1/doctor-availability/availability/{rule['id']}", {"endTime": "12:00"}, format="json")
    assert patched.json()["endTime"] == "12:00"
    bad = api.patch(f"/v1/doctor-availability/availability/{rule['id']}", {"endTime": "08:00"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "endTime"
    assert api.delete(f"/v1/doctor-availability/availability/{rule['id']}").status_code == 204
    unknown = api.post("/v1/doctor-availability/availability", {**body, "doctor_document_number": "0"}, format="json")
    assert unknown.json()["errors"][0]["field"] == "doctor_document_number"


def test_book_shows_slot_taken_and_cancel_frees_it(api, doctor, patient):
    slots_url = f"/v1/doctor-availability/time-slots/1/99999999?date={DAY}"
    assert "2030-09-26T15:00:00Z" in [s["start"] for s in api.get(slots_url).json()["slots"]]
    response = api.post("/v1/appointments/", booking(), format="json")
    assert response.status_code == 201, response.content
    appointment = response.json()
    assert appointment["startAppointment"] == "2030-09-26T15:00:00Z"  # 10:00 Bogotá
    assert appointment["patientDocumentNumber"] == "12345678" and appointment["doctorDocumentNumber"] == "99999999"
    assert appointment["state"] == "scheduled" and appointment["capacity"] == 1
    assert "2030-09-26T15:00:00Z" not in [s["start"] for s in api.get(slots_url).json()["slots"]]

    other = PatientFactory(tenant=api.tenant, document_number="777")
    taken = api.post("/v1/appointments", booking(patient_document_number="777"), format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken" and taken.json()["conflictingAppointmentId"] == appointment["id"]
    busy = api.post(
        "/v1/appointments",
        booking(start_datetime=f"{DAY}T10:15:00-05:00", end_datetime=f"{DAY}T10:45:00-05:00"),
        format="json",
    )
    assert busy.status_code == 409  # overlaps the doctor's own booking first
    assert other.pk

    cancelled = api.post(f"/v1/appointments/{appointment['id']}/cancel", {"reason": "No puede"}, format="json")
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["cancellationReason"] == "No puede"
    assert "2030-09-26T15:00:00Z" in [s["start"] for s in api.get(slots_url).json()["slots"]]


def test_patient_busy_with_another_doctor(api, doctor, patient):
    second = DoctorFactory(tenant=api.tenant, document_number="88888888")
    AvailabilityRuleFactory(doctor=second, day_of_week=4)
    first = api.post("/v1/appointments", booking(), format="json").json()
    response = api.post("/v1/appointments", booking(doctor_document_number="88888888"), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "patient_busy" and response.json()["conflictingAppointmentId"] == first["id"]
    # The patient exclusion constraint decided it: the refused booking left no row, entry or event.
    with tenant_context(api.tenant.id):
        assert list(Appointment.objects.values_list("id", flat=True)) == [uuid.UUID(first["id"])]
        assert Event.objects.filter(type="appointment.created").count() == 1
        assert AuditEvent.objects.filter(content_type__model="appointment").count() == 1


def test_outside_availability_and_overbook_needs_its_scope(api, doctor, patient):
    response = api.post(
        "/v1/appointments", booking(start_datetime=f"{DAY}T13:00:00", end_datetime=f"{DAY}T13:30:00"), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "outside_availability" and response.json()["reasons"] == ["outside_hours"]
    overbook = api.post(
        "/v1/appointments",
        booking(start_datetime=f"{DAY}T13:00:00", end_datetime=f"{DAY}T13:30:00", overbook=True),
        format="json",
    )
    assert overbook.status_code == 403
    assert overbook.json()["code"] == "permission_denied" and overbook.json()["missingScope"] == "overbook"
    past = api.post(
        "/v1/appointments",
        booking(start_datetime="2020-01-02T10:00:00", end_datetime="2020-01-02T10:30:00"),
        format="json",
    )
    assert past.status_code == 409 and "in_past" in past.json()["reasons"]


def test_doctor_without_rules_is_bookable_any_time(api, patient):
    DoctorFactory(tenant=api.tenant, document_number="99999999")
    response = api.post(
        "/v1/appointments", booking(start_datetime=f"{DAY}T22:00:00", end_datetime=f"{DAY}T22:20:00"), format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"patient_document_number": "000"}, "patient_document_number", "invalid"),
        ({"doctor_document_number": "000"}, "doctor_document_number", "invalid"),
        ({"end_datetime": f"{DAY}T09:00:00"}, "end_datetime", "invalid"),
        ({"start_datetime": "mañana"}, "start_datetime", "invalid"),
        ({"modality": "telepatia"}, "modality", "does_not_exist"),
        ({"state": "completed"}, "state", "invalid"),
        ({"clinicId": "not-a-uuid"}, "clinicId", "invalid"),
        ({"customFields": "x"}, "customFields", "not_a_dict"),
    ],
)
def test_bad_bookings_are_400_naming_the_field(api, doctor, patient, overrides, field, code):
    response = api.post("/v1/appointments", booking(**overrides), format="json")
    assert response.status_code == 400, response.content
    errors = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert field in errors, errors


def test_naive_time_in_a_dst_gap_is_nonexistent_local_time(api):
    from tenants.context import tenant_context
    from tenants.models import Tenant

    with tenant_context(api.tenant.id):
        Tenant.objects.filter(pk=api.tenant.pk).update(timezone="America/New_York")
    DoctorFactory(tenant=api.tenant, document_number="99999999")
    PatientFactory(tenant=api.tenant, document_number="12345678")
    response = api.post(
        "/v1/appointments",
        booking(start_datetime="2030-03-10T02:30:00", end_datetime="2030-03-10T03:30:00"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "nonexistent_local_time"
    assert response.json()["errors"][0]["field"] == "start_datetime"
    ambiguous = api.post(
        "/v1/appointments",
        booking(start_datetime="2030-11-03T01:30:00", end_datetime="2030-11-03T03:00:00"),
        format="json",
    )
    assert ambiguous.json()["code"] == "ambiguous_local_time"


def test_lifecycle_transitions(api, doctor, patient):
    appointment = api.post("/v1/appointments", booking(), format="json").json()
    url = f"/v1/appointments/{appointment['id']}"
    assert api.patch(url, {"state": "confirmed"}, format="json").json()["state"] == "confirmed"
    back = api.patch(url, {"state": "scheduled"}, format="json")
    assert back.status_code == 409
    assert back.json()["code"] == "invalid_transition"
    assert back.json()["allowedTransitions"] == ["cancelled", "completed", "no_show"]
    assert api.patch(url, {"state": "completed"}, format="json").json()["state"] == "completed"
    assert api.patch(url, {"notificationState": "sent"}, format="json").json()["notificationState"] == "sent"
    final = api.patch(url, {"state": "cancelled"}, format="json")
    assert final.status_code == 409 and final.json()["allowedTransitions"] == []


def test_delete_cancels_and_keeps_the_record(api, doctor, patient):
    appointment = api.post("/v1/appointments", booking(), format="json").json()
    assert api.delete(f"/v1/appointments/{appointment['id']}").status_code == 204
    assert api.get(f"/v1/appointments/{appointment['id']}").json()["state"] == "cancelled"
    assert api.delete(f"/v1/appointments/{appointment['id']}").status_code == 204  # idempotent
    PatientFactory(tenant=api.tenant, document_number="333")
    done = api.post("/v1/appointments", booking(patient_document_number="333"), format="json").json()
    api.patch(f"/v1/appointments/{done['id']}", {"state": "confirmed"}, format="json")
    api.patch(f"/v1/appointments/{done['id']}", {"state": "completed"}, format="json")
    assert api.delete(f"/v1/appointments/{done['id']}").status_code == 409


def test_envelope_cancel_via_patch(api, doctor, patient):
    appointment = api.post(
        "/v1/appointments", {**booking(), "eventType": "APPOINTMENT", "actionType": "CREATE"}, format="json"
    ).json()
    response = api.patch(
        f"/v1/appointments/{appointment['id']}", {"eventType": "APPOINTMENT", "actionType": "CANCEL"}, format="json"
    )
    assert response.json()["state"] == "cancelled"


def test_reschedule_goes_through_the_rules(api, doctor, patient):
    first = api.post("/v1/appointments", booking(), format="json").json()
    PatientFactory(tenant=api.tenant, document_number="222")
    second = api.post(
        "/v1/appointments",
        booking(patient_document_number="222", start_datetime=f"{DAY}T11:00:00", end_datetime=f"{DAY}T11:30:00"),
        format="json",
    ).json()
    clash = api.patch(
        f"/v1/appointments/{second['id']}",
        {"startAppointment": f"{DAY}T10:00:00", "endAppointment": f"{DAY}T10:30:00"},
        format="json",
    )
    assert clash.status_code == 409 and clash.json()["conflictingAppointmentId"] == first["id"]
    moved = api.patch(
        f"/v1/appointments/{second['id']}",
        {"startAppointment": f"{DAY}T09:00:00", "endAppointment": f"{DAY}T09:30:00"},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["startAppointment"] == "2030-09-26T14:00:00Z"
    outside = api.patch(f"/v1/appointments/{second['id']}", {"endAppointment": f"{DAY}T13:30:00"}, format="json")
    assert outside.status_code == 409 and outside.json()["code"] == "outside_availability"


def test_list_and_by_date_range(api, doctor, patient):
    appointment = api.post("/v1/appointments", booking(), format="json").json()
    for params in ({"start": DAY, "end": DAY}, {"start_date": DAY, "end_date": DAY}):
        response = api.get("/v1/appointments/by-date-range", params)
        assert [a["id"] for a in response.json()["results"]] == [appointment["id"]], params
    assert api.get("/v1/appointments", {"start": "2030-09-27"}).json()["results"] == []
    assert (
        len(
            api.get(
                "/v1/appointments",
                {
                    "doctorDocumentTypeId": 1,
                    "doctorDocumentNumber": "99999999",
                    "state": "scheduled",
                    "modality": "presencial",
                },
            ).json()["results"]
        )
        == 1
    )
    assert (
        api.get("/v1/appointments", {"patientDocumentTypeId": 1, "patientDocumentNumber": "000"}).json()["results"]
        == []
    )
    # An unencoded '+' offset arrives as a space.
    assert len(api.get("/v1/appointments", {"start": "2030-09-26T14:00:00 00:00"}).json()["results"]) == 1
    assert api.get("/v1/appointments", {"start": "nope"}).json()["errors"][0]["field"] == "start"


def test_time_slots_and_check_availability_endpoints(api, doctor, patient):
    body = api.get(f"/v1/doctor-availability/time-slots/1/99999999?date={DAY}").json()
    assert body["doctor"] == {"documentTypeId": 1, "documentNumber": "99999999"}
    assert body["timeZone"] == "America/Bogota"
    assert body["slots"][0] == {
        "start": "2030-09-26T14:00:00Z",
        "end": "2030-09-26T14:30:00Z",
        "startLocal": "2030-09-26T09:00:00-05:00",
        "endLocal": "2030-09-26T09:30:00-05:00",
        "capacity": 1,
        "remaining": 1,
        "held": False,
    }
    assert len(api.get(f"/v1/doctor-availability/time-slots/1/99999999?date={DAY}&days=8").json()["slots"]) == 12
    assert api.get(f"/v1/doctor-availability/time-slots/1/99999999?date={DAY}&days=32").status_code == 400
    assert api.get("/v1/doctor-availability/time-slots/1/99999999").json()["errors"][0]["field"] == "date"
    assert api.get(f"/v1/doctor-availability/time-slots/1/0?date={DAY}").status_code == 404
    check = f"/v1/doctor-availability/check-availability/1/99999999?start={DAY}T09:00:00&end={DAY}T09:30:00"
    assert api.get(check).json() == {
        "available": True,
        "reasons": [],
        "conflictingAppointmentId": None,
        "conflictingHoldId": None,
        "capacity": 1,
    }


def test_blocked_time_and_closed_days_endpoints(api, doctor):
    blocked = api.post(
        "/v1/doctor-availability/blocked-time",
        {
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
            "start": f"{DAY}T09:00:00",
            "end": f"{DAY}T12:00:00",
            "reason": "Congreso",
        },
        format="json",
    )
    assert blocked.status_code == 201, blocked.content
    assert blocked.json()["start"] == "2030-09-26T14:00:00Z"
    assert api.get(f"/v1/doctor-availability/time-slots/1/99999999?date={DAY}").json()["slots"] == []
    assert len(api.get("/v1/doctor-availability/blocked-time/1/99999999").json()) == 1
    assert api.delete(f"/v1/doctor-availability/blocked-time/{blocked.json()['id']}").status_code == 204

    loaded = api.post("/v1/doctor-availability/closed-days/load-holidays", {"year": 2030}, format="json")
    assert loaded.status_code == 201 and len(loaded.json()) >= 15
    assert {"2030-01-01", "2030-12-25"} <= {d["date"] for d in loaded.json()}
    again = api.post("/v1/doctor-availability/closed-days/load-holidays", {"year": 2030}, format="json")
    assert again.json() == []  # idempotent
    own = api.post("/v1/doctor-availability/closed-days", {"date": DAY, "name": "Inventario"}, format="json")
    assert own.status_code == 201 and own.json()["source"] == "clinic"
    assert api.get(f"/v1/doctor-availability/time-slots/1/99999999?date={DAY}").json()["slots"] == []
    assert api.post("/v1/doctor-availability/closed-days", {"date": DAY, "name": "x"}, format="json").status_code == 409


def test_catalogs_defaults_and_extensions(api, doctor, patient):
    codes = [m["code"] for m in api.get("/v1/lookups/modalities").json()]
    assert codes == ["presencial", "virtual", "domiciliaria"]
    assert [t["code"] for t in api.get("/v1/lookups/appointment-types").json()] == ["primera_vez", "control"]
    added = api.post("/v1/lookups/modalities", {"code": "teleorientacion", "name": "Teleorientación"}, format="json")
    assert added.status_code == 201 and added.json()["isDefault"] is False
    assert api.post("/v1/lookups/modalities", {"code": "virtual", "name": "x"}, format="json").status_code == 409
    clinic = api.post("/v1/lookups/clinics", {"name": "Sede Norte", "address": "Cra 7 # 100-20"}, format="json").json()
    response = api.post(
        "/v1/appointments",
        booking(modality="teleorientacion", clinicId=clinic["id"], appointmentType="control"),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["clinicId"] == clinic["id"]


def test_patient_with_appointments_cannot_be_deleted(api, doctor, patient):
    api.post("/v1/appointments", booking(), format="json")
    response = api.delete(f"/v1/patients/{patient.id}")
    assert response.status_code == 409 and response.json()["code"] == "patient_has_appointments"
    doctor_delete = api.delete(f"/v1/doctors/{doctor.id}")
    assert doctor_delete.status_code == 409 and doctor_delete.json()["code"] == "doctor_has_appointments"


def test_an_appointment_lasts_at_most_24_hours(api, patient):
    DoctorFactory(tenant=api.tenant, document_number="99999999")
    response = api.post(
        "/v1/appointments", booking(start_datetime=f"{DAY}T10:00:00", end_datetime="2030-09-27T10:30:00"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "end_datetime"
