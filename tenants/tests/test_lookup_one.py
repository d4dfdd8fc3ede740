"""``TenantScopedManager.lookup_one``, ``lookup_all`` and ``lookup_window`` (tenants/scoping.py) return
what the ORM would, name their tenant, and never return another tenant's row — by their filter, and
without it by RLS as the runtime role."""

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from phonenumber_field.phonenumber import PhoneNumber

from appointments.models import Appointment, Doctor
from appointments.tests.factories import AppointmentFactory, DoctorFactory
from patients.models import Patient
from patients.tests.factories import PatientFactory
from tenants.context import across_tenants, tenant_context

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_instance_is_the_orms(tenant):
    patient = PatientFactory(
        tenant=tenant,
        phone="+576015551234",
        birth_date=datetime.date(1940, 2, 29),
        custom_fields={"tags": ["a", "ñ"], "line": "a\u2028b", "n": 1.5},
    )
    with tenant_context(tenant.id):
        expected = Patient.objects.get(pk=patient.pk)
        found = Patient.objects.lookup_one(pk=patient.pk)
        by_document = Patient.objects.lookup_one(
            document_type_id=patient.document_type_id, document_number=patient.document_number
        )
        assert Patient.objects.lookup_one(pk=DoctorFactory(tenant=tenant).pk) is None
    assert _fields(found) == _fields(expected) == _fields(by_document)
    assert isinstance(found.phone, PhoneNumber) and found.custom_fields["tags"] == ["a", "ñ"]
    assert not found._state.adding and found._state.db == "default"
    with tenant_context(tenant.id):
        found.first_name = "Otra"
        found.save(update_fields=["first_name"])  # a normal instance: it saves
        assert Patient.objects.get(pk=patient.pk).first_name == "Otra"


def test_encrypted_text_is_decrypted_like_the_orm(tenant):
    start = datetime.datetime(2030, 9, 26, 14, tzinfo=datetime.UTC)
    appointment = AppointmentFactory(tenant=tenant, start=start, comment="Dolor de cabeza", notes="Control")
    with tenant_context(tenant.id):
        found = Appointment.objects.lookup_one(pk=appointment.pk)
        assert _fields(found) == _fields(Appointment.objects.get(pk=appointment.pk))
    assert (found.comment, found.notes) == ("Dolor de cabeza", "Control")


def test_the_first_by_id_among_several(tenant):
    first, second = DoctorFactory(tenant=tenant, specialty="a"), DoctorFactory(tenant=tenant, specialty="a")
    with tenant_context(tenant.id):
        assert Doctor.objects.lookup_one(specialty="a").pk == min(first.pk, second.pk)


@pytest.mark.isolation
def test_another_tenants_row_never_comes_back(tenant, other_tenant):
    theirs = PatientFactory(tenant=other_tenant, document_number="12345678")
    with tenant_context(tenant.id):
        with CaptureQueriesContext(connection) as captured:
            assert Patient.objects.lookup_one(pk=theirs.pk) is None
            assert Patient.objects.lookup_one(document_type_id=1, document_number="12345678") is None
        assert all('"patients_patient"."tenant_id" = ' in q["sql"] for q in captured.captured_queries)
        with across_tenants():  # no explicit filter: the runtime role's RLS alone still hides it
            with CaptureQueriesContext(connection) as captured:
                assert Patient.objects.lookup_one(pk=theirs.pk) is None
            assert '"tenant_id" = ' not in captured.captured_queries[0]["sql"]
    with tenant_context(other_tenant.id):
        assert Patient.objects.lookup_one(pk=theirs.pk).pk == theirs.pk


@pytest.mark.isolation
def test_lookup_all_is_the_orms_list_in_id_order(tenant, other_tenant):
    mine = [DoctorFactory(tenant=tenant, specialty="b") for _ in range(3)]
    DoctorFactory(tenant=tenant, specialty="c")
    theirs = DoctorFactory(tenant=other_tenant, specialty="b")
    with tenant_context(tenant.id):
        found = Doctor.objects.lookup_all(specialty="b")
        expected = list(Doctor.objects.filter(specialty="b").order_by("pk"))
        assert Doctor.objects.lookup_all(specialty="nobody") == []
        with CaptureQueriesContext(connection) as captured:
            Doctor.objects.lookup_all(specialty="b")
        assert '"appointments_doctor"."tenant_id" = ' in captured.captured_queries[0]["sql"]
        with across_tenants():  # without the explicit filter the runtime role's RLS still hides theirs
            assert theirs.pk not in {doctor.pk for doctor in Doctor.objects.lookup_all(specialty="b")}
    assert [_fields(d) for d in found] == [_fields(d) for d in expected]
    assert [d.pk for d in found] == sorted(d.pk for d in mine)


@pytest.mark.isolation
def test_lookup_window_is_the_orms_keyset_page(tenant, other_tenant):
    number = "+573001112233"
    mine = [PatientFactory(tenant=tenant, phone=number) for _ in range(2)]
    mine += [PatientFactory(tenant=tenant, cell_phone=number) for _ in range(2)]
    PatientFactory(tenant=tenant)
    theirs = PatientFactory(tenant=other_tenant, phone=number)
    either = Q(phone=number) | Q(cell_phone=number)
    with tenant_context(tenant.id):
        first = Patient.objects.lookup_window(
            ("phone", "cell_phone"), PhoneNumber.from_string(number), after=None, limit=3
        )
        rest = Patient.objects.lookup_window(("phone", "cell_phone"), number, after=first[-1].pk, limit=3)
        expected = list(Patient.objects.filter(either).order_by("pk"))
        with CaptureQueriesContext(connection) as captured:
            Patient.objects.lookup_window(("phone", "cell_phone"), number, after=None, limit=3)
        assert '"patients_patient"."tenant_id" = ' in captured.captured_queries[0]["sql"]
        with across_tenants():  # without the explicit filter the runtime role's RLS still hides theirs
            found = Patient.objects.lookup_window(("phone", "cell_phone"), number, after=None, limit=10)
            assert theirs.pk not in {patient.pk for patient in found}
    assert [_fields(p) for p in first + rest] == [_fields(p) for p in expected]
    assert [p.pk for p in first + rest] == sorted(p.pk for p in mine)
    with pytest.raises(ValueError, match="one type"):
        Patient.objects.lookup_window(("phone", "email"), number, after=None, limit=1)
