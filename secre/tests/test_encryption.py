"""Personal data at rest: clinical free text, event payloads and stored responses are ciphertext in the
database (read with raw SQL as the operator role, which sees every row) and plaintext through every
interface; legacy plaintext stays readable until rotation; rotation makes older keys unnecessary."""

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from appointments.models import Appointment
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.tests.factories import PatientFactory
from tenants import roles
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.models import IdempotentRequest
from tenants.tests.factories import TenantFactory, make_api_key, make_staff
from webhooks.events import event_payload
from webhooks.models import Event

pytestmark = pytest.mark.usefixtures("committed_db")

COMMENT = "Dolor torácico al subir escaleras"
REASON = "La paciente viaja a Medellín"
NOTES = "Hipertensión controlada; revisar en tres meses"


def _raw(table: str, column: str, row_id) -> str | None:
    with operator_access() as alias, connections[alias].cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [row_id])
        return cursor.fetchone()[0]


@pytest.fixture
def booked():
    tenant = TenantFactory()
    _, key = make_api_key(tenant)
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=key)
    doctor = DoctorFactory(tenant=tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor)
    PatientFactory(tenant=tenant, document_number="12345678", first_last_name="Quiroga")
    body = {
        "startAppointment": "2030-09-26T10:00:00",
        "endAppointment": "2030-09-26T10:30:00",
        "patientDocumentTypeId": 1,
        "patientDocumentNumber": "12345678",
        "doctorDocumentTypeId": 1,
        "doctorDocumentNumber": "99999999",
        "comment": COMMENT,
    }
    created = api.post("/v1/appointments", body, format="json", HTTP_IDEMPOTENCY_KEY="book-1")
    assert created.status_code == 201, created.content
    api.booking_body = body
    return tenant, api, created.json()


def test_clinical_text_events_and_stored_responses_are_ciphertext_at_rest(booked):
    tenant, api, appointment = booked
    cancelled = api.post(f"/v1/appointments/{appointment['id']}/cancel", {"reason": REASON}, format="json")
    assert cancelled.status_code == 200
    with tenant_context(tenant.id):
        Appointment.objects.filter(pk=appointment["id"]).update(notes=NOTES)
        events = list(Event.objects.filter(object_id=appointment["id"]).values_list("id", flat=True))
        stored = IdempotentRequest.objects.get(key="book-1").id
    assert len(events) == 2
    raws = [
        _raw("appointments_appointment", "comment", appointment["id"]),
        _raw("appointments_appointment", "cancellation_reason", appointment["id"]),
        _raw("appointments_appointment", "notes", appointment["id"]),
        _raw("tenants_idempotentrequest", "response_body", stored),
        *[_raw("webhooks_event", "data", event_id) for event_id in events],
    ]
    for raw in raws:
        assert raw.startswith("enc:")
        for plaintext in (COMMENT, REASON, NOTES, "Quiroga", "12345678", "Dolor", "Medell"):
            assert plaintext not in raw


def test_every_interface_shows_plaintext(booked, settings):
    tenant, api, appointment = booked
    assert api.get(f"/v1/appointments/{appointment['id']}").json()["comment"] == COMMENT
    # The idempotent replay is decrypted too.
    replay = api.post("/v1/appointments", api.booking_body, format="json", HTTP_IDEMPOTENCY_KEY="book-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == appointment and replay.json()["comment"] == COMMENT
    with tenant_context(tenant.id):
        event = Event.objects.get(object_id=appointment["id"])
    assert event_payload(event)["data"]["comment"] == COMMENT
    owner = Client()
    owner.force_login(make_staff(tenant, roles.OWNER))
    page = owner.get(f"/admin/appointments/appointment/{appointment['id']}/change/").content.decode()
    assert COMMENT in page


def test_encrypted_fields_cannot_be_filtered(booked):
    tenant, _, _ = booked
    with tenant_context(tenant.id), pytest.raises(FieldError, match="encrypted"):
        list(Appointment.objects.filter(comment=COMMENT))
    with tenant_context(tenant.id):
        assert Appointment.objects.filter(notes__isnull=True).exists()


def test_legacy_plaintext_is_read_until_rotation_which_makes_old_keys_unnecessary(booked, settings):
    tenant, api, appointment = booked
    with operator_access() as alias, connections[alias].cursor() as cursor:
        cursor.execute("UPDATE appointments_appointment SET notes = %s WHERE id = %s", [NOTES, appointment["id"]])
    with tenant_context(tenant.id):
        assert Appointment.objects.get(pk=appointment["id"]).notes == NOTES  # legacy plaintext
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    try:
        _rotate_and_drop_old_keys(settings, tenant, appointment)
    finally:
        # The rows are shared with the rest of the session: put them back under the session's keys.
        settings.FIELD_ENCRYPTION_KEYS = [*old_keys, new_key]
        call_command("rotate_encryption_keys", stdout=StringIO())


def _rotate_and_drop_old_keys(settings, tenant, appointment):
    out = StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "50", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["rewritten"]["appointments_appointment.notes"] >= 1
    assert result["rewritten"]["appointments_appointment.comment"] >= 1  # re-encrypted under the new key
    assert _raw("appointments_appointment", "notes", appointment["id"]).startswith("enc:")
    # A second run finds nothing left to do.
    out = StringIO()
    call_command("rotate_encryption_keys", "--json", stdout=out)
    assert json.loads(out.getvalue())["total"] == 0
    # The old keys are no longer needed.
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    with tenant_context(tenant.id):
        fresh = Appointment.objects.get(pk=appointment["id"])
        event = Event.objects.filter(object_id=appointment["id"]).first()
    assert fresh.notes == NOTES and fresh.comment == COMMENT and event.data["comment"] == COMMENT
