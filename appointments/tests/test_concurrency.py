"""Race-free booking: many concurrent requests for one slot against a real threaded server.

Each request runs in its own server thread on its own database connection, committing for real,
so these tests run outside the per-test transaction and truncate what they wrote (as the owner).
"""

import json
import threading
import urllib.error
import urllib.request

import pytest

from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
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
