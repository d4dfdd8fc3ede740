"""The schema held to the Citus distribution plan (docs/scaling.md), read from the test database's catalog.

Citus shards tenant tables by ``tenant_id`` and keeps a tenant's rows of every table on one node; it
can enforce a key across tables or rows only inside one shard. So every foreign key into a tenant
table, and every unique index and exclusion constraint of one (the primary keys apart: see
docs/scaling.md for their migration), must include the tenant column; foreign keys out of tenant
tables may also point at the lookup tables that become reference tables. Exceptions are listed in
:data:`ALLOWED`, each with its reason, and each must still exist (no stale entries).

Citus itself cannot be installed here, so this test is what keeps the plan true as the schema grows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

pytestmark = [pytest.mark.migrations, pytest.mark.django_db]

# The tenant column of each tenant table: ``tenant_id``, except the tenants table itself.
TENANT_COLUMN_OF = {"tenants_tenant": "id"}
# Tables without a tenant that tenant tables may point at: Citus reference tables in the plan.
LOOKUP_TABLES = {"patients_documenttype", "patients_gender", "patients_eps", "django_content_type"}

# Constraints the plan allows without the tenant column: (kind, table, columns[, referenced table]).
ALLOWED = {
    ("unique", "tenants_tenantapikey", ("prefix",)): (
        "a key is found by its prefix before any tenant is known; API keys are a reference table"
    ),
    ("unique", "tenants_user", ("username",)): (
        "staff sign in by username before any tenant is known; staff are a reference table"
    ),
    ("unique", "appointments_doctor", ("user_id",)): (
        "Doctor.user is a OneToOneField (Django makes user_id unique); with the same-tenant key it equals"
        " UNIQUE (tenant_id, user_id), which replaces it when doctors are distributed"
    ),
    ("unique", "appointments_appointment", ("rescheduled_from_id",)): (
        "Appointment.rescheduled_from is a OneToOneField; with the same-tenant key it equals"
        " UNIQUE (tenant_id, rescheduled_from_id), which replaces it when appointments are distributed"
    ),
    ("unique", "appointments_slothold", ("appointment_id",)): (
        "SlotHold.appointment is a OneToOneField; with the same-tenant key it equals"
        " UNIQUE (tenant_id, appointment_id), which replaces it when holds are distributed"
    ),
    ("foreign key", "audit_auditevent", ("actor_id",), "tenants_user"): (
        "platform operators (no tenant) act inside tenants; a distributed table may reference staff, a reference table"
    ),
    ("foreign key", "tenants_user_groups", ("user_id",), "tenants_user"): (
        "memberships have no tenant column: reference tables, with the staff they belong to"
    ),
    ("foreign key", "tenants_user_user_permissions", ("user_id",), "tenants_user"): (
        "memberships have no tenant column: reference tables, with the staff they belong to"
    ),
    ("foreign key", "django_admin_log", ("user_id",), "tenants_user"): (
        "Django admin's log (never written, tenants/console.py) stays a local table, which may reference staff"
    ),
    ("foreign key", "auditlog_logentry", ("actor_id",), "tenants_user"): (
        "django-auditlog's own table, unused (AUDITLOG_LOGENTRY_MODEL is audit.AuditEvent): a local table"
    ),
}

SCALING_DOC = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"


def _rows(sql: str, params=(), using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _tenant_tables(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """Every table of the public schema with a tenant column, and that column."""
    tables = dict(
        _rows(
            """SELECT c.relname, 'tenant_id' FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
               WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
               AND a.attname = 'tenant_id' AND NOT a.attisdropped""",
            using=using,
        )
    )
    tables.update(TENANT_COLUMN_OF)
    return tables


# Columns of a constraint's or index's keys, in key order (``conkey``/``confkey``/``indkey``); an
# expression (attnum 0, such as a range of two columns) reads as "(expression)".
_COLUMNS = """ARRAY(SELECT COALESCE(a.attname::text, '(expression)') FROM unnest({keys}) WITH ORDINALITY k(attnum, n)
                   LEFT JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.attnum ORDER BY k.n)"""


def _foreign_keys(using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, str, list[str], str, list[str]]]:
    """(name, table, columns, referenced table, referenced columns) of every foreign key in public."""
    return _rows(
        f"""SELECT con.conname, con.conrelid::regclass::text, {_COLUMNS.format(keys="con.conkey", rel="con.conrelid")},
                   con.confrelid::regclass::text, {_COLUMNS.format(keys="con.confkey", rel="con.confrelid")}
            FROM pg_constraint con WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace""",
        using=using,
    )


def _unique_indexes(using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, str, list[str]]]:
    """(index, table, key columns) of every unique index but primary keys (constraints' and partial ones)."""
    return _rows(
        f"""SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text,
                   {_COLUMNS.format(keys="i.indkey::int2[]", rel="i.indrelid")}
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            WHERE i.indisunique AND NOT i.indisprimary AND c.relnamespace = 'public'::regnamespace""",
        using=using,
    )


def _exclusion_constraints(using: str = DEFAULT_DB_ALIAS) -> list[tuple[str, str, list[str], list[str]]]:
    """(name, table, columns, operators) of every exclusion constraint in public."""
    return _rows(
        f"""SELECT con.conname, con.conrelid::regclass::text, {_COLUMNS.format(keys="con.conkey", rel="con.conrelid")},
                   ARRAY(SELECT o.oprname::text FROM unnest(con.conexclop) WITH ORDINALITY x(op, n)
                         JOIN pg_operator o ON o.oid = x.op ORDER BY x.n)
            FROM pg_constraint con WHERE con.contype = 'x' AND con.connamespace = 'public'::regnamespace""",
        using=using,
    )


def _violations(using: str = DEFAULT_DB_ALIAS) -> tuple[list[str], set[tuple]]:
    """What breaks the plan (unless allowed), and the allow-list entries that were needed."""
    tenant_tables = _tenant_tables(using)
    problems: list[str] = []
    used: set[tuple] = set()

    def refuse(key: tuple, message: str) -> None:
        if key in ALLOWED:
            used.add(key)
        else:
            problems.append(message)

    for name, table, columns, target, target_columns in _foreign_keys(using):
        if target in tenant_tables:
            pairs = set(zip(columns, target_columns, strict=True))
            if table not in tenant_tables or (tenant_tables[table], tenant_tables[target]) not in pairs:
                refuse(
                    ("foreign key", table, tuple(columns), target),
                    f"{name}: {table}({', '.join(columns)}) -> {target} lacks the tenant column",
                )
        elif table in tenant_tables and target not in LOOKUP_TABLES:
            problems.append(
                f"{name}: {table} -> {target}, a table with no tenant column that the plan does not make a"
                " reference table (LOOKUP_TABLES, docs/scaling.md)"
            )
    for name, table, columns in _unique_indexes(using):
        if table in tenant_tables and tenant_tables[table] not in columns:
            refuse(("unique", table, tuple(columns)), f"{name}: UNIQUE {table}({', '.join(columns)}) lacks tenant_id")
    for name, table, columns, operators in _exclusion_constraints(using):
        if table in tenant_tables and (tenant_tables[table], "=") not in set(zip(columns, operators, strict=True)):
            refuse(("exclusion", table, tuple(columns)), f"{name}: EXCLUDE on {table} lacks tenant_id WITH =")
    return problems, used


def test_every_key_between_tenant_tables_unique_index_and_exclusion_includes_the_tenant():
    problems, used = _violations()
    assert problems == [], "\n".join(problems)
    assert set(ALLOWED) - used == set(), "allow-list entries that no longer match anything: remove them"


def test_the_catalog_reading_sees_the_keys_it_must_pass():
    """The test above is only as good as its reading of the catalog: known good keys are seen as such."""
    tenant_tables = _tenant_tables()
    assert {"patients_patient", "appointments_appointment", "webhooks_delivery", "tenants_tenant"} <= set(tenant_tables)
    keys = {(table, tuple(columns), target) for _, table, columns, target, _ in _foreign_keys()}
    assert ("appointments_appointment", ("tenant_id", "patient_id"), "patients_patient") in keys
    assert ("patients_patient", ("tenant_id",), "tenants_tenant") in keys
    unique = {(table, tuple(columns)) for _, table, columns in _unique_indexes()}
    assert ("patients_patient", ("tenant_id", "document_type_id", "document_number")) in unique
    exclusions = {name: (columns, operators) for name, _, columns, operators in _exclusion_constraints()}
    columns, operators = exclusions["appointments_doctor_no_overlap"]
    assert columns[0] == "tenant_id" and operators[0] == "="


@pytest.mark.django_db(databases=["default", "owner"])
def test_a_key_without_the_tenant_is_caught():
    """A scratch tenant table with the keys the plan refuses, created and rolled back by the owner."""
    with transaction.atomic(using="owner"):
        with connections["owner"].cursor() as cursor:
            cursor.execute(
                """CREATE TABLE scratch_visit (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, code text,
                   during tstzrange, patient_id uuid REFERENCES patients_patient (id), UNIQUE (code),
                   EXCLUDE USING gist (patient_id WITH =, during WITH &&))"""
            )
        problems, _ = _violations(using="owner")
        transaction.set_rollback(True, using="owner")
    scratch = [problem for problem in problems if "scratch_visit" in problem]
    assert len(scratch) == 3, problems
    assert any("-> patients_patient lacks the tenant column" in p for p in scratch)
    assert any("UNIQUE scratch_visit(code)" in p for p in scratch)
    assert any("EXCLUDE on scratch_visit" in p for p in scratch)


def test_every_exception_is_documented_in_the_scaling_plan():
    text = SCALING_DOC.read_text()
    for key in ALLOWED:
        assert key[1] in text, f"docs/scaling.md does not mention {key[1]} ({ALLOWED[key]})"
