"""Idempotent retries: one row and identical responses for retried POSTs with one Idempotency-Key."""

import pytest

from patients.models import Patient
from tenants.context import tenant_context
from tenants.idempotency import parse_key
from tenants.models import IdempotentRequest

BODY = {"firstName": "Rita", "firstLastName": "Rojas", "documentTypeId": 1, "documentNumber": "44444444"}


@pytest.mark.django_db
def test_three_identical_posts_make_one_patient_and_three_identical_responses(api):
    responses = [api.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY="retry-1") for _ in range(3)]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert responses[0].json() == responses[1].json() == responses[2].json()
    assert responses[1]["Idempotent-Replayed"] == "true"
    with tenant_context(api.tenant.id):
        assert Patient.objects.filter(document_number="44444444").count() == 1


@pytest.mark.django_db
def test_the_same_body_in_another_dialect_is_the_same_request(api):
    first = api.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY='"quoted-key"')
    snake = {"first_name": "Rita", "first_last_name": "Rojas", "document_type_id": 1, "document_number": "44444444"}
    again = api.post("/v1/patients/", snake, format="json", HTTP_IDEMPOTENCY_KEY="quoted-key")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(api):
    api.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = api.post("/v1/patients", {**BODY, "firstName": "Otra"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_a_failed_request_stores_nothing_so_its_retry_runs_again(api):
    bad = api.post("/v1/patients", {**BODY, "documentTypeId": 99}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert api.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201


@pytest.mark.django_db
def test_keys_are_scoped_per_tenant(api, other_api):
    mine = api.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    theirs = other_api.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert mine.status_code == theirs.status_code == 201 and mine.json()["id"] != theirs.json()["id"]


@pytest.mark.django_db
def test_secrets_are_never_stored_and_their_retry_is_409():
    from rest_framework.test import APIClient

    from tenants.tests.factories import TenantFactory, make_api_key

    tenant = TenantFactory()
    _, admin_key = make_api_key(tenant, scopes=["read", "write", "admin"])
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=admin_key)
    first = client.post("/v1/auth/api-keys", {"name": "bot"}, format="json", HTTP_IDEMPOTENCY_KEY="new-key")
    assert first.status_code == 201 and "key" in first.json()
    with tenant_context(tenant.id):
        assert IdempotentRequest.objects.get(key="new-key").response_body is None
    retry = client.post("/v1/auth/api-keys", {"name": "bot"}, format="json", HTTP_IDEMPOTENCY_KEY="new-key")
    assert retry.status_code == 409 and retry.json()["code"] == "idempotency_not_replayable"


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["", "x" * 256, '"unterminated', "has space", '"bad\\q"'])
def test_malformed_keys_are_400(api, raw):
    response = api.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY=raw)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_rfc_8941_strings_are_unescaped():
    assert parse_key('"a\\"b"') == 'a"b' and parse_key("plain-123") == "plain-123"


@pytest.mark.usefixtures("committed_db")
def test_purge_removes_expired_records():
    import json
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from tenants.tests.factories import TenantFactory

    tenant = TenantFactory()
    now = timezone.now()
    with tenant_context(tenant.id):
        for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=1))):
            IdempotentRequest.objects.create(
                tenant=tenant,
                key=key,
                fingerprint="f",
                status_code=201,
                created_at=now - age,
                expires_at=now - age + timedelta(hours=24),
            )
    out = StringIO()
    call_command("purge", "--json", stdout=out)
    assert json.loads(out.getvalue())["idempotencyRecords"] >= 1
    with tenant_context(tenant.id):
        assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["fresh"]


def _client_with(tenant, scopes):
    from rest_framework.test import APIClient

    from tenants.tests.factories import make_api_key

    _, plaintext = make_api_key(tenant, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=plaintext)
    return client


@pytest.mark.django_db
def test_a_read_only_key_never_gets_the_stored_response_of_an_admin_only_post(settings):
    from tenants.tests.factories import TenantFactory
    from webhooks.models import Delivery

    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    tenant = TenantFactory()
    admin, reader = _client_with(tenant, ["read", "write", "admin"]), _client_with(tenant, ["read"])
    assert admin.post("/v1/webhooks", {"url": "http://127.0.0.1:9/hook"}, format="json").status_code == 201
    assert admin.post("/v1/patients", BODY, format="json").status_code == 201
    with tenant_context(tenant.id):
        delivery = Delivery.objects.get()
    path = f"/v1/webhooks/deliveries/{delivery.id}/redeliver"
    first = admin.post(path, HTTP_IDEMPOTENCY_KEY="redeliver-1")
    assert first.status_code == 202
    assert admin.post(path, HTTP_IDEMPOTENCY_KEY="redeliver-1")["Idempotent-Replayed"] == "true"
    stolen = reader.post(path, HTTP_IDEMPOTENCY_KEY="redeliver-1")
    assert stolen.status_code == 403 and stolen.json()["missingScope"] == "admin"
    assert "Idempotent-Replayed" not in stolen


@pytest.mark.django_db
def test_another_key_of_the_tenant_with_the_same_idempotency_key_is_a_fresh_request():
    from tenants.tests.factories import TenantFactory

    tenant = TenantFactory()
    first_key, second_key = _client_with(tenant, ["read", "write"]), _client_with(tenant, ["read", "write"])
    created = first_key.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert created.status_code == 201
    again = second_key.post("/v1/patients", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
    # Run again (not replayed): this key did not create that patient, the document is taken.
    assert again.status_code == 409 and again.json()["code"] == "patient_exists"
    assert "Idempotent-Replayed" not in again
    with tenant_context(tenant.id):
        assert IdempotentRequest.objects.filter(key="same").count() == 1
