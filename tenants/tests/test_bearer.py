"""The API key as ``Authorization: Bearer <key>`` (n8n's Bearer Auth credential) beside ``X-Api-Key``:
one resolution, the same answers, and a clear rule when both headers are sent."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from secre.problems import AuthenticationFailed
from tenants.api_keys import presented_api_key
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.django_db


def _get(path: str = "/v1/me", **headers: str):
    return APIClient().get(path, **headers)


def _assert_refused(response, detail: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "authentication_failed" and detail in body["detail"]
    assert "Bearer" in response["WWW-Authenticate"] and "X-Api-Key" in response["WWW-Authenticate"]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_a_bearer_key_is_the_tenants_key(scheme):
    tenant = TenantFactory()
    key, plaintext = make_api_key(tenant, name="n8n bearer")
    response = _get(HTTP_AUTHORIZATION=f"{scheme} {plaintext}")
    assert response.status_code == 200
    assert response.json()["tenantId"] == str(tenant.id)
    assert response.json()["apiKeyId"] == str(key.id)


def test_a_bearer_key_reads_only_its_tenants_rows(api):
    api.post(
        "/v1/patients",
        {"documentTypeId": 1, "documentNumber": "1010", "firstName": "Ana", "firstLastName": "Ruiz"},
        format="json",
    )
    _, own = make_api_key(api.tenant)
    _, foreign = make_api_key(TenantFactory())
    assert _get("/v1/patients/by-document/1/1010", HTTP_AUTHORIZATION=f"Bearer {own}").status_code == 200
    assert _get("/v1/patients/by-document/1/1010", HTTP_AUTHORIZATION=f"Bearer {foreign}").status_code == 404


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        ("Bearer garbage", "Malformed"),
        ("Bearer abcdefgh.abcdefghabcdefghabcdefghabcdefgh", "Unknown"),
        ("Bearer", "Missing"),
        ("Bearer    ", "Missing"),
        ("Basic dXNlcjpwYXNz", "Authorization: Bearer"),
    ],
)
def test_a_wrong_bearer_is_a_401_problem(authorization, detail):
    _assert_refused(_get(HTTP_AUTHORIZATION=authorization), detail)


def test_a_bearer_with_a_wrong_secret_is_refused():
    _, plaintext = make_api_key(TenantFactory())
    wrong = plaintext[:9] + ("A" if plaintext[9] != "A" else "B") + plaintext[10:]
    _assert_refused(_get(HTTP_AUTHORIZATION=f"Bearer {wrong}"), "Unknown")


def test_both_headers_with_the_same_key_are_that_key():
    _, plaintext = make_api_key(TenantFactory())
    assert _get(HTTP_X_API_KEY=plaintext, HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200


def test_both_headers_with_different_keys_are_refused_whichever_is_valid():
    _, first = make_api_key(TenantFactory())
    _, second = make_api_key(TenantFactory())
    bogus = "abcdefgh.abcdefghabcdefghabcdefghabcdefgh"
    for header_key, bearer in [(first, second), (first, bogus), (bogus, first)]:
        _assert_refused(_get(HTTP_X_API_KEY=header_key, HTTP_AUTHORIZATION=f"Bearer {bearer}"), "different keys")


def test_another_authorization_scheme_beside_x_api_key_is_ignored():
    """A gateway's own Basic credentials in front of Secre do not hide the key."""
    _, plaintext = make_api_key(TenantFactory())
    assert _get(HTTP_X_API_KEY=plaintext, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").status_code == 200


def test_the_presented_key_rule():
    def presented(**headers):
        return presented_api_key(RequestFactory().get("/", **headers).headers)

    assert presented() is None
    assert presented(HTTP_X_API_KEY=" k ") == "k"
    assert presented(HTTP_AUTHORIZATION="Bearer  k ") == "k"
    assert presented(HTTP_X_API_KEY="k", HTTP_AUTHORIZATION="Bearer k") == "k"
    assert presented(HTTP_X_API_KEY="k", HTTP_AUTHORIZATION="Digest x") == "k"
    with pytest.raises(AuthenticationFailed):
        presented(HTTP_X_API_KEY="k", HTTP_AUTHORIZATION="Bearer j")
    with pytest.raises(AuthenticationFailed):
        presented(HTTP_AUTHORIZATION="Token k")


def test_the_openapi_document_offers_both_schemes_as_alternatives():
    schema = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
    assert schemes["BearerAuth"]["type"] == "http" and schemes["BearerAuth"]["scheme"] == "bearer"
    assert schema["paths"]["/v1/patients"]["post"]["security"] == [{"ApiKeyAuth": []}, {"BearerAuth": []}]
