"""The worker as a real process: killed with SIGKILL in the middle of deliveries, then restarted,
every event still arrives, and duplicates carry the same webhook-id."""

from __future__ import annotations

import signal

from secre.tests.children import start_worker
from secre.tests.children import wait_for as _wait
from webhooks.tests.conftest import register

PATIENT = {"firstName": "Marta", "firstLastName": "Lozano", "documentTypeId": 1}


def _start_worker():
    return start_worker(OUTBOUND_ALLOW_PRIVATE_ADDRESSES="true", WEBHOOK_LEASE_SECONDS="2", LOG_LEVEL="WARNING")


def test_sigkill_mid_delivery_then_restart_delivers_everything(clinic, receiver):
    from tenants.context import tenant_context
    from webhooks.models import Event

    receiver.delay = 0.4  # the worker is inside a delivery most of the time
    register(clinic, receiver.url())
    for n in range(8):
        assert clinic.post("/v1/patients", {**PATIENT, "documentNumber": f"7100{n}"}, format="json").status_code == 201
    with tenant_context(clinic.tenant.id):
        expected = {str(event_id) for event_id in Event.objects.values_list("id", flat=True)}
    assert len(expected) == 8

    first = _start_worker()
    try:
        assert _wait(lambda: len(receiver.received) >= 2, timeout=30), "the worker delivered nothing"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    second = _start_worker()
    try:
        delivered = lambda: {item["headers"]["webhook-id"] for item in receiver.received}  # noqa: E731
        assert _wait(lambda: delivered() >= expected, timeout=60), f"missing {expected - delivered()}"
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)

    assert {item["headers"]["webhook-id"] for item in receiver.received} == expected
    bodies: dict[str, str] = {}
    for item in receiver.received:  # a duplicate is the same message: same id, same body
        assert bodies.setdefault(item["headers"]["webhook-id"], item["body"]) == item["body"]
