"""The audit trail: one masked, tenant-scoped entry per change, from the API, the console and commands,
in the same transaction as the change, append-only under RLS."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from appointments.tests.factories import bookable
from audit.models import AuditEvent
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.django_db

BODY = {
    "firstName": "Juanita",
    "firstLastName": "Pérez",
    "documentTypeId": 1,
    "documentNumber": "55512345",
    "cellPhone": "3001234567",
    "email": "juanita@example.com",
}
PERSONAL = ("Juanita", "Pérez", "55512345", "3001234567", "juanita@example.com")


def _events(tenant, **filters):
    with tenant_context(tenant.id):
        return list(AuditEvent.objects.filter(**filters).select_related("content_type").order_by("timestamp"))


def test_api_changes_leave_masked_entries_with_key_and_request_id(api):
    created = api.post("/v1/patients", BODY, format="json", HTTP_X_REQUEST_ID="req-create-1")
    patient_id = created.json()["id"]
    api.patch(f"/v1/patients/{patient_id}", {"email": "nueva@example.com"}, format="json")
    api.delete(f"/v1/patients/{patient_id}")
    events = _events(api.tenant, object_pk=patient_id)
    assert [e.action for e in events] == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE]
    first = events[0]
    assert first.request_id == "req-create-1" and first.origin == "api"
    assert first.api_key_id is not None and first.actor_id is None
    assert first.content_type.model == "patient" and first.object_repr == f"patient {patient_id}"
    assert set(events[1].changes) == {"email"}
    stored = json.dumps([e.changes for e in events], ensure_ascii=False) + "".join(e.object_repr for e in events)
    for value in PERSONAL:
        assert value not in stored
    assert "[masked]" in stored


def test_a_rolled_back_request_leaves_no_entry(api):
    api.post("/v1/patients", BODY, format="json")
    duplicate = api.post("/v1/patients", {**BODY, "firstName": "Otra"}, format="json")
    assert duplicate.status_code == 409
    assert len(_events(api.tenant, action=AuditEvent.Action.CREATE, content_type__model="patient")) == 1


def test_commands_are_audited_as_commands():
    out = StringIO()
    call_command("create_tenant", "Clínica Auditada", "--json", stdout=out)
    tenant_id = json.loads(out.getvalue())["tenantId"]
    with tenant_context(tenant_id):
        event = AuditEvent.objects.get(object_pk=tenant_id)
    assert event.origin == "command" and event.action == AuditEvent.Action.CREATE


@pytest.mark.isolation
def test_entries_are_tenant_isolated_and_append_only(api, other_api):
    api.post("/v1/patients", BODY, format="json")
    other_api.post("/v1/patients", {**BODY, "documentNumber": "999"}, format="json")
    mine = _events(api.tenant)
    assert mine and all(e.tenant_id == api.tenant.id for e in mine)
    with tenant_context(api.tenant.id):
        for statement in ("UPDATE audit_auditevent SET origin = 'system'", "DELETE FROM audit_auditevent"):
            with (
                pytest.raises(ProgrammingError, match="permission denied"),
                transaction.atomic(),
                connection.cursor() as c,
            ):
                c.execute(statement)
    assert len(_events(api.tenant)) == len(mine)


def test_audit_events_endpoint_needs_admin_and_filters():
    tenant = TenantFactory()
    _, plain = make_api_key(tenant)
    key, admin_key = make_api_key(tenant, name="owner", scopes=["read", "write", "admin"])
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_X_API_KEY=admin_key)
    patient = client.post("/v1/patients", BODY, format="json").json()
    other = PatientFactory(tenant=tenant)
    listed = client.get("/v1/audit-events", {"objectType": "patient", "objectId": patient["id"]}).json()["results"]
    assert [e["action"] for e in listed] == ["create"]
    assert listed[0]["apiKeyId"] == str(key.id) and listed[0]["objectType"] == "patient"
    assert client.get("/v1/audit-events", {"apiKeyId": str(key.id), "action": "create"}).json()["results"]
    assert str(other.id) not in {
        e["objectId"] for e in client.get("/v1/audit-events", {"action": "update"}).json()["results"]
    }
    plain_client = APIClient()
    plain_client.credentials(HTTP_X_API_KEY=plain)
    assert plain_client.get("/v1/audit-events").json()["missingScope"] == "admin"


def test_the_address_recorded_is_the_client_behind_the_trusted_proxy(api, settings):
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/8"]
    created = api.post("/v1/patients", BODY, format="json", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert created.status_code == 201
    (event,) = _events(api.tenant, object_pk=created.json()["id"])
    assert event.remote_addr == "203.0.113.77"
    direct = api.post(
        "/v1/patients",
        {**BODY, "documentNumber": "55512346"},
        format="json",
        REMOTE_ADDR="198.51.100.3",
        HTTP_X_FORWARDED_FOR="203.0.113.78",
    )
    (event,) = _events(api.tenant, object_pk=direct.json()["id"])
    assert event.remote_addr == "198.51.100.3"


def test_a_booking_records_the_appointments_own_fields_and_reads_no_reverse_relation(api):
    body = {**bookable(api.tenant), "startAppointment": "2030-09-26T10:00:00"}
    with CaptureQueriesContext(connection) as captured:
        booked = api.post("/v1/appointments", body, format="json")
    assert booked.status_code == 201, booked.content
    # The reverse one-to-ones (a hold's appointment, a reschedule's new one) are not read to audit.
    reverse_reads = ('"appointments_slothold"."appointment_id" =', '"appointments_appointment"."rescheduled_from_id" =')
    assert not [q for q in captured.captured_queries if any(read in q["sql"] for read in reverse_reads)]
    (entry,) = _events(api.tenant, object_pk=booked.json()["id"])
    own = {field.name for field in Appointment._meta.concrete_fields}
    assert set(entry.changes) <= own and {"start", "doctor"} <= set(entry.changes)
