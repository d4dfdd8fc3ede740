"""``make contract``: schemathesis against a live server, holding every response to the OpenAPI document.

Not part of ``make test`` (marker ``contract``; pyproject's addopts deselect it): it runs a few minutes.
The server is the suite's live server over the test database; a clinic with a doctor, availability, a
patient, an appointment and a webhook gives the generated requests real objects to find. Tenant routes
run with an admin key (every scope), platform routes (tag Platform) with a platform key.

Phases examples, coverage and fuzzing (the document carries no links, so no stateful phase); checks
``not_a_server_error``, ``response_schema_conformance``, ``status_code_conformance`` and
``content_type_conformance``; a fixed seed and Hypothesis's example database off, so a run is repeatable.
Name resolution is patched in the server's process: a generated webhook host resolves to one public
address and never reaches DNS (no delivery is attempted: no worker runs).

``CONTRACT_MAX_EXAMPLES`` (default 25) bounds the fuzzing budget per operation; ``CONTRACT_REPORT_DIR``
keeps schemathesis' output and JUnit reports (one per key).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tenants.scopes import ALL_SCOPES
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.contract

SEED = "42"
PUBLIC_ADDRESS = "93.184.215.14"  # any public address: webhook URLs pass the SSRF check, nothing connects
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
_real_getaddrinfo = socket.getaddrinfo


def _resolve_without_dns(host, port, *args, **kwargs):
    """Loopback and literal addresses as usual; every other name to :data:`PUBLIC_ADDRESS`."""
    if host in (None, "localhost") or _is_address(host):
        return _real_getaddrinfo(host, port, *args, **kwargs)
    return _real_getaddrinfo(PUBLIC_ADDRESS, port, *args, **kwargs)


def _is_address(host) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in str(host) else socket.AF_INET, str(host))
    except (OSError, ValueError):
        return False
    return True


def _seed_clinic(key: str) -> None:
    """The objects generated requests can find: through the API, like a clinic would create them."""
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    writes = [
        (
            "/v1/doctors",
            {"documentTypeId": 1, "documentNumber": "99999999", "firstName": "Ana", "firstLastName": "Ruiz"},
        ),
        (
            "/v1/doctor-availability/availability",
            {
                "doctorDocumentTypeId": 1,
                "doctorDocumentNumber": "99999999",
                "dayOfWeek": 4,
                "startTime": "09:00",
                "endTime": "17:00",
            },
        ),
        (
            "/v1/patients",
            {
                "documentTypeId": 1,
                "documentNumber": "12345678",
                "firstName": "Juan",
                "firstLastName": "Pérez",
                "birthDate": "1990-05-15",
                "genderId": 1,
            },
        ),
        (
            "/v1/appointments",
            {
                "startAppointment": "2030-09-26T10:00:00",
                "endAppointment": "2030-09-26T10:30:00",
                "patientDocumentTypeId": 1,
                "patientDocumentNumber": "12345678",
                "doctorDocumentTypeId": 1,
                "doctorDocumentNumber": "99999999",
            },
        ),
        ("/v1/webhooks", {"url": "https://n8n.example.com/webhook/secre"}),
    ]
    for path, body in writes:
        response = client.post(path, body, format="json")
        assert response.status_code == 201, (path, response.content)


def _schemathesis(base_url: str, key: str, key_id: str, selection: str, report: Path) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base_url}/v1/schema",
        "--phases",
        "examples,coverage,fuzzing",
        "--checks",
        CHECKS,
        "--seed",
        SEED,
        "--max-examples",
        os.environ.get("CONTRACT_MAX_EXAMPLES", "25"),
        "--generation-database",
        "none",
        # One worker: CPython 3.11's parser is not thread-safe ("AST constructor recursion depth
        # mismatch" from Hypothesis describing its lambdas in two threads).
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--header",
        f"X-Api-Key: {key}",
        selection,
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--no-color",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "secre.tests.contract_hooks",
        "SECRE_CONTRACT_KEY_ID": key_id,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    return subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False, env=env)


def test_every_response_matches_the_openapi_document(live_api, monkeypatch, tmp_path):
    monkeypatch.setattr(socket, "getaddrinfo", _resolve_without_dns)
    admin, admin_key = make_api_key(TenantFactory(name="Clínica Contrato"), scopes=list(ALL_SCOPES))
    out = StringIO()
    call_command("create_platform_key", "--name", "contract", "--json", stdout=out)
    platform = json.loads(out.getvalue())
    _seed_clinic(admin_key)

    report_dir = Path(os.environ.get("CONTRACT_REPORT_DIR") or tmp_path)
    report_dir.mkdir(parents=True, exist_ok=True)
    runs = [
        ("tenant", admin_key, str(admin.id), "--exclude-tag=Platform"),
        ("platform", platform["apiKey"], "", "--include-tag=Platform"),
    ]
    failures = []
    for name, key, key_id, selection in runs:
        result = _schemathesis(live_api, key, key_id, selection, report_dir / f"{name}.xml")
        (report_dir / f"{name}.txt").write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            failures.append(f"== {name} routes ==\n{result.stdout[-20000:]}\n{result.stderr[-2000:]}")
    assert not failures, "\n".join(failures)
