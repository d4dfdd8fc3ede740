"""The optional SQS transport, against moto's server mode (a real HTTP server on 127.0.0.1): published
at least once, outside any transaction, again after a publisher died between publishing and marking."""

import json
import os
import socket
import threading
from datetime import timedelta

import boto3
import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import OperationalError
from django.utils import timezone
from moto.server import ThreadedMotoServer

from tenants.bypass import OPERATOR_DB, operator_access
from tenants.context import tenant_context
from webhooks import sqs
from webhooks.models import Event
from webhooks.sqs import publish_pending

PATIENT = {"firstName": "Sara", "firstLastName": "Quintero", "documentTypeId": 1, "documentNumber": "81818181"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sqs_queue(settings, monkeypatch):
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
    queue_url = client.create_queue(QueueName="secre-events")["QueueUrl"]
    settings.EVENTS_SQS_QUEUE_URL, settings.AWS_ENDPOINT_URL, settings.AWS_REGION = queue_url, endpoint, "us-east-1"
    yield client, queue_url
    server.stop()
    os.environ.pop("AWS_ENDPOINT_URL", None)


def test_events_are_published_to_sqs_once(clinic, sqs_queue):
    client, queue_url = sqs_queue
    created = clinic.post("/v1/patients", PATIENT, format="json").json()
    total = 0
    while published := publish_pending():  # (other tests' committed events are published too)
        total += published
    assert total >= 1 and publish_pending() == 0
    mine = [
        (body, attributes)
        for body, attributes in _messages(client, queue_url)
        if body["data"].get("id") == created["id"]
    ]
    assert len(mine) == 1
    body, attributes = mine[0]
    assert body["type"] == "patient.created" and body["data"]["tenantId"] == str(clinic.tenant.id)
    # The event is ciphertext at rest; the message carries the payload in plaintext, as webhooks do.
    assert body["data"]["firstLastName"] == "Quintero"
    assert attributes["type"]["StringValue"] == "patient.created" and attributes["webhook-id"]["StringValue"]


def test_off_without_a_queue(clinic, settings):
    settings.EVENTS_SQS_QUEUE_URL = ""
    clinic.post("/v1/patients", PATIENT, format="json")
    assert publish_pending() == 0


def _messages(client, queue_url) -> list[tuple[dict, dict]]:
    found = []
    while messages := client.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        found += [(json.loads(m["Body"]), m["MessageAttributes"]) for m in messages]
    return found


def _publish_backlog() -> None:
    """Publish what other tests left unpublished, so the next batch holds only this test's events."""
    while publish_pending():
        pass


def _event_of(clinic, object_id: str) -> Event:
    with tenant_context(clinic.tenant.id):
        return Event.objects.get(object_id=object_id)


def _locked_elsewhere(event_ids) -> bool:
    """Whether another connection (a thread's own) finds these events' rows locked."""
    outcome = {}

    def probe():
        try:
            with operator_access() as alias:
                list(Event.objects.using(alias).select_for_update(nowait=True).filter(id__in=event_ids))
            outcome["locked"] = False
        except OperationalError:
            outcome["locked"] = True
        finally:
            connections.close_all()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return outcome["locked"]


def test_publishing_holds_no_transaction_and_no_row_lock_across_the_network(clinic, sqs_queue, monkeypatch):
    client, queue_url = sqs_queue
    _publish_backlog()
    created = clinic.post("/v1/patients", {**PATIENT, "documentNumber": "81818182"}, format="json").json()
    event = _event_of(clinic, created["id"])
    real_client, seen = sqs._client, []

    class Watched:
        def __init__(self):
            self.client = real_client()

        def send_message_batch(self, **kwargs):
            for alias in (DEFAULT_DB_ALIAS, OPERATOR_DB):
                connection = connections[alias].connection
                idle = connection is None or connection.info.transaction_status.name == "IDLE"
                seen.append((alias, connections[alias].in_atomic_block, idle))
            seen.append(("row locked", _locked_elsewhere([event.id])))
            return self.client.send_message_batch(**kwargs)

    monkeypatch.setattr(sqs, "_client", Watched)
    assert publish_pending() == 1
    assert seen == [(DEFAULT_DB_ALIAS, False, True), (OPERATOR_DB, False, True), ("row locked", False)]
    assert _event_of(clinic, created["id"]).sqs_published_at is not None


def test_inside_a_transaction_publishing_refuses_to_start(clinic, sqs_queue):
    with operator_access(), pytest.raises(RuntimeError, match="outside any database transaction"):
        publish_pending()


def test_a_publisher_killed_between_publishing_and_marking_is_published_again_with_the_same_webhook_id(
    clinic, sqs_queue, monkeypatch, settings
):
    client, queue_url = sqs_queue
    _publish_backlog()
    created = clinic.post("/v1/patients", {**PATIENT, "documentNumber": "81818183"}, format="json").json()
    real_mark = sqs._mark_published

    def killed(event_ids):
        raise SystemExit("killed between publishing and marking")

    monkeypatch.setattr(sqs, "_mark_published", killed)
    with pytest.raises(SystemExit):
        publish_pending()
    monkeypatch.setattr(sqs, "_mark_published", real_mark)
    assert _event_of(clinic, created["id"]).sqs_published_at is None
    assert publish_pending() == 0  # its lease lives: no second publisher takes it meanwhile
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1)
    assert publish_pending(now=later) == 1  # the lease has passed: published again
    assert publish_pending(now=later) == 0 and _event_of(clinic, created["id"]).sqs_published_at is not None
    mine = [
        (body, attributes) for body, attributes in _messages(client, queue_url) if body["data"]["id"] == created["id"]
    ]
    assert len(mine) == 2
    (first, first_attributes), (second, second_attributes) = mine
    assert first == second and first["type"] == "patient.created"
    assert first_attributes["webhook-id"] == second_attributes["webhook-id"]
    assert first_attributes["webhook-id"]["StringValue"] == str(_event_of(clinic, created["id"]).id)


def test_a_failed_batch_is_published_once_its_lease_passes(clinic, sqs_queue, settings):
    client, queue_url = sqs_queue
    _publish_backlog()
    created = clinic.post("/v1/patients", {**PATIENT, "documentNumber": "81818184"}, format="json").json()
    settings.EVENTS_SQS_QUEUE_URL = queue_url + "-missing"
    assert publish_pending() == 0  # logged; the event stays leased
    settings.EVENTS_SQS_QUEUE_URL = queue_url
    assert publish_pending() == 0
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS + 1)
    assert publish_pending(now=later) == 1
    assert [body["data"]["id"] for body, _ in _messages(client, queue_url)] == [created["id"]]
