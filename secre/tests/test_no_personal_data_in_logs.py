"""No personal data in any log line: personal data is sent through every error path the tests can provoke,
against gunicorn and the worker as real processes, and every line they log is searched for it.

Provoked: a constraint violation raised by the database with the values in its message (a test trigger),
NUL bytes in JSON and in a path, oversize values and bodies, accents in paths and query strings, a
duplicate, a webhook receiver answering 500, and an SQS queue that cannot be reached.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections

from secre.tests.children import free_port, start_gunicorn, start_worker, stop, wait_for
from tenants.tests.factories import TenantFactory, make_api_key

pytestmark = pytest.mark.usefixtures("committed_db")

FIRST, LAST, DOCUMENT = "Gumersinda", "Zapateiro", "98765432"
PHONE, E164, EMAIL = "3157654321", "+573157654321", "gumersinda.zapateiro@example.com"
FREE_TEXT = "dolor de cabeza persistente"
PERSONAL = (FIRST, LAST, DOCUMENT, PHONE, E164, EMAIL, FREE_TEXT, "Mar\u00eda", "Mar%C3%ADa")
PATIENT = {
    "firstName": FIRST,
    "firstLastName": LAST,
    "documentTypeId": 1,
    "documentNumber": DOCUMENT,
    "cellPhone": PHONE,
    "email": EMAIL,
    "customFields": {"nota": FREE_TEXT},
}
TRIGGER = """
CREATE FUNCTION pg_temp_refuse_patient() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.first_name = 'Explota' THEN
        RAISE EXCEPTION 'paciente rechazado: % % %', NEW.first_last_name, NEW.document_number, NEW.email
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER test_refuse_patient BEFORE INSERT ON patients_patient
    FOR EACH ROW EXECUTE FUNCTION pg_temp_refuse_patient();
"""


@pytest.fixture
def refusing_trigger():
    """A database error whose message quotes the patient (PostgreSQL's own messages do, for unique keys)."""
    with connections["owner"].cursor() as cursor:
        cursor.execute(TRIGGER)
    try:
        yield
    finally:
        with connections["owner"].cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse_patient ON patients_patient")
            cursor.execute("DROP FUNCTION pg_temp_refuse_patient()")


class FailingReceiver:
    """A webhook receiver that answers 500 to everything (and echoes nothing)."""

    def __init__(self):
        self.hits = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.hits += 1
                self.send_response(500)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _send(base: str, key: str, method: str, path: str, body: bytes | None = None) -> int:
    """The status, or 0 when the server answered before reading the whole body (an oversize upload)."""
    request = urllib.request.Request(  # noqa: S310 (a local test server)
        base + path, data=body, method=method, headers={"X-Api-Key": key, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError):
        return 0


def test_no_log_line_of_the_api_or_the_worker_carries_personal_data(tmp_path, refusing_trigger):
    tenant = TenantFactory()
    _, key = make_api_key(tenant, scopes=["read", "write", "admin"])
    receiver = FailingReceiver()
    dead_sqs = f"http://127.0.0.1:{free_port()}"
    env = {
        "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": "true",
        "LOG_LEVEL": "INFO",
        "GUNICORN_ACCESS_LOG": "true",
        "EVENTS_SQS_QUEUE_URL": f"{dead_sqs}/000000000000/secre-events",
        "AWS_ENDPOINT_URL": dead_sqs,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_MAX_ATTEMPTS": "1",
    }
    api, base = start_gunicorn(tmp_path / "gunicorn.log", **env)
    worker = start_worker(tmp_path / "worker.log", **env)
    statuses = {}
    try:
        send = lambda name, method, path, body=None: statuses.setdefault(name, _send(base, key, method, path, body))  # noqa: E731
        send("webhook", "POST", "/v1/webhooks", json.dumps({"url": receiver.url}).encode())
        send("create", "POST", "/v1/patients", json.dumps(PATIENT).encode())
        send("duplicate", "POST", "/v1/patients", json.dumps(PATIENT).encode())
        refused = {**PATIENT, "firstName": "Explota", "documentNumber": "11223344"}
        send("database error", "POST", "/v1/patients", json.dumps(refused).encode())
        nul_json = json.dumps({**PATIENT, "documentNumber": "55667788", "customFields": {"nota": FREE_TEXT + "\u0000"}})
        send("nul in json", "POST", "/v1/patients", nul_json.encode())
        send("nul in name", "POST", "/v1/patients", json.dumps({**PATIENT, "firstName": FIRST + "\u0000"}).encode())
        send("oversize value", "POST", "/v1/patients", json.dumps({**PATIENT, "firstLastName": LAST * 100}).encode())
        send(
            "oversize body",
            "POST",
            "/v1/patients",
            json.dumps({**PATIENT, "customFields": {"x": FREE_TEXT * 200_000}}).encode(),
        )
        send("nul in path", "GET", f"/v1/patients/by-document/1/{DOCUMENT}%00Mar%C3%ADa")
        send("accent in path", "GET", "/v1/patients/by-document/1/Mar%C3%ADa")
        send("query string", "GET", f"/v1/patients?name={FIRST}&email={EMAIL}&phone={PHONE}")
        send("search", "POST", "/v1/patients/search", json.dumps({"name": LAST, "phone": PHONE}).encode())
        assert wait_for(lambda: receiver.hits >= 1, 30), "the worker never tried the webhook"
        assert wait_for(lambda: "sqs" in (tmp_path / "worker.log").read_text(), 30), "no SQS failure was logged"
    finally:
        stop(worker)
        stop(api)
        receiver.stop()
    assert statuses["create"] == 201 and statuses["duplicate"] == 409
    assert statuses["database error"] == 500  # the deliberate 500, logged with its traceback
    # Every other request is refused or served, never a server error (0: closed before reading it all).
    others = {name: code for name, code in statuses.items() if name != "database error"}
    assert all(code < 500 for code in others.values()), others
    assert statuses["nul in json"] == statuses["nul in name"] == statuses["oversize value"] == 400, statuses
    assert statuses["oversize body"] in (413, 0) and statuses["nul in path"] == 404, statuses

    time.sleep(0.2)
    logs = {name: (tmp_path / name).read_text() for name in ("gunicorn.log", "worker.log")}
    assert "unhandled exception" in logs["gunicorn.log"] and "SQLSTATE 23514" in logs["gunicorn.log"]
    assert '"status": 500' in logs["worker.log"]  # the failed delivery's line
    for name, text in logs.items():
        for line in text.splitlines():
            for value in PERSONAL:
                assert value not in line, f"{value!r} in {name}: {line[:300]}"
