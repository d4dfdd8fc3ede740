"""Migrations: complete, reversible, and the RLS operations describe themselves."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from tenants.rls import APPEND_ONLY, AddTenantForeignKey, EnableTenantIsolation, GrantRuntimeAccess

pytestmark = pytest.mark.migrations


@pytest.mark.django_db(databases=["default", "owner"])
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_operations_deconstruct_and_describe():
    isolation = EnableTenantIsolation("appointment", privileges=APPEND_ONLY)
    assert isolation.deconstruct() == (
        "EnableTenantIsolation",
        [],
        {"model_name": "appointment", "privileges": ("SELECT", "INSERT")},
    )
    assert "row-level security" in isolation.describe()
    sql = " ".join(isolation.forwards_sql("t"))
    assert "FORCE ROW LEVEL SECURITY" in sql and "GRANT SELECT, INSERT ON" in sql
    assert "NULLIF(current_setting('app.tenant_id', true), '')::uuid" in sql
    assert "same-tenant" in AddTenantForeignKey("a", "patient", "patients_patient").describe()
    assert GrantRuntimeAccess("x").describe() == "Grant SELECT on x to secre_app, secre_operator"


@pytest.mark.django_db(databases=["default", "owner"])
def test_app_migrations_reverse_and_reapply():
    """Every app migration goes back to zero and forward again (inside the test's transaction)."""

    def table_exists(name):
        with connections["owner"].cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            return cursor.fetchone()[0]

    call_command("migrate", "patients", "zero", database="owner", verbosity=0)
    assert not table_exists("patients_patient")
    call_command("migrate", "patients", database="owner", verbosity=0)
    assert table_exists("patients_patient")
    with connections["owner"].cursor() as cursor:
        cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'patients_patient'")
        assert cursor.fetchone()[0] is True
        cursor.execute("SELECT count(*) FROM patients_documenttype")
        assert cursor.fetchone()[0] >= 14
