"""Name search served by an index under RLS (issue 17 §1): secre_patient_ids_by_name(needle).

Under row-level security PostgreSQL never used a trigram index for the name filter (0004: the tenant
policy is a security barrier and LIKE is not leakproof), so a name search read every row of the
tenant. This adds a ``(tenant_id, name_search gin_trgm_ops)`` index for rare needles, a ``(tenant_id,
id) INCLUDE (name_search)`` index for the common ones (read in id order, index-only), and a SECURITY DEFINER function
owned by ``secre_search`` (tenants.rls.CreateTenantSearchFunction) that filters on the current
tenant itself and returns ids; the selector reads the rows by id under RLS as always.

The semantics stay: accent- and case-insensitive "contains" across the four name parts, ``%``, ``_``
and ``\\`` literal (escaped exactly as Django escapes a ``contains`` pattern).
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

from tenants.rls import CreateTenantSearchFunction

# The needle folded like the stored column, then LIKE-escaped (backslash first), between wildcards.
NAME_CONTAINS = (
    "t.name_search LIKE '%' || replace(replace(replace(public.secre_name_search($1),"
    " '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'"
)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0006_tenant_scoped_base_manager"),
        ("tenants", "0015_tenant_scoped_base_manager"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.AddIndex(
            model_name="patient",
            index=django.contrib.postgres.indexes.GinIndex(
                "tenant",
                django.contrib.postgres.indexes.OpClass("name_search", name="gin_trgm_ops"),
                name="patients_tenant_name_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["tenant", "id"], include=["name_search"], name="patients_tenant_id_name_idx"),
        ),
        CreateTenantSearchFunction(
            model_name="patient",
            function="secre_patient_ids_by_name",
            columns=["name_search"],
            condition=NAME_CONTAINS,
        ),
    ]
