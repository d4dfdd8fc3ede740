"""The tenancy middleware: key checks, the atomic request, the tenant setting, request ids."""

from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from patients.models import Patient
from patients.tests.factories import PatientFactory
from tenants.api_keys import api_key_revoke
from tenants.context import current_tenant_id, tenant_context
from tenants.middleware import TenancyMiddleware
from tenants.models import Tenant, TenantAPIKey
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.django_db


def _client(key: str | None) -> APIClient:
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Missing"),
        ("", "Missing"),
        ("garbage", "Malformed"),
        ("abcdefgh.abcdefghabcdefghabcdefghabcdefgh", "Unknown"),
    ],
)
def test_missing_malformed_and_unknown_keys_are_401_problems(header, detail):
    response = _client(header).get("/v1/patients")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "authentication_failed" and detail in body["detail"]
    assert body["requestId"] == response["X-Request-ID"]


def test_wrong_secret_for_a_real_prefix_is_401():
    key, plaintext = make_api_key(TenantFactory())
    wrong = plaintext[:9] + ("A" if plaintext[9] != "A" else "B") + plaintext[10:]
    assert _client(wrong).get("/v1/patients").status_code == 401
    assert _client(plaintext).get("/v1/patients").status_code == 200


def test_revoked_expired_and_inactive_tenant_keys_are_refused():
    tenant = TenantFactory()
    key, plaintext = make_api_key(tenant)
    assert _client(plaintext).get("/v1/patients").status_code == 200
    with tenant_context(tenant.id):
        api_key_revoke(api_key=key)
    assert "revoked" in _client(plaintext).get("/v1/patients").json()["detail"]

    _, expired = make_api_key(tenant, expires_at=timezone.now() - timedelta(seconds=1))
    assert "expired" in _client(expired).get("/v1/patients").json()["detail"]

    _, live = make_api_key(tenant)
    with tenant_context(tenant.id):
        Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    response = _client(live).get("/v1/patients")
    assert response.status_code == 401 and "inactive" in response.json()["detail"]


def test_last_used_at_is_written_at_most_once_a_minute():
    tenant = TenantFactory()
    key, plaintext = make_api_key(tenant)
    client = _client(plaintext)
    client.get("/v1/patients")
    with tenant_context(tenant.id):
        first = TenantAPIKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    client.get("/v1/patients")
    with tenant_context(tenant.id):
        assert TenantAPIKey.objects.get(pk=key.pk).last_used_at == first


def test_an_error_response_rolls_back_what_the_request_wrote():
    tenant = TenantFactory()
    _, plaintext = make_api_key(tenant)

    def view_that_writes_then_fails(request):
        PatientFactory._meta.model.objects.create(
            tenant_id=request.tenant.id,
            first_name="Half",
            first_last_name="Done",
            document_type_id=1,
            document_number="777",
        )
        return HttpResponse(status=400)

    def view_that_writes_and_succeeds(request):
        Patient.objects.create(
            tenant_id=request.tenant.id,
            first_name="Whole",
            first_last_name="Done",
            document_type_id=1,
            document_number="778",
        )
        return HttpResponse(status=201)

    for view in (view_that_writes_then_fails, view_that_writes_and_succeeds):
        request = RequestFactory().post("/v1/patients", HTTP_X_API_KEY=plaintext)
        TenancyMiddleware(view)(request)
    with tenant_context(tenant.id):
        assert list(Patient.objects.values_list("first_name", flat=True)) == ["Whole"]


def test_tenant_is_set_for_the_view_and_emptied_for_requests_without_one():
    tenant = TenantFactory()
    _, plaintext = make_api_key(tenant)
    seen = []

    def view(request):
        seen.append(current_tenant_id())
        return HttpResponse()

    TenancyMiddleware(view)(RequestFactory().get("/v1/patients", HTTP_X_API_KEY=plaintext))
    with tenant_context(tenant.id):  # even if an outer block had a tenant...
        TenancyMiddleware(view)(RequestFactory().get("/admin/"))  # ...a request without one sees none
    assert seen == [tenant.id, None]


def test_request_id_is_echoed_when_sane_and_replaced_otherwise():
    client = APIClient()
    assert client.get("/health", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    generated = client.get("/health", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32
