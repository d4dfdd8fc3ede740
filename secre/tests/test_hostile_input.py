"""Every operation of the OpenAPI document, walked with hostile input: never a 5xx, always problem+json.

For each operation the walk sends, one parameter or body field at a time (the rest left valid), calendar
edges, NUL bytes, lone surrogates, huge and negative numbers, non-ASCII digits, 100 KB strings, wrong
types and crafted cursors; and, whole, JSON nested 1,000 deep, a body that is not JSON, invalid UTF-8,
an oversize body and an unknown query parameter. Every answer must be below 500, and every 4xx an
``application/problem+json`` body with a ``code`` (docs/errors.md). The operations come from the
document itself, so a new one is walked without touching this file.
"""

from __future__ import annotations

import base64
import json
from io import StringIO
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tenants.scopes import ALL_SCOPES
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.django_db(databases=["default", "console"])

_SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = [
    (path, method)
    for path, item in _SCHEMA["paths"].items()
    for method in ("get", "post", "put", "patch", "delete")
    if method in item
]

CALENDAR_EDGES = [
    "9999-12-31T23:00:00",
    "9999-12-31T23:00:00-14:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-12-01T24:00:00Z",
]
CRAFTED_CURSORS = [
    "!!!not-base64",
    base64.b64encode(b"p=not-a-uuid").decode(),
    base64.b64encode(b"p=\x00").decode(),
    base64.b64encode(b"o=99999999999999999999&p=x").decode(),
    base64.b64encode(b"r=1&p=" + b"9" * 400).decode(),
]
STRINGS = [*CALENDAR_EDGES, "ab\x00c", "\ud800", "²", "٣٤", "１２", "-1", "9" * 40, "x" * 100_000, ""]
JSON_VALUES = [
    *STRINGS,
    10**30,
    -(10**30),
    -1,
    0,
    2**63,
    1e308,
    True,
    None,
    [],
    {},
    {"a": ["\x00"]},
]


@pytest.fixture
def clinic():
    """A clinic with one of everything (through the API), its admin key's client, and the ids."""
    tenant = TenantFactory(name="Clínica Hostil")
    _, key = make_api_key(tenant, scopes=list(ALL_SCOPES))
    other, _ = make_api_key(tenant, name="other")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    ids = {"/v1/auth/api-keys": str(other.id), "/v1/tenants": str(tenant.id)}

    def create(path, body):
        response = client.post(path, body, format="json")
        assert response.status_code == 201, (path, response.content)
        return response.json()

    ids["/v1/webhooks"] = create("/v1/webhooks", {"url": "https://93.184.215.14/hook"})["id"]
    ids["/v1/doctors"] = create(
        "/v1/doctors", {"documentTypeId": 1, "documentNumber": "99999999", "firstName": "A", "firstLastName": "B"}
    )["id"]
    ids["/v1/doctor-availability/availability"] = create(
        "/v1/doctor-availability/availability",
        {
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
            "dayOfWeek": 4,
            "startTime": "09:00",
            "endTime": "17:00",
        },
    )["id"]
    ids["/v1/doctor-availability/blocked-time"] = create(
        "/v1/doctor-availability/blocked-time",
        {
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
            "start": "2030-09-26T12:00:00",
            "end": "2030-09-26T13:00:00",
        },
    )["id"]
    ids["/v1/doctor-availability/closed-days"] = create(
        "/v1/doctor-availability/closed-days", {"date": "2030-12-24", "name": "Nochebuena"}
    )["id"]
    ids["/v1/patients"] = create(
        "/v1/patients", {"documentTypeId": 1, "documentNumber": "12345678", "firstName": "J", "firstLastName": "P"}
    )["id"]
    ids["/v1/appointments"] = create(
        "/v1/appointments",
        {
            "startAppointment": "2030-09-26T10:00:00",
            "endAppointment": "2030-09-26T10:30:00",
            "patientDocumentTypeId": 1,
            "patientDocumentNumber": "12345678",
            "doctorDocumentTypeId": 1,
            "doctorDocumentNumber": "99999999",
        },
    )["id"]
    ids["/v1/appointments/holds"] = create(
        "/v1/appointments/holds",
        {"doctorDocumentTypeId": 1, "doctorDocumentNumber": "99999999", "start": "2030-09-26T11:00:00"},
    )["id"]
    deliveries = client.get(f"/v1/webhooks/{ids['/v1/webhooks']}/deliveries").json()["results"]
    ids["/v1/webhooks/deliveries"] = deliveries[0]["id"]
    return client, ids


@pytest.fixture(scope="module")
def platform_key(django_db_setup, django_db_blocker):
    """A platform key, committed (it is read on another connection than the console's that writes it)."""
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("create_platform_key", "--name", "hostile", "--json", stdout=out)
    return json.loads(out.getvalue())["apiKey"]


@pytest.fixture
def platform_client(platform_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=platform_key)
    return client


def _path_values(path: str, ids: dict) -> dict[str, str]:
    values = {"documentTypeId": "1", "code": "control"}
    values["documentNumber"] = "12345678" if path.startswith("/v1/patients") else "99999999"
    if "{id}" in path:
        prefix = path.split("/{id}")[0]
        values["id"] = ids[prefix]
    return values


def _quote(value: str) -> str:
    # A lone surrogate travels as the bytes a careless client would send (%ED%A0%80).
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _url(path: str, values: dict[str, str], query: str = "") -> str:
    url = path
    for name, value in values.items():
        url = url.replace("{" + name + "}", _quote(value))
    return f"{url}?{query}" if query else url


def _example_body(operation: dict) -> dict:
    """The operation's example spelled most like the document (camelCase), so one field replaced is
    not also a second spelling of another."""
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
    examples = [e["value"] for e in (content.get("examples") or {}).values() if isinstance(e.get("value"), dict)]
    fields = set(_body_fields(operation))
    return dict(max(examples, key=lambda example: len(fields & set(example)), default={}))


def _body_fields(operation: dict) -> list[str]:
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref")
    if not ref:
        return []
    return list(_SCHEMA["components"]["schemas"][ref.split("/")[-1]].get("properties", {}))


def _send(client, method: str, url: str, body: bytes | None = None, content_type: str = "application/json", **extra):
    if body is None:
        return getattr(client, method)(url, **extra)
    return client.generic(method.upper(), url, body, content_type=content_type, **extra)


def _assert_problem_or_success(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:500])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json", (what, response.status_code)
        assert response.json()["code"], what


def _json_bytes(value) -> bytes:
    # json.dumps writes a lone surrogate as the escape "\ud800" (what a client sends); NUL as "\u0000".
    return json.dumps(value).encode()


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_hostile_input_is_a_4xx_problem_never_a_5xx(path, method, clinic, platform_client):
    client, ids = clinic
    operation = _SCHEMA["paths"][path][method]
    if operation.get("x-required-scope") == "platform":
        client = platform_client
    valid_path = _path_values(path, ids)
    path_names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    query_names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    has_body = "requestBody" in operation
    base_body = _example_body(operation)

    # Path parameters, one at a time.
    for name in path_names:
        for value in STRINGS:
            url = _url(path, {**valid_path, name: value})
            body = _json_bytes(base_body) if has_body else None
            _assert_problem_or_success(_send(client, method, url, body), f"path {name}={value[:20]!r}")

    # Query parameters, one at a time; cursors get crafted ones too.
    for name in query_names:
        for value in STRINGS + (CRAFTED_CURSORS if name == "cursor" else []):
            url = _url(path, valid_path, f"{name}={_quote(value)}")
            _assert_problem_or_success(_send(client, method, url), f"query {name}={value[:20]!r}")
    if method == "get":
        response = _send(client, method, _url(path, valid_path, "notAParameter=1"))
        assert response.status_code == 400, path
        assert response.json()["errors"][0]["field"] == "notAParameter"
        # A raw lone surrogate and invalid UTF-8 in the query string.
        for raw in ("%ED%A0%80", "%FF%FE", "%00"):
            name = query_names[0] if query_names else "x"
            response = _send(client, method, _url(path, valid_path, f"{name}={raw}"))
            _assert_problem_or_success(response, f"raw query {raw}")

    # Body fields, one at a time, on the operation's example body.
    if has_body:
        url = _url(path, valid_path)
        for name in _body_fields(operation):
            for value in JSON_VALUES:
                body = _json_bytes({**base_body, name: value})
                _assert_problem_or_success(_send(client, method, url, body), f"body {name}={str(value)[:20]!r}")
        deep = b"[" * 1000 + b"]" * 1000
        nested = b'{"customFields": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1001
        whole_bodies = [
            (deep, "application/json"),
            (nested, "application/json"),
            (b'{"x": "\\u0000"}', "application/json"),
            (b'{"x": "\\udc00"}', "application/json"),
            (b'{"x": "\xff\xfe"}', "application/json"),
            (b"[]", "application/json"),
            (b'"text"', "application/json"),
            (b"not json", "application/json"),
            (b"name=x", "application/x-www-form-urlencoded"),
        ]
        for body, content_type in whole_bodies:
            response = _send(client, method, url, body, content_type)
            _assert_problem_or_success(response, f"body {body[:20]!r}")
            assert 400 <= response.status_code < 500, (body[:20], response.status_code)

    # Any method: a body that is not JSON is a 415; a declared length over the limit a 413.
    url = _url(path, valid_path)
    response = _send(client, method, url, b"hello", "text/plain")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    too_long = str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = _send(client, method, url, b"{}", "application/json", CONTENT_LENGTH=too_long)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
