"""The OpenAPI document is usable, not only valid: a client generated from it (openapi-python-client)
talks to a live server — creates a patient, pages with ``next``, books and cancels, reads a problem."""

from __future__ import annotations

import datetime
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from drf_spectacular.generators import SchemaGenerator

from tenants.scopes import ALL_SCOPES
from tenants.tests.factories import TenantFactory, make_api_key

PACKAGE = "secre_client"


@pytest.fixture
def generated(tmp_path, monkeypatch):
    """The client package generated from this build's document, importable as ``secre_client``."""
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--overwrite",
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},  # its ruff
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(PACKAGE)
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        del sys.modules[name]


class _Tag:
    """A tag's operations (``secre_client.api.<tag>.<operation>`` modules), imported on first use."""

    def __init__(self, tag: str):
        self.tag = tag

    def __getattr__(self, operation: str):
        return importlib.import_module(f"{PACKAGE}.api.{self.tag}.{operation}")


def _api(tag: str) -> _Tag:
    return _Tag(tag)


def _model(name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def test_a_generated_client_books_pages_cancels_and_reads_problems(live_api, generated):
    _, key = make_api_key(TenantFactory(name="Clínica Cliente"), scopes=list(ALL_SCOPES))
    client = generated.AuthenticatedClient(base_url=live_api, token=key, prefix="", auth_header_name="X-Api-Key")
    patients = _api("patients")

    numbers = ["1001", "1002", "1003"]
    for number in numbers:
        created = patients.v1_patients_create.sync_detailed(
            client=client,
            body=_model("PatientRequest")(
                first_name="Ana", first_last_name="Ruiz", document_type_id=1, document_number=number
            ),
        )
        assert created.status_code == 201, created.content
        assert created.parsed.document_number == number and created.parsed.id

    seen, cursor = [], None
    while True:
        page = patients.v1_patients_list.sync(client=client, page_size=2, **({"cursor": cursor} if cursor else {}))
        seen += [patient.document_number for patient in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    assert seen == numbers

    duplicate = patients.v1_patients_create.sync_detailed(
        client=client,
        body=_model("PatientRequest")(
            first_name="Otra", first_last_name="Vez", document_type_id=1, document_number="1001"
        ),
    )
    assert duplicate.status_code == 409 and isinstance(duplicate.parsed, _model("Problem"))
    assert duplicate.parsed.code == "patient_exists" and duplicate.parsed.request_id

    doctor = _api("doctors").v1_doctors_create.sync(
        client=client,
        body=_model("DoctorRequest")(
            document_type_id=1, document_number="99999999", first_name="Laura", first_last_name="Restrepo"
        ),
    )
    assert doctor.document_number == "99999999"
    availability = _api("availability")
    rule = availability.v1_doctor_availability_availability_create.sync(
        client=client,
        body=_model("AvailabilityRuleRequest")(
            doctor_document_type_id=1,
            doctor_document_number="99999999",
            day_of_week=4,
            start_time="09:00",
            end_time="12:00",
        ),
    )
    assert (rule.start_time, rule.end_time) == ("09:00", "12:00")
    slots = availability.v1_doctor_availability_time_slots_retrieve.sync(
        1, "99999999", client=client, date=datetime.date(2030, 9, 26)
    )
    assert slots.slots and slots.slots[0].start_local.isoformat() == "2030-09-26T09:00:00-05:00"

    appointments = _api("appointments")
    booked = appointments.v1_appointments_create.sync_detailed(
        client=client,
        body=_model("AppointmentRequest")(
            start_appointment=slots.slots[0].start,
            end_appointment=slots.slots[0].end,
            patient_document_type_id=1,
            patient_document_number="1001",
            doctor_document_type_id=1,
            doctor_document_number="99999999",
        ),
    )
    assert booked.status_code == 201, booked.content
    assert booked.parsed.state.value == "scheduled"
    taken = appointments.v1_appointments_create.sync_detailed(
        client=client,
        body=_model("AppointmentRequest")(
            start_appointment=slots.slots[0].start,
            end_appointment=slots.slots[0].end,
            patient_document_type_id=1,
            patient_document_number="1002",
            doctor_document_type_id=1,
            doctor_document_number="99999999",
        ),
    )
    assert taken.status_code == 409 and taken.parsed.code == "slot_taken"

    cancelled = appointments.v1_appointments_cancel_create.sync(
        str(booked.parsed.id), client=client, body=_model("CancelRequest")(reason="No puede asistir")
    )
    assert cancelled.state.value == "cancelled" and cancelled.cancellation_reason == "No puede asistir"

    listed = appointments.v1_appointments_list.sync(client=client, start="2030-09-26", end="2030-09-27")
    assert [a.state.value for a in listed.results] == ["cancelled"]
