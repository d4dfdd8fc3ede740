"""List endpoints run a fixed number of queries, however many rows they return (no N+1)."""

import datetime
from datetime import UTC

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from appointments.tests.factories import DoctorFactory
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
