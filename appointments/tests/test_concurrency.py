"""Race-free booking: many concurrent requests for one slot against a real threaded server.

Each request runs in its own server thread on its own database connection, committing for real,
so these tests run outside the per-test transaction and truncate what they wrote (as the owner).
"""

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentType, SlotHold
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory, make_api_key

REQUESTS = 24


def _post(url: str, key: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 test server)
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Api-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _race(base: str, capacity: int) -> list[tuple[int, dict]]:
    tenant = TenantFactory()
    _, key = make_api_key(tenant)
    doctor = DoctorFactory(tenant=tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor, capacity=capacity)
    for n in range(REQUESTS):
        PatientFactory(tenant=tenant, document_number=str(5000 + n))
    barrier = threading.Barrier(REQUESTS)
    results: list[tuple[int, dict]] = [None] * REQUESTS

    def book(n: int) -> None:
        body = {
            "startAppointment": "2030-09-26T10:00:00",
            "endAppointment": "2030-09-26T10:30:00",
            "patientDocumentTypeId": 1,
            "patientDocumentNumber": str(5000 + n),
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
        }
        barrier.wait()
        results[n] = _post(f"{base}/v1/appointments", key, body)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("capacity", [1, 3])
def test_concurrent_bookings_for_one_slot_fill_exactly_its_capacity(live_api, capacity):
    results = _race(live_api, capacity)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * capacity + [409] * (REQUESTS - capacity)
    winners = {body["id"] for status, body in results if status == 201}
    for status, body in results:
        if status == 409:
            assert body["code"] == "slot_taken"
            assert body["conflictingAppointmentId"] in winners


def _all_at_once(count: int, send) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(count)
    results: list[tuple[int, dict]] = [None] * count

    def run(n: int) -> None:
        barrier.wait()
        results[n] = send(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


HOLDS = 20


def test_twenty_concurrent_holds_of_one_slot_give_exactly_one(live_api):
    tenant = TenantFactory()
    _, key = make_api_key(tenant)
    _, other_key = make_api_key(tenant, name="other bot")
    doctor = DoctorFactory(tenant=tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor)
    PatientFactory(tenant=tenant, document_number="5000")
    body = {"doctorDocumentTypeId": 1, "doctorDocumentNumber": "99999999", "start": "2030-09-26T10:00:00"}
    results = _all_at_once(HOLDS, lambda n: _post(f"{live_api}/v1/appointments/holds", key, body))
    assert sorted(status for status, _ in results) == [201] + [409] * (HOLDS - 1)
    winner = next(payload for status, payload in results if status == 201)
    assert {payload["code"] for status, payload in results if status == 409} == {"slot_held"}

    booking = {
        "startAppointment": "2030-09-26T10:00:00",
        "endAppointment": "2030-09-26T10:30:00",
        "patientDocumentTypeId": 1,
        "patientDocumentNumber": "5000",
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
    }
    status, refused = _post(f"{live_api}/v1/appointments", other_key, booking)
    assert status == 409 and refused["conflictingHoldId"] == winner["id"]
    with tenant_context(tenant.id):
        SlotHold.objects.filter(pk=winner["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    status, booked = _post(f"{live_api}/v1/appointments", other_key, booking)
    assert status == 201, booked


def test_buffers_hold_under_concurrent_bookings(live_api):
    tenant = TenantFactory()
    _, key = make_api_key(tenant)
    doctor = DoctorFactory(tenant=tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor, start_time="08:00", end_time="15:00", appointment_duration_minutes=15)
    with tenant_context(tenant.id):
        AppointmentType.objects.filter(code="control").update(duration_minutes=30, buffer_after_minutes=15)
    starts = [f"2030-09-26T{8 + n // 4:02d}:{15 * (n % 4):02d}:00" for n in range(REQUESTS)]  # every 15 minutes
    for n in range(REQUESTS):
        PatientFactory(tenant=tenant, document_number=str(6000 + n))

    def send(n: int):
        body = {
            "startAppointment": starts[n],
            "appointmentType": "control",
            "patientDocumentTypeId": 1,
            "patientDocumentNumber": str(6000 + n),
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
        }
        return _post(f"{live_api}/v1/appointments", key, body)

    results = _all_at_once(REQUESTS, send)
    assert {status for status, _ in results} <= {201, 409}
    assert {payload["code"] for status, payload in results if status == 409} <= {"slot_taken"}
    with tenant_context(tenant.id):
        spans = sorted(
            (a.start - timedelta(minutes=a.buffer_before_minutes), a.end + timedelta(minutes=a.buffer_after_minutes))
            for a in Appointment.objects.filter(doctor=doctor, state="scheduled")
        )
    assert len(spans) == sum(1 for status, _ in results if status == 201) >= 6
    for (_, first_end), (second_start, _) in zip(spans, spans[1:], strict=False):
        assert first_end <= second_start  # no two occupied spans (with the 15-minute buffer) meet
