"""Against a real threaded server, each request on its own connection, committing for real: booking one
slot through FHIR and REST at once has exactly one winner; and the issue's Done-when scenario, end to end,
as an HTTP client sees it."""

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

from appointments.models import Appointment
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from fhir_api.tests.fhir import FHIR_JSON, entries, next_link, valid
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory, make_api_key

ROUNDS = 6  # slots raced, one after the other


def _call(method: str, url: str, key: str, document: dict | None = None, content_type: str = FHIR_JSON):
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 test server)
        url,
        data=None if document is None else json.dumps(document).encode(),
        method=method,
        headers={"Content-Type": content_type, "Accept": content_type, "X-Api-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_fhir_and_rest_booking_one_slot_at_once_exactly_one_wins(live_api):
    tenant = TenantFactory()
    _, key = make_api_key(tenant)
    doctor = DoctorFactory(tenant=tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor, start_time="09:00", end_time="12:00")
    fhir_patient = PatientFactory(tenant=tenant, document_number="5001")
    PatientFactory(tenant=tenant, document_number="5002")
    for n in range(ROUNDS):
        hour, minute = 9 + n // 2, 30 * (n % 2)
        utc = f"20300926T{hour + 5:02d}{minute:02d}"
        fhir_body = {
            "resourceType": "Appointment",
            "status": "booked",
            "slot": [{"reference": f"Slot/{doctor.id}.{utc}.30"}],
            "participant": [{"actor": {"reference": f"Patient/{fhir_patient.id}"}, "status": "accepted"}],
        }
        rest_body = {
            "startAppointment": f"2030-09-26T{hour:02d}:{minute:02d}:00",
            "endAppointment": f"2030-09-26T{hour + (minute + 30) // 60:02d}:{(minute + 30) % 60:02d}:00",
            "patientDocumentTypeId": 1,
            "patientDocumentNumber": "5002",
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
        }
        barrier = threading.Barrier(2)
        results = {}

        def book(name, method, url, document, content_type, results=results, barrier=barrier):
            barrier.wait()
            results[name] = _call(method, url, key, document, content_type)

        threads = [
            threading.Thread(
                target=book, args=("fhir", "POST", f"{live_api}/fhir/R4/Appointment", fhir_body, FHIR_JSON)
            ),
            threading.Thread(
                target=book, args=("rest", "POST", f"{live_api}/v1/appointments", rest_body, "application/json")
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = {name: status for name, (status, _, _) in results.items()}
        assert sorted(statuses.values()) == [201, 409], results
        loser = next(name for name, status in statuses.items() if status == 409)
        refusal = results[loser][2]
        if loser == "fhir":
            valid(refusal)
            assert refusal["issue"][0]["details"]["coding"][0]["code"] == "slot_taken"
        else:
            assert refusal["code"] == "slot_taken"
    with tenant_context(tenant.id):
        assert Appointment.objects.filter(doctor=doctor, state="scheduled").count() == ROUNDS


def test_done_when_find_patient_list_a_week_of_free_slots_book_one_and_read_it(live_api):
    tenant = TenantFactory()
    _, key = make_api_key(tenant)
    doctor = DoctorFactory(tenant=tenant, document_number="99999999", specialty="Cardiología")
    AvailabilityRuleFactory(doctor=doctor, day_of_week=2, start_time="14:00", end_time="16:00")
    AvailabilityRuleFactory(doctor=doctor, day_of_week=4)
    PatientFactory(tenant=tenant, document_number="12345678", first_name="Juan", first_last_name="Pérez")
    base = f"{live_api}/fhir/R4"

    def search(resource_type: str, params: list[tuple[str, str]]) -> dict:
        status, headers, bundle = _call("GET", f"{base}/{resource_type}?{urllib.parse.urlencode(params)}", key)
        assert status == 200 and headers["Content-Type"].startswith(FHIR_JSON), bundle
        return valid(bundle)

    status, _, statement = _call("GET", f"{base}/metadata", "")
    assert status == 200 and valid(statement)["resourceType"] == "CapabilityStatement"

    # 1. The patient, by document.
    patients = entries(search("Patient", [("identifier", "urn:secre:fhir:sid:document:CC|12345678")]))
    assert [p["name"][0]["text"] for p in patients] == ["Juan Pérez"]
    patient_id = patients[0]["id"]

    # 2. The doctor's Schedule, then a week of free Slots, page by page.
    practitioner = entries(search("Practitioner", [("identifier", "urn:secre:fhir:sid:document:CC|99999999")]))[0]
    schedule = entries(search("Schedule", [("actor", f"Practitioner/{practitioner['id']}")]))[0]
    week = [("schedule", f"Schedule/{schedule['id']}"), ("status", "free")]
    week += [("start", "ge2030-09-23"), ("start", "lt2030-09-30"), ("_count", "5")]
    bundle, slots = search("Slot", week), []
    while True:
        slots += entries(bundle)
        link = next_link(bundle)
        if link is None:
            break
        status, _, bundle = _call("GET", link, key)
        assert status == 200
        valid(bundle)
    assert len(slots) == 4 + 6  # Tuesday 14:00-16:00 and Thursday 09:00-12:00, 30 minutes each
    assert {s["status"] for s in slots} == {"free"}
    chosen = slots[-1]

    # 3. Book it by its reference; the same reference again is a 409.
    booking = {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{chosen['id']}"}],
        "participant": [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}],
    }
    status, headers, appointment = _call("POST", f"{base}/Appointment", key, booking)
    assert status == 201, appointment
    valid(appointment)
    status, _, refused = _call("POST", f"{base}/Appointment", key, booking)
    assert status == 409 and valid(refused)["issue"][0]["details"]["coding"][0]["code"] == "slot_taken"

    # 4. Read the Appointment where Location says, and see the Slot taken.
    status, _, read = _call("GET", headers["Location"], key)
    assert status == 200 and valid(read) == appointment
    assert (read["start"], read["end"]) == (chosen["start"], chosen["end"])
    assert {p["actor"]["reference"] for p in read["participant"]} == {
        f"Patient/{patient_id}",
        f"Practitioner/{practitioner['id']}",
    }
    remaining = [s["id"] for s in entries(search("Slot", week[:-1]))]
    assert chosen["id"] not in remaining and len(remaining) == 9
