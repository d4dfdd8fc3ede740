"""The operator console (Django admin): tenant-scoped by RLS for staff, everything for operators."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from appointments.tests.factories import DoctorFactory
from patients.tests.factories import PatientFactory
from tenants import roles
from tenants.context import tenant_context
from tenants.models import TenantAPIKey
from tenants.tests.factories import TenantFactory, make_operator, make_staff

pytestmark = pytest.mark.usefixtures("committed_db")


def staff(tenant, role=roles.OWNER, username=None):
    return make_staff(tenant, role, username)


def operator():
    return make_operator(f"op-{TenantFactory().id.hex}")


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_clinics():
    a, b = TenantFactory(name="Clínica A"), TenantFactory(name="Clínica B")
    ana = PatientFactory(tenant=a, first_name="Ana", first_last_name="Aranda", document_number="111")
    beto = PatientFactory(tenant=b, first_name="Beto", first_last_name="Bernal", document_number="222")
    return a, b, ana, beto


def test_staff_see_only_their_clinic_and_get_404_for_anothers_ids(two_clinics):
    a, b, ana, beto = two_clinics
    client = console(staff(a))
    listing = client.get("/admin/patients/patient/")
    assert listing.status_code == 200
    assert "Aranda" in listing.content.decode() and "Bernal" not in listing.content.decode()
    assert "Aranda" in client.get("/admin/patients/patient/", {"q": "111"}).content.decode()
    assert "Bernal" not in client.get("/admin/patients/patient/", {"q": "222"}).content.decode()
    assert client.get(f"/admin/patients/patient/{ana.id}/change/").status_code == 200
    crafted = client.get(f"/admin/patients/patient/{beto.id}/change/")
    assert crafted.status_code == 404
    assert str(beto.id) not in crafted.content.decode() and "Bernal" not in crafted.content.decode()


def test_an_operator_sees_every_clinic(two_clinics):
    _, _, ana, beto = two_clinics
    client = console(operator())
    page = client.get("/admin/patients/patient/", {"q": "Aranda"}).content.decode()
    assert "Aranda" in page
    assert "Bernal" in client.get("/admin/patients/patient/", {"q": "Bernal"}).content.decode()
    assert client.get(f"/admin/patients/patient/{beto.id}/change/").status_code == 200
    assert "Clínica B" in client.get("/admin/tenants/tenant/").content.decode()


def test_staff_edits_stay_in_their_clinic_and_leave_no_admin_log(two_clinics):
    a, _, ana, _ = two_clinics
    client = console(staff(a))
    response = client.post(
        "/admin/patients/patient/add/",
        {
            "first_name": "Nueva",
            "first_last_name": "Paciente",
            "document_type": 1,
            "document_number": "333",
            "custom_fields": "{}",
            "appointments-TOTAL_FORMS": 0,
            "appointments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(a.id):
        from patients.models import Patient

        assert Patient.objects.filter(document_number="333").exists()
    assert not LogEntry.objects.exists()


def test_assistant_cannot_delete_patients_or_see_api_keys(two_clinics):
    a, _, ana, _ = two_clinics
    client = console(staff(a, roles.ASSISTANT))
    assert client.get(f"/admin/patients/patient/{ana.id}/change/").status_code == 200
    assert client.get(f"/admin/patients/patient/{ana.id}/delete/").status_code == 403
    assert client.get("/admin/tenants/tenantapikey/").status_code == 403
    assert client.get("/admin/patients/patient/export/").status_code == 403


def test_owner_exports_patients_as_csv(two_clinics):
    a, _, _, _ = two_clinics
    client = console(staff(a))
    from patients.admin import PatientResource

    chosen = {f"patientresource_{name}": "on" for name in PatientResource._meta.fields}
    response = client.post("/admin/patients/patient/export/", {"format": "0", "resource": "0", **chosen})
    assert response.status_code == 200, response.content.decode()[:500]
    body = response.content.decode()
    assert "Aranda" in body and "Bernal" not in body


def test_owner_creates_an_api_key_and_sees_it_once(two_clinics):
    a, *_ = two_clinics
    client = console(staff(a))
    response = client.post("/admin/tenants/tenantapikey/add/", {"name": "n8n", "scopes": ["read", "write"]})
    assert response.status_code == 200
    html = response.content.decode()
    with tenant_context(a.id):
        api_key = TenantAPIKey.objects.get(name="n8n")
    assert f"{api_key.prefix}." in html
    assert "api-key-plaintext" in html
    assert not any(api_key.prefix in c.value for c in response.cookies.values())
    listing = client.get("/admin/tenants/tenantapikey/").content.decode()
    assert api_key.prefix in listing and html.split('id="api-key-plaintext"')[1][1:50] not in listing


def test_a_doctor_sees_their_own_agenda_only(two_clinics):
    import datetime
    from datetime import UTC

    from appointments.models import Appointment

    a, _, ana, _ = two_clinics
    user = staff(a, roles.DOCTOR)
    mine = DoctorFactory(tenant=a, user=user, first_last_name="Mía")
    other = DoctorFactory(tenant=a, first_last_name="Otra")
    start = datetime.datetime(2030, 9, 26, 15, tzinfo=UTC)
    with tenant_context(a.id):
        own = Appointment.objects.create(
            tenant=a, doctor=mine, patient=ana, start=start, end=start + datetime.timedelta(minutes=30)
        )
        second = PatientFactory(tenant=a)
        theirs = Appointment.objects.create(
            tenant=a, doctor=other, patient=second, start=start, end=start + datetime.timedelta(minutes=30)
        )
    client = console(user)
    assert client.get(f"/admin/appointments/appointment/{own.id}/change/").status_code == 200
    assert client.get(f"/admin/appointments/appointment/{theirs.id}/change/").status_code == 404
    response = client.post(
        f"/admin/appointments/appointment/{own.id}/change/", {"state": "no_show", "notes": "No asistió"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(a.id):
        own.refresh_from_db()
    assert own.state == "no_show" and own.notes == "No asistió"


def test_five_failed_logins_lock_the_account():
    from axes.utils import reset

    user = staff(TenantFactory(), username="lockme")
    client = Client(REMOTE_ADDR="198.51.100.7")  # a documentation address: other tests sign in from 127.0.0.1
    try:
        for _ in range(5):
            client.post("/admin/login/", {"username": "lockme", "password": "wrong"})
        locked = client.post("/admin/login/", {"username": "lockme", "password": "S3cre-pass!"})
        assert locked.status_code == 429
        assert user.password.startswith("argon2")
    finally:
        reset(ip="198.51.100.7", username="lockme")


def test_a_lockout_holds_one_username_at_one_address_only():
    from axes.utils import reset

    tenant = TenantFactory()
    target, colleague = staff(tenant, username=f"target-{tenant.id.hex}"), staff(tenant, roles.ASSISTANT)
    attacker = Client(REMOTE_ADDR="198.51.100.8")
    try:
        for _ in range(5):
            attacker.post("/admin/login/", {"username": target.username, "password": "wrong"})
        assert (
            attacker.post("/admin/login/", {"username": target.username, "password": "S3cre-pass!"}).status_code == 429
        )
        # The same address can still sign in as anyone else...
        other = Client(REMOTE_ADDR="198.51.100.8")
        assert (
            other.post("/admin/login/", {"username": colleague.username, "password": "S3cre-pass!"}).status_code == 302
        )
        # ...and the target, from their own desk.
        desk = Client(REMOTE_ADDR="198.51.100.9")
        assert desk.post("/admin/login/", {"username": target.username, "password": "S3cre-pass!"}).status_code == 302
    finally:
        reset(ip="198.51.100.8")


def test_behind_the_trusted_proxy_axes_sees_the_forwarded_client(settings):
    from axes.models import AccessAttempt
    from axes.utils import reset

    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/8"]
    user = staff(TenantFactory(), username=f"prox-{TenantFactory().id.hex}")
    client = Client(REMOTE_ADDR="10.0.0.5")
    try:
        client.post(
            "/admin/login/", {"username": user.username, "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.44"
        )
        assert AccessAttempt.objects.filter(username=user.username).values_list("ip_address", flat=True).get() == (
            "198.51.100.44"
        )
    finally:
        reset(username=user.username)


def test_console_changes_are_audited_with_the_staff_member(two_clinics):
    from audit.models import AuditEvent

    a, _, ana, _ = two_clinics
    owner = staff(a)
    client = console(owner)
    response = client.post(
        f"/admin/patients/patient/{ana.id}/change/",
        {
            "first_name": "Ana María",
            "first_last_name": "Aranda",
            "document_type": 1,
            "document_number": "111",
            "custom_fields": "{}",
            "appointments-TOTAL_FORMS": 0,
            "appointments-INITIAL_FORMS": 0,
        },
        HTTP_X_REQUEST_ID="console-req-1",
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    with tenant_context(a.id):
        event = AuditEvent.objects.filter(object_pk=str(ana.id), action=AuditEvent.Action.UPDATE).get()
    assert event.actor_id == owner.id and event.origin == "console" and event.request_id == "console-req-1"
    assert "first_name" in event.changes and "Ana María" not in str(event.changes)


def test_console_patient_changes_emit_events(two_clinics):
    from webhooks.models import Event

    a, _, ana, _ = two_clinics
    client = console(staff(a))
    form = {
        "first_name": "Ana Lucía",
        "first_last_name": "Aranda",
        "document_type": 1,
        "document_number": "111",
        "custom_fields": "{}",
        "appointments-TOTAL_FORMS": 0,
        "appointments-INITIAL_FORMS": 0,
    }
    assert client.post(f"/admin/patients/patient/{ana.id}/change/", form).status_code == 302
    with tenant_context(a.id):
        event = Event.objects.get(object_id=ana.id)
    assert event.type == "patient.updated" and event.data["firstName"] == "Ana Lucía"
