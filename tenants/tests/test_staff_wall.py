"""Staff, memberships, roles and sessions behind the wall: what one SQL bug on an API connection
(the runtime role, raw SQL) can no longer do, and that staff still sign in and work."""

import json
import os
import uuid
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import ProgrammingError, connection, transaction
from django.test import Client
from django.utils import timezone

from tenants import roles
from tenants.bypass import operator_access
from tenants.context import tenant_context
from tenants.models import User
from tenants.sessions import row_key
from tenants.tests.factories import STAFF_PASSWORD, TenantFactory, make_operator, make_staff

pytestmark = [pytest.mark.isolation, pytest.mark.usefixtures("committed_db")]


def _rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rowcount(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _refused(sql, params=(), match="row-level security|permission denied"):
    with pytest.raises(ProgrammingError, match=match), transaction.atomic():
        _rowcount(sql, params)


@pytest.fixture
def clinics():
    a, b = TenantFactory(name="Clínica A"), TenantFactory(name="Clínica B")
    owner_a = make_staff(a, roles.OWNER)
    assistant_b = make_staff(b, roles.ASSISTANT)
    operator = make_operator(f"op-{uuid.uuid4().hex}")
    return a, b, owner_a, assistant_b, operator


def _sign_in(username: str, password: str = STAFF_PASSWORD) -> Client:
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    assert response.status_code == 302 and response["Location"] == "/admin/", response.content.decode()[:500]
    return client


def test_no_staff_row_or_password_hash_is_visible_without_a_tenant(clinics):
    assert _rows("SELECT count(*) FROM tenants_user") == [(0,)]
    assert _rows("SELECT password FROM tenants_user") == []
    assert _rows("SELECT count(*) FROM tenants_user_groups") == [(0,)]
    # Even a raw attempt at the sign-in role's door is refused to the runtime role.
    _refused("SET ROLE secre_auth", match="permission denied")
    _refused("SET ROLE secre_operator", match="permission denied")


def test_no_update_of_any_staff_row_and_no_promotion_even_in_its_own_tenant(clinics):
    a, b, owner_a, assistant_b, operator = clinics
    assert _rowcount("UPDATE tenants_user SET tenant_id = NULL, is_superuser = true") == 0
    assert _rowcount("DELETE FROM tenants_user") == 0
    with tenant_context(a.id):
        assert _rows("SELECT id FROM tenants_user") == [(owner_a.id,)]
        # Another tenant's staff and the operator are out of reach.
        assert (
            _rowcount("UPDATE tenants_user SET first_name = 'x' WHERE id IN (%s, %s)", [assistant_b.id, operator.id])
            == 0
        )
        _refused("UPDATE tenants_user SET is_superuser = true WHERE id = %s", [owner_a.id])
        _refused("UPDATE tenants_user SET tenant_id = NULL WHERE id = %s", [owner_a.id])
        _refused("UPDATE tenants_user SET tenant_id = %s WHERE id = %s", [b.id, owner_a.id])
        # is_staff stays the Owner's to give within the clinic.
        assert _rowcount("UPDATE tenants_user SET is_staff = true WHERE id = %s", [owner_a.id]) == 1
    with operator_access() as alias:
        assert User.objects.using(alias).get(pk=owner_a.pk).is_superuser is False


_INSERT_USER = """INSERT INTO tenants_user (id, password, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined, tenant_id) VALUES (%s, 'x', %s, %s, '', '', '', true, true, now(), %s)"""


def test_no_insert_of_an_operator_a_superuser_or_another_tenants_staff(clinics):
    a, b, *_ = clinics
    _refused(_INSERT_USER, [uuid.uuid4(), False, f"u-{uuid.uuid4().hex}", None])
    with tenant_context(a.id):
        _refused(_INSERT_USER, [uuid.uuid4(), False, f"u-{uuid.uuid4().hex}", None])
        _refused(_INSERT_USER, [uuid.uuid4(), True, f"u-{uuid.uuid4().hex}", a.id])
        _refused(_INSERT_USER, [uuid.uuid4(), False, f"u-{uuid.uuid4().hex}", b.id])
        assert _rowcount(_INSERT_USER, [uuid.uuid4(), False, f"u-{uuid.uuid4().hex}", a.id]) == 1


def test_roles_and_permissions_cannot_be_written_and_memberships_stay_in_the_tenant(clinics):
    a, b, owner_a, assistant_b, _ = clinics
    export = Permission.objects.get(codename="export_patient")
    assistant_group = Group.objects.get(name=roles.ASSISTANT)
    _refused("INSERT INTO auth_group (name) VALUES ('Escalated')", match="permission denied")
    _refused(
        "INSERT INTO auth_group_permissions (group_id, permission_id) VALUES (%s, %s)",
        [assistant_group.id, export.id],
        match="permission denied",
    )
    _refused("UPDATE auth_permission SET codename = codename", match="permission denied")
    _refused("SELECT count(*) FROM django_session", match="permission denied")
    for table in ("axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"):
        _refused(f"SELECT count(*) FROM {table}", match="permission denied")  # failed sign-ins: usernames
        _refused(f"DELETE FROM {table}", match="permission denied")  # lifting every lockout
    with tenant_context(a.id):
        assert {row[0] for row in _rows("SELECT user_id FROM tenants_user_groups")} == {owner_a.id}
        _refused(
            "INSERT INTO tenants_user_user_permissions (user_id, permission_id) VALUES (%s, %s)",
            [assistant_b.id, export.id],
        )
        assert _rowcount("DELETE FROM tenants_user_groups WHERE user_id = %s", [assistant_b.id]) == 0
    with tenant_context(b.id):
        assert {row[0] for row in _rows("SELECT user_id FROM tenants_user_groups")} == {assistant_b.id}


def test_no_session_row_can_be_used_to_sign_in(clinics):
    _, _, owner_a, *_ = clinics
    signed_in = _sign_in(owner_a.username)
    cookie = signed_in.cookies["sessionid"].value
    assert signed_in.get("/admin/").status_code == 200
    rows = _rows(
        "SELECT session_key, session_data FROM tenants_consolesession WHERE session_key = %s", [row_key(cookie)]
    )
    assert len(rows) == 1 and cookie not in rows[0][0]
    stolen_key, stolen_data = rows[0]

    thief = Client()
    thief.cookies["sessionid"] = stolen_key  # the row's key is not a cookie
    assert thief.get("/admin/").status_code == 302

    # The thief's own (anonymous) session row, overwritten with the victim's signed data.
    thief = Client()
    thief.get("/admin/login/")  # sets a CSRF cookie, not yet a session; make one:
    own = thief.session
    own["visited"] = True
    own.save()
    thief.cookies["sessionid"] = own.session_key
    assert (
        _rowcount(
            "UPDATE tenants_consolesession SET session_data = %s WHERE session_key = %s",
            [stolen_data, row_key(own.session_key)],
        )
        == 1
    )
    assert thief.get("/admin/").status_code == 302

    # Logout still revokes: the row is deleted and the old cookie is signed out.
    assert signed_in.post("/admin/logout/").status_code == 200
    assert _rows("SELECT count(*) FROM tenants_consolesession WHERE session_key = %s", [row_key(cookie)]) == [(0,)]
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get("/admin/").status_code == 302


def test_staff_sign_in_records_last_login_and_keeps_their_role(clinics):
    a, b, owner_a, assistant_b, _ = clinics
    before = timezone.now()
    owner = _sign_in(owner_a.username)
    assert owner.get("/admin/patients/patient/").status_code == 200
    assert owner.get("/admin/tenants/tenantapikey/").status_code == 200
    with tenant_context(a.id):
        assert User.objects.get(pk=owner_a.pk).last_login >= before
    assistant = _sign_in(assistant_b.username)
    assert assistant.get("/admin/patients/patient/").status_code == 200
    assert assistant.get("/admin/tenants/tenantapikey/").status_code == 403
    with tenant_context(b.id):
        assert User.objects.get(pk=assistant_b.pk).last_login >= before
    wrong = Client().post("/admin/login/", {"username": owner_a.username, "password": "not-it"})
    assert wrong.status_code == 200 and "sessionid" not in wrong.cookies


def test_a_non_superuser_operator_signs_in_with_its_group_permissions(clinics):
    a, b, *_ = clinics
    support = make_operator(f"support-{uuid.uuid4().hex}", superuser=False)
    with operator_access() as alias:
        group, _ = Group.objects.using(alias).get_or_create(name=f"Platform support {uuid.uuid4().hex[:6]}")
        group.permissions.set(Permission.objects.using(alias).filter(codename__in=["view_tenant", "view_patient"]))
        User.objects.using(alias).get(pk=support.pk).groups.add(group)
    before = timezone.now()
    client = _sign_in(support.username)
    assert client.get("/admin/tenants/tenant/").status_code == 200
    page = client.get("/admin/tenants/tenant/").content.decode()
    assert "Clínica A" in page and "Clínica B" in page
    assert client.get("/admin/patients/patient/").status_code == 200
    assert client.get("/admin/patients/patient/add/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    with operator_access() as alias:
        assert User.objects.using(alias).get(pk=support.pk).last_login >= before


def test_an_owner_cannot_take_a_username_another_clinic_holds(clinics):
    a, _, owner_a, assistant_b, _ = clinics
    owner = _sign_in(owner_a.username)
    form = {
        "username": assistant_b.username,
        "usable_password": "true",
        "password1": "Otra-clave-9",
        "password2": "Otra-clave-9",
    }
    response = owner.post("/admin/tenants/user/add/", form)
    assert response.status_code == 200
    assert "This username is not available." in response.content.decode()
    form["username"] = f"nuevo-{uuid.uuid4().hex}"
    response = owner.post("/admin/tenants/user/add/", form)
    assert response.status_code == 302, response.content.decode()[:1500]
    with tenant_context(a.id):
        created = User.objects.get(username=form["username"])
    assert created.tenant_id == a.id and not created.is_superuser
    # The Owner's list shows only the clinic's staff.
    listing = owner.get("/admin/tenants/user/").content.decode()
    assert owner_a.username in listing and assistant_b.username not in listing


def test_createsuperuser_and_create_staff_work_through_their_paths(clinics):
    a, *_ = clinics
    name = f"root-{uuid.uuid4().hex}"
    os.environ["DJANGO_SUPERUSER_PASSWORD"] = STAFF_PASSWORD
    try:
        call_command(
            "createsuperuser", "--noinput", "--username", name, "--email", "ops@example.com", stdout=StringIO()
        )
    finally:
        del os.environ["DJANGO_SUPERUSER_PASSWORD"]
    with operator_access() as alias:
        root = User.objects.using(alias).get(username=name)
    assert root.is_superuser and root.tenant_id is None
    assert _sign_in(name).get("/admin/tenants/tenant/").status_code == 200

    out = StringIO()
    call_command(
        "create_staff",
        "--tenant",
        str(a.id),
        "--role",
        "assistant",
        "--username",
        f"rec-{a.id.hex}",
        "--json",
        stdout=out,
    )
    created = json.loads(out.getvalue())
    assert created["role"] == "assistant" and created["password"]
    assistant = _sign_in(created["username"], created["password"])
    assert assistant.get("/admin/patients/patient/").status_code == 200
    with tenant_context(a.id):
        user = User.objects.get(pk=created["userId"])
        assert list(user.groups.values_list("name", flat=True)) == [roles.ASSISTANT]

    given = StringIO("Una-clave-larga-7\n")
    out = StringIO()
    call_command(
        "create_staff",
        "--tenant",
        str(a.id),
        "--role",
        "doctor",
        "--username",
        f"dr-{a.id.hex}",
        "--password-stdin",
        "--json",
        stdin=given,
        stdout=out,
    )
    assert json.loads(out.getvalue())["password"] is None
    _sign_in(f"dr-{a.id.hex}", "Una-clave-larga-7")
    with pytest.raises(Exception, match="not available"):
        call_command("create_staff", "--tenant", str(a.id), "--role", "owner", "--username", name, stdout=StringIO())
