"""Every console form offers only rows of the staff member's own tenant (and, to an operator editing a
clinic's row, only that clinic's rows): a walk over every admin form and inline field that references a
tenant model."""

import datetime
import uuid
from datetime import UTC

import pytest
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in
from django.test import RequestFactory

from appointments.models import Appointment, Clinic
from appointments.tests.factories import DoctorFactory
from patients.tests.factories import PatientFactory
from tenants import roles
from tenants.auth import last_login_update
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory, make_operator, make_staff

pytestmark = [pytest.mark.isolation, pytest.mark.usefixtures("committed_db")]


def _is_tenant_model(model) -> bool:
    return any(field.column == "tenant_id" for field in model._meta.concrete_fields)


def _clinic_with_everything(name: str):
    tenant = TenantFactory(name=name)
    doctor_login = make_staff(tenant, roles.DOCTOR, username=f"dr-{tenant.id.hex}")
    doctor = DoctorFactory(tenant=tenant, user=doctor_login)
    patient = PatientFactory(tenant=tenant)
    with tenant_context(tenant.id):
        clinic = Clinic.objects.create(tenant=tenant, name=f"Sede {name}")
        start = datetime.datetime(2031, 3, 4, 15, tzinfo=UTC)
        Appointment.objects.create(
            tenant=tenant,
            doctor=doctor,
            patient=patient,
            clinic=clinic,
            start=start,
            end=start + datetime.timedelta(minutes=30),
        )
    return tenant


def _offered_tenants(request, model_admin, obj) -> dict[str, set]:
    """{form field: tenant ids of the rows it offers} for the admin's form and inline forms."""
    offered = {}
    forms = [("form", model_admin.get_form(request, obj))]
    forms += [
        (type(inline).__name__, formset.form) for formset, inline in model_admin.get_formsets_with_inlines(request, obj)
    ]
    for label, form_class in forms:
        for name, field in form_class.base_fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and _is_tenant_model(queryset.model):
                offered[f"{type(model_admin).__name__}.{label}.{name}"] = set(
                    queryset.values_list("tenant_id", flat=True)
                )
    return offered


def _walk(request, *, pick_obj):
    offered = {}
    for model, model_admin in admin.site._registry.items():
        obj = pick_obj(model, model_admin)
        offered.update(_offered_tenants(request, model_admin, obj))
    return offered


def test_every_console_form_offers_only_the_staff_members_tenant():
    a, b = _clinic_with_everything("A"), _clinic_with_everything("B")
    owner = make_staff(a, roles.OWNER, username=f"owner-{uuid.uuid4().hex}")
    request = RequestFactory().get("/admin/")
    request.user = owner
    with tenant_context(a.id):
        offered = _walk(request, pick_obj=lambda model, model_admin: None)
        offered |= _walk(
            request,
            pick_obj=lambda model, model_admin: (
                model_admin.get_queryset(request).first() if _is_tenant_model(model) else None
            ),
        )
    checked = {name for name, tenants in offered.items() if tenants}
    # The walk reached the fields that matter: the appointment's patient, doctor and clinic, the doctor's login.
    assert {
        "AppointmentAdmin.form.patient",
        "AppointmentAdmin.form.doctor",
        "AppointmentAdmin.form.clinic",
        "DoctorAdmin.form.user",
    } <= checked
    leaks = {name: tenants for name, tenants in offered.items() if tenants - {a.id}}
    assert leaks == {}
    assert b.id not in set().union(*offered.values())


def test_an_operator_editing_a_clinics_row_is_offered_only_that_clinics_rows():
    a = _clinic_with_everything("A")
    _clinic_with_everything("B")
    request = RequestFactory().get("/admin/")
    request.user = make_operator(f"op-{uuid.uuid4().hex}")
    with operator_access():
        offered = _walk(
            request,
            pick_obj=lambda model, model_admin: (
                model_admin.get_queryset(request).filter(tenant_id=a.id).first() if _is_tenant_model(model) else None
            ),
        )
    assert "AppointmentAdmin.form.patient" in offered and "DoctorAdmin.form.user" in offered
    assert {name: tenants for name, tenants in offered.items() if tenants - {a.id}} == {}


def test_last_login_is_written_by_secres_receiver_only():
    receivers = [ref() for _, ref, *_ in user_logged_in.receivers]
    names = [f"{r.__module__}.{r.__name__}" for r in receivers if r is not None]
    assert f"{last_login_update.__module__}.last_login_update" in names
    assert "django.contrib.auth.models.update_last_login" not in names


def test_console_refusals_are_messages_not_errors():
    """A superuser with a clinic, a cross-clinic pick by an operator, customFields past the limits."""
    from django.test import Client

    a, b = _clinic_with_everything("A"), _clinic_with_everything("B")
    operator = Client()
    operator.force_login(make_operator(f"op-{uuid.uuid4().hex}"))
    with tenant_context(b.id):
        b_login = make_staff(b, roles.DOCTOR, username=f"free-{uuid.uuid4().hex}")
    cross = operator.post(
        "/admin/appointments/doctor/add/",
        {
            "tenant": a.id,
            "document_type": 1,
            "document_number": "70707070",
            "first_name": "X",
            "first_last_name": "Y",
            "user": b_login.id,
            "is_active": "on",
            "availability_rules-TOTAL_FORMS": 0,
            "availability_rules-INITIAL_FORMS": 0,
            "blocked_times-TOTAL_FORMS": 0,
            "blocked_times-INITIAL_FORMS": 0,
        },
    )
    assert cross.status_code == 200 and "not a record of this clinic" in cross.content.decode()
    with tenant_context(a.id):
        staff = make_staff(a, roles.ASSISTANT, username=f"staff-{uuid.uuid4().hex}")
    promoted = operator.post(
        f"/admin/tenants/user/{staff.id}/change/",
        {
            "username": staff.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "tenant": a.id,
            "date_joined_0": "2030-01-01",
            "date_joined_1": "00:00",
        },
    )
    assert promoted.status_code == 200 and "belongs to no clinic" in promoted.content.decode()
    owner = Client()
    owner.force_login(make_staff(a, roles.OWNER, username=f"owner2-{uuid.uuid4().hex}"))
    deep = "{}"
    for _ in range(40):
        deep = '{"n": ' + deep + "}"
    form = {
        "first_name": "R",
        "first_last_name": "S",
        "document_type": 1,
        "document_number": "919191",
        "custom_fields": deep,
        "appointments-TOTAL_FORMS": 0,
        "appointments-INITIAL_FORMS": 0,
    }
    refused = owner.post("/admin/patients/patient/add/", form)
    assert refused.status_code == 200 and "levels of nesting" in refused.content.decode()
