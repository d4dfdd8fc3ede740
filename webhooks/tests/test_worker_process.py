"""The worker as real processes: two of them against a slow receiver send every event once; one
killed with SIGKILL in the middle of deliveries leaves them to the other (duplicates carry the same
webhook-id); a clinic whose receiver stalls delays only its own events."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

from django.utils import timezone
from rest_framework.test import APIClient

from secre.tests.children import start_worker, stop
from secre.tests.children import wait_for as _wait
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory, make_api_key
from webhooks.delivery import FIRST_DELAY_SECONDS
from webhooks.models import Delivery, DeliveryAttempt, Event
from webhooks.tests.conftest import Receiver, register

PATIENT = {"firstName": "Marta", "firstLastName": "Lozano", "documentTypeId": 1}
READY = "worker: delivering webhooks"


def _start_worker(log: Path | None = None, **env: str):
    settings = {
        "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": "true",
        "WEBHOOK_LEASE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return start_worker(log, **{**settings, **env})


def _start_ready(logs: list[Path], **env: str):
    """Workers that have all started their loop (so each one is polling before events are due)."""
    workers = [_start_worker(log, **env) for log in logs]
    assert _wait(lambda: all(log.exists() and READY in log.read_text() for log in logs), timeout=60), "no worker"
    return workers


def _post_patients(client, prefix: str, count: int) -> set[str]:
    for n in range(count):
        body = {**PATIENT, "documentNumber": f"{prefix}{n}"}
        assert client.post("/v1/patients", body, format="json").status_code == 201
    with tenant_context(client.tenant.id):
        return {str(event_id) for event_id in Event.objects.values_list("id", flat=True)}


def _ids(items: list[dict]) -> list[str]:
    return [item["headers"]["webhook-id"] for item in items]


def _attempts_logged(log: Path) -> int:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return sum(1 for line in lines if line.get("event") == "webhook attempt")


def _client():
    tenant = TenantFactory()
    _, key = make_api_key(tenant, scopes=["read", "write", "admin"])
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    client.tenant = tenant
    return client


def test_two_workers_and_a_slow_receiver_send_every_event_once(clinic, receiver, tmp_path):
    # Each answer takes longer than the lease: only the renewal keeps the other worker away.
    receiver.delay = 3.5
    register(clinic, receiver.url())
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    env = {"WEBHOOK_WORKER_THREADS": "4", "WEBHOOK_ENDPOINT_CONCURRENCY": "8", "LOG_LEVEL": "INFO"}
    workers = _start_ready(logs, **env)
    try:
        expected = _post_patients(clinic, "7200", 8)  # more than one worker's threads: both send
        assert _wait(lambda: set(_ids(receiver.received)) >= expected, timeout=60), "events missing"
        # A second send would have started once a lease (2 s) ran out, inside the first round (3.5 s).
        _wait(lambda: len(receiver.started) > len(expected), timeout=2)
    finally:
        for worker in workers:
            stop(worker)
    assert Counter(_ids(receiver.started)) == Counter({event_id: 1 for event_id in expected})
    assert all(_attempts_logged(log) >= 1 for log in logs), "one worker sent everything"
    with tenant_context(clinic.tenant.id):
        assert set(Delivery.objects.values_list("status", "attempts")) == {("succeeded", 1)}
        assert DeliveryAttempt.objects.count() == len(expected)


def test_a_worker_killed_mid_request_leaves_its_deliveries_to_the_other(clinic, receiver, tmp_path):
    receiver.delay = 1.0
    register(clinic, receiver.url())
    logs = [tmp_path / "doomed.log", tmp_path / "survivor.log"]
    env = {"WEBHOOK_WORKER_THREADS": "2", "WEBHOOK_ENDPOINT_CONCURRENCY": "4"}
    doomed, survivor = _start_ready(logs, **env)
    try:
        expected = _post_patients(clinic, "7300", 10)
        assert _wait(lambda: len(receiver.started) >= 4, timeout=30), "nothing was sent"
        doomed.send_signal(signal.SIGKILL)  # both workers are inside requests now
        doomed.wait(timeout=10)
        assert _wait(lambda: set(_ids(receiver.received)) >= expected, timeout=60), "events missing"
    finally:
        for worker in (doomed, survivor):
            stop(worker)
    sent = Counter(_ids(receiver.started))
    assert set(sent) == expected
    # Only what the killed worker had in flight (at most its two threads' requests) went twice.
    assert sum(sent.values()) - len(expected) <= 2 and max(sent.values()) <= 2
    bodies: dict[str, str] = {}
    for item in receiver.started:  # a duplicate is the same message: same id, same body
        assert bodies.setdefault(item["headers"]["webhook-id"], item["body"]) == item["body"]


def test_sigkill_mid_delivery_then_restart_delivers_everything(clinic, receiver):
    receiver.delay = 0.4  # the worker is inside a delivery most of the time
    register(clinic, receiver.url())
    expected = _post_patients(clinic, "7100", 8)
    assert len(expected) == 8

    first = _start_worker()
    try:
        assert _wait(lambda: len(receiver.received) >= 2, timeout=30), "the worker delivered nothing"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    second = _start_worker()
    try:
        assert _wait(lambda: set(_ids(receiver.received)) >= expected, timeout=60), "events missing"
    finally:
        stop(second)

    assert set(_ids(receiver.received)) == expected
    bodies: dict[str, str] = {}
    for item in receiver.received:  # a duplicate is the same message: same id, same body
        assert bodies.setdefault(item["headers"]["webhook-id"], item["body"]) == item["body"]


def test_a_stalled_receiver_delays_only_its_own_clinics_events(clinic, tmp_path):
    timeout = 6
    stalled, fast = Receiver(), Receiver()
    stalled.delay = 60  # every request stalls for longer than the whole timeout
    other = _client()
    try:
        register(clinic, stalled.url())
        register(other, fast.url())
        stalled_ids = _post_patients(clinic, "7400", 3)  # due first
        fast_ids = _post_patients(other, "7500", 4)
        env = {"WEBHOOK_TIMEOUT_SECONDS": str(timeout), "WEBHOOK_WORKER_THREADS": "3"}
        env["WEBHOOK_ENDPOINT_CONCURRENCY"] = "2"
        workers = _start_ready([tmp_path / "worker-1.log", tmp_path / "worker-2.log"], **env)
        try:
            assert _wait(lambda: set(_ids(fast.received)) >= fast_ids, timeout=timeout), "the fast clinic waited"
            time.sleep(1)  # both workers poll ten times, with idle threads and the stalled clinic's third event due
            sent = len(stalled.started)
            # ...and still no stalled request has timed out: the other clinic's events arrived meanwhile,
            # and the stalled endpoint got its two places only, across two workers with three threads each.
            assert _in_tenant(clinic, lambda: not DeliveryAttempt.objects.exists())
            assert sent == 2
            recorded = lambda: DeliveryAttempt.objects.count() == len(stalled_ids)  # noqa: E731
            assert _wait(lambda: _in_tenant(clinic, recorded), timeout=4 * timeout), "no attempt recorded"
            with tenant_context(clinic.tenant.id):
                attempts = list(DeliveryAttempt.objects.all())
                deliveries = list(Delivery.objects.all())
            assert {d.status for d in deliveries} == {"pending"} and {d.attempts for d in deliveries} == {1}
            for attempt in attempts:  # timed out, and retried on the backoff schedule (30 s ± 50 %)
                assert attempt.status_code is None and "ReadTimeoutError" in attempt.error, attempt.error
                wait = (attempt.next_attempt_at - attempt.attempted_at).total_seconds()
                assert FIRST_DELAY_SECONDS * 0.5 <= wait <= FIRST_DELAY_SECONDS * 1.5
            assert sorted(_ids(stalled.started)) == sorted(stalled_ids)  # nothing retried early
            with tenant_context(clinic.tenant.id):  # the retries fall due: sent again, with the same webhook-ids
                Delivery.objects.update(next_attempt_at=timezone.now())
            assert _wait(lambda: len(stalled.started) >= len(stalled_ids) + 2, timeout=30), "no retry"
            assert set(_ids(stalled.started)) == stalled_ids
        finally:
            for worker in workers:
                worker.kill()
                worker.wait(timeout=10)
    finally:
        stalled.stop()
        fast.stop()


def _in_tenant(client, check) -> bool:
    with tenant_context(client.tenant.id):
        return check()
