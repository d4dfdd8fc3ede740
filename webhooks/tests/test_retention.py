"""Events keep their payload only as long as needed: redacted (never deleted) past their retention, never
while a delivery is pending or before SQS has them; the worker does it by itself."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from secre import periodic
from tenants.context import tenant_context
from webhooks.events import event_emit, event_payload
from webhooks.models import Delivery, Event
from webhooks.retention import events_redact
from webhooks.tests.conftest import register

PATIENT = {"firstName": "Olga", "firstLastName": "Restrepo", "documentTypeId": 1, "documentNumber": "61616161"}


def _age(tenant, event_id, days):
    with tenant_context(tenant.id):
        Event.objects.filter(pk=event_id).update(occurred_at=timezone.now() - timedelta(days=days))


def test_old_events_are_redacted_but_keep_what_receivers_rely_on(clinic, settings):
    settings.EVENT_RETENTION_DAYS = settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    created = clinic.post("/v1/patients", PATIENT, format="json").json()
    with tenant_context(clinic.tenant.id):
        old = Event.objects.get(object_id=created["id"])
    _age(clinic.tenant, old.id, 31)
    clinic.patch(f"/v1/patients/{created['id']}", {"firstName": "Olga Lucía"}, format="json")  # a recent event
    assert events_redact() >= 1
    with tenant_context(clinic.tenant.id):
        events = {e.sequence: e for e in Event.objects.filter(object_id=created["id"])}
    assert events[1].redacted_at is not None and events[1].data == {}
    assert events[2].redacted_at is None and events[2].data["firstName"] == "Olga Lucía"
    body = event_payload(events[1])
    assert body["type"] == "patient.created" and body["data"] == {
        "tenantId": str(clinic.tenant.id),
        "sequence": 1,
        "id": created["id"],
        "redacted": True,
    }
    assert "Restrepo" not in json.dumps(body)
    # The object's sequence goes on: events are never deleted.
    with tenant_context(clinic.tenant.id):
        third = event_emit(
            tenant_id=clinic.tenant.id,
            type="patient.updated",
            object_type="patient",
            object_id=old.object_id,
            data={"id": created["id"]},
        )
    assert third.sequence == 3


def test_an_event_with_a_pending_delivery_or_unpublished_to_sqs_is_kept(clinic, receiver, settings):
    register(clinic, receiver.url())
    created = clinic.post("/v1/patients", {**PATIENT, "documentNumber": "61616162"}, format="json").json()
    with tenant_context(clinic.tenant.id):
        event = Event.objects.get(object_id=created["id"])
        assert Delivery.objects.get(event=event).status == "pending"
    _age(clinic.tenant, event.id, 400)
    events_redact()
    with tenant_context(clinic.tenant.id):
        assert Event.objects.get(pk=event.id).redacted_at is None
        Delivery.objects.filter(event=event).update(status="succeeded")
    settings.EVENTS_SQS_QUEUE_URL = "https://sqs.example/000/q"
    events_redact()
    with tenant_context(clinic.tenant.id):
        assert Event.objects.get(pk=event.id).redacted_at is None  # SQS has not got it yet
        Event.objects.filter(pk=event.id).update(sqs_published_at=timezone.now())
    events_redact()
    with tenant_context(clinic.tenant.id):
        assert Event.objects.get(pk=event.id).redacted_at is not None


def test_the_worker_and_purge_run_every_apps_housekeeping(clinic):
    names = {task.name for task in periodic.tasks() if task.purge}
    assert {
        "idempotencyRecords",
        "consoleSessions",
        "consoleSignInAttempts",
        "webhookDeliveries",
        "webhookEventsRedacted",
    } <= names
    assert "appointmentReminders" in {task.name for task in periodic.tasks()}
    out = StringIO()
    call_command("purge", "--json", stdout=out)
    assert set(json.loads(out.getvalue())) == names
    ran = []
    periodic.register("testProbe", lambda: ran.append(1) or 1, every_seconds=3600, purge=False)
    try:
        scheduler = periodic.Scheduler()
        first = scheduler.run_due(now=1000.0)
        assert first["testProbe"] == 1 and "webhookEventsRedacted" in first
        assert "testProbe" not in scheduler.run_due(now=1001.0)  # not due again for an hour
        assert "testProbe" in scheduler.run_due(now=1000.0 + 3600)
    finally:
        periodic._tasks.pop("testProbe")


@pytest.mark.django_db
def test_a_failing_task_does_not_stop_the_others(caplog):
    periodic.register("testBroken", lambda: 1 / 0, every_seconds=1)
    periodic.register("testFine", lambda: 7, every_seconds=1)
    try:
        done = periodic.Scheduler().run_due(now=5.0)
    finally:
        periodic._tasks.pop("testBroken")
        periodic._tasks.pop("testFine")
    assert done["testFine"] == 7 and "testBroken" not in done
    assert any(getattr(r, "task", None) == "testBroken" for r in caplog.records)
