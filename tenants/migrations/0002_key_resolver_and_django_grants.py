"""The API key resolver function, and the runtime role's grants on Django's own tables."""

from django.db import migrations

from tenants.rls import READ_WRITE, GrantRuntimeAccess

# Returns the one key row (with its tenant) matching a presented prefix. SECURITY DEFINER, owned
# by secre_key_lookup (whose only power is a SELECT policy on the two key tables), with a pinned
# search_path so no caller-created object can shadow what it reads.
CREATE_RESOLVER = """
CREATE FUNCTION secre_resolve_api_key(p_prefix text)
RETURNS TABLE (
    api_key_id uuid, key_name text, hashed_key text, revoked boolean, expiry_date timestamptz,
    last_used_at timestamptz, tenant_id uuid, tenant_name text, tenant_timezone text,
    tenant_is_active boolean, tenant_created_at timestamptz
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT k.id, k.name::text, k.hashed_key::text, k.revoked, k.expiry_date, k.last_used_at,
           t.id, t.name::text, t.timezone::text, t.is_active, t.created_at
    FROM public.tenants_tenantapikey AS k
    JOIN public.tenants_tenant AS t ON t.id = k.tenant_id
    WHERE k.prefix = p_prefix
$$;
-- A new owner needs CREATE on the schema at the moment of the transfer, and only then.
GRANT CREATE ON SCHEMA public TO secre_key_lookup;
ALTER FUNCTION secre_resolve_api_key(text) OWNER TO secre_key_lookup;
REVOKE CREATE ON SCHEMA public FROM secre_key_lookup;
REVOKE ALL ON FUNCTION secre_resolve_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION secre_resolve_api_key(text) TO secre_app;
"""
DROP_RESOLVER = "DROP FUNCTION IF EXISTS secre_resolve_api_key(text);"


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(CREATE_RESOLVER, reverse_sql=DROP_RESOLVER),
        GrantRuntimeAccess(table="django_migrations"),
        GrantRuntimeAccess(table="django_content_type"),
        GrantRuntimeAccess(table="auth_permission"),
        GrantRuntimeAccess(table="auth_group", privileges=READ_WRITE, sequences=("auth_group_id_seq",)),
        GrantRuntimeAccess(
            table="auth_group_permissions", privileges=READ_WRITE, sequences=("auth_group_permissions_id_seq",)
        ),
        GrantRuntimeAccess(table="django_session", privileges=READ_WRITE),
        GrantRuntimeAccess(table="django_admin_log", privileges=READ_WRITE, sequences=("django_admin_log_id_seq",)),
    ]
