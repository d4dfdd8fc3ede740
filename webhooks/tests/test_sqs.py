"""The optional SQS transport, against moto's server mode (a real HTTP server on 127.0.0.1)."""

import json
import os
import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer

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
    bodies = []
    while messages := client.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages"):
        bodies += [(json.loads(m["Body"]), m["MessageAttributes"]) for m in messages]
    mine = [(body, attributes) for body, attributes in bodies if body["data"].get("id") == created["id"]]
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
