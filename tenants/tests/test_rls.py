"""Row-level security at the SQL level, as the runtime role: the wall itself."""

import uuid

import pytest
from django.apps import apps
from django.db import IntegrityError, ProgrammingError, connection, connections, transaction

from patients.tests.factories import PatientFactory
from tenants.context import current_tenant_id, tenant_context
from tenants.models import Tenant, User
from tenants.rls import POLICY_NAME, RUNTIME_ROLE, STAFF_GUARD_POLICY_NAME, AddTenantForeignKey

pytestmark = [pytest.mark.isolation, pytest.mark.django_db]

# Foreign keys between tenant tables that deliberately have no same-tenant composite twin, and why.
CROSS_TENANT_REFERENCES = {
    ("auditevent", "actor"): "platform operators (no tenant) act inside tenants; their changes name them",
}
# Tables without a tenant column of their own, isolated through the staff member they belong to.
MEMBERSHIP_TABLES = ("tenants_user_groups", "tenants_user_user_permissions")


def _scalar(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_tests_run_as_a_runtime_role_that_cannot_bypass_rls():
    row = None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb"
            " FROM pg_roles WHERE rolname = current_user"
        )
        row = cursor.fetchone()
    assert row == (RUNTIME_ROLE, False, False, False, False)
    owned = _scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = current_user"
    )
    assert owned == 0
    # Not a member of any other role (so it cannot SET ROLE to the owner or the key-lookup role).
    memberships = _scalar(
        "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = current_user"
    )
    assert memberships == 0


def _tenant_models():
    for model in apps.get_models():
        if model is Tenant or any(f.column == "tenant_id" for f in model._meta.concrete_fields):
            yield model


def test_every_tenant_table_has_forced_rls_policy_and_composite_keys():
    tables = {model._meta.db_table: model for model in _tenant_models()}
    assert "patients_patient" in tables and "tenants_tenantapikey" in tables
    with connection.cursor() as cursor:
        for table, model in tables.items():
            cursor.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [table])
            assert cursor.fetchone() == (True, True), f"{table}: RLS not enabled and forced"
            cursor.execute(
                "SELECT qual, with_check, cmd, roles FROM pg_policies WHERE tablename = %s AND policyname = %s",
                [table, POLICY_NAME],
            )
            policy = cursor.fetchone()
            assert policy is not None, f"{table}: no tenant policy"
            qual, with_check, cmd, roles = policy
            assert cmd == "ALL" and roles == [RUNTIME_ROLE], table
            assert "app.tenant_id" in qual and "app.tenant_id" in with_check, table
            assert " OR " not in qual.upper(), f"{table}: an OR branch defeats index scans"
            if model is Tenant:
                continue
            # UNIQUE (tenant_id, id), so rows can be referenced by composite foreign keys.
            cursor.execute(
                """SELECT count(*) FROM pg_constraint c
                   WHERE c.conrelid = %s::regclass AND c.contype = 'u'
                   AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
                        WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)) = ARRAY['id', 'tenant_id']""",
                [table],
            )
            assert cursor.fetchone()[0] == 1, f"{table}: missing UNIQUE (tenant_id, id)"
            # Every foreign key to another tenant table has a same-tenant composite twin.
            for field in model._meta.concrete_fields:
                target = getattr(field, "related_model", None)
                if target is None or target is Tenant or target not in tables.values():
                    continue
                if (model._meta.model_name, field.name) in CROSS_TENANT_REFERENCES:
                    continue
                cursor.execute(
                    """SELECT count(*) FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype = 'f'
                       AND c.confrelid = %s::regclass AND array_length(c.conkey, 1) = 2""",
                    [table, target._meta.db_table],
                )
                assert cursor.fetchone()[0] == 1, f"{table}.{field.name}: no composite tenant foreign key"


def test_staff_and_their_memberships_are_behind_the_wall():
    assert User in set(_tenant_models())
    with connection.cursor() as cursor:
        for table in MEMBERSHIP_TABLES:
            cursor.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [table])
            assert cursor.fetchone() == (True, True), table
            cursor.execute(
                "SELECT qual FROM pg_policies WHERE tablename = %s AND policyname = %s", [table, POLICY_NAME]
            )
            assert "app.tenant_id" in cursor.fetchone()[0], table
        cursor.execute(
            "SELECT permissive, roles, with_check FROM pg_policies WHERE tablename = 'tenants_user'"
            " AND policyname = %s",
            [STAFF_GUARD_POLICY_NAME],
        )
        permissive, policy_roles, with_check = cursor.fetchone()
        assert permissive == "RESTRICTIVE" and policy_roles == [RUNTIME_ROLE] and "is_superuser" in with_check


def test_with_a_tenant_set_select_sees_only_its_rows():
    a, b = PatientFactory(), PatientFactory()
    with tenant_context(a.tenant_id):
        ids = {row[0] for row in _rows("SELECT id FROM patients_patient")}
        assert ids == {a.id}
        assert _rows("SELECT id FROM patients_patient WHERE id = %s", [b.id]) == []
        assert _rows("SELECT id FROM tenants_tenant") == [(a.tenant_id,)]


def test_with_a_tenant_set_writes_to_another_tenants_rows_fail():
    a, b = PatientFactory(), PatientFactory()
    with tenant_context(a.tenant_id):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE patients_patient SET first_name = 'X' WHERE id = %s", [b.id])
            assert cursor.rowcount == 0
            cursor.execute("DELETE FROM patients_patient WHERE id = %s", [b.id])
            assert cursor.rowcount == 0
        # Moving one's own row into the other tenant, or inserting there, violates WITH CHECK.
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            _execute("UPDATE patients_patient SET tenant_id = %s WHERE id = %s", [b.tenant_id, a.id])
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            _insert_patient(tenant_id=b.tenant_id)
    with tenant_context(b.tenant_id):
        assert _rows("SELECT first_name FROM patients_patient WHERE id = %s", [b.id]) == [(b.first_name,)]


def test_with_no_tenant_set_nothing_is_visible_or_writable():
    patient = PatientFactory()
    assert current_tenant_id() is None
    assert _scalar("SELECT count(*) FROM patients_patient") == 0
    assert _scalar("SELECT count(*) FROM tenants_tenant") == 0
    assert _scalar("SELECT count(*) FROM tenants_tenantapikey") == 0
    with tenant_context(None):
        assert _scalar("SELECT count(*) FROM patients_patient") == 0
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            _insert_patient(tenant_id=patient.tenant_id)


def test_tenant_context_restores_the_outer_tenant_when_nested():
    a, b = PatientFactory(), PatientFactory()
    with tenant_context(a.tenant_id):
        with tenant_context(b.tenant_id):
            assert current_tenant_id() == b.tenant_id
        assert current_tenant_id() == a.tenant_id
        assert {r[0] for r in _rows("SELECT id FROM patients_patient")} == {a.id}
    assert current_tenant_id() is None


def test_the_runtime_role_cannot_read_key_rows_except_through_the_resolver():
    from tenants.tests.factories import TenantFactory, make_api_key

    key, _ = make_api_key(TenantFactory())
    assert _scalar("SELECT count(*) FROM tenants_tenantapikey") == 0
    # The resolver answers one prefix at a time and is the only door.
    assert _scalar("SELECT count(*) FROM secre_resolve_api_key(%s)", [key.prefix]) == 1
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        _execute("SET ROLE secre_key_lookup")


def test_the_name_search_function_returns_only_the_current_tenants_ids():
    """secre_patient_ids_by_name, the second named door beside the key resolvers (patients/0007):
    it reads every tenant's names as secre_search, so it must filter on the tenant itself."""
    ours, theirs = PatientFactory(first_name="María"), PatientFactory(first_name="Maria")
    search = "SELECT secre_patient_ids_by_name(%s)"
    with tenant_context(ours.tenant_id):
        assert _rows(search, ["MARIA"]) == [(ours.id,)]
    with tenant_context(theirs.tenant_id):
        assert _rows(search, ["maría"]) == [(theirs.id,)]
    assert _rows(search, ["maria"]) == []  # no tenant set: nothing
    with tenant_context(ours.tenant_id):
        # Ids only, and nothing the runtime role could use to read more.
        assert _scalar(
            "SELECT pg_get_function_result('secre_patient_ids_by_name(text, uuid, integer)'::regprocedure)"
        ) == ("SETOF uuid")
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            _execute("SET ROLE secre_search")
    # secre_search itself: a SELECT-only policy on every row, and the id, tenant and folded name alone.
    assert _rows(
        "SELECT cmd, roles::text[] FROM pg_policies"
        " WHERE tablename = 'patients_patient' AND 'secre_search' = ANY(roles)"
    ) == [("SELECT", ["secre_search"])]
    readable = "SELECT has_column_privilege('secre_search', 'patients_patient', %s, 'SELECT')"
    assert [_scalar(readable, [column]) for column in ("id", "tenant_id", "name_search")] == [True] * 3
    assert [_scalar(readable, [column]) for column in ("first_name", "document_number", "phone")] == [False] * 3
    assert not _scalar("SELECT has_table_privilege('secre_search', 'patients_patient', 'INSERT, UPDATE, DELETE')")


@pytest.mark.django_db(databases=["default", "owner"])
def test_composite_foreign_key_refuses_a_cross_tenant_reference():
    """The SQL of AddTenantForeignKey, applied to scratch tables: the database refuses a row that
    references another tenant's row even though a plain foreign key would accept it."""
    operation = AddTenantForeignKey(model_name="child", field="parent", to_table="scratch_parent")
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE scratch_parent (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, UNIQUE (tenant_id, id))"
        )
        cursor.execute(
            "CREATE TEMP TABLE scratch_child (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,"
            " parent_id uuid REFERENCES scratch_parent (id))"
        )
        for statement in operation.forwards_sql("scratch_child"):
            cursor.execute(statement.replace('"scratch_parent"', "pg_temp.scratch_parent"))
        tenant_a, tenant_b, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        cursor.execute("INSERT INTO scratch_parent VALUES (%s, %s)", [parent, tenant_a])
        cursor.execute("INSERT INTO scratch_child VALUES (%s, %s, %s)", [uuid.uuid4(), tenant_a, parent])
        with pytest.raises(IntegrityError, match="same_tenant_fk"), transaction.atomic(using="owner"):
            cursor.execute("INSERT INTO scratch_child VALUES (%s, %s, %s)", [uuid.uuid4(), tenant_b, parent])


def _rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _insert_patient(*, tenant_id):
    _execute(
        """INSERT INTO patients_patient (id, tenant_id, first_name, first_last_name, document_type_id,
           document_number, habeas_data, custom_fields, created_at, updated_at)
           VALUES (%s, %s, 'Eve', 'Intruder', 1, %s, false, '{}', now(), now())""",
        [uuid.uuid4(), tenant_id, str(uuid.uuid4().int)[:12]],
    )
