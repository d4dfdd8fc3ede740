"""JSON logs: every request line has the ids and the route template; no line has personal data."""

import io
import json
import logging

import pytest

from secre.log_filters import RedactRequestPath
from secre.observability import RequestContextFilter, json_formatter

pytestmark = pytest.mark.django_db

BODY = {
    "firstName": "Gumersinda",
    "firstLastName": "Zapateiro",
    "documentTypeId": 1,
    "documentNumber": "98765432",
    "cellPhone": "3157654321",
    "email": "gumersinda@example.com",
}
PERSONAL = ("Gumersinda", "Zapateiro", "98765432", "3157654321", "+573157654321", "gumersinda@example.com")


@pytest.fixture
def captured_logs():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(RedactRequestPath())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


def test_logs_carry_ids_and_routes_but_no_personal_data(api, captured_logs):
    created = api.post("/v1/patients", BODY, format="json", HTTP_X_REQUEST_ID="trace-123")
    assert created.status_code == 201
    api.post("/v1/patients/search", {"phone": "3157654321", "name": "Gumersinda"}, format="json")
    api.get("/v1/patients", {"email": "gumersinda@example.com", "name": "Zapateiro"})
    api.get("/v1/patients/by-document/1/98765432")
    api.put("/v1/patients/by-document/1/98765432", {"firstName": "Gumersinda"}, format="json")
    api.get("/v1/patients/by-document/1/00000000")  # a 404 too

    output = captured_logs.getvalue()
    for value in PERSONAL:
        assert value not in output, value
    lines = [json.loads(line) for line in output.splitlines()]
    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) == 6
    first = requests[0]
    assert first["request_id"] == "trace-123" and first["tenant_id"] == str(api.tenant.id)
    assert first["api_key_id"] and first["method"] == "POST" and first["status"] == 201
    assert first["route"] == "/v1/patients" and isinstance(first["duration_ms"], float)
    assert {"timestamp", "level", "logger"} <= set(first)
    assert requests[3]["route"] == "/v1/patients/by-document/{documentTypeId}/{documentNumber}"
    assert requests[-1]["status"] == 404
