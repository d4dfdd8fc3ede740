"""The MCP server through the official MCP Python client over HTTP, against a live gunicorn: the handshake
and the tool list, the whole booking conversation, retries, alternatives, isolation of tenants through
every tool and argument, scopes, refused keys, and failed tools that write nothing."""

from __future__ import annotations

import http.client
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from agents.tests.conftest import call, mcp_client, run
from appointments.models import Appointment, SlotHold
from appointments.tests.factories import AppointmentFactory, AvailabilityRuleFactory, DoctorFactory
from audit.models import AuditEvent
from patients.models import Patient
from patients.tests.factories import PatientFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory, make_api_key
from webhooks.models import Event

pytestmark = pytest.mark.usefixtures("committed_db")

DAY = "2030-09-26"  # a Thursday; Bogotá is UTC-5
TOOL_NAMES = {
    "find_patient",
    "register_patient",
    "update_patient",
    "list_specialties",
    "list_doctors",
    "find_available_slots",
    "hold_slot",
    "book_appointment",
    "reschedule_appointment",
    "cancel_appointment",
    "list_patient_appointments",
    "confirm_appointment",
}
READ_TOOLS = {"find_patient", "list_specialties", "list_doctors", "find_available_slots", "list_patient_appointments"}


def _clinic(name: str = "Clínica MCP", *, specialty: str = "Cardiología", phone: str = "+573001234567"):
    """A tenant with a cardiologist seeing patients on Thursdays 09:00-12:00 (30 minutes) and a patient."""
    tenant = TenantFactory(name=name)
    doctor = DoctorFactory(tenant=tenant, specialty=specialty, first_name="Ana", first_last_name="Ruiz")
    AvailabilityRuleFactory(doctor=doctor, day_of_week=4)
    patient = PatientFactory(tenant=tenant, cell_phone=phone, first_name="Juana", first_last_name="Pérez")
    return tenant, doctor, patient


def _count(tenant, model, **filters) -> int:
    with tenant_context(tenant.id):
        return model.objects.filter(**filters).count()


def test_initialize_and_list_the_tools(live_secre):
    tenant, _, _ = _clinic()
    _, key = make_api_key(tenant)

    async def scenario():
        async with mcp_client(live_secre, key) as client:
            assert client.session.protocol_version.startswith("2025")  # the initialize handshake, as n8n
            return (await client.list_tools()).tools

    tools = run(scenario)
    assert {tool.name for tool in tools} == TOOL_NAMES
    for tool in tools:
        assert len(tool.description) > 80, tool.name  # written for a language model
        assert tool.input_schema["type"] == "object" and tool.input_schema["additionalProperties"] is False
        for name, schema in tool.input_schema.get("properties", {}).items():
            assert schema.get("description"), (tool.name, name)
        assert tool.annotations.read_only_hint is (tool.name in READ_TOOLS)
    slots = next(tool for tool in tools if tool.name == "find_available_slots").input_schema
    assert {"specialty", "doctorId", "date", "endDate", "appointmentType", "limit"} == set(slots["properties"])
    assert (
        "local time" in slots["properties"]["date"]["description"]
        or "clinic" in slots["properties"]["date"]["description"]
    )
    book = next(tool for tool in tools if tool.name == "book_appointment").input_schema
    assert "holdId" in book["properties"] and "start" in book["properties"]


def test_the_stateless_2026_revision_and_a_bearer_key_work_too(live_secre):
    tenant, _, _ = _clinic()
    _, key = make_api_key(tenant)

    async def scenario():
        async with mcp_client(live_secre, key, bearer=True, mode="auto") as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            return client.session.protocol_version, names, await call(client, "list_specialties")

    version, names, specialties = run(scenario)
    assert version == "2026-07-28" and names == TOOL_NAMES
    assert specialties.data == {"specialties": [{"name": "Cardiología", "doctorCount": 1}]}


def test_the_whole_booking_conversation(live_secre):
    tenant, doctor, patient = _clinic()
    key_row, key = make_api_key(tenant)

    async def scenario():
        async with mcp_client(live_secre, key) as client:
            found = await call(client, "find_patient", phone="573001234567")  # WhatsApp's wa_id
            patient_id = found.data["patients"][0]["patientId"]
            specialties = await call(client, "list_specialties")
            slots = await call(client, "find_available_slots", specialty="cardiologia", date=DAY)
            chosen = slots.data["slots"][2]
            held = await call(
                client, "hold_slot", doctorId=chosen["doctorId"], start=chosen["startUtc"], patientId=patient_id
            )
            after_hold = await call(client, "find_available_slots", specialty="Cardiología", date=DAY, limit=20)
            booked = await call(client, "book_appointment", holdId=held.data["hold"]["holdId"])
            again = await call(client, "book_appointment", holdId=held.data["hold"]["holdId"])
            upcoming = await call(client, "list_patient_appointments", patientId=patient_id)
            appointment_id = booked.data["appointment"]["appointmentId"]
            cancelled = await call(
                client, "cancel_appointment", appointmentId=appointment_id, reason="No puede asistir"
            )
            afterwards = await call(client, "list_patient_appointments", patientId=patient_id)
            return found, specialties, slots, chosen, held, after_hold, booked, again, upcoming, cancelled, afterwards

    found, specialties, slots, chosen, held, after_hold, booked, again, upcoming, cancelled, afterwards = run(scenario)
    assert found.data["found"] is True and found.data["patients"][0]["patientId"] == str(patient.id)
    assert found.data["patients"][0]["cellPhone"] == "+573001234567"
    assert specialties.data["specialties"] == [{"name": "Cardiología", "doctorCount": 1}]
    assert slots.data["timeZone"] == "America/Bogota" and slots.data["from"] == slots.data["to"] == DAY
    assert [slot["startLocal"] for slot in slots.data["slots"]] == [
        f"{DAY}T09:00:00-05:00",
        f"{DAY}T09:30:00-05:00",
        f"{DAY}T10:00:00-05:00",
        f"{DAY}T10:30:00-05:00",
        f"{DAY}T11:00:00-05:00",
    ]
    assert chosen["startUtc"] == f"{DAY}T15:00:00Z" and chosen["weekday"] == "Thursday"
    assert chosen["doctorId"] == str(doctor.id) and chosen["doctor"] == "Ana Ruiz"
    assert not held.is_error and held.data["hold"]["status"] == "held"
    assert chosen["startLocal"] not in [slot["startLocal"] for slot in after_hold.data["slots"]]  # held: gone
    assert not booked.is_error and booked.data["alreadyBooked"] is False
    appointment = booked.data["appointment"]
    assert appointment["state"] == "scheduled" and appointment["startLocal"] == f"{DAY}T10:00:00-05:00"
    assert appointment["patientId"] == str(patient.id)
    assert again.data == {**booked.data, "alreadyBooked": True}  # a retry: the same appointment
    assert [a["appointmentId"] for a in upcoming.data["appointments"]] == [appointment["appointmentId"]]
    assert cancelled.data["appointment"]["state"] == "cancelled"
    assert afterwards.data["appointments"] == []

    with tenant_context(tenant.id):
        stored = Appointment.objects.get(pk=appointment["appointmentId"])
        assert stored.state == "cancelled" and stored.cancellation_reason == "No puede asistir"
        assert SlotHold.objects.get(pk=held.data["hold"]["holdId"]).appointment_id == stored.id
        trail = AuditEvent.objects.filter(object_pk=str(stored.id))
        assert trail.count() == 2 and {entry.origin for entry in trail} == {"mcp"}
        assert {entry.api_key_id for entry in trail} == {key_row.id}
        events = Event.objects.filter(object_id=stored.id).values_list("type", flat=True)
        assert sorted(events) == ["appointment.cancelled", "appointment.created"]

    log = live_secre.log.read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    calls = [line for line in lines if line.get("event") == "tool call" and line.get("tenant_id") == str(tenant.id)]
    assert [line["tool"] for line in calls][:3] == ["find_patient", "list_specialties", "find_available_slots"]
    assert all(line["api_key_id"] == str(key_row.id) and line["outcome"] == "ok" for line in calls)
    for personal in ("Juana", "Pérez", "3001234567", patient.document_number, "No puede asistir"):
        assert personal not in log


def test_booking_by_times_twice_is_one_appointment(live_secre):
    tenant, doctor, patient = _clinic()
    _, key = make_api_key(tenant)
    arguments = {"doctorId": str(doctor.id), "start": f"{DAY}T09:30:00", "patientId": str(patient.id)}

    async def scenario():
        async with mcp_client(live_secre, key) as client:
            return [await call(client, "book_appointment", **arguments) for _ in range(2)]

    first, second = run(scenario)
    assert first.data["alreadyBooked"] is False and second.data["alreadyBooked"] is True
    assert first.data["appointment"] == second.data["appointment"]
    assert first.data["appointment"]["startUtc"] == f"{DAY}T14:30:00Z"
    assert _count(tenant, Appointment, patient=patient) == 1


def test_a_taken_slot_answers_the_next_free_ones(live_secre):
    tenant, doctor, patient = _clinic()
    other = PatientFactory(tenant=tenant)
    _, key = make_api_key(tenant)

    async def scenario():
        async with mcp_client(live_secre, key) as client:
            taken = {"doctorId": str(doctor.id), "start": f"{DAY}T09:00:00-05:00"}
            await call(client, "book_appointment", **taken, patientId=str(other.id))
            booking = await call(client, "book_appointment", **taken, patientId=str(patient.id))
            holding = await call(client, "hold_slot", **taken)
            outside = await call(client, "hold_slot", doctorId=str(doctor.id), start=f"{DAY}T07:00:00")
            return booking, holding, outside

    booking, holding, outside = run(scenario)
    for answer, code in ((booking, "slot_taken"), (holding, "slot_taken"), (outside, "outside_availability")):
        assert answer.is_error and answer.data["code"] == code, answer.data
        assert answer.data["detail"]
        offered = [slot["startLocal"] for slot in answer.data["nextFreeSlots"]]
        assert offered == [f"{DAY}T09:30:00-05:00", f"{DAY}T10:00:00-05:00", f"{DAY}T10:30:00-05:00"]
    assert "conflictingAppointmentId" in booking.data
    assert _count(tenant, Appointment, patient=patient) == 0 and _count(tenant, SlotHold) == 0


def test_a_failed_tool_leaves_nothing_written(live_secre):
    tenant, doctor, patient = _clinic()
    other = PatientFactory(tenant=tenant)
    _, key = make_api_key(tenant)
    mine = AppointmentFactory(tenant=tenant, doctor=doctor, patient=patient, start=_at("09:00"))
    AppointmentFactory(tenant=tenant, doctor=doctor, patient=other, start=_at("10:00"))
    audit_before = _count(tenant, AuditEvent)
    events_before = _count(tenant, Event)

    async def scenario():
        async with mcp_client(live_secre, key) as client:
            moved = await call(client, "reschedule_appointment", appointmentId=str(mine.id), start=f"{DAY}T10:00:00")
            duplicate = await call(
                client,
                "register_patient",
                documentTypeId=1,
                documentNumber=patient.document_number,
                firstName="Otra",
                firstLastName="Persona",
            )
            invalid = await call(client, "register_patient", documentTypeId=1, documentNumber="5551", firstName="X")
            typo = await call(client, "find_available_slots", speciality="cardiologia")
            return moved, duplicate, invalid, typo

    moved, duplicate, invalid, typo = run(scenario)
    assert moved.is_error and moved.data["code"] == "slot_taken" and moved.data["nextFreeSlots"]
    assert duplicate.is_error and duplicate.data["code"] == "patient_exists"
    assert duplicate.data["existingPatientId"] == str(patient.id)
    assert invalid.is_error and invalid.data["code"] == "validation_error"
    assert [error["field"] for error in invalid.data["errors"]] == ["firstLastName"]
    assert typo.is_error and typo.data["code"] == "unknown_fields"
    with tenant_context(tenant.id):
        assert Appointment.objects.get(pk=mine.pk).state == "scheduled"  # the reschedule's cancel: undone
        assert Appointment.objects.filter(patient=patient).count() == 1
        assert not Patient.objects.filter(document_number="5551").exists()
    assert _count(tenant, AuditEvent) == audit_before and _count(tenant, Event) == events_before


def _at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{DAY}T{hhmm}:00").replace(tzinfo=ZoneInfo("America/Bogota"))


def test_a_read_only_key_reads_but_cannot_book(live_secre):
    tenant, doctor, patient = _clinic()
    _, key = make_api_key(tenant, scopes=["read"])

    async def scenario():
        async with mcp_client(live_secre, key) as client:
            slots = await call(client, "find_available_slots", doctorId=str(doctor.id), date=DAY)
            start = slots.data["slots"][0]["startUtc"]
            return (
                slots,
                await call(client, "hold_slot", doctorId=str(doctor.id), start=start),
                await call(client, "book_appointment", doctorId=str(doctor.id), start=start, patientId=str(patient.id)),
                await call(
                    client, "register_patient", documentTypeId=1, documentNumber="777", firstName="A", firstLastName="B"
                ),
            )

    slots, hold, book, register = run(scenario)
    assert not slots.is_error and len(slots.data["slots"]) == 5
    for answer in (hold, book, register):
        assert answer.is_error and answer.data["code"] == "permission_denied" and answer.data["missingScope"] == "write"
    assert _count(tenant, Appointment) == 0 and _count(tenant, SlotHold) == 0 and _count(tenant, Patient) == 1


def test_a_key_without_read_cannot_read(live_secre):
    tenant, _, _ = _clinic()
    _, key = make_api_key(tenant, scopes=["admin"])

    async def scenario():
        async with mcp_client(live_secre, key) as client:
            return await call(client, "find_patient", phone="573001234567")

    answer = run(scenario)
    assert answer.is_error and answer.data == {
        "code": "permission_denied",
        "detail": "This API key lacks the 'read' scope.",
        "missingScope": "read",
    }


@pytest.mark.parametrize("bearer", [False, True])
def test_a_wrong_key_is_refused_before_any_tool_runs(live_secre, bearer):
    tenant, _, _ = _clinic()
    _, key = make_api_key(tenant)
    wrong = key[:9] + ("A" if key[9] != "A" else "B") + key[10:]

    statuses: list[int] = []

    async def scenario():
        async with mcp_client(live_secre, wrong, bearer=bearer, statuses=statuses) as client:
            await client.list_tools()

    with pytest.raises(BaseException, match="unhandled errors"):  # the client's TaskGroup wraps the refusal
        run(scenario)
    assert statuses == [401]  # the initialize itself: no tool was listed or run


def test_another_tenants_data_is_out_of_reach_through_every_tool_and_argument(live_secre):
    tenant, doctor, patient = _clinic("Clínica A", specialty="Cardiología", phone="+573001110000")
    other, their_doctor, their_patient = _clinic("Clínica B", specialty="Dermatología", phone="+573002220000")
    their_appointment = AppointmentFactory(tenant=other, doctor=their_doctor, patient=their_patient, start=_at("09:00"))
    with tenant_context(other.id):
        their_hold = SlotHold.objects.create(
            tenant=other,
            doctor=their_doctor,
            start=_at("11:00"),
            end=_at("11:30"),
            expires_at=_at("11:00"),
        )
    mine = AppointmentFactory(tenant=tenant, doctor=doctor, patient=patient, start=_at("10:00"))
    _, key = make_api_key(tenant)
    their_ids = {
        "patientId": str(their_patient.id),
        "doctorId": str(their_doctor.id),
        "appointmentId": str(their_appointment.id),
        "holdId": str(their_hold.id),
    }
    not_found = [
        ("update_patient", {"patientId": their_ids["patientId"], "email": "x@example.com"}),
        ("find_available_slots", {"doctorId": their_ids["doctorId"]}),
        ("hold_slot", {"doctorId": their_ids["doctorId"], "start": f"{DAY}T10:30:00"}),
        ("hold_slot", {"doctorId": str(doctor.id), "start": f"{DAY}T10:30:00", "patientId": their_ids["patientId"]}),
        ("book_appointment", {"holdId": their_ids["holdId"], "patientId": str(patient.id)}),
        ("book_appointment", {"holdId": their_ids["holdId"]}),
        (
            "book_appointment",
            {"doctorId": their_ids["doctorId"], "start": f"{DAY}T10:30:00", "patientId": str(patient.id)},
        ),
        (
            "book_appointment",
            {"doctorId": str(doctor.id), "start": f"{DAY}T10:30:00", "patientId": their_ids["patientId"]},
        ),
        ("reschedule_appointment", {"appointmentId": their_ids["appointmentId"], "start": f"{DAY}T10:30:00"}),
        ("reschedule_appointment", {"appointmentId": str(mine.id), "holdId": their_ids["holdId"]}),
        (
            "reschedule_appointment",
            {"appointmentId": str(mine.id), "start": f"{DAY}T10:30:00", "doctorId": their_ids["doctorId"]},
        ),
        ("cancel_appointment", {"appointmentId": their_ids["appointmentId"]}),
        ("confirm_appointment", {"appointmentId": their_ids["appointmentId"]}),
        ("list_patient_appointments", {"patientId": their_ids["patientId"]}),
    ]

    async def scenario():
        async with mcp_client(live_secre, key) as client:
            answers = {
                "by_document": await call(client, "find_patient", documentNumber=their_patient.document_number),
                "by_phone": await call(client, "find_patient", phone="573002220000"),
                "specialties": await call(client, "list_specialties"),
                "doctors": await call(client, "list_doctors"),
                "their_specialty": await call(client, "list_doctors", specialty="dermatologia"),
                "their_slots": await call(client, "find_available_slots", specialty="Dermatología", date=DAY),
                "all_slots": await call(client, "find_available_slots", date=DAY, limit=20),
                "own": await call(client, "list_patient_appointments", patientId=str(patient.id), when="all"),
            }
            refused = [(name, arguments, await call(client, name, **arguments)) for name, arguments in not_found]
            return answers, refused

    answers, refused = run(scenario)
    assert answers["by_document"].data["found"] is False and answers["by_phone"].data["found"] is False
    assert answers["specialties"].data["specialties"] == [{"name": "Cardiología", "doctorCount": 1}]
    assert [d["doctorId"] for d in answers["doctors"].data["doctors"]] == [str(doctor.id)]
    assert answers["their_specialty"].data["doctors"] == [] and answers["their_slots"].data["slots"] == []
    assert {slot["doctorId"] for slot in answers["all_slots"].data["slots"]} == {str(doctor.id)}
    assert [a["appointmentId"] for a in answers["own"].data["appointments"]] == [str(mine.id)]
    for name, arguments, answer in refused:
        assert answer.is_error and answer.data["code"] == "not_found", (name, arguments, answer.data)
        for value in their_ids.values():
            assert value not in json.dumps(answer.data) or value in json.dumps(arguments)
    with tenant_context(other.id):
        assert Appointment.objects.get(pk=their_appointment.pk).state == "scheduled"
        assert SlotHold.objects.get(pk=their_hold.pk).appointment_id is None
        assert Patient.objects.get(pk=their_patient.pk).email is None
    with tenant_context(tenant.id):
        assert Appointment.objects.get(pk=mine.pk).state == "scheduled"


def test_a_platform_key_is_refused_on_mcp(live_secre):
    out = io.StringIO()
    call_command("create_platform_key", "--name", "mcp-test", "--json", stdout=out)
    platform = json.loads(out.getvalue())["apiKey"]
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}).encode()
    connection = http.client.HTTPConnection(live_secre.base.removeprefix("http://"), timeout=30)
    headers = {"X-Api-Key": platform, "Content-Type": "application/json", "Accept": "application/json"}
    connection.request("POST", "/mcp", body=body, headers=headers)
    refused = connection.getresponse()
    assert refused.status == 403
    assert json.loads(refused.read())["code"] == "tenant_key_required"
    connection.close()
