"""Platform keys and API, key scopes, /v1/me, and the tenant's own key management."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import ProgrammingError, connection, transaction
from rest_framework.test import APIClient

from tenants.api_keys import resolve_api_key
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.key_resolvers import RESOLVER
from tenants.models import Tenant, TenantAPIKey
from tenants.tests.factories import TenantFactory, make_api_key


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


def _platform_client() -> APIClient:
    out = StringIO()
    call_command("create_platform_key", "--name", "onboarding", "--json", stdout=out)
    return _client(json.loads(out.getvalue())["apiKey"])


@pytest.mark.usefixtures("committed_db")
def test_platform_key_bootstraps_a_tenant_whose_key_works():
    platform = _platform_client()
    response = platform.post("/v1/admin/bootstrap", {"name": "Clínica Norte", "apiKeyName": "n8n"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tenant"]["timezone"] == "America/Bogota" and body["apiKey"]["scopes"] == ["read", "write"]
    me = _client(body["apiKey"]["key"]).get("/v1/me").json()
    assert me["tenantId"] == body["tenant"]["id"] and me["keyName"] == "n8n" and me["timeZone"] == "America/Bogota"

    created = platform.post("/v1/tenants", {"name": "Clínica Sur", "timezone": "America/New_York"}, format="json")
    seed_name = platform.post("/v1/admin/tenants", {"name": "Clínica Este"}, format="json")
    assert created.status_code == 201 and seed_name.status_code == 201
    listed = {t["id"] for t in platform.get("/v1/tenants").json()}
    assert {body["tenant"]["id"], created.json()["id"], seed_name.json()["id"]} <= listed
    assert platform.get(f"/v1/tenants/{created.json()['id']}").json()["timezone"] == "America/New_York"
    assert platform.get("/v1/tenants/019a0000-0000-7000-8000-000000000000").status_code == 404
    bad = platform.post("/v1/tenants", {"name": "X", "timezone": "Mars/Base"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "timezone"

    # Deactivating a tenant stops its keys at once.
    patched = platform.patch(f"/v1/tenants/{body['tenant']['id']}", {"isActive": False}, format="json")
    assert patched.json()["isActive"] is False
    assert _client(body["apiKey"]["key"]).get("/v1/me").status_code == 401


@pytest.mark.usefixtures("committed_db")
def test_platform_keys_read_no_tenant_data_and_tenant_keys_no_platform_routes():
    platform = _platform_client()
    for path in ("/v1/patients", "/v1/me", "/v1/appointments"):
        response = platform.get(path)
        assert response.status_code == 403 and response.json()["code"] == "tenant_key_required", path
    _, tenant_key = make_api_key(TenantFactory())
    response = _client(tenant_key).get("/v1/tenants")
    assert response.status_code == 403 and response.json()["code"] == "platform_key_required"


@pytest.mark.django_db
def test_a_read_only_key_cannot_write():
    tenant = TenantFactory()
    _, key = make_api_key(tenant, scopes=["read"])
    client = _client(key)
    assert client.get("/v1/patients").status_code == 200
    assert client.post("/v1/patients/search", {"name": "x"}, format="json").status_code == 200
    response = client.post(
        "/v1/patients",
        {"firstName": "A", "firstLastName": "B", "documentTypeId": 1, "documentNumber": "1"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied" and response.json()["missingScope"] == "write"
    assert client.get("/v1/auth/api-keys").json()["missingScope"] == "admin"


@pytest.mark.django_db
def test_admin_scope_manages_the_tenants_own_keys():
    tenant = TenantFactory()
    _, admin_key = make_api_key(tenant, name="owner", scopes=["read", "write", "admin"])
    client = _client(admin_key)
    created = client.post("/v1/auth/api-keys", {"name": "reportes", "scopes": ["read"]}, format="json")
    assert created.status_code == 201, created.content
    new = created.json()
    assert new["scopes"] == ["read"] and new["key"].startswith(new["prefix"] + ".")
    listed = client.get("/v1/auth/api-keys").json()
    assert {k["name"] for k in listed} == {"owner", "reportes"}
    assert all("key" not in k and "hashedKey" not in k for k in listed)

    rotated = client.post(f"/v1/auth/api-keys/{new['id']}/rotate", {"gracePeriodMinutes": 5}, format="json").json()
    assert rotated["id"] != new["id"] and rotated["name"] == "reportes" and rotated["scopes"] == ["read"]
    assert _client(new["key"]).get("/v1/me").status_code == 200  # within the grace period
    assert _client(rotated["key"]).get("/v1/me").json()["scopes"] == ["read"]

    revoked = client.post(f"/v1/auth/api-keys/{rotated['id']}/revoke")
    assert revoked.json()["revoked"] is True
    assert _client(rotated["key"]).get("/v1/me").status_code == 401
    assert client.post(f"/v1/auth/api-keys/{rotated['id']}/rotate", {}, format="json").status_code == 409
    bad = client.post("/v1/auth/api-keys", {"name": "x", "scopes": ["root"]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "scopes.0"


@pytest.mark.django_db
def test_overbook_scope_books_outside_availability():
    from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
    from patients.tests.factories import PatientFactory

    tenant = TenantFactory()
    _, key = make_api_key(tenant, scopes=["read", "write", "overbook"])
    doctor = DoctorFactory(tenant=tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor)
    PatientFactory(tenant=tenant, document_number="12345678")
    body = {
        "startAppointment": "2030-09-26T20:00:00",
        "endAppointment": "2030-09-26T20:30:00",
        "patientDocumentTypeId": 1,
        "patientDocumentNumber": "12345678",
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
        "overbook": True,
    }
    response = _client(key).post("/v1/appointments", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["overbooked"] is True


@pytest.mark.isolation
@pytest.mark.usefixtures("committed_db")
def test_the_operator_bypass_sees_every_tenant_and_the_runtime_role_cannot_take_it():
    a, b = TenantFactory(), TenantFactory()
    with operator_access() as alias:
        ids = set(Tenant.objects.using(alias).values_list("id", flat=True))
    assert {a.id, b.id} <= ids
    assert not Tenant.objects.filter(pk__in=[a.id, b.id]).exists()  # the runtime role, no tenant set
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic(), connection.cursor() as c:
        c.execute("SET ROLE secre_operator")


@pytest.mark.django_db
def test_the_resolved_tenant_carries_every_field_with_the_databases_value():
    tenant = TenantFactory(name="Clínica Completa", timezone="America/New_York")
    with tenant_context(tenant.id):
        Tenant.objects.filter(pk=tenant.pk).update(rate_limit="900/m", reminder_lead_minutes=1440)
        stored = Tenant.objects.get(pk=tenant.pk)
    _, plaintext = make_api_key(tenant)
    resolved = resolve_api_key(plaintext).tenant
    for field in Tenant._meta.concrete_fields:
        assert getattr(resolved, field.attname) == getattr(stored, field.attname), field.name
    assert resolved._state.adding is False and resolved._state.db == "default"
    # Every column of today's models is returned: a new field whose migration forgot to recreate the
    # resolver (tenants.rls.CreateKeyResolvers) fails here.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {RESOLVER}(%s)", ["no-such"])
        returned = {column.name for column in cursor.description}
    expected = {f"tenant_{f.column}" for f in Tenant._meta.concrete_fields}
    expected |= {f"key_{f.column}" for f in TenantAPIKey._meta.concrete_fields}
    assert returned == expected
