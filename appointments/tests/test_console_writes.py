"""Every console write goes through the services the API calls — a test per screen and per action — and a
service's refusal shows on the form, never as an error page."""

from __future__ import annotations

import datetime
import threading
from datetime import UTC
from unittest import mock

import pytest
from django.db import connections
from django.test import Client

from appointments import catalogs
from appointments import services as scheduling
from appointments.models import Appointment, AvailabilityRule, Clinic, ClosedDay, Doctor, Modality
from appointments.tests.factories import AvailabilityRuleFactory, DoctorFactory
from audit.models import AuditEvent
from patients import services as patient_services
from patients.models import Patient
from patients.tests.factories import PatientFactory
from tenants import api_keys, roles
from tenants import services as tenant_services
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.models import Tenant, TenantAPIKey, User
from tenants.tests.factories import TenantFactory, make_api_key, make_operator, make_staff
from webhooks.models import Event

pytestmark = pytest.mark.usefixtures("committed_db")

THURSDAY = datetime.date(2030, 9, 26)  # a Thursday; the factory's rule is Thursday 09:00-12:00 (Bogotá)


def _console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _spy(module, name):
    return mock.patch.object(module, name, wraps=getattr(module, name))


@pytest.fixture
def clinic():
    tenant = TenantFactory()
    owner = make_staff(tenant, roles.OWNER)
    return tenant, _console(owner), owner


def _events(tenant, **filters):
    with tenant_context(tenant.id):
        return list(Event.objects.filter(**filters).order_by("occurred_at").values_list("type", flat=True))


# Patients -------------------------------------------------------------------------------------------------

PATIENT_FORM = {
    "first_name": "Rosa",
    "first_last_name": "Díaz",
    "document_type": 1,
    "document_number": "555",
    "custom_fields": "{}",
    "appointments-TOTAL_FORMS": 0,
    "appointments-INITIAL_FORMS": 0,
}


def test_patients_are_added_changed_and_refused_through_the_services(clinic):
    tenant, owner, _ = clinic
    with _spy(patient_services, "patient_create") as create:
        assert owner.post("/admin/patients/patient/add/", PATIENT_FORM).status_code == 302
    assert create.call_count == 1
    with tenant_context(tenant.id):
        patient = Patient.objects.get(document_number="555")
    duplicate = owner.post("/admin/patients/patient/add/", PATIENT_FORM)
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()
    form = {**PATIENT_FORM, "first_name": "Rosa María", "custom_fields": '{"canal": "whatsapp"}'}
    with _spy(patient_services, "patient_update") as update:
        assert owner.post(f"/admin/patients/patient/{patient.id}/change/", form).status_code == 302
    assert update.call_count == 1
    with tenant_context(tenant.id):
        patient.refresh_from_db()
    assert patient.first_name == "Rosa María" and patient.custom_fields == {"canal": "whatsapp"}
    # The console replaces customFields as typed (the difference is what is merged).
    form["custom_fields"] = '{"otro": 1}'
    owner.post(f"/admin/patients/patient/{patient.id}/change/", form)
    with tenant_context(tenant.id):
        patient.refresh_from_db()
    assert patient.custom_fields == {"otro": 1}
    assert _events(tenant, object_id=patient.id) == ["patient.created", "patient.updated", "patient.updated"]


def test_deleting_patients_keeps_those_with_appointments_and_emits_one_event_each(clinic):
    tenant, owner, _ = clinic
    keep, gone_a, gone_b = (PatientFactory(tenant=tenant) for _ in range(3))
    doctor = DoctorFactory(tenant=tenant)
    start = datetime.datetime(2030, 9, 26, 15, tzinfo=UTC)
    with tenant_context(tenant.id):
        Appointment.objects.create(
            tenant=tenant, doctor=doctor, patient=keep, start=start, end=start + datetime.timedelta(minutes=30)
        )
    ids = [str(p.id) for p in (keep, gone_a, gone_b)]
    with _spy(patient_services, "patient_delete") as delete:
        response = owner.post(
            "/admin/patients/patient/", {"action": "delete_patients", "_selected_action": ids}, follow=True
        )
    assert delete.call_count == 3
    page = response.content.decode()
    assert "Deleted 2 patient(s)." in page and "1 not changed" in page and "appointments" in page
    with tenant_context(tenant.id):
        assert list(Patient.objects.filter(pk__in=ids).values_list("id", flat=True)) == [keep.id]
    assert _events(tenant, object_id=gone_a.id)[-1] == "patient.deleted"
    assert _events(tenant, object_id=gone_b.id)[-1] == "patient.deleted"
    # One by one, the same rule: a message, not an error page.
    refused = owner.post(f"/admin/patients/patient/{keep.id}/delete/", {"post": "yes"}, follow=True)
    assert refused.status_code == 200 and "appointments" in refused.content.decode()
    assert "delete_selected" not in owner.get("/admin/patients/patient/").content.decode()


# Doctors and their schedules -------------------------------------------------------------------------------


def _doctor_form(**extra):
    return {
        "document_type": 1,
        "document_number": "80808080",
        "first_name": "Ana",
        "first_last_name": "Ruiz",
        "specialty": "cardiología",
        "is_active": "on",
        "availability_rules-TOTAL_FORMS": 0,
        "availability_rules-INITIAL_FORMS": 0,
        "blocked_times-TOTAL_FORMS": 0,
        "blocked_times-INITIAL_FORMS": 0,
        **extra,
    }


def _rule(n, start, end):
    return {
        f"availability_rules-{n}-day_of_week": 4,
        f"availability_rules-{n}-start_time": start,
        f"availability_rules-{n}-end_time": end,
        f"availability_rules-{n}-appointment_duration_minutes": 30,
        f"availability_rules-{n}-capacity": 1,
    }


def test_doctors_and_their_rules_go_through_the_services_and_overlaps_are_refused(clinic):
    tenant, owner, _ = clinic
    overlapping = _doctor_form(
        **{"availability_rules-TOTAL_FORMS": 2, **_rule(0, "09:00", "12:00"), **_rule(1, "11:00", "13:00")}
    )
    refused = owner.post("/admin/appointments/doctor/add/", overlapping)
    assert refused.status_code == 200 and "overlaps" in refused.content.decode()
    with tenant_context(tenant.id):
        assert not Doctor.objects.filter(document_number="80808080").exists()  # nothing half-written
    fine = _doctor_form(
        **{
            "availability_rules-TOTAL_FORMS": 2,
            **_rule(0, "09:00", "12:00"),
            **_rule(1, "14:00", "17:00"),
            "blocked_times-TOTAL_FORMS": 1,
            "blocked_times-0-start_0": "2030-12-24",
            "blocked_times-0-start_1": "00:00",
            "blocked_times-0-end_0": "2030-12-26",
            "blocked_times-0-end_1": "00:00",
        }
    )
    with (
        _spy(scheduling, "doctor_create") as create,
        _spy(scheduling, "availability_rule_create") as rules,
        _spy(scheduling, "blocked_time_create") as blocked,
    ):
        response = owner.post("/admin/appointments/doctor/add/", fine)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert (create.call_count, rules.call_count, blocked.call_count) == (1, 2, 1)
    with tenant_context(tenant.id):
        doctor = Doctor.objects.get(document_number="80808080")
        assert AvailabilityRule.objects.filter(doctor=doctor).count() == 2


def test_a_doctor_with_appointments_is_not_deleted(clinic):
    tenant, owner, _ = clinic
    doctor = DoctorFactory(tenant=tenant)
    start = datetime.datetime(2030, 9, 26, 15, tzinfo=UTC)
    with tenant_context(tenant.id):
        Appointment.objects.create(
            tenant=tenant,
            doctor=doctor,
            patient=PatientFactory(tenant=tenant),
            start=start,
            end=start + datetime.timedelta(minutes=30),
        )
    response = owner.post(f"/admin/appointments/doctor/{doctor.id}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200 and "Cannot delete" in response.content.decode()
    with tenant_context(tenant.id):
        assert Doctor.objects.filter(pk=doctor.pk).exists()


# Appointments ---------------------------------------------------------------------------------------------


def _booking(patient, doctor, hour=9, **extra):
    return {
        "patient": patient.id,
        "doctor": doctor.id,
        "start_0": THURSDAY.isoformat(),
        "start_1": f"{hour + 5}:00",
        "end_0": THURSDAY.isoformat(),
        "end_1": f"{hour + 5}:30",
        "state": "scheduled",
        "notification_state": "pending",
        **extra,
    }


def test_appointments_are_booked_and_changed_through_the_services_never_deleted(clinic):
    tenant, owner, _ = clinic
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor)
    patient = PatientFactory(tenant=tenant)
    with _spy(scheduling, "appointment_book") as book:
        assert owner.post("/admin/appointments/appointment/add/", _booking(patient, doctor)).status_code == 302
    assert book.call_count == 1
    with tenant_context(tenant.id):
        appointment = Appointment.objects.get(patient=patient)
    outside = owner.post("/admin/appointments/appointment/add/", _booking(PatientFactory(tenant=tenant), doctor, 15))
    assert outside.status_code == 200 and "Not available: outside_hours" in outside.content.decode()
    long = _booking(PatientFactory(tenant=tenant), doctor, end_0=(THURSDAY + datetime.timedelta(days=2)).isoformat())
    too_long = owner.post("/admin/appointments/appointment/add/", long)
    assert too_long.status_code == 200 and "lasts at most 24 hours" in too_long.content.decode()
    not_initial = owner.post(
        "/admin/appointments/appointment/add/", _booking(PatientFactory(tenant=tenant), doctor, 10, state="completed")
    )
    assert not_initial.status_code == 200 and "scheduled or confirmed" in not_initial.content.decode()
    with _spy(scheduling, "appointment_update") as update:
        changed = owner.post(
            f"/admin/appointments/appointment/{appointment.id}/change/", _booking(patient, doctor, state="confirmed")
        )
    assert changed.status_code == 302 and update.call_count == 1
    assert owner.get(f"/admin/appointments/appointment/{appointment.id}/delete/").status_code == 403
    assert _events(tenant, object_id=appointment.id) == ["appointment.created", "appointment.state_changed"]


def test_cancelling_in_bulk_asks_for_a_reason_and_uses_the_service(clinic):
    tenant, owner, _ = clinic
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor)
    first, second = PatientFactory(tenant=tenant), PatientFactory(tenant=tenant)
    for patient, hour in ((first, 9), (second, 10)):
        assert owner.post("/admin/appointments/appointment/add/", _booking(patient, doctor, hour)).status_code == 302
    with tenant_context(tenant.id):
        ids = [str(i) for i in Appointment.objects.values_list("id", flat=True)]
    asked = owner.post("/admin/appointments/appointment/", {"action": "cancel_appointments", "_selected_action": ids})
    assert asked.status_code == 200 and "Reason" in asked.content.decode()
    with _spy(scheduling, "appointment_cancel") as cancel:
        done = owner.post(
            "/admin/appointments/appointment/",
            {"action": "cancel_appointments", "_selected_action": ids, "apply": "1", "reason": "Paro de transporte"},
            follow=True,
        )
    assert cancel.call_count == 2 and "Cancelled 2 appointment(s)." in done.content.decode()
    with tenant_context(tenant.id):
        assert set(Appointment.objects.values_list("state", "cancellation_reason")) == {
            ("cancelled", "Paro de transporte")
        }
    again = owner.post(
        "/admin/appointments/appointment/",
        {"action": "cancel_appointments", "_selected_action": ids, "apply": "1", "reason": "x"},
        follow=True,
    )
    assert "2 not changed" in again.content.decode()


def test_two_staff_booking_one_slot_at_once_see_slot_taken_not_an_error(clinic):
    tenant, owner, _ = clinic
    assistant = _console(make_staff(tenant, roles.ASSISTANT))
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor)
    patients = [PatientFactory(tenant=tenant), PatientFactory(tenant=tenant)]
    barrier, results = threading.Barrier(2), {}

    def book(name, client, patient):
        barrier.wait()
        try:
            results[name] = client.post("/admin/appointments/appointment/add/", _booking(patient, doctor))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=book, args=(name, client, patient))
        for name, client, patient in (("owner", owner, patients[0]), ("assistant", assistant, patients[1]))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in results.values())
    assert statuses == [200, 302]
    loser = next(response for response in results.values() if response.status_code == 200)
    assert "already booked" in loser.content.decode()
    with tenant_context(tenant.id):
        assert Appointment.objects.filter(doctor=doctor).count() == 1


def test_an_operator_changes_and_cancels_inside_the_clinics_tenant_context(clinic):
    tenant, owner, _ = clinic
    doctor = DoctorFactory(tenant=tenant)
    AvailabilityRuleFactory(doctor=doctor)
    patient = PatientFactory(tenant=tenant)
    owner.post("/admin/appointments/appointment/add/", _booking(patient, doctor))
    with tenant_context(tenant.id):
        appointment = Appointment.objects.get(patient=patient)
    operator = make_operator(f"op-{tenant.id.hex}")
    console = _console(operator)
    with _spy(scheduling, "appointment_update") as update:
        response = console.post(
            f"/admin/appointments/appointment/{appointment.id}/change/",
            {**_booking(patient, doctor, state="confirmed"), "tenant": tenant.id},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert update.call_args.kwargs["appointment"]._state.db == "default"  # never the console alias
    with tenant_context(tenant.id):
        assert Appointment.objects.get(pk=appointment.pk).state == "confirmed"
        audit = AuditEvent.objects.filter(object_pk=str(appointment.pk), action=AuditEvent.Action.UPDATE).get()
    assert audit.actor_id == operator.id and audit.origin == "console"
    assert _events(tenant, object_id=appointment.id)[-1] == "appointment.state_changed"


# Catalogs, clinics, closed days ----------------------------------------------------------------------------


def test_clinics_catalogs_and_closed_days_go_through_their_services(clinic):
    tenant, owner, _ = clinic
    with _spy(scheduling, "clinic_create") as create:
        assert (
            owner.post("/admin/appointments/clinic/add/", {"name": "Sede Norte", "address": "Cl 1"}).status_code == 302
        )
    assert create.call_count == 1
    twin = owner.post("/admin/appointments/clinic/add/", {"name": "Sede Norte"})
    assert twin.status_code == 200 and "already exists" in twin.content.decode()
    with tenant_context(tenant.id):
        sede = Clinic.objects.get(name="Sede Norte")
    with _spy(scheduling, "clinic_update") as update:
        owner.post(f"/admin/appointments/clinic/{sede.id}/change/", {"name": "Sede Norte", "address": "Cl 2"})
    assert update.call_count == 1
    assert owner.get(f"/admin/appointments/clinic/{sede.id}/delete/").status_code == 403

    with _spy(scheduling, "catalog_entry_create") as add_code:
        assert (
            owner.post("/admin/appointments/modality/add/", {"code": "teleorientacion", "name": "Tele"}).status_code
            == 302
        )
    assert add_code.call_count == 1
    assert (
        "already" in owner.post("/admin/appointments/modality/add/", {"code": "virtual", "name": "x"}).content.decode()
    )
    with tenant_context(tenant.id):
        entry = Modality.objects.get(code="teleorientacion")
    with _spy(scheduling, "catalog_entry_update") as rename, _spy(scheduling, "catalog_entry_delete") as remove:
        owner.post(f"/admin/appointments/modality/{entry.id}/change/", {"name": "Teleorientación"})
        owner.post(f"/admin/appointments/modality/{entry.id}/delete/", {"post": "yes"})
    assert (rename.call_count, remove.call_count) == (1, 1)

    with _spy(scheduling, "closed_day_create") as close:
        assert (
            owner.post(
                "/admin/appointments/closedday/add/", {"date": "2030-12-24", "name": "Nochebuena", "source": "clinic"}
            ).status_code
            == 302
        )
    assert close.call_count == 1
    again = owner.post("/admin/appointments/closedday/add/", {"date": "2030-12-24", "name": "x", "source": "clinic"})
    assert again.status_code == 200 and "already a closed day" in again.content.decode()
    with tenant_context(tenant.id):
        day = ClosedDay.objects.get()
    with _spy(scheduling, "closed_day_delete") as reopen:
        owner.post("/admin/appointments/closedday/", {"action": "reopen_days", "_selected_action": [str(day.id)]})
    assert reopen.call_count == 1


# Tenancy: keys, staff, tenants, roles; webhooks ------------------------------------------------------------


def test_keys_staff_tenants_and_roles_go_through_their_services(clinic):
    tenant, owner, owner_user = clinic
    key, _ = make_api_key(tenant, name="n8n")
    with _spy(api_keys, "api_key_update") as rename:
        owner.post(
            f"/admin/tenants/tenantapikey/{key.id}/change/",
            {"name": "n8n prod", "expiry_date_0": "", "expiry_date_1": ""},
        )
    assert rename.call_count == 1
    with _spy(api_keys, "api_key_revoke") as revoke:
        owner.post("/admin/tenants/tenantapikey/", {"action": "revoke_keys", "_selected_action": [str(key.id)]})
    assert revoke.call_count == 1
    with tenant_context(tenant.id):
        assert TenantAPIKey.objects.get(pk=key.pk).revoked

    with _spy(tenant_services, "staff_save") as save:
        owner.post(
            "/admin/tenants/user/add/",
            {
                "username": f"rec-{tenant.id.hex}",
                "usable_password": "true",
                "password1": "Otra-clave-9",
                "password2": "Otra-clave-9",
            },
        )
    assert save.call_count == 1
    with tenant_context(tenant.id):
        staff = User.objects.get(username=f"rec-{tenant.id.hex}")
    with _spy(tenant_services, "staff_password_set") as password:
        owner.post(
            f"/admin/tenants/user/{staff.id}/password/",
            {"password1": "Nueva-clave-77", "password2": "Nueva-clave-77", "usable_password": "true"},
        )
    assert password.call_count == 1

    operator = _console(make_operator(f"op-{tenant.id.hex}"))
    with _spy(tenant_services, "tenant_create") as create, _spy(tenant_services, "tenant_update") as update:
        operator.post(
            "/admin/tenants/tenant/add/",
            {
                "name": "Clínica Nueva",
                "timezone": "America/Bogota",
                "is_active": "on",
                "reminder_lead_minutes": "60",
                "minimum_notice_minutes": "0",
                "hold_max_ttl_seconds": "900",
            },
        )
    assert create.call_count == 1 and update.call_count == 1
    with operator_access() as alias:
        created = Tenant.objects.using(alias).get(name="Clínica Nueva")
    assert created.reminder_lead_minutes == 60
    with _spy(tenant_services, "role_save") as role:
        operator.post("/admin/auth/group/add/", {"name": f"Soporte {tenant.id.hex[:6]}", "permissions": []})
    assert role.call_count == 1


def test_webhook_endpoints_and_deliveries_go_through_their_services(clinic, settings):
    from webhooks import admin as webhook_admin
    from webhooks import services as webhook_services
    from webhooks.models import Delivery, WebhookEndpoint
    from webhooks.tests.conftest import register

    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    tenant, _, _ = clinic
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_X_API_KEY=make_api_key(tenant, scopes=["read", "write", "admin"])[1])
    endpoint = register(api, "http://127.0.0.1:9/hook")
    api.post(
        "/v1/patients",
        {"firstName": "A", "firstLastName": "B", "documentTypeId": 1, "documentNumber": "9"},
        format="json",
    )
    operator = _console(make_operator(f"op-{tenant.id.hex}"))
    with _spy(webhook_services, "endpoint_update") as update:
        operator.post(
            f"/admin/webhooks/webhookendpoint/{endpoint['id']}/change/",
            {"url": "http://127.0.0.1:9/hook", "description": "n8n", "event_types": "", "enabled": "on"},
        )
    assert update.call_count == 1
    with tenant_context(tenant.id):
        delivery = Delivery.objects.get(endpoint_id=endpoint["id"])
        assert WebhookEndpoint.objects.get(pk=endpoint["id"]).description == "n8n"
    with _spy(webhook_admin, "delivery_redeliver") as resend:
        operator.post("/admin/webhooks/delivery/", {"action": "resend", "_selected_action": [str(delivery.id)]})
    assert resend.call_count == 1
    with _spy(webhook_services, "endpoint_delete") as delete:
        operator.post(f"/admin/webhooks/webhookendpoint/{endpoint['id']}/delete/", {"post": "yes"})
    assert delete.call_count == 1


# Holds and appointment types (issue 18) --------------------------------------------------------------------


def test_staff_see_the_clinics_holds_and_types_and_the_front_desk_books_over_a_hold(clinic):
    tenant, owner, _ = clinic
    assistant = _console(make_staff(tenant, roles.ASSISTANT))
    doctor = DoctorFactory(tenant=tenant, document_number="99999999")
    AvailabilityRuleFactory(doctor=doctor)
    patient = PatientFactory(tenant=tenant, document_number="12345678")
    start = datetime.datetime(2030, 9, 26, 15, 0, tzinfo=UTC)  # 10:00 Bogotá
    with tenant_context(tenant.id):
        hold = scheduling.hold_create(tenant=Tenant.objects.get(pk=tenant.id), doctor=doctor, start=start)
    for client in (owner, assistant):
        page = client.get("/admin/appointments/slothold/")
        assert page.status_code == 200 and "2030-09-26 10:00" in page.content.decode()
        assert client.get(f"/admin/appointments/slothold/{hold.pk}/change/").status_code == 200
    types = owner.get("/admin/appointments/appointmenttype/").content.decode()
    assert "primera_vez" in types and "control" in types
    with tenant_context(tenant.id):
        default = catalogs.appointment_type_find("control")
    owner.post(f"/admin/appointments/appointmenttype/{default.pk}/delete/", {"post": "yes"})
    with tenant_context(tenant.id):
        assert catalogs.appointment_type_find("control") is not None  # refused, with a message

    # The front desk books over the hold (an API key without the overbook scope could not).
    response = owner.post("/admin/appointments/appointment/add/", _booking(patient, doctor, 10))
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(tenant.id):
        assert Appointment.objects.filter(doctor=doctor, start=start).count() == 1
