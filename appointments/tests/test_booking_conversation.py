"""The scheduling a booking conversation needs (issue 18): holds, availability across doctors, the
front desk's rules (appointment types with durations and buffers, minimum notice, horizon), reschedules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, SlotHold
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.scopes import ALL_SCOPES
from tenants.services import tenant_update
from tenants.tests.factories import make_api_key
from webhooks.models import Event

pytestmark = pytest.mark.django_db

DAY = "2030-09-26"  # a Thursday (Bogotá, UTC-5)
SLOTS = f"/v1/doctor-availability/time-slots/1/99999999?date={DAY}"


@pytest.fixture
def clinic(api):
    doctor = DoctorFactory(tenant=api.tenant, document_number="99999999", specialty="Cardiología")
    AvailabilityRuleFactory(doctor=doctor, day_of_week=4)  # Thursdays 09:00-12:00, 30 minutes
    for number in ("111", "222", "333"):
        PatientFactory(tenant=api.tenant, document_number=number)
    return doctor


def hold(api, start=f"{DAY}T10:00:00", **extra):
    body = {"doctorDocumentTypeId": 1, "doctorDocumentNumber": "99999999", "start": start, **extra}
    return api.post("/v1/appointments/holds", body, format="json")


def book(api, start=f"{DAY}T10:00:00", end=f"{DAY}T10:30:00", patient="111", **extra):
    body = {
        "startAppointment": start,
        "endAppointment": end,
        "patientDocumentTypeId": 1,
        "patientDocumentNumber": patient,
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
        **extra,
    }
    return api.post("/v1/appointments", {k: v for k, v in body.items() if v is not None}, format="json")


def starts(api, url=SLOTS):
    return [slot["startLocal"][11:16] for slot in api.get(url).json()["slots"]]


def expire(tenant, hold_id):
    """As if the hold's time had run out (the checks compare with the database's clock)."""
    with tenant_context(tenant.id):
        assert SlotHold.objects.filter(pk=hold_id).update(expires_at=timezone.now() - timedelta(seconds=1)) == 1


# 1. Holds


def test_a_hold_takes_the_slot_until_it_is_booked_and_a_retry_returns_the_same_appointment(api, clinic):
    created = hold(api, patientDocumentTypeId=1, patientDocumentNumber="111")
    assert created.status_code == 201, created.content
    held = created.json()
    assert held["status"] == "held" and held["end"] == "2030-09-26T15:30:00Z"
    assert held["patientDocumentNumber"] == "111" and held["appointmentId"] is None
    assert "10:00" not in starts(api)
    full = api.get(SLOTS + "&includeFull=true").json()["slots"]
    assert [s["held"] for s in full if s["startLocal"][11:16] == "10:00"] == [True]
    check = api.get(
        f"/v1/doctor-availability/check-availability/1/99999999?start={DAY}T10:00:00&end={DAY}T10:30:00"
    ).json()
    assert check["reasons"] == ["held"] and check["conflictingHoldId"] == held["id"]

    taken = book(api, patient="222")
    assert taken.status_code == 409 and taken.json()["code"] == "slot_held"
    assert taken.json()["conflictingHoldId"] == held["id"]
    assert hold(api).json()["code"] == "slot_held"

    other = api.post(
        "/v1/appointments",
        {"holdId": held["id"], "patientDocumentTypeId": 1, "patientDocumentNumber": "222"},
        format="json",
    )
    assert other.status_code == 409 and other.json()["code"] == "hold_patient_mismatch"
    booked = api.post("/v1/appointments", {"holdId": held["id"]}, format="json")
    assert booked.status_code == 201, booked.content
    appointment = booked.json()
    assert appointment["startAppointment"] == "2030-09-26T15:00:00Z" and appointment["patientDocumentNumber"] == "111"
    again = api.post("/v1/appointments", {"holdId": held["id"]}, format="json")
    assert again.status_code == 200 and again.json()["id"] == appointment["id"]
    assert api.get(f"/v1/appointments/holds/{held['id']}").json()["status"] == "booked"
    refused = api.delete(f"/v1/appointments/holds/{held['id']}")
    assert refused.status_code == 409 and refused.json()["appointmentId"] == appointment["id"]
    with tenant_context(api.tenant.id):
        assert Appointment.objects.filter(doctor=clinic).count() == 1


def test_a_released_or_expired_hold_frees_the_slot_at_once(api, clinic):
    first = hold(api).json()
    assert api.delete(f"/v1/appointments/holds/{first['id']}").status_code == 204
    assert "10:00" in starts(api)
    second = hold(api).json()
    assert book(api).json()["code"] == "slot_held"
    expire(api.tenant, second["id"])
    assert api.get(f"/v1/appointments/holds/{second['id']}").json()["status"] == "expired"
    assert "10:00" in starts(api)
    assert book(api).status_code == 201


def test_hold_rules_ttl_times_and_the_overbook_scope(api, clinic):
    too_long = hold(api, ttlSeconds=3600)
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["field"] == "ttlSeconds"
    assert too_long.json()["maxTtlSeconds"] == 900
    default = hold(api).json()
    lasted = timezone.datetime.fromisoformat(default["expiresAt"]) - timezone.datetime.fromisoformat(
        default["createdAt"]
    )
    assert timedelta(seconds=295) <= lasted <= timedelta(seconds=305)
    outside = hold(api, start=f"{DAY}T13:00:00")
    assert outside.status_code == 409 and outside.json()["code"] == "outside_availability"
    # A key with the overbook scope may book over a hold; a hold does not block the patient's other bookings.
    _, key = make_api_key(api.tenant, name="desk", scopes=list(ALL_SCOPES))
    api.credentials(HTTP_X_API_KEY=key)
    assert book(api, overbook=True).status_code == 201


# 2. Availability across doctors


def test_specialties_match_whatever_the_accents_and_case(api, clinic):
    DoctorFactory(tenant=api.tenant, document_number="88888888", specialty="cardiologia")
    DoctorFactory(tenant=api.tenant, document_number="77777777", specialty="CARDIOLOGÍA")
    DoctorFactory(tenant=api.tenant, document_number="66666666", specialty="Pediatría")
    DoctorFactory(tenant=api.tenant, document_number="55555555", specialty="Pediatría", is_active=False)
    listed = api.get("/v1/doctors", {"specialty": "Cardiologia"}).json()["results"]
    assert len(listed) == 3
    assert api.get("/v1/lookups/specialties").json() == [
        {"name": "Cardiología", "doctorCount": 3},
        {"name": "Pediatría", "doctorCount": 1},
    ]


def test_slots_across_the_doctors_of_a_specialty_earliest_first_in_the_clinic_zone(api, clinic):
    second = DoctorFactory(tenant=api.tenant, document_number="88888888", specialty="cardiologia")
    AvailabilityRuleFactory(doctor=second, day_of_week=4, start_time="08:00", end_time="09:00")
    other = DoctorFactory(tenant=api.tenant, document_number="66666666", specialty="Pediatría")
    AvailabilityRuleFactory(doctor=other, day_of_week=4, start_time="07:00", end_time="08:00")
    response = api.get("/v1/doctor-availability/time-slots", {"specialty": "CARDIOLOGÍA", "date": DAY, "limit": 4})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["timeZone"] == "America/Bogota"
    assert [(s["startLocal"], s["doctor"]["documentNumber"]) for s in body["slots"]] == [
        ("2030-09-26T08:00:00-05:00", "88888888"),
        ("2030-09-26T08:30:00-05:00", "88888888"),
        ("2030-09-26T09:00:00-05:00", "99999999"),
        ("2030-09-26T09:30:00-05:00", "99999999"),
    ]
    week = api.get("/v1/doctor-availability/time-slots", {"specialty": "cardiologia", "date": DAY, "days": 7})
    assert len(week.json()["slots"]) == 8  # one Thursday in the week: 2 + 6
    narrowed = api.get(
        "/v1/doctor-availability/time-slots",
        {"specialty": "cardiologia", "date": DAY, "doctorDocumentTypeId": 1, "doctorDocumentNumber": "88888888"},
    )
    assert {s["doctor"]["documentNumber"] for s in narrowed.json()["slots"]} == {"88888888"}
    missing = api.get("/v1/doctor-availability/time-slots", {"date": DAY})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "specialty"


def test_a_limited_search_reads_the_first_day_first_and_the_rest_only_when_needed(api, clinic):
    """The earliest ``limit`` slots are the same whether the first day fills them (one step) or the
    next days are needed (two steps): the first ``limit`` of the unlimited list."""
    AvailabilityRuleFactory(doctor=clinic, day_of_week=5, start_time="07:00", end_time="08:00")  # Friday
    second = DoctorFactory(tenant=api.tenant, document_number="88888888", specialty="cardiologia")
    AvailabilityRuleFactory(doctor=second, day_of_week=5, start_time="06:00", end_time="07:00")

    def starts(limit):
        query = {"specialty": "cardiologia", "date": DAY, "days": 3, "limit": limit}
        response = api.get("/v1/doctor-availability/time-slots", query)
        assert response.status_code == 200, response.content
        return [(s["startLocal"], s["doctor"]["documentNumber"]) for s in response.json()["slots"]]

    every = starts(50)
    assert len(every) == 6 + 2 + 2  # Thursday 09-12 (one doctor), Friday 06-07 and 07-08
    assert every[6][0].startswith("2030-09-27T06:00") and every[6][1] == "88888888"
    for limit in (1, 3, 6, 7, 9, 10):
        assert starts(limit) == every[:limit], limit


def test_doctors_available_on_a_day_carry_their_first_free_slot(api, clinic):
    busy = DoctorFactory(tenant=api.tenant, document_number="88888888", specialty="Cardiología")
    AvailabilityRuleFactory(doctor=busy, day_of_week=4, start_time="09:00", end_time="09:30")
    PatientFactory(tenant=api.tenant, document_number="444")
    assert book(api, patient="444", start=f"{DAY}T09:00:00", end=f"{DAY}T09:30:00").status_code == 201  # clinic's
    with tenant_context(api.tenant.id):
        Appointment.objects.filter(doctor=clinic).update(doctor=busy)  # now the busy doctor's only slot
    DoctorFactory(tenant=api.tenant, document_number="77777777", specialty="Cardiología")  # no rules
    response = api.get("/v1/doctors", {"specialty": "cardiologia", "availableOn": DAY})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [d["documentNumber"] for d in results] == ["99999999"]
    assert results[0]["firstFreeSlot"]["startLocal"] == "2030-09-26T09:00:00-05:00"
    assert api.get("/v1/doctors", {"availableOn": DAY, "pageSize": 51}).status_code == 400
    assert api.get("/v1/doctors").json()["results"][0]["firstFreeSlot"] is None


def test_doctors_available_on_pages_with_next(api):
    for n in range(5):
        doctor = DoctorFactory(tenant=api.tenant, document_number=str(1000 + n), specialty="Cardiología")
        if n % 2 == 0:
            AvailabilityRuleFactory(doctor=doctor, day_of_week=4)
    seen, url = [], "/v1/doctors?availableOn=2030-09-26&pageSize=2"
    while url:
        page = api.get(url).json()
        seen += [d["documentNumber"] for d in page["results"]]
        url = page["next"]
    assert seen == ["1000", "1002", "1004"]


# 3. The front desk's rules


def test_every_clinic_has_the_default_types_which_cannot_be_deleted(api):
    types = api.get("/v1/lookups/appointment-types").json()
    assert [(t["code"], t["isDefault"]) for t in types] == [("primera_vez", True), ("control", True)]
    assert api.delete("/v1/lookups/appointment-types/control").json()["code"] == "appointment_type_is_default"
    changed = api.patch("/v1/lookups/appointment-types/primera_vez", {"durationMinutes": 45}, format="json")
    assert changed.status_code == 200 and changed.json()["durationMinutes"] == 45
    own = api.post("/v1/lookups/appointment-types", {"code": "ecografia", "name": "Ecografía"}, format="json")
    assert own.status_code == 201 and own.json()["isDefault"] is False
    assert api.delete("/v1/lookups/appointment-types/ecografia").status_code == 204
    assert api.delete("/v1/lookups/appointment-types/ecografia").status_code == 404


def test_a_type_with_duration_and_buffers_lays_slots_on_the_grid_and_keeps_its_buffers(api, clinic):
    api.post(
        "/v1/lookups/appointment-types",
        {"code": "primera_cardio", "name": "Primera cardiología", "durationMinutes": 45, "bufferAfterMinutes": 15},
        format="json",
    )
    typed = f"{SLOTS}&appointmentType=primera_cardio"
    # 45 minutes + 15 after, from the 30-minute grid, inside 09:00-12:00: starts up to 11:00.
    assert starts(api, typed) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    slot = api.get(typed).json()["slots"][0]
    assert slot["endLocal"] == "2030-09-26T09:45:00-05:00"
    booked = book(api, start=f"{DAY}T09:00:00", end=None, appointmentType="primera_cardio")
    assert booked.status_code == 201, booked.content
    assert booked.json()["endAppointment"] == "2030-09-26T14:45:00Z" and booked.json()["bufferAfterMinutes"] == 15
    # Occupied 09:00-10:00: the buffer keeps 09:45-10:00 free of the next patient.
    assert starts(api)[:2] == ["10:00", "10:30"]
    squeezed = book(api, patient="222", start=f"{DAY}T09:45:00", end=f"{DAY}T10:00:00")
    assert squeezed.status_code == 409 and squeezed.json()["code"] == "slot_taken"
    assert book(api, patient="222", start=f"{DAY}T10:00:00", end=f"{DAY}T10:30:00").status_code == 201


def test_minimum_notice_and_horizon_per_clinic_overridable_per_doctor(api, clinic):
    tenant_update(tenant_id=api.tenant.id, data={"booking_horizon_days": 30})
    me = api.get("/v1/me").json()
    assert me["bookingHorizonDays"] == 30  # the key resolver carries the new fields to request.tenant
    assert api.get(SLOTS).json()["slots"] == []
    refused = book(api)
    assert refused.status_code == 409 and refused.json()["code"] == "outside_booking_window"
    assert refused.json()["rule"] == "booking_horizon" and refused.json()["bookingHorizonDays"] == 30
    assert hold(api).json()["code"] == "outside_booking_window"
    doctor = api.get("/v1/doctors/by-document/1/99999999").json()
    api.patch(f"/v1/doctors/{doctor['id']}", {"bookingHorizonDays": 3650}, format="json")
    assert "10:00" in starts(api)
    assert book(api).status_code == 201

    tenant_update(tenant_id=api.tenant.id, data={"minimum_notice_minutes": 24 * 60 * 365 * 10})
    late = book(api, patient="222", start=f"{DAY}T11:00:00", end=f"{DAY}T11:30:00")
    assert late.json()["code"] == "outside_booking_window" and late.json()["rule"] == "minimum_notice"
    _, key = make_api_key(api.tenant, name="desk", scopes=list(ALL_SCOPES))
    api.credentials(HTTP_X_API_KEY=key)
    assert book(api, patient="222", start=f"{DAY}T11:00:00", end=f"{DAY}T11:30:00", overbook=True).status_code == 201


# 4. Reschedule


def test_reschedule_cancels_the_old_books_the_new_and_links_both(api, clinic):
    old = book(api).json()
    response = api.post(
        f"/v1/appointments/{old['id']}/reschedule",
        {"start_datetime": f"{DAY}T11:00:00", "end_datetime": f"{DAY}T11:30:00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["rescheduledFromId"] == old["id"] and new["startAppointment"] == "2030-09-26T16:00:00Z"
    previous = api.get(f"/v1/appointments/{old['id']}").json()
    assert previous["state"] == "cancelled" and previous["cancellationReason"] == "rescheduled"
    assert previous["rescheduledToId"] == new["id"]
    with tenant_context(api.tenant.id):
        cancelled = Event.objects.get(object_id=old["id"], type="appointment.cancelled")
        created = Event.objects.get(object_id=new["id"], type="appointment.created")
    assert cancelled.data["rescheduledToId"] == new["id"]
    assert created.data["rescheduledFromId"] == old["id"]
    retry = api.post(
        f"/v1/appointments/{old['id']}/reschedule",
        {"startAppointment": f"{DAY}T11:00:00", "endAppointment": f"{DAY}T11:30:00"},
        format="json",
    )
    assert retry.status_code == 200 and retry.json()["id"] == new["id"]
    elsewhere = api.post(
        f"/v1/appointments/{old['id']}/reschedule", {"startAppointment": f"{DAY}T09:00:00"}, format="json"
    )
    assert elsewhere.status_code == 409 and elsewhere.json()["code"] == "invalid_transition"


def test_a_reschedule_that_cannot_be_booked_changes_nothing_and_one_to_a_hold_consumes_it(api, clinic):
    old = book(api).json()
    book(api, patient="222", start=f"{DAY}T11:00:00", end=f"{DAY}T11:30:00")
    refused = api.post(
        f"/v1/appointments/{old['id']}/reschedule", {"startAppointment": f"{DAY}T11:00:00"}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "slot_taken"
    assert api.get(f"/v1/appointments/{old['id']}").json()["state"] == "scheduled"
    held = hold(api, start=f"{DAY}T09:00:00").json()
    moved = api.post(f"/v1/appointments/{old['id']}/reschedule", {"holdId": held["id"]}, format="json")
    assert moved.status_code == 201, moved.content
    assert moved.json()["startAppointment"] == "2030-09-26T14:00:00Z"
    assert api.get(f"/v1/appointments/holds/{held['id']}").json()["appointmentId"] == moved.json()["id"]


# 5. The wall


def test_another_clinic_never_sees_holds_specialties_or_slots(api, other_api, clinic):
    held = hold(api).json()
    assert other_api.get(f"/v1/appointments/holds/{held['id']}").status_code == 404
    assert other_api.delete(f"/v1/appointments/holds/{held['id']}").status_code == 404
    assert other_api.post("/v1/appointments", {"holdId": held["id"]}, format="json").status_code == 404
    assert other_api.get("/v1/lookups/specialties").json() == []
    search = other_api.get("/v1/doctor-availability/time-slots", {"specialty": "cardiologia", "date": DAY})
    assert search.json()["slots"] == []
    mine = book(api, start=f"{DAY}T11:00:00", end=f"{DAY}T11:30:00").json()
    moved = other_api.post(f"/v1/appointments/{mine['id']}/reschedule", {"startAppointment": DAY}, format="json")
    assert moved.status_code == 404
