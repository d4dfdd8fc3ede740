"""List endpoints run a fixed number of queries, however many rows they return (no N+1)."""

import datetime
from datetime import UTC

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from appointments.tests.factories import DoctorFactory, bookable
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context

pytestmark = pytest.mark.django_db


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def _book(tenant, doctor, n: int) -> None:
    start = datetime.datetime(2030, 9, 26, 14, tzinfo=UTC) + datetime.timedelta(hours=n)
    patient = PatientFactory(tenant=tenant)
    with tenant_context(tenant.id):
        Appointment.objects.create(
            tenant=tenant, doctor=doctor, patient=patient, start=start, end=start + datetime.timedelta(minutes=30)
        )


@pytest.mark.parametrize("url", ["/v1/appointments?pageSize=50", "/v1/patients?pageSize=50", "/v1/doctors?pageSize=50"])
def test_list_query_count_does_not_grow_with_rows(api, url):
    doctor = DoctorFactory(tenant=api.tenant)
    for n in range(2):
        _book(api.tenant, doctor, n)
    DoctorFactory(tenant=api.tenant)
    _queries(api, url)  # warm-up: a key's first use also records last_used_at
    few = _queries(api, url)
    for n in range(2, 12):
        _book(api.tenant, doctor, n)
        DoctorFactory(tenant=api.tenant)
    assert _queries(api, url) == few
    assert few <= 8  # key resolution, tenant setting, savepoints and the page itself


def test_a_booking_runs_a_fixed_number_of_statements(api):
    """Key, patient, doctor, the booking's one savepoint, the doctor's lock, the calendars, the insert
    and its audit entry, the event and the endpoints it goes to: no reference lookup (the snapshot has
    them), no read of the new row's reverse relations, no read of the patient's other appointments
    (the exclusion constraint decides)."""
    body = bookable(api.tenant)
    assert (
        api.post("/v1/appointments", {**body, "startAppointment": "2030-09-26T09:00:00"}, format="json").status_code
        == 201
    )
    with CaptureQueriesContext(connection) as captured:
        booked = api.post("/v1/appointments", {**body, "startAppointment": "2030-09-26T10:00:00"}, format="json")
    assert booked.status_code == 201, booked.content
    statements = [q["sql"] for q in captured.captured_queries]
    assert not [sql for sql in statements if "patients_documenttype" in sql]
    assert len([sql for sql in statements if sql.startswith("SAVEPOINT")]) == 2  # the test's and the booking's
    # 12 the request's own (23 before the calendars were one statement, the document types came from
    # the snapshot and the audit skipped reverse relations; 15 before the booking's one savepoint and the
    # constraint deciding the patient's overlap); 4 the test's: its savepoint and the tenant setting read
    # and restored around a request nested in a test transaction.
    assert len(statements) == 16, "\n".join(sql[:120] for sql in statements)
