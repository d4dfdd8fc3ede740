"""Project-level endpoints: health, OpenAPI document and UIs, unknown URLs."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_health_checks_the_database_without_a_key():
    response = APIClient().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_url_is_a_problem_404():
    response = APIClient().get("/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_openapi_document_has_the_key_scheme_and_documented_errors():
    response = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
    }
    create = schema["paths"]["/v1/patients"]["post"]
    assert {"201", "400", "401", "409"} <= set(create["responses"])
    examples = create["requestBody"]["content"]["application/json"]["examples"]
    assert any(e["value"].get("first_name") == "Juan" for e in examples.values())
    assert "/v1/patients/by-document/{documentTypeId}/{documentNumber}" in schema["paths"]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_are_served_without_internet(path):
    response = APIClient().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_swagger_ui_assets_are_served_locally(client):
    html = client.get("/docs").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    from django.test import Client

    # WhiteNoise answers before any view; the asset exists and is JavaScript.
    response = Client().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]


def test_health_is_503_when_the_database_is_down(monkeypatch):
    from django.db import OperationalError, connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = APIClient().get("/health")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_openapi_shows_scheduling_with_seed_examples():
    schema = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json").json()
    slots = schema["paths"]["/v1/doctor-availability/time-slots/{documentTypeId}/{documentNumber}"]["get"]
    example = next(iter(slots["responses"]["200"]["content"]["application/json"]["examples"].values()))["value"]
    assert example["slots"][0]["startLocal"] == "2025-09-25T09:00:00-05:00"
    book = schema["paths"]["/v1/appointments"]["post"]
    assert {"201", "400", "403", "409"} <= set(book["responses"])
    bodies = [e["value"] for e in book["requestBody"]["content"]["application/json"]["examples"].values()]
    assert any(b.get("start_datetime") == "2025-09-25T10:00:00" for b in bodies)
    assert "/v1/doctor-availability/check-availability/{documentTypeId}/{documentNumber}" in schema["paths"]


def test_openapi_states_the_scope_of_each_operation():
    paths = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json").json()["paths"]
    assert paths["/v1/patients"]["get"]["x-required-scope"] == "read"
    assert paths["/v1/patients"]["post"]["x-required-scope"] == "write"
    assert paths["/v1/patients/search"]["post"]["x-required-scope"] == "read"
    assert paths["/v1/auth/api-keys"]["post"]["x-required-scope"] == "admin"
    assert paths["/v1/tenants"]["get"]["x-required-scope"] == "platform"
    assert paths["/v1/me"]["get"]["x-required-scope"] == "any"
    assert "`write` scope" in paths["/v1/appointments"]["post"]["description"]


def test_cors_is_off_by_default_and_follows_configured_origins(settings):
    preflight = {"HTTP_ORIGIN": "https://app.example.com", "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"}
    response = APIClient().options("/v1/patients", **preflight)
    assert "access-control-allow-origin" not in response.headers
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = APIClient().options("/v1/patients", **preflight)
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "x-api-key" in response.headers["access-control-allow-headers"]


def test_readiness_checks_database_and_migrations():
    response = APIClient().get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}


def test_readiness_names_what_is_down(settings):
    settings.RATELIMIT_ENABLED = True
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = APIClient().get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "service_unavailable" and body["checks"]["redis"].startswith("down")
    assert body["checks"]["database"] == "ok"


def test_openapi_documents_idempotency_and_rate_limits():
    paths = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json").json()["paths"]
    create = paths["/v1/patients"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    assert {"409", "422", "429"} <= set(create["responses"])
    assert "429" in paths["/v1/patients"]["get"]["responses"]


def test_every_operation_is_tagged_by_resource_and_documents_its_problems():
    schema = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json").json()
    tags = [tag["name"] for tag in schema["tags"]]
    assert tags == [
        "Patients",
        "Doctors",
        "Availability",
        "Appointments",
        "Catalogs",
        "Keys",
        "Webhooks",
        "Audit",
        "Platform",
    ]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            assert operation["tags"][0] in tags, (method, path)
            expected = {"400", "401", "403", "413", "415", "429"} | ({"404"} if "{" in path else set())
            assert expected <= set(operation["responses"]), (method, path, sorted(operation["responses"]))
            for status, response in operation["responses"].items():
                if status >= "400":
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
    assert schema["paths"]["/v1/webhooks/{id}"]["get"]["tags"] == ["Webhooks"]
    assert schema["paths"]["/v1/lookups/eps"]["get"]["tags"] == ["Catalogs"]


@pytest.mark.parametrize(
    ("path", "method", "page"),
    [
        ("/v1/patients", "get", "PatientPage"),
        ("/v1/patients/search", "post", "PatientPage"),
        ("/v1/doctors", "get", "DoctorPage"),
        ("/v1/appointments", "get", "AppointmentPage"),
        ("/v1/appointments/by-date-range", "get", "AppointmentPage"),
        ("/v1/audit-events", "get", "AuditEventPage"),
        ("/v1/webhooks/{id}/deliveries", "get", "DeliveryPage"),
    ],
)
def test_paged_lists_document_the_envelope(path, method, page):
    schema = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json").json()
    answer = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": f"#/components/schemas/{page}"}
    envelope = schema["components"]["schemas"][page]
    assert set(envelope["required"]) == {"results", "next", "previous"}
    assert envelope["properties"]["next"]["nullable"] is True


def test_optional_times_are_nullable_in_the_document():
    schemas = APIClient().get("/v1/schema", HTTP_ACCEPT="application/json").json()["components"]["schemas"]
    for name in ("ApiKey", "NewApiKey"):
        for field in ("lastUsedAt", "revokedAt", "expiresAt"):
            assert schemas[name]["properties"][field].get("nullable") is True, (name, field)
    assert schemas["AvailabilityRule"]["properties"]["startTime"]["pattern"]
