"""Events and signed webhooks, delivered to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from webhooks.models import Delivery, Event, WebhookEndpoint
from webhooks.secrets import decrypt
from webhooks.tests.conftest import Receiver, drain, register

PATIENT = {"firstName": "Elena", "firstLastName": "Vargas", "documentTypeId": 1, "documentNumber": "31313131"}


def _book(client) -> dict:
    doctor = DoctorFactory(tenant=client.tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor)
    PatientFactory(tenant=client.tenant, document_number="12345678")
    body = {
        "startAppointment": "2030-09-26T10:00:00",
        "endAppointment": "2030-09-26T10:30:00",
        "patientDocumentTypeId": 1,
        "patientDocumentNumber": "12345678",
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
    }
    response = client.post("/v1/appointments", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_booking_sends_a_signed_appointment_created(clinic, receiver):
    endpoint = register(clinic, receiver.url(), eventTypes=["appointment.created"])
    assert endpoint["secret"].startswith("whsec_")
    appointment = _book(clinic)
    drain()
    assert len(receiver.received) == 1
    delivered = receiver.received[0]
    payload = Webhook(endpoint["secret"]).verify(delivered["body"], delivered["headers"])
    assert payload["type"] == "appointment.created"
    assert payload["data"]["id"] == appointment["id"] and payload["data"]["tenantId"] == str(clinic.tenant.id)
    assert payload["data"]["sequence"] == 1 and payload["data"]["startAppointment"] == "2030-09-26T15:00:00Z"
    with tenant_context(clinic.tenant.id):
        assert delivered["headers"]["webhook-id"] == str(Event.objects.get(type="appointment.created").id)
        stored = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert endpoint["secret"] not in stored.secret_encrypted and decrypt(stored.secret_encrypted) == endpoint["secret"]
    deliveries = clinic.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json()["results"]
    assert deliveries[0]["status"] == "succeeded" and deliveries[0]["attemptLog"][0]["statusCode"] == 200


def test_one_event_per_change_of_the_most_specific_type(clinic, receiver):
    register(clinic, receiver.url())
    appointment = _book(clinic)
    url = f"/v1/appointments/{appointment['id']}"
    clinic.patch(url, {"notificationState": "sent"}, format="json")  # nothing: n8n's own update
    clinic.patch(url, {"comment": "Traer exámenes"}, format="json")
    clinic.patch(url, {"state": "confirmed"}, format="json")
    clinic.post(f"{url}/cancel", {"reason": "viaje"}, format="json")
    patient = clinic.post("/v1/patients", PATIENT, format="json").json()
    clinic.patch(f"/v1/patients/{patient['id']}", {"email": "elena@example.com"}, format="json")
    clinic.delete(f"/v1/patients/{patient['id']}")
    drain()
    types = [event["type"] for event in receiver.events()]
    assert sorted(types) == sorted(
        [
            "appointment.created",
            "appointment.updated",
            "appointment.state_changed",
            "appointment.cancelled",
            "patient.created",
            "patient.updated",
            "patient.deleted",
        ]
    )
    sequences = [e["data"]["sequence"] for e in receiver.events() if e["data"].get("id") == appointment["id"]]
    assert sorted(sequences) == [1, 2, 3, 4]


def test_a_rolled_back_request_emits_nothing(clinic, receiver):
    register(clinic, receiver.url())
    clinic.post("/v1/patients", PATIENT, format="json")
    assert clinic.post("/v1/patients", PATIENT, format="json").status_code == 409
    with tenant_context(clinic.tenant.id):
        assert list(Event.objects.values_list("type", flat=True)) == ["patient.created"]


def test_receiver_down_then_up_every_event_arrives(clinic):
    down = Receiver()
    port = down.port
    endpoint = register(clinic, down.url())
    down.stop()
    for n in range(3):
        clinic.post("/v1/patients", {**PATIENT, "documentNumber": f"4000{n}"}, format="json")
    drain()
    with tenant_context(clinic.tenant.id):
        pending = list(Delivery.objects.filter(endpoint_id=endpoint["id"]))
        assert {d.status for d in pending} == {"pending"} and all(d.attempts == 1 for d in pending)
        assert all(d.next_attempt_at > timezone.now() for d in pending)  # backoff
        Delivery.objects.filter(endpoint_id=endpoint["id"]).update(next_attempt_at=timezone.now())
    up = Receiver(port=port)
    try:
        drain()
        assert sorted(e["data"]["documentNumber"] for e in up.events()) == ["40000", "40001", "40002"]
    finally:
        up.stop()


def test_status_codes_decide_retries_and_410_disables(clinic, receiver):
    endpoint = register(clinic, receiver.url())
    receiver.statuses = [500, 400, 410]
    for n in range(3):
        clinic.post("/v1/patients", {**PATIENT, "documentNumber": f"5000{n}"}, format="json")
    drain()
    with tenant_context(clinic.tenant.id):
        outcomes = sorted((d.last_status_code, d.status) for d in Delivery.objects.filter(endpoint_id=endpoint["id"]))
        stored = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert outcomes == [(400, "failed"), (410, "failed"), (500, "pending")]
    assert stored.enabled is False and "410" in stored.disabled_reason


def test_redeliver_sends_again_with_the_same_webhook_id(clinic, receiver):
    endpoint = register(clinic, receiver.url())
    clinic.post("/v1/patients", PATIENT, format="json")
    drain()
    delivery_id = clinic.get(f"/v1/webhooks/{endpoint['id']}/deliveries").json()["results"][0]["id"]
    assert clinic.post(f"/v1/webhooks/deliveries/{delivery_id}/redeliver").status_code == 202
    drain()
    ids = [item["headers"]["webhook-id"] for item in receiver.received]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_rotation_signs_with_both_secrets_during_the_grace_period(clinic, receiver):
    endpoint = register(clinic, receiver.url())
    rotated = clinic.post(f"/v1/webhooks/{endpoint['id']}/rotate-secret", {"gracePeriodMinutes": 60}, format="json")
    new_secret = rotated.json()["secret"]
    clinic.post("/v1/patients", PATIENT, format="json")
    drain()
    delivered = receiver.received[0]
    assert len(delivered["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(endpoint["secret"]).verify(delivered["body"], delivered["headers"])
    Webhook(new_secret).verify(delivered["body"], delivered["headers"])


@pytest.mark.isolation
def test_a_tenants_endpoint_never_receives_another_tenants_events(clinic, receiver):
    from rest_framework.test import APIClient

    from tenants.tests.factories import TenantFactory, make_api_key

    register(clinic, receiver.url("/a"))
    other = TenantFactory()
    _, key = make_api_key(other, scopes=["read", "write", "admin"])
    other_client = APIClient()
    other_client.credentials(HTTP_X_API_KEY=key)
    register(other_client, receiver.url("/b"))
    clinic.post("/v1/patients", PATIENT, format="json")
    other_client.post("/v1/patients", PATIENT, format="json")
    drain()
    by_path = {}
    for item, event in zip(receiver.received, receiver.events(), strict=True):
        by_path.setdefault(item["path"], set()).add(event["data"]["tenantId"])
    assert by_path == {"/a": {str(clinic.tenant.id)}, "/b": {str(other.id)}}


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data", "http://10.0.0.5/hook", "http://127.0.0.1:9/x", "ftp://x.org/"]
)
def test_internal_urls_are_refused_when_not_allowed(clinic, settings, url):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    response = clinic.post("/v1/webhooks", {"url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] in {"forbidden_url", "validation_error"}
    assert response.json()["errors"][0]["field"] == "url"


def test_the_connected_address_is_checked_at_delivery_too(clinic, receiver, settings):
    endpoint = register(clinic, receiver.url())  # allowed while registering (a local n8n)...
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False  # ...but no longer when delivering
    clinic.post("/v1/patients", PATIENT, format="json")
    drain()
    assert receiver.received == []
    with tenant_context(clinic.tenant.id):
        delivery = Delivery.objects.get(endpoint_id=endpoint["id"])
    assert delivery.status == "failed" and delivery.last_error.startswith("forbidden address")


def test_reminders_are_due_once_and_again_after_rescheduling(clinic, receiver):
    from appointments.models import Appointment
    from appointments.services import appointment_reminders_emit
    from tenants.models import Tenant

    register(clinic, receiver.url(), eventTypes=["appointment.reminder_due"])
    with tenant_context(clinic.tenant.id):
        Tenant.objects.filter(pk=clinic.tenant.id).update(reminder_lead_minutes=24 * 60)
    doctor = DoctorFactory(tenant=clinic.tenant)
    patient = PatientFactory(tenant=clinic.tenant)
    soon = timezone.now() + timedelta(hours=3)
    with tenant_context(clinic.tenant.id):
        appointment = Appointment.objects.create(
            tenant=clinic.tenant,
            doctor=doctor,
            patient=patient,
            start=soon,
            end=soon + timedelta(minutes=30),
            notification_state="sent",
        )
    appointment_reminders_emit()
    appointment_reminders_emit()  # once per start time
    drain()
    assert [e["type"] for e in receiver.events()] == ["appointment.reminder_due"]
    with tenant_context(clinic.tenant.id):
        assert Appointment.objects.get(pk=appointment.pk).notification_state == "pending"
        Appointment.objects.filter(pk=appointment.pk).update(
            start=soon + timedelta(hours=1), end=soon + timedelta(hours=2)
        )
    appointment_reminders_emit()
    drain()
    assert len(receiver.events()) == 2
