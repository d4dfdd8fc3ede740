"""A real HTTP receiver on 127.0.0.1 that records what Secre sends, and helpers around the worker."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.test import APIClient

from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory, make_api_key
from webhooks.delivery import deliveries_claim_due, delivery_attempt
from webhooks.models import Delivery


class Receiver:
    """Records every POST (headers, body) as it arrives in ``started``, and once answered in
    ``received``; answers ``status`` (a list pops one per request) after ``delay`` seconds — a
    request whose sender hangs up first (its timeout, a killed worker) is never answered or
    ``received``. ``stop`` cuts every delay short."""

    def __init__(self, port: int = 0):
        self.received: list[dict] = []
        self.started: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self._stopping = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                item = {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
                receiver.started.append(item)
                if not receiver._wait_unless_hung_up(self.connection):
                    return
                receiver.received.append(item)
                code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _wait_unless_hung_up(self, connection: socket.socket) -> bool:
        """Wait ``delay`` seconds; False as soon as the sender closes the connection."""
        deadline = time.monotonic() + self.delay
        while (left := deadline - time.monotonic()) > 0 and not self._stopping.is_set():
            readable, _, _ = select.select([connection], [], [], min(left, 0.01))
            try:
                if readable and connection.recv(1, socket.MSG_PEEK) == b"":
                    return False
            except OSError:  # reset by the sender
                return False
        return True

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        return [json.loads(item["body"]) for item in self.received]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def clinic(committed_db, settings):
    """A tenant with an admin-scoped API client; private addresses allowed (the receiver is local)."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    tenant = TenantFactory()
    _, key = make_api_key(tenant, scopes=["read", "write", "admin"])
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    client.tenant = tenant
    yield client
    # Committed rows outlive the test: its deliveries still pending would be taken by a later test's
    # drain() (which claims across tenants), perhaps after their secrets became unreadable.
    with tenant_context(tenant.id):
        Delivery.objects.filter(status=Delivery.Status.PENDING).update(
            status=Delivery.Status.FAILED, locked_until=None, locked_by=None, next_attempt_at=None
        )


def register(client, url: str, **extra) -> dict:
    response = client.post("/v1/webhooks", {"url": url, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def drain(max_rounds: int = 20) -> None:
    """Run the worker's loop body until nothing is due (in this process)."""
    for _ in range(max_rounds):
        due = deliveries_claim_due()
        if not due:
            return
        for delivery_id, tenant_id in due:
            delivery_attempt(delivery_id, tenant_id)
