"""Reads name their tenant explicitly as well as through RLS (issue 17 §4; docs/scaling.md).

A booking conversation and the chatbot's reads run over the API with every statement captured; each
SELECT whose FROM is a tenant table must carry ``"<table>"."tenant_id" = …`` (tenants/scoping.py),
the filter a distributed PostgreSQL routes on. RLS stays the wall; this is the second, explicit one.
"""

from __future__ import annotations

import re

import pytest
from django.db import ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, Doctor
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from patients.models import Patient
from patients.tests.factories import PatientFactory
from tenants.context import NOT_SCOPED, scoped_tenant, tenant_context
from tenants.scoping import TenantScopedQuerySetMixin

pytestmark = pytest.mark.django_db

DAY = "2030-09-26"  # a Thursday
_FROM = re.compile(r'\bFROM "(\w+)"')


def _tenant_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
               WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
               AND a.attname = 'tenant_id' AND NOT a.attisdropped"""
        )
        return {row[0] for row in cursor.fetchall()}


def _unscoped_reads(queries: list[dict], tables: set[str]) -> list[str]:
    """ORM SELECTs of a tenant table without its explicit tenant filter (the key resolver and raw
    SQL name their tenant in their own way and are not ORM reads)."""
    missing = []
    for query in queries:
        sql = query["sql"]
        if not sql.startswith("SELECT") or "secre_" in sql or "set_config" in sql:
            continue
        for table in set(_FROM.findall(sql)) & tables:
            if f'"{table}"."tenant_id" = ' not in sql and f'"{table}"."tenant_id" IN ' not in sql:
                missing.append(sql)
    return missing


def test_a_booking_conversation_reads_every_tenant_table_by_its_tenant(api):
    doctor = DoctorFactory(tenant=api.tenant, document_number="99999999", specialty="Cardiología")
    AvailabilityRuleFactory(doctor=doctor, day_of_week=4)
    PatientFactory(tenant=api.tenant, document_number="111", first_name="María")
    doctor_ref = {"doctorDocumentTypeId": 1, "doctorDocumentNumber": "99999999"}
    tables = _tenant_tables()

    with CaptureQueriesContext(connection) as captured:
        assert api.get("/v1/patients/by-document/1/111").status_code == 200
        assert api.get("/v1/patients?name=mar").status_code == 200
        assert api.get("/v1/doctors?specialty=cardiologia").status_code == 200
        assert api.get(f"/v1/doctor-availability/time-slots/1/99999999?date={DAY}").status_code == 200
        held = api.post("/v1/appointments/holds", {**doctor_ref, "start": f"{DAY}T10:00:00"}, format="json")
        assert held.status_code == 201, held.content
        booked = api.post(
            "/v1/appointments",
            {"holdId": held.json()["id"], "patientDocumentTypeId": 1, "patientDocumentNumber": "111"},
            format="json",
        )
        assert booked.status_code == 201, booked.content
        appointment = booked.json()["id"]
        assert api.get(f"/v1/appointments/{appointment}").status_code == 200
        assert api.get("/v1/appointments?patientDocumentTypeId=1&patientDocumentNumber=111").status_code == 200
        assert api.patch(f"/v1/appointments/{appointment}", {"state": "confirmed"}, format="json").status_code == 200
        assert api.post(f"/v1/appointments/{appointment}/cancel", {"reason": "x"}, format="json").status_code == 200
        assert api.get("/v1/webhooks/events").status_code in (200, 403)

    reads = [q for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) > 20  # the walk did read the tenant's tables
    assert _unscoped_reads(captured.captured_queries, tables) == []


def test_the_filter_follows_the_context_and_steps_aside_outside_it(tenant, other_tenant):
    PatientFactory(tenant=tenant, document_number="1")
    PatientFactory(tenant=other_tenant, document_number="2")
    assert scoped_tenant() is NOT_SCOPED
    with tenant_context(tenant.id):
        assert scoped_tenant() == str(tenant.id)
        sql = str(Patient.objects.all().query)
        assert f'"patients_patient"."tenant_id" = {tenant.id.hex}' in sql.replace("-", "")
        assert list(Patient.objects.values_list("document_number", flat=True)) == ["1"]
        with tenant_context(other_tenant.id):
            assert list(Patient.objects.values_list("document_number", flat=True)) == ["2"]
        assert scoped_tenant() == str(tenant.id)
        # Related managers are built on the default manager: scoped as well.
        doctor = DoctorFactory(tenant=tenant)
        assert "tenant_id" in str(doctor.appointments.all().query)
        assert "tenant_id" in str(Doctor.objects.filter(pk=doctor.pk).query)
    assert scoped_tenant() is NOT_SCOPED
    assert 'WHERE "appointments_appointment"."tenant_id"' not in str(Appointment.objects.all().query)


def test_an_insert_builds_no_tenant_filter_and_rls_still_checks_it(tenant, other_tenant, monkeypatch):
    """``Model.save()``'s INSERT goes through the base manager without the filter it would drop (an
    INSERT has no WHERE); the row's own tenant_id is what RLS checks."""
    built = []
    scoped_queryset = TenantScopedQuerySetMixin.get_queryset
    monkeypatch.setattr(
        TenantScopedQuerySetMixin, "get_queryset", lambda self: built.append(self.model) or scoped_queryset(self)
    )
    template = PatientFactory.build(tenant=tenant)
    with tenant_context(tenant.id):
        patient = PatientFactory.build(tenant=tenant, document_number="70000001", gender=template.gender)
        patient.save(force_insert=True)
        assert Patient not in built
        assert Patient.objects.filter(pk=patient.pk).exists()
        stray = PatientFactory.build(tenant=other_tenant, document_number="70000002", gender=template.gender)
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            stray.save(force_insert=True)
