"""``manage.py seed_demo [--json]``: the demo tenant, its API key, a few patients and a demo doctor
with Thursday availability (idempotent). Lives in the top app: it seeds every capability's data."""

import os
import uuid
from datetime import time, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from appointments.selectors import availability_rule_list, doctor_find_by_document
from appointments.services import availability_rule_create, doctor_create
from patients import services
from patients.models import DocumentType, Gender
from secre.problems import AuthenticationFailed
from tenants.api_keys import api_key_create, resolve_api_key
from tenants.context import tenant_context
from tenants.management.commands._output import OpsCommand
from tenants.models import Tenant
from tenants.services import tenant_create

DEMO_TENANT_ID = uuid.UUID("019a0000-0000-7000-8000-00000000de30")
DEMO_TENANT_NAME = "Clínica Demo"
# Seed 001's README doctor (document 1 / 99999999), bookable on Thursdays 09:00-17:00 (clinic time) in
# 30-minute slots, as scripts/demo_booking.sh expects.
DEMO_DOCTOR = {
    "document_number": "99999999",
    "first_name": "Laura",
    "first_last_name": "Restrepo",
    "specialty": "medicina general",
}
DEMO_PATIENTS = [
    {
        "first_name": "Ana",
        "first_last_name": "Rodríguez",
        "document_number": "1000000001",
        "cell_phone": "+573001000001",
    },
    {
        "first_name": "Carlos",
        "first_last_name": "Muñoz",
        "document_number": "1000000002",
        "cell_phone": "+573001000002",
    },
    {"first_name": "Lucía", "first_last_name": "Peña", "document_number": "1000000003", "cell_phone": "+573001000003"},
]


class Command(OpsCommand):
    help = (
        "Make sure the demo tenant, a demo API key and a few demo patients exist; print the key and a "
        "curl line. The key's plaintext is kept in DEMO_API_KEY_FILE (development only) so reruns reuse it."
    )

    def handle(self, *args, **options):
        key_file = Path(settings.DEMO_API_KEY_FILE)
        with tenant_context(DEMO_TENANT_ID):
            tenant = Tenant.objects.filter(pk=DEMO_TENANT_ID).first()
            if tenant is None:
                tenant = tenant_create(name=DEMO_TENANT_NAME, tenant_id=DEMO_TENANT_ID)
            plaintext, key_id = self._reusable_key(key_file)
            if plaintext is None:
                # The demo key may also manage keys and webhooks (admin), as a clinic's owner would.
                api_key, plaintext = api_key_create(tenant=tenant, name="demo", scopes=["read", "write", "admin"])
                key_id = api_key.id
                key_file.parent.mkdir(parents=True, exist_ok=True)
                key_file.write_text(plaintext + "\n")
                os.chmod(key_file, 0o600)
            cc = DocumentType.objects.get(code="CC")
            for index, person in enumerate(DEMO_PATIENTS):
                data = {**person, "document_type": cc, "gender": Gender.objects.get(id=1 + index % 2)}
                services.patient_upsert_by_document(
                    tenant=tenant, document_type_id=cc.pk, document_number=person["document_number"], data=data
                )
            doctor = doctor_find_by_document(document_type_id=cc.pk, document_number=DEMO_DOCTOR["document_number"])
            if doctor is None:
                doctor = doctor_create(tenant=tenant, data={**DEMO_DOCTOR, "document_type": cc})
            if not availability_rule_list(doctor=doctor).exists():
                availability_rule_create(
                    tenant=tenant,
                    doctor=doctor,
                    data={
                        "day_of_week": 4,
                        "start_time": time(9),
                        "end_time": time(17),
                        "appointment_duration_minutes": 30,
                    },
                )
        port = os.environ.get("PORT", "8000")
        curl = (
            f"curl -X POST http://127.0.0.1:{port}/v1/patients/ -H 'Content-Type: application/json' "
            f'-H \'X-Api-Key: {plaintext}\' -d \'{{"first_name": "Juan", "first_last_name": "Pérez", '
            '"birth_date": "1990-05-15", "gender_id": 1, "document_type_id": 1, "document_number": "12345678", '
            '"phone": "3001234567", "email": "juan.perez@example.com"}\''
        )
        slots = (
            f"curl 'http://127.0.0.1:{port}/v1/doctor-availability/time-slots/1/{DEMO_DOCTOR['document_number']}"
            f"?date={_next_thursday().isoformat()}' -H 'X-Api-Key: {plaintext}'"
        )
        self.emit(
            options,
            f"Demo tenant {tenant.id} with {len(DEMO_PATIENTS)} demo patients and demo doctor"
            f" {DEMO_DOCTOR['document_number']} (Thursdays 09:00-17:00).\n"
            f"Demo API key: {plaintext}\nTry:\n{curl}\nand the doctor's free slots next Thursday:\n{slots}",
            {"tenantId": str(tenant.id), "apiKeyId": str(key_id), "apiKey": plaintext},
        )

    def _reusable_key(self, key_file: Path):
        """The stored demo key if it still works against this database, else (None, None)."""
        if not key_file.exists():
            return None, None
        plaintext = key_file.read_text().strip()
        try:
            client = resolve_api_key(plaintext)
        except AuthenticationFailed:
            return None, None
        if client.tenant.id != DEMO_TENANT_ID:
            return None, None
        return plaintext, client.api_key_id


def _next_thursday():
    today = timezone.localdate()
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)
