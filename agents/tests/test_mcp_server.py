"""The MCP server in process (Django's test client speaking JSON-RPC): the Origin guard, the key kinds, the
savepoint around each tool, errors and logs, argument schemas and text, rate limits."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django_mcpz.server import ToolError

from agents import arguments
from agents.input_schemas import input_schema
from agents.mcp_server import run_tool
from agents.tools import ToolSpec
from audit.models import AuditEvent
from patients.models import DocumentType, Patient
from patients.services import patient_create
from patients.tests.factories import PatientFactory
from secre.problems import NotFound
from tenants.api_keys import resolve_api_key
from tenants.context import tenant_context
from tenants.scopes import WRITE
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.django_db

INITIALIZE = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}


def rpc(key: str | None, method: str, params: dict | None = None, **headers: str):
    if key is not None:
        headers.setdefault("HTTP_X_API_KEY", key)
    return Client().post(
        "/mcp",
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}),
        content_type="application/json",
        HTTP_ACCEPT="application/json, text/event-stream",
        **headers,
    )


def tool(key: str, name: str, /, **arguments) -> tuple[bool, dict]:
    result = rpc(key, "tools/call", {"name": name, "arguments": arguments}).json()["result"]
    return result["isError"], json.loads(result["content"][0]["text"])


@pytest.fixture
def key(tenant) -> str:
    return make_api_key(tenant)[1]


def test_initialize_is_stateless(key):
    response = rpc(key, "initialize", INITIALIZE)
    assert response.status_code == 200
    assert response.json()["result"]["serverInfo"]["name"] == "secre"
    assert "Mcp-Session-Id" not in response  # every request stands alone: n8n opens a client per execution


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        (None, 200),
        ("https://agents.example.com", 200),
        ("https://agents.example.com/", 200),
        ("https://evil.example.com", 403),
        ("http://agents.example.com", 403),
        ("null", 403),
    ],
)
def test_an_origin_outside_mcp_allowed_origins_is_403(settings, key, caplog, origin, status):
    settings.MCP_ALLOWED_ORIGINS = ["https://agents.example.com"]
    headers = {} if origin is None else {"HTTP_ORIGIN": origin}
    with caplog.at_level(logging.INFO, logger="agents.mcp"):
        response = rpc(key, "tools/call", {"name": "list_specialties", "arguments": {}}, **headers)
    assert response.status_code == status
    ran = [record for record in caplog.records if record.getMessage() == "tool call"]
    assert len(ran) == (1 if status == 200 else 0)  # refused before any tool runs


def test_with_no_allowed_origins_only_requests_without_origin_pass(settings, key):
    settings.MCP_ALLOWED_ORIGINS = []
    assert rpc(key, "tools/list").status_code == 200
    assert rpc(key, "tools/list", HTTP_ORIGIN="http://localhost:5678").status_code == 403


def test_keys_are_checked_by_the_tenancy_middleware():
    assert rpc(None, "initialize", INITIALIZE).status_code == 401
    refused = rpc("abcdefgh.abcdefghabcdefghabcdefghabcdefgh", "tools/list")
    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"
    assert "Bearer" in refused["WWW-Authenticate"]


def test_audit_entries_of_mcp_writes_say_mcp(tenant, key):
    failed, answer = tool(
        key, "register_patient", documentTypeId=1, documentNumber="4040", firstName="Ana", firstLastName="Gil"
    )
    assert not failed
    with tenant_context(tenant.id):
        entry = AuditEvent.objects.get(object_pk=answer["patient"]["patientId"])
    assert entry.origin == "mcp" and entry.request_id


def _request_for(tenant, plaintext: str):
    request = RequestFactory().post("/mcp")
    request.tenant = tenant
    request.api_client = resolve_api_key(plaintext)
    request.request_id = "test-request"
    return request


def _spec(run) -> ToolSpec:
    return ToolSpec(
        name="writes_then_fails",
        title="Writes, then fails",
        description="A test tool.",
        scope=WRITE,
        arguments=arguments.NoArguments,
        run=run,
    )


def test_a_tool_that_fails_after_writing_leaves_nothing(tenant, key):
    def run(context, data):
        patient_create(
            tenant=context.tenant,
            data={
                "document_type": DocumentType.objects.get(pk=1),
                "document_number": "9191",
                "first_name": "A",
                "first_last_name": "B",
            },
        )
        raise NotFound("Something it needed was not there.")

    with tenant_context(tenant.id):
        with pytest.raises(ToolError) as failed:
            run_tool(_spec(run), _request_for(tenant, key), {})
        assert json.loads(str(failed.value)) == {"code": "not_found", "detail": "Something it needed was not there."}
        assert not Patient.objects.filter(document_number="9191").exists()


def test_an_unexpected_exception_is_a_server_error_logged_with_the_request_id(tenant, key, caplog):
    def run(context, data):
        PatientFactory.build(tenant=context.tenant, document_number="9292").save()
        raise RuntimeError("a bug")

    with tenant_context(tenant.id), caplog.at_level(logging.INFO, logger="agents.mcp"):
        with pytest.raises(ToolError) as failed:
            run_tool(_spec(run), _request_for(tenant, key), {})
        assert not Patient.objects.filter(document_number="9292").exists()
    body = json.loads(str(failed.value))
    assert body["code"] == "server_error" and body["requestId"] == "test-request"
    assert [r.getMessage() for r in caplog.records] == ["tool failed", "tool call"]
    assert caplog.records[1].code == "server_error" and caplog.records[1].tool == "writes_then_fails"


def test_unknown_arguments_and_unstorable_text_are_errors_naming_them(key):
    failed, answer = tool(key, "list_doctors", speciality="cardiologia")
    assert failed and answer["code"] == "unknown_fields" and answer["errors"][0]["field"] == "speciality"
    failed, answer = tool(key, "list_doctors", name="Ana\u0000")
    assert failed and answer["code"] == "validation_error" and answer["errors"][0]["field"] == "name"
    failed, answer = tool(key, "find_available_slots", date="2030-02-30")
    assert failed and answer["code"] == "validation_error" and answer["errors"][0]["field"] == "date"
    failed, answer = tool(key, "find_patient")
    assert failed and answer["errors"][0]["field"] == "documentNumber"


def test_snake_case_arguments_are_accepted(tenant, key):
    PatientFactory(tenant=tenant, document_number="3131")
    failed, answer = tool(key, "find_patient", document_number="3131", document_type_id=1)
    assert not failed and answer["found"] is True


def test_input_schemas_follow_the_serializers():
    schema = input_schema(arguments.RegisterPatient)
    assert schema["required"] == ["firstName", "firstLastName", "documentTypeId", "documentNumber"]
    assert "customFields" not in schema["properties"] and schema["additionalProperties"] is False
    assert schema["properties"]["birthDate"] == {
        "type": ["string", "null"],
        "format": "date",
        "description": "Birth date, YYYY-MM-DD.",
    }
    update = input_schema(arguments.UpdatePatient)
    assert update["required"] == ["patientId"]
    listing = input_schema(arguments.ListPatientAppointments)["properties"]
    assert listing["when"]["enum"] == ["upcoming", "past", "all"]
    assert listing["limit"] == {"type": "integer", "minimum": 1, "maximum": 50, "description": "At most (default 10)."}
    assert input_schema(arguments.HoldSlot)["properties"]["start"]["type"] == "string"  # naive local times pass


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def test_mcp_requests_count_against_the_tenants_rate_limit(settings, tenant, key):
    if not _redis_answers():
        pytest.skip(f"no Redis answers at REDIS_URL={django_settings.REDIS_URL}: rate-limit test skipped")
    settings.RATELIMIT_ENABLED = True
    settings.RATE_LIMIT_TENANT = "3/m"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**settings.CACHES["ratelimit"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"},
    }
    statuses = [Client().get("/v1/me", HTTP_X_API_KEY=key).status_code]
    statuses += [rpc(key, "tools/list").status_code for _ in range(3)]
    assert statuses == [200, 200, 200, 429]  # one bucket for REST and MCP
    _, other = make_api_key(TenantFactory())
    assert rpc(other, "tools/list").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("[" * 100_000 + "]" * 100_000, 400, -32700),
        (
            '{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"x": ' + "[" * 70 + "]" * 70 + "}}",
            400,
            -32700,
        ),
        (b"\xff\xfe", 400, -32700),
        ("NaN", 400, -32700),
        (
            '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_doctors", "arguments": [1]}}',
            200,
            -32602,
        ),
    ],
)
def test_hostile_bodies_are_json_rpc_errors_never_500(key, body, status, code):
    response = Client().post("/mcp", body, content_type="application/json", HTTP_X_API_KEY=key)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
