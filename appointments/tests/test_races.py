"""Creates that check and then insert, raced: at least 10 identical requests at once from separate
connections against a real threaded server. The database decides: one 201, the rest the 409 the API
documents, never a 500 (holidays: all 201, each date once; a repeated cancel: the first answer again)."""

import json
import threading
import urllib.error
import urllib.request

import pytest

from appointments.models import ClosedDay
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory, make_api_key
from webhooks.models import Event

CONCURRENT = 12


def _send(method: str, url: str, key: str, body: dict | None) -> tuple[int, object]:
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 test server)
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", "X-Api-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _race(method: str, url: str, key: str, body: dict | None) -> list[tuple[int, object]]:
    barrier = threading.Barrier(CONCURRENT)
    results: list = [None] * CONCURRENT

    def run(n: int) -> None:
        barrier.wait()
        results[n] = _send(method, url, key, body)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def clinic(live_api):
    tenant = TenantFactory()
    _, key = make_api_key(tenant)
    return live_api, key, tenant


def _one_winner(results, code: str):
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (CONCURRENT - 1), statuses
    assert {body["code"] for status, body in results if status == 409} == {code}


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/v1/doctor-availability/closed-days", {"date": "2031-01-02", "name": "Cierre"}, "closed_day_exists"),
        ("/v1/lookups/modalities", {"code": "teleorientacion", "name": "Teleorientación"}, "catalog_code_exists"),
        ("/v1/lookups/appointment-types", {"code": "urgencia", "name": "Urgencia"}, "catalog_code_exists"),
        ("/v1/lookups/clinics", {"name": "Sede Norte", "address": "Cl 1"}, "catalog_code_exists"),
    ],
)
def test_concurrent_identical_creates_have_one_winner(clinic, path, body, code):
    base, key, _ = clinic
    _one_winner(_race("POST", base + path, key, body), code)


def test_concurrent_overlapping_rules_have_one_winner(clinic):
    base, key, tenant = clinic
    DoctorFactory(tenant=tenant, document_number="99999999")
    rule = {
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
        "dayOfWeek": 2,
        "startTime": "09:00",
        "endTime": "12:00",
        "appointmentDurationMinutes": 30,
    }
    _one_winner(_race("POST", f"{base}/v1/doctor-availability/availability", key, rule), "overlapping_availability")


def test_concurrent_holiday_loads_all_succeed_and_add_each_date_once(clinic):
    base, key, tenant = clinic
    results = _race("POST", f"{base}/v1/doctor-availability/closed-days/load-holidays", key, {"year": 2031})
    assert [status for status, _ in results] == [201] * CONCURRENT
    with tenant_context(tenant.id):
        dates = list(ClosedDay.objects.filter(date__year=2031).values_list("date", flat=True))
    assert len(dates) == len(set(dates)) == sum(len(body) for _, body in results) >= 15


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_concurrent_repeated_cancels_answer_alike_and_emit_one_event(clinic, method):
    base, key, tenant = clinic
    doctor = DoctorFactory(tenant=tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor)
    PatientFactory(tenant=tenant, document_number="12345678")
    status, booked = _send(
        "POST",
        f"{base}/v1/appointments",
        key,
        {
            "startAppointment": "2030-09-26T10:00:00",
            "endAppointment": "2030-09-26T10:30:00",
            "patientDocumentTypeId": 1,
            "patientDocumentNumber": "12345678",
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
        },
    )
    assert status == 201
    if method == "POST":
        results = _race("POST", f"{base}/v1/appointments/{booked['id']}/cancel", key, {"reason": "Viaje"})
        assert {status for status, _ in results} == {200}
        assert all(body == results[0][1] for _, body in results) and results[0][1]["state"] == "cancelled"
    else:
        results = _race("DELETE", f"{base}/v1/appointments/{booked['id']}", key, None)
        assert [status for status, _ in results] == [204] * CONCURRENT
    with tenant_context(tenant.id):
        types = list(Event.objects.filter(object_id=booked["id"]).values_list("type", flat=True))
    assert sorted(types) == ["appointment.cancelled", "appointment.created"]
